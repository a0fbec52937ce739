/* Responds twice, each with its own salt: the first with ordering 42, the second without
 * ordering. The on-chain test submits both envelopes, so salted event ids and the
 * bytes12 ordering field are proven to be accepted by the contracts. */
#include "wavs.h"

int main(void) {
    wavs_respond_opts first = {1, 42, "alpha", 5};
    wavs_respond_opts second = {0, 0, "beta", 4};
    int32_t rc = wavs_respond_with("first payload", 13, &first);
    if (rc != 0) return wavs_fail("respond first", rc);
    rc = wavs_respond_with("second payload", 14, &second);
    if (rc != 0) return wavs_fail("respond second", rc);
    return 0;
}
