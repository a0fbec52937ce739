#include "wasi/fuel_pass.hpp"

#include <optional>
#include <string>
#include <vector>

#include "wasi/error.hpp"

namespace wavs::wasi {
namespace {

// A bounds-checked cursor; every read reports failure instead of overrunning.
class Cursor {
 public:
  Cursor(ByteView bytes, std::size_t pos, std::size_t end) : bytes_(bytes), pos_(pos), end_(end) {}
  [[nodiscard]] std::size_t pos() const { return pos_; }
  [[nodiscard]] bool at_end() const { return pos_ >= end_; }
  [[nodiscard]] bool ok() const { return ok_; }

  std::uint8_t u8() {
    if (pos_ >= end_) return fail();
    return bytes_[pos_++];
  }
  std::uint64_t leb() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      std::uint8_t b = u8();
      if (!ok_) return 0;
      if (shift < 64) v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    return fail();
  }
  std::uint32_t u32() { return static_cast<std::uint32_t>(leb()); }
  void skip(std::size_t n) {
    if (end_ - pos_ < n) {
      fail();
      return;
    }
    pos_ += n;
  }
  std::uint8_t fail() {
    ok_ = false;
    pos_ = end_;
    return 0;
  }

 private:
  ByteView bytes_;
  std::size_t pos_;
  std::size_t end_;
  bool ok_ = true;
};

void put_leb_u(Bytes& out, std::uint64_t v) {
  do {
    std::uint8_t b = v & 0x7f;
    v >>= 7;
    if (v) b |= 0x80;
    out.push_back(b);
  } while (v);
}

void put_leb_s(Bytes& out, std::int64_t v) {
  for (;;) {
    std::uint8_t b = v & 0x7f;
    v >>= 7;
    bool done = (v == 0 && !(b & 0x40)) || (v == -1 && (b & 0x40));
    if (!done) b |= 0x80;
    out.push_back(b);
    if (done) return;
  }
}

void put_name(Bytes& out, std::string_view s) {
  put_leb_u(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

void put_section(Bytes& out, std::uint8_t id, const Bytes& content) {
  out.push_back(id);
  put_leb_u(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
}

Error instrument_error(std::size_t offset, std::string what) {
  return Error(WasiErrc::kInstrument, what + " at byte " + std::to_string(offset));
}

// Where a segment boundary falls after an instruction.
enum class After : std::uint8_t { kContinue, kNewSegment };

// Skips one instruction's immediates. Returns nullopt for opcodes the pass does not
// know (the engine would have to reject or meter them specially).
std::optional<After> skip_instruction(std::uint8_t op, Cursor& c) {
  switch (op) {
    case 0x00: case 0x0f:  // unreachable, return
      return After::kNewSegment;
    case 0x01: case 0x1a: case 0x1b: case 0xd1:  // nop, drop, select, ref.is_null
      return After::kContinue;
    case 0x02:  // block
      c.leb();
      return After::kContinue;
    case 0x03: case 0x04:  // loop, if
      c.leb();
      return After::kNewSegment;
    case 0x05: case 0x0b:  // else, end
      return After::kNewSegment;
    case 0x0c: case 0x0d:  // br, br_if
      c.u32();
      return After::kNewSegment;
    case 0x0e: {  // br_table
      std::uint32_t n = c.u32();
      for (std::uint64_t i = 0; i <= n && c.ok(); ++i) c.u32();
      return After::kNewSegment;
    }
    case 0x10:  // call
      c.u32();
      return After::kContinue;
    case 0x11:  // call_indirect
      c.u32();
      c.u32();
      return After::kContinue;
    case 0x1c: {  // select t*
      std::uint32_t n = c.u32();
      for (std::uint64_t i = 0; i < n && c.ok(); ++i) c.u8();
      return After::kContinue;
    }
    case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25: case 0x26:
      c.u32();
      return After::kContinue;
    case 0x3f: case 0x40:  // memory.size, memory.grow
      c.u32();
      return After::kContinue;
    case 0x41: case 0x42:
      c.leb();
      return After::kContinue;
    case 0x43:
      c.skip(4);
      return After::kContinue;
    case 0x44:
      c.skip(8);
      return After::kContinue;
    case 0xd0:  // ref.null t
      c.u8();
      return After::kContinue;
    case 0xd2:  // ref.func
      c.u32();
      return After::kContinue;
    case 0xfc: {
      std::uint32_t sub = c.u32();
      switch (sub) {
        case 0: case 1: case 2: case 3: case 4: case 5: case 6: case 7: return After::kContinue;
        case 8: c.u32(); c.u32(); return After::kContinue;            // memory.init
        case 9: c.u32(); return After::kContinue;                     // data.drop
        case 10: c.u32(); c.u32(); return After::kContinue;           // memory.copy
        case 11: c.u32(); return After::kContinue;                    // memory.fill
        case 12: c.u32(); c.u32(); return After::kContinue;           // table.init
        case 13: c.u32(); return After::kContinue;                    // elem.drop
        case 14: c.u32(); c.u32(); return After::kContinue;           // table.copy
        case 15: case 16: case 17: c.u32(); return After::kContinue;  // table.grow/size/fill
        default: return std::nullopt;
      }
    }
    default:
      if (op >= 0x28 && op <= 0x3e) {  // loads and stores: align, offset
        c.u32();
        c.u32();
        return After::kContinue;
      }
      if (op >= 0x45 && op <= 0xc4) return After::kContinue;  // numeric, no immediates
      return std::nullopt;
  }
}

void put_charge(Bytes& out, std::uint32_t global, std::uint64_t cost, bool check) {
  out.push_back(0x23);
  put_leb_u(out, global);
  // Adding the negated cost (rather than subtracting it) lets the engine's translator
  // fuse the constant into the add.
  out.push_back(0x42);
  put_leb_s(out, -static_cast<std::int64_t>(cost));
  out.push_back(0x7c);  // i64.add
  out.push_back(0x24);
  put_leb_u(out, global);
  if (!check) return;
  out.push_back(0x23);
  put_leb_u(out, global);
  out.push_back(0x42);
  out.push_back(0x00);
  out.push_back(0x53);  // i64.lt_s
  out.push_back(0x04);
  out.push_back(0x40);
  out.push_back(0x00);  // unreachable
  out.push_back(0x0b);
}

// Rewrites one function body (locals + code) with charges at each segment start.
Result<Bytes> meter_body(ByteView wasm, std::size_t begin, std::size_t end, std::uint32_t global,
                         FuelPassStats& stats) {
  Cursor c(wasm, begin, end);
  std::uint32_t groups = c.u32();
  for (std::uint64_t i = 0; i < groups && c.ok(); ++i) {
    c.u32();
    c.u8();
  }
  if (!c.ok()) return instrument_error(begin, "malformed locals");
  Bytes out(wasm.begin() + static_cast<std::ptrdiff_t>(begin), wasm.begin() + static_cast<std::ptrdiff_t>(c.pos()));

  // First pass: segment start offsets and their costs.
  struct Segment {
    std::size_t start;
    std::uint64_t cost;
    bool check;  // function entry and loop headers: where unbounded execution must pass
  };
  std::vector<Segment> segments{{c.pos(), 0, true}};
  std::uint32_t depth = 1;
  while (depth > 0) {
    if (c.at_end()) return instrument_error(c.pos(), "function body without final end");
    std::size_t at = c.pos();
    std::uint8_t op = c.u8();
    auto after = skip_instruction(op, c);
    if (!after) return instrument_error(at, "unsupported instruction 0x" + to_hex(ByteView(&op, 1), HexPrefix::kNone));
    if (!c.ok()) return instrument_error(at, "truncated instruction");
    if (op == 0x02 || op == 0x03 || op == 0x04) ++depth;
    if (op == 0x0b) --depth;
    segments.back().cost += 1;
    if (*after == After::kNewSegment && depth > 0) segments.push_back({c.pos(), 0, op == 0x03});
  }
  if (c.pos() != end) return instrument_error(c.pos(), "bytes after the function's final end");

  // Second pass: copy, inserting the charges.
  std::size_t copied = segments.front().start;
  for (const Segment& s : segments) {
    out.insert(out.end(), wasm.begin() + static_cast<std::ptrdiff_t>(copied),
               wasm.begin() + static_cast<std::ptrdiff_t>(s.start));
    copied = s.start;
    if (s.cost == 0 && !s.check) continue;
    put_charge(out, global, s.cost, s.check);
    ++stats.charge_points;
  }
  out.insert(out.end(), wasm.begin() + static_cast<std::ptrdiff_t>(copied),
             wasm.begin() + static_cast<std::ptrdiff_t>(end));
  return out;
}

// Sections in the order the binary format requires them (custom sections excluded).
int section_rank(std::uint8_t id) {
  switch (id) {
    case 1: return 1;
    case 2: return 2;
    case 3: return 3;
    case 4: return 4;
    case 5: return 5;
    case 13: return 6;  // tag
    case 6: return 7;
    case 7: return 8;
    case 8: return 9;
    case 9: return 10;
    case 12: return 11;  // data count
    case 10: return 12;
    case 11: return 13;
    default: return 0;
  }
}

struct RawSection {
  std::uint8_t id;
  std::size_t begin;  // contents
  std::size_t end;
};

}  // namespace

Result<Bytes> inject_fuel(ByteView wasm, FuelPassStats* stats_out) {
  FuelPassStats stats;
  if (wasm.size() < 8 || wasm[0] != 0x00 || wasm[1] != 0x61 || wasm[2] != 0x73 || wasm[3] != 0x6d) {
    return instrument_error(0, "not a WebAssembly binary");
  }
  std::vector<RawSection> sections;
  Cursor c(wasm, 8, wasm.size());
  while (!c.at_end()) {
    std::uint8_t id = c.u8();
    std::uint32_t size = c.u32();
    std::size_t begin = c.pos();
    c.skip(size);
    if (!c.ok()) return instrument_error(begin, "truncated section");
    sections.push_back({id, begin, begin + size});
  }

  // Global index of the counter: after every imported and defined global.
  std::uint32_t num_globals = 0;
  std::optional<std::uint32_t> start_func;
  for (const auto& s : sections) {
    Cursor sc(wasm, s.begin, s.end);
    if (s.id == 2) {
      std::uint32_t n = sc.u32();
      for (std::uint64_t i = 0; i < n && sc.ok(); ++i) {
        sc.skip(sc.u32());
        sc.skip(sc.u32());
        std::uint8_t kind = sc.u8();
        switch (kind) {
          case 0: sc.u32(); break;
          case 1: sc.u8(); if (sc.u8() & 1) { sc.u32(); } sc.u32(); break;
          case 2: if (sc.u8() & 1) { sc.u32(); } sc.u32(); break;
          case 3: sc.u8(); sc.u8(); ++num_globals; break;
          default: sc.fail();
        }
      }
    } else if (s.id == 6) {
      num_globals += sc.u32();
    } else if (s.id == 8) {
      start_func = sc.u32();
    }
    if (!sc.ok()) return instrument_error(s.begin, "malformed section " + std::to_string(s.id));
  }
  const std::uint32_t fuel_global = num_globals;

  Bytes new_global_entry{0x7e, 0x01, 0x42};
  put_leb_s(new_global_entry, INT64_MAX);
  new_global_entry.push_back(0x0b);
  Bytes new_exports;
  std::uint32_t new_export_count = 1;
  put_name(new_exports, kFuelExport);
  new_exports.push_back(0x03);
  put_leb_u(new_exports, fuel_global);
  if (start_func) {
    put_name(new_exports, kStartExport);
    new_exports.push_back(0x00);
    put_leb_u(new_exports, *start_func);
    ++new_export_count;
  }

  Bytes out(wasm.begin(), wasm.begin() + 8);
  bool globals_done = false, exports_done = false;
  auto emit_missing = [&](int next_rank) {
    if (!globals_done && next_rank > section_rank(6)) {
      Bytes content;
      put_leb_u(content, 1);
      content.insert(content.end(), new_global_entry.begin(), new_global_entry.end());
      put_section(out, 6, content);
      globals_done = true;
    }
    if (!exports_done && next_rank > section_rank(7)) {
      Bytes content;
      put_leb_u(content, new_export_count);
      content.insert(content.end(), new_exports.begin(), new_exports.end());
      put_section(out, 7, content);
      exports_done = true;
    }
  };

  for (const auto& s : sections) {
    ByteView body(wasm.data() + s.begin, s.end - s.begin);
    int rank = section_rank(s.id);
    if (rank) emit_missing(rank);
    if (s.id == 6 || s.id == 7) {
      Cursor sc(wasm, s.begin, s.end);
      std::uint32_t n = sc.u32();
      Bytes content;
      put_leb_u(content, static_cast<std::uint64_t>(n) + (s.id == 6 ? 1 : new_export_count));
      content.insert(content.end(), wasm.begin() + static_cast<std::ptrdiff_t>(sc.pos()),
                     wasm.begin() + static_cast<std::ptrdiff_t>(s.end));
      if (s.id == 6) {
        content.insert(content.end(), new_global_entry.begin(), new_global_entry.end());
        globals_done = true;
      } else {
        content.insert(content.end(), new_exports.begin(), new_exports.end());
        exports_done = true;
      }
      put_section(out, s.id, content);
    } else if (s.id == 8) {
      continue;  // exported as kStartExport instead
    } else if (s.id == 10) {
      Cursor sc(wasm, s.begin, s.end);
      std::uint32_t n = sc.u32();
      Bytes content;
      put_leb_u(content, n);
      for (std::uint64_t i = 0; i < n; ++i) {
        std::uint32_t size = sc.u32();
        std::size_t begin = sc.pos();
        sc.skip(size);
        if (!sc.ok()) return instrument_error(begin, "truncated function body");
        auto metered = meter_body(wasm, begin, begin + size, fuel_global, stats);
        if (!metered) return metered.error();
        put_leb_u(content, metered->size());
        content.insert(content.end(), metered->begin(), metered->end());
        ++stats.functions;
      }
      if (!sc.ok() || !sc.at_end()) return instrument_error(s.begin, "malformed code section");
      put_section(out, 10, content);
    } else {
      put_section(out, s.id, Bytes(body.begin(), body.end()));
    }
  }
  emit_missing(100);
  if (stats_out) *stats_out = stats;
  return out;
}

}  // namespace wavs::wasi
