// Reads stdin to the end; prints it upper-cased with a byte count.
#include <ctype.h>
#include <stdio.h>

int main(void) {
  long n = 0;
  int c;
  while ((c = getchar()) != EOF) {
    putchar(toupper(c));
    ++n;
  }
  printf("\nbytes=%ld\n", n);
  return 0;
}
