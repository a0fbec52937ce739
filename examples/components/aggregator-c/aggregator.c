/* aggregator: an aggregator component (a 2.0 manifest's submit.aggregator.component).
 * The aggregator runs it once per envelope its operators sign. Its input is a raw trigger
 * whose bytes are that envelope, abi.encode((bytes20 eventId, bytes12 ordering, bytes
 * payload)); it answers where the envelope is to land, one JSON action per respond:
 *   {"submit": {"chain": "evm:31337", "address": "0x…"}}   land it on this handler
 *   {"timer": {"delay_ms": 2000}}                        wait this long first
 * Here the handler comes from the workflow's config ("chain", "address"), and an optional
 * "delay_ms" adds a timer; an envelope with an empty payload is not landed anywhere. */
#include <stdio.h>
#include <stdlib.h>

#include "wavs.h"

/* The payload's length in the envelope encoding: word 0 is the tuple's offset (0x20),
 * then eventId, ordering, the payload's offset (from the tuple) and, there, its length. */
static int payload_length(const uint8_t* env, size_t len, uint64_t* out) {
    uint64_t offset = 0;
    if (wavs_abi_dec_u64(env, len, 3, &offset) != 0 || offset % 32 != 0 || offset > len) return -1;
    return wavs_abi_dec_u64(env, len, (size_t)(1 + offset / 32), out);
}

int main(void) {
    wavs_trigger t;
    if (wavs_trigger_read(&t) != 0) return 1;
    if (t.kind != WAVS_TRIGGER_RAW) {
        wavs_log_error("aggregator: expected the envelope as raw trigger data");
        wavs_trigger_free(&t);
        return 1;
    }
    uint64_t payload_len = 0;
    if (payload_length(t.raw, t.raw_len, &payload_len) != 0) {
        wavs_log_error("aggregator: the raw data is not an abi-encoded envelope");
        wavs_trigger_free(&t);
        return 1;
    }
    wavs_trigger_free(&t);
    if (payload_len == 0) {
        wavs_log_info("aggregator: empty payload, nothing to land");
        return 0;
    }
    char *chain = NULL, *address = NULL, *delay = NULL;
    int64_t rc = wavs_config_var("chain", &chain);
    if (rc < 0) return wavs_fail("config chain", rc);
    rc = wavs_config_var("address", &address);
    if (rc < 0) return wavs_fail("config address", rc);
    char action[256];
    if (wavs_config_var("delay_ms", &delay) >= 0) {
        int n = snprintf(action, sizeof action, "{\"timer\":{\"delay_ms\":%lu}}", strtoul(delay, NULL, 10));
        /* Several responses of one run each need a salt (the host's rule for event ids). */
        wavs_respond_opts o = {0};
        o.salt = "timer";
        o.salt_len = 5;
        int32_t r = wavs_respond_with(action, (size_t)n, &o);
        if (r != 0) return wavs_fail("respond", r);
        free(delay);
    }
    int n = snprintf(action, sizeof action, "{\"submit\":{\"chain\":\"%s\",\"address\":\"%s\"}}", chain, address);
    free(chain);
    free(address);
    if (n < 0 || (size_t)n >= sizeof action) {
        wavs_log_error("aggregator: chain or address too long");
        return 1;
    }
    wavs_log_info("aggregator: %llu-byte payload to %s", (unsigned long long)payload_len, action);
    wavs_respond_opts o = {0};
    o.salt = "submit";
    o.salt_len = 6;
    int32_t r = wavs_respond_with(action, (size_t)n, &o);
    return r == 0 ? 0 : wavs_fail("respond", r);
}
