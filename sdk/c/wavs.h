/* wavs.h — the C/C++ SDK for WAVS components, ABI v1 (docs/component-abi.md).
 *
 * One header, C99 or C++, for clang --target=wasm32-wasi with wasi-libc. Everything is
 * `static inline`; include it in as many files as you like.
 *
 *   #include "wavs.h"
 *   int main(void) {
 *       wavs_trigger t;
 *       if (wavs_trigger_read(&t) != 0) return 1;          // stdin → parsed trigger
 *       if (t.kind == WAVS_TRIGGER_RAW) wavs_respond(t.raw, t.raw_len);
 *       wavs_trigger_free(&t);
 *       return 0;
 *   }
 *
 * Parts:
 *   1. raw imports of the `wavs_v1` module (wavs_v1_*), error codes, flags
 *   2. hex helpers
 *   3. a small JSON reader (path lookup over the text, no allocation)
 *   4. the trigger: wavs_trigger_read()
 *   5. ABI helpers (uint64/uint256/address/bytes/string words, a small tuple encoder)
 *   6. the natural API: respond, log, config, info, event ids, HTTP, chain RPC, KV
 *
 * Functions returning int32_t/int64_t report failure as a negative WAVS_E_* code.
 * Buffers the SDK allocates (marked "malloc'd") are released with free().
 */
#ifndef WAVS_SDK_H
#define WAVS_SDK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- 1. raw imports ------------------------------------------------------------ */

#define WAVS_ABI_MODULE "wavs_v1"

#if defined(__wasm__)
#define WAVS_IMPORT(name) __attribute__((import_module(WAVS_ABI_MODULE), import_name(name)))
#else
#define WAVS_IMPORT(name)
#endif

/* Pointers are i32 on wasm32; lengths are int32_t as in the document. */
WAVS_IMPORT("respond") int32_t wavs_v1_respond(const void* payload, int32_t payload_len, int64_t ordering,
                                               int32_t flags, const void* salt, int32_t salt_len);
WAVS_IMPORT("log") int32_t wavs_v1_log(int32_t level, const void* msg, int32_t msg_len);
WAVS_IMPORT("config_var") int64_t wavs_v1_config_var(const void* key, int32_t key_len, void* out, int32_t out_cap);
WAVS_IMPORT("service_info") int64_t wavs_v1_service_info(void* out, int32_t out_cap);
WAVS_IMPORT("chain_config")
int64_t wavs_v1_chain_config(const void* chain, int32_t chain_len, void* out, int32_t out_cap);
WAVS_IMPORT("event_id") int32_t wavs_v1_event_id(int32_t flags, const void* salt, int32_t salt_len, void* out20);
WAVS_IMPORT("http_request")
int64_t wavs_v1_http_request(const void* method, int32_t method_len, const void* url, int32_t url_len,
                             const void* headers, int32_t headers_len, const void* body, int32_t body_len,
                             int32_t timeout_ms, void* out, int32_t out_cap);
WAVS_IMPORT("chain_rpc")
int64_t wavs_v1_chain_rpc(const void* chain, int32_t chain_len, const void* method, int32_t method_len,
                          const void* params, int32_t params_len, void* out, int32_t out_cap);
WAVS_IMPORT("kv_get")
int64_t wavs_v1_kv_get(const void* bucket, int32_t bucket_len, const void* key, int32_t key_len, void* out,
                       int32_t out_cap);
WAVS_IMPORT("kv_set")
int32_t wavs_v1_kv_set(const void* bucket, int32_t bucket_len, const void* key, int32_t key_len, const void* value,
                       int32_t value_len);
WAVS_IMPORT("kv_delete")
int32_t wavs_v1_kv_delete(const void* bucket, int32_t bucket_len, const void* key, int32_t key_len);
WAVS_IMPORT("kv_increment")
int32_t wavs_v1_kv_increment(const void* bucket, int32_t bucket_len, const void* key, int32_t key_len,
                             int64_t delta, void* out8);
WAVS_IMPORT("kv_list")
int64_t wavs_v1_kv_list(const void* bucket, int32_t bucket_len, const void* cursor, int32_t cursor_len,
                        int32_t limit, void* out, int32_t out_cap);
WAVS_IMPORT("result_take") int64_t wavs_v1_result_take(void* out, int32_t out_cap);
WAVS_IMPORT("last_error") int64_t wavs_v1_last_error(void* out, int32_t out_cap);

enum {
    WAVS_OK = 0,
    WAVS_E_INVALID = -1,
    WAVS_E_FAULT = -2,
    WAVS_E_NOT_FOUND = -3,
    WAVS_E_DENIED = -4,
    WAVS_E_LIMIT = -5,
    WAVS_E_TIMEOUT = -6,
    WAVS_E_NETWORK = -7,
    WAVS_E_RPC = -8,
    WAVS_E_TYPE = -9,
    WAVS_E_UNAVAILABLE = -10,
    WAVS_E_INTERNAL = -11,
    /* SDK-side only (never returned by the host): */
    WAVS_E_NOMEM = -100,    /* malloc failed */
    WAVS_E_PARSE = -101     /* the SDK could not parse a host result or the trigger */
};

enum { WAVS_HAS_ORDERING = 1, WAVS_HAS_SALT = 2 };
enum { WAVS_LOG_ERROR = 0, WAVS_LOG_WARN = 1, WAVS_LOG_INFO = 2, WAVS_LOG_DEBUG = 3, WAVS_LOG_TRACE = 4 };

static inline const char* wavs_strerror(int64_t code) {
    switch (code) {
        case WAVS_OK: return "ok";
        case WAVS_E_INVALID: return "invalid argument";
        case WAVS_E_FAULT: return "bad pointer";
        case WAVS_E_NOT_FOUND: return "not found";
        case WAVS_E_DENIED: return "permission denied";
        case WAVS_E_LIMIT: return "limit exceeded";
        case WAVS_E_TIMEOUT: return "timeout";
        case WAVS_E_NETWORK: return "network error";
        case WAVS_E_RPC: return "JSON-RPC error";
        case WAVS_E_TYPE: return "wrong value type";
        case WAVS_E_UNAVAILABLE: return "unavailable";
        case WAVS_E_INTERNAL: return "host internal error";
        case WAVS_E_NOMEM: return "out of memory";
        case WAVS_E_PARSE: return "parse error";
        default: return "unknown error";
    }
}

