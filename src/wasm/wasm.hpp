#pragma once
// The embedding API of the WebAssembly engine, all in one header.
//
//   wasm::Engine engine;                                   // shareable, thread-safe
//   auto module = engine.compile(bytes);                   // decode + validate + translate, once
//   wasm::Linker linker;                                   // host functions by (module, name)
//   linker.define_func("env", "log", {{ValType::kI32}, {}},
//       [](wasm::Caller& c, std::span<const wasm::Value> args, std::span<wasm::Value>)
//           -> std::optional<wasm::Trap> { ...; return std::nullopt; });
//   auto instance = linker.instantiate(**module);           // memories, tables, globals, start
//   auto results = (*instance)->call("run", {wasm::Value::i32(7)});
//   if (!results) /* results.error() is a wasm::Trap: kind + message */;
//
// Failures before running (bad binary, type errors, missing imports, a bad segment)
// are wavs::Error values with a WasmErrc code and a message naming section, offset and
// function. Failures while running are Traps, returned as values: a guest can never
// crash or escape the host, and deep recursion ends in TrapKind::kCallStackExhausted.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"
#include "common/error.hpp"
#include "wasm/types.hpp"

namespace wavs::wasm {

struct FuncInst;
struct InstanceData;
struct CompiledModule;
struct NativeCode;

// ---- values ----------------------------------------------------------------------

// A typed WebAssembly value. Floats are kept as bit patterns so NaN payloads survive.
// References: a funcref is a FuncInst* (null = nullptr); an externref is an opaque
// host pointer (null = nullptr).
class Value {
 public:
  Value() = default;
  static Value i32(std::int32_t v) { return Value(ValType::kI32, static_cast<std::uint32_t>(v)); }
  static Value i64(std::int64_t v) { return Value(ValType::kI64, static_cast<std::uint64_t>(v)); }
  static Value f32(float v);
  static Value f64(double v);
  static Value f32_bits(std::uint32_t bits) { return Value(ValType::kF32, bits); }
  static Value f64_bits(std::uint64_t bits) { return Value(ValType::kF64, bits); }
  static Value funcref(const FuncInst* f) {
    return Value(ValType::kFuncRef, reinterpret_cast<std::uintptr_t>(f));
  }
  static Value externref(const void* p) {
    return Value(ValType::kExternRef, reinterpret_cast<std::uintptr_t>(p));
  }
  static Value null(ValType ref_type) { return Value(ref_type, 0); }
  // The zero value of a type (what locals and new table slots start as).
  static Value zero(ValType t) { return Value(t, 0); }
  // From the engine's raw 64-bit slot representation.
  static Value from_bits(ValType t, std::uint64_t bits) { return Value(t, bits); }

  [[nodiscard]] ValType type() const { return type_; }
  [[nodiscard]] std::int32_t i32() const { return static_cast<std::int32_t>(bits_); }
  [[nodiscard]] std::int64_t i64() const { return static_cast<std::int64_t>(bits_); }
  [[nodiscard]] float f32() const;
  [[nodiscard]] double f64() const;
  // References travel as integers through slots; these casts are their way back.
  [[nodiscard]] const FuncInst* funcref() const {
    return reinterpret_cast<const FuncInst*>(bits_);  // NOLINT(performance-no-int-to-ptr)
  }
  [[nodiscard]] const void* externref() const {
    return reinterpret_cast<const void*>(bits_);  // NOLINT(performance-no-int-to-ptr)
  }
  [[nodiscard]] bool is_null() const { return bits_ == 0; }
  [[nodiscard]] std::uint64_t bits() const { return bits_; }
  [[nodiscard]] std::string to_string() const;  // "i32:7", "f64:1.5", "externref:null"
  bool operator==(const Value&) const = default;

 private:
  Value(ValType t, std::uint64_t bits) : type_(t), bits_(bits) {}
  ValType type_ = ValType::kI32;
  std::uint64_t bits_ = 0;
};

// ---- traps -----------------------------------------------------------------------

enum class TrapKind : std::uint8_t {
  kUnreachable,
  kIntegerDivideByZero,
  kIntegerOverflow,
  kInvalidConversion,
  kMemoryOutOfBounds,
  kTableOutOfBounds,
  kUninitializedElement,
  kUndefinedElement,  // call_indirect past the end of the table
  kIndirectCallTypeMismatch,
  kNullReference,
  kCallStackExhausted,
  kInterrupted,  // the host set the instance's interrupt flag
  kExit,         // a host function asked to terminate (e.g. WASI proc_exit); see exit_code
  kHost,         // a host function failed
  kBadCall,      // the embedder called with a wrong export name or argument types
  kFuelExhausted,  // a fused negative check of the EngineConfig::fuel_global_export counter
};

[[nodiscard]] const char* to_string(TrapKind k);  // the spec's wording, e.g. "integer divide by zero"

struct Trap {
  TrapKind kind = TrapKind::kUnreachable;
  std::string message;
  std::int32_t exit_code = 0;  // for kExit

