// Allocates 1 MiB blocks until malloc fails, then reports how far it got.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Keeps every block reachable: without it the compiler may drop the allocations and
// assume malloc never fails.
char* volatile blocks[4096];

int main(void) {
  int n = 0;
  while (n < 4096) {
    char* p = malloc(1 << 20);
    if (!p) break;
    memset(p, 1, 1 << 20);
    blocks[n++] = p;
  }
  printf("allocated %d MiB before malloc failed\n", n);
  return 0;
}
