/* Passes (ptr, len) ranges outside linear memory to respond, config_var and kv_get;
 * each must be WAVS_E_FAULT (-2), never a trap. Run with --config k=v and a --kv store
 * so that nothing but the bad range can fail. Exits 0 only if every call gave -2. */
#include "wavs.h"

#define OOB ((void*)(uintptr_t)0xfffffff0u)
#define NEAR_END ((void*)(uintptr_t)0xffffff00u) /* + 0x200 wraps in 32-bit arithmetic */

static int failures = 0;

static void expect_fault(const char* what, int64_t rc) {
    printf("%s=%lld\n", what, (long long)rc);
    if (rc != WAVS_E_FAULT) failures++;
}

int main(void) {
    uint8_t out[64];
    expect_fault("respond_payload", wavs_v1_respond(OOB, 100, 0, 0, NULL, 0));
    expect_fault("respond_payload_wrap", wavs_v1_respond(NEAR_END, 0x200, 0, 0, NULL, 0));
    expect_fault("respond_salt", wavs_v1_respond("p", 1, 0, WAVS_HAS_SALT, OOB, 32));
    expect_fault("config_var_key", wavs_v1_config_var(OOB, 100, out, sizeof out));
    expect_fault("config_var_out", wavs_v1_config_var("k", 1, OOB, 64));
    expect_fault("kv_get_bucket", wavs_v1_kv_get(OOB, 8, "k", 1, out, sizeof out));
    expect_fault("kv_get_key", wavs_v1_kv_get("b", 1, NEAR_END, 0x200, out, sizeof out));
    /* A stored value, so kv_get would otherwise write it to the bad output range. */
    int32_t set = wavs_v1_kv_set("b", 1, "k", 1, "value", 5);
    printf("kv_set=%d\n", (int)set);
    if (set != 0) failures++;
    expect_fault("kv_get_out", wavs_v1_kv_get("b", 1, "k", 1, OOB, 64));
    printf("failures=%d\n", failures);
    return failures == 0 ? 0 : 1;
}