  static Trap exit(std::int32_t code) { return Trap{TrapKind::kExit, "exit " + std::to_string(code), code}; }
  static Trap host(std::string message) { return Trap{TrapKind::kHost, std::move(message), 0}; }
};

template <class T>
using Outcome = tl::expected<T, Trap>;

// ---- shared objects: memories, tables, globals -------------------------------------

// A linear memory. Its address range is reserved once for the largest size it may
// reach, so `data()` never moves and growth never copies; every guest access is
// checked against `size()`.
class Memory {
 public:
  // `guarded`: reserve the whole range a 32-bit address plus offset can reach (8 GiB) and
  // keep everything beyond the current size inaccessible, for native code that does not
  // check bounds (wasm/native.hpp). Either way every access is checked: by the engine,
  // or by the hardware.
  static Result<std::shared_ptr<Memory>> create(MemoryType type, std::uint32_t max_pages_cap = kMaxPages,
                                                bool guarded = false);
  ~Memory();
  Memory(const Memory&) = delete;
  Memory& operator=(const Memory&) = delete;

  [[nodiscard]] std::uint8_t* data() { return data_; }
  [[nodiscard]] std::uint64_t size() const { return size_; }
  [[nodiscard]] std::uint32_t pages() const { return static_cast<std::uint32_t>(size_ / kPageSize); }
  [[nodiscard]] MemoryType type() const { return type_; }
  [[nodiscard]] std::span<std::uint8_t> bytes() { return {data_, static_cast<std::size_t>(size_)}; }
  // Where the current size lives: native code (wasm/native.hpp) reads it after each call
  // that may have grown the memory.
  [[nodiscard]] const std::uint64_t* size_address() const { return &size_; }
  [[nodiscard]] bool guarded() const { return guarded_; }
  // Bytes reserved for a guarded memory: any u32 address + u32 offset + 8 stays inside.
  static constexpr std::uint64_t kGuardedBytes = (std::uint64_t{8} << 30) + 65536;
  // Returns the old size in pages, or -1 when the declared maximum or the cap forbids it.
  std::int32_t grow(std::uint32_t delta_pages);
  // How many grow requests the cap (Memory::create's max_pages_cap, from
  // InstanceLimits::max_memory_pages) refused that the memory's own maximum allowed:
  // non-zero means the embedder's limit, not the module, stopped the guest's growth.
  [[nodiscard]] std::uint64_t cap_refusals() const { return cap_refusals_; }

 private:
  Memory() = default;
  friend struct MemoryAccess;
  std::uint8_t* data_ = nullptr;
  std::uint64_t size_ = 0;
  std::uint64_t reserved_ = 0;
  std::uint32_t max_pages_ = 0;      // the lower of the memory's own maximum and the cap
  std::uint32_t own_max_pages_ = 0;  // the memory's own maximum (or 65536)
  std::uint64_t cap_refusals_ = 0;
  bool guarded_ = false;
  MemoryType type_;
};

// A table of references (raw 64-bit representation, 0 = null).
class Table {
 public:
  Table(TableType type, std::uint32_t max_cap = 10'000'000);
  [[nodiscard]] std::uint32_t size() const { return static_cast<std::uint32_t>(elems_.size()); }
  [[nodiscard]] TableType type() const;
  [[nodiscard]] std::optional<Value> get(std::uint32_t i) const;
  bool set(std::uint32_t i, Value v);
  // Returns the old size, or -1.
  std::int32_t grow(std::uint32_t delta, std::uint64_t init_bits);

