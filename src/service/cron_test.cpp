#include "service/cron.hpp"
#include "service/manifest.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace wavs::service {
namespace {

// Expected ticks go through the C library's timegm/gmtime_r, not the schedule's own
// calendar arithmetic, so a shared mistake cannot hide.
std::uint64_t at(const char* text) {
  std::tm tm{};
  const int n = std::sscanf(text, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                            &tm.tm_min, &tm.tm_sec);
  EXPECT_EQ(n, 6) << text;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::uint64_t>(timegm(&tm));
}

std::string show(std::optional<std::uint64_t> t) {
  if (!t) return "none";
  const auto tt = static_cast<std::time_t>(*t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d (%llu)", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<unsigned long long>(*t));
  return buf;
}

CronSchedule must_parse(const std::string& text) {
  auto s = CronSchedule::parse(text);
  EXPECT_TRUE(s) << text << ": " << (s ? "" : s.error().message());
  return s ? *s : *CronSchedule::parse("* * * * * *");
}

TEST(CronSchedule, KnownNextTicks) {
  struct Case {
    const char* schedule;
    const char* from;
    const char* next;  // nullptr: no tick
  } cases[] = {
      {"* * * * * *", "2025-01-01 00:00:00", "2025-01-01 00:00:01"},
      {"* * * * * *", "2025-12-31 23:59:59", "2026-01-01 00:00:00"},
      {"0 */5 * * * *", "2025-03-10 12:03:17", "2025-03-10 12:05:00"},
      {"0 */5 * * * *", "2025-03-10 12:05:00", "2025-03-10 12:10:00"},  // on a tick: the next one
      {"0 */5 * * * *", "2025-03-10 23:57:00", "2025-03-11 00:00:00"},
      {"0 0 12 * * *", "2025-06-01 11:59:59", "2025-06-01 12:00:00"},
      {"0 0 12 * * *", "2025-06-01 12:00:00", "2025-06-02 12:00:00"},
      {"0 0 12 * * *", "2025-06-30 12:00:00", "2025-07-01 12:00:00"},
      // Weekdays; 2025-11-28 is a Friday, 2025-12-01 a Monday.
      {"0 30 9 * * MON-FRI", "2025-11-28 10:00:00", "2025-12-01 09:30:00"},
      {"0 30 9 * * 2-6", "2025-11-28 10:00:00", "2025-12-01 09:30:00"},
      {"0 30 9 * * mon-fri", "2025-11-28 09:29:59", "2025-11-28 09:30:00"},
      // 1 = Sunday, 7 = Saturday.
      {"0 0 0 * * 1", "2025-11-28 10:00:00", "2025-11-30 00:00:00"},
      {"0 0 0 * * 7", "2025-11-28 10:00:00", "2025-11-29 00:00:00"},
      {"0 0 0 * * SUN", "2025-11-28 10:00:00", "2025-11-30 00:00:00"},
      {"0 0 0 * * Saturday", "2025-11-28 10:00:00", "2025-11-29 00:00:00"},
      // Month ends.
      {"59 59 23 31 * *", "2025-04-01 00:00:00", "2025-05-31 23:59:59"},
      {"0 0 0 29-31 * *", "2025-02-27 00:00:00", "2025-03-29 00:00:00"},
      {"0 0 0 29-31 * *", "2024-02-27 00:00:00", "2024-02-29 00:00:00"},
      {"0 0 0 1 * *", "2025-01-31 23:59:59", "2025-02-01 00:00:00"},
      // Leap day.
      {"0 0 0 29 2 *", "2025-01-01 00:00:00", "2028-02-29 00:00:00"},
      {"0 0 0 29 2 *", "2024-02-29 00:00:00", "2028-02-29 00:00:00"},
      {"0 0 0 29 2 *", "2096-03-01 00:00:00", nullptr},  // 2100 is no leap year, and past the end
      {"0 0 0 29 FEB *", "2023-06-01 00:00:00", "2024-02-29 00:00:00"},
      // Year field and year ends.
      {"0 0 0 1 1 *", "2025-12-31 23:59:59", "2026-01-01 00:00:00"},
      {"0 0 0 1 1 * 2030", "2025-05-05 05:05:05", "2030-01-01 00:00:00"},
      {"0 0 0 1 1 * 2030", "2030-01-01 00:00:00", nullptr},
      {"0 0 0 1 1 * 2028,2030-2032/2", "2028-01-01 00:00:00", "2030-01-01 00:00:00"},
      {"* * * * * * 2020", "2025-01-01 00:00:00", nullptr},
      {"0 0 0 29 2 * 2025-2027", "2024-06-01 00:00:00", nullptr},
      {"59 59 23 31 12 * 2099", "2099-01-01 00:00:00", "2099-12-31 23:59:59"},
      {"59 59 23 31 12 *", "2099-12-31 23:59:59", nullptr},
      // Names, steps, lists.
      {"0 0 8 * JAN,jul sun", "2025-02-01 00:00:00", "2025-07-06 08:00:00"},
      {"0 0 0 1 December *", "2025-02-01 00:00:00", "2025-12-01 00:00:00"},
      {"*/15 10-20/5 * * * *", "2025-01-01 00:00:00", "2025-01-01 00:10:00"},
      {"*/15 10-20/5 * * * *", "2025-01-01 00:20:45", "2025-01-01 01:10:00"},
      {"5/20 * * * * *", "2025-01-01 00:00:45", "2025-01-01 00:01:05"},
      {"0 0 1,13,22 * * *", "2025-01-01 13:00:00", "2025-01-01 22:00:00"},
      {"0 0 1,13,22 * * *", "2025-01-01 22:00:00", "2025-01-02 01:00:00"},
      {"0 0 0 */10 * *", "2025-01-31 00:00:00", "2025-02-01 00:00:00"},  // days 1, 11, 21, 31
      {"0 0 0 ? * *", "2025-01-31 00:00:00", "2025-02-01 00:00:00"},
      {"0 0 0 */7 * ?", "2025-01-29 00:00:00", "2025-02-01 00:00:00"},
      // Both day fields restricted: both must match (Friday the 13th, not either).
      {"0 0 0 13 * FRI", "2025-01-01 00:00:00", "2025-06-13 00:00:00"},
      // Shorthands.
      {"@daily", "2025-01-01 00:00:00", "2025-01-02 00:00:00"},
      {"@hourly", "2025-01-01 00:30:00", "2025-01-01 01:00:00"},
      {"@weekly", "2025-11-28 00:00:00", "2025-11-30 00:00:00"},
      {"@monthly", "2025-11-28 00:00:00", "2025-12-01 00:00:00"},
      {"@yearly", "2025-11-28 00:00:00", "2026-01-01 00:00:00"},
      {"  @daily\t", "2025-01-01 00:00:00", "2025-01-02 00:00:00"},
      // Never fires.
      {"0 0 0 30 2 *", "2025-01-01 00:00:00", nullptr},
      {"0 0 0 31 4,6,9,11 *", "1970-01-01 00:00:00", nullptr},
      {"0 0 0 31 2 MON", "1970-01-01 00:00:00", nullptr},
      // Whitespace between fields is spaces or tabs, any number.
      {" 0\t0  12 * * * ", "2025-06-01 11:59:59", "2025-06-01 12:00:00"},
  };
  for (const auto& c : cases) {
    const CronSchedule s = must_parse(c.schedule);
    const auto got = s.next_after(at(c.from));
    const std::string want = c.next ? show(at(c.next)) : "none";
    EXPECT_EQ(show(got), want) << c.schedule << " after " << c.from;
    if (got) {
      EXPECT_TRUE(s.matches(*got)) << c.schedule;
    }
  }
}

TEST(CronSchedule, EndsOfTime) {
  const CronSchedule every = must_parse("* * * * * *");
  EXPECT_EQ(every.next_after(0), 1U);
  EXPECT_EQ(every.next_after(CronSchedule::kEndSeconds - 2), CronSchedule::kEndSeconds - 1);
  EXPECT_EQ(every.next_after(CronSchedule::kEndSeconds - 1), std::nullopt);
  EXPECT_EQ(every.next_after(CronSchedule::kEndSeconds), std::nullopt);
  EXPECT_EQ(every.next_after(std::numeric_limits<std::uint64_t>::max()), std::nullopt);
  EXPECT_EQ(CronSchedule::kEndSeconds, at("2100-01-01 00:00:00"));
  EXPECT_FALSE(every.matches(CronSchedule::kEndSeconds));
  EXPECT_TRUE(every.matches(0));
}

// A tick in nanoseconds: the next whole-second tick after floor(t_ns / 1e9) is the first
// tick strictly after t_ns.
TEST(CronSchedule, NanosecondCallersRoundDown) {
  const CronSchedule s = must_parse("*/10 * * * * *");
  const std::uint64_t base = at("2025-11-25 00:00:00");
  constexpr std::uint64_t kNs = 1'000'000'000;
  EXPECT_EQ(*s.next_after((base * kNs + 500'000'000) / kNs) * kNs, (base + 10) * kNs);
  EXPECT_EQ(*s.next_after((base * kNs) / kNs) * kNs, (base + 10) * kNs);
  EXPECT_EQ(*s.next_after((base * kNs - 1) / kNs) * kNs, base * kNs);
}

TEST(CronSchedule, SuccessiveTicks) {
  const CronSchedule s = must_parse("0 0 0 29 2 *");
  std::vector<std::string> got;
  for (auto t = s.next_after(0); t; t = s.next_after(*t)) got.push_back(show(t).substr(0, 10));
  ASSERT_EQ(got.size(), 32U);  // 1972 … 2096
  EXPECT_EQ(got.front(), "1972-02-29");
  EXPECT_EQ(got.back(), "2096-02-29");

  const CronSchedule weekly = must_parse("0 0 0 * * SUN");
  std::uint64_t t = at("2025-01-01 00:00:00");
  for (int i = 0; i < 60; ++i) {
    const auto n = weekly.next_after(t);
    ASSERT_TRUE(n);
    if (i > 0) {
      EXPECT_EQ(*n - t, 7U * 86400U);
    }
    t = *n;
  }
}

TEST(CronSchedule, NeverFiringSchedulesAnswerQuickly) {
  const CronSchedule never = must_parse("0 0 0 31 2 *");
  const CronSchedule rare = must_parse("59 59 23 31 12 * 2099");
  const auto begin = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(never.next_after(static_cast<std::uint64_t>(i)), std::nullopt);
    EXPECT_EQ(rare.next_after(static_cast<std::uint64_t>(i)), CronSchedule::kEndSeconds - 1);
  }
  // A per-second scan would need ~4e9 steps per call; field jumps need a few thousand.
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
}

TEST(CronSchedule, ParseErrorsNameTheField) {
  struct Case {
    std::string text;
    const char* needle;
  } cases[] = {
      {"", "empty cron schedule"},
      {" \t ", "empty cron schedule"},
      {"*/5 * * * *", "6 or 7 fields (seconds first), got 5; put a seconds field"},
      {"* * * * * * * *", "got 8"},
      {"60 * * * * *", "field 1 (second): 60 is outside 0-59"},
      {"0 60 * * * *", "field 2 (minute): 60 is outside 0-59"},
      {"0 0 24 * * *", "field 3 (hour): 24 is outside 0-23"},
      {"0 0 0 0 * *", "field 4 (day of month): 0 is outside 1-31"},
      {"0 0 0 32 * *", "field 4 (day of month): 32 is outside 1-31"},
      {"0 0 0 * 13 *", "field 5 (month): 13 is outside 1-12"},
      {"0 0 0 * 0 *", "field 5 (month): 0 is outside 1-12"},
      {"0 0 0 * * 0", "field 6 (day of week): 0 is outside 1-7 (1 = Sunday, 7 = Saturday)"},
      {"0 0 0 * * 8", "field 6 (day of week): 8 is outside 1-7"},
      {"0 0 0 * * * 1969", "field 7 (year): 1969 is outside 1970-2099"},
      {"0 0 0 * * * 2100", "field 7 (year): 2100 is outside 1970-2099"},
      {"99999999999999999999 * * * * *", "field 1 (second): 99999999999999999999 is outside 0-59"},
      {"0 0 0 * FOO *", "field 5 (month): 'FOO' is not a month"},
      {"0 0 0 * * FUNDAY", "field 6 (day of week): 'FUNDAY' is not a day of the week"},
      {"0 0 MON * * *", "field 3 (hour): 'MON' is not a number"},
      {"0 0 0 * * 1x", "field 6 (day of week): '1x' is not a number or a name"},
      {"0 0 0 * DEC-JAN *", "field 5 (month): range DEC-JAN runs backwards"},
      {"5-1 * * * * *", "field 1 (second): range 5-1 runs backwards"},
      {"1-2-3 * * * * *", "'1-2-3' is not a range a-b"},
      {"5- * * * * *", "'5-' is not a range a-b"},
      {"-5 * * * * *", "'-5' is not a range a-b"},
      {"*/0 * * * * *", "field 1 (second): step 0 is outside 1-59"},
      {"0 0 0 * */13 *", "field 5 (month): step 13 is outside 1-12"},
      {"*/x * * * * *", "step 'x' in '*/x' is not a number"},
      {"1/2/3 * * * * *", "'1/2/3' has more than one '/'"},
      {"/5 * * * * *", "'/5' has nothing before '/'"},
      {"0 0 0 * JAN/2 *", "a step needs '*', a number or a range before '/', got 'JAN'"},
      {"1,,2 * * * * *", "field 1 (second): empty list item"},
      {"0 1, * * * *", "field 2 (minute): empty list item"},
      {"? * * * * *", "field 1 (second): '?' is only allowed in the day-of-month and day-of-week fields"},
      {"0 0 0 * ? *", "field 5 (month): '?' is only allowed"},
      {"0 0 0 L * *", "field 4 (day of month): 'L' is not a number; L and W are not supported"},
      {"0 0 0 15W * *", "field 4 (day of month): '15W' is not a number; L, W and # are not supported"},
      {"0 0 0 * * 5L", "field 6 (day of week): '5L' is not a number or a name; L, W and # are not supported"},
      {"0 0 0 * * 6#3", "unexpected character '#' at offset 11 (# is not supported)"},
      {"0 0 0 * * *;", "unexpected character ';' at offset 11"},
      {std::string("0 0 0 * * \x01"), "unexpected character '\\x01'"},
      {"@often", "unknown shorthand '@often'"},
      {"@daily 5", "unknown shorthand"},
      {std::string(1025, '*'), "at most 1024 bytes, got 1025"},
  };
  for (const auto& c : cases) {
    auto s = CronSchedule::parse(c.text);
    ASSERT_FALSE(s) << c.text;
    EXPECT_TRUE(s.error().is(ServiceErrc::kBadManifest)) << c.text;
    EXPECT_NE(s.error().detail().find(c.needle), std::string::npos)
        << c.text << "\n  got:  " << s.error().detail() << "\n  want: " << c.needle;
  }
}

TEST(CronSchedule, EqualityAndCanonicalText) {
  EXPECT_EQ(must_parse("*/20 * * * * *"), must_parse("0,20,40 * * * * *"));
  EXPECT_EQ(must_parse("0 0 0 ? * *"), must_parse("0 0 0 * * *"));
  EXPECT_EQ(must_parse("0 0 0 * * 1-7"), must_parse("0 0 0 * * *"));
  EXPECT_EQ(must_parse("0 0 0 * * * 1970-2099"), must_parse("0 0 0 * * *"));
  EXPECT_EQ(must_parse("0 0 9 * * MON-FRI"), must_parse("0 0 9 * * 2-6"));
  EXPECT_EQ(must_parse("0 0 0 1 jan-Mar *"), must_parse("0 0 0 1 1-3 *"));
  EXPECT_EQ(must_parse("@weekly"), must_parse("0 0 0 * * 1"));
  EXPECT_FALSE(must_parse("0 0 9 * * 1-5") == must_parse("0 0 9 * * MON-FRI"));

  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"0 */5 * * * *", "0 */5 * * * *"},         {"0 0 9 * * MON-FRI", "0 0 9 * * 2-6"},
      {"0 0 0 29 2 ?", "0 0 0 29 2 *"},           {"5/20 * * * * *", "5/20 * * * * *"},
      {"0 10-20/5 * * * *", "0 10-20/5 * * * *"}, {"0 0 1,13,22 * * *", "0 0 1,13,22 * * *"},
      {"0 0 1,2,3,7 * * *", "0 0 1-3,7 * * *"},   {"0 0 0 1 1 * 2030", "0 0 0 1 1 * 2030"},
      {"0 0 0 1 1 * */4", "0 0 0 1 1 * */4"},     {"@hourly", "0 0 * * * *"},
      {"0,30 * * * * *", "0,30 * * * * *"},
  };
  for (const auto& c : cases) {
    const CronSchedule s = must_parse(c.in);
    EXPECT_EQ(s.to_string(), c.out) << c.in;
    EXPECT_EQ(must_parse(s.to_string()), s) << c.in;
  }
}

