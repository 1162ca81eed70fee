/* libFuzzer target: SigV4 parsing, the canonical request and verification on
 * arbitrary requests. The input is split at '\n' into path, query, then
 * header lines "name:value" (an Authorization or X-Amz-* query included), and
 * the rest after a NUL byte is the body. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sigv4.h"

#define MAX_HEADERS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    const char *nul = memchr(p, '\0', size);
    const char *body = nul != NULL ? nul + 1 : end;
    const char *head_end = nul != NULL ? nul : end;
    const char *lines[MAX_HEADERS + 2];
    size_t lens[MAX_HEADERS + 2];
    size_t n = 0;
    while (p < head_end && n < MAX_HEADERS + 2) {
        const char *nl = memchr(p, '\n', (size_t)(head_end - p));
        const char *stop = nl != NULL ? nl : head_end;
        lines[n] = p;
        lens[n++] = (size_t)(stop - p);
        p = nl != NULL ? nl + 1 : head_end;
    }
    if (n < 2)
        return 0;
    sigv4_header_t h[MAX_HEADERS];
    size_t nh = 0;
    for (size_t i = 2; i < n; i++) {
        const char *colon = memchr(lines[i], ':', lens[i]);
        if (colon == NULL)
            continue;
        size_t nl = (size_t)(colon - lines[i]);
        h[nh++] = (sigv4_header_t){lines[i], nl, colon + 1, lens[i] - nl - 1};
    }
    sigv4_request_t r = {"POST", 4, lines[0], lens[0], lines[1], lens[1], h, nh};
    sigv4_auth_t a;
    char msg[256];
    uint8_t key[SIGV4_KEY_LEN] = {1, 2, 3};
    if (sigv4_parse(&r, &a) != SIGV4_OK)
        return 0;
    sigv4_check_time(&a, 1796032800, msg, sizeof(msg));
    sigv4_signing_key("secret", 6, a.date, a.region, a.service, key);
    free(sigv4_canonical_request(&r, &a, "UNSIGNED-PAYLOAD"));
    sigv4_verify(&r, &a, key, body, (size_t)(end - body), 1);
    return 0;
}
