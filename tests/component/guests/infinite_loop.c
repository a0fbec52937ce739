/* Never ends on its own: only the fuel or the wall-clock limit stops it. */
#include "wavs.h"

int main(void) {
    volatile uint64_t n = 0;
    for (;;) n = n + 1;
}
