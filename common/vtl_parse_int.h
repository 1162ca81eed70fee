/* vtl_parse_int: what the two halves of the template parser share:
 * vtl_parse.c (text, directives and Velocity's lexer states) and vtl_expr.c
 * (references, literals and expressions). Not for use elsewhere. */
#ifndef PORTICO_VTL_PARSE_INT_H
#define PORTICO_VTL_PARSE_INT_H

#include <setjmp.h>
#include <string.h>

#include "vtl_int.h"

enum { T_EOF, T_END, T_ELSE, T_ELSEIF };

enum { B_TOP, B_BLOCK, B_IF };

typedef struct parser {
    const char *s;
    size_t n, i;
    const vtl_alloc_t *al;
    vtl_macro_t **macros;
    vtl_error_t *err;
    jmp_buf fail;
    int depth;
} parser_t;

/* up to 10 bytes of the source at pos, for messages ("%.*s") */
#define SNIP(p, pos)                                                                               \
    (int)((pos) >= (p)->n ? 0 : (p)->n - (pos) < 10 ? (p)->n - (pos) : 10), (p)->s + (pos)

typedef struct vec {
    vtl_node_t **v;
    size_t n, cap;
} vec_t;

static inline int at(parser_t *p, size_t k)
{
    return p->i + k < p->n ? (unsigned char)p->s[p->i + k] : -1;
}

static inline int is_alpha(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static inline int is_ident(int c)
{
    return is_alpha(c) || is_digit(c) || c == '-' || c == '_';
}

static inline int is_dchar(int c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c == '@';
}

static inline int starts(parser_t *p, const char *w)
{
    size_t l = strlen(w);
    return p->i + l <= p->n && memcmp(p->s + p->i, w, l) == 0;
}

/* a syntax error at byte pos: fills p->err and longjmps to p->fail */
__attribute__((format(printf, 3, 4))) _Noreturn void vtlp_fail(parser_t *p, size_t pos,
                                                               const char *fmt, ...);
/* the 1-based line and column of byte pos in s */
void vtlp_where(const char *s, size_t pos, int *line, int *col);
/* zeroed memory from the parser's allocator (longjmps when out of it) */
void *vtlp_alloc(parser_t *p, size_t n);
vtl_node_t *vtlp_node(parser_t *p, int kind, size_t pos);
void vtlp_push(parser_t *p, vec_t *v, vtl_node_t *nd);
/* skips the DIRECTIVE state's whitespace (spaces, tabs, newlines) */
void vtlp_ws(parser_t *p);
/* statements up to #end/#else/#elseif (per mode) or the end; *term says which */
vtl_node_t *vtlp_block(parser_t *p, int mode, int *term);

/* vtl_expr.c */
void vtlp_ident(parser_t *p, const char **name, size_t *len);
/* w at p->i as a whole word (not followed by a directive character) */
int vtlp_word_is(parser_t *p, const char *w);
vtl_node_t *vtlp_expr(parser_t *p);
/* Parameter(): a literal or a reference, whitespace around it */
vtl_node_t *vtlp_param(parser_t *p);
/* At '$' (or, with nesc -1, a bare identifier): a reference, or NULL with
 * p->i unchanged when none starts there (required: a syntax error) */
vtl_node_t *vtlp_ref(parser_t *p, int nesc, int required);
vtl_node_t *vtlp_number(parser_t *p);
vtl_mod_t *vtlp_index(parser_t *p);
/* whether "(" at p->i starts a method's arguments (LOOKAHEAD(3)) */
int vtlp_method_follows(parser_t *p);

#endif
