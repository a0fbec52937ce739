#include "wasm/runtime.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <mutex>

#include "wasm/compiler.hpp"
#include "wasm/decoder.hpp"

namespace wavs::wasm {

// ---- values ------------------------------------------------------------------------

Value Value::f32(float v) { return Value(ValType::kF32, std::bit_cast<std::uint32_t>(v)); }
Value Value::f64(double v) { return Value(ValType::kF64, std::bit_cast<std::uint64_t>(v)); }
float Value::f32() const { return std::bit_cast<float>(static_cast<std::uint32_t>(bits_)); }
double Value::f64() const { return std::bit_cast<double>(bits_); }

std::string Value::to_string() const {
  std::string s = std::string(wasm::to_string(type_)) + ":";
  switch (type_) {
    case ValType::kI32:
      return s + std::to_string(i32());
    case ValType::kI64:
      return s + std::to_string(i64());
    case ValType::kF32:
      return s + std::to_string(f32());
    case ValType::kF64:
      return s + std::to_string(f64());
    default:
      return s + (bits_ ? std::to_string(bits_) : std::string("null"));
  }
}

// ---- memory, tables --------------------------------------------------------------------

namespace {

// Address-space reservations of dropped memories, kept for reuse: creating a memory is
// then a pop instead of an mmap, and dropping one a madvise (which also zeroes it)
// instead of an munmap. Per-trigger instantiation is the case this serves.
class ReservationPool {
 public:
  static ReservationPool& get() {
    static ReservationPool* pool = new ReservationPool();  // never destroyed: used at exit
    return *pool;
  }
  std::uint8_t* take(std::uint64_t bytes) {
    std::lock_guard lock(mu_);
    for (std::size_t i = 0; i < free_.size(); ++i) {
      if (free_[i].second == bytes) {
        std::uint8_t* p = free_[i].first;
        free_[i] = free_.back();
        free_.pop_back();
        return p;
      }
    }
    return nullptr;
  }
  // Takes back a reservation whose first `used` bytes may be dirty (and, when guarded,
  // accessible: they become inaccessible again).
  void give(std::uint8_t* p, std::uint64_t bytes, std::uint64_t used, bool guarded) {
    if (used && (madvise(p, used, MADV_DONTNEED) != 0 || (guarded && mprotect(p, used, PROT_NONE) != 0))) {
      munmap(p, bytes);
      return;
    }
    std::lock_guard lock(mu_);
    if (free_.size() >= kMaxFree) {
      munmap(p, bytes);
      return;
    }
    free_.emplace_back(p, bytes);
  }

