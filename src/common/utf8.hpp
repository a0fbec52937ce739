#pragma once
// UTF-8 checks for text that crosses a trust boundary (guest strings, logs, errors).
// Well-formed means RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF.

#include <cstddef>
#include <string>
#include <string_view>

namespace wavs {

[[nodiscard]] bool valid_utf8(std::string_view text);

// `text` with every ill-formed sequence replaced by U+FFFD (one per maximal bad subpart,
// as the Unicode standard recommends), so it is safe to log or put in JSON.
[[nodiscard]] std::string sanitize_utf8(std::string_view text);

// The longest prefix of `text` of at most `max_bytes` that does not cut a well-formed
// sequence in half.
[[nodiscard]] std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

// The shortest suffix start such that the suffix has at most `max_bytes` and does not
// begin inside a sequence: text.substr(utf8_suffix_start(text, n)).
[[nodiscard]] std::size_t utf8_suffix_start(std::string_view text, std::size_t max_bytes);

// Untrusted bytes quoted for an error message: printable ASCII kept, '"', '\\' and every
// other byte written as \xNN, at most `max_bytes` of input, then "..." — so a message
// stays one readable, ASCII-only line whatever the input held.
[[nodiscard]] std::string quoted_excerpt(std::string_view text, std::size_t max_bytes);

}  // namespace wavs