/* The buffer convention: finishes a call made into `buf` (malloc'd, `cap` bytes) that
 * returned n. On success *out is a malloc'd buffer of *out_len bytes plus a NUL (so
 * text results are C strings); on failure buf is freed and the code returned. */
static inline int64_t wavs__finish(int64_t n, uint8_t* buf, int32_t cap, uint8_t** out, size_t* out_len) {
    *out = NULL;
    if (out_len) *out_len = 0;
    if (n < 0) {
        free(buf);
        return n;
    }
    if (n >= cap) { /* too small (or no room for the NUL): take the pending result */
        uint8_t* bigger = (uint8_t*)realloc(buf, (size_t)n + 1);
        if (!bigger) {
            free(buf);
            return WAVS_E_NOMEM;
        }
        buf = bigger;
        if (n > cap) {
            int64_t m = wavs_v1_result_take(buf, (int32_t)n);
            if (m < 0 || m != n) {
                free(buf);
                return m < 0 ? m : WAVS_E_INTERNAL;
            }
        }
    }
    buf[n] = 0;
    *out = buf;
    if (out_len) *out_len = (size_t)n;
    return n;
}

#define WAVS__FIRST_CAP 512
static inline uint8_t* wavs__first_buf(void) { return (uint8_t*)malloc(WAVS__FIRST_CAP); }

/* The last error message into `buf` (NUL-terminated, cut to fit). Returns buf. */
static inline char* wavs_last_error(char* buf, size_t cap) {
    if (cap == 0) return buf;
    int64_t n = wavs_v1_last_error(buf, (int32_t)(cap - 1));
    if (n < 0) n = 0;
    if ((size_t)n > cap - 1) { /* too long: ask again with room for all of it, then cut */
        uint8_t* big = (uint8_t*)malloc((size_t)n);
        if (big && wavs_v1_last_error(big, (int32_t)n) == n) memcpy(buf, big, cap - 1);
        else buf[0] = 0;
        free(big);
        n = (int64_t)(cap - 1);
    }
    buf[n] = 0;
    return buf;
}

/* ---- 2. hex ---------------------------------------------------------------------- */

static inline int wavs_hex_digit(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes hex (with or without 0x) of `len` chars into out (cap bytes). Returns the
 * number of bytes, or -1 on a bad digit, odd length, or a too-small buffer. */
static inline int64_t wavs_hex_decode(const char* hex, size_t len, uint8_t* out, size_t cap) {
    if (len >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) {
        hex += 2;
        len -= 2;
    }
    if (len % 2 != 0 || len / 2 > cap) return -1;
    for (size_t i = 0; i < len / 2; i++) {
        int hi = wavs_hex_digit(hex[2 * i]), lo = wavs_hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0) return -1;
        out[i] = (uint8_t)(hi * 16 + lo);
    }
    return (int64_t)(len / 2);
}

/* Writes "0x" + lowercase hex + NUL into out, which needs 2*len + 3 bytes. */
static inline char* wavs_hex_encode(const uint8_t* data, size_t len, char* out) {
    static const char digits[] = "0123456789abcdef";
    out[0] = '0';
    out[1] = 'x';
    for (size_t i = 0; i < len; i++) {
        out[2 + 2 * i] = digits[data[i] >> 4];
        out[3 + 2 * i] = digits[data[i] & 15];
    }
    out[2 + 2 * len] = 0;
    return out;
}

/* ---- 3. JSON reader ---------------------------------------------------------------- */

/* A JSON value as a span of the source text. */
typedef struct {
    const char* p;
    size_t len;
} wavs_json;

enum { WAVS_JSON_INVALID, WAVS_JSON_NULL, WAVS_JSON_BOOL, WAVS_JSON_NUMBER, WAVS_JSON_STRING, WAVS_JSON_ARRAY, WAVS_JSON_OBJECT };

