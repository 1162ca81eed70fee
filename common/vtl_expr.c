/* vtl_expr: the expression half of the template parser (vtl_parse.c has
 * the text and directive half): references ($a.b($c)[0], ${a}, $!a),
 * literals (strings, interpolated strings, numbers, lists, maps, ranges)
 * and VTL's operators with Velocity 1.7's precedence. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtl_parse_int.h"

void vtlp_ident(parser_t *p, const char **name, size_t *len)
{
    size_t st = p->i;
    while (p->i < p->n && is_ident((unsigned char)p->s[p->i]))
        p->i++;
    *name = p->s + st;
    *len = p->i - st;
}

/* \uXXXX in double-quoted strings, then doubled quotes */
static char *unquote(parser_t *p, const char *s, size_t n, char q, size_t *out_len)
{
    char *o = vtlp_alloc(p, n * 3 + 1);
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        if (q == '"' && s[j] == '\\' && j + 1 < n && s[j + 1] == 'u') {
            unsigned v = 0;
            int ok = j + 6 <= n;
            for (int h = 0; ok && h < 4; h++) {
                char c = s[j + 2 + h];
                int d = is_digit(c)              ? c - '0'
                        : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                        : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                 : -1;
                if (d < 0)
                    ok = 0;
                v = v * 16 + (unsigned)d;
            }
            if (ok) {
                if (v < 0x80) {
                    o[k++] = (char)v;
                } else if (v < 0x800) {
                    o[k++] = (char)(0xC0 | (v >> 6));
                    o[k++] = (char)(0x80 | (v & 0x3F));
                } else {
                    o[k++] = (char)(0xE0 | (v >> 12));
                    o[k++] = (char)(0x80 | ((v >> 6) & 0x3F));
                    o[k++] = (char)(0x80 | (v & 0x3F));
                }
                j += 5;
                continue;
            }
        }
        if (s[j] == q && j + 1 < n && s[j + 1] == q)
            j++;
        o[k++] = s[j];
    }
    *out_len = k;
    return o;
}

static vtl_node_t *parse_string(parser_t *p)
{
    size_t st = p->i;
    char q = p->s[p->i++];
    for (;;) {
        if (p->i >= p->n)
            vtlp_fail(p, st, "Lexical error: unterminated string");
        if (p->s[p->i] == q) {
            if (at(p, 1) == q) {
                p->i += 2;
                continue;
            }
            break;
        }
        p->i++;
    }
    const char *raw = p->s + st + 1;
    size_t rawn = p->i - st - 1;
    p->i++;
    vtl_node_t *nd = vtlp_node(p, E_STR, st);
    nd->text = unquote(p, raw, rawn, q, &nd->len);
    if (q == '"' && (memchr(raw, '$', rawn) || memchr(raw, '#', rawn))) {
        /* Velocity parses the literal plus a space, and drops the last
         * character rendered, unless the literal holds "##" */
        int comment = 0;
        for (size_t k = 0; k + 1 < nd->len; k++)
            if (nd->text[k] == '#' && nd->text[k + 1] == '#')
                comment = 1;
        size_t ilen = nd->len + !comment;
        char *img = vtlp_alloc(p, ilen + 1);
        memcpy(img, nd->text, nd->len);
        if (!comment)
            img[nd->len] = ' ';
        parser_t sub = *p;
        sub.s = img;
        sub.n = ilen;
        sub.i = 0;
        if (++sub.depth > 64)
            vtlp_fail(p, st, "string literals nested too deeply");
        int term;
        if (setjmp(sub.fail)) {
            if (p->err)
                vtlp_where(p->s, st, &p->err->line, &p->err->column);
            longjmp(p->fail, p->err ? p->err->code : VTL_EPARSE);
        }
        nd->b = vtlp_block(&sub, B_TOP, &term);
        nd->kind = E_ISTR;
        nd->op = !comment;
    }
    return nd;
}

