/* Responds twice without salts: the second respond must be refused with WAVS_E_INVALID
 * (more than one response needs a salt on each). Prints that code to stderr and exits 0,
 * so exactly the first response is submitted. */
#include "wavs.h"

int main(void) {
    int32_t first = wavs_v1_respond("first", 5, 0, 0, NULL, 0);
    int32_t second = wavs_v1_respond("second", 6, 0, 0, NULL, 0);
    fprintf(stderr, "first=%d second=%d\n", (int)first, (int)second);
    return first == 0 ? 0 : 1;
}
