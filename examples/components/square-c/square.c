/* square: reads x = abi.decode(input, (uint64)) and responds with abi.encode(uint256 x*x).
 * The input is the raw bytes of a raw trigger, or, for a contract event, the `data` of
 * the example trigger contract's NewTrigger(abi.encode(TriggerInfo)) event
 * (contracts/src/examples/SimpleTrigger.sol). */
#include "wavs.h"

int main(void) {
    wavs_trigger t;
    if (wavs_trigger_read(&t) != 0) return 1;
    const uint8_t* input = NULL;
    size_t len = 0;
    if (t.kind == WAVS_TRIGGER_RAW) {
        input = t.raw;
        len = t.raw_len;
    } else if (t.kind == WAVS_TRIGGER_EVM_CONTRACT_EVENT) {
        uint64_t id;
        uint8_t creator[20];
        if (wavs_decode_new_trigger(t.log_data, t.log_data_len, &id, creator, &input, &len) != 0) {
            fputs("square: the event is not NewTrigger(abi.encode(TriggerInfo))\n", stderr);
            return 1;
        }
        wavs_log_info("square: trigger %llu", (unsigned long long)id);
    }
    uint64_t x = 0;
    if (!input || wavs_abi_dec_u64(input, len, 0, &x) != 0) {
        fprintf(stderr, "square: expected abi.encode(uint64) as input (%zu bytes given)\n", len);
        wavs_trigger_free(&t);
        return 1;
    }
    wavs_u256 sq = wavs_u256_mul(wavs_u256_from_u64(x), wavs_u256_from_u64(x));
    wavs_abi_enc enc;
    if (wavs_abi_enc_init(&enc, 1) != 0) return 1;
    wavs_abi_enc_u256(&enc, 0, sq);
    wavs_log_info("square: %llu squared", (unsigned long long)x);
    int32_t rc = wavs_respond(enc.out.data, enc.out.len);
    wavs_buf_free(&enc.out);
    wavs_trigger_free(&t);
    return rc == 0 ? 0 : wavs_fail("respond", rc);
}
