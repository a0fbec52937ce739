#include "wasm/decoder.hpp"

#include <array>

#include "wasm/reader.hpp"

WAVS_ERROR_TABLE(wavs::wasm, WasmErrc, "wasm", "malformed module", "invalid module", "unlinkable module",
                 "uninstantiable module", "not found", "bad argument", "limit exceeded",
                 "memory limit exceeded")

namespace wavs::wasm {

const char* to_string(ValType t) {
  switch (t) {
    case ValType::kI32:
      return "i32";
    case ValType::kI64:
      return "i64";
    case ValType::kF32:
      return "f32";
    case ValType::kF64:
      return "f64";
    case ValType::kV128:
      return "v128";
    case ValType::kFuncRef:
      return "funcref";
    case ValType::kExternRef:
      return "externref";
    case ValType::kUnknown:
      return "any";
  }
  return "?";
}

std::string to_string(const FuncType& t) {
  std::string s = "(";
  for (std::size_t i = 0; i < t.params.size(); ++i) s += (i ? " " : "") + std::string(to_string(t.params[i]));
  s += ") -> (";
  for (std::size_t i = 0; i < t.results.size(); ++i)
    s += (i ? " " : "") + std::string(to_string(t.results[i]));
  return s + ")";
}

const char* to_string(ExternKind k) {
  switch (k) {
    case ExternKind::kFunc:
      return "func";
    case ExternKind::kTable:
      return "table";
    case ExternKind::kMemory:
      return "memory";
    case ExternKind::kGlobal:
      return "global";
  }
  return "?";
}

// ---- opcode table ----------------------------------------------------------------

namespace {

constexpr ValType kV = ValType::kUnknown;
constexpr ValType kI32 = ValType::kI32;
constexpr ValType kI64 = ValType::kI64;
constexpr ValType kF32 = ValType::kF32;
constexpr ValType kF64 = ValType::kF64;
constexpr ValType kX_ = ValType::kUnknown;

struct OpcodeTables {
  std::array<OpcodeInfo, 256> single{};
  std::array<OpcodeInfo, 32> fc{};
  OpcodeTables() {
#define WAVS_X(name, code, text, imm, p0, p1, r, feat)                                 \
  {                                                                                    \
    OpcodeInfo info{text, Imm::imm, #p0[0] != 'X', k##p0, k##p1, k##r, Feature::feat}; \
    if ((code) < 0x100)                                                                \
      single[(code)&0xff] = info;                                                      \
    else                                                                               \
      fc[(code)&0x1f] = info;                                                          \
  }
    WAVS_WASM_OPCODES(WAVS_X)
#undef WAVS_X
  }
};

const OpcodeTables& tables() {
  static const OpcodeTables t;
  return t;
}

}  // namespace

const OpcodeInfo* opcode_info(std::uint32_t code) {
  const OpcodeInfo* info = nullptr;
  if (code < 0x100)
    info = &tables().single[code];
  else if ((code & 0xff00) == 0xfc00 && (code & 0xff) < 32)
    info = &tables().fc[code & 0xff];
  return info && !info->text.empty() ? info : nullptr;
}

std::string opcode_name(std::uint32_t code) {
  if (auto* info = opcode_info(code)) return std::string(info->text);
  char buf[16];
  std::snprintf(buf, sizeof buf, "<0x%x>", code);
  return buf;
}

// ---- reader ----------------------------------------------------------------------

Error Reader::fail_at(std::size_t offset, std::string_view what) const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "at offset 0x%zx: ", offset);
  std::string msg = context_.empty() ? std::string() : std::string(context_) + " ";
  return Error(WasmErrc::kMalformed, msg + buf + std::string(what));
}

Result<std::uint8_t> Reader::u8() {
  if (pos_ >= end_) return fail("unexpected end");
  return data_[pos_++];
}

