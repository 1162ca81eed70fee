/* libFuzzer target: JSON Schema draft 4 (common/jsonschema). The input is a
 * schema and a document separated by the first newline; the schema is
 * checked against the meta-schema, compiled (references to "http://m/X"
 * resolve to the schema itself, to exercise the resolver) and the document
 * validated both quietly and collecting messages, which must agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonschema.h"

static json_t *self;

static json_t *resolve(void *arg, const char *uri)
{
    return strncmp(uri, "http://m/", 9) == 0 ? json_incref(self) : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t slen = nl != NULL ? (size_t)(nl - data) : size;
    json_t *schema = json_loadb((const char *)data, slen, JSON_ALLOW_NUL, NULL);
    if (schema == NULL)
        return 0;
    json_t *doc = nl != NULL ? json_loadb((const char *)nl + 1, size - slen - 1,
                                          JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL)
                             : NULL;
    char err[512], out[300];
    self = schema;
    jsonschema_check(schema, "http://m/root", resolve, NULL, err, sizeof(err));
    arena_t *a = arena_create(4096);
    const jsonschema_t *js;
    if (jsonschema_compile(a, schema, "http://m/root", resolve, NULL, &js, err, sizeof(err)) == 0 &&
        doc != NULL) {
        int quiet = jsonschema_validate(js, doc, NULL, 0);
        int loud = jsonschema_validate(js, doc, out, sizeof(out));
        if (quiet != loud || (loud == 1) != (out[0] == '['))
            abort();
    }
    arena_destroy(a);
    json_decref(doc);
    json_decref(schema);
    return 0;
}
