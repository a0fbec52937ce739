/* Reads its trigger, logs, and exits 0 without responding: a success with no response. */
#include "wavs.h"

int main(void) {
    char buf[256];
    while (fread(buf, 1, sizeof buf, stdin) > 0) {
    }
    wavs_log_info("no_respond: nothing to say");
    return 0;
}
