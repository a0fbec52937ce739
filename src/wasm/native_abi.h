/* The interface between the engine and the native code of a module (docs/wasm-engine.md,
 * "Tier 2"). This one file is both included by the engine's C++ and written beside the
 * generated C source as "wavs_native_abi.h", so both sides see the same layout.
 *
 * The generated code owns nothing: every pointer in the context belongs to the engine's
 * instance, which outlives each call. A context is used by one thread at a time (the one
 * running the instance); the host callbacks run on that thread and may call back into
 * wasm. Traps leave native code by longjmp to the entry of the current call (no C++
 * frame is ever crossed: callbacks return a status and the C side raises the trap).
 *
 * Bump WAVS_NATIVE_ABI_VERSION on any change here or in what the emitter generates: it
 * is part of the cache key and checked when a library is attached. */
#ifndef WAVS_NATIVE_ABI_H_
#define WAVS_NATIVE_ABI_H_

#include <stdint.h>

#define WAVS_NATIVE_ABI_VERSION 3u
#define WAVS_NATIVE_SYMBOL "wavs_native_module_v1"

#ifdef __cplusplus
extern "C" {
#endif

struct wavs_native_host;

typedef struct wavs_native_ctx {
  uint8_t* mem;                /* memory 0's base (never moves), or null */
  const uint64_t* mem_size;    /* its current size in bytes (changes when it grows) */
  uint64_t* const* globals;    /* each global's 64-bit cell, by global index */
  void* const* funcs;          /* the engine's function objects, by function index */
  const uint32_t* type_ids;    /* canonical id of each type index (call_indirect) */
  const volatile uint8_t* interrupt; /* non-zero: stop at the next check */
  const struct wavs_native_host* host;
  void* instance;              /* the engine's instance */
  uint32_t depth;              /* the call depth at entry, as the interpreter counts it */
  uint32_t max_depth;
  uint64_t slot_limit;         /* frames may not reach past this slot index */
  void* jump;                  /* the jmp_buf of the innermost entry */
  int32_t trap;                /* the trap kind being raised */
} wavs_native_ctx;

/* Status codes of callbacks: 0 is success, otherwise the trap kind + 1. */
typedef struct wavs_native_host {
  /* Calls an engine function (an import, or a call_indirect target that is not this
   * instance's native code). `frame` is the callee's frame slot index, `caller_top` the
   * slot index above the caller's frame, `depth` the caller's call depth; arguments and
   * results in `slots`. */
  int32_t (*call)(wavs_native_ctx* c, const void* func, uint32_t depth, uint64_t frame, uint64_t caller_top,
                  uint64_t* slots);
  /* Resolves table[index] for call_indirect with expected type index `type`, checking
   * the call stack for a callee frame at `frame`. Returns the callee's index among this
   * instance's native functions (call it directly), -1 with *func set (use `call`), or
   * -(trap kind + 2). */
  int32_t (*resolve)(wavs_native_ctx* c, uint32_t table, uint32_t index, uint32_t type, uint32_t depth,
                     uint64_t frame, const void** func);
  int32_t (*memory_grow)(wavs_native_ctx* c, uint32_t delta); /* old pages or -1 */
  int32_t (*memory_init)(wavs_native_ctx* c, uint32_t seg, uint32_t dst, uint32_t src, uint32_t n);
  void (*data_drop)(wavs_native_ctx* c, uint32_t seg);
  int32_t (*table_get)(wavs_native_ctx* c, uint32_t table, uint32_t index, uint64_t* out);
  int32_t (*table_set)(wavs_native_ctx* c, uint32_t table, uint32_t index, uint64_t value);
  uint32_t (*table_size)(wavs_native_ctx* c, uint32_t table);
  int32_t (*table_grow)(wavs_native_ctx* c, uint32_t table, uint64_t init, uint32_t n); /* old size or -1 */
  int32_t (*table_fill)(wavs_native_ctx* c, uint32_t table, uint32_t index, uint64_t value, uint32_t n);
  int32_t (*table_copy)(wavs_native_ctx* c, uint32_t dst_table, uint32_t src_table, uint32_t dst, uint32_t src,
                        uint32_t n);
  int32_t (*table_init)(wavs_native_ctx* c, uint32_t table, uint32_t seg, uint32_t dst, uint32_t src, uint32_t n);
  void (*elem_drop)(wavs_native_ctx* c, uint32_t seg);
} wavs_native_host;

/* The code accesses the memory it defines without bounds checks: the engine must give
 * it a guarded memory (8 GiB reserved, inaccessible beyond the current size), whose
 * faults it turns into out-of-bounds traps. */
#define WAVS_NATIVE_GUARDED_MEMORY 1u

typedef void (*wavs_native_generic_fn)(wavs_native_ctx* c, uint64_t frame, uint64_t* slots);

/* What a library exports under WAVS_NATIVE_SYMBOL. */
typedef struct wavs_native_module {
  uint32_t abi_version;
  uint32_t num_funcs;                     /* the module's own functions */
  uint32_t flags;                         /* WAVS_NATIVE_GUARDED_MEMORY, ... */
  const char* fingerprint;                /* hex digest of the wasm the code was made from */
  const wavs_native_generic_fn* generic;  /* args and results through `slots` */
  /* Runs generic[func] under a fresh trap target: 0, or the trap kind + 1. */
  int32_t (*enter)(wavs_native_ctx* c, uint32_t func, uint64_t frame, uint64_t* slots);
} wavs_native_module;

#ifdef __cplusplus
}
#endif

#endif /* WAVS_NATIVE_ABI_H_ */