/* INTEGER_LITERAL or FLOATING_POINT_LITERAL at p->i */
vtl_node_t *vtlp_number(parser_t *p)
{
    size_t st = p->i;
    if (at(p, 0) == '-')
        p->i++;
    while (is_digit(at(p, 0)))
        p->i++;
    int is_float = 0;
    if (at(p, 0) == '.' && at(p, 1) != '.') {
        is_float = 1;
        p->i++;
        while (is_digit(at(p, 0)))
            p->i++;
    }
    if ((at(p, 0) == 'e' || at(p, 0) == 'E') &&
        (is_digit(at(p, 1)) || ((at(p, 1) == '+' || at(p, 1) == '-') && is_digit(at(p, 2))))) {
        is_float = 1;
        p->i += 2;
        while (is_digit(at(p, 0)))
            p->i++;
    }
    char buf[64];
    size_t len = p->i - st;
    if (len >= sizeof(buf))
        vtlp_fail(p, st, "number too long");
    memcpy(buf, p->s + st, len);
    buf[len] = 0;
    vtl_node_t *nd = vtlp_node(p, is_float ? E_FLOAT : E_INT, st);
    if (is_float) {
        nd->dval = strtod(buf, NULL);
    } else {
        errno = 0;
        long long v = strtoll(buf, NULL, 10);
        if (errno)
            vtlp_fail(p, st, "integer literal out of range");
        nd->ival = v;
        nd->is_int = v >= INT32_MIN && v <= INT32_MAX;
    }
    return nd;
}

static int number_start(parser_t *p)
{
    int c = at(p, 0);
    if (is_digit(c))
        return 1;
    if (c == '-' && (is_digit(at(p, 1)) || (at(p, 1) == '.' && is_digit(at(p, 2)))))
        return 1;
    return c == '.' && is_digit(at(p, 1));
}

/* [a..b] when the bracket holds a reference or an integer then ".." */
static int is_range(parser_t *p)
{
    size_t save = p->i;
    int r = 0;
    p->i++;
    vtlp_ws(p);
    if (at(p, 0) == '$') {
        vtl_node_t *ref = vtlp_ref(p, 0, 0);
        r = ref != NULL;
    } else if (is_digit(at(p, 0)) || (at(p, 0) == '-' && is_digit(at(p, 1)))) {
        p->i++;
        while (is_digit(at(p, 0)))
            p->i++;
        r = 1;
    }
    if (r) {
        vtlp_ws(p);
        r = starts(p, "..");
    }
    p->i = save;
    return r;
}

static vtl_node_t *range_end(parser_t *p)
{
    vtlp_ws(p);
    vtl_node_t *e;
    if (at(p, 0) == '$')
        e = vtlp_ref(p, 0, 1);
    else if (is_digit(at(p, 0)) || (at(p, 0) == '-' && is_digit(at(p, 1))))
        e = vtlp_number(p);
    else
        vtlp_fail(p, p->i, "Encountered \"%.*s\" in a range", SNIP(p, p->i));
    if (e->kind == E_FLOAT)
        vtlp_fail(p, p->i, "a range needs integers");
    vtlp_ws(p);
    return e;
}

static vtl_node_t *parse_range(parser_t *p)
{
    vtl_node_t *nd = vtlp_node(p, E_RANGE, p->i);
    p->i++;
    nd->a = range_end(p);
    p->i += 2;
    nd->b = range_end(p);
    if (at(p, 0) != ']')
        vtlp_fail(p, p->i, "Encountered \"%.*s\", was expecting \"]\"", SNIP(p, p->i));
    p->i++;
    return nd;
}

static vtl_node_t *parse_list(parser_t *p)
{
    vtl_node_t *nd = vtlp_node(p, E_LIST, p->i);
    vec_t v = {0};
    p->i++;
    if (at(p, 0) != ']') {
        for (;;) {
            vtlp_push(p, &v, vtlp_param(p));
            if (at(p, 0) == ',') {
                p->i++;
                continue;
            }
            break;
        }
    }
    if (at(p, 0) != ']')
        vtlp_fail(p, p->i, "Encountered \"%.*s\", was expecting \"]\"", SNIP(p, p->i));
    p->i++;
    nd->args = v.v;
    nd->nargs = v.n;
    return nd;
}