// ---- cross-check against a brute-force scan ----------------------------------------
// The random schedules come with the values each field allows, worked out as they are
// generated, and dates come from gmtime_r: the reference shares neither the parser nor
// the calendar arithmetic under test.

struct RandomField {
  std::string text;
  std::vector<bool> allowed;  // indexed by value
};

struct FieldRange {
  int field;  // 0 second … 6 year
  unsigned lo, hi;
};
constexpr FieldRange kRanges[7] = {{0, 0, 59}, {1, 0, 59}, {2, 0, 23},     {3, 1, 31},
                                   {4, 1, 12}, {5, 1, 7},  {6, 1970, 2099}};

// Mostly `*` (or `?` in the day fields), else a list of values, ranges and steps, with
// names in the month and day-of-week fields sometimes. Values are drawn from [lo, hi].
RandomField random_field(std::mt19937_64& rng, int field, unsigned lo, unsigned hi, int star_percent) {
  auto pick = [&](unsigned a, unsigned b) { return std::uniform_int_distribution<unsigned>(a, b)(rng); };
  static constexpr const char* kMonths[] = {"JAN", "feb", "Mar", "APR", "may", "JUN",
                                            "jul", "AUG", "sep", "OCT", "nov", "DEC"};
  static constexpr const char* kDays[] = {"SUN", "mon", "Tue", "WED", "thu", "FRI", "sat"};
  const unsigned min = kRanges[field].lo;
  const unsigned max = kRanges[field].hi;
  RandomField out;
  out.allowed.assign(max + 1, false);
  auto allow = [&](unsigned a, unsigned b, unsigned step) {
    for (unsigned v = a; v <= b; v += step) out.allowed[v] = true;
  };
  auto value = [&](unsigned v) -> std::string {
    if (field == 4 && pick(0, 2) == 0) return kMonths[v - 1];
    if (field == 5 && pick(0, 2) == 0) return kDays[v - 1];
    return std::to_string(v);
  };
  if (static_cast<int>(pick(0, 99)) < star_percent) {
    out.text = pick(0, 4) == 0 && (field == 3 || field == 5) ? "?" : "*";
    allow(min, max, 1);
    return out;
  }
  const unsigned items = pick(1, 3);
  for (unsigned i = 0; i < items; ++i) {
    if (i > 0) out.text += ',';
    const unsigned a = pick(lo, hi);
    const unsigned b = pick(a, hi);
    const unsigned step = pick(1, std::max(1U, std::min(max, (hi - lo) / 2 + 1)));
    switch (pick(0, 4)) {
      case 0:
        out.text += value(a);
        allow(a, a, 1);
        break;
      case 1:
        out.text += value(a) + "-" + value(b);
        allow(a, b, 1);
        break;
      case 2:
        out.text += "*/" + std::to_string(step);
        allow(min, max, step);
        break;
      case 3:
        out.text += std::to_string(a) + "/" + std::to_string(step);
        allow(a, max, step);
        break;
      default:
        out.text += value(a) + "-" + value(b) + "/" + std::to_string(step);
        allow(a, b, step);
        break;
    }
  }
  return out;
}