Result<std::uint64_t> Reader::leb(unsigned bits, bool is_signed) {
  std::uint64_t result = 0;
  unsigned shift = 0;
  const unsigned max_bytes = (bits + 6) / 7;
  const std::size_t start = pos_;
  for (unsigned i = 0;; ++i) {
    if (pos_ >= end_) return fail_at(start, "unexpected end while reading an integer");
    std::uint8_t b = data_[pos_++];
    if (i == max_bytes - 1) {
      if (b & 0x80) return fail_at(start, "integer representation too long");
      unsigned used = bits - 7 * i;  // value bits in this last byte
      std::uint8_t unused_mask = static_cast<std::uint8_t>(0x7f & ~((1u << used) - 1));
      if (is_signed) {
        std::uint8_t sign_and_unused = static_cast<std::uint8_t>(unused_mask | (1u << (used - 1)));
        std::uint8_t v = b & sign_and_unused;
        if (v != 0 && v != sign_and_unused) return fail_at(start, "integer too large");
      } else if (b & unused_mask) {
        return fail_at(start, "integer too large");
      }
    }
    result |= static_cast<std::uint64_t>(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) {
      if (is_signed && shift < 64 && (b & 0x40)) result |= ~std::uint64_t{0} << shift;
      return result;
    }
  }
}

