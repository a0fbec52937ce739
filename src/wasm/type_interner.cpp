#include "wasm/type_interner.hpp"

#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace wavs::wasm {
namespace {

struct TypeHash {
  std::size_t operator()(const FuncType& t) const {
    std::size_t h = t.params.size() * 0x9e3779b97f4a7c15ull ^ t.results.size();
    auto mix = [&h](ValType v) { h = (h ^ static_cast<std::size_t>(v)) * 0x100000001b3ull; };
    for (ValType v : t.params) mix(v);
    h = h * 31 + 7;
    for (ValType v : t.results) mix(v);
    return h;
  }
};

// Only interning, a copy and the last release take the lock; compile and host-function
// definition do those, never a call.
struct Interner {
  struct Slot {
    std::uint64_t refs = 0;
    const FuncType* type = nullptr;  // the key in `index`; null when the id is free
  };
  std::mutex mu;
  std::unordered_map<FuncType, std::uint32_t, TypeHash> index;
  std::vector<Slot> slots;          // by id
  std::vector<std::uint32_t> free;  // ids to reuse

  std::uint32_t acquire(const FuncType& t) {
    std::lock_guard lock(mu);
    auto it = index.find(t);
    if (it == index.end()) {
      std::uint32_t id = 0;
      if (!free.empty()) {
        id = free.back();
        free.pop_back();
      } else {
        id = static_cast<std::uint32_t>(slots.size());
        slots.emplace_back();
      }
      it = index.emplace(t, id).first;
      slots[id].type = &it->first;  // element references survive rehashing
    }
    ++slots[it->second].refs;
    return it->second;
  }
  void add_ref(std::uint32_t id) {
    std::lock_guard lock(mu);
    ++slots[id].refs;
  }
  void release(std::uint32_t id) {
    std::lock_guard lock(mu);
    Slot& s = slots[id];
    if (--s.refs != 0) return;
    index.erase(*s.type);
    s.type = nullptr;
    free.push_back(id);
  }
};

// Never destroyed: host functions in static linkers are released during static
// destruction, in no particular order with this.
Interner& interner() {
  static Interner* const kInterner = new Interner;
  return *kInterner;
}

}  // namespace

InternedFuncType::InternedFuncType(const FuncType& type) : id_(interner().acquire(type)) {}

InternedFuncType::~InternedFuncType() { release(); }

InternedFuncType::InternedFuncType(const InternedFuncType& other) : id_(other.id_) {
  if (id_ != kNoId) interner().add_ref(id_);
}

InternedFuncType& InternedFuncType::operator=(const InternedFuncType& other) {
  if (this != &other) {
    if (other.id_ != kNoId) interner().add_ref(other.id_);
    release();
    id_ = other.id_;
  }
  return *this;
}

InternedFuncType::InternedFuncType(InternedFuncType&& other) noexcept
    : id_(std::exchange(other.id_, kNoId)) {}

InternedFuncType& InternedFuncType::operator=(InternedFuncType&& other) noexcept {
  if (this != &other) {
    release();
    id_ = std::exchange(other.id_, kNoId);
  }
  return *this;
}

void InternedFuncType::release() {
  if (id_ != kNoId) interner().release(std::exchange(id_, kNoId));
}

std::size_t interned_func_type_count() {
  Interner& i = interner();
  std::lock_guard lock(i.mu);
  return i.index.size();
}

}  // namespace wavs::wasm
