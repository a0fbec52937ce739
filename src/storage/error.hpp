#pragma once
// The storage module's error enum. Every detail names the file and what was being done
// ("kv store data/kv.sqlite: set: starting the write transaction: database is locked").

#include "common/error.hpp"

WAVS_ERROR_ENUM(wavs::storage, StorageErrc,
                kOpen,        // the file could not be opened or created (missing directory, permissions)
                kCorrupt,     // not an SQLite file, or quick_check found damage
                kForeign,     // an SQLite file of another application, or of another WAVS schema
                kTooNew,      // written by a newer build (schema version above what this build knows)
                kMigration,   // a schema migration step failed; the file is left at its old version
                kBusy,        // the lock was not obtained within the busy bound
                kConstraint,  // a constraint (unique, foreign key, check) refused a write
                kFull,        // the disk or the file's size limit is full
                kIo,          // an I/O error or a read-only file
                kSql,         // any other SQLite failure (a statement that does not prepare, a bad bind)
                kMisuse,      // an API used out of order (a nested transaction, a finished transaction)
                kInvalid)     // an argument outside the rules (a table name, a limit)
