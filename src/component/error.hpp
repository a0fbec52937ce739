#pragma once
// The component module's error enum. The first eleven codes are the component ABI's
// error codes in order: ComponentErrc e is WAVS_E_* code -(e + 1) (see abi_code), so a
// library failure maps onto what a guest sees without a translation table.

#include <cstdint>

#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs::component, ComponentErrc,
                kInvalid,      // -1  malformed argument (bad UTF-8, JSON, name, URL, flag)
                kFault,        // -2  a guest range outside its memory
                kNotFound,     // -3  no such config variable, key, chain or pending result
                kDenied,       // -4  not permitted (HTTP host, private address, RPC method)
                kLimit,        // -5  a size, count or numeric limit
                kTimeout,      // -6  did not finish in time
                kNetwork,      // -7  connection, DNS, TLS or protocol failure
                kRpc,          // -8  the chain node answered with a JSON-RPC error
                kType,         // -9  stored value of the wrong form
                kUnavailable,  // -10 the host does not provide this service here
                kInternal,     // -11 a host failure not caused by the guest
                kBadTrigger,   // a TriggerAction / trigger data document is malformed
                kBadContext)   // a workflow context (manifest part, option) is malformed

namespace wavs::component {

// The ABI error code (negative) of an Error from this module; other modules' errors
// and kBadTrigger / kBadContext map to WAVS_E_INTERNAL (-11).
[[nodiscard]] std::int32_t abi_code(const Error& error);

}  // namespace wavs::component
