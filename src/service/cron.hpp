#pragma once
// Cron schedules of `{"cron": {"schedule": …}}` triggers, in the dialect of the Rust
// `cron` crate that upstream WAVS uses, evaluated in UTC. Every operator must fire on
// the same ticks, so the dialect is pinned here and nothing depends on the host's time
// zone or locale.
//
//   auto s = service::CronSchedule::parse("0 */5 * * * *");   // every 5 minutes
//   std::optional<std::uint64_t> next = s->next_after(now_s);  // strictly after now_s
//
// Syntax: 6 or 7 fields separated by spaces or tabs, seconds first:
//
//   field  1 second        0-59
//          2 minute        0-59
//          3 hour          0-23
//          4 day of month  1-31          `?` means `*`
//          5 month         1-12          JAN-DEC or JANUARY-DECEMBER
//          6 day of week   1-7, 1 = SUN  SUN-SAT or SUNDAY-SATURDAY; `?` means `*`
//          7 year          1970-2099     optional; omitted means `*`
//
// Each field is a comma-separated list of `*`, a value `a`, a range `a-b` (a <= b), or a
// step over one of those: `*/n` (from the field's minimum), `a/n` (a, a+n, … up to the
// field's maximum) or `a-b/n`; 1 <= n <= the field's maximum. Names are case-insensitive
// and may appear wherever a number may, except before `/` alone (`MON/2` is an error,
// `MON-FRI/2` is not).
//
// Day of week counts 1-7 with 1 = Sunday and 7 = Saturday, as the `cron` crate does (its
// dialect comes from Quartz); 0 is an error. So `0 0 9 * * 2-6` is Monday to Friday at
// 09:00, which `0 0 9 * * MON-FRI` says more plainly. This differs from Unix crontab
// (0-6 or 0-7, 0 = Sunday) on purpose: the same schedule must fire on the same days as
// on upstream nodes.
//
// A tick needs every field to match, the day-of-month AND the day-of-week one, again as
// the `cron` crate does. Classic cron ORs the two day fields when both are restricted;
// here `0 0 0 13 * FRI` is only Friday the 13th.
//
// Shorthands: @yearly (= `0 0 0 1 1 *`), @monthly (`0 0 0 1 * *`), @weekly (`0 0 0 * * 1`,
// Sunday), @daily (`0 0 0 * * *`), @hourly (`0 0 * * * *`).
// Not supported (errors): `L`, `W`, `#`, 5-field Unix schedules.
//
// Times are whole seconds since the Unix epoch, UTC, without leap seconds (as Unix time
// is). Ticks end with 2099: next_after returns nullopt once none is left, and also for
// schedules that never fire (`0 0 0 30 2 *`, Feb 30).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.hpp"
#include "service/error.hpp"

namespace wavs::service {

class CronSchedule {
 public:
  // Errors are ServiceErrc::kBadManifest naming the field and what is wrong:
  // "field 3 (hour): 24 is outside 0-23".
  [[nodiscard]] static Result<CronSchedule> parse(std::string_view text);

  // The first tick strictly after `unix_seconds`. For a time in nanoseconds, pass
  // t_ns / 1'000'000'000 (rounded down): ticks are whole seconds, so the first tick after
  // that second is also the first tick after t_ns. Never loops per second: it jumps field
  // by field, so even a schedule that never fires answers in well under a millisecond.
  [[nodiscard]] std::optional<std::uint64_t> next_after(std::uint64_t unix_seconds) const;

  // Whether `unix_seconds` is a tick.
  [[nodiscard]] bool matches(std::uint64_t unix_seconds) const;

  // A canonical text of the schedule: numbers only, `*` for a full field, ascending
  // values with runs as ranges, the year field only when restricted. It parses back to
  // an equal schedule.
  [[nodiscard]] std::string to_string() const;

  // Equal schedules fire on the same ticks (`*/20` equals `0,20,40`, `?` equals `*`).
  bool operator==(const CronSchedule&) const = default;

  // 2100-01-01T00:00:00Z: no tick at or after it.
  static constexpr std::uint64_t kEndSeconds = 4102444800;

  // The field's allowed values as a bit set over value - offset (offset 1970 for years).
  using Bits = std::array<std::uint64_t, 3>;

 private:
  CronSchedule() = default;
  // second, minute, hour, day of month, month, day of week, year.
  std::array<Bits, 7> fields_{};
};

}  // namespace wavs::service
