/* libFuzzer target: JWKS documents and OpenID configurations as fetched from
 * an identity provider (untrusted input to the control plane). */
#include <stdint.h>
#include <stdlib.h>

#include "jwk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    json_t *keys = NULL;
    int skipped;
    if (jwk_convert_set((const char *)data, size, &keys, &skipped, err, sizeof(err)) == 0)
        json_decref(keys);
    free(jwk_discovery_jwks_uri((const char *)data, size, "https://issuer.example", err,
                                sizeof(err)));
    return 0;
}
