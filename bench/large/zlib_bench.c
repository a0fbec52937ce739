// zlib (upstream sources) compressing and decompressing a generated buffer: text-like data
// (words from a small vocabulary, numbers, line breaks) with a stretch of poorly
// compressible bytes, deflated at levels 1, 6 and 9 and inflated again. Each round trip must
// give the input back; the last line hashes the compressed streams (crc32 and size per
// level), so native and wasm agree only when both produced the same bytes.
// Usage: zlib_bench [percent]   (scales the input, for shorter profiling runs; 100 by
// default, and checksums only compare at the same percentage)

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zlib.h"

static size_t input_bytes = 3 << 20;  // at 100 percent; main() scales it

static uint32_t rng_state = 2024;

static uint32_t next_random(void) {
  rng_state = rng_state * 1664525u + 1013904223u;
  return rng_state >> 8;
}

// Formats v in `digits` lowercase hex digits; snprintf would cost more than the
// compression it feeds under the interpreter (wasi-libc's printf is guest code too).
static int put_hex(char* out, uint32_t v, int digits) {
  for (int k = digits - 1; k >= 0; --k, v >>= 4) out[k] = "0123456789abcdef"[v & 15];
  return digits;
}

static int put_decimal(char* out, uint32_t v) {
  char tmp[10];
  int len = 0;
  do {
    tmp[len++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (int k = 0; k < len; ++k) out[k] = tmp[len - 1 - k];
  return len;
}

static void generate(unsigned char* out, size_t n) {
  static const char* const kWords[] = {"wasm",   "sandbox", "operator",  "service", "trigger", "block",
                                       "submit", "quorum",  "envelope",  "payload", "the",     "of",
                                       "and",    "result",  "signature", "chain",   "event",   "node"};
  const size_t kWordCount = sizeof kWords / sizeof kWords[0];
  size_t i = 0;
  while (i < n) {
    char piece[48];
    uint32_t r = next_random();
    int len;
    if (i > n / 2 && i < n / 2 + n / 16) {
      len = put_hex(piece, next_random() * 2654435761u, 8);  // near-random
    } else if (r % 11 == 0) {
      len = put_decimal(piece, r % 100000);
      piece[len++] = '\n';
    } else {
      const char* word = kWords[r % kWordCount];
      len = (int)strlen(word);
      memcpy(piece, word, (size_t)len);
      piece[len++] = ' ';
    }
    for (int k = 0; k < len && i < n; ++k) out[i++] = (unsigned char)piece[k];
  }
}

static void fail(const char* what, int rc) {
  fprintf(stderr, "zlib_bench: %s failed (%d)\n", what, rc);
  exit(1);
}

int main(int argc, char** argv) {
  int percent = argc > 1 ? atoi(argv[1]) : 100;
  if (percent < 1 || percent > 1000) {
    fprintf(stderr, "zlib_bench: percent must be 1..1000\n");
    return 2;
  }
  input_bytes = input_bytes * (size_t)percent / 100;
  unsigned char* input = malloc(input_bytes);
  uLong bound = compressBound(input_bytes);
  unsigned char* packed = malloc(bound);
  unsigned char* unpacked = malloc(input_bytes);
  if (!input || !packed || !unpacked) fail("malloc", 0);
  generate(input, input_bytes);
  uLong input_crc = crc32(0L, input, (uInt)input_bytes);
  printf("zlib %s input %zu bytes crc32 %08lx\n", zlibVersion(), input_bytes, input_crc);

  uint64_t checksum = input_crc;
  static const int kLevels[] = {1, 6, 9};
  for (size_t l = 0; l < sizeof kLevels / sizeof kLevels[0]; ++l) {
    uLongf packed_size = bound;
    int rc = compress2(packed, &packed_size, input, (uLong)input_bytes, kLevels[l]);
    if (rc != Z_OK) fail("compress2", rc);
    uLongf unpacked_size = input_bytes;
    rc = uncompress(unpacked, &unpacked_size, packed, packed_size);
    if (rc != Z_OK) fail("uncompress", rc);
    if (unpacked_size != input_bytes || memcmp(unpacked, input, input_bytes) != 0) fail("round trip", 0);
    uLong packed_crc = crc32(0L, packed, (uInt)packed_size);
    uLong adler = adler32(1L, unpacked, (uInt)unpacked_size);
    printf("level %d: %lu bytes crc32 %08lx adler32 %08lx\n", kLevels[l], (unsigned long)packed_size,
           packed_crc, adler);
    checksum = checksum * 1000003u ^ packed_crc ^ ((uint64_t)packed_size << 32);
  }
  printf("zlib checksum %016llx\n", (unsigned long long)checksum);
  free(input);
  free(packed);
  free(unpacked);
  return 0;
}
