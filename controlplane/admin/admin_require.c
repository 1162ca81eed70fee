/* admin_require: each lookup reads one row with the admin loop's connection
 * and, when it is missing, answers with the reference's message. */
#include "admin_require.h"

#include <stdio.h>

#include "store_api.h"
#include "store_deploy.h"

int admin_require_api(admin_call_t *c, json_t **doc)
{
    const char *id = admin_arg(c, "restapi_id");
    json_t *found = NULL;
    int rc = store_restapi_get(c->store, id, &found);
    if (rc != STORE_OK) {
        char msg[160];
        snprintf(msg, sizeof(msg), "Invalid API identifier specified %s:%s", ADMIN_ACCOUNT_ID, id);
        admin_store_fail(c, rc, msg);
        return -1;
    }
    if (doc != NULL)
        *doc = found;
    else
        json_decref(found);
    return 0;
}

int admin_require_resource(admin_call_t *c, json_t **res)
{
    if (admin_require_api(c, NULL) != 0)
        return -1;
    json_t *found = NULL;
    int rc = store_resource_get(c->store, admin_arg(c, "restapi_id"), admin_arg(c, "resource_id"),
                                &found);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid Resource identifier specified");
        return -1;
    }
    if (res != NULL)
        *res = found;
    else
        json_decref(found);
    return 0;
}

int admin_require_deployment(admin_call_t *c, const char *id, int status_when_missing)
{
    json_t *d;
    int rc = store_deployment_get(c->store, admin_arg(c, "restapi_id"), id != NULL ? id : "", &d);
    if (rc == STORE_OK) {
        json_decref(d);
        return 0;
    }
    if (rc == STORE_ENOTFOUND)
        admin_fail(c, status_when_missing,
                   status_when_missing == 404 ? "NotFoundException" : "BadRequestException",
                   "Invalid Deployment identifier specified");
    else
        admin_store_fail(c, rc, "");
    return -1;
}
