// The engine side of native code (wasm/native.hpp): binding a library to a module and
// an instance, and the callbacks of native_abi.h other than `call` (interp.cpp). Each
// callback does exactly what the interpreter's handler of the same instruction does.

#include "wasm/native.hpp"

#include <algorithm>
#include <cstring>

#include "wasm/runtime.hpp"

namespace wavs::wasm {
namespace {

constexpr std::int32_t status(TrapKind k) { return static_cast<std::int32_t>(k) + 1; }

InstanceData& instance_of(wavs_native_ctx* c) { return *static_cast<InstanceData*>(c->instance); }

std::int32_t resolve(wavs_native_ctx* c, std::uint32_t table, std::uint32_t index, std::uint32_t type,
                     std::uint32_t depth, std::uint64_t frame, const void** func) {
  InstanceData& inst = instance_of(c);
  const Table* t = inst.tables[table];
  // interp.cpp OP(CallIndirect), then call_target: the same checks in the same order.
  if (index >= t->elems_.size()) return -(status(TrapKind::kUndefinedElement) + 1);
  const auto* target = reinterpret_cast<const FuncInst*>(t->elems_[index]);  // NOLINT(performance-no-int-to-ptr)
  if (!target) return -(status(TrapKind::kUninitializedElement) + 1);
  if (target->type_id != c->type_ids[type]) return -(status(TrapKind::kIndirectCallTypeMismatch) + 1);
  if (target->instance == &inst && target->native_index >= 0) {
    if (depth >= c->max_depth || frame + target->code->frame_slots > c->slot_limit) {
      return -(status(TrapKind::kCallStackExhausted) + 1);
    }
    return target->native_index;
  }
  *func = target;
  return -1;
}

std::int32_t memory_grow(wavs_native_ctx* c, std::uint32_t delta) { return grow_memory(*instance_of(c).memory, delta); }

std::int32_t memory_init(wavs_native_ctx* c, std::uint32_t seg_index, std::uint32_t dst, std::uint32_t src,
                         std::uint32_t n) {
  InstanceData& inst = instance_of(c);
  const DataSegment& seg = inst.module->data.datas[seg_index];
  std::uint64_t size = inst.data_dropped[seg_index] ? 0 : seg.size;
  std::uint64_t mem_size = inst.memory ? inst.memory->size() : 0;
  if (std::uint64_t{src} + n > size || std::uint64_t{dst} + n > mem_size) return status(TrapKind::kMemoryOutOfBounds);
  if (n) std::memcpy(inst.memory->data() + dst, inst.module->data.bytes.data() + seg.begin + src, n);
  return 0;
}

void data_drop(wavs_native_ctx* c, std::uint32_t seg) { instance_of(c).data_dropped[seg] = 1; }

std::int32_t table_get(wavs_native_ctx* c, std::uint32_t table, std::uint32_t i, std::uint64_t* out) {
  const Table* t = instance_of(c).tables[table];
  if (i >= t->elems_.size()) return status(TrapKind::kTableOutOfBounds);
  *out = t->elems_[i];
  return 0;
}

std::int32_t table_set(wavs_native_ctx* c, std::uint32_t table, std::uint32_t i, std::uint64_t v) {
  Table* t = instance_of(c).tables[table];
  if (i >= t->elems_.size()) return status(TrapKind::kTableOutOfBounds);
  t->elems_[i] = v;
  return 0;
}

std::uint32_t table_size(wavs_native_ctx* c, std::uint32_t table) {
  return static_cast<std::uint32_t>(instance_of(c).tables[table]->elems_.size());
}

std::int32_t table_grow(wavs_native_ctx* c, std::uint32_t table, std::uint64_t init, std::uint32_t n) {
  return instance_of(c).tables[table]->grow(n, init);
}

std::int32_t table_fill(wavs_native_ctx* c, std::uint32_t table, std::uint32_t i, std::uint64_t v, std::uint32_t n) {
  Table* t = instance_of(c).tables[table];
  if (std::uint64_t{i} + n > t->elems_.size()) return status(TrapKind::kTableOutOfBounds);
  std::fill_n(t->elems_.begin() + static_cast<std::ptrdiff_t>(i), n, v);
  return 0;
}

std::int32_t table_copy(wavs_native_ctx* c, std::uint32_t dst_table, std::uint32_t src_table, std::uint32_t d,
                        std::uint32_t s, std::uint32_t n) {
  InstanceData& inst = instance_of(c);
  Table* dt = inst.tables[dst_table];
  Table* st = inst.tables[src_table];
  if (std::uint64_t{d} + n > dt->elems_.size() || std::uint64_t{s} + n > st->elems_.size()) {
    return status(TrapKind::kTableOutOfBounds);
  }
  if (n) std::memmove(dt->elems_.data() + d, st->elems_.data() + s, std::size_t{n} * 8);
  return 0;
}

std::int32_t table_init(wavs_native_ctx* c, std::uint32_t table, std::uint32_t seg_index, std::uint32_t d,
                        std::uint32_t s, std::uint32_t n) {
  InstanceData& inst = instance_of(c);
  Table* t = inst.tables[table];
  const auto& seg = inst.elems[seg_index];
  if (std::uint64_t{s} + n > seg.size() || std::uint64_t{d} + n > t->elems_.size()) {
    return status(TrapKind::kTableOutOfBounds);
  }
  if (n) std::memcpy(t->elems_.data() + d, seg.data() + s, std::size_t{n} * 8);
  return 0;
}

void elem_drop(wavs_native_ctx* c, std::uint32_t seg) {
  auto& e = instance_of(c).elems[seg];
  e.clear();
  e.shrink_to_fit();
}

const wavs_native_host kHost = {native_call, resolve,    memory_grow, memory_init, data_drop,
                                table_get,   table_set,  table_size,  table_grow,  table_fill,
                                table_copy,  table_init, elem_drop};

const std::uint64_t kZeroSize = 0;

const char kAbiText[] =
#include "native_abi_text.inc"
    ;

}  // namespace

std::string_view native_abi_header() { return {kAbiText, sizeof kAbiText - 1}; }

void bind_native(InstanceData& inst, std::shared_ptr<const NativeCode> code) {
  auto ni = std::make_unique<NativeInstance>();
  ni->code = std::move(code);
  for (Global* g : inst.globals) ni->global_cells.push_back(&g->bits_);
  for (const auto& t : inst.module->type_ids) ni->type_ids.push_back(t.id());
  wavs_native_ctx& c = ni->ctx;
  c.mem = inst.memory ? inst.memory->data() : nullptr;
  c.mem_size = inst.memory ? inst.memory->size_address() : &kZeroSize;
  c.globals = ni->global_cells.data();
  c.funcs = reinterpret_cast<void* const*>(inst.funcs.data());
  c.type_ids = ni->type_ids.data();
  // A lock-free std::atomic<bool> is one byte holding 0 or 1; native code polls it
  // with a volatile load, as the interpreter does with a relaxed one.
  static_assert(sizeof(std::atomic<bool>) == 1 && std::atomic<bool>::is_always_lock_free);
  const std::atomic<bool>* flag = inst.limits.interrupt ? inst.limits.interrupt : &inst.interrupt;
  c.interrupt = reinterpret_cast<const volatile std::uint8_t*>(flag);
  c.host = &kHost;
  c.instance = &inst;
  const std::uint32_t first_own = inst.module->data.num_imported_funcs;
  for (std::size_t i = first_own; i < inst.funcs.size(); ++i) {
    inst.funcs[i]->native_index = static_cast<std::int32_t>(i - first_own);
  }
  inst.native = std::move(ni);
}

Result<std::shared_ptr<const Module>> attach_native(const Module& module, const void* descriptor,
                                                    const NativeOptions& options,
                                                    std::shared_ptr<const void> keepalive) {
  if (!descriptor) return Error(WasmErrc::kLimit, "native code: the library exports no " WAVS_NATIVE_SYMBOL);
  const auto* d = static_cast<const wavs_native_module*>(descriptor);
  if (d->abi_version != WAVS_NATIVE_ABI_VERSION) {
    return Error(WasmErrc::kLimit, "native code: ABI version " + std::to_string(d->abi_version) + ", expected " +
                                       std::to_string(WAVS_NATIVE_ABI_VERSION));
  }
  const ModuleData& m = module.impl_->data;
  if (d->num_funcs != m.funcs.size() - m.num_imported_funcs) {
    return Error(WasmErrc::kLimit, "native code: " + std::to_string(d->num_funcs) + " functions, the module has " +
                                       std::to_string(m.funcs.size() - m.num_imported_funcs));
  }
  if (!d->fingerprint || native_fingerprint(module, options) != d->fingerprint) {
    return Error(WasmErrc::kLimit, "native code: built from a different module or options (fingerprint mismatch)");
  }
  auto out = std::make_shared<Module>(module);
  auto code = std::make_shared<NativeCode>();
  code->module = d;
  code->keepalive = std::move(keepalive);
  out->native_ = std::move(code);
  return std::shared_ptr<const Module>(std::move(out));
}

}  // namespace wavs::wasm
