/* Responds, then traps (unreachable): a failure, so the response must not be submitted. */
#include "wavs.h"

int main(void) {
    int32_t rc = wavs_v1_respond("not submitted", 13, 0, 0, NULL, 0);
    fprintf(stderr, "respond=%d, now trapping\n", (int)rc);
    fflush(stderr);
    __builtin_trap();
}
