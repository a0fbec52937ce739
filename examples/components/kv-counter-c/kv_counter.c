/* kv-counter: counts this service's triggers in its key-value store and responds with
 * abi.encode(uint64 count). Config: `bucket` (default "counters"), `key` (default
 * "count"). Also shows listing a bucket page by page. */
#include "wavs.h"

int main(void) {
    wavs_trigger t;
    if (wavs_trigger_read(&t) != 0) return 1;

    char* bucket = NULL;
    char* key = NULL;
    if (wavs_config_var("bucket", &bucket) < 0) bucket = strdup("counters");
    if (wavs_config_var("key", &key) < 0) key = strdup("count");

    int64_t count = 0;
    int32_t rc = wavs_kv_increment(bucket, key, strlen(key), 1, &count);
    if (rc != 0) return wavs_fail("kv_increment", rc);

    /* remember when we last ran (the trigger's kind), then list the bucket */
    const char* kind = t.kind == WAVS_TRIGGER_RAW ? "raw" : t.kind == WAVS_TRIGGER_CRON ? "cron"
                     : t.kind == WAVS_TRIGGER_BLOCK_INTERVAL ? "block_interval" : "evm_contract_event";
    rc = wavs_kv_set(bucket, "last_kind", 9, kind, strlen(kind));
    if (rc != 0) return wavs_fail("kv_set", rc);

    size_t keys = 0;
    uint8_t cursor[1024];
    size_t cursor_len = 0;
    for (;;) {
        wavs_kv_page page;
        int64_t n = wavs_kv_list(&page, bucket, cursor, cursor_len, 2);
        if (n < 0) return wavs_fail("kv_list", n);
        const uint8_t* k;
        size_t kl;
        for (size_t it = 0; wavs_kv_page_next(&page, &it, &k, &kl);) {
            keys++;
            memcpy(cursor, k, kl < sizeof cursor ? kl : sizeof cursor);
            cursor_len = kl;
        }
        wavs_kv_page_free(&page);
        if (n < 2) break;
    }
    wavs_log_info("kv-counter: %s/%s = %lld (%zu keys in the bucket)", bucket, key, (long long)count, keys);

    uint8_t word[32];
    wavs_abi_put_u64(word, (uint64_t)count);
    rc = wavs_respond(word, sizeof word);
    free(bucket);
    free(key);
    wavs_trigger_free(&t);
    return rc == 0 ? 0 : wavs_fail("respond", rc);
}
