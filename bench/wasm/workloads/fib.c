/* Recursive Fibonacci: call and return overhead. */
#include "rt.h"

__attribute__((noinline)) static int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

EXPORT uint64_t run(void) { return (uint64_t)fib(35); }
