/* step_api_key: methods with apiKeyRequired need a key — the x-api-key
 * header (apiKeySource HEADER) or the custom authorizer's usageIdentifierKey
 * (apiKeySource AUTHORIZER; the authorize step runs first) — that is enabled
 * and in a usage plan serving this API stage. Anything else
 * is the reference's 403 {"message":"Forbidden"}; the lookup hashes the
 * presented value and probes the key table, so its cost does not depend on
 * how many keys exist. */
#include <string.h>

#include "crypto.h"
#include "gwresp.h"
#include "steps.h"

typedef struct {
    dp_request_t *r;
    const rt_stage_t *stage;
} key_match_t;

static int key_visit(void *ctx, const keytab_hit_t *hit)
{
    key_match_t *m = ctx;
    for (size_t i = 0; i < m->stage->nplans; i++) {
        if (m->stage->plans[i].plan->index == hit->plan) {
            m->r->plan_stage = &m->stage->plans[i];
            m->r->key = *hit;
            return 1;
        }
    }
    return 0;
}

enum step_result step_api_key(dp_request_t *r)
{
    if (!r->method->api_key_required)
        return STEP_CONTINUE;
    size_t len = 0;
    const char *value = r->deployment->api_key_from_header
                            ? request_header(r, H2O_STRLIT("x-api-key"), &len)
                            : r->usage_identifier_key;
    if (value != NULL && !r->deployment->api_key_from_header)
        len = strlen(value);
    if (value == NULL || len == 0) {
        gwresp_send(r, GW_INVALID_API_KEY);
        return STEP_DONE;
    }
    uint8_t sha[CRYPTO_SHA256_LEN];
    crypto_hasher_sha256(r->thread->hasher, value, len, sha);
    key_match_t m = {r, r->stage};
    if (r->stage->nplans == 0 || keytab_find(r->rt->keys, sha, key_visit, &m) == 0) {
        gwresp_send(r, GW_INVALID_API_KEY);
        return STEP_DONE;
    }
    return STEP_CONTINUE;
}
