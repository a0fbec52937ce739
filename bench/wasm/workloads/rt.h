/* Shared by the benchmark workloads: freestanding when built for wasm (no libc, the
 * workload exports `run`), a timing main() when built natively. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#ifdef __wasm__
#define EXPORT __attribute__((export_name("run")))
void* memset(void* d, int c, size_t n) {
  unsigned char* p = (unsigned char*)d;
  while (n--) *p++ = (unsigned char)c;
  return d;
}
void* memcpy(void* d, const void* s, size_t n) {
  unsigned char* p = (unsigned char*)d;
  const unsigned char* q = (const unsigned char*)s;
  while (n--) *p++ = *q++;
  return d;
}
#else
#define EXPORT
#endif

/* A small deterministic generator for inputs. */
static uint32_t rng_state = 12345;
static inline uint32_t rng(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 17;
  rng_state ^= rng_state << 5;
  return rng_state;
}

uint64_t run(void);

#ifndef __wasm__
#include <stdio.h>
#include <time.h>
int main(void) {
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  uint64_t r = run();
  clock_gettime(CLOCK_MONOTONIC, &b);
  double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
  printf("%llu %.3f\n", (unsigned long long)r, ms);
  return 0;
}
#endif
