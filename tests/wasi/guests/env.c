// Prints the environment it was given, in order, and two lookups.
#include <stdio.h>
#include <stdlib.h>

extern char** environ;

int main(void) {
  int n = 0;
  for (char** e = environ; *e; ++e, ++n) printf("env: %s\n", *e);
  printf("count=%d\n", n);
  const char* v = getenv("WAVS_ENV_COLOR");
  printf("WAVS_ENV_COLOR=%s\n", v ? v : "(unset)");
  v = getenv("HOME");
  printf("HOME=%s\n", v ? v : "(unset)");
  return 0;
}
