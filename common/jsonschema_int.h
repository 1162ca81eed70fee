/* jsonschema_int: the compiled form shared by jsonschema.c (compiler) and
 * jsonschema_check.c (validator). Everything lives in the compile's arena. */
#ifndef PORTICO_JSONSCHEMA_INT_H
#define PORTICO_JSONSCHEMA_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stddef.h>

#include "jsonschema.h"

/* JSON types as a mask; JS_NUMBER admits integers too. */
enum {
    JS_ARRAY = 1,
    JS_BOOLEAN = 2,
    JS_INTEGER = 4,
    JS_NULL = 8,
    JS_NUMBER = 16,
    JS_OBJECT = 32,
    JS_STRING = 64,
};

/* Flags of a compiled schema. */
enum {
    JS_HAS_MIN = 1,
    JS_HAS_MAX = 2,
    JS_EXCL_MIN = 4,
    JS_EXCL_MAX = 8,
    JS_HAS_MULT = 16,
    JS_UNIQUE = 32,
    JS_NO_ADDL_PROPS = 64,
    JS_NO_ADDL_ITEMS = 128,
    JS_ITEMS_LIST = 256,
};

typedef struct {
    int is_int;
    long long i;
    double d;
} js_num_t;

/* A constant (enum member) copied out of the schema. */
typedef struct js_const {
    int type; /* one JS_* bit; JS_INTEGER for json integers */
    js_num_t num;
    const char *s; /* strings; object keys in keys[] */
    size_t len;    /* string bytes; array/object members */
    struct js_const *items;
    const char **keys;
    size_t *key_lens;
} js_const_t;

typedef struct {
    const jsonschema_t **v;
    size_t n;
} js_list_t;

typedef struct {
    const char *name;
    size_t len;
    const jsonschema_t *schema;
} js_prop_t;

typedef struct {
    pcre2_code *re;
    const jsonschema_t *schema;
} js_pprop_t;

typedef struct {
    const char *name;
    const jsonschema_t *schema; /* schema dependency, or NULL */
    const char **names;         /* property dependency */
    size_t n;
} js_dep_t;

struct jsonschema {
    const jsonschema_t *ref; /* $ref: every sibling keyword is ignored */
    unsigned types;          /* 0 = any */
    unsigned flags;
    js_num_t minimum, maximum, multiple_of;
    long long min_length, max_length, min_items, max_items, min_props, max_props; /* -1: none */
    pcre2_code *pattern;
    const char *pattern_src;
    const js_const_t *enums;
    size_t n_enums;
    const char *enum_text; /* the enum as compact JSON, for messages */
    const char **required;
    size_t n_required;
    const js_prop_t *props; /* sorted by name (bytes) */
    size_t n_props;
    const js_pprop_t *pprops;
    size_t n_pprops;
    const jsonschema_t *addl_props;
    const jsonschema_t *items; /* one schema for every item */
    js_list_t items_list;      /* JS_ITEMS_LIST: a schema per position */
    const jsonschema_t *addl_items;
    const js_dep_t *deps;
    size_t n_deps;
    js_list_t all_of, any_of, one_of;
    const jsonschema_t *not_schema;
    /* compile-time only: the in-place check's state (jsonschema.c) */
    unsigned char color;
    unsigned weight;
};

extern const char jsonschema_meta_text[];

#endif
