// Prints what isatty() says of stdin, stdout and stderr: programs such as gzip refuse
// binary data on a terminal, so captured or redirected stdio must not look like one.
#include <stdio.h>
#include <unistd.h>

int main(void) {
  printf("isatty stdin=%d stdout=%d stderr=%d\n", isatty(0), isatty(1), isatty(2));
  return 0;
}
