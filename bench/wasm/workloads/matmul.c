/* Double-precision matrix multiplication, 200x200, repeated. */
#include "rt.h"

#define N 200
static double a[N][N], b[N][N], c[N][N];

EXPORT uint64_t run(void) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) {
      a[i][j] = (double)((i * 7 + j * 3) % 17) / 8.0;
      b[i][j] = (double)((i * 5 + j * 11) % 13) / 4.0;
    }
  double sum = 0;
  for (int rep = 0; rep < 24; rep++) {
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) {
        double s = 0;
        for (int k = 0; k < N; k++) s += a[i][k] * b[k][j];
        c[i][j] = s;
      }
    sum += c[rep][rep + 1];
    a[rep][rep] += 1.0;
  }
  return (uint64_t)(sum * 1000.0);
}
