#include "storage/error.hpp"

WAVS_ERROR_TABLE(wavs::storage, StorageErrc, "storage", "cannot open", "corrupt file", "foreign file",
                 "file from a newer build", "migration failed", "busy", "constraint violated", "disk full",
                 "I/O error", "SQLite error", "misuse", "invalid argument")
