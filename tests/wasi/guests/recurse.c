// Recurses without end; each frame keeps a live array so the compiler cannot loop it.
#include <stdio.h>

static int depth(volatile int* prev, int n) {
  volatile int frame[16];
  frame[0] = prev ? prev[0] + n : n;
  return depth(frame, n + 1) + frame[0];
}

int main(void) {
  printf("%d\n", depth(0, 0));
  return 0;
}
