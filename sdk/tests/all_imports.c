/* Guest-side test of the C SDK against a wavs_v1 host: calls every one of the fifteen
 * imports through wavs.h and checks the documented behaviour (buffer convention with
 * result_take, error codes and last_error, response rules, KV semantics). Run it with
 * sdk/tests/run_examples.sh (it expects the options given there) or any v1 host
 * configured the same way. Exits 0 when every check passed. */
#include "wavs.h"

static int failures = 0;
#define CHECK(cond)                                                        \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                    \
        }                                                                  \
    } while (0)

int main(void) {
    wavs_trigger t;
    CHECK(wavs_trigger_read(&t) == 0);
    CHECK(t.kind == WAVS_TRIGGER_EVM_CONTRACT_EVENT);
    CHECK(t.block_number == 42 && t.topic_count == 2 && t.topics[1][31] == 1 && t.log_data_len == 32);
    CHECK(strcmp(t.chain, "evm:31337") == 0 && strcmp(t.workflow_id, "default") == 0);
    wavs_json ev;
    CHECK(wavs_json_get(t.root, "config.trigger.evm_contract_event.chain", &ev) == 0 && wavs_json_string_is(ev, "evm:31337"));

    /* log */
    CHECK(wavs_log_info("all_imports: %d", 1) == 0);
    CHECK(wavs_v1_log(9, "x", 1) == WAVS_E_INVALID);

    /* config_var: small, big (through result_take), missing */
    char* v = NULL;
    CHECK(wavs_config_var("greeting", &v) == 5 && strcmp(v, "hello") == 0);
    free(v);
    CHECK(wavs_config_var("big", &v) == 3000 && v[2999] == 'x' && v[3000] == 0);
    free(v);
    CHECK(wavs_config_var("missing", &v) == WAVS_E_NOT_FOUND && v == NULL);
    char msg[128];
    CHECK(strlen(wavs_last_error(msg, sizeof msg)) > 0);
    char tiny[4];
    CHECK(strlen(wavs_last_error(tiny, sizeof tiny)) == 3); /* asked again with room, then cut */
    /* last_error leaves the pending result alone */
    char small[8];
    CHECK(wavs_v1_config_var("big", 3, small, sizeof small) == 3000);
    CHECK(wavs_v1_last_error(small, 0) > 0);
    CHECK(wavs_v1_result_take(NULL, 0) == 3000);
    /* size query with cap 0, then result_take */
    int64_t n = wavs_v1_config_var("greeting", 8, NULL, 0);
    CHECK(n == 5);
    char five[5];
    CHECK(wavs_v1_result_take(five, 2) == 5); /* still too small: kept */
    CHECK(wavs_v1_result_take(five, 5) == 5 && memcmp(five, "hello", 5) == 0);
    CHECK(wavs_v1_log(2, "x", 1) == 0);
    CHECK(wavs_v1_result_take(five, 5) == WAVS_E_NOT_FOUND); /* dropped by the next call */
    /* a bad pointer is an error, not a trap */
    CHECK(wavs_v1_config_var((const void*)(uintptr_t)0xfffffff0u, 100, NULL, 0) == WAVS_E_FAULT);

    /* service_info, chain_config */
    char* info = NULL;
    CHECK(wavs_service_info(&info) > 0);
    wavs_json doc, sid;
    CHECK(wavs_json_parse(info, strlen(info), &doc) == 0 && wavs_json_get(doc, "service_id", &sid) == 0);
    free(info);
    char* cfg = NULL;
    CHECK(wavs_chain_config("evm:31337", &cfg) > 0 && strstr(cfg, "\"chain_id\":\"31337\"") != NULL);
    free(cfg);
    CHECK(wavs_chain_config("evm:1", &cfg) == WAVS_E_NOT_FOUND);

    /* event_id: deterministic, salt changes it, bad flags refused */
    uint8_t a[20], b[20], c[20];
    CHECK(wavs_event_id(NULL, 0, a) == 0 && wavs_event_id(NULL, 0, b) == 0 && memcmp(a, b, 20) == 0);
    CHECK(wavs_event_id("s1", 2, c) == 0 && memcmp(a, c, 20) != 0);
    CHECK(wavs_v1_event_id(4, NULL, 0, c) == WAVS_E_INVALID);
    CHECK(wavs_v1_event_id(WAVS_HAS_SALT, "", 0, c) == WAVS_E_INVALID);

    /* http_request */
    wavs_http_response r;
    wavs_http_request q;
    memset(&q, 0, sizeof q);
    q.method = "POST";
    q.url = "https://api.example.com/x";
    q.headers = "Content-Type: text/plain\r\nX-A: b";
    q.body = "hi";
    q.body_len = 2;
    CHECK(wavs_http_send(&q, &r) == 0 && r.status == 201 && r.body_len == 7 && memcmp(r.body, "created", 7) == 0);
    wavs_http_response_free(&r);
    CHECK(wavs_http_get("https://other.example.com/", &r) == WAVS_E_DENIED);
    CHECK(wavs_http_get("ftp://api.example.com/", &r) == WAVS_E_INVALID);

    /* chain_rpc */
    char* res = NULL;
    CHECK(wavs_chain_rpc("evm:31337", "eth_blockNumber", NULL, &res) == 6 && strcmp(res, "\"0x2a\"") == 0);
    free(res);
    CHECK(wavs_chain_rpc("evm:31337", "eth_sendRawTransaction", "[\"0x00\"]", &res) == WAVS_E_DENIED);
    CHECK(wavs_chain_rpc("evm:31337", "eth_call", "{}", &res) == WAVS_E_INVALID);

    /* KV */
    uint8_t* val = NULL;
    size_t vl = 0;
    CHECK(wavs_kv_set("b1", "k1", 2, "v1", 2) == 0);
    CHECK(wavs_kv_get("b1", "k1", 2, &val, &vl) == 2 && memcmp(val, "v1", 2) == 0);
    free(val);
    CHECK(wavs_kv_get("b1", "nope", 4, &val, &vl) == WAVS_E_NOT_FOUND);
    CHECK(wavs_kv_set("Bad Bucket", "k", 1, "v", 1) == WAVS_E_INVALID);
    CHECK(wavs_kv_set("b1", "", 0, "v", 1) == WAVS_E_INVALID);
    int64_t cnt = 0;
    CHECK(wavs_kv_increment("b1", "c", 1, 5, &cnt) == 0 && cnt == 5);
    CHECK(wavs_kv_increment("b1", "c", 1, -7, &cnt) == 0 && cnt == -2);
    CHECK(wavs_kv_get("b1", "c", 1, &val, &vl) == 2 && memcmp(val, "-2", 2) == 0);
    free(val);
    CHECK(wavs_kv_increment("b1", "k1", 2, 1, &cnt) == WAVS_E_TYPE);
    CHECK(wavs_kv_set("b1", "m", 1, "9223372036854775807", 19) == 0);
    CHECK(wavs_kv_increment("b1", "m", 1, 1, &cnt) == WAVS_E_LIMIT);
    wavs_kv_page page;
    CHECK(wavs_kv_list(&page, "b1", NULL, 0, 2) == 2);
    const uint8_t* k;
    size_t kl, it = 0;
    CHECK(wavs_kv_page_next(&page, &it, &k, &kl) && kl == 1 && k[0] == 'c');
    CHECK(wavs_kv_page_next(&page, &it, &k, &kl) && kl == 2 && memcmp(k, "k1", 2) == 0);
    wavs_kv_page_free(&page);
    CHECK(wavs_kv_list(&page, "b1", "k1", 2, 2) == 1); /* "m" only: the last page */
    wavs_kv_page_free(&page);
    CHECK(wavs_kv_delete("b1", "k1", 2) == 1 && wavs_kv_delete("b1", "k1", 2) == 0);

    /* ABI helpers */
    wavs_abi_enc enc;
    CHECK(wavs_abi_enc_init(&enc, 2) == 0);
    wavs_abi_enc_u64(&enc, 0, 7);
    CHECK(wavs_abi_enc_string(&enc, 1, "hi") == 0);
    CHECK(enc.out.len == 128 && enc.out.data[63] == 0x40 && enc.out.data[95] == 2);
    const uint8_t* sp;
    size_t sn;
    CHECK(wavs_abi_dec_bytes(enc.out.data, enc.out.len, 1, &sp, &sn) == 0 && sn == 2 && memcmp(sp, "hi", 2) == 0);

    /* respond: two salted responses; an unsalted second one is refused */
    wavs_respond_opts o1 = {1, 5, "a", 1}, o2 = {0, 0, "b", 1}, dup = {0, 0, "a", 1};
    CHECK(wavs_respond_with(enc.out.data, enc.out.len, &o1) == 0);
    CHECK(wavs_respond(enc.out.data, 1) == WAVS_E_INVALID);
    CHECK(wavs_respond_with("x", 1, &dup) == WAVS_E_INVALID);
    CHECK(wavs_respond_with("x", 1, &o2) == 0);
    wavs_buf_free(&enc.out);
    wavs_trigger_free(&t);
    if (failures) fprintf(stderr, "all_imports: %d failures\n", failures);
    return failures ? 1 : 0;
}
