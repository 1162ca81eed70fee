/* admin_export: the stage's deployed definition as an OpenAPI document. */
#include "admin_export.h"

#include <stdlib.h>
#include <string.h>

#include "admin_require.h"
#include "openapi_out.h"
#include "store_deploy.h"
#include "yamljson.h"

static int export_extensions(admin_call_t *c, int *out)
{
    static const struct {
        const char *name;
        int bit;
    } names[] = {{"integrations", OPENAPI_EXT_INTEGRATIONS},
                 {"authorizers", OPENAPI_EXT_AUTHORIZERS},
                 {"apigateway", OPENAPI_EXT_APIGATEWAY},
                 {"postman", OPENAPI_EXT_POSTMAN},
                 {NULL, 0}};
    const char *q = admin_query(c, "extensions");
    *out = 0;
    if (q == NULL || q[0] == '\0')
        return 0;
    char *copy = strdup(q), *save = NULL;
    int rc = copy != NULL ? 0 : -1;
    for (char *t = copy != NULL ? strtok_r(copy, ",", &save) : NULL; t != NULL && rc == 0;
         t = strtok_r(NULL, ",", &save)) {
        int i = 0;
        while (names[i].name != NULL && strcmp(names[i].name, t) != 0)
            i++;
        if (names[i].name == NULL) {
            admin_bad_request(c, "Invalid extensions parameter: %s", t);
            rc = -1;
        }
        *out |= names[i].bit;
    }
    free(copy);
    return rc;
}

static int wants_yaml(admin_call_t *c)
{
    ssize_t i = h2o_find_header(&c->req->headers, H2O_TOKEN_ACCEPT, -1);
    if (i < 0)
        return 0;
    h2o_iovec_t v = c->req->headers.entries[i].value;
    return h2o_strstr(v.base, v.len, H2O_STRLIT("application/yaml")) != SIZE_MAX ||
           h2o_strstr(v.base, v.len, H2O_STRLIT("application/x-yaml")) != SIZE_MAX;
}

Portico__ApiDefinition *admin_export_definition(admin_call_t *c)
{
    json_t *stage;
    const char *api_id = admin_arg(c, "restapi_id");
    int rc = store_stage_get(c->store, api_id, admin_arg(c, "stage_name"), &stage);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid stage identifier specified");
        return NULL;
    }
    uint8_t *bytes = NULL;
    size_t len = 0;
    const char *dep = json_string_value(json_object_get(stage, "deploymentId"));
    rc = dep != NULL ? store_deployment_definition(c->store, api_id, dep, &bytes, &len)
                     : STORE_ENOTFOUND;
    json_decref(stage);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid deployment identifier specified");
        return NULL;
    }
    Portico__ApiDefinition *def = portico__api_definition__unpack(NULL, len, bytes);
    free(bytes);
    if (def == NULL)
        admin_store_fail(c, STORE_EIO, "");
    return def;
}

static void export_reply(admin_call_t *c, json_t *doc)
{
    char *text = NULL;
    size_t len = 0;
    if (wants_yaml(c)) {
        if (yamljson_dump(doc, &text, &len) == 0) {
            admin_reply_text(c, 200, "application/yaml", text, len);
            return;
        }
        admin_store_fail(c, STORE_EIO, "");
        return;
    }
    text = json_dumps(doc, JSON_INDENT(2));
    if (text == NULL) {
        admin_store_fail(c, STORE_EIO, "");
        return;
    }
    admin_reply_text(c, 200, "application/json", text, strlen(text));
}

void admin_export_get(admin_call_t *c)
{
    const char *type = admin_arg(c, "export_type");
    openapi_out_opts_t o = {.stage = admin_arg(c, "stage_name")};
    json_t *api = NULL;
    if (strcmp(type, "oas30") != 0 && strcmp(type, "swagger") != 0) {
        admin_not_found(c, "Invalid export type specified: %s (oas30 or swagger)", type);
        return;
    }
    o.oas30 = strcmp(type, "oas30") == 0;
    if (export_extensions(c, &o.extensions) != 0 || admin_require_api(c, &api) != 0)
        return;
    Portico__ApiDefinition *def = admin_export_definition(c);
    if (def != NULL) {
        json_t *doc = openapi_out_document(def, api, &o);
        export_reply(c, doc);
        json_decref(doc);
        portico__api_definition__free_unpacked(def, NULL);
    }
    json_decref(api);
}
