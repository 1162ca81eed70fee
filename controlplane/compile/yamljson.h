/* yamljson: documents as jansson values, read from JSON or YAML (libyaml)
 * and written back as YAML. YAML scalars resolve as the core schema does
 * (null, true/false, integers, floats, else strings; quoted scalars are
 * always strings); anchors and aliases are expanded, bounded by a node
 * budget so that an alias bomb fails instead of exhausting memory.
 * Returned values are new references the caller owns. */
#ifndef PORTICO_YAMLJSON_H
#define PORTICO_YAMLJSON_H

#include <jansson.h>
#include <stddef.h>

/* Values created while expanding one YAML document, at most. */
#define YAMLJSON_MAX_NODES 2000000

/* Parses buf as JSON when it starts (after blanks) with '{' or '[', else as
 * one YAML document. 0, or -1 with a reason in err. */
int yamljson_load(const char *buf, size_t len, json_t **out, char *err, size_t err_len);

/* Writes v as a YAML document into a malloc'd buffer (*out, *out_len);
 * strings that would read back as another type are quoted. 0 or -1. */
int yamljson_dump(json_t *v, char **out, size_t *out_len);

/* 1 when the plain scalar text would resolve to something else than a string. */
int yamljson_plain_is_typed(const char *text, size_t len);

#endif
