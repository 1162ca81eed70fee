/* openapi_ref: model "$ref" rewriting in both directions. */
#include "openapi_ref.h"

#include <stdio.h>
#include <string.h>

#include "modelurl.h"

#define OPENAPI_REF_MAX_DEPTH 128

static const char *const local_prefixes[] = {"#/definitions/", "#/components/schemas/", NULL};

/* The model a ref names: a local document ref or any API's model URL. */
static const char *ref_target(const char *ref)
{
    for (int i = 0; local_prefixes[i] != NULL; i++)
        if (strncmp(ref, local_prefixes[i], strlen(local_prefixes[i])) == 0)
            return ref + strlen(local_prefixes[i]);
    if (strncmp(ref, MODELURL_PREFIX, strlen(MODELURL_PREFIX)) == 0) {
        const char *m = strstr(ref + strlen(MODELURL_PREFIX), "/models/");
        return m != NULL ? m + strlen("/models/") : NULL;
    }
    return NULL;
}

typedef struct {
    const char *api_id;
    json_t *models;
    char *err;
    size_t err_len;
} to_url_t;

static int to_url_walk(to_url_t *t, json_t *v, int depth);

static int to_url_ref(to_url_t *t, json_t *obj, json_t *ref)
{
    const char *name = ref_target(json_string_value(ref));
    char url[600];
    if (name == NULL || json_object_get(t->models, name) == NULL) {
        snprintf(t->err, t->err_len, "Invalid model reference: %s", json_string_value(ref));
        return -1;
    }
    if (modelurl_format(url, sizeof(url), t->api_id, name) != 0) {
        snprintf(t->err, t->err_len, "Invalid model reference: %s", json_string_value(ref));
        return -1;
    }
    json_object_set_new(obj, "$ref", json_string(url));
    return 0;
}

static int to_url_walk(to_url_t *t, json_t *v, int depth)
{
    if (depth > OPENAPI_REF_MAX_DEPTH) {
        snprintf(t->err, t->err_len, "Invalid model: nesting too deep");
        return -1;
    }
    size_t i;
    json_t *x;
    const char *k;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x) if (to_url_walk(t, x, depth + 1) != 0) return -1;
        return 0;
    }
    if (!json_is_object(v))
        return 0;
    json_t *ref = json_object_get(v, "$ref");
    if (json_is_string(ref) && to_url_ref(t, v, ref) != 0)
        return -1;
    json_object_foreach(v, k, x)
    {
        if (strcmp(k, "$ref") != 0 && to_url_walk(t, x, depth + 1) != 0)
            return -1;
    }
    return 0;
}

int openapi_ref_to_url(json_t *schema, const char *api_id, json_t *models, char *err,
                       size_t err_len)
{
    to_url_t t = {api_id, models, err, err_len};
    return to_url_walk(&t, schema, 0);
}

static void from_url_walk(json_t *v, const char *api_id, const char *prefix, int depth)
{
    size_t i;
    json_t *x;
    const char *k;
    if (depth > OPENAPI_REF_MAX_DEPTH)
        return;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x) from_url_walk(x, api_id, prefix, depth + 1);
        return;
    }
    if (!json_is_object(v))
        return;
    const char *ref = json_string_value(json_object_get(v, "$ref"));
    const char *name = ref != NULL ? modelurl_name(ref, api_id) : NULL;
    if (name != NULL) {
        char local[600];
        snprintf(local, sizeof(local), "%s%s", prefix, name);
        json_object_set_new(v, "$ref", json_string(local));
    }
    json_object_foreach(v, k, x) from_url_walk(x, api_id, prefix, depth + 1);
}

void openapi_ref_from_url(json_t *schema, const char *api_id, const char *prefix)
{
    from_url_walk(schema, api_id, prefix, 0);
}
