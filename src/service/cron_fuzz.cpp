// Any text: CronSchedule::parse never crashes or hangs; a schedule it accepts fires
// strictly after the time asked, on a tick it matches, and its canonical text parses
// back to an equal schedule with the same text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "service/cron.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using wavs::service::CronSchedule;
  auto s = CronSchedule::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!s) return 0;

  const std::string text = s->to_string();
  auto again = CronSchedule::parse(text);
  if (!again || !(*again == *s) || again->to_string() != text) std::abort();

  std::uint64_t from_input = 0;
  std::memcpy(&from_input, data, size < sizeof from_input ? size : sizeof from_input);
  const std::uint64_t times[] = {0, 1764086400, CronSchedule::kEndSeconds - 2,
                                 from_input % CronSchedule::kEndSeconds};
  for (const std::uint64_t t : times) {
    const auto next = s->next_after(t);
    if (!next) continue;
    if (*next <= t || *next >= CronSchedule::kEndSeconds || !s->matches(*next)) std::abort();
    // Nothing fires in (t, next), so asking from one second before gives the same tick.
    if (s->next_after(*next - 1) != next) std::abort();
  }
  return 0;
}