 private:
  static constexpr std::size_t kMaxFree = 32;
  std::mutex mu_;
  std::vector<std::pair<std::uint8_t*, std::uint64_t>> free_;
};

}  // namespace

Result<std::shared_ptr<Memory>> Memory::create(MemoryType type, std::uint32_t max_pages_cap, bool guarded) {
  const std::uint64_t own_max = std::min<std::uint64_t>(type.limits.max.value_or(kMaxPages), kMaxPages);
  const std::uint64_t max_pages = std::min<std::uint64_t>(own_max, max_pages_cap);
  if (type.limits.min > own_max) {
    return Error(WasmErrc::kLimit, "memory of " + std::to_string(type.limits.min) +
                                       " pages exceeds its own maximum of " + std::to_string(own_max) + " pages");
  }
  if (type.limits.min > max_pages) {
    // Its own code, so embedders can tell "the cap is too small for this module" from
    // other failures without reading the text.
    return Error(WasmErrc::kMemoryLimit, "memory of " + std::to_string(type.limits.min) +
                                             " pages exceeds the limit of " + std::to_string(max_pages) + " pages");
  }
  std::shared_ptr<Memory> m(new Memory());
  m->type_ = type;
  m->max_pages_ = static_cast<std::uint32_t>(max_pages);
  m->own_max_pages_ = static_cast<std::uint32_t>(own_max);
  // Reserve the largest size up front: the base never moves, growth never copies, and
  // untouched pages cost nothing. Pages beyond the current size are never written, so
  // a reused reservation only needs its used part zeroed (done when it was returned).
  // A guarded reservation (its own size class in the pool) starts inaccessible.
  m->guarded_ = guarded && sizeof(void*) == 8;
  m->reserved_ = m->guarded_ ? kGuardedBytes : std::max<std::uint64_t>(max_pages * kPageSize, kPageSize);
  m->data_ = ReservationPool::get().take(m->reserved_);
  if (!m->data_) {
    void* p = mmap(nullptr, m->reserved_, m->guarded_ ? PROT_NONE : PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) return Error(WasmErrc::kLimit, "cannot reserve linear memory");
    m->data_ = static_cast<std::uint8_t*>(p);
  }
  m->size_ = type.limits.min * kPageSize;
  if (m->guarded_ && m->size_ && mprotect(m->data_, m->size_, PROT_READ | PROT_WRITE) != 0) {
    return Error(WasmErrc::kLimit, "cannot commit linear memory");
  }
  return m;
}

Memory::~Memory() {
  if (data_) ReservationPool::get().give(data_, reserved_, size_, guarded_);
}

std::int32_t Memory::grow(std::uint32_t delta) {
  std::uint64_t old = pages();
  if (old + delta > max_pages_) {
    if (old + delta <= own_max_pages_) ++cap_refusals_;
    return -1;
  }
  const std::uint64_t new_size = (old + delta) * kPageSize;
  if (guarded_ && delta && mprotect(data_ + size_, new_size - size_, PROT_READ | PROT_WRITE) != 0) return -1;
  size_ = new_size;
  return static_cast<std::int32_t>(old);
}

std::int32_t grow_memory(Memory& m, std::uint32_t delta) { return m.grow(delta); }

Table::Table(TableType type, std::uint32_t max_cap)
    : elems_(static_cast<std::size_t>(std::min<std::uint64_t>(type.limits.min, max_cap)), 0),
      elem_type_(type.elem),
      min_(static_cast<std::uint32_t>(type.limits.min)),
      max_(type.limits.max),
      cap_(max_cap) {}

TableType Table::type() const { return TableType{elem_type_, Limits{size(), max_}}; }

std::optional<Value> Table::get(std::uint32_t i) const {
  if (i >= elems_.size()) return std::nullopt;
  return Value::from_bits(elem_type_, elems_[i]);
}

bool Table::set(std::uint32_t i, Value v) {
  if (i >= elems_.size() || v.type() != elem_type_) return false;
  elems_[i] = v.bits();
  return true;
}

std::int32_t Table::grow(std::uint32_t delta, std::uint64_t init_bits) {
  std::uint64_t old = elems_.size();
  std::uint64_t limit = std::min<std::uint64_t>(max_.value_or(0xffffffffull), cap_);
  if (old + delta > limit) return -1;
  elems_.resize(old + delta, init_bits);
  return static_cast<std::int32_t>(old);
}

// ---- modules ------------------------------------------------------------------------

std::vector<ImportDesc> Module::imports() const {
  std::vector<ImportDesc> out;
  for (const auto& im : impl_->data.imports) {
    ImportDesc d{im.module, im.name, im.kind, {}, im.table, im.memory, im.global};
    if (im.kind == ExternKind::kFunc) d.func = impl_->data.types[im.func_type];
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<ExportDesc> Module::exports() const {
  std::vector<ExportDesc> out;
  for (const auto& ex : impl_->data.exports) out.push_back({ex.name, ex.kind});
  return out;
}

std::optional<FuncType> Module::export_func_type(std::string_view name) const {
  auto it = impl_->export_index.find(std::string(name));
  if (it == impl_->export_index.end()) return std::nullopt;
  const Export& ex = impl_->data.exports[it->second];
  if (ex.kind != ExternKind::kFunc) return std::nullopt;
  return impl_->data.func_type(ex.index);
}

bool Module::interruptible() const { return impl_->interruptible; }

Result<std::shared_ptr<const Module>> Engine::compile(ByteView wasm) const {
  auto data = decode(wasm);
  if (!data) return data.error();
  CompileOptions options(config_.fuse_instructions);
  options.fuel_global_export = config_.fuel_global_export;
  options.interruptible = config_.interruptible;
  auto cm = compile_module(std::move(*data), std::move(options));
  if (!cm) return cm.error();
  auto m = std::make_shared<Module>();
  m->impl_ = std::move(*cm);
  return std::shared_ptr<const Module>(std::move(m));
}

// ---- functions ------------------------------------------------------------------------

const FuncType& Func::type() const { return f_->type; }

namespace {

Trap bad_call(std::string msg) { return Trap{TrapKind::kBadCall, std::move(msg), 0}; }

Outcome<std::vector<Value>> call_func(const FuncInst& f, std::span<const Value> args) {
  const FuncType& ft = f.type;
  if (args.size() != ft.params.size()) {
    return tl::unexpected(bad_call("expected " + std::to_string(ft.params.size()) + " arguments, got " +
                                   std::to_string(args.size())));
  }
  std::uint64_t small[16];
  std::vector<std::uint64_t> big;
  std::size_t n = std::max(ft.params.size(), ft.results.size());
  std::uint64_t* slots = small;
  if (n > 16) {
    big.resize(n);
    slots = big.data();
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i].type() != ft.params[i]) {
      return tl::unexpected(bad_call("argument " + std::to_string(i) + " is " + to_string(args[i].type()) +
                                     ", expected " + to_string(ft.params[i])));
    }
    slots[i] = args[i].bits();
  }
  if (auto t = invoke(f, slots)) return tl::unexpected(std::move(*t));
  std::vector<Value> out;
  out.reserve(ft.results.size());
  for (std::size_t i = 0; i < ft.results.size(); ++i) {
    ValType t = ft.results[i];
    std::uint64_t bits = slots[i];
    if (t == ValType::kI32 || t == ValType::kF32) bits &= 0xffffffffu;
    out.push_back(Value::from_bits(t, bits));
  }
  return out;
}

}  // namespace

Outcome<std::vector<Value>> Func::call(std::span<const Value> args) const {
  if (!f_) return tl::unexpected(bad_call("null function"));
  return call_func(*f_, args);
}

std::span<std::uint8_t> Caller::memory() {
  if (!inst_ || !inst_->memory) return {};
  return inst_->memory->bytes();
}
Memory* Caller::memory_object() { return inst_ ? inst_->memory : nullptr; }

// ---- linker -------------------------------------------------------------------------

namespace {

std::shared_ptr<FuncInst> make_host(FuncType type, HostFn fn) {
  auto f = std::make_shared<FuncInst>();
  f->host_type = InternedFuncType(type);
  f->type_id = f->host_type.id();
  f->type = std::move(type);
  f->host = std::move(fn);
  return f;
}

bool limits_match(std::uint64_t actual_min, std::optional<std::uint64_t> actual_max, const Limits& want) {
  if (actual_min < want.min) return false;
  if (want.max) {
    if (!actual_max || *actual_max > *want.max) return false;
  }
  return true;
}

Error link_error(const Import& im, const std::string& what) {
  return Error(WasmErrc::kUnlinkable, what + ": \"" + im.module + "\" \"" + im.name + "\"");
}
Error trap_error(const Trap& t, std::string_view where) {
  return Error(WasmErrc::kUninstantiable, std::string(where) + ": " + t.message);
}

std::uint64_t eval_const(const ConstExpr& e, const InstanceData& inst) {
  const ConstInstr& in = e.instrs.at(0);
  switch (in.op) {
    case Opcode::kGlobalGet:
      return inst.globals[in.value]->bits_;
    case Opcode::kRefFunc:
      return reinterpret_cast<std::uintptr_t>(inst.funcs[in.value]);
    case Opcode::kRefNull:
      return 0;
    default:
      return in.value;
  }
}

}  // namespace

struct Linker::Store {
  std::mutex mu;
  std::vector<std::shared_ptr<InstanceData>> instances;
  void keep(const std::shared_ptr<InstanceData>& inst) {
    std::lock_guard lock(mu);
    if (std::find(instances.begin(), instances.end(), inst) == instances.end()) instances.push_back(inst);
  }
};

Linker::Linker() : store_(std::make_shared<Store>()) {}

void Linker::define_func(std::string module, std::string name, FuncType type, HostFn fn) {
  Extern e;
  e.kind = ExternKind::kFunc;
  e.func = Func(make_host(std::move(type), std::move(fn)));
  define(std::move(module), std::move(name), std::move(e));
}

void Linker::define_func(std::string module, std::string name, FuncType type, HostFnPtr fn, void* user) {
  define_func(
      std::move(module), std::move(name), std::move(type),
      [fn, user](Caller& c, std::span<const Value> a, std::span<Value> r) { return fn(user, c, a, r); });
}

void Linker::define(std::string module, std::string name, Extern ext) {
  defs_[{std::move(module), std::move(name)}] = std::move(ext);
}

void Linker::define_instance(const std::string& module, const Instance& instance) {
  for (auto& [name, ext] : instance.exports()) define(module, name, ext);
  store_->keep(instance.data());
}

Result<std::shared_ptr<Instance>> Linker::instantiate(const Module& module, InstanceLimits limits) const {
  const CompiledModule& cm = *module.impl_;
  const ModuleData& m = cm.data;
  auto inst = std::make_shared<InstanceData>();
  inst->module = module.impl_;
  inst->limits = limits;

  // Imports.
  for (const Import& im : m.imports) {
    auto it = defs_.find(std::pair<std::string, std::string>(im.module, im.name));
    if (it == defs_.end()) return link_error(im, "unknown import");
    const Extern& ext = it->second;
    if (ext.kind != im.kind) return link_error(im, "incompatible import type (kind)");
    switch (im.kind) {
      case ExternKind::kFunc:
        if (ext.func.type() != m.types[im.func_type]) {
          return link_error(im, "incompatible import type: expected " + to_string(m.types[im.func_type]) +
                                    ", got " + to_string(ext.func.type()));
        }
        inst->funcs.push_back(ext.func.get());
        inst->func_owners.push_back(ext.func.shared());
        break;
      case ExternKind::kTable: {
        const Table& t = *ext.table;
        if (t.elem_type_ != im.table.elem || !limits_match(t.size(), t.max_, im.table.limits)) {
          return link_error(im, "incompatible import type (table)");
        }
        inst->tables.push_back(ext.table.get());
        inst->table_owners.push_back(ext.table);
        break;
      }
      case ExternKind::kMemory: {
        const Memory& mem = *ext.memory;
        if (!limits_match(mem.pages(), mem.type().limits.max, im.memory.limits)) {
          return link_error(im, "incompatible import type (memory)");
        }
        inst->memory = ext.memory.get();
        inst->memory_owner = ext.memory;
        break;
      }
      case ExternKind::kGlobal:
        if (ext.global->type() != im.global) return link_error(im, "incompatible import type (global)");
        inst->globals.push_back(ext.global.get());
        inst->global_owners.push_back(ext.global);
        break;
    }
    if (ext.owner) inst->deps.push_back(ext.owner);
  }

  // Definitions.
  for (std::size_t i = 0; i < cm.funcs.size(); ++i) {
    auto f = std::make_shared<FuncInst>();
    std::uint32_t idx = static_cast<std::uint32_t>(m.num_imported_funcs + i);
    f->type = m.func_type(idx);
    f->type_id = cm.type_ids[m.funcs[idx]].id();
    f->instance = inst.get();
    f->code = &cm.funcs[i];
    inst->funcs.push_back(f.get());
    inst->func_owners.push_back(std::move(f));
  }
  for (std::size_t i = 0; i < m.global_inits.size(); ++i) {
    const GlobalType& gt = m.globals[m.num_imported_globals + i];
    auto g = std::make_shared<Global>(gt, Value::from_bits(gt.type, eval_const(m.global_inits[i], *inst)));
    inst->globals.push_back(g.get());
    inst->global_owners.push_back(std::move(g));
  }
  for (std::size_t i = m.num_imported_tables; i < m.tables.size(); ++i) {
    if (m.tables[i].limits.min > limits.max_table_elements) {
      return Error(WasmErrc::kLimit,
                   "table of " + std::to_string(m.tables[i].limits.min) + " elements exceeds the limit");
    }
    auto t = std::make_shared<Table>(m.tables[i], limits.max_table_elements);
    inst->tables.push_back(t.get());
    inst->table_owners.push_back(std::move(t));
  }
  if (m.memories.size() > m.num_imported_memories) {
    const bool guarded = module.native_ && (module.native_->module->flags & WAVS_NATIVE_GUARDED_MEMORY);
    auto mem = Memory::create(m.memories.back(), limits.max_memory_pages, guarded);
    if (!mem) return mem.error();
    inst->memory = mem->get();
    inst->memory_owner = std::move(*mem);
  }
  inst->elems.resize(m.elems.size());
  for (std::size_t i = 0; i < m.elems.size(); ++i) {
    auto& out = inst->elems[i];
    out.reserve(m.elems[i].items.size());
    for (const auto& item : m.elems[i].items) out.push_back(eval_const(item, *inst));
  }
  inst->data_dropped.assign(m.datas.size(), 0);
  if (module.native_) bind_native(*inst, module.native_);

  // Segments, in order; a failure leaves earlier writes in place, as the spec requires.
  for (std::size_t i = 0; i < m.elems.size(); ++i) {
    const ElemSegment& seg = m.elems[i];
    if (seg.mode == SegmentMode::kActive) {
      auto offset = static_cast<std::uint32_t>(eval_const(seg.offset, *inst));
      Table* t = inst->tables[seg.table];
      auto& items = inst->elems[i];
      if (static_cast<std::uint64_t>(offset) + items.size() > t->elems_.size()) {
        return trap_error(Trap{TrapKind::kTableOutOfBounds, "out of bounds table access", 0},
                          "element segment " + std::to_string(i));
      }
      std::copy(items.begin(), items.end(), t->elems_.begin() + offset);
      if (seg.table < m.num_imported_tables && !items.empty()) store_->keep(inst);
    }
    if (seg.mode != SegmentMode::kPassive) inst->elems[i].clear();
  }
  for (std::size_t i = 0; i < m.datas.size(); ++i) {
    const DataSegment& seg = m.datas[i];
    if (seg.mode != SegmentMode::kActive) continue;
    auto offset = static_cast<std::uint32_t>(eval_const(seg.offset, *inst));
    Memory* mem = inst->memory;
    if (static_cast<std::uint64_t>(offset) + seg.size > mem->size()) {
      return trap_error(Trap{TrapKind::kMemoryOutOfBounds, "out of bounds memory access", 0},
                        "data segment " + std::to_string(i));
    }
    if (seg.size) std::memcpy(mem->data() + offset, m.bytes.data() + seg.begin, seg.size);
    inst->data_dropped[i] = 1;
  }

  auto instance = std::make_shared<Instance>(inst);
  if (m.start) {
    std::uint64_t slots[1] = {0};
    if (auto t = invoke(*inst->funcs[*m.start], slots)) return trap_error(*t, "start function");
  }
  return instance;
}

// ---- instances ------------------------------------------------------------------------

Instance::~Instance() = default;

std::optional<Extern> Instance::get_export(std::string_view name) const {
  const CompiledModule& cm = *data_->module;
  auto it = cm.export_index.find(std::string(name));
  if (it == cm.export_index.end()) return std::nullopt;
  const Export& ex = cm.data.exports[it->second];
  Extern e;
  e.kind = ex.kind;
  e.owner = data_;
  switch (ex.kind) {
    case ExternKind::kFunc:
      e.func = Func(data_->func_owners[ex.index]);
      break;
    case ExternKind::kTable:
      e.table = data_->table_owners[ex.index];
      break;
    case ExternKind::kMemory:
      e.memory = data_->memory_owner;
      break;
    case ExternKind::kGlobal:
      e.global = data_->global_owners[ex.index];
      break;
  }
  return e;
}

std::vector<std::pair<std::string, Extern>> Instance::exports() const {
  std::vector<std::pair<std::string, Extern>> out;
  for (const auto& ex : data_->module->data.exports) out.emplace_back(ex.name, *get_export(ex.name));
  return out;
}

Func Instance::func(std::string_view name) const {
  auto e = get_export(name);
  if (!e || e->kind != ExternKind::kFunc) return Func();
  return e->func;
}

std::shared_ptr<Memory> Instance::memory(std::string_view name) const {
  if (name.empty()) return data_->memory_owner;
  auto e = get_export(name);
  if (!e || e->kind != ExternKind::kMemory) return nullptr;
  return e->memory;
}

std::shared_ptr<Global> Instance::global(std::string_view name) const {
  auto e = get_export(name);
  if (!e || e->kind != ExternKind::kGlobal) return nullptr;
  return e->global;
}

Outcome<std::vector<Value>> Instance::call(std::string_view name, std::span<const Value> args) {
  Func f = func(name);
  if (!f) return tl::unexpected(bad_call("no exported function \"" + std::string(name) + "\""));
  return f.call(args);
}

void Instance::interrupt() { data_->interrupt.store(true, std::memory_order_relaxed); }
void Instance::clear_interrupt() { data_->interrupt.store(false, std::memory_order_relaxed); }
std::atomic<bool>& Instance::interrupt_flag() { return data_->interrupt; }

}  // namespace wavs::wasm
