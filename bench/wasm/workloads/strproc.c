/* A JSON-like tokenizer over a generated document: byte-at-a-time branching. */
#include "rt.h"

#define SIZE (1u << 20)
static char doc[SIZE];

static uint32_t gen(void) {
  static const char* words[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"};
  uint32_t n = 0;
  doc[n++] = '[';
  while (n < SIZE - 64) {
    uint32_t r = rng();
    doc[n++] = '{';
    doc[n++] = '"';
    const char* w = words[r & 7];
    while (*w) doc[n++] = *w++;
    doc[n++] = '"';
    doc[n++] = ':';
    if (r & 8) {
      uint32_t v = (r >> 8) & 0xfffff;
      char tmp[12];
      int k = 0;
      do { tmp[k++] = (char)('0' + v % 10); v /= 10; } while (v);
      if (r & 16) doc[n++] = '-';
      while (k) doc[n++] = tmp[--k];
      if (r & 32) { doc[n++] = '.'; doc[n++] = '5'; }
    } else {
      doc[n++] = '"';
      uint32_t len = (r >> 8) & 15;
      for (uint32_t i = 0; i < len; i++) doc[n++] = (char)('a' + ((r >> i) & 15));
      if (r & 64) { doc[n++] = '\\'; doc[n++] = 'n'; }
      doc[n++] = '"';
    }
    doc[n++] = '}';
    doc[n++] = ',';
    if (r & 128) doc[n++] = ' ';
  }
  doc[n++] = ']';
  return n;
}

static uint64_t tokenize(uint32_t len) {
  uint64_t h = 1469598103934665603ull;
  uint32_t tokens = 0, strings = 0, numbers = 0;
  uint32_t i = 0;
  while (i < len) {
    char c = doc[i];
    if (c == ' ' || c == '\n' || c == '\t') { i++; continue; }
    tokens++;
    if (c == '"') {
      i++;
      while (i < len && doc[i] != '"') {
        if (doc[i] == '\\') i++;
        h = (h ^ (uint8_t)doc[i]) * 1099511628211ull;
        i++;
      }
      i++;
      strings++;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      int64_t v = 0;
      int neg = c == '-';
      if (neg) i++;
      while (i < len && doc[i] >= '0' && doc[i] <= '9') v = v * 10 + (doc[i++] - '0');
      if (i < len && doc[i] == '.') { i++; while (i < len && doc[i] >= '0' && doc[i] <= '9') i++; }
      h ^= (uint64_t)(neg ? -v : v);
      numbers++;
    } else {
      h = (h ^ (uint8_t)c) * 1099511628211ull;
      i++;
    }
  }
  return h ^ ((uint64_t)tokens << 40) ^ ((uint64_t)strings << 20) ^ numbers;
}

EXPORT uint64_t run(void) {
  uint32_t len = gen();
  uint64_t h = 0;
  for (int rep = 0; rep < 20; rep++) h += tokenize(len);
  return h;
}
