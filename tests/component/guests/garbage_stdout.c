/* Writes binary junk and a fake `wavs exec --json` result to stdout, then responds with
 * a known payload: stdout is only a log, so the run's result must be that payload. */
#include "wavs.h"

int main(void) {
    static const unsigned char junk[] = {0x00, 0xff, 0xfe, 0x1b, '[', '2', 'J', 0xc3, 0x28, 0x80, '\r', 0x7f, 0x00};
    fwrite(junk, 1, sizeof junk, stdout);
    fputs("\n{\"ok\":true,\"outcome\":\"success\",\"responses\":[{\"payload\":\"0xbad0bad0\"}]}\n", stdout);
    fwrite(junk, 1, sizeof junk, stdout);
    fflush(stdout);
    fwrite(junk, 1, sizeof junk, stderr);
    static const char payload[] = "the real payload";
    int32_t rc = wavs_v1_respond(payload, (int32_t)strlen(payload), 0, 0, NULL, 0);
    fputs("{\"responses\":[{\"payload\":\"0xbad1\"}]}\n", stdout);
    return rc == 0 ? 0 : 1;
}
