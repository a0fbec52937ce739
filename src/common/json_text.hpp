#pragma once
// Checks on JSON text before a parser sees it. nlohmann's parser and serializer recurse
// per nesting level, so documents from untrusted sources (guests, service URIs) are
// bounded in depth first.

#include <cstddef>
#include <optional>
#include <string_view>

namespace wavs {

// The byte offset of the bracket that first nests deeper than `max_depth`, or nullopt.
// Exact for valid JSON; for invalid JSON it may be off, but a parser rejects it anyway.
[[nodiscard]] std::optional<std::size_t> json_too_deep(std::string_view text, int max_depth);

}  // namespace wavs
