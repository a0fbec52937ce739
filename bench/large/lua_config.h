// Forced into every Lua source file (-include), natively and for wasm, so both builds run
// the same code.
// - wasi-libc has no setjmp/longjmp (they need the exception-handling proposal, which the
//   engine does not implement), so a Lua error cannot unwind: it aborts the process. The
//   benchmark script raises none (no error(), no failing pcall, no coroutine.yield, which
//   unwinds the same way in Lua 5.4). ldo.c still includes <setjmp.h>: the wasm build
//   finds an empty one in wasi-include/.
// - The string-hash seed and table.sort's pivot randomisation are constants, so a run
//   depends on neither the clock nor addresses.
#pragma once
#include <stdlib.h>
#define LUAI_THROW(L, c) abort()
#define LUAI_TRY(L, c, a) \
  { a }
#define luai_jmpbuf int
#define luai_makeseed(L) 0x5eedu
#define l_randomizePivot() 0x2545u
