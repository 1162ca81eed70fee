/* opts: command-line options as data. One row per option (name, argument,
 * kind, where it lands, bounds, default, help) drives parsing, defaults and
 * --help for both binaries, so an option is written down once. */
#ifndef PORTICO_OPTS_H
#define PORTICO_OPTS_H

#include <stddef.h>
#include <stdio.h>

typedef enum {
    OPTS_STR,    /* const char * (points into argv or at the default) */
    OPTS_FLAG,   /* int set to 1; takes no argument */
    OPTS_INT,    /* int within [min, max] */
    OPTS_UINT,   /* unsigned within [min, max], stored multiplied by scale */
    OPTS_U32,    /* uint32_t within [min, max] */
    OPTS_U64,    /* uint64_t within [min, max] */
    OPTS_DOUBLE, /* double within (min, max] when min is 0, else [min, max] */
} opts_kind_t;

typedef struct {
    const char *name; /* without the leading dashes */
    const char *arg;  /* the argument's name in --help; NULL for flags */
    opts_kind_t kind;
    size_t offset;    /* of the field in the options struct */
    double min, max;  /* numeric bounds */
    unsigned scale;   /* OPTS_UINT: stored value = given value * scale (0 = 1) */
    const char *def;  /* default as it would be typed; NULL for none */
    const char *help; /* one sentence; --help wraps it and adds the default */
} opts_spec_t;

typedef struct {
    const char *program; /* "portico-dp" */
    const char *summary; /* paragraph under the usage line */
    const opts_spec_t *specs;
    size_t nspecs;
    const char *epilogue; /* environment, signals: printed as written */
} opts_table_t;

#define OPTS_AT(type, field) offsetof(type, field)

/* Sets every default, then parses argv into `out`. Returns 0; -1 after
 * printing what was wrong to stderr; 1 when --help was
 * given and the usage went to stdout. Positional arguments are refused. */
int opts_parse(const opts_table_t *t, int argc, char **argv, void *out);

/* The --help text. */
void opts_usage(const opts_table_t *t, FILE *out);

#endif
