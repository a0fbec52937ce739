#pragma once
// Percent-decoding of request targets (RFC 3986 section 2.1), shared by the router and
// Request::query_param. Internal to the module.

#include <optional>
#include <string>
#include <string_view>

namespace wavs::httpd {

// nullopt when a '%' is not followed by two hex digits. With `plus_is_space` ('+' in a
// query, per application/x-www-form-urlencoded) '+' decodes to ' '.
[[nodiscard]] std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace wavs::httpd
