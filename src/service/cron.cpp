#include "service/cron.hpp"

#include <bit>
#include <cstddef>
#include <vector>

namespace wavs::service {
namespace {

using Bits = CronSchedule::Bits;

enum Field : int { kSecond, kMinute, kHour, kDayOfMonth, kMonth, kDayOfWeek, kYear, kFieldCount };

enum class Names : std::uint8_t { kNone, kMonths, kDays };

struct FieldSpec {
  const char* name;
  unsigned min, max;
  unsigned offset;  // bit index = value - offset
  Names names;
  bool allows_any;  // `?`
};

constexpr FieldSpec kSpecs[kFieldCount] = {
    {"second", 0, 59, 0, Names::kNone, false},       {"minute", 0, 59, 0, Names::kNone, false},
    {"hour", 0, 23, 0, Names::kNone, false},         {"day of month", 1, 31, 0, Names::kNone, true},
    {"month", 1, 12, 0, Names::kMonths, false},      {"day of week", 1, 7, 0, Names::kDays, true},
    {"year", 1970, 2099, 1970, Names::kNone, false},
};

constexpr std::size_t kMaxScheduleBytes = 1024;
constexpr unsigned kFirstYear = 1970;
constexpr unsigned kLastYear = 2099;
constexpr std::int64_t kSecondsPerDay = 86400;

// ---- bit sets --------------------------------------------------------------------

void set_bit(Bits& b, unsigned i) { b[i / 64] |= std::uint64_t{1} << (i % 64); }
bool test_bit(const Bits& b, unsigned i) { return ((b[i / 64] >> (i % 64)) & 1U) != 0; }

// The smallest set index in [from, to], if any.
std::optional<unsigned> next_bit(const Bits& b, unsigned from, unsigned to) {
  if (from > to) return std::nullopt;
  for (unsigned w = from / 64; w < b.size() && w * 64 <= to; ++w) {
    std::uint64_t word = b[w];
    if (w == from / 64) word &= ~std::uint64_t{0} << (from % 64);
    if (word == 0) continue;
    const unsigned i = w * 64 + static_cast<unsigned>(std::countr_zero(word));
    return i <= to ? std::optional<unsigned>(i) : std::nullopt;
  }
  return std::nullopt;
}

Bits full_bits(const FieldSpec& spec) {
  Bits b{};
  for (unsigned v = spec.min; v <= spec.max; ++v) set_bit(b, v - spec.offset);
  return b;
}

// ---- civil dates (proleptic Gregorian, UTC) -----------------------------------------
// H. Hinnant's days_from_civil / civil_from_days: exact integer arithmetic, no tables,
// no time zone database.

std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  int y;
  unsigned m, d;
};

Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const auto y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0));
  return {y, m, d};
}

