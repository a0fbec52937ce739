#pragma once
// JSON text without a JSON library: writing strings into hand-built JSON (log lines,
// `wavs run --stats`, TriggerAction documents, `wavs config`), and checks on untrusted
// JSON before a parser sees it (nlohmann's parser and serializer recurse per nesting
// level, so documents from guests or service URIs are bounded in depth first).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace wavs {

// `text` as the contents of a JSON string (no surrounding quotes), byte for byte what
// nlohmann::json's dump() writes with ensure_ascii off and error_handler_t::replace:
// '"', '\\', \b \f \n \r \t in short form, other bytes below 0x20 as \u00xx (lower-case
// hex), well-formed UTF-8 (DEL included) as is, and each ill-formed sequence as one U+FFFD,
// so the result is always valid JSON whatever bytes came in.
[[nodiscard]] std::string json_escape(std::string_view text);

// The same with the quotes: a complete JSON string value.
[[nodiscard]] std::string json_quote(std::string_view text);

// The byte offset of the bracket that first nests deeper than `max_depth`, or nullopt.
// Exact for valid JSON; for invalid JSON it may be off, but a parser rejects it anyway.
[[nodiscard]] std::optional<std::size_t> json_too_deep(std::string_view text, int max_depth);

}  // namespace wavs
