#include "eth/error.hpp"

WAVS_ERROR_TABLE(wavs::eth, EthErrc, "eth", "invalid ABI type", "ABI value does not match its type",
                 "malformed ABI data", "malformed RLP", "non-canonical RLP", "invalid number",
                 "log does not match the event", "invalid transaction")
