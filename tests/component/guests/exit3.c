/* Responds, then writes "boom" to stderr and exits 3: a failure, so the accepted
 * response must not be submitted. */
#include "wavs.h"

int main(void) {
    int32_t rc = wavs_v1_respond("not submitted", 13, 0, 0, NULL, 0);
    fprintf(stderr, "respond=%d\nboom\n", (int)rc);
    exit(3);
}
