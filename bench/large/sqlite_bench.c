// SQLite (the upstream amalgamation) on an in-memory database: bulk inserts in one
// transaction through a prepared statement, two secondary indexes, point lookups, index
// range scans, a grouped join, an update and a delete. Every value read back is hashed,
// so the last line ("checksum <hex>") is the same natively and under wasm only when the
// engine computed the same results. Fixed seed, no clock, no file: the run is deterministic.
// Usage: sqlite_bench [percent]   (scales the row and query counts, for shorter profiling
// runs; 100 by default, and checksums only compare at the same percentage)

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite3.h"

enum { kCategories = 200 };
// At 100 percent; main() scales them.
static int row_count = 120000, lookup_count = 40000, range_count = 1500;

static uint64_t hash = 1469598103934665603ULL;  // FNV-1a 64
static uint32_t rng_state = 12345;

static void mix(const void* data, size_t n) {
  const unsigned char* p = data;
  for (size_t i = 0; i < n; ++i) hash = (hash ^ p[i]) * 1099511628211ULL;
}

static uint32_t next_random(void) {
  rng_state = rng_state * 1664525u + 1013904223u;
  return rng_state >> 8;
}

// "prefix" + v in `digits` lowercase hex digits + NUL; snprintf would cost more than the
// inserts it feeds under the interpreter (wasi-libc's printf is guest code too).
static char* put_hex(char* out, const char* prefix, uint32_t v, int digits) {
  size_t n = strlen(prefix);
  memcpy(out, prefix, n);
  for (int k = digits - 1; k >= 0; --k, v >>= 4) out[n + (size_t)k] = "0123456789abcdef"[v & 15];
  out[n + (size_t)digits] = '\0';
  return out + n + digits;
}

static void fail(sqlite3* db, const char* what) {
  fprintf(stderr, "sqlite_bench: %s: %s\n", what, sqlite3_errmsg(db));
  exit(1);
}

static sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) fail(db, sql);
  return st;
}

static void exec(sqlite3* db, const char* sql) {
  char* err = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
    fprintf(stderr, "sqlite_bench: %s: %s\n", sql, err ? err : "?");
    exit(1);
  }
}

// Steps a statement to the end, hashing every column of every row as text (SQLite's own
// formatting, so reals hash identically wherever the engine is right); returns the rows.
static int drain(sqlite3* db, sqlite3_stmt* st) {
  int rows = 0;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    ++rows;
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      const unsigned char* text = sqlite3_column_text(st, c);
      if (text) mix(text, (size_t)sqlite3_column_bytes(st, c));
      mix("|", 1);
    }
  }
  if (rc != SQLITE_DONE) fail(db, "step");
  sqlite3_reset(st);
  return rows;
}

static void query_all(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = prepare(db, sql);
  int rows = drain(db, st);
  mix(&rows, sizeof rows);
  sqlite3_finalize(st);
}

int main(int argc, char** argv) {
  int percent = argc > 1 ? atoi(argv[1]) : 100;
  if (percent < 1 || percent > 1000) {
    fprintf(stderr, "sqlite_bench: percent must be 1..1000\n");
    return 2;
  }
  row_count = row_count * percent / 100;
  lookup_count = lookup_count * percent / 100;
  range_count = range_count * percent / 100;
  if (range_count < 1) range_count = 1;
  sqlite3* db = NULL;
  if (sqlite3_open(":memory:", &db) != SQLITE_OK) fail(db, "open");
  exec(db,
       "CREATE TABLE category(id INTEGER PRIMARY KEY, label TEXT NOT NULL);"
       "CREATE TABLE item(id INTEGER PRIMARY KEY, category INTEGER NOT NULL, name TEXT NOT NULL,"
       " price REAL NOT NULL, qty INTEGER NOT NULL);");

  exec(db, "BEGIN");
  sqlite3_stmt* ins_cat = prepare(db, "INSERT INTO category(id, label) VALUES(?1, ?2)");
  for (int i = 0; i < kCategories; ++i) {
    char label[32];
    snprintf(label, sizeof label, "category-%03d", (i * 37) % kCategories);
    sqlite3_bind_int(ins_cat, 1, i);
    sqlite3_bind_text(ins_cat, 2, label, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(ins_cat) != SQLITE_DONE) fail(db, "insert category");
    sqlite3_reset(ins_cat);
  }
  sqlite3_finalize(ins_cat);

  sqlite3_stmt* ins = prepare(db, "INSERT INTO item(category, name, price, qty) VALUES(?1, ?2, ?3, ?4)");
  for (int i = 0; i < row_count; ++i) {
    char name[32];
    char* end = put_hex(name, "item-", next_random() & 0xffffff, 6);
    int tag = i % 97;  // "-%d"
    *end++ = '-';
    if (tag >= 10) *end++ = (char)('0' + tag / 10);
    *end++ = (char)('0' + tag % 10);
    *end = '\0';
    sqlite3_bind_int(ins, 1, (int)(next_random() % kCategories));
    sqlite3_bind_text(ins, 2, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(ins, 3, (double)(next_random() % 100000) / 100.0);
    sqlite3_bind_int(ins, 4, (int)(next_random() % 1000));
    if (sqlite3_step(ins) != SQLITE_DONE) fail(db, "insert item");
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  exec(db, "COMMIT");
  exec(db, "CREATE INDEX item_category ON item(category); CREATE INDEX item_name ON item(name);");

  query_all(db,
            "SELECT category, count(*), sum(qty), printf('%.2f', total(price)) FROM item"
            " GROUP BY category ORDER BY category");

  sqlite3_stmt* point = prepare(db, "SELECT name, qty, price FROM item WHERE id = ?1");
  for (int i = 0; i < lookup_count; ++i) {
    sqlite3_bind_int(point, 1, (int)(next_random() % row_count) + 1);
    drain(db, point);
  }
  sqlite3_finalize(point);

  sqlite3_stmt* range =
      prepare(db, "SELECT count(*), sum(qty), max(price) FROM item WHERE name BETWEEN ?1 AND ?2");
  for (int i = 0; i < range_count; ++i) {
    char lo[32];
    char hi[32];
    uint32_t start = next_random() & 0xffffff;
    put_hex(lo, "item-", start, 6);
    put_hex(hi, "item-", (start + 0x4000) & 0xffffff, 6);
    sqlite3_bind_text(range, 1, lo, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(range, 2, hi, -1, SQLITE_TRANSIENT);
    drain(db, range);
  }
  sqlite3_finalize(range);

  query_all(db,
            "SELECT c.label, count(*), sum(i.qty) FROM item i JOIN category c ON c.id = i.category"
            " WHERE i.price > 500 GROUP BY c.label ORDER BY 3 DESC, 1 LIMIT 20");
  query_all(db, "SELECT name FROM item WHERE name LIKE '%-42' ORDER BY price DESC, id LIMIT 50");
  exec(db, "UPDATE item SET qty = qty + 1, price = price * 1.5 WHERE category % 7 = 0");
  exec(db, "DELETE FROM item WHERE id % 10 = 3");
  query_all(db, "SELECT count(*), sum(qty), printf('%.2f', total(price)), min(name), max(name) FROM item");

  sqlite3_close(db);
  printf("sqlite %s rows %d checksum %016llx\n", sqlite3_libversion(), row_count, (unsigned long long)hash);
  return 0;
}