Result<std::uint32_t> Reader::u32() {
  auto v = leb(32, false);
  if (!v) return v.error();
  return static_cast<std::uint32_t>(*v);
}
Result<std::int32_t> Reader::s32() {
  auto v = leb(32, true);
  if (!v) return v.error();
  return static_cast<std::int32_t>(static_cast<std::int64_t>(*v));
}
Result<std::int64_t> Reader::s33() {
  auto v = leb(33, true);
  if (!v) return v.error();
  return static_cast<std::int64_t>(*v);
}
Result<std::int64_t> Reader::s64() {
  auto v = leb(64, true);
  if (!v) return v.error();
  return static_cast<std::int64_t>(*v);
}
Result<std::uint32_t> Reader::fixed32() {
  if (remaining() < 4) return fail("unexpected end");
  std::uint32_t v;
  std::memcpy(&v, data_ + pos_, 4);
  pos_ += 4;
  return v;
}
Result<std::uint64_t> Reader::fixed64() {
  if (remaining() < 8) return fail("unexpected end");
  std::uint64_t v;
  std::memcpy(&v, data_ + pos_, 8);
  pos_ += 8;
  return v;
}
Result<ByteView> Reader::bytes(std::size_t n) {
  if (remaining() < n) return fail("unexpected end: " + std::to_string(n) + " bytes expected");
  ByteView v(data_ + pos_, n);
  pos_ += n;
  return v;
}
Result<std::string> Reader::name() {
  std::size_t start = pos_;
  auto n = u32();
  if (!n) return n.error();
  auto b = bytes(*n);
  if (!b) return b.error();
  std::string s(as_chars(*b));
  if (!valid_utf8(s)) return fail_at(start, "malformed UTF-8 encoding");
  return s;
}
Result<std::uint32_t> Reader::count(std::string_view what, std::uint32_t limit, std::size_t min_item_bytes) {
  std::size_t start = pos_;
  auto n = u32();
  if (!n) return n.error();
  if (*n > limit) return fail_at(start, "too many " + std::string(what) + " (" + std::to_string(*n) + ")");
  if (min_item_bytes && static_cast<std::uint64_t>(*n) * min_item_bytes > remaining()) {
    return fail_at(start, "unexpected end: " + std::to_string(*n) + " " + std::string(what) + " declared");
  }
  return *n;
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    unsigned len, min;
    std::uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
      min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
      min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
      min = 0x10000;
    } else
      return false;
    if (i + len > n) return false;
    for (unsigned k = 1; k < len; ++k) {
      if ((p[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

std::string ModuleData::func_label(std::uint32_t func) const {
  std::string s = "func " + std::to_string(func);
  if (auto it = func_names.find(func); it != func_names.end()) s += " ($" + it->second + ")";
  return s;
}

// ---- decoder ---------------------------------------------------------------------

#define WAVS_TRY(var, expr)             \
  auto var##_r = (expr);                \
  if (!var##_r) return var##_r.error(); \
  auto var = *var##_r  // NOLINT(bugprone-macro-parentheses): declares `var`

Result<ValType> read_val_type(Reader& r) {
  std::size_t at = r.pos();
  WAVS_TRY(b, r.u8());
  switch (b) {
    case 0x7f:
    case 0x7e:
    case 0x7d:
    case 0x7c:
    case 0x70:
    case 0x6f:
      return static_cast<ValType>(b);
    case 0x7b:
      return r.fail_at(at, "SIMD (v128) is not supported yet");
    default:
      return r.fail_at(at, "malformed value type 0x" + to_hex(ByteView(&b, 1), HexPrefix::kNone));
  }
}

namespace {

Result<ValType> read_ref_type(Reader& r) {
  std::size_t at = r.pos();
  WAVS_TRY(b, r.u8());
  if (b == 0x70 || b == 0x6f) return static_cast<ValType>(b);
  return r.fail_at(at, "malformed reference type");
}

Result<Limits> read_limits(Reader& r, bool is_memory) {
  std::size_t at = r.pos();
  WAVS_TRY(flag, r.u8());
  if (flag > 1) {
    return r.fail_at(
        at, is_memory ? "integer too large (memory limits flag)" : "integer too large (table limits flag)");
  }
  Limits l;
  WAVS_TRY(min, r.u32());
  l.min = min;
  if (flag == 1) {
    WAVS_TRY(max, r.u32());
    l.max = max;
  }
  return l;
}

Result<TableType> read_table_type(Reader& r) {
  TableType t;
  WAVS_TRY(elem, read_ref_type(r));
  t.elem = elem;
  WAVS_TRY(l, read_limits(r, false));
  t.limits = l;
  return t;
}

Result<GlobalType> read_global_type(Reader& r) {
  GlobalType g;
  WAVS_TRY(t, read_val_type(r));
  g.type = t;
  std::size_t at = r.pos();
  WAVS_TRY(m, r.u8());
  if (m > 1) return r.fail_at(at, "malformed mutability");
  g.mut = m == 1;
  return g;
}

}  // namespace

Result<ConstExpr> read_const_expr(Reader& r) {
  ConstExpr e;
  e.offset = static_cast<std::uint32_t>(r.pos());
  for (;;) {
    std::size_t at = r.pos();
    WAVS_TRY(op, r.u8());
    ConstInstr in;
    switch (op) {
      case 0x0b:
        return e;
      case 0x41: {
        WAVS_TRY(v, r.s32());
        in.op = Opcode::kI32Const;
        in.value = static_cast<std::uint32_t>(v);
        break;
      }
      case 0x42: {
        WAVS_TRY(v, r.s64());
        in.op = Opcode::kI64Const;
        in.value = static_cast<std::uint64_t>(v);
        break;
      }
      case 0x43: {
        WAVS_TRY(v, r.fixed32());
        in.op = Opcode::kF32Const;
        in.value = v;
        break;
      }
      case 0x44: {
        WAVS_TRY(v, r.fixed64());
        in.op = Opcode::kF64Const;
        in.value = v;
        break;
      }
      case 0x23: {
        WAVS_TRY(v, r.u32());
        in.op = Opcode::kGlobalGet;
        in.value = v;
        break;
      }
      case 0xd2: {
        WAVS_TRY(v, r.u32());
        in.op = Opcode::kRefFunc;
        in.value = v;
        break;
      }
      case 0xd0: {
        WAVS_TRY(t, read_ref_type(r));
        in.op = Opcode::kRefNull;
        in.ref_type = t;
        break;
      }
      default: {
        // Other instructions are well-formed but not constant: the validator's
        // concern. Decode them only far enough to report the right error.
        if (opcode_info(op) == nullptr && op != 0xfc)
          return r.fail_at(at, "illegal opcode " + opcode_name(op));
        return Error(WasmErrc::kInvalid, "constant expression required (found " + opcode_name(op) +
                                             " at offset " + std::to_string(at) + ")");
      }
    }
    if (e.instrs.size() > 16) return r.fail("constant expression too long");
    e.instrs.push_back(in);
  }
}

namespace {

class Decoder {
 public:
  explicit Decoder(ByteView bytes) { m_.bytes.assign(bytes.begin(), bytes.end()); }

  Result<ModuleData> run();

 private:
  Status section(std::uint8_t id, Reader& r);
  Status type_section(Reader& r);
  Status import_section(Reader& r);
  Status function_section(Reader& r);
  Status table_section(Reader& r);
  Status memory_section(Reader& r);
  Status global_section(Reader& r);
  Status export_section(Reader& r);
  Status start_section(Reader& r);
  Status elem_section(Reader& r);
  Status code_section(Reader& r);
  Status data_section(Reader& r);
  Status datacount_section(Reader& r);
  void name_section(Reader r);

  ModuleData m_;
  std::uint32_t declared_funcs_ = 0;
  bool saw_function_section_ = false;
  bool saw_code_section_ = false;
};

const char* section_name(std::uint8_t id) {
  static constexpr const char* kNames[] = {"custom", "type",   "import",    "function", "table",
                                           "memory", "global", "export",    "start",    "element",
                                           "code",   "data",   "data count"};
  return id < 13 ? kNames[id] : "unknown";
}

// Position of each section id in the required order (custom sections excepted).
int section_rank(std::uint8_t id) {
  static constexpr int kRank[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
  return kRank[id];
}

Result<ModuleData> Decoder::run() {
  Reader r(m_.bytes.data(), 0, m_.bytes.size());
  auto magic = r.fixed32();
  if (!magic) return r.fail_at(0, "unexpected end (no magic header)");
  if (*magic != 0x6d736100) return r.fail_at(0, "magic header not detected");
  auto version = r.fixed32();
  if (!version) return r.fail_at(4, "unexpected end (no version)");
  if (*version != 1) return r.fail_at(4, "unknown binary version");
  int last_rank = 0;
  while (!r.at_end()) {
    std::size_t at = r.pos();
    WAVS_TRY(id, r.u8());
    if (id > 12) return r.fail_at(at, "malformed section id " + std::to_string(id));
    WAVS_TRY(size, r.u32());
    if (size > r.remaining())
      return r.fail_at(at, std::string(section_name(id)) + " section: length out of bounds");
    Reader sr(m_.bytes.data(), r.pos(), r.pos() + size);
    sr.set_context(section_name(id));
    if (id != 0) {
      int rank = section_rank(id);
      if (rank <= last_rank)
        return r.fail_at(at, "unexpected " + std::string(section_name(id)) +
                                 " section: junk after last section or sections out of order");
      last_rank = rank;
    }
    auto st = section(id, sr);
    if (!st) return st.error();
    if (!sr.at_end()) return sr.fail("section size mismatch");
    (void)r.bytes(size);
  }
  if (declared_funcs_ != m_.bodies.size() && (declared_funcs_ || saw_code_section_)) {
    return Error(WasmErrc::kMalformed, "function and code section have inconsistent lengths (" +
                                           std::to_string(declared_funcs_) + " functions, " +
                                           std::to_string(m_.bodies.size()) + " bodies)");
  }
  if (m_.data_count && *m_.data_count != m_.datas.size()) {
    return Error(WasmErrc::kMalformed, "data count and data section have inconsistent lengths");
  }
  return std::move(m_);
}

Status Decoder::section(std::uint8_t id, Reader& r) {
  switch (id) {
    case 0: {
      WAVS_TRY(name, r.name());
      if (name == "name") name_section(Reader(m_.bytes.data(), r.pos(), r.end()));
      (void)r.bytes(r.remaining());
      return {};
    }
    case 1:
      return type_section(r);
    case 2:
      return import_section(r);
    case 3:
      return function_section(r);
    case 4:
      return table_section(r);
    case 5:
      return memory_section(r);
    case 6:
      return global_section(r);
    case 7:
      return export_section(r);
    case 8:
      return start_section(r);
    case 9:
      return elem_section(r);
    case 10:
      return code_section(r);
    case 11:
      return data_section(r);
    case 12:
      return datacount_section(r);
    default:
      return r.fail("malformed section id");
  }
}

Status Decoder::type_section(Reader& r) {
  WAVS_TRY(n, r.count("types", kMaxTypes, 3));
  m_.types.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    std::size_t at = r.pos();
    WAVS_TRY(form, r.u8());
    if (form != 0x60) return r.fail_at(at, "malformed function type (expected 0x60)");
    FuncType t;
    WAVS_TRY(np, r.count("parameters", kMaxParams));
    for (std::uint32_t k = 0; k < np; ++k) {
      WAVS_TRY(v, read_val_type(r));
      t.params.push_back(v);
    }
    WAVS_TRY(nr, r.count("results", kMaxParams));
    for (std::uint32_t k = 0; k < nr; ++k) {
      WAVS_TRY(v, read_val_type(r));
      t.results.push_back(v);
    }
    m_.types.push_back(std::move(t));
  }
  return {};
}

Status Decoder::import_section(Reader& r) {
  WAVS_TRY(n, r.count("imports", kMaxImports, 4));
  for (std::uint32_t i = 0; i < n; ++i) {
    Import im;
    WAVS_TRY(mod, r.name());
    WAVS_TRY(name, r.name());
    im.module = std::move(mod);
    im.name = std::move(name);
    std::size_t at = r.pos();
    WAVS_TRY(kind, r.u8());
    switch (kind) {
      case 0: {
        WAVS_TRY(t, r.u32());
        im.kind = ExternKind::kFunc;
        im.func_type = t;
        m_.funcs.push_back(t);
        ++m_.num_imported_funcs;
        break;
      }
      case 1: {
        WAVS_TRY(t, read_table_type(r));
        im.kind = ExternKind::kTable;
        im.table = t;
        m_.tables.push_back(t);
        ++m_.num_imported_tables;
        break;
      }
      case 2: {
        WAVS_TRY(l, read_limits(r, true));
        im.kind = ExternKind::kMemory;
        im.memory.limits = l;
        m_.memories.push_back(im.memory);
        ++m_.num_imported_memories;
        break;
      }
      case 3: {
        WAVS_TRY(g, read_global_type(r));
        im.kind = ExternKind::kGlobal;
        im.global = g;
        m_.globals.push_back(g);
        ++m_.num_imported_globals;
        break;
      }
      default:
        return r.fail_at(at, "malformed import kind");
    }
    m_.imports.push_back(std::move(im));
  }
  return {};
}

Status Decoder::function_section(Reader& r) {
  WAVS_TRY(n, r.count("functions", kMaxFunctions));
  saw_function_section_ = true;
  declared_funcs_ = n;
  for (std::uint32_t i = 0; i < n; ++i) {
    WAVS_TRY(t, r.u32());
    m_.funcs.push_back(t);
  }
  return {};
}

Status Decoder::table_section(Reader& r) {
  WAVS_TRY(n, r.count("tables", kMaxTables, 3));
  for (std::uint32_t i = 0; i < n; ++i) {
    WAVS_TRY(t, read_table_type(r));
    m_.tables.push_back(t);
  }
  return {};
}

Status Decoder::memory_section(Reader& r) {
  WAVS_TRY(n, r.count("memories", kMaxTables, 2));
  for (std::uint32_t i = 0; i < n; ++i) {
    WAVS_TRY(l, read_limits(r, true));
    m_.memories.push_back(MemoryType{l});
  }
  return {};
}

Status Decoder::global_section(Reader& r) {
  WAVS_TRY(n, r.count("globals", kMaxGlobals, 3));
  for (std::uint32_t i = 0; i < n; ++i) {
    WAVS_TRY(g, read_global_type(r));
    WAVS_TRY(e, read_const_expr(r));
    m_.globals.push_back(g);
    m_.global_inits.push_back(std::move(e));
  }
  return {};
}

Status Decoder::export_section(Reader& r) {
  WAVS_TRY(n, r.count("exports", kMaxExports, 3));
  for (std::uint32_t i = 0; i < n; ++i) {
    Export e;
    WAVS_TRY(name, r.name());
    e.name = std::move(name);
    std::size_t at = r.pos();
    WAVS_TRY(kind, r.u8());
    if (kind > 3) return r.fail_at(at, "malformed export kind");
    e.kind = static_cast<ExternKind>(kind);
    WAVS_TRY(idx, r.u32());
    e.index = idx;
    m_.exports.push_back(std::move(e));
  }
  return {};
}

Status Decoder::start_section(Reader& r) {
  WAVS_TRY(idx, r.u32());
  m_.start = idx;
  return {};
}

Status Decoder::elem_section(Reader& r) {
  WAVS_TRY(n, r.count("element segments", kMaxSegments, 2));
  for (std::uint32_t i = 0; i < n; ++i) {
    ElemSegment s;
    std::size_t at = r.pos();
    WAVS_TRY(flags, r.u32());
    if (flags > 7) return r.fail_at(at, "malformed elements segment kind");
    bool passive_or_decl = flags & 1;
    bool explicit_table = flags & 2;
    bool exprs = flags & 4;
    if (passive_or_decl) {
      s.mode = explicit_table ? SegmentMode::kDeclarative : SegmentMode::kPassive;
    } else {
      s.mode = SegmentMode::kActive;
      if (explicit_table) {
        WAVS_TRY(t, r.u32());
        s.table = t;
      }
      WAVS_TRY(off, read_const_expr(r));
      s.offset = std::move(off);
    }
    if (passive_or_decl || explicit_table) {
      if (exprs) {
        WAVS_TRY(t, read_ref_type(r));
        s.type = t;
      } else {
        std::size_t kat = r.pos();
        WAVS_TRY(kind, r.u8());
        if (kind != 0) return r.fail_at(kat, "malformed element kind");
        s.type = ValType::kFuncRef;
      }
    }
    WAVS_TRY(count, r.count("segment elements", kMaxSegmentItems));
    for (std::uint32_t k = 0; k < count; ++k) {
      if (exprs) {
        WAVS_TRY(e, read_const_expr(r));
        s.items.push_back(std::move(e));
      } else {
        ConstExpr e;
        e.offset = static_cast<std::uint32_t>(r.pos());
        WAVS_TRY(f, r.u32());
        e.instrs.push_back(ConstInstr{Opcode::kRefFunc, f, ValType::kFuncRef});
        s.items.push_back(std::move(e));
      }
    }
    m_.elems.push_back(std::move(s));
  }
  return {};
}

Status Decoder::code_section(Reader& r) {
  saw_code_section_ = true;
  WAVS_TRY(n, r.count("function bodies", kMaxFunctions, 2));
  if (n != declared_funcs_) {
    return r.fail("function and code section have inconsistent lengths (" + std::to_string(declared_funcs_) +
                  " functions, " + std::to_string(n) + " bodies)");
  }
  m_.bodies.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    WAVS_TRY(size, r.u32());
    if (size > r.remaining()) return r.fail("function body length out of bounds");
    Reader br(m_.bytes.data(), r.pos(), r.pos() + size);
    br.set_context("code");
    FuncBody body;
    WAVS_TRY(groups, br.count("local groups", kMaxLocals * 2, 2));
    std::uint64_t total = 0;
    for (std::uint32_t g = 0; g < groups; ++g) {
      WAVS_TRY(cnt, br.u32());
      total += cnt;
      if (total > kMaxLocals) return br.fail("too many locals");
      WAVS_TRY(t, read_val_type(br));
      body.locals.insert(body.locals.end(), cnt, t);
    }
    body.code_begin = static_cast<std::uint32_t>(br.pos());
    body.code_end = static_cast<std::uint32_t>(br.end());
    if (body.code_begin >= body.code_end || m_.bytes[body.code_end - 1] != 0x0b) {
      // The validator reports the precise position; this catches a body with no `end`.
      if (body.code_begin >= body.code_end) return br.fail("unexpected end of section or function");
    }
    m_.bodies.push_back(std::move(body));
    (void)r.bytes(size);
  }
  return {};
}

Status Decoder::data_section(Reader& r) {
  WAVS_TRY(n, r.count("data segments", kMaxSegments, 1));
  for (std::uint32_t i = 0; i < n; ++i) {
    DataSegment s;
    std::size_t at = r.pos();
    WAVS_TRY(flags, r.u32());
    if (flags > 2) return r.fail_at(at, "malformed data segment kind");
    if (flags == 1) {
      s.mode = SegmentMode::kPassive;
    } else {
      if (flags == 2) {
        WAVS_TRY(mem, r.u32());
        s.memory = mem;
      }
      WAVS_TRY(off, read_const_expr(r));
      s.offset = std::move(off);
    }
    WAVS_TRY(size, r.u32());
    if (size > r.remaining())
      return r.fail("unexpected end of section or function: data segment longer than section");
    s.begin = static_cast<std::uint32_t>(r.pos());
    s.size = size;
    (void)r.bytes(size);
    m_.datas.push_back(std::move(s));
  }
  return {};
}

Status Decoder::datacount_section(Reader& r) {
  WAVS_TRY(n, r.u32());
  m_.data_count = n;
  return {};
}

// The name section is advisory: any error in it just stops reading it.
void Decoder::name_section(Reader r) {
  while (!r.at_end()) {
    auto id = r.u8();
    auto size = r.u32();
    if (!id || !size || *size > r.remaining()) return;
    Reader sub(nullptr, 0, 0);
    std::size_t next = r.pos() + *size;
    if (*id == 1) {
      auto n = r.count("names", kMaxFunctions, 2);
      if (!n) return;
      for (std::uint32_t i = 0; i < *n; ++i) {
        auto idx = r.u32();
        if (!idx) return;
        auto name = r.name();
        if (!name) return;
        m_.func_names[*idx] = std::move(*name);
      }
    }
    if (next > r.end()) return;
    r = Reader(m_.bytes.data(), next, r.end());
  }
}

}  // namespace

Result<ModuleData> decode(ByteView bytes) {
  Decoder d(bytes);
  return d.run();
}

}  // namespace wavs::wasm