bool is_leap(unsigned y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(unsigned y, unsigned m) {
  static constexpr unsigned kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12) return 0;  // callers keep m in range; no day rather than a bad read
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// 1 = Sunday … 7 = Saturday; 1970-01-01 was a Thursday.
unsigned day_of_week(std::int64_t days) { return static_cast<unsigned>(((days % 7) + 7 + 4) % 7) + 1; }

// ---- parsing ----------------------------------------------------------------------

std::string quote(std::string_view s) {
  constexpr std::size_t kMaxShown = 40;
  std::string out = "'";
  for (std::size_t i = 0; i < s.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (s.size() > kMaxShown) out += "…";
  return out + "'";
}

Error bad(std::string what) { return Error(ServiceErrc::kBadManifest, std::move(what)); }

Error field_error(int field, const std::string& what) {
  return bad("field " + std::to_string(field + 1) + " (" + kSpecs[field].name + "): " + what);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<unsigned> name_value(Names kind, std::string_view text) {
  struct Name {
    const char* name;
    unsigned value;
  };
  static constexpr Name kMonthNames[] = {
      {"jan", 1},      {"january", 1}, {"feb", 2},       {"february", 2}, {"mar", 3},       {"march", 3},
      {"apr", 4},      {"april", 4},   {"may", 5},       {"jun", 6},      {"june", 6},      {"jul", 7},
      {"july", 7},     {"aug", 8},     {"august", 8},    {"sep", 9},      {"september", 9}, {"oct", 10},
      {"october", 10}, {"nov", 11},    {"november", 11}, {"dec", 12},     {"december", 12},
  };
  static constexpr Name kDayNames[] = {
      {"sun", 1},     {"sunday", 1}, {"mon", 2},       {"monday", 2},   {"tue", 3},   {"tues", 3},
      {"tuesday", 3}, {"wed", 4},    {"wednesday", 4}, {"thu", 5},      {"thurs", 5}, {"thursday", 5},
      {"fri", 6},     {"friday", 6}, {"sat", 7},       {"saturday", 7},
  };
  const std::string l = lower(text);
  if (kind == Names::kMonths) {
    for (const auto& n : kMonthNames) {
      if (l == n.name) return n.value;
    }
  } else if (kind == Names::kDays) {
    for (const auto& n : kDayNames) {
      if (l == n.name) return n.value;
    }
  }
  return std::nullopt;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool all_letters(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
  }
  return true;
}

// Digits saturate well above every field's maximum, so a long number is reported as out
// of range rather than wrapping into it.
unsigned digits_value(std::string_view s) {
  constexpr unsigned kCap = 1000000;
  unsigned v = 0;
  for (char c : s) {
    v = v * 10 + static_cast<unsigned>(c - '0');
    if (v >= kCap) return kCap;
  }
  return v;
}

std::string range_text(const FieldSpec& spec) {
  return std::to_string(spec.min) + "-" + std::to_string(spec.max);
}

// One value: a number or, in the month and day-of-week fields, a name.
Result<unsigned> parse_value(int field, std::string_view text) {
  const FieldSpec& spec = kSpecs[field];
  unsigned v = 0;
  if (all_digits(text)) {
    v = digits_value(text);
  } else if (all_letters(text)) {
    auto named = name_value(spec.names, text);
    if (!named) {
      if (spec.names == Names::kMonths) return field_error(field, quote(text) + " is not a month (JAN-DEC)");
      if (spec.names == Names::kDays) {
        return field_error(field,
                           quote(text) + " is not a day of the week (SUN-SAT); L, W and # are not supported");
      }
      std::string what = quote(text) + " is not a number";
      if (field == kDayOfMonth) what += "; L and W are not supported";
      return field_error(field, what);
    }
    v = *named;
  } else {
    std::string what = quote(text) + " is not a number";
    if (spec.names != Names::kNone) what += " or a name";
    if (field == kDayOfMonth || field == kDayOfWeek) what += "; L, W and # are not supported";
    return field_error(field, what);
  }
  if (v < spec.min || v > spec.max) {
    std::string what = std::string(text) + " is outside " + range_text(spec);
    if (field == kDayOfWeek) what += " (1 = Sunday, 7 = Saturday)";
    return field_error(field, what);
  }
  return v;
}

// One list item: `*`, `?`, a, a-b, and any of those followed by /n.
Status parse_item(int field, std::string_view item, Bits& out) {
  const FieldSpec& spec = kSpecs[field];
  if (item.empty()) return field_error(field, "empty list item (two commas, or one at an end)");
  std::string_view base = item;
  std::optional<unsigned> step;
  if (const auto slash = item.find('/'); slash != std::string_view::npos) {
    base = item.substr(0, slash);
    std::string_view step_text = item.substr(slash + 1);
    if (step_text.find('/') != std::string_view::npos)
      return field_error(field, quote(item) + " has more than one '/'");
    if (base.empty()) return field_error(field, quote(item) + " has nothing before '/'");
    if (!all_digits(step_text))
      return field_error(field, "step " + quote(step_text) + " in " + quote(item) + " is not a number");
    step = digits_value(step_text);
    if (*step < 1 || *step > spec.max) {
      return field_error(field,
                         "step " + std::string(step_text) + " is outside 1-" + std::to_string(spec.max));
    }
  }
  unsigned lo = 0;
  unsigned hi = 0;
  if (base == "*" || base == "?") {
    if (base == "?" && !spec.allows_any) {
      return field_error(field, "'?' is only allowed in the day-of-month and day-of-week fields");
    }
    lo = spec.min;
    hi = spec.max;
  } else if (const auto dash = base.find('-'); dash != std::string_view::npos) {
    const std::string_view a = base.substr(0, dash);
    const std::string_view b = base.substr(dash + 1);
    if (a.empty() || b.empty() || b.find('-') != std::string_view::npos) {
      return field_error(field, quote(base) + " is not a range a-b");
    }
    auto va = parse_value(field, a);
    if (!va) return va.error();
    auto vb = parse_value(field, b);
    if (!vb) return vb.error();
    if (*va > *vb) return field_error(field, "range " + std::string(base) + " runs backwards");
    lo = *va;
    hi = *vb;
  } else {
    auto v = parse_value(field, base);
    if (!v) return v.error();
    lo = *v;
    hi = *v;
    if (step) {
      // The `cron` crate takes `a/n` as a..max by n, but not a name before the step.
      if (!all_digits(base))
        return field_error(field, "a step needs '*', a number or a range before '/', got " + quote(base));
      hi = spec.max;
    }
  }
  const unsigned by = step.value_or(1);
  for (unsigned v = lo; v <= hi; v += by) set_bit(out, v - spec.offset);
  return {};
}

Result<Bits> parse_field(int field, std::string_view text) {
  Bits bits{};
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item =
        text.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (auto ok = parse_item(field, item, bits); !ok) return ok.error();
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return bits;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

Status check_characters(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool ok = is_space(c) || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                    (c >= 'a' && c <= 'z') || c == '*' || c == '?' || c == ',' || c == '-' || c == '/';
    if (!ok) {
      std::string what =
          "unexpected character " + quote(text.substr(i, 1)) + " at offset " + std::to_string(i);
      if (c == '#') what += " (# is not supported)";
      return bad(what);
    }
  }
  return {};
}

}  // namespace

Result<CronSchedule> CronSchedule::parse(std::string_view text) {
  if (text.size() > kMaxScheduleBytes) {
    return bad("a cron schedule is at most " + std::to_string(kMaxScheduleBytes) + " bytes, got " +
               std::to_string(text.size()));
  }
  std::size_t b = 0;
  std::size_t e = text.size();
  while (b < e && is_space(text[b])) ++b;
  while (e > b && is_space(text[e - 1])) --e;
  const std::string_view trimmed = text.substr(b, e - b);
  if (trimmed.empty()) return bad("empty cron schedule");

  CronSchedule s;
  if (trimmed.front() == '@') {
    struct Shorthand {
      const char* name;
      const char* expansion;
    };
    static constexpr Shorthand kShorthands[] = {
        {"@yearly", "0 0 0 1 1 *"}, {"@monthly", "0 0 0 1 * *"}, {"@weekly", "0 0 0 * * 1"},
        {"@daily", "0 0 0 * * *"},  {"@hourly", "0 0 * * * *"},
    };
    for (const auto& sh : kShorthands) {
      if (trimmed == sh.name) return parse(sh.expansion);
    }
    return bad("unknown shorthand " + quote(trimmed) +
               " (expected @yearly, @monthly, @weekly, @daily or @hourly)");
  }
  if (auto ok = check_characters(text); !ok) return ok.error();

  std::string_view fields[kFieldCount];
  int count = 0;
  std::size_t i = 0;
  while (i < trimmed.size()) {
    while (i < trimmed.size() && is_space(trimmed[i])) ++i;
    if (i == trimmed.size()) break;
    std::size_t j = i;
    while (j < trimmed.size() && !is_space(trimmed[j])) ++j;
    if (count < kFieldCount) fields[count] = trimmed.substr(i, j - i);
    ++count;
    i = j;
  }
  if (count != 6 && count != 7) {
    std::string what = "a cron schedule has 6 or 7 fields (seconds first), got " + std::to_string(count);
    if (count == 5) what += "; put a seconds field in front of a 5-field crontab line";
    return bad(what);
  }
  for (int f = 0; f < count; ++f) {
    auto bits = parse_field(f, fields[f]);
    if (!bits) return bits.error();
    s.fields_[static_cast<std::size_t>(f)] = *bits;
  }
  if (count == 6) s.fields_[kYear] = full_bits(kSpecs[kYear]);
  return s;
}

std::optional<std::uint64_t> CronSchedule::next_after(std::uint64_t unix_seconds) const {
  if (unix_seconds >= kEndSeconds - 1) return std::nullopt;
  const std::uint64_t start = unix_seconds + 1;
  const auto start_days = static_cast<std::int64_t>(start / kSecondsPerDay);
  const auto sod = static_cast<unsigned>(start % kSecondsPerDay);
  const Civil c = civil_from_days(start_days);
  auto y = static_cast<unsigned>(c.y);
  unsigned m = c.m;
  unsigned d = c.d;
  unsigned h = sod / 3600;
  unsigned mi = sod / 60 % 60;
  unsigned s = sod % 60;

  const Bits& seconds = fields_[kSecond];
  const Bits& minutes = fields_[kMinute];
  const Bits& hours = fields_[kHour];
  const Bits& doms = fields_[kDayOfMonth];
  const Bits& months = fields_[kMonth];
  const Bits& dows = fields_[kDayOfWeek];
  const Bits& years = fields_[kYear];

  // Each step below either returns or moves the candidate strictly forward to the start
  // of a later unit, so the loop ends; it visits at most a few candidates per matching
  // day and skips non-matching years and months whole.
  auto next_month = [&] {
    ++m;
    d = 1;
    h = mi = s = 0;
    if (m > 12) {
      ++y;
      m = 1;
    }
  };
  auto next_day = [&] {
    ++d;
    h = mi = s = 0;
    if (d > days_in_month(y, m)) next_month();
  };
  auto next_hour = [&] {
    ++h;
    mi = s = 0;
    if (h > 23) next_day();
  };
  auto next_minute = [&] {
    ++mi;
    s = 0;
    if (mi > 59) next_hour();
  };

  for (;;) {
    if (y > kLastYear) return std::nullopt;
    const auto ny = next_bit(years, y - kFirstYear, kLastYear - kFirstYear);
    if (!ny) return std::nullopt;
    if (*ny + kFirstYear != y) {
      y = *ny + kFirstYear;
      m = d = 1;
      h = mi = s = 0;
    }
    const auto nm = next_bit(months, m, 12);
    if (!nm) {
      ++y;
      m = d = 1;
      h = mi = s = 0;
      continue;
    }
    if (*nm != m) {
      m = *nm;
      d = 1;
      h = mi = s = 0;
    }
    const auto nd = next_bit(doms, d, days_in_month(y, m));
    if (!nd) {
      next_month();
      continue;
    }
    if (*nd != d) {
      d = *nd;
      h = mi = s = 0;
    }
    if (!test_bit(dows, day_of_week(days_from_civil(static_cast<int>(y), m, d)))) {
      next_day();
      continue;
    }
    const auto nh = next_bit(hours, h, 23);
    if (!nh) {
      next_day();
      continue;
    }
    if (*nh != h) {
      h = *nh;
      mi = s = 0;
    }
    const auto nmi = next_bit(minutes, mi, 59);
    if (!nmi) {
      next_hour();
      continue;
    }
    if (*nmi != mi) {
      mi = *nmi;
      s = 0;
    }
    const auto ns = next_bit(seconds, s, 59);
    if (!ns) {
      next_minute();
      continue;
    }
    s = *ns;
    const std::int64_t days = days_from_civil(static_cast<int>(y), m, d);
    return static_cast<std::uint64_t>(days) * kSecondsPerDay + std::uint64_t{h} * 3600 +
           std::uint64_t{mi} * 60 + s;
  }
}

bool CronSchedule::matches(std::uint64_t unix_seconds) const {
  if (unix_seconds >= kEndSeconds) return false;
  const auto days = static_cast<std::int64_t>(unix_seconds / kSecondsPerDay);
  const auto sod = static_cast<unsigned>(unix_seconds % kSecondsPerDay);
  const Civil c = civil_from_days(days);
  return test_bit(fields_[kYear], static_cast<unsigned>(c.y) - kFirstYear) &&
         test_bit(fields_[kMonth], c.m) && test_bit(fields_[kDayOfMonth], c.d) &&
         test_bit(fields_[kDayOfWeek], day_of_week(days)) && test_bit(fields_[kHour], sod / 3600) &&
         test_bit(fields_[kMinute], sod / 60 % 60) && test_bit(fields_[kSecond], sod % 60);
}

namespace {

// A field's values as text: `*/n`, `a/n` or `a-b/n` when they are one arithmetic
// progression of three or more, else ascending values with runs as ranges.
std::string field_text(const FieldSpec& spec, const Bits& bits) {
  const unsigned top = spec.max - spec.offset;
  std::vector<unsigned> values;
  for (auto i = next_bit(bits, spec.min - spec.offset, top); i; i = next_bit(bits, *i + 1, top)) {
    values.push_back(*i + spec.offset);
  }
  if (values.size() >= 3) {
    const unsigned step = values[1] - values[0];
    bool progression = step >= 2;
    for (std::size_t k = 2; progression && k < values.size(); ++k)
      progression = values[k] - values[k - 1] == step;
    if (progression) {
      const unsigned first = values.front();
      const unsigned last = values.back();
      const std::string by = "/" + std::to_string(step);
      if (last + step <= spec.max) return std::to_string(first) + "-" + std::to_string(last) + by;
      if (first == spec.min) return "*" + by;
      return std::to_string(first) + by;
    }
  }
  std::string out;
  for (std::size_t k = 0; k < values.size();) {
    std::size_t j = k;
    while (j + 1 < values.size() && values[j + 1] == values[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(values[k]);
    if (j != k) out += "-" + std::to_string(values[j]);
    k = j + 1;
  }
  return out;
}

}  // namespace

std::string CronSchedule::to_string() const {
  std::string out;
  for (int f = 0; f < kFieldCount; ++f) {
    const FieldSpec& spec = kSpecs[f];
    const Bits& bits = fields_[static_cast<std::size_t>(f)];
    const bool full = bits == full_bits(spec);
    if (f == kYear && full) break;
    if (f > 0) out += ' ';
    out += full ? std::string("*") : field_text(spec, bits);
  }
  return out;
}

}  // namespace wavs::service
