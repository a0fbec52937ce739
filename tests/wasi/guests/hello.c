// Prints its arguments and exits with the code given as the last one ("exit=N").
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char** argv) {
  printf("hello from C\n");
  printf("argc=%d\n", argc);
  for (int i = 1; i < argc; ++i) printf("argv[%d]=%s\n", i, argv[i]);
  fprintf(stderr, "to stderr\n");
  fflush(stdout);
  if (argc > 1 && strncmp(argv[argc - 1], "exit=", 5) == 0) return atoi(argv[argc - 1] + 5);
  return 0;
}
