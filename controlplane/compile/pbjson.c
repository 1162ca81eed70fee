/* pbjson: arrays get one spare slot so an empty list is never a NULL pointer. */
#include "pbjson.h"

char *pbjson_str(arena_t *a, json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return arena_strdup(a, v != NULL ? v : "");
}

void pbjson_kv_list(arena_t *a, json_t *map, size_t *n, Portico__KeyValue ***out)
{
    *n = json_object_size(map);
    *out = arena_alloc(a, sizeof(**out) * (*n + 1));
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(map, k, v)
    {
        Portico__KeyValue *kv = arena_alloc(a, sizeof(*kv));
        portico__key_value__init(kv);
        kv->key = arena_strdup(a, k);
        kv->value = arena_strdup(a, json_is_string(v) ? json_string_value(v) : "");
        (*out)[i++] = kv;
    }
}

void pbjson_flag_list(arena_t *a, json_t *map, size_t *n, Portico__ParamFlag ***out)
{
    *n = json_object_size(map);
    *out = arena_alloc(a, sizeof(**out) * (*n + 1));
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(map, k, v)
    {
        Portico__ParamFlag *f = arena_alloc(a, sizeof(*f));
        portico__param_flag__init(f);
        f->name = arena_strdup(a, k);
        f->required = json_is_true(v);
        (*out)[i++] = f;
    }
}

void pbjson_string_list(arena_t *a, json_t *arr, size_t *n, char ***out)
{
    *n = json_array_size(arr);
    *out = arena_alloc(a, sizeof(**out) * (*n + 1));
    for (size_t i = 0; i < *n; i++) {
        const char *v = json_string_value(json_array_get(arr, i));
        (*out)[i] = arena_strdup(a, v != NULL ? v : "");
    }
}