  std::vector<std::uint64_t> elems_;  // the interpreter's view
  ValType elem_type_;
  std::uint32_t min_ = 0;
  std::optional<std::uint64_t> max_;
  std::uint32_t cap_;
};

class Global {
 public:
  Global(GlobalType type, Value v) : type_(type), bits_(v.bits()) {}
  [[nodiscard]] GlobalType type() const { return type_; }
  [[nodiscard]] Value get() const { return Value::from_bits(type_.type, bits_); }
  void set(Value v) { bits_ = v.bits(); }

  GlobalType type_;
  std::uint64_t bits_ = 0;  // the interpreter's view
};

// ---- modules ---------------------------------------------------------------------

struct ImportDesc {
  std::string module, name;
  ExternKind kind;
  FuncType func;      // for kFunc
  TableType table;    // for kTable
  MemoryType memory;  // for kMemory
  GlobalType global;  // for kGlobal
};
struct ExportDesc {
  std::string name;
  ExternKind kind;
};

// A compiled module: immutable, shareable across threads, instantiated many times.
class Module {
 public:
  [[nodiscard]] std::vector<ImportDesc> imports() const;
  [[nodiscard]] std::vector<ExportDesc> exports() const;
  // The signature of an exported function, if there is one by that name.
  [[nodiscard]] std::optional<FuncType> export_func_type(std::string_view name) const;
  // False when compiled with EngineConfig::interruptible off: nothing can interrupt it.
  [[nodiscard]] bool interruptible() const;
  // True when its instances run native code (wasm/native.hpp, attach_native).
  [[nodiscard]] bool native() const { return native_ != nullptr; }

  std::shared_ptr<const CompiledModule> impl_;
  std::shared_ptr<const NativeCode> native_;
};

struct EngineConfig {
  EngineConfig() = default;
  // `EngineConfig{false}`: fusion off (the spec suite's second pass).
  explicit EngineConfig(bool fuse) : fuse_instructions(fuse) {}

  bool fuse_instructions = true;  // the translator's peephole fusion (off: for testing)
  // The name of an exported mutable i64 global that counts down the fuel a metering pass
  // charges (a negative value: out of fuel). The fused check of that global
  // (`global.get; i64.const 0; i64.lt_s; if unreachable end`, see code.hpp) then traps
  // with TrapKind::kFuelExhausted instead of kUnreachable, so the embedder need not
  // guess. Empty, no such export, or fusion off: the check is an ordinary unreachable.
  std::string fuel_global_export;
  // false: the interpreter does not test the interrupt flag at loop back-edges and
  // calls, so Instance::interrupt() and InstanceLimits::interrupt cannot stop the guest
  // (a time limit has no effect). Only to measure what the checks cost
  // (bench/wasi.sh); never for untrusted code.
  bool interruptible = true;
};

class Engine {
 public:
  Engine() = default;
  explicit Engine(EngineConfig config) : config_(std::move(config)) {}
  [[nodiscard]] const EngineConfig& config() const { return config_; }
  // Decodes, validates and translates. Errors: WasmErrc::kMalformed / kInvalid.
  [[nodiscard]] Result<std::shared_ptr<const Module>> compile(ByteView wasm) const;

 private:
  EngineConfig config_;
};

// ---- host functions and linking ----------------------------------------------------

class Instance;

// What a host function sees of the guest that called it.
class Caller {
 public:
  explicit Caller(InstanceData* inst) : inst_(inst) {}
  // The calling instance's memory 0 (empty when it has none).
  [[nodiscard]] std::span<std::uint8_t> memory();
  [[nodiscard]] Memory* memory_object();
  [[nodiscard]] InstanceData* instance_data() { return inst_; }

 private:
  InstanceData* inst_;
};

// A host function: reads `args`, writes `results` (already sized and typed), and
// returns nullopt, or a Trap to stop the guest (Trap::exit(code) for a clean exit).
//
// Contract:
//   threads   called on the thread that runs the guest (Instance/Func::call), never
//             concurrently for one instance; one HostFn may serve many instances on
//             many threads at once, so shared state behind it needs its own locking.
//   blocking  the guest is suspended while it runs, and the interrupt flag (time limit,
//             cancellation) is only checked in guest code: a host function that waits
//             must bound its wait and end it on the run's own deadline/cancellation.
//   owns      `args`, `results` and the Caller's memory span are valid during the call
//             only; memory may move when the guest grows it, so re-read after any call
//             back into the guest.
//   errors    expected failures go back to the guest as results (error codes); a Trap
//             ends the run. A C++ exception must not escape.
using HostFn =
    std::function<std::optional<Trap>(Caller&, std::span<const Value> args, std::span<Value> results)>;
// The same with a plain function pointer and a user context pointer.
using HostFnPtr = std::optional<Trap> (*)(void* user, Caller&, std::span<const Value>, std::span<Value>);

// An exported (or host-defined) function that can be called from the host.
class Func {
 public:
  Func() = default;
  explicit Func(std::shared_ptr<FuncInst> f) : f_(std::move(f)) {}
  [[nodiscard]] const FuncType& type() const;
  [[nodiscard]] Outcome<std::vector<Value>> call(std::span<const Value> args) const;
  [[nodiscard]] FuncInst* get() const { return f_.get(); }
  [[nodiscard]] const std::shared_ptr<FuncInst>& shared() const { return f_; }
  explicit operator bool() const { return f_ != nullptr; }

