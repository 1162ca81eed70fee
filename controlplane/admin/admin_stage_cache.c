/* admin_stage_cache: the flush writes the stage document in its own
 * transaction, like every other stage change. */
#include "admin_stage_cache.h"

#include <stdint.h>

#include "admin_require.h"
#include "crypto.h"
#include "store_deploy.h"

void admin_stage_cache_stamp(json_t *doc)
{
    json_int_t old = json_integer_value(json_object_get(doc, STAGE_CACHE_GENERATION));
    uint64_t g;
    do {
        crypto_random(&g, sizeof(g));
        g &= ((uint64_t)1 << 53) - 1; /* exact in any JSON reader */
    } while (g == 0 || (json_int_t)g == old);
    json_object_set_new(doc, STAGE_CACHE_GENERATION, json_integer((json_int_t)g));
}

json_t *admin_stage_cache_hide(json_t *doc)
{
    json_object_del(doc, STAGE_CACHE_GENERATION);
    return doc;
}

void admin_stage_cache_flush(admin_call_t *c)
{
    const char *api_id = admin_arg(c, "restapi_id"), *name = admin_arg(c, "stage_name");
    json_t *doc = NULL;
    if (admin_require_api(c, NULL) != 0 || admin_begin(c) != 0)
        return;
    int rc = store_stage_get(c->store, api_id, name, &doc);
    if (rc == STORE_OK) {
        admin_stage_cache_stamp(doc);
        /* a flush is not a change of the stage's settings: its dates stay */
        json_int_t updated = json_integer_value(json_object_get(doc, "lastUpdatedDate"));
        rc = store_stage_update(c->store, api_id, name, updated, doc);
    }
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_STAGES, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid Stage identifier specified");
        goto out;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 202, NULL);
out:
    json_decref(doc);
}

int admin_stage_cache_check(admin_call_t *c, json_t *doc)
{
    const char *key;
    json_t *ms;
    json_object_foreach(json_object_get(doc, "methodSettings"), key, ms)
    {
        if (json_is_true(json_object_get(ms, "cacheDataEncrypted"))) {
            admin_bad_request(c,
                              "Invalid method setting for %s: caching/dataEncrypted is not "
                              "supported (cached responses are kept only in the memory of the "
                              "data-plane nodes)",
                              key);
            return -1;
        }
    }
    return 0;
}
