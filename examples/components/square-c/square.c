/* square: the trigger's bytes are abi.encode(uint64 x) (a 32-byte word; a raw trigger or
 * the data of a contract event); responds with abi.encode(uint256 x*x). */
#include "wavs.h"

int main(void) {
    wavs_trigger t;
    if (wavs_trigger_read(&t) != 0) return 1;
    size_t len = 0;
    const uint8_t* bytes = wavs_trigger_bytes(&t, &len);
    uint64_t x = 0;
    if (!bytes || wavs_abi_dec_u64(bytes, len, 0, &x) != 0) {
        fprintf(stderr, "square: expected abi.encode(uint64) as trigger data (%zu bytes given)\n", len);
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
