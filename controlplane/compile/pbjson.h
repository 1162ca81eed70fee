/* pbjson: JSON values (jansson) → protobuf-c fields, every allocation from an
 * arena; the compiler files build snapshots with these. A missing or
 * mistyped member becomes "" (strings) or an empty list. */
#ifndef PORTICO_PBJSON_H
#define PORTICO_PBJSON_H

#include <jansson.h>
#include <stddef.h>

#include "arena.h"
#include "portico.pb-c.h"

/* obj[key] as a string copied into the arena, "" when absent. */
char *pbjson_str(arena_t *a, json_t *obj, const char *key);

/* A {"k": "v"} object as KeyValue entries. */
void pbjson_kv_list(arena_t *a, json_t *map, size_t *n, Portico__KeyValue ***out);

/* A {"name": true|false} object as ParamFlag entries. */
void pbjson_flag_list(arena_t *a, json_t *map, size_t *n, Portico__ParamFlag ***out);

/* A ["a", "b"] array as strings. */
void pbjson_string_list(arena_t *a, json_t *arr, size_t *n, char ***out);

#endif
