#pragma once
// Errors of the Ethereum codec module (ABI, RLP, transactions, envelopes).

#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs::eth, EthErrc,
                kAbiType,          // a type or signature string that does not parse
                kAbiValue,         // a value that does not fit its type (range, length, kind)
                kAbiDecode,        // ABI data truncated, offsets/lengths out of bounds, bad padding
                kRlpDecode,        // RLP truncated, trailing bytes, too deep
                kRlpNonCanonical,  // RLP that decodes but is not the unique canonical form
                kNumber,           // a number that does not parse or overflows 256 bits
                kLog,              // a log whose topics do not match the event
                kTransaction)      // a transaction that cannot be encoded or decoded
