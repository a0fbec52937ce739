/* echo: responds with the trigger's bytes — the raw bytes of a raw trigger, the log data
 * of a contract event — unchanged. Other triggers get no response. */
#include "wavs.h"

int main(void) {
    wavs_trigger t;
    if (wavs_trigger_read(&t) != 0) return 1;
    size_t len = 0;
    const uint8_t* bytes = wavs_trigger_bytes(&t, &len);
    int status = 0;
    if (bytes) {
        wavs_log_info("echo: %zu bytes from workflow %s", len, t.workflow_id);
        int32_t rc = wavs_respond(bytes, len);
        if (rc != 0) status = wavs_fail("respond", rc);
    } else {
        wavs_log_info("echo: trigger without bytes, nothing to submit");
    }
    wavs_trigger_free(&t);
    return status;
}
