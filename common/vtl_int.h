/* vtl_int: what the parts of the template engine share (AST, values, the
 * render state). Not for use outside common/vtl_*.c. */
#ifndef PORTICO_VTL_INT_H
#define PORTICO_VTL_INT_H

#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include "vtl.h"

/* ---- AST ---- */
enum vtl_node_kind {
    N_TEXT,     /* text, len */
    N_REF,      /* a reference: name, mods, literal (text, len) */
    N_SET,      /* a = lhs reference, b = expression */
    N_IF,       /* a = condition, b = body, c = next N_IF (elseif) or N_ELSE */
    N_ELSE,     /* b = body */
    N_FOREACH,  /* name = loop variable, a = iterable, b = body */
    N_CALL,     /* macro call or unknown directive: name, args, text = literal */
    N_DEFINE,   /* name, b = body */
    N_EVALUATE, /* a = argument */
    N_BREAK,
    N_STOP,
    /* expressions */
    E_STR,   /* text, len */
    E_ISTR,  /* interpolated string: b = body */
    E_INT,   /* ival (Integer when it fits, else Long) */
    E_FLOAT, /* dval */
    E_TRUE,
    E_FALSE,
    E_LIST,  /* args */
    E_MAP,   /* args: key, value, key, value... */
    E_RANGE, /* a, b */
    E_WORD,  /* a bare word (macro call argument) */
    E_BIN,   /* op, a, b */
    E_NOT,   /* a */
};

enum vtl_op {
    OP_OR,
    OP_AND,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_GT,
    OP_LE,
    OP_GE,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_MOD
};

enum vtl_mod_kind { MOD_PROP, MOD_METHOD, MOD_INDEX };

typedef struct vtl_node vtl_node_t;

typedef struct vtl_mod {
    int kind;
    const char *name; /* property or method name */
    size_t name_len;
    vtl_node_t **args; /* method arguments, or the index */
    size_t nargs;
    struct vtl_mod *next;
} vtl_mod_t;

struct vtl_node {
    int kind;
    int op;
    int line, col;
    const char *text; /* N_TEXT / E_STR bytes; N_REF / N_CALL literal */
    size_t len;
    const char *name; /* reference root, directive, loop variable */
    size_t name_len;
    uint32_t name_hash; /* vtl_name_hash(name) of references, #foreach, #define */
    uint32_t name_id;   /* the name's number in its template (1...), 0: none */
    vtl_mod_t *mods;    /* N_REF modifiers */
    int silent;         /* $!x */
    int escaped;        /* odd number of backslashes before $ */
    int esc_prefix;     /* backslashes printed before the reference */
    int is_int;         /* E_INT: fits in an Integer */
    int64_t ival;
    double dval;
    vtl_node_t *a, *b, *c;
    vtl_node_t **args;
    size_t nargs;
    vtl_node_t *next;
};

typedef struct vtl_macro {
    const char *name;
    size_t name_len;
    vtl_node_t **params; /* N_REF nodes */
    size_t nparams;
    vtl_node_t *body;
    struct vtl_macro *next;
} vtl_macro_t;

struct vtl_template {
    vtl_node_t *body;
    vtl_macro_t *macros;
    /* the first-level $context names the template reads (vtl_context_names) */
    int context_all;
    const char **context_names;
    size_t ncontext_names;
    /* distinct variable names numbered by vtl_compile (name_id) */
    uint32_t nnames;
};

/* the hash of a variable's name, computed once when the template is parsed */
static inline uint32_t vtl_name_hash(const char *s, size_t n)
{
    uint32_t h = 5381;
    for (size_t k = 0; k < n; k++)
        h = h * 33 + (unsigned char)s[k];
    return h;
}

/* Parses src with memory from al (an arena at compile time, the render
 * allocator for #evaluate). macros receives the #macro definitions. */
int vtl_parse(const char *src, size_t len, const vtl_alloc_t *al, vtl_node_t **out,
              vtl_macro_t **macros, vtl_error_t *err);

