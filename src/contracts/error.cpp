#include "contracts/error.hpp"

WAVS_ERROR_TABLE(wavs::contracts, ContractsErrc, "contracts", "undecodable contract data",
                 "log is not the expected event", "event missing from receipt", "bad contract artifact")