class Reference {
 public:
  explicit Reference(std::vector<RandomField> fields) : fields_(std::move(fields)) {
    if (fields_.size() == 6) {
      RandomField any;
      any.allowed.assign(2100, true);
      fields_.push_back(any);
    }
  }
  [[nodiscard]] std::string text() const {
    std::string t;
    for (std::size_t f = 0; f < fields_.size(); ++f) t += (f > 0 ? " " : "") + fields_[f].text;
    return t;
  }
  [[nodiscard]] bool date_ok(std::uint64_t x) const {
    const auto tt = static_cast<std::time_t>(x);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    return ok(6, tm.tm_year + 1900) && ok(4, tm.tm_mon + 1) && ok(3, tm.tm_mday) && ok(5, tm.tm_wday + 1);
  }
  [[nodiscard]] bool time_ok(std::uint64_t x) const {
    const auto sod = static_cast<int>(x % 86400);
    return ok(2, sod / 3600) && ok(1, sod / 60 % 60) && ok(0, sod % 60);
  }
  // The first tick in (t, t + span], second by second (the date is looked up once a day).
  [[nodiscard]] std::optional<std::uint64_t> next_after(std::uint64_t t, std::uint64_t span) const {
    std::uint64_t day = ~std::uint64_t{0};
    bool day_ok = false;
    for (std::uint64_t x = t + 1; x <= t + span && x < CronSchedule::kEndSeconds; ++x) {
      if (x / 86400 != day) {
        day = x / 86400;
        day_ok = date_ok(x);
      }
      if (day_ok && time_ok(x)) return x;
    }
    return std::nullopt;
  }

