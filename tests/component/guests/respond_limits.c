/* The response limits of docs/component-abi.md, chosen by config `mode`:
 *   size:  a payload over 1 MiB is refused (WAVS_E_LIMIT); eight salted 1 MiB payloads
 *          are accepted; one byte more would pass 8 MiB in total and is refused;
 *   count: a repeated salt is refused (WAVS_E_INVALID); 64 salted responses are
 *          accepted; the 65th is refused (WAVS_E_LIMIT).
 * Prints every unexpected result and exits 0 only if all were as documented. */
#include "wavs.h"

static int failures = 0;

static void expect(const char* what, int i, int32_t got, int32_t want) {
    if (got != want) {
        printf("%s %d: got %d, want %d\n", what, i, (int)got, (int)want);
        failures++;
    }
}

static int32_t respond_salted(const void* p, int32_t n, int i) {
    char salt[16];
    int len = snprintf(salt, sizeof salt, "s%d", i);
    return wavs_v1_respond(p, n, 0, WAVS_HAS_SALT, salt, len);
}

int main(void) {
    char* mode = NULL;
    if (wavs_config_var("mode", &mode) < 0) return 2;
    if (strcmp(mode, "size") == 0) {
        const int32_t mib = 1 << 20;
        uint8_t* big = malloc((size_t)mib + 1);
        if (!big) return 3;
        for (int32_t i = 0; i <= mib; i++) big[i] = (uint8_t)(i * 31 + 7);
        expect("over 1 MiB", 0, respond_salted(big, mib + 1, 100), WAVS_E_LIMIT);
        for (int i = 0; i < 8; i++) expect("1 MiB", i, respond_salted(big, mib, i), 0);
        expect("past 8 MiB", 8, respond_salted(big, 1, 8), WAVS_E_LIMIT);
    } else if (strcmp(mode, "count") == 0) {
        expect("first", 0, respond_salted("r", 1, 0), 0);
        expect("same salt", 0, respond_salted("r", 1, 0), WAVS_E_INVALID);
        for (int i = 1; i < 64; i++) expect("salted", i, respond_salted("r", 1, i), 0);
        expect("65th", 64, respond_salted("r", 1, 64), WAVS_E_LIMIT);
    } else {
        return 2;
    }
    printf("failures=%d\n", failures);
    return failures == 0 ? 0 : 1;
}
