/* codefetch: KIND_CODE_FETCH answers (codefetch.h). */
#include "codefetch.h"

#include <stdlib.h>

#include "log.h"
#include "store_function.h"

static void codefetch_error(envelope_t *reply, const char *msg, size_t len)
{
    reply->kind = PORTICO__MESSAGE_KIND__KIND_ERROR;
    reply->payload = (const uint8_t *)msg;
    reply->payload_len = len;
}

int codefetch_answer(const envelope_t *req, codefetch_fn fn, void *ctx, envelope_t *reply,
                     uint8_t **owned)
{
    static const char unknown[] = "unknown code", bad[] = "bad code fetch",
                      failed[] = "code unavailable";
    *owned = NULL;
    Portico__CodeFetch *cf = portico__code_fetch__unpack(NULL, req->payload_len, req->payload);
    if (cf == NULL || cf->code_sha256.len != 32 || fn == NULL) {
        if (cf != NULL)
            portico__code_fetch__free_unpacked(cf, NULL);
        codefetch_error(reply, bad, sizeof(bad) - 1);
        return 0;
    }
    uint8_t *zip = NULL;
    size_t len = 0;
    int rc = fn(ctx, cf->code_sha256.data, &zip, &len);
    if (rc == 0) {
        reply->kind = PORTICO__MESSAGE_KIND__KIND_CODE;
        reply->payload = zip;
        reply->payload_len = len;
        *owned = zip;
    } else if (rc == 1) {
        codefetch_error(reply, unknown, sizeof(unknown) - 1);
    } else {
        log_warn("cluster: node %s asked for code the store could not read", cf->node_id);
        codefetch_error(reply, failed, sizeof(failed) - 1);
    }
    portico__code_fetch__free_unpacked(cf, NULL);
    return 0;
}

int codefetch_from_store(void *store, const uint8_t sha256[32], uint8_t **zip, size_t *len)
{
    int rc = store_code_get(store, sha256, zip, len);
    return rc == STORE_OK ? 0 : rc == STORE_ENOTFOUND ? 1 : -1;
}