 private:
  [[nodiscard]] bool ok(std::size_t f, int v) const {
    const auto& a = fields_[f].allowed;
    return v >= 0 && static_cast<std::size_t>(v) < a.size() && a[static_cast<std::size_t>(v)];
  }
  std::vector<RandomField> fields_;
};

TEST(CronSchedule, MatchesBruteForceScan) {
  std::mt19937_64 rng(20251125);
  const std::uint64_t lo = at("2023-01-01 00:00:00");
  const std::uint64_t hi = at("2030-12-31 23:59:59");
  int fired = 0;
  for (int i = 0; i < 1000; ++i) {
    // Time-of-day fields often `*`, so most schedules fire within the span; date fields
    // mostly `*`, and times near midnight, so month and year ends get crossed.
    std::vector<RandomField> fields = {random_field(rng, 0, 0, 59, 30), random_field(rng, 1, 0, 59, 40),
                                       random_field(rng, 2, 0, 23, 50), random_field(rng, 3, 1, 31, 70),
                                       random_field(rng, 4, 1, 12, 80), random_field(rng, 5, 1, 7, 70)};
    if (rng() % 8 == 0) fields.push_back(random_field(rng, 6, 2023, 2031, 0));
    const Reference ref(std::move(fields));
    auto parsed = CronSchedule::parse(ref.text());
    ASSERT_TRUE(parsed) << ref.text() << ": " << parsed.error().message();
    const CronSchedule& s = *parsed;
    ASSERT_EQ(*CronSchedule::parse(s.to_string()), s) << ref.text() << " -> " << s.to_string();

    std::uint64_t t = std::uniform_int_distribution<std::uint64_t>(lo, hi)(rng);
    if (rng() % 3 == 0) t = t - t % 86400 + 86399 - rng() % 120;  // just before midnight
    constexpr std::uint64_t kSpan = 2ULL * 86400;
    const auto want = ref.next_after(t, kSpan);
    const auto got = s.next_after(t);
    if (want) {
      ++fired;
      EXPECT_EQ(show(got), show(want)) << ref.text() << " after " << show(t);
    } else {
      EXPECT_TRUE(!got || *got > t + kSpan) << ref.text() << " after " << show(t) << ": " << show(got);
    }
    if (got) {
      EXPECT_TRUE(ref.date_ok(*got) && ref.time_ok(*got)) << ref.text() << ": " << show(got);
    }
  }
  EXPECT_GT(fired, 400);  // real ticks were compared, not only their absence
}

