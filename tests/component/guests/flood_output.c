/* Writes 3 MiB to stdout and to stderr (over the 1 MiB caps), then responds "done" and
 * exits with the status in config `exit` (default 0): the host keeps the first 1 MiB
 * of each stream and the run goes on. */
#include "wavs.h"

int main(void) {
    static char line[1024];
    memset(line, 'o', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    for (int i = 0; i < 3 * 1024; i++) {
        fwrite(line, 1, sizeof line, stdout);
        fwrite(line, 1, sizeof line, stderr);
    }
    fflush(stdout);
    fputs("end of stderr\n", stderr);
    char* code = NULL;
    int status = wavs_config_var("exit", &code) > 0 ? atoi(code) : 0;
    free(code);
    if (wavs_v1_respond("done", 4, 0, 0, NULL, 0) != 0) return 1;
    return status;
}
