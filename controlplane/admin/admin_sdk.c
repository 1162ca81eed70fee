/* admin_sdk: the archive holds apiGateway-js-sdk/apigClient.js and its
 * README.md, as the reference's javascript SDK is laid out (without its
 * bundled libraries, which this client does not need). */
#include "admin_sdk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_export.h"
#include "admin_require.h"
#include "sdk_js.h"
#include "zipw.h"

void admin_sdk_get(admin_call_t *c)
{
    const char *type = admin_arg(c, "sdk_type");
    static const char *const reference_types[] = {"java",  "android", "objectivec",
                                                  "swift", "ruby",    NULL};
    if (strcmp(type, "javascript") != 0) {
        for (const char *const *t = reference_types; *t != NULL; t++)
            if (strcmp(*t, type) == 0) {
                admin_bad_request(c, "SDK type %s is not supported here; javascript is", type);
                return;
            }
        admin_not_found(c, "Invalid SDK type specified: %s", type);
        return;
    }
    json_t *api = NULL;
    if (admin_require_api(c, &api) != 0)
        return;
    Portico__ApiDefinition *def = admin_export_definition(c);
    if (def == NULL) {
        json_decref(api);
        return;
    }
    const char *name = json_string_value(json_object_get(api, "name"));
    const char *stage = admin_arg(c, "stage_name");
    char *js = sdk_js_client(def, name != NULL ? name : def->api_id, stage);
    char *readme = sdk_js_readme(name != NULL ? name : def->api_id, stage);
    char *zip = NULL;
    size_t zip_len = 0;
    zipw_entry_t files[] = {
        {"apiGateway-js-sdk/apigClient.js", js, js != NULL ? strlen(js) : 0},
        {"apiGateway-js-sdk/README.md", readme, readme != NULL ? strlen(readme) : 0},
    };
    if (js == NULL || readme == NULL || zipw_build(files, 2, &zip, &zip_len) != 0) {
        admin_fail(c, 500, "InternalFailure", "The SDK could not be generated");
    } else {
        char disp[300];
        snprintf(disp, sizeof(disp), "attachment; filename=\"javascript_%s.zip\"", stage);
        h2o_iovec_t d = h2o_strdup(&c->req->pool, disp, SIZE_MAX);
        h2o_add_header(&c->req->pool, &c->req->res.headers, H2O_TOKEN_CONTENT_DISPOSITION, NULL,
                       d.base, d.len);
        admin_reply_text(c, 200, "application/zip", zip, zip_len);
    }
    free(js);
    free(readme);
    portico__api_definition__free_unpacked(def, NULL);
    json_decref(api);
}
