// Stands in for the <setjmp.h> that wasi-libc lacks; Lua is built without it (lua_config.h).
#pragma once