static vtl_node_t *parse_map(parser_t *p)
{
    vtl_node_t *nd = vtlp_node(p, E_MAP, p->i);
    vec_t v = {0};
    p->i++;
    size_t save = p->i;
    vtlp_ws(p);
    if (at(p, 0) != '}') {
        p->i = save;
        for (;;) {
            vtlp_push(p, &v, vtlp_param(p));
            if (at(p, 0) != ':')
                vtlp_fail(p, p->i, "Encountered \"%.*s\", was expecting \":\"", SNIP(p, p->i));
            p->i++;
            vtlp_push(p, &v, vtlp_param(p));
            if (at(p, 0) == ',') {
                p->i++;
                continue;
            }
            break;
        }
    }
    if (at(p, 0) != '}')
        vtlp_fail(p, p->i, "Encountered \"%.*s\", was expecting \"}\"", SNIP(p, p->i));
    p->i++;
    nd->args = v.v;
    nd->nargs = v.n;
    return nd;
}

int vtlp_word_is(parser_t *p, const char *w)
{
    size_t l = strlen(w);
    return starts(p, w) && !is_dchar(at(p, l));
}

/* Parameter(): a literal or a reference, whitespace around it */
vtl_node_t *vtlp_param(parser_t *p)
{
    vtlp_ws(p);
    vtl_node_t *nd;
    int c = at(p, 0);
    if (c == '"' || c == '\'')
        nd = parse_string(p);
    else if (c == '$')
        nd = vtlp_ref(p, 0, 1);
    else if (c == '[')
        nd = is_range(p) ? parse_range(p) : parse_list(p);
    else if (c == '{')
        nd = parse_map(p);
    else if (number_start(p))
        nd = vtlp_number(p);
    else if (vtlp_word_is(p, "true")) {
        nd = vtlp_node(p, E_TRUE, p->i);
        p->i += 4;
    } else if (vtlp_word_is(p, "false")) {
        nd = vtlp_node(p, E_FALSE, p->i);
        p->i += 5;
    } else {
        vtlp_fail(p, p->i, "Encountered \"%.*s\"", SNIP(p, p->i));
    }
    vtlp_ws(p);
    return nd;
}

/* ---- references ---- */
static vtl_node_t *index_param(parser_t *p)
{
    vtlp_ws(p);
    vtl_node_t *nd;
    int c = at(p, 0);
    if (c == '"' || c == '\'')
        nd = parse_string(p);
    else if (c == '$')
        nd = vtlp_ref(p, 0, 1);
    else if (is_digit(c) || (c == '-' && is_digit(at(p, 1)))) {
        nd = vtlp_number(p);
        if (nd->kind != E_INT)
            vtlp_fail(p, p->i, "an index must be an integer");
    } else if (vtlp_word_is(p, "true")) {
        nd = vtlp_node(p, E_TRUE, p->i);
        p->i += 4;
    } else if (vtlp_word_is(p, "false")) {
        nd = vtlp_node(p, E_FALSE, p->i);
        p->i += 5;
    } else {
        vtlp_fail(p, p->i, "Encountered \"%.*s\" in an index", SNIP(p, p->i));
    }
    vtlp_ws(p);
    if (at(p, 0) != ']')
        vtlp_fail(p, p->i, "Encountered \"%.*s\", was expecting \"]\"", SNIP(p, p->i));
    p->i++;
    return nd;
}

vtl_mod_t *vtlp_index(parser_t *p)
{
    vtl_mod_t *m = vtlp_alloc(p, sizeof(*m));
    m->kind = MOD_INDEX;
    p->i++;
    m->args = vtlp_alloc(p, sizeof(vtl_node_t *));
    m->args[0] = index_param(p);
    m->nargs = 1;
    return m;
}