/* ---- values (Java's types) ---- */
enum vtl_type {
    V_NULL,
    V_BOOL,
    V_INT,    /* java.lang.Integer */
    V_LONG,   /* java.lang.Long */
    V_DOUBLE, /* java.lang.Double */
    V_STR,
    V_LIST,  /* java.util.List; printing depends on list->kind */
    V_MAP,   /* java.util.LinkedHashMap */
    V_ENTRY, /* Map.Entry */
    V_OBJ,   /* built-in objects */
};

enum vtl_list_kind { L_ARRAYLIST, L_JSON, L_ARRAY };
enum vtl_obj_kind { O_INPUT, O_UTIL, O_FOREACH, O_BLOCK };

typedef struct vtl_list vtl_list_t;
typedef struct vtl_map vtl_map_t;
typedef struct vtl_foreach vtl_foreach_t;

/* 16 bytes, so that functions return values in two registers */
typedef struct vtl_value {
    int type;
    union {
        uint32_t len; /* V_STR: bytes (render memory is far below 4 GiB) */
        int kind;     /* V_OBJ: enum vtl_obj_kind */
    };
    union {
        int b;
        int64_t i;
        double d;
        const char *str; /* V_STR */
        vtl_list_t *l;
        vtl_map_t *m;
        struct vtl_entry *e;
        vtl_foreach_t *fe;           /* O_FOREACH */
        const struct vtl_node *body; /* O_BLOCK */
    } u;
} vtl_value_t;

_Static_assert(sizeof(vtl_value_t) == 16, "values are returned in registers");

struct vtl_list {
    int kind;
    vtl_value_t *v;
    size_t n, cap;
    unsigned mods;           /* structural changes (Java's modCount) */
    struct vtl_map *view_of; /* keySet(), values(), entrySet() of this map */
};

struct vtl_map {
    vtl_value_t *keys; /* strings (or other values from map literals) */
    vtl_value_t *vals;
    size_t n, cap;
    unsigned mods;
    /* past a few entries, string keys are found through an open-addressing
     * index of positions + 1 (NULL: not built, or dropped by a removal) */
    uint32_t *idx;
    size_t idx_cap;
};

typedef struct vtl_entry {
    vtl_value_t key, val;
} vtl_entry_t;

struct vtl_foreach {
    int64_t index; /* 0-based index of the current item */
    int has_next;
    vtl_value_t parent;
};

/* ---- render state ---- */
typedef struct vtl_buf {
    char *p;
    size_t n, cap;
} vtl_buf_t;

typedef struct vtl_var {
    const char *name;
    size_t name_len;
    uint32_t hash; /* vtl_name_hash(name) */
    vtl_value_t val;
    int defined;
    /* a macro argument is passed by name: evaluated at each use, in the
     * caller's frame (Velocity 1.7) */
    const struct vtl_node *arg;
    struct vtl_frame *arg_frame;
    struct vtl_var *next;
} vtl_var_t;

typedef struct vtl_frame { /* a macro call's arguments */
    vtl_var_t *vars;
    struct vtl_frame *up;
} vtl_frame_t;

#define VTL_CHUNK 8192
/* the first chunk comes with the render state, in one allocation */
#define VTL_FIRST_CHUNK 16384

typedef struct vtl_rs {
    const vtl_template_t *t;
    const vtl_provider_t *prov;
    vtl_limits_t lim;
    vtl_alloc_t al;
    size_t mem;
    /* vtl_alloc cuts small allocations from a chunk of VTL_CHUNK bytes of
     * al (one call to the caller's allocator for many values) */
    char *chunk;
    size_t chunk_left;
    size_t chunk_zeroed; /* bytes from chunk on already zeroed */
    uint64_t steps;
    unsigned depth;
    vtl_buf_t *out;      /* where text goes now */
    size_t total_out;    /* bytes written anywhere */
    vtl_var_t **globals; /* hash buckets */
    size_t nbuckets;
    /* the global of each name_id, once found or made (globals are never
     * removed, so a pointer found stays right) */
    vtl_var_t **by_id;
    /* the globals of velocityCount, velocityHasNext and foreach, once made */
    vtl_var_t *loop_globals[3];
    vtl_frame_t *frame;
    vtl_macro_t *rt_macros; /* defined by #evaluate */
    vtl_value_t input_root; /* parsed body (lazy) */
    int input_parsed;
    vtl_value_t params, context, stagevars;
    vtl_value_t body; /* $input.body, as valid UTF-8 */
    int have_body;
    int have_params, have_context, have_stagevars;
    vtl_error_t *err;
    /* what a failure (longjmp) must free: the regex being worked on,
     * malloc'd by PCRE2 */
    void *rx_code, *rx_md;
    /* compiled regular expressions, by pattern, for the whole render */
    struct {
        const char *pat;
        size_t n;
        void *code, *md;
    } rx_cache[16];
    int rx_cached;
    jmp_buf fail;
    /* loop variables of #foreach iterations over a null element: they read
     * as null whatever the body sets (Velocity's NullHolderContext) */
    const struct vtl_node *null_pins[32];
    int npins;
    int stopping; /* #stop */
    int breaking; /* #break */
} vtl_rs_t;

