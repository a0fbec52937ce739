#pragma once
// The system C compiler as the back end of the engine's compiled tier: one C translation
// unit in, the bytes of a shared object out.
//
//   ToolchainConfig tc;                                   // `cc` on PATH, -O2 -fPIC -shared ...
//   Result<std::string> id = compiler_identity(tc);       // goes into the cache key
//   Result<Bytes> so = compile_shared_object(tc, c_source, {{"rt.h", rt_header}});
//
// Contract:
//   owns     nothing between calls; each compile gets a fresh private directory (mkdtemp
//            under $TMPDIR or /tmp) that is removed before the call returns, whatever
//            happened
//   threads  both functions are thread-safe; several compiles may run at once
//   blocking compile_shared_object blocks the calling thread for the whole compile;
//            compiler_identity runs `cc --version` once per configuration and process
//   cancels  the timeout, or a stop requested on the `cancel` token: then the compiler's
//            process group gets SIGKILL and is reaped (within about 20 ms of the request). The compiler runs without a shell, with stdin /dev/null, its
//            stdout and stderr captured (the first 64 KiB kept), in its own process
//            group, and inherits no descriptor but 0, 1 and 2. It gets this process's
//            environment with LC_ALL=C, so its messages and version line do not depend
//            on the locale.

#include <chrono>
#include <stop_token>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"

namespace wavs::aot {

struct ToolchainConfig {
  std::string cc = "cc";  // a program name looked up on PATH, or a path (it has a '/')
  // -ffp-contract=off and -fsignaling-nans keep float results and NaN payloads exactly
  // what wasm defines (no fused multiply-add, no folding that quiets a signaling NaN).
  std::vector<std::string> flags = {
      "-O2", "-std=c11", "-fPIC", "-shared", "-ffp-contract=off", "-fsignaling-nans", "-fno-strict-aliasing",
      "-w"};
  std::chrono::seconds timeout{300};  // the compiler is killed after this
};

// What a cache key must say about the compiler: its resolved absolute path (symlinks
// followed), the first line of `cc --version` and the flags, each length-prefixed in one
// string. Computed once per configuration in the process (successes only, so a compiler
// installed later is found). Errors: kCompilerMissing (not found, not executable, or
// `--version` fails; names the program), kTimeout.
[[nodiscard]] Result<std::string> compiler_identity(const ToolchainConfig& config);

// Compiles `c_source` (written as module.c) into a shared object and returns its bytes.
// `headers` are (file name, contents) written beside the source, so it can
// `#include "name"`; a name must be a plain file name (no '/', not "." or "..", not
// module.c or module.so), else kBadInput. Errors: kCompilerMissing; kCompileFailed with
// the exit status (or signal) and the first 20 lines of the compiler's output; kTimeout
// naming the seconds; kCancelled when `cancel` was requested; kCacheIo when the private
// directory cannot be made or read.
[[nodiscard]] Result<Bytes> compile_shared_object(
    const ToolchainConfig& config, std::string_view c_source,
    const std::vector<std::pair<std::string, std::string>>& headers = {}, std::stop_token cancel = {});

}  // namespace wavs::aot