/* LOOKAHEAD(3) of Method(): "(" then what can start a parameter or ")" */
int vtlp_method_follows(parser_t *p)
{
    int c = at(p, 1);
    if (is_alpha(c) || c == '_' || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '"' ||
        c == '\'' || c == '[' || c == '{' || c == '$' || c == ')' || is_digit(c))
        return 1;
    if ((c == '-' || c == '.') && (is_digit(at(p, 2)) || (c == '-' && at(p, 2) == '.')))
        return 1;
    p->i++;
    int w = vtlp_word_is(p, "true") || vtlp_word_is(p, "false");
    p->i--;
    return w;
}

/* At '$': a reference, or NULL (p->i unchanged) when what follows is not
 * one (then '$' is text). nesc: backslashes before '$'. */
vtl_node_t *vtlp_ref(parser_t *p, int nesc, int required)
{
    size_t st = p->i;
    if (++p->depth > 200)
        vtlp_fail(p, st, "references nested too deeply");
    if (nesc >= 0)
        p->i++;
    else
        nesc = 0; /* a bare identifier in method arguments reads as a reference */
    int silent = 0, braced = 0;
    if (at(p, 0) == '!') {
        silent = 1;
        p->i++;
    }
    if (at(p, 0) == '{') {
        braced = 1;
        p->i++;
    }
    if (!(is_alpha(at(p, 0)) || at(p, 0) == '_')) {
        if (required)
            vtlp_fail(p, st, "Encountered \"%.*s\", was expecting a reference", SNIP(p, st));
        p->i = st;
        p->depth--;
        return NULL;
    }
    vtl_node_t *nd = vtlp_node(p, N_REF, st);
    vtlp_ident(p, &nd->name, &nd->name_len);
    nd->name_hash = vtl_name_hash(nd->name, nd->name_len);
    vtl_mod_t **tail = &nd->mods;
    for (;;) {
        if (at(p, 0) == '[') {
            *tail = vtlp_index(p);
            tail = &(*tail)->next;
            continue;
        }
        if (at(p, 0) == '.' && is_alpha(at(p, 1))) {
            p->i++;
            vtl_mod_t *m = vtlp_alloc(p, sizeof(*m));
            vtlp_ident(p, &m->name, &m->name_len);
            m->kind = MOD_PROP;
            if (at(p, 0) == '(' && vtlp_method_follows(p)) {
                m->kind = MOD_METHOD;
                vec_t v = {0};
                p->i++;
                if (at(p, 0) != ')') {
                    for (;;) {
                        vtlp_ws(p);
                        if ((is_alpha(at(p, 0)) || at(p, 0) == '_') && !vtlp_word_is(p, "true") &&
                            !vtlp_word_is(p, "false")) {
                            vtlp_push(p, &v, vtlp_ref(p, -1, 1));
                            vtlp_ws(p);
                        } else {
                            vtlp_push(p, &v, vtlp_param(p));
                        }
                        if (at(p, 0) == ',') {
                            p->i++;
                            continue;
                        }
                        break;
                    }
                }
                if (at(p, 0) != ')')
                    vtlp_fail(p, p->i, "Encountered \"%.*s\", was expecting \")\"", SNIP(p, p->i));
                p->i++;
                m->args = v.v;
                m->nargs = v.n;
            }
            *tail = m;
            tail = &m->next;
            continue;
        }
        break;
    }
    /* after $a.b[i], "(" is lexed as a method's and fails (Velocity 1.7) */
    int refmod = 0, last_index = 0;
    for (vtl_mod_t *m = nd->mods; m; m = m->next) {
        if (m->kind != MOD_INDEX)
            refmod = m->kind == MOD_PROP;
        last_index = m->kind == MOD_INDEX;
    }
    if (!braced && refmod && last_index && at(p, 0) == '(')
        vtlp_fail(p, p->i, "Encountered \"(\" after an index");
    if (braced) {
        if (at(p, 0) != '}')
            vtlp_fail(p, p->i, "Encountered \"%.*s\", was expecting \"}\"", SNIP(p, p->i));
        p->i++;
    }
    nd->silent = silent;
    nd->escaped = nesc % 2;
    nd->esc_prefix = nesc / 2;
    nd->text = p->s + st;
    nd->len = p->i - st;
    p->depth--;
    return nd;
}