// One fixed time of day and random date fields, scanned day by day over years: leap
// years, month lengths and weekdays far from the start.
TEST(CronSchedule, MatchesDayScanOverYears) {
  std::mt19937_64 rng(7);
  const std::uint64_t lo = at("1999-06-01 00:00:00");
  int fired = 0;
  for (int i = 0; i < 200; ++i) {
    const unsigned sec = static_cast<unsigned>(rng() % 60);
    const unsigned min = static_cast<unsigned>(rng() % 60);
    const unsigned hour = static_cast<unsigned>(rng() % 24);
    auto fixed = [](unsigned v, unsigned max) {
      RandomField f{std::to_string(v), std::vector<bool>(max + 1, false)};
      f.allowed[v] = true;
      return f;
    };
    const Reference ref({fixed(sec, 59), fixed(min, 59), fixed(hour, 23), random_field(rng, 3, 1, 31, 30),
                         random_field(rng, 4, 1, 12, 40), random_field(rng, 5, 1, 7, 50)});
    const CronSchedule s = must_parse(ref.text());
    const std::uint64_t t = lo + rng() % (20ULL * 365 * 86400);
    const std::uint64_t tod = hour * 3600ULL + min * 60ULL + sec;
    std::optional<std::uint64_t> want;
    bool scanned_to_end = true;
    for (std::uint64_t day = t / 86400; day < t / 86400 + 12ULL * 366; ++day) {
      const std::uint64_t cand = day * 86400 + tod;
      if (cand <= t) continue;
      if (cand >= CronSchedule::kEndSeconds) break;
      if (ref.date_ok(cand)) {
        want = cand;
        break;
      }
      scanned_to_end = cand + 86400 < CronSchedule::kEndSeconds;
    }
    const auto got = s.next_after(t);
    if (want) {
      ++fired;
      EXPECT_EQ(show(got), show(want)) << ref.text() << " after " << show(t);
    } else if (scanned_to_end) {
      EXPECT_TRUE(!got || *got > t + 12ULL * 366 * 86400) << ref.text() << ": " << show(got);
    }
  }
  EXPECT_GT(fired, 100);
}

