/* opts: getopt_long does the scanning; the table says what each option
 * means. Defaults go through the same value parser as arguments, so a
 * default that would be refused on the command line fails the same way
 * (caught by the unit tests rather than at a user's first start). */
#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define OPTS_MAX 64
#define OPTS_HELP_COLUMN 30
#define OPTS_WIDTH 80

static int opts_number(const char *s, double *out)
{
    char *end;
    if (*s == '\0' || *s == ' ' || *s == '+')
        return -1;
    errno = 0;
    *out = strtod(s, &end);
    return *end == '\0' && errno == 0 && isfinite(*out) ? 0 : -1;
}

static int opts_in_bounds(const opts_spec_t *o, double v)
{
    if (o->kind == OPTS_DOUBLE && o->min == 0)
        return v > 0 && v <= o->max;
    if (o->kind != OPTS_DOUBLE && v != floor(v))
        return 0;
    return v >= o->min && v <= o->max;
}

static void opts_bounds_error(const opts_spec_t *o)
{
    if (o->kind == OPTS_DOUBLE && o->min == 0)
        fprintf(stderr, "--%s must be a number in (0, %.17g]\n", o->name, o->max);
    else if (o->kind == OPTS_DOUBLE)
        fprintf(stderr, "--%s must be a number in [%.17g, %.17g]\n", o->name, o->min, o->max);
    else
        fprintf(stderr, "--%s must be %.17g..%.17g\n", o->name, o->min, o->max);
}

/* Stores `value` (an argument or the default) into the field `o` names. */
static int opts_set(const opts_spec_t *o, const char *value, char *base)
{
    void *field = base + o->offset;
    double v = 0;
    if (o->kind == OPTS_STR) {
        *(const char **)field = value;
        return 0;
    }
    if (o->kind == OPTS_FLAG) {
        *(int *)field = 1;
        return 0;
    }
    if (opts_number(value, &v) != 0 || !opts_in_bounds(o, v)) {
        opts_bounds_error(o);
        return -1;
    }
    switch (o->kind) {
    case OPTS_INT:
        *(int *)field = (int)v;
        break;
    case OPTS_UINT:
        *(unsigned *)field = (unsigned)v * (o->scale ? o->scale : 1);
        break;
    case OPTS_U32:
        *(uint32_t *)field = (uint32_t)v;
        break;
    case OPTS_U64:
        *(uint64_t *)field = (uint64_t)v;
        break;
    default:
        *(double *)field = v;
        break;
    }
    return 0;
}

static int opts_defaults(const opts_table_t *t, char *base)
{
    for (size_t i = 0; i < t->nspecs; i++)
        if (t->specs[i].def != NULL && opts_set(&t->specs[i], t->specs[i].def, base) != 0)
            return -1;
    return 0;
}

/* Prints `text` from column `col` on, wrapped at OPTS_WIDTH; continuation
 * lines start at OPTS_HELP_COLUMN. */
static void opts_wrap(FILE *out, const char *text, size_t col)
{
    const char *p = text;
    while (*p != '\0') {
        size_t word = strcspn(p, " ");
        if (col > OPTS_HELP_COLUMN && col + 1 + word > OPTS_WIDTH) {
            fprintf(out, "\n%*s", OPTS_HELP_COLUMN, "");
            col = OPTS_HELP_COLUMN;
        } else if (col > OPTS_HELP_COLUMN) {
            fputc(' ', out);
            col++;
        }
        fwrite(p, 1, word, out);
        col += word;
        p += word;
        while (*p == ' ')
            p++;
    }
    fputc('\n', out);
}

void opts_usage(const opts_table_t *t, FILE *out)
{
    fprintf(out, "Usage: %s [options]\n\n%s\n\n", t->program, t->summary);
    for (size_t i = 0; i <= t->nspecs; i++) {
        const opts_spec_t *o = i < t->nspecs ? &t->specs[i] : NULL;
        char lead[128];
        int n = o == NULL ? snprintf(lead, sizeof(lead), "  --help")
                          : snprintf(lead, sizeof(lead), "  --%s%s%s", o->name, o->arg ? " " : "",
                                     o->arg ? o->arg : "");
        fputs(lead, out);
        size_t col = (size_t)n;
        if (col + 2 > OPTS_HELP_COLUMN) {
            fprintf(out, "\n");
            col = 0;
        }
        fprintf(out, "%*s", (int)(OPTS_HELP_COLUMN - col), "");
        col = OPTS_HELP_COLUMN;
        char help[1024];
        if (o == NULL)
            snprintf(help, sizeof(help), "this text");
        else if (o->def != NULL && o->kind != OPTS_FLAG)
            snprintf(help, sizeof(help), "%s (default %s)", o->help, *o->def ? o->def : "none");
        else
            snprintf(help, sizeof(help), "%s", o->help);
        /* the first word sits at the help column without a leading space */
        size_t first = strcspn(help, " ");
        fwrite(help, 1, first, out);
        col += first;
        if (help[first] == '\0')
            fputc('\n', out);
        else
            opts_wrap(out, help + first + 1, col);
    }
    if (t->epilogue != NULL)
        fprintf(out, "\n%s", t->epilogue);
}

int opts_parse(const opts_table_t *t, int argc, char **argv, void *out)
{
    struct option longopts[OPTS_MAX + 2];
    if (t->nspecs > OPTS_MAX)
        abort(); /* a programming error, caught by the first run of any test */
    for (size_t i = 0; i < t->nspecs; i++)
        longopts[i] = (struct option){
            t->specs[i].name, t->specs[i].kind == OPTS_FLAG ? no_argument : required_argument, NULL,
            0};
    longopts[t->nspecs] = (struct option){"help", no_argument, NULL, 0};
    longopts[t->nspecs + 1] = (struct option){NULL, 0, NULL, 0};
    if (opts_defaults(t, out) != 0)
        return -1;
    optind = 1;
    int ch, idx;
    while ((ch = getopt_long(argc, argv, "", longopts, &idx)) != -1) {
        if (ch != 0) {
            fprintf(stderr, "Try '%s --help'.\n", t->program);
            return -1;
        }
        if ((size_t)idx == t->nspecs) {
            opts_usage(t, stdout);
            return 1;
        }
        if (opts_set(&t->specs[idx], optarg, out) != 0)
            return -1;
    }
    if (optind != argc) {
        fprintf(stderr, "%s: unexpected argument '%s'; try '%s --help'.\n", t->program,
                argv[optind], t->program);
        return -1;
    }
    return 0;
}
