// File access inside the granted directory (argv[1]) and attempts to leave it.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

// Two alternating buffers, so one call may take two paths (rename).
static char path_bufs[2][512];
static int path_turn;
static const char* at(const char* root, const char* rel) {
  char* buf = path_bufs[path_turn ^= 1];
  snprintf(buf, sizeof path_bufs[0], "%s/%s", root, rel);
  return buf;
}

static int cmp(const void* a, const void* b) { return strcmp(*(char* const*)a, *(char* const*)b); }

static void try_open(const char* what, const char* path) {
  FILE* f = fopen(path, "r");
  printf("%s: %s\n", what, f ? "opened" : "refused");
  if (f) fclose(f);
}

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  const char* root = argv[1];

  FILE* f = fopen(at(root, "input.txt"), "r");
  if (!f) {
    printf("cannot open input.txt: %d\n", errno);
    return 1;
  }
  char line[256];
  while (fgets(line, sizeof line, f)) printf("input: %s", line);
  fclose(f);

  if (mkdir(at(root, "out"), 0755) != 0) printf("mkdir failed: %d\n", errno);
  f = fopen(at(root, "out/result.txt"), "w");
  if (!f) return 3;
  for (int i = 0; i < 100; ++i) fprintf(f, "line %d\n", i);
  fclose(f);

  struct stat st;
  if (stat(at(root, "out/result.txt"), &st) == 0) printf("result size=%lld\n", (long long)st.st_size);
  if (rename(at(root, "out/result.txt"), at(root, "out/renamed.txt")) != 0) printf("rename failed\n");
  f = fopen(at(root, "out/renamed.txt"), "a");
  fprintf(f, "appended\n");
  fclose(f);
  f = fopen(at(root, "out/renamed.txt"), "r");
  fseek(f, -9, SEEK_END);
  if (fgets(line, sizeof line, f)) printf("tail: %s", line);
  fclose(f);

  DIR* d = opendir(root);
  char* names[64];
  int n = 0;
  struct dirent* e;
  while (d && (e = readdir(d)) && n < 64) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    names[n++] = strdup(e->d_name);
  }
  if (d) closedir(d);
  qsort(names, n, sizeof names[0], cmp);
  for (int i = 0; i < n; ++i) printf("entry: %s\n", names[i]);

  try_open("inner symlink", at(root, "inner-link"));
  // node:wasi is not a sandbox (it follows symlinks out of the preopen), so the escape
  // probes run only when asked for.
  if (argc > 2 && strcmp(argv[2], "escapes") == 0) {
    try_open("dotdot escape", at(root, "../../../../etc/passwd"));
    try_open("absolute", "/etc/passwd");
    try_open("symlink escape", at(root, "outside/passwd"));
    try_open("symlink dir escape", at(root, "outside"));
  }

  if (unlink(at(root, "out/renamed.txt")) != 0) printf("unlink failed\n");
  if (rmdir(at(root, "out")) != 0) printf("rmdir failed\n");
  printf("done\n");
  return 0;
}
