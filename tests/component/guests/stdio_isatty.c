/* Responds with what isatty() says of its stdin, stdout and stderr. A component's stdio
 * is captured, never a terminal: guests that refuse binary data on a terminal must work. */
#include <unistd.h>

#include "wavs.h"

int main(void) {
    char out[64];
    int n = snprintf(out, sizeof out, "isatty stdin=%d stdout=%d stderr=%d", isatty(0), isatty(1), isatty(2));
    if (n <= 0 || n >= (int)sizeof out) return 1;
    return wavs_v1_respond(out, (int32_t)n, 0, 0, NULL, 0) == 0 ? 0 : 1;
}
