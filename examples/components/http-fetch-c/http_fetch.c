/* http-fetch: GETs the URL in config `url`, picks the JSON value at config `json_path`
 * (dotted, e.g. "bitcoin.usd"; default: the whole body) and responds with
 * abi.encode(string value). The workflow must allow the URL's host in
 * permissions.allowed_http_hosts. Every operator must see the same value for the
 * aggregator to reach quorum: point it at data that is stable for a trigger.
 * If the node sets WAVS_ENV_API_KEY and the workflow lists it in env_keys, it is sent
 * as the `x-api-key` header (secrets go in env_keys, never in config). */
#include "wavs.h"

int main(void) {
    wavs_trigger t;
    if (wavs_trigger_read(&t) != 0) return 1;
    char* url = NULL;
    char* path = NULL;
    if (wavs_config_var("url", &url) < 0) {
        fputs("http-fetch: config variable `url` is required\n", stderr);
        return 1;
    }
    wavs_config_var("json_path", &path); /* optional */

    wavs_http_request q;
    memset(&q, 0, sizeof q);
    q.url = url;
    char headers[512] = "Accept: application/json\r\n";
    const char* key = getenv("WAVS_ENV_API_KEY");
    if (key && strlen(key) < 400 && !strpbrk(key, "\r\n")) {
        strcat(headers, "x-api-key: ");
        strcat(headers, key);
        strcat(headers, "\r\n");
    }
    q.headers = headers;
    q.timeout_ms = 5000;
    wavs_http_response r;
    int64_t rc = wavs_http_send(&q, &r);
    if (rc != 0) return wavs_fail("http_request", rc);
    char ctype[128] = "";
    wavs_http_header(&r, "content-type", ctype, sizeof ctype);
    wavs_log_info("http-fetch: %s -> %u (%zu bytes, %s)", url, r.status, r.body_len, ctype);
    if (r.status != 200) {
        fprintf(stderr, "http-fetch: status %u\n", r.status);
        return 1;
    }

    const char* value = (const char*)r.body;
    size_t value_len = r.body_len;
    char* text = NULL;
    if (path && *path) {
        wavs_json doc, v;
        if (wavs_json_parse((const char*)r.body, r.body_len, &doc) != 0 || wavs_json_get(doc, path, &v) != 0) {
            fprintf(stderr, "http-fetch: no value at %s\n", path);
            return 1;
        }
        if (wavs_json_type(v) == WAVS_JSON_STRING) { /* unescaped text */
            text = (char*)malloc(v.len);
            if (!text || wavs_json_string(v, text, v.len) < 0) return 1;
            value = text;
            value_len = strlen(text);
        } else { /* numbers, objects…: their JSON text */
            value = v.p;
            value_len = v.len;
        }
    }
    wavs_abi_enc enc;
    if (wavs_abi_enc_init(&enc, 1) != 0 || wavs_abi_enc_bytes(&enc, 0, value, value_len) != 0) return 1;
    int32_t rr = wavs_respond(enc.out.data, enc.out.len);
    wavs_buf_free(&enc.out);
    free(text);
    wavs_http_response_free(&r);
    free(url);
    free(path);
    wavs_trigger_free(&t);
    return rr == 0 ? 0 : wavs_fail("respond", rr);
}