/* failure: longjmp out of the render with code and message */
_Noreturn void vtl_fail(vtl_rs_t *rs, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* render memory, not cleared, for a caller that writes all of it before
 * reading any (counted against the memory limit as vtl_alloc's is) */
void *vtl_alloc_raw(vtl_rs_t *rs, size_t n);
/* zeroed render memory, counted against the memory limit */
void *vtl_alloc_slow(vtl_rs_t *rs, size_t n);
static inline void *vtl_alloc(vtl_rs_t *rs, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n > rs->chunk_zeroed || rs->mem + n > rs->lim.max_memory)
        return vtl_alloc_slow(rs, n);
    void *p = rs->chunk;
    rs->mem += n;
    rs->chunk += n;
    rs->chunk_left -= n;
    rs->chunk_zeroed -= n;
    return p;
}
char *vtl_strndup(vtl_rs_t *rs, const char *s, size_t n);

/* values (inline: the evaluator makes them at every step) */
static inline vtl_value_t vtl_null(void)
{
    return (vtl_value_t){.type = V_NULL};
}
static inline vtl_value_t vtl_bool(int b)
{
    return (vtl_value_t){.type = V_BOOL, .u.b = !!b};
}
/* Integer when it fits, else Long */
static inline vtl_value_t vtl_int(int64_t i)
{
    return (vtl_value_t){.type = (i >= INT32_MIN && i <= INT32_MAX) ? V_INT : V_LONG, .u.i = i};
}
static inline vtl_value_t vtl_long(int64_t i)
{
    return (vtl_value_t){.type = V_LONG, .u.i = i};
}
static inline vtl_value_t vtl_double(double d)
{
    return (vtl_value_t){.type = V_DOUBLE, .u.d = d};
}
static inline vtl_value_t vtl_str(const char *p, size_t n)
{
    vtl_value_t v = {.type = V_STR};
    v.u.str = p ? p : "";
    v.len = n;
    return v;
}
vtl_value_t vtl_cstr(vtl_rs_t *rs, const char *p, size_t n); /* copies */
vtl_value_t vtl_list_new(vtl_rs_t *rs, int kind, size_t cap);
vtl_value_t vtl_map_new(vtl_rs_t *rs, size_t cap);
/* makes room for one more item: the out-of-line half of vtl_list_push */
void vtl_list_grow(vtl_rs_t *rs, vtl_list_t *l);
static inline void vtl_list_push(vtl_rs_t *rs, vtl_list_t *l, vtl_value_t v)
{
    if (l->n == l->cap)
        vtl_list_grow(rs, l);
    l->v[l->n++] = v;
    l->mods++;
}
/* the index of key in m, or -1 */
long vtl_map_find(const vtl_map_t *m, vtl_value_t key);
/* puts key=v; returns the previous value (V_NULL when none) */
vtl_value_t vtl_map_put(vtl_rs_t *rs, vtl_map_t *m, vtl_value_t key, vtl_value_t v);
vtl_value_t vtl_map_get(const vtl_map_t *m, const char *k, size_t n);
/* a new map of npairs keys and values (kv: key, value, key, value...), as
 * npairs vtl_map_put calls would make it, in mem (NULL: allocated) of
 * sizeof(vtl_map_t) + 2 * npairs * sizeof(vtl_value_t) bytes */
vtl_map_t *vtl_map_from_pairs(vtl_rs_t *rs, void *mem, const vtl_value_t *kv, size_t npairs);
static inline int vtl_is_number(const vtl_value_t *v)
{
    return v->type == V_INT || v->type == V_LONG || v->type == V_DOUBLE;
}
static inline double vtl_num_double(const vtl_value_t *v)
{
    return v->type == V_DOUBLE ? v->u.d : (double)v->u.i;
}
/* makes room for n more bytes in b (one allocation for what follows) */
void vtl_buf_reserve(vtl_rs_t *rs, vtl_buf_t *b, size_t n);
/* makes room for n more bytes in b: the out-of-line half of vtl_buf_add */
void vtl_buf_grow(vtl_rs_t *rs, vtl_buf_t *b, size_t n);
/* appends n bytes to b */
static inline void vtl_buf_add(vtl_rs_t *rs, vtl_buf_t *b, const char *p, size_t n)
{
    if (n == 0)
        return;
    if (n > b->cap - b->n)
        vtl_buf_grow(rs, b, n);
    memcpy(b->p + b->n, p, n);
    b->n += n;
}
/* Java's toString() appended to b; JSON when json is set */
void vtl_to_string(vtl_rs_t *rs, vtl_buf_t *b, const vtl_value_t *v);
void vtl_to_json(vtl_rs_t *rs, vtl_buf_t *b, const vtl_value_t *v);
/* toString as a string value */
vtl_value_t vtl_stringify(vtl_rs_t *rs, const vtl_value_t *v);
/* Java's Double.toString */
size_t vtl_fmt_double(double d, char *buf, size_t cap);
/* Object.equals */
int vtl_equals(const vtl_value_t *a, const vtl_value_t *b);
/* renders a #define block into b (vtl_render.c) */
void vtl_render_block(vtl_rs_t *rs, vtl_buf_t *b, const vtl_node_t *body);
/* JSON (jansson) to values: objects -> maps, arrays -> JSON lists */
vtl_value_t vtl_from_json(vtl_rs_t *rs, const json_t *j);
/* JSON text to values (vtl_json.c); what names the source in messages */
vtl_value_t vtl_json_parse(vtl_rs_t *rs, const char *p, size_t n, const char *what);
/* values to JSON (a new reference; NULL when out of memory) */
json_t *vtl_to_jansson(const vtl_value_t *v, int depth);

/* methods and properties on values (vtl_method.c); found is set to 0 when
 * Velocity would not find the method (the reference then prints as
 * written) */
vtl_value_t vtl_call(vtl_rs_t *rs, vtl_value_t *self, const char *name, size_t nlen,
                     vtl_value_t *args, size_t nargs, int *found);
vtl_value_t vtl_property(vtl_rs_t *rs, vtl_value_t *self, const char *name, size_t nlen);
/* $input and $util (vtl_input.c) */
vtl_value_t vtl_builtin_call(vtl_rs_t *rs, vtl_value_t *self, const char *name, size_t nlen,
                             vtl_value_t *args, size_t nargs, int *found);
vtl_value_t vtl_builtin_root(vtl_rs_t *rs, const char *name, size_t nlen, int *found);

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when the bytes
 * there are not one; *bad_len is then the length of the maximal invalid
 * subpart that Java's decoder replaces with one U+FFFD. */
size_t vtl_utf8_seq(const unsigned char *p, size_t n, size_t *bad_len);
/* p itself when it is valid UTF-8, else a copy (from al, or the render's
 * allocator when rs is set) with each invalid subpart replaced by U+FFFD,
 * as Java decodes bytes. *out_n receives the length. */
const char *vtl_utf8_clean(vtl_rs_t *rs, const vtl_alloc_t *al, const char *p, size_t n,
                           size_t *out_n);

/* frees what the render's regular expressions hold (vtl_method.c) */
void vtl_rx_release(vtl_rs_t *rs);

/* UTF-16 helpers: Java string indices count UTF-16 units */
size_t vtl_u16_len(const char *p, size_t n);
/* byte offset of UTF-16 unit index i (clamped to n) */
size_t vtl_u16_off(const char *p, size_t n, size_t i);

#endif