 private:
  std::shared_ptr<FuncInst> f_;
};

// One importable thing.
struct Extern {
  ExternKind kind = ExternKind::kFunc;
  Func func;
  std::shared_ptr<Table> table;
  std::shared_ptr<Memory> memory;
  std::shared_ptr<Global> global;
  std::shared_ptr<InstanceData> owner;  // the exporting instance, kept alive by importers

  static Extern of(std::shared_ptr<Table> t) {
    Extern e;
    e.kind = ExternKind::kTable;
    e.table = std::move(t);
    return e;
  }
  static Extern of(std::shared_ptr<Memory> m) {
    Extern e;
    e.kind = ExternKind::kMemory;
    e.memory = std::move(m);
    return e;
  }
  static Extern of(std::shared_ptr<Global> g) {
    Extern e;
    e.kind = ExternKind::kGlobal;
    e.global = std::move(g);
    return e;
  }
};

// Collects definitions by (module, name) and instantiates modules against them.
class Linker {
 public:
  Linker();
  void define_func(std::string module, std::string name, FuncType type, HostFn fn);
  void define_func(std::string module, std::string name, FuncType type, HostFnPtr fn, void* user);
  void define(std::string module, std::string name, Extern ext);
  // Makes every export of `instance` importable under `module` (the spec's `register`).
  void define_instance(const std::string& module, const Instance& instance);

  // Resolves imports (WasmErrc::kUnlinkable), creates memories, tables and globals,
  // applies segments and runs the start function (WasmErrc::kUninstantiable, with the
  // trap's message). Limits bound what the module may declare or grow to.
  [[nodiscard]] Result<std::shared_ptr<Instance>> instantiate(const Module& module,
                                                              InstanceLimits limits = {}) const;

 private:
  std::map<std::pair<std::string, std::string>, Extern, std::less<>> defs_;
  // Instances this linker must keep alive: registered ones, and any whose functions
  // were written into an imported table (the spec keeps such writes even when
  // instantiation then fails). Nothing here points back to the linker: no cycles.
  struct Store;
  std::shared_ptr<Store> store_;
};

// ---- instances ---------------------------------------------------------------------

class Instance {
 public:
  explicit Instance(std::shared_ptr<InstanceData> data) : data_(std::move(data)) {}
  ~Instance();

  // Calls an exported function. A missing export or wrong arguments are TrapKind::kBadCall.
  [[nodiscard]] Outcome<std::vector<Value>> call(std::string_view name, std::span<const Value> args = {});
  [[nodiscard]] Outcome<std::vector<Value>> call(std::string_view name, std::initializer_list<Value> args) {
    return call(name, std::span<const Value>(args.begin(), args.size()));
  }

  [[nodiscard]] std::optional<Extern> get_export(std::string_view name) const;
  [[nodiscard]] std::vector<std::pair<std::string, Extern>> exports() const;
  [[nodiscard]] Func func(std::string_view name) const;
  [[nodiscard]] std::shared_ptr<Memory> memory(std::string_view name = {}) const;  // default: memory 0
  [[nodiscard]] std::shared_ptr<Global> global(std::string_view name) const;

  // Set from any thread to stop the running guest at its next loop back-edge or
  // call with TrapKind::kInterrupted. The flag stays set until cleared.
  void interrupt();
  void clear_interrupt();
  [[nodiscard]] std::atomic<bool>& interrupt_flag();

  [[nodiscard]] const std::shared_ptr<InstanceData>& data() const { return data_; }

 private:
  std::shared_ptr<InstanceData> data_;
};

}  // namespace wavs::wasm
