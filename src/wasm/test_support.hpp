#pragma once
// A tiny assembler for the binary format, for tests and fuzz seeds: enough to build
// modules by hand without an external tool.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "common/bytes.hpp"

namespace wavs::wasm::test {

inline Bytes leb_u(std::uint64_t v) {
  Bytes out;
  do {
    std::uint8_t b = v & 0x7f;
    v >>= 7;
    if (v) b |= 0x80;
    out.push_back(b);
  } while (v);
  return out;
}

inline Bytes leb_s(std::int64_t v) {
  Bytes out;
  for (;;) {
    std::uint8_t b = v & 0x7f;
    v >>= 7;
    bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
    if (!done) b |= 0x80;
    out.push_back(b);
    if (done) return out;
  }
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes str(std::string_view s) { return cat({leb_u(s.size()), Bytes(s.begin(), s.end())}); }

inline Bytes vec(const std::vector<Bytes>& items) {
  Bytes out = leb_u(items.size());
  for (const auto& i : items) out.insert(out.end(), i.begin(), i.end());
  return out;
}

inline Bytes section(std::uint8_t id, const Bytes& content) {
  return cat({Bytes{id}, leb_u(content.size()), content});
}

inline Bytes header() { return {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00}; }

// Value type bytes.
inline constexpr std::uint8_t I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c, FUNCREF = 0x70,
                              EXTERNREF = 0x6f;

inline Bytes func_type(const Bytes& params, const Bytes& results) {
  return cat({Bytes{0x60}, leb_u(params.size()), params, leb_u(results.size()), results});
}

// A body with one group per declared local type (each of count 1).
inline Bytes body(const Bytes& locals, const Bytes& code) {
  Bytes l = leb_u(locals.size());
  for (auto t : locals) {
    l.push_back(0x01);
    l.push_back(t);
  }
  Bytes b = cat({l, code, Bytes{0x0b}});
  return cat({leb_u(b.size()), b});
}

struct FuncSpec {
  Bytes params, results, locals, code;
  std::string export_name;  // empty: not exported
};

struct ModuleSpec {
  std::vector<FuncSpec> funcs;
  bool memory = false;
  std::uint32_t memory_pages = 1;
  std::int64_t memory_max = -1;
  Bytes imports;  // raw contents of the import section entries (without count), or empty
  std::uint32_t import_count = 0;
  std::uint32_t imported_funcs = 0;  // function imports use types after the funcs' own
  std::vector<Bytes> extra_types;
  Bytes table;  // raw table section entries, or empty
  Bytes elem;   // raw element section contents, or empty
  std::int64_t start = -1;
  std::vector<Bytes> globals;        // raw global entries (type, mutability, init expr)
  std::vector<Bytes> extra_exports;  // raw export entries, e.g. of a global
};

// Builds a module with one type per function (type i for function i), in order.
inline Bytes build(const ModuleSpec& m) {
  std::vector<Bytes> types, funcs, bodies, exports;
  for (const auto& f : m.funcs) types.push_back(func_type(f.params, f.results));
  for (const auto& t : m.extra_types) types.push_back(t);
  for (std::size_t i = 0; i < m.funcs.size(); ++i) {
    funcs.push_back(leb_u(i));
    bodies.push_back(body(m.funcs[i].locals, m.funcs[i].code));
    if (!m.funcs[i].export_name.empty()) {
      exports.push_back(cat({str(m.funcs[i].export_name), Bytes{0x00}, leb_u(m.imported_funcs + i)}));
    }
  }
  Bytes out = header();
  out = cat({out, section(1, vec(types))});
  if (m.import_count) out = cat({out, section(2, cat({leb_u(m.import_count), m.imports}))});
  out = cat({out, section(3, vec(funcs))});
  if (!m.table.empty()) out = cat({out, section(4, m.table)});
  if (m.memory) {
    Bytes lim =
        m.memory_max >= 0
            ? cat({Bytes{0x01}, leb_u(m.memory_pages), leb_u(static_cast<std::uint64_t>(m.memory_max))})
            : cat({Bytes{0x00}, leb_u(m.memory_pages)});
    out = cat({out, section(5, cat({Bytes{0x01}, lim}))});
    exports.push_back(cat({str("memory"), Bytes{0x02}, Bytes{0x00}}));
  }
  if (!m.globals.empty()) out = cat({out, section(6, vec(m.globals))});
  for (const auto& e : m.extra_exports) exports.push_back(e);
  out = cat({out, section(7, vec(exports))});
  if (m.start >= 0) out = cat({out, section(8, leb_u(static_cast<std::uint64_t>(m.start)))});
  if (!m.elem.empty()) out = cat({out, section(9, m.elem)});
  out = cat({out, section(10, vec(bodies))});
  return out;
}

// One exported function "f".
inline Bytes single(const Bytes& params, const Bytes& results, const Bytes& code, const Bytes& locals = {},
                    bool memory = false) {
  ModuleSpec m;
  m.funcs.push_back(FuncSpec{params, results, locals, code, "f"});
  m.memory = memory;
  return build(m);
}

// Instruction helpers.
inline Bytes i32c(std::int32_t v) { return cat({Bytes{0x41}, leb_s(v)}); }
inline Bytes i64c(std::int64_t v) { return cat({Bytes{0x42}, leb_s(v)}); }
inline Bytes local_get(std::uint32_t i) { return cat({Bytes{0x20}, leb_u(i)}); }
inline Bytes local_set(std::uint32_t i) { return cat({Bytes{0x21}, leb_u(i)}); }
inline Bytes local_tee(std::uint32_t i) { return cat({Bytes{0x22}, leb_u(i)}); }
inline Bytes call(std::uint32_t f) { return cat({Bytes{0x10}, leb_u(f)}); }
inline Bytes op(std::uint8_t b) { return Bytes{b}; }
inline Bytes op_fc(std::uint32_t sub) { return cat({Bytes{0xfc}, leb_u(sub)}); }
inline Bytes global_get(std::uint32_t i) { return cat({Bytes{0x23}, leb_u(i)}); }
inline Bytes global_set(std::uint32_t i) { return cat({Bytes{0x24}, leb_u(i)}); }
// A mutable i64 global entry, and an export entry for global `i`.
inline Bytes mut_i64_global(std::int64_t init) { return cat({Bytes{I64, 0x01}, i64c(init), Bytes{0x0b}}); }
inline Bytes global_export(std::string_view name, std::uint32_t i) {
  return cat({str(name), Bytes{0x03}, leb_u(i)});
}
// A metering pass's sequences on global `g` (wasi/fuel_pass.hpp): add `delta`, and trap
// when negative.
inline Bytes counter_add(std::uint32_t g, std::int64_t delta) {
  return cat({global_get(g), i64c(delta), op(0x7c), global_set(g)});
}
inline Bytes counter_check(std::uint32_t g) {
  return cat({global_get(g), i64c(0), op(0x53), Bytes{0x04, 0x40, 0x00, 0x0b}});
}

}  // namespace wavs::wasm::test
