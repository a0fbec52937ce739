/* Responds with its whole environment, one NAME=value per line: only the --env-key
 * variables that are listed and set may appear. */
#include "wavs.h"

extern char** environ;

int main(void) {
    char out[4096];
    size_t len = 0;
    for (char** e = environ; e && *e; e++) {
        size_t n = strlen(*e);
        if (len + n + 1 > sizeof out) return 1;
        if (len) out[len++] = '\n';
        memcpy(out + len, *e, n);
        len += n;
    }
    const char* hidden = getenv("WAVS_ENV_HIDDEN");
    fprintf(stderr, "WAVS_ENV_HIDDEN is %s\n", hidden ? "visible" : "invisible");
    return wavs_v1_respond(out, (int32_t)len, 0, 0, NULL, 0) == 0 ? 0 : 1;
}
