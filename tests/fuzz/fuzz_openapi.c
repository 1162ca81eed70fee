/* libFuzzer target: OpenAPI import's parsing (controlplane/compile): the
 * input is read as JSON or YAML (yamljson_load), planned as an OpenAPI
 * document (openapi_in_plan) with each base path mode, and every planned
 * model's "$ref"s are rewritten (openapi_ref_to_url) and back. Whatever
 * parses must also dump as YAML and read back equal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "openapi_in.h"
#include "openapi_ref.h"
#include "yamljson.h"

static void check_dump(json_t *doc)
{
    char *text, err[256];
    size_t len;
    json_t *back = NULL;
    if (yamljson_dump(doc, &text, &len) != 0)
        return;
    if (yamljson_load(text, len, &back, err, sizeof(err)) != 0 || !json_equal(doc, back))
        abort(); /* a dump that does not read back the same */
    json_decref(back);
    free(text);
}

static void check_models(json_t *plan)
{
    json_t *models = json_object_get(plan, "models");
    const char *name;
    json_t *m;
    char err[256];
    json_object_foreach(models, name, m)
    {
        json_t *schema = json_deep_copy(json_object_get(m, "schema"));
        if (openapi_ref_to_url(schema, "fuzzapi", models, err, sizeof(err)) == 0)
            openapi_ref_from_url(schema, "fuzzapi", "#/definitions/");
        json_decref(schema);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc;
    char err[600];
    if (yamljson_load((const char *)data, size, &doc, err, sizeof(err)) != 0)
        return 0;
    check_dump(doc);
    for (int mode = OPENAPI_BASEPATH_IGNORE; mode <= OPENAPI_BASEPATH_SPLIT; mode++) {
        json_t *plan = openapi_in_plan(doc, (enum openapi_basepath)mode, err, sizeof(err));
        if (plan != NULL)
            check_models(plan);
        json_decref(plan);
    }
    json_decref(doc);
    return 0;
}