// A manifest's schedule is parsed in full when the manifest is read, and the error keeps
// the JSON path in front of the field.
TEST(CronSchedule, ManifestReportsScheduleErrorsAtTheirPath) {
  auto manifest = [](const std::string& schedule) {
    return R"({"name":"x","manager":{"evm":{"chain":"evm:1","address":"0x5fbdb2315678afecb367f032d93f642f64180aa3"}},)"
           R"("workflows":{"default":{"trigger":{"cron":{"schedule":")" +
           schedule +
           R"("}},"component":{"source":{"digest":"0000000000000000000000000000000000000000000000000000000000000001"}}}}})";
  };
  ASSERT_TRUE(parse_manifest(manifest("0 0 9 * * MON-FRI"))) << manifest("0 0 9 * * MON-FRI");
  auto m = parse_manifest(manifest("0 0 24 * * *"));
  ASSERT_FALSE(m);
  EXPECT_TRUE(m.error().is(ServiceErrc::kBadManifest));
  EXPECT_NE(
      m.error().detail().find("workflows.default.trigger.cron.schedule: field 3 (hour): 24 is outside 0-23"),
      std::string::npos)
      << m.error().detail();
  m = parse_manifest(manifest("0 0 0 * * 6#3"));
  ASSERT_FALSE(m);
  EXPECT_NE(m.error().detail().find("workflows.default.trigger.cron.schedule: unexpected character '#'"),
            std::string::npos)
      << m.error().detail();
}

}  // namespace
}  // namespace wavs::service