/* ---- expressions ---- */
static vtl_node_t *primary(parser_t *p)
{
    vtlp_ws(p);
    vtl_node_t *nd;
    if (at(p, 0) == '(') {
        size_t st = ++p->i;
        nd = vtlp_expr(p);
        if (at(p, 0) != ')')
            vtlp_fail(p, p->i, "Encountered \"%.*s\", was expecting \")\"", SNIP(p, p->i));
        if (nd->kind == E_BIN) {
            nd->text = p->s + st;
            nd->len = p->i - st;
        }
        p->i++;
        vtlp_ws(p);
        return nd;
    }
    return vtlp_param(p);
}

static vtl_node_t *unary(parser_t *p)
{
    vtlp_ws(p);
    int neg = 0;
    if (at(p, 0) == '!' && at(p, 1) != '=') {
        p->i++;
        neg = 1;
    } else if (vtlp_word_is(p, "not")) {
        p->i += 3;
        neg = 1;
    }
    if (neg) {
        vtl_node_t *nd = vtlp_node(p, E_NOT, p->i);
        nd->a = unary(p);
        return nd;
    }
    return primary(p);
}

typedef struct opdef {
    const char *sym, *word;
    int op, level;
} opdef_t;

static const opdef_t ops[] = {
    {"||", "or", OP_OR, 0}, {"&&", "and", OP_AND, 1}, {"==", "eq", OP_EQ, 2},
    {"!=", "ne", OP_NE, 2}, {"<=", "le", OP_LE, 3},   {">=", "ge", OP_GE, 3},
    {"<", "lt", OP_LT, 3},  {">", "gt", OP_GT, 3},    {"+", NULL, OP_ADD, 4},
    {"-", NULL, OP_SUB, 4}, {"*", NULL, OP_MUL, 5},   {"/", NULL, OP_DIV, 5},
    {"%", NULL, OP_MOD, 5},
};

static const opdef_t *peek_op(parser_t *p, int level)
{
    if (at(p, 0) == '-' && (is_digit(at(p, 1)) || (at(p, 1) == '.' && is_digit(at(p, 2)))))
        vtlp_fail(p, p->i, "Encountered \"%.*s\"", SNIP(p, p->i)); /* an INTEGER_LITERAL token */
    for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        if (ops[k].level != level)
            continue;
        if (starts(p, ops[k].sym) || (ops[k].word && vtlp_word_is(p, ops[k].word)))
            return &ops[k];
    }
    return NULL;
}

static vtl_node_t *binary(parser_t *p, int level)
{
    if (level > 5)
        return unary(p);
    vtl_node_t *l = binary(p, level + 1);
    for (;;) {
        vtlp_ws(p);
        const opdef_t *o = peek_op(p, level);
        if (!o)
            return l;
        p->i += starts(p, o->sym) ? strlen(o->sym) : strlen(o->word);
        vtl_node_t *nd = vtlp_node(p, E_BIN, p->i);
        size_t rst = p->i;
        nd->op = o->op;
        nd->a = l;
        nd->b = binary(p, level + 1);
        /* what Velocity prints for this node when it is null in a "+" */
        nd->text = p->s + rst;
        nd->len = p->i - rst;
        l = nd;
    }
}

vtl_node_t *vtlp_expr(parser_t *p)
{
    if (++p->depth > 200)
        vtlp_fail(p, p->i, "expression nested too deeply");
    vtl_node_t *nd = binary(p, 0);
    p->depth--;
    return nd;
}

/* ---- directives ---- */