static inline const char* wavs__ws(const char* p, const char* end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* Skips one value starting at p (no leading whitespace); returns the end, or NULL. */
static inline const char* wavs__skip(const char* p, const char* end, int depth) {
    if (p >= end || depth > 64) return NULL;
    if (*p == '"') {
        for (p++; p < end; p++) {
            if (*p == '\\') {
                p++;
            } else if (*p == '"') {
                return p + 1;
            } else if ((unsigned char)*p < 0x20) {
                return NULL;
            }
        }
        return NULL;
    }
    if (*p == '{' || *p == '[') {
        char close = *p == '{' ? '}' : ']';
        int object = *p == '{';
        p = wavs__ws(p + 1, end);
        if (p < end && *p == close) return p + 1;
        for (;;) {
            if (object) {
                if (p >= end || *p != '"') return NULL;
                p = wavs__skip(p, end, depth + 1);
                if (!p) return NULL;
                p = wavs__ws(p, end);
                if (p >= end || *p != ':') return NULL;
                p = wavs__ws(p + 1, end);
            }
            p = wavs__skip(p, end, depth + 1);
            if (!p) return NULL;
            p = wavs__ws(p, end);
            if (p >= end) return NULL;
            if (*p == close) return p + 1;
            if (*p != ',') return NULL;
            p = wavs__ws(p + 1, end);
        }
    }
    /* number, true, false, null */
    const char* start = p;
    while (p < end && (*p == '-' || *p == '+' || *p == '.' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
                       *p == 'E'))
        p++;
    return p > start ? p : NULL;
}

/* Parses a whole document (surrounding whitespace allowed). Returns 0 or WAVS_E_PARSE. */
static inline int wavs_json_parse(const char* text, size_t len, wavs_json* out) {
    const char* end = text + len;
    const char* p = wavs__ws(text, end);
    const char* e = wavs__skip(p, end, 0);
    if (!e || wavs__ws(e, end) != end) return WAVS_E_PARSE;
    out->p = p;
    out->len = (size_t)(e - p);
    return 0;
}

static inline int wavs_json_type(wavs_json v) {
    if (!v.p || v.len == 0) return WAVS_JSON_INVALID;
    switch (v.p[0]) {
        case '"': return WAVS_JSON_STRING;
        case '{': return WAVS_JSON_OBJECT;
        case '[': return WAVS_JSON_ARRAY;
        case 'n': return WAVS_JSON_NULL;
        case 't':
        case 'f': return WAVS_JSON_BOOL;
        default: return WAVS_JSON_NUMBER;
    }
}

/* True when v is a string whose raw (unescaped-free) text equals s. */
static inline int wavs_json_string_is(wavs_json v, const char* s) {
    size_t n = strlen(s);
    return v.len == n + 2 && v.p[0] == '"' && memcmp(v.p + 1, s, n) == 0;
}

/* Iterates an object or array: start with *it = 0 (a cursor into v), then call until
 * it returns 0. For objects *key is the member name (a string value), for arrays it is
 * left untouched. */
static inline int wavs_json_next(wavs_json v, size_t* it, wavs_json* key, wavs_json* value) {
    const char* end = v.p + v.len;
    const char* p = v.p + (*it == 0 ? 1 : *it);
    int object = v.p[0] == '{';
    p = wavs__ws(p, end);
    if (p < end && *p == ',') p = wavs__ws(p + 1, end);
    if (p >= end || *p == '}' || *p == ']') return 0;
    if (object) {
        const char* k = p;
        p = wavs__skip(p, end, 0);
        if (!p) return 0;
        if (key) {
            key->p = k;
            key->len = (size_t)(p - k);
        }
        p = wavs__ws(p, end);
        if (p >= end || *p != ':') return 0;
        p = wavs__ws(p + 1, end);
    }
    const char* s = p;
    p = wavs__skip(p, end, 0);
    if (!p) return 0;
    value->p = s;
    value->len = (size_t)(p - s);
    *it = (size_t)(p - v.p);
    return 1;
}

/* Member `name` of an object (names compared without unescaping). */
static inline int wavs_json_member(wavs_json obj, const char* name, wavs_json* out) {
    if (wavs_json_type(obj) != WAVS_JSON_OBJECT) return WAVS_E_PARSE;
    size_t it = 0;
    wavs_json k, v;
    while (wavs_json_next(obj, &it, &k, &v))
        if (wavs_json_string_is(k, name)) {
            *out = v;
            return 0;
        }
    return WAVS_E_NOT_FOUND;
}

/* Element `index` of an array. */
static inline int wavs_json_index(wavs_json arr, size_t index, wavs_json* out) {
    if (wavs_json_type(arr) != WAVS_JSON_ARRAY) return WAVS_E_PARSE;
    size_t it = 0, i = 0;
    wavs_json v;
    while (wavs_json_next(arr, &it, NULL, &v))
        if (i++ == index) {
            *out = v;
            return 0;
        }
    return WAVS_E_NOT_FOUND;
}

/* Number of elements (array) or members (object). */
static inline size_t wavs_json_count(wavs_json v) {
    size_t it = 0, n = 0;
    wavs_json k, x;
    if (wavs_json_type(v) != WAVS_JSON_ARRAY && wavs_json_type(v) != WAVS_JSON_OBJECT) return 0;
    while (wavs_json_next(v, &it, &k, &x)) n++;
    return n;
}

/* Follows a dotted path: "data.evm_contract_event.log.topics.0" (a numeric segment
 * indexes an array). Returns 0, WAVS_E_NOT_FOUND or WAVS_E_PARSE. */
static inline int wavs_json_get(wavs_json root, const char* path, wavs_json* out) {
    wavs_json cur = root;
    char seg[128];
    while (*path) {
        size_t n = 0;
        while (path[n] && path[n] != '.') n++;
        if (n >= sizeof seg) return WAVS_E_PARSE;
        memcpy(seg, path, n);
        seg[n] = 0;
        path += n + (path[n] == '.');
        int rc;
        if (wavs_json_type(cur) == WAVS_JSON_ARRAY && seg[0] >= '0' && seg[0] <= '9')
            rc = wavs_json_index(cur, (size_t)strtoul(seg, NULL, 10), &cur);
        else
            rc = wavs_json_member(cur, seg, &cur);
        if (rc != 0) return rc;
    }
    *out = cur;
    return 0;
}

static inline size_t wavs__utf8(uint32_t c, char* o) {
    if (c < 0x80) { o[0] = (char)c; return 1; }
    if (c < 0x800) { o[0] = (char)(0xC0 | (c >> 6)); o[1] = (char)(0x80 | (c & 63)); return 2; }
    if (c < 0x10000) {
        o[0] = (char)(0xE0 | (c >> 12)); o[1] = (char)(0x80 | ((c >> 6) & 63)); o[2] = (char)(0x80 | (c & 63));
        return 3;
    }
    o[0] = (char)(0xF0 | (c >> 18)); o[1] = (char)(0x80 | ((c >> 12) & 63));
    o[2] = (char)(0x80 | ((c >> 6) & 63)); o[3] = (char)(0x80 | (c & 63));
    return 4;
}

/* Unescapes a string value into out (cap bytes, NUL-terminated). Returns its length,
 * or WAVS_E_PARSE (not a string, bad escape) / WAVS_E_LIMIT (cap too small). */
static inline int64_t wavs_json_string(wavs_json v, char* out, size_t cap) {
    if (wavs_json_type(v) != WAVS_JSON_STRING || cap == 0) return WAVS_E_PARSE;
    const char* p = v.p + 1;
    const char* end = v.p + v.len - 1;
    size_t n = 0;
    while (p < end) {
        char tmp[4];
        size_t k = 1;
        if (*p != '\\') {
            tmp[0] = *p++;
        } else {
            if (++p >= end) return WAVS_E_PARSE;
            char e = *p++;
            switch (e) {
                case '"': tmp[0] = '"'; break;
                case '\\': tmp[0] = '\\'; break;
                case '/': tmp[0] = '/'; break;
                case 'b': tmp[0] = '\b'; break;
                case 'f': tmp[0] = '\f'; break;
                case 'n': tmp[0] = '\n'; break;
                case 'r': tmp[0] = '\r'; break;
                case 't': tmp[0] = '\t'; break;
                case 'u': {
                    uint32_t c = 0;
                    for (int i = 0; i < 4; i++) {
                        int d = p < end ? wavs_hex_digit(*p++) : -1;
                        if (d < 0) return WAVS_E_PARSE;
                        c = c * 16 + (uint32_t)d;
                    }
                    if (c >= 0xD800 && c < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                        uint32_t lo = 0;
                        for (int i = 2; i < 6; i++) {
                            int d = wavs_hex_digit(p[i]);
                            if (d < 0) return WAVS_E_PARSE;
                            lo = lo * 16 + (uint32_t)d;
                        }
                        if (lo >= 0xDC00 && lo < 0xE000) {
                            c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                            p += 6;
                        }
                    }
                    k = wavs__utf8(c, tmp);
                    break;
                }
                default: return WAVS_E_PARSE;
            }
        }
        if (n + k + 1 > cap) return WAVS_E_LIMIT;
        memcpy(out + n, tmp, k);
        n += k;
    }
    out[n] = 0;
    return (int64_t)n;
}

/* Reads an unsigned 64-bit integer given as a decimal string ("42", the trigger's form),
 * a "0x" hex string, or a plain JSON number. Returns 0 or WAVS_E_PARSE. */
static inline int wavs_json_u64(wavs_json v, uint64_t* out) {
    const char* p = v.p;
    const char* end = v.p + v.len;
    if (wavs_json_type(v) == WAVS_JSON_STRING) {
        p++;
        end--;
    } else if (wavs_json_type(v) != WAVS_JSON_NUMBER) {
        return WAVS_E_PARSE;
    }
    if (p >= end) return WAVS_E_PARSE;
    uint64_t x = 0;
    if (end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        for (p += 2; p < end; p++) {
            int d = wavs_hex_digit(*p);
            if (d < 0 || x > (UINT64_MAX >> 4)) return WAVS_E_PARSE;
            x = x * 16 + (uint64_t)d;
        }
    } else {
        for (; p < end; p++) {
            if (*p < '0' || *p > '9') return WAVS_E_PARSE;
            uint64_t d = (uint64_t)(*p - '0');
            if (x > (UINT64_MAX - d) / 10) return WAVS_E_PARSE;
            x = x * 10 + d;
        }
    }
    *out = x;
    return 0;
}

/* Decodes a "0x…" hex string value into a malloc'd buffer (*out, *len). */
static inline int wavs_json_hex(wavs_json v, uint8_t** out, size_t* len) {
    *out = NULL;
    *len = 0;
    if (wavs_json_type(v) != WAVS_JSON_STRING) return WAVS_E_PARSE;
    size_t n = (v.len - 2) / 2 + 1;
    uint8_t* b = (uint8_t*)malloc(n);
    if (!b) return WAVS_E_NOMEM;
    int64_t m = wavs_hex_decode(v.p + 1, v.len - 2, b, n);
    if (m < 0) {
        free(b);
        return WAVS_E_PARSE;
    }
    *out = b;
    *len = (size_t)m;
    return 0;
}

/* Decodes a hex string value of exactly `n` bytes into out. */
static inline int wavs_json_hex_fixed(wavs_json v, uint8_t* out, size_t n) {
    if (wavs_json_type(v) != WAVS_JSON_STRING) return WAVS_E_PARSE;
    return wavs_hex_decode(v.p + 1, v.len - 2, out, n) == (int64_t)n ? 0 : WAVS_E_PARSE;
}

/* Copies a string value into a fixed char array (cut not allowed). */
#define WAVS_JSON_STR(v, arr) wavs_json_string((v), (arr), sizeof(arr))

/* ---- 4. the trigger ---------------------------------------------------------------- */

/* Reads all of stdin into a malloc'd, NUL-terminated buffer. */
static inline char* wavs_read_stdin(size_t* len) {
    size_t cap = 4096, n = 0, got;
    char* buf = (char*)malloc(cap + 1);
    if (!buf) return NULL;
    while ((got = fread(buf + n, 1, cap - n, stdin)) > 0) {
        n += got;
        if (n == cap) {
            char* bigger = (char*)realloc(buf, cap * 2 + 1);
            if (!bigger) {
                free(buf);
                return NULL;
            }
            buf = bigger;
            cap *= 2;
        }
    }
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

typedef enum {
    WAVS_TRIGGER_UNKNOWN = 0,
    WAVS_TRIGGER_EVM_CONTRACT_EVENT,
    WAVS_TRIGGER_BLOCK_INTERVAL,
    WAVS_TRIGGER_CRON,
    WAVS_TRIGGER_RAW
} wavs_trigger_kind;

typedef struct {
    char* json;          /* the whole stdin document (malloc'd) */
    size_t json_len;
    wavs_json root;      /* the parsed document, for anything not below */
    wavs_json data;      /* root.data: the variant object */
    char service_id[65]; /* 64 hex chars */
    char workflow_id[64];
    wavs_trigger_kind kind;
    char chain[64];      /* evm_contract_event, block_interval: "evm:31337" */

    /* evm_contract_event */
    uint8_t address[20];
    uint8_t topics[4][32];
    size_t topic_count;
    uint8_t* log_data;   /* malloc'd */
    size_t log_data_len;
    uint8_t tx_hash[32];
    uint8_t block_hash[32];
    uint64_t block_number, log_index, tx_index;

    uint64_t block_height; /* block_interval */
    uint64_t trigger_time; /* cron: nanoseconds since the epoch */

    uint8_t* raw;          /* raw (malloc'd) */
    size_t raw_len;
} wavs_trigger;

/* Parses a TriggerAction document (the text must outlive the trigger; it is not freed
 * by wavs_trigger_free unless it came from wavs_trigger_read). Returns 0 or WAVS_E_*. */
static inline int wavs_trigger_parse(wavs_trigger* t, const char* text, size_t len) {
    memset(t, 0, sizeof *t);
    wavs_json v, variant, log;
    int rc = wavs_json_parse(text, len, &t->root);
    if (rc) return rc;
    if (wavs_json_get(t->root, "config.service_id", &v) == 0 && WAVS_JSON_STR(v, t->service_id) < 0) return WAVS_E_PARSE;
    if (wavs_json_get(t->root, "config.workflow_id", &v) == 0 && WAVS_JSON_STR(v, t->workflow_id) < 0)
        return WAVS_E_PARSE;
    if ((rc = wavs_json_member(t->root, "data", &t->data)) != 0) return WAVS_E_PARSE;
    if (wavs_json_member(t->data, "evm_contract_event", &variant) == 0) {
        t->kind = WAVS_TRIGGER_EVM_CONTRACT_EVENT;
        wavs_json topics, topic;
        if (wavs_json_member(variant, "chain", &v) || WAVS_JSON_STR(v, t->chain) < 0) return WAVS_E_PARSE;
        if (wavs_json_member(variant, "log", &log)) return WAVS_E_PARSE;
        if (wavs_json_member(log, "address", &v) || wavs_json_hex_fixed(v, t->address, 20)) return WAVS_E_PARSE;
        if (wavs_json_member(log, "topics", &topics)) return WAVS_E_PARSE;
        for (size_t it = 0; wavs_json_next(topics, &it, NULL, &topic);) {
            if (t->topic_count == 4 || wavs_json_hex_fixed(topic, t->topics[t->topic_count], 32)) return WAVS_E_PARSE;
            t->topic_count++;
        }
        if (wavs_json_member(log, "data", &v) || wavs_json_hex(v, &t->log_data, &t->log_data_len)) return WAVS_E_PARSE;
        if (wavs_json_member(log, "tx_hash", &v) || wavs_json_hex_fixed(v, t->tx_hash, 32)) return WAVS_E_PARSE;
        if (wavs_json_member(log, "block_hash", &v) || wavs_json_hex_fixed(v, t->block_hash, 32)) return WAVS_E_PARSE;
        if (wavs_json_member(log, "block_number", &v) || wavs_json_u64(v, &t->block_number)) return WAVS_E_PARSE;
        if (wavs_json_member(log, "log_index", &v) || wavs_json_u64(v, &t->log_index)) return WAVS_E_PARSE;
        if (wavs_json_member(log, "tx_index", &v) || wavs_json_u64(v, &t->tx_index)) return WAVS_E_PARSE;
    } else if (wavs_json_member(t->data, "block_interval", &variant) == 0) {
        t->kind = WAVS_TRIGGER_BLOCK_INTERVAL;
        if (wavs_json_member(variant, "chain", &v) || WAVS_JSON_STR(v, t->chain) < 0) return WAVS_E_PARSE;
        if (wavs_json_member(variant, "block_height", &v) || wavs_json_u64(v, &t->block_height)) return WAVS_E_PARSE;
    } else if (wavs_json_member(t->data, "cron", &variant) == 0) {
        t->kind = WAVS_TRIGGER_CRON;
        if (wavs_json_member(variant, "trigger_time", &v) || wavs_json_u64(v, &t->trigger_time)) return WAVS_E_PARSE;
    } else if (wavs_json_member(t->data, "raw", &variant) == 0) {
        t->kind = WAVS_TRIGGER_RAW;
        if (wavs_json_hex(variant, &t->raw, &t->raw_len)) return WAVS_E_PARSE;
    } else {
        t->kind = WAVS_TRIGGER_UNKNOWN; /* a later variant: use t->data */
    }
    return 0;
}

static inline void wavs_trigger_free(wavs_trigger* t) {
    free(t->log_data);
    free(t->raw);
    free(t->json);
    t->log_data = t->raw = NULL;
    t->json = NULL;
}

/* Reads stdin and parses it. On failure writes a line to stderr. */
static inline int wavs_trigger_read(wavs_trigger* t) {
    size_t len = 0;
    char* text = wavs_read_stdin(&len);
    if (!text) {
        memset(t, 0, sizeof *t);
        fputs("wavs: cannot read the trigger from stdin\n", stderr);
        return WAVS_E_NOMEM;
    }
    int rc = wavs_trigger_parse(t, text, len);
    t->json = text;
    t->json_len = len;
    if (rc) fputs("wavs: the trigger on stdin is not valid TriggerAction JSON\n", stderr);
    return rc;
}

/* The bytes that "carry" the trigger: the log data for contract events, the raw bytes
 * for raw triggers; NULL/0 for the others. */
static inline const uint8_t* wavs_trigger_bytes(const wavs_trigger* t, size_t* len) {
    if (t->kind == WAVS_TRIGGER_EVM_CONTRACT_EVENT) {
        *len = t->log_data_len;
        return t->log_data;
    }
    if (t->kind == WAVS_TRIGGER_RAW) {
        *len = t->raw_len;
        return t->raw;
    }
    *len = 0;
    return NULL;
}

/* ---- 5. ABI helpers ------------------------------------------------------------------ */

/* A 32-byte word holding a uint64 (big-endian, left-padded). */
static inline void wavs_abi_put_u64(uint8_t word[32], uint64_t v) {
    memset(word, 0, 32);
    for (int i = 0; i < 8; i++) word[31 - i] = (uint8_t)(v >> (8 * i));
}

/* Reads a uint64 from a word; WAVS_E_LIMIT if the value does not fit 64 bits. */
static inline int wavs_abi_get_u64(const uint8_t word[32], uint64_t* v) {
    for (int i = 0; i < 24; i++)
        if (word[i]) return WAVS_E_LIMIT;
    uint64_t x = 0;
    for (int i = 24; i < 32; i++) x = (x << 8) | word[i];
    *v = x;
    return 0;
}

/* uint256 as 32 big-endian bytes. */
typedef struct {
    uint8_t be[32];
} wavs_u256;

static inline wavs_u256 wavs_u256_from_u64(uint64_t v) {
    wavs_u256 r;
    wavs_abi_put_u64(r.be, v);
    return r;
}

/* r = a * b mod 2^256 (schoolbook on 32-bit limbs). */
static inline wavs_u256 wavs_u256_mul(wavs_u256 a, wavs_u256 b) {
    uint32_t x[8], y[8], z[8] = {0};
    for (int i = 0; i < 8; i++) {
        x[i] = (uint32_t)a.be[31 - 4 * i] | (uint32_t)a.be[30 - 4 * i] << 8 | (uint32_t)a.be[29 - 4 * i] << 16 |
               (uint32_t)a.be[28 - 4 * i] << 24;
        y[i] = (uint32_t)b.be[31 - 4 * i] | (uint32_t)b.be[30 - 4 * i] << 8 | (uint32_t)b.be[29 - 4 * i] << 16 |
               (uint32_t)b.be[28 - 4 * i] << 24;
    }
    for (int i = 0; i < 8; i++) {
        uint64_t carry = 0;
        for (int j = 0; i + j < 8; j++) {
            uint64_t t = (uint64_t)x[i] * y[j] + z[i + j] + carry;
            z[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
    }
    wavs_u256 r;
    for (int i = 0; i < 8; i++) {
        r.be[31 - 4 * i] = (uint8_t)z[i];
        r.be[30 - 4 * i] = (uint8_t)(z[i] >> 8);
        r.be[29 - 4 * i] = (uint8_t)(z[i] >> 16);
        r.be[28 - 4 * i] = (uint8_t)(z[i] >> 24);
    }
    return r;
}

/* r = a + b mod 2^256. */
static inline wavs_u256 wavs_u256_add(wavs_u256 a, wavs_u256 b) {
    wavs_u256 r;
    unsigned carry = 0;
    for (int i = 31; i >= 0; i--) {
        unsigned s = (unsigned)a.be[i] + b.be[i] + carry;
        r.be[i] = (uint8_t)s;
        carry = s >> 8;
    }
    return r;
}

/* An address word: 12 zero bytes then the 20 address bytes. */
static inline void wavs_abi_put_address(uint8_t word[32], const uint8_t addr[20]) {
    memset(word, 0, 12);
    memcpy(word + 12, addr, 20);
}

/* A growable byte buffer (malloc'd data). */
typedef struct {
    uint8_t* data;
    size_t len, cap;
    int failed; /* set when an allocation failed; the buffer is then unusable */
} wavs_buf;

static inline int wavs_buf_reserve(wavs_buf* b, size_t extra) {
    if (b->failed) return WAVS_E_NOMEM;
    if (b->len + extra <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra) cap *= 2;
    uint8_t* d = (uint8_t*)realloc(b->data, cap);
    if (!d) {
        b->failed = 1;
        return WAVS_E_NOMEM;
    }
    b->data = d;
    b->cap = cap;
    return 0;
}
static inline int wavs_buf_append(wavs_buf* b, const void* p, size_t n) {
    if (wavs_buf_reserve(b, n)) return WAVS_E_NOMEM;
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}
static inline void wavs_buf_free(wavs_buf* b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* A tuple encoder (abi.encode(a, b, …) of a fixed number of values): reserve the head,
 * put each value by index; dynamic values (bytes, string) go to the tail. */
typedef struct {
    wavs_buf out;
    size_t head_words;
} wavs_abi_enc;

static inline int wavs_abi_enc_init(wavs_abi_enc* e, size_t n_values) {
    memset(e, 0, sizeof *e);
    e->head_words = n_values;
    if (wavs_buf_reserve(&e->out, 32 * n_values)) return WAVS_E_NOMEM;
    memset(e->out.data, 0, 32 * n_values);
    e->out.len = 32 * n_values;
    return 0;
}
static inline void wavs_abi_enc_word(wavs_abi_enc* e, size_t i, const uint8_t word[32]) {
    if (i < e->head_words && !e->out.failed) memcpy(e->out.data + 32 * i, word, 32);
}
static inline void wavs_abi_enc_u64(wavs_abi_enc* e, size_t i, uint64_t v) {
    uint8_t w[32];
    wavs_abi_put_u64(w, v);
    wavs_abi_enc_word(e, i, w);
}
static inline void wavs_abi_enc_u256(wavs_abi_enc* e, size_t i, wavs_u256 v) { wavs_abi_enc_word(e, i, v.be); }
static inline void wavs_abi_enc_address(wavs_abi_enc* e, size_t i, const uint8_t addr[20]) {
    uint8_t w[32];
    wavs_abi_put_address(w, addr);
    wavs_abi_enc_word(e, i, w);
}
/* bytes or string: offset in the head, length + data padded to 32 in the tail. */
static inline int wavs_abi_enc_bytes(wavs_abi_enc* e, size_t i, const void* p, size_t n) {
    uint8_t w[32];
    if (i >= e->head_words) return WAVS_E_INVALID;
    wavs_abi_put_u64(w, (uint64_t)e->out.len);
    wavs_abi_enc_word(e, i, w);
    wavs_abi_put_u64(w, (uint64_t)n);
    size_t padded = (n + 31) / 32 * 32;
    if (wavs_buf_append(&e->out, w, 32) || wavs_buf_reserve(&e->out, padded)) return WAVS_E_NOMEM;
    if (n) memcpy(e->out.data + e->out.len, p, n);
    memset(e->out.data + e->out.len + n, 0, padded - n);
    e->out.len += padded;
    return 0;
}
static inline int wavs_abi_enc_string(wavs_abi_enc* e, size_t i, const char* s) {
    return wavs_abi_enc_bytes(e, i, s, strlen(s));
}

/* Reads head word i of an encoded tuple as a uint64. */
static inline int wavs_abi_dec_u64(const uint8_t* data, size_t len, size_t i, uint64_t* v) {
    if (len < 32 * (i + 1)) return WAVS_E_PARSE;
    return wavs_abi_get_u64(data + 32 * i, v);
}
/* Reads head word i as an address. */
static inline int wavs_abi_dec_address(const uint8_t* data, size_t len, size_t i, uint8_t addr[20]) {
    if (len < 32 * (i + 1)) return WAVS_E_PARSE;
    memcpy(addr, data + 32 * i + 12, 20);
    return 0;
}
/* Reads a dynamic bytes/string value whose offset is head word i: *p points into data. */
static inline int wavs_abi_dec_bytes(const uint8_t* data, size_t len, size_t i, const uint8_t** p, size_t* n) {
    uint64_t off, m;
    if (wavs_abi_dec_u64(data, len, i, &off) || off > len || len - off < 32) return WAVS_E_PARSE;
    if (wavs_abi_get_u64(data + off, &m) || m > len - off - 32) return WAVS_E_PARSE;
    *p = data + off + 32;
    *n = (size_t)m;
    return 0;
}

/* The event of the project's example trigger contract (and upstream's examples):
 * `NewTrigger(bytes triggerInfo)` with triggerInfo = abi.encode(TriggerInfo{uint64
 * triggerId; address creator; bytes data}). Decodes a log's data; *data points into it. */
static inline int wavs_decode_new_trigger(const uint8_t* log_data, size_t len, uint64_t* trigger_id,
                                          uint8_t creator[20], const uint8_t** data, size_t* data_len) {
    const uint8_t* info;
    size_t info_len;
    uint64_t off;
    if (wavs_abi_dec_bytes(log_data, len, 0, &info, &info_len)) return WAVS_E_PARSE;
    if (wavs_abi_dec_u64(info, info_len, 0, &off) || off > info_len) return WAVS_E_PARSE;
    const uint8_t* tuple = info + off;
    size_t tuple_len = info_len - (size_t)off;
    if (wavs_abi_dec_u64(tuple, tuple_len, 0, trigger_id) || wavs_abi_dec_address(tuple, tuple_len, 1, creator))
        return WAVS_E_PARSE;
    return wavs_abi_dec_bytes(tuple, tuple_len, 2, data, data_len) ? WAVS_E_PARSE : 0;
}

/* ---- 6. the natural API ------------------------------------------------------------ */

/* One response without ordering or salt. */
static inline int32_t wavs_respond(const void* payload, size_t len) {
    return wavs_v1_respond(payload, (int32_t)len, 0, 0, NULL, 0);
}

typedef struct {
    int has_ordering;
    uint64_t ordering;
    const void* salt; /* NULL: no salt */
    size_t salt_len;
} wavs_respond_opts;

static inline int32_t wavs_respond_with(const void* payload, size_t len, const wavs_respond_opts* o) {
    int32_t flags = 0;
    if (o && o->has_ordering) flags |= WAVS_HAS_ORDERING;
    if (o && o->salt) flags |= WAVS_HAS_SALT;
    return wavs_v1_respond(payload, (int32_t)len, o ? (int64_t)o->ordering : 0, flags, o ? o->salt : NULL,
                           o ? (int32_t)o->salt_len : 0);
}

/* printf-style log at a level (messages over 4 KiB are cut by the host). */
static inline int32_t wavs_log(int level, const char* fmt, ...) {
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return WAVS_E_INVALID;
    if ((size_t)n < sizeof small) return wavs_v1_log(level, small, n);
    char* big = (char*)malloc((size_t)n + 1);
    if (!big) return WAVS_E_NOMEM;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    int32_t rc = wavs_v1_log(level, big, n);
    free(big);
    return rc;
}
#define wavs_log_info(...) wavs_log(WAVS_LOG_INFO, __VA_ARGS__)
#define wavs_log_warn(...) wavs_log(WAVS_LOG_WARN, __VA_ARGS__)
#define wavs_log_error(...) wavs_log(WAVS_LOG_ERROR, __VA_ARGS__)
#define wavs_log_debug(...) wavs_log(WAVS_LOG_DEBUG, __VA_ARGS__)

/* Config variable → malloc'd C string in *value. Returns its length or WAVS_E_*. */
static inline int64_t wavs_config_var(const char* key, char** value) {
    uint8_t* buf = wavs__first_buf();
    if (!buf) return WAVS_E_NOMEM;
    int64_t n = wavs_v1_config_var(key, (int32_t)strlen(key), buf, WAVS__FIRST_CAP);
    return wavs__finish(n, buf, WAVS__FIRST_CAP, (uint8_t**)value, NULL);
}

/* service_info JSON → malloc'd C string. */
static inline int64_t wavs_service_info(char** json) {
    uint8_t* buf = wavs__first_buf();
    if (!buf) return WAVS_E_NOMEM;
    return wavs__finish(wavs_v1_service_info(buf, WAVS__FIRST_CAP), buf, WAVS__FIRST_CAP, (uint8_t**)json, NULL);
}

/* chain_config JSON → malloc'd C string. */
static inline int64_t wavs_chain_config(const char* chain, char** json) {
    uint8_t* buf = wavs__first_buf();
    if (!buf) return WAVS_E_NOMEM;
    int64_t n = wavs_v1_chain_config(chain, (int32_t)strlen(chain), buf, WAVS__FIRST_CAP);
    return wavs__finish(n, buf, WAVS__FIRST_CAP, (uint8_t**)json, NULL);
}

/* The event id of a response with this salt (salt NULL: without salt). */
static inline int32_t wavs_event_id(const void* salt, size_t salt_len, uint8_t out[20]) {
    return wavs_v1_event_id(salt ? WAVS_HAS_SALT : 0, salt, (int32_t)salt_len, out);
}

typedef struct {
    const char* method;  /* NULL: GET */
    const char* url;
    const char* headers; /* "Name: value\r\n…", NULL: none */
    const void* body;
    size_t body_len;
    int32_t timeout_ms;  /* 0: the host's default */
} wavs_http_request;

typedef struct {
    uint32_t status;
    const char* headers; /* "name: value\r\n…" (points into raw) */
    size_t headers_len;
    const uint8_t* body; /* points into raw; NUL-terminated */
    size_t body_len;
    uint8_t* raw;        /* malloc'd: free with wavs_http_response_free */
} wavs_http_response;

static inline void wavs_http_response_free(wavs_http_response* r) {
    free(r->raw);
    memset(r, 0, sizeof *r);
}

/* Sends a request; 0 on success (any status), WAVS_E_* otherwise. */
static inline int64_t wavs_http_send(const wavs_http_request* q, wavs_http_response* r) {
    memset(r, 0, sizeof *r);
    const char* method = q->method ? q->method : "GET";
    const char* headers = q->headers ? q->headers : "";
    uint8_t* buf = (uint8_t*)malloc(4096);
    if (!buf) return WAVS_E_NOMEM;
    int64_t n = wavs_v1_http_request(method, (int32_t)strlen(method), q->url, (int32_t)strlen(q->url), headers,
                                     (int32_t)strlen(headers), q->body, (int32_t)q->body_len, q->timeout_ms, buf, 4096);
    size_t len = 0;
    int64_t rc = wavs__finish(n, buf, 4096, &r->raw, &len);
    if (rc < 0) return rc;
    uint32_t hl;
    if (len < 8) goto bad;
    r->status = (uint32_t)r->raw[0] | (uint32_t)r->raw[1] << 8 | (uint32_t)r->raw[2] << 16 | (uint32_t)r->raw[3] << 24;
    hl = (uint32_t)r->raw[4] | (uint32_t)r->raw[5] << 8 | (uint32_t)r->raw[6] << 16 | (uint32_t)r->raw[7] << 24;
    if (hl > len - 8) goto bad;
    r->headers = (const char*)r->raw + 8;
    r->headers_len = hl;
    r->body = r->raw + 8 + hl;
    r->body_len = len - 8 - hl;
    return 0;
bad:
    wavs_http_response_free(r);
    return WAVS_E_PARSE;
}

static inline int64_t wavs_http_get(const char* url, wavs_http_response* r) {
    wavs_http_request q;
    memset(&q, 0, sizeof q);
    q.url = url;
    return wavs_http_send(&q, r);
}

/* A response header's value (name lower-case) into out; WAVS_E_NOT_FOUND if absent. */
static inline int64_t wavs_http_header(const wavs_http_response* r, const char* name, char* out, size_t cap) {
    size_t nl = strlen(name);
    const char* p = r->headers;
    const char* end = r->headers + r->headers_len;
    while (p < end) {
        const char* eol = p;
        while (eol < end && *eol != '\r' && *eol != '\n') eol++;
        if ((size_t)(eol - p) > nl + 1 && memcmp(p, name, nl) == 0 && p[nl] == ':') {
            const char* v = p + nl + 1;
            while (v < eol && *v == ' ') v++;
            size_t n = (size_t)(eol - v);
            if (n + 1 > cap) return WAVS_E_LIMIT;
            memcpy(out, v, n);
            out[n] = 0;
            return (int64_t)n;
        }
        p = eol;
        while (p < end && (*p == '\r' || *p == '\n')) p++;
    }
    return WAVS_E_NOT_FOUND;
}

/* JSON-RPC to a chain the node knows; *result is the malloc'd JSON text of "result". */
static inline int64_t wavs_chain_rpc(const char* chain, const char* method, const char* params_json, char** result) {
    uint8_t* buf = wavs__first_buf();
    if (!buf) return WAVS_E_NOMEM;
    const char* params = params_json ? params_json : "[]";
    int64_t n = wavs_v1_chain_rpc(chain, (int32_t)strlen(chain), method, (int32_t)strlen(method), params,
                                  (int32_t)strlen(params), buf, WAVS__FIRST_CAP);
    return wavs__finish(n, buf, WAVS__FIRST_CAP, (uint8_t**)result, NULL);
}

/* eth_call(to, calldata) at `block` ("latest", or "0x…" from wavs_block_tag()); the
 * return data in a malloc'd buffer (*out, *out_len). */
static inline int64_t wavs_eth_call(const char* chain, const uint8_t to[20], const uint8_t* data, size_t data_len,
                                    const char* block, uint8_t** out, size_t* out_len) {
    *out = NULL;
    *out_len = 0;
    char to_hex[43];
    wavs_hex_encode(to, 20, to_hex);
    size_t cap = 2 * data_len + 128 + strlen(block);
    char* params = (char*)malloc(cap);
    if (!params) return WAVS_E_NOMEM;
    int k = snprintf(params, cap, "[{\"to\":\"%s\",\"data\":\"", to_hex);
    wavs_hex_encode(data, data_len, params + k);
    k += 2 + 2 * (int)data_len;
    snprintf(params + k, cap - (size_t)k, "\"},\"%s\"]", block);
    char* result = NULL;
    int64_t rc = wavs_chain_rpc(chain, "eth_call", params, &result);
    free(params);
    if (rc < 0) return rc;
    wavs_json v;
    int prc = wavs_json_parse(result, (size_t)rc, &v);
    if (prc == 0) prc = wavs_json_hex(v, out, out_len);
    free(result);
    return prc;
}

/* A block number as the "0x…" quantity JSON-RPC wants (buf: 19 bytes). */
static inline const char* wavs_block_tag(uint64_t block, char buf[19]) {
    snprintf(buf, 19, "0x%llx", (unsigned long long)block);
    return buf;
}

/* KV. Keys and values are byte strings; the C-string forms use strlen. */
static inline int64_t wavs_kv_get(const char* bucket, const void* key, size_t key_len, uint8_t** value, size_t* len) {
    uint8_t* buf = wavs__first_buf();
    if (!buf) return WAVS_E_NOMEM;
    int64_t n = wavs_v1_kv_get(bucket, (int32_t)strlen(bucket), key, (int32_t)key_len, buf, WAVS__FIRST_CAP);
    return wavs__finish(n, buf, WAVS__FIRST_CAP, value, len);
}
static inline int32_t wavs_kv_set(const char* bucket, const void* key, size_t key_len, const void* value,
                                  size_t value_len) {
    return wavs_v1_kv_set(bucket, (int32_t)strlen(bucket), key, (int32_t)key_len, value, (int32_t)value_len);
}
static inline int32_t wavs_kv_delete(const char* bucket, const void* key, size_t key_len) {
    return wavs_v1_kv_delete(bucket, (int32_t)strlen(bucket), key, (int32_t)key_len);
}
/* Adds delta; the new value in *value. Returns 0 or WAVS_E_*. */
static inline int32_t wavs_kv_increment(const char* bucket, const void* key, size_t key_len, int64_t delta,
                                        int64_t* value) {
    uint8_t le[8];
    int32_t rc = wavs_v1_kv_increment(bucket, (int32_t)strlen(bucket), key, (int32_t)key_len, delta, le);
    if (rc == 0 && value) {
        uint64_t v = 0;
        for (int i = 7; i >= 0; i--) v = (v << 8) | le[i];
        *value = (int64_t)v;
    }
    return rc;
}

/* Key listing: a page at a time.
 *   wavs_kv_page page;
 *   wavs_kv_list(&page, "bucket", NULL, 0, 100);          // first page
 *   const uint8_t* k; size_t n;
 *   for (size_t it = 0; wavs_kv_page_next(&page, &it, &k, &n);) …
 *   next page: cursor = the last key seen; the end: fewer than `limit` keys. */
typedef struct {
    uint8_t* raw; /* malloc'd */
    size_t len;
    size_t count;
} wavs_kv_page;

static inline int wavs_kv_page_next(const wavs_kv_page* p, size_t* it, const uint8_t** key, size_t* key_len) {
    if (*it + 4 > p->len) return 0;
    const uint8_t* q = p->raw + *it;
    size_t n = (size_t)q[0] | (size_t)q[1] << 8 | (size_t)q[2] << 16 | (size_t)q[3] << 24;
    if (n > p->len - *it - 4) return 0;
    *key = q + 4;
    *key_len = n;
    *it += 4 + n;
    return 1;
}

static inline int64_t wavs_kv_list(wavs_kv_page* page, const char* bucket, const void* cursor, size_t cursor_len,
                                   int32_t limit) {
    memset(page, 0, sizeof *page);
    uint8_t* buf = (uint8_t*)malloc(4096);
    if (!buf) return WAVS_E_NOMEM;
    int64_t n = wavs_v1_kv_list(bucket, (int32_t)strlen(bucket), cursor, (int32_t)cursor_len, limit, buf, 4096);
    int64_t rc = wavs__finish(n, buf, 4096, &page->raw, &page->len);
    if (rc < 0) return rc;
    const uint8_t* k;
    size_t kl;
    for (size_t it = 0; wavs_kv_page_next(page, &it, &k, &kl);) page->count++;
    return (int64_t)page->count;
}

static inline void wavs_kv_page_free(wavs_kv_page* p) {
    free(p->raw);
    memset(p, 0, sizeof *p);
}

/* Prints "what: <code name>: <host message>" to stderr and returns 1 (an exit status). */
static inline int wavs_fail(const char* what, int64_t code) {
    char msg[256];
    if (code > WAVS_E_NOMEM && code < 0)
        fprintf(stderr, "%s: %s: %s\n", what, wavs_strerror(code), wavs_last_error(msg, sizeof msg));
    else
        fprintf(stderr, "%s: %s\n", what, wavs_strerror(code));
    return 1;
}

#ifdef __cplusplus
}
#endif
#endif /* WAVS_SDK_H */
