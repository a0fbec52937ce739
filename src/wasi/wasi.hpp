#pragma once
// The WASI preview 1 host (`wasi_snapshot_preview1`): every function of the ABI is
// defined; those the sandbox does not offer return the proper errno and never crash.
//
//   wasi::WasiConfig config;
//   config.args = {"prog", "x"};
//   config.stdin_bytes = input;
//   auto ctx = wasi::WasiContext::create(std::move(config));   // opens the preopens
//   wasm::Linker linker;
//   (*ctx)->link(linker);
//   ... instantiate, call "_start"; proc_exit arrives as a Trap of kind kExit ...
//   (*ctx)->stdout_sink().captured();
//
// Every pointer and length the guest passes is checked against its memory with
// 64-bit arithmetic before use; a bad one is EFAULT, never a host access. See
// docs/sandbox.md for the function-by-function support table.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "wasm/wasm.hpp"

namespace wavs::wasi {

inline constexpr std::string_view kModuleName = "wasi_snapshot_preview1";

// A bounded output stream: keeps (or passes through) the first `cap` bytes, then
// appends one truncation marker and drops the rest. The guest is always told its
// write succeeded, so a flood of output costs the host nothing but the count.
//
// Passthrough contract: called on the guest's thread, inside its fd_write, with data
// valid during the call only; it may block (the guest waits, its time limit still
// runs) and must not throw.
class OutputSink {
 public:
  using Passthrough = std::function<void(std::string_view)>;
  explicit OutputSink(std::size_t cap, Passthrough passthrough = {});
  void write(std::string_view data);
  // What was kept (empty when passing through).
  [[nodiscard]] const std::string& captured() const { return captured_; }
  [[nodiscard]] std::string take() { return std::move(captured_); }
  [[nodiscard]] bool truncated() const { return truncated_; }
  [[nodiscard]] std::uint64_t total_bytes() const { return total_; }

  static std::string marker(std::size_t cap);

 private:
  std::size_t cap_;
  Passthrough passthrough_;
  std::string captured_;
  std::uint64_t total_ = 0;
  bool truncated_ = false;
};

struct Preopen {
  std::string host_path;   // an existing host directory
  std::string guest_path;  // the name the guest sees, e.g. "/data" or "."
};

struct WasiConfig {
  std::vector<std::string> args;                            // argv, program name first
  std::vector<std::pair<std::string, std::string>> env;     // only what the host grants
  Bytes stdin_bytes;                                        // the guest's whole stdin
  int stdin_host_fd = -1;                                   // when >= 0: read this host fd instead
  std::vector<Preopen> preopens;                            // fds 3, 4, … in order
  std::size_t max_stdout_bytes = 1 << 20;
  std::size_t max_stderr_bytes = 1 << 20;
  OutputSink::Passthrough stdout_passthrough;               // set: stream instead of capture
  OutputSink::Passthrough stderr_passthrough;
  // The host fds the passthroughs end on, when they are host fds (-1: unknown). Only
  // looked at, never written: a stdio stream looks like a terminal to the guest (a
  // character device without seek rights, what wasi-libc's isatty() tests) only when
  // its host fd is one. Captured streams and stdin_bytes never are.
  int stdout_host_fd = -1;
  int stderr_host_fd = -1;
  // Wakes poll_oneoff sleeps when the run is stopped (the wall-clock limit's flag).
  const std::atomic<bool>* interrupt = nullptr;
  std::size_t max_open_fds = 1024;
};

class WasiContext {
 public:
  struct Impl;

  // Errors: WasiErrc::kPreopen when a granted directory cannot be opened.
  [[nodiscard]] static Result<std::unique_ptr<WasiContext>> create(WasiConfig config);
  ~WasiContext();
  WasiContext(const WasiContext&) = delete;
  WasiContext& operator=(const WasiContext&) = delete;

  // Defines every wasi_snapshot_preview1 function in `linker`, bound to this context
  // (which must outlive the instances linked against it).
  void link(wasm::Linker& linker);

  // Defines every function bound to whichever context is active on the calling thread
  // (see Scope): one such linker serves every run, so a run does not pay for 46
  // definitions. A call with no active context traps.
  static void link_active(wasm::Linker& linker);

  // Makes a context the calling thread's active one for its lifetime (nestable).
  class Scope {
   public:
    explicit Scope(WasiContext& ctx);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Impl* previous_;
  };

  [[nodiscard]] OutputSink& stdout_sink();
  [[nodiscard]] OutputSink& stderr_sink();
  // The stderr of the calling thread's active context (nullptr when none), so other
  // host modules (the component ABI's log) can append to the same captured stream.
  [[nodiscard]] static OutputSink* active_stderr();

 private:
  explicit WasiContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The 46 functions of wasi_snapshot_preview1 with their signatures.
struct FunctionInfo {
  std::string_view name;
  wasm::FuncType type;
};
[[nodiscard]] std::span<const FunctionInfo> preview1_functions();

}  // namespace wavs::wasi
