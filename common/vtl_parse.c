/* vtl_parse: Velocity 1.7's template grammar, read by hand into the AST of
 * vtl_int.h. The lexer rules that decide what is text and what is VTL (and
 * which whitespace a directive swallows) follow Velocity's Parser.jjt:
 * - a directive's closing ")" (and #else, #end) swallows following spaces
 *   and tabs up to and including one newline, when a newline follows;
 * - #set also swallows the spaces and tabs before it when they start a
 *   token (right after a reference, a directive or a newline it swallowed);
 * - "##" comments swallow their newline; "#* *#" do not.
 * Errors name the line and column (1-based) where reading failed. */
#include <setjmp.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtl_parse_int.h"

void vtlp_where(const char *s, size_t pos, int *line, int *col)
{
    int l = 1, c = 1;
    for (size_t k = 0; k < pos; k++) {
        if (s[k] == '\n') {
            l++;
            c = 1;
        } else if ((s[k] & 0xC0) != 0x80) {
            c++;
        }
    }
    *line = l;
    *col = c;
}

__attribute__((format(printf, 3, 4))) _Noreturn void vtlp_fail(parser_t *p, size_t pos,
                                                               const char *fmt, ...)
{
    if (p->err) {
        va_list ap;
        p->err->code = VTL_EPARSE;
        /* at the end of input, Velocity names the last character */
        vtlp_where(p->s, pos >= p->n && p->n ? p->n - 1 : pos, &p->err->line, &p->err->column);
        char msg[150];
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        snprintf(p->err->message, sizeof(p->err->message), "%s at line %d, column %d", msg,
                 p->err->line, p->err->column);
    }
    longjmp(p->fail, VTL_EPARSE);
}

void *vtlp_alloc(parser_t *p, size_t n)
{
    void *m = p->al->alloc(p->al->ud, n);
    if (!m) {
        if (p->err) {
            p->err->code = VTL_ENOMEM;
            snprintf(p->err->message, sizeof(p->err->message), "out of memory");
        }
        longjmp(p->fail, VTL_ENOMEM);
    }
    memset(m, 0, n);
    return m;
}

vtl_node_t *vtlp_node(parser_t *p, int kind, size_t pos)
{
    vtl_node_t *nd = vtlp_alloc(p, sizeof(*nd));
    nd->kind = kind;
    nd->line = (int)pos; /* position for now; fine for errors at run time */
    return nd;
}

/* ---- node lists ---- */
typedef struct list {
    vtl_node_t *head, *tail;
} list_t;

static void push(list_t *l, vtl_node_t *nd)
{
    if (l->tail)
        l->tail->next = nd;
    else
        l->head = nd;
    l->tail = nd;
}

static void text(parser_t *p, list_t *l, const char *t, size_t len)
{
    if (len == 0)
        return;
    vtl_node_t *nd = vtlp_node(p, N_TEXT, p->i);
    nd->text = t;
    nd->len = len;
    push(l, nd);
}

void vtlp_push(parser_t *p, vec_t *v, vtl_node_t *nd)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 4;
        vtl_node_t **nv = vtlp_alloc(p, cap * sizeof(*nv));
        if (v->n)
            memcpy(nv, v->v, v->n * sizeof(*nv));
        v->v = nv;
        v->cap = cap;
    }
    v->v[v->n++] = nd;
}

/* ---- DIRECTIVE-state helpers ---- */
void vtlp_ws(parser_t *p)
{
    while (p->i < p->n && strchr(" \t\r\n", p->s[p->i]))
        p->i++;
}

/* ")" of a directive: swallows [ \t]* and one newline when a newline follows */
static void rparen(parser_t *p)
{
    if (at(p, 0) != ')')
        vtlp_fail(p, p->i, "Encountered \"%.*s\", was expecting \")\"", SNIP(p, p->i));
    p->i++;
    size_t k = p->i;
    while (k < p->n && (p->s[k] == ' ' || p->s[k] == '\t'))
        k++;
    if (k < p->n && p->s[k] == '\n')
        p->i = k + 1;
    else if (k < p->n && p->s[k] == '\r')
        p->i = k + 1 + (k + 1 < p->n && p->s[k + 1] == '\n');
}

static int match_set(parser_t *p);
static vtl_node_t *parse_set(parser_t *p, size_t st)
{
    vtl_node_t *nd = vtlp_node(p, N_SET, st);
    vtlp_ws(p);
    if (at(p, 0) != '$')
        vtlp_fail(p, p->i, "Encountered \"%.*s\", was expecting a reference", SNIP(p, p->i));
    nd->a = vtlp_ref(p, 0, 1);
    vtlp_ws(p);
    if (at(p, 0) != '=' || at(p, 1) == '=')
        vtlp_fail(p, p->i, "Encountered \"%.*s\", was expecting \"=\"", SNIP(p, p->i));
    p->i++;
    nd->b = vtlp_expr(p);
    rparen(p);
    return nd;
}

/* [ \t]*(#set|#{set}) *( at p->i: returns 1 and moves past "(" */
static int match_set(parser_t *p)
{
    size_t k = p->i;
    while (k < p->n && (p->s[k] == ' ' || p->s[k] == '\t'))
        k++;
    if (k + 4 <= p->n && memcmp(p->s + k, "#set", 4) == 0)
        k += 4;
    else if (k + 6 <= p->n && memcmp(p->s + k, "#{set}", 6) == 0)
        k += 6;
    else
        return 0;
    while (k < p->n && p->s[k] == ' ')
        k++;
    if (k >= p->n || p->s[k] != '(')
        return 0;
    p->i = k + 1;
    return 1;
}

static int set_follows(parser_t *p)
{
    size_t save = p->i;
    int r = match_set(p);
    p->i = save;
    return r;
}

/* DirectiveArg(): like Parameter() but a bare word is allowed */
static vtl_node_t *directive_arg(parser_t *p)
{
    if (is_alpha(at(p, 0)) || at(p, 0) == '_' || at(p, 0) == '@') {
        if (!vtlp_word_is(p, "true") && !vtlp_word_is(p, "false")) {
            vtl_node_t *nd = vtlp_node(p, E_WORD, p->i);
            size_t st = p->i;
            while (is_dchar(at(p, 0)))
                p->i++;
            nd->text = p->s + st;
            nd->len = p->i - st;
            return nd;
        }
    }
    size_t save = p->i;
    vtl_node_t *nd = vtlp_param(p);
    /* parse_param swallowed trailing whitespace; the caller's [WS] does too */
    (void)save;
    return nd;
}

/* "(" args ")" after a directive word; p->i at "(" */
static void directive_args(parser_t *p, vec_t *v)
{
    p->i++;
    for (;;) {
        vtlp_ws(p);
        if (at(p, 0) == ')')
            break;
        if (at(p, 0) == ',') {
            p->i++;
            vtlp_ws(p);
        }
        vtlp_push(p, v, directive_arg(p));
    }
    rparen(p);
}

static int lparen_follows(parser_t *p)
{
    size_t k = p->i;
    while (k < p->n && strchr(" \t\r\n", p->s[k]))
        k++;
    return k < p->n && p->s[k] == '(';
}

static vtl_node_t *parse_if(parser_t *p, size_t st)
{
    vtl_node_t *nd = vtlp_node(p, N_IF, st);
    vtlp_ws(p);
    if (at(p, 0) != '(')
        vtlp_fail(p, p->i, "Encountered \"%.*s\", was expecting \"(\"", SNIP(p, p->i));
    p->i++;
    nd->a = vtlp_expr(p);
    rparen(p);
    int term;
    nd->b = vtlp_block(p, B_IF, &term);
    vtl_node_t *cur = nd;
    while (term == T_ELSEIF) {
        vtl_node_t *ei = vtlp_node(p, N_IF, p->i);
        vtlp_ws(p);
        if (at(p, 0) != '(')
            vtlp_fail(p, p->i, "Encountered \"%.*s\", was expecting \"(\"", SNIP(p, p->i));
        p->i++;
        ei->a = vtlp_expr(p);
        rparen(p);
        ei->b = vtlp_block(p, B_IF, &term);
        cur->c = ei;
        cur = ei;
    }
    if (term == T_ELSE) {
        vtl_node_t *el = vtlp_node(p, N_ELSE, p->i);
        el->b = vtlp_block(p, B_BLOCK, &term);
        cur->c = el;
    }
    if (term != T_END)
        vtlp_fail(p, st, "Encountered end of input: #if without #end");
    return nd;
}

static void add_macro(parser_t *p, vec_t *args, vtl_node_t *body, size_t st)
{
    if (args->n == 0 || args->v[0]->kind != E_WORD)
        vtlp_fail(p, st, "Invalid first arg in #macro() directive - must be a word token");
    for (size_t k = 1; k < args->n; k++)
        if (args->v[k]->kind != N_REF)
            vtlp_fail(p, st, "Invalid arg in #macro() directive - must be a reference");
    vtl_macro_t *m = vtlp_alloc(p, sizeof(*m));
    m->name = args->v[0]->text;
    m->name_len = args->v[0]->len;
    m->params = args->v + 1;
    m->nparams = args->n - 1;
    m->body = body;
    m->next = *p->macros;
    *p->macros = m;
}

/* "#word" seen (p->i after it); name is the word */
static vtl_node_t *parse_directive(parser_t *p, size_t st, const char *name, size_t nlen)
{
#define IS(w) (nlen == strlen(w) && memcmp(name, w, nlen) == 0)
    vec_t args = {0};
    int parens = lparen_follows(p);
    if (parens) {
        vtlp_ws(p);
        directive_args(p, &args);
    }
    /* a bare word is an argument only of #macro (its name) and #foreach
     * ("in"); Velocity refuses it for its other directives */
    int builtin = IS("foreach") || IS("macro") || IS("define") || IS("evaluate") || IS("break") ||
                  IS("stop") || IS("include") || IS("parse") || IS("literal");
    for (size_t k = 0; builtin && k < args.n; k++)
        if (args.v[k]->kind == E_WORD && !(IS("macro") && k == 0) && !(IS("foreach") && k == 1))
            vtlp_fail(p, st, "Invalid arg #%zu in directive #%.*s", k, (int)nlen, name);
    if (IS("include") || IS("parse"))
        vtlp_fail(p, st, "#%.*s is not allowed in mapping templates", (int)nlen, name);
    if (IS("literal") || name[0] == '@')
        vtlp_fail(p, st, "#%.*s is not supported", (int)nlen, name);
    int term;
    vtl_node_t *nd;
    if (IS("foreach")) {
        if (!parens)
            vtlp_fail(p, st, "#foreach needs arguments");
        if (args.n != 3 || args.v[0]->kind != N_REF || args.v[1]->kind != E_WORD ||
            args.v[0]->mods) {
            /* Velocity renders a #foreach it cannot read as nothing */
            vtlp_block(p, B_BLOCK, &term);
            if (term != T_END)
                vtlp_fail(p, st, "Encountered end of input: #foreach without #end");
            return vtlp_node(p, N_TEXT, st);
        }
        nd = vtlp_node(p, N_FOREACH, st);
        nd->name = args.v[0]->name;
        nd->name_len = args.v[0]->name_len;
        nd->name_hash = args.v[0]->name_hash;
        nd->a = args.v[2];
        nd->b = vtlp_block(p, B_BLOCK, &term);
        if (term != T_END)
            vtlp_fail(p, st, "Encountered end of input: #foreach without #end");
        return nd;
    }
    if (IS("macro")) {
        if (!parens)
            vtlp_fail(p, st, "A macro declaration requires at least a name argument");
        vtl_node_t *body = vtlp_block(p, B_BLOCK, &term);
        if (term != T_END)
            vtlp_fail(p, st, "Encountered end of input: #macro without #end");
        add_macro(p, &args, body, st);
        return vtlp_node(p, N_TEXT, st); /* renders nothing */
    }
    if (IS("define")) {
        if (!parens || args.n != 1 || args.v[0]->kind != N_REF || args.v[0]->mods)
            vtlp_fail(p, st, "#define needs one reference argument");
        nd = vtlp_node(p, N_DEFINE, st);
        nd->name = args.v[0]->name;
        nd->name_len = args.v[0]->name_len;
        nd->name_hash = args.v[0]->name_hash;
        nd->b = vtlp_block(p, B_BLOCK, &term);
        if (term != T_END)
            vtlp_fail(p, st, "Encountered end of input: #define without #end");
        return nd;
    }
    if (IS("evaluate")) {
        if (!parens || args.n != 1)
            vtlp_fail(p, st, "#evaluate needs one argument");
        nd = vtlp_node(p, N_EVALUATE, st);
        nd->a = args.v[0];
        return nd;
    }
    if (IS("break"))
        return vtlp_node(p, N_BREAK, st);
    if (IS("stop"))
        return vtlp_node(p, N_STOP, st);
    nd = vtlp_node(p, N_CALL, st);
    nd->name = name;
    nd->name_len = nlen;
    nd->args = args.v;
    nd->nargs = args.n;
    nd->op = parens;
    nd->text = p->s + st;
    nd->len = parens ? p->i - st : (size_t)(name + nlen - (p->s + st)) + (p->s[st + 1] == '{');
    return nd;
#undef IS
}

static int is_known_directive(parser_t *p, const char *w, size_t n)
{
    static const char *const names[] = {"if",      "else",     "elseif", "end",   "set",
                                        "foreach", "include",  "parse",  "macro", "literal",
                                        "define",  "evaluate", "break",  "stop"};
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
        if (strlen(names[k]) == n && memcmp(names[k], w, n) == 0)
            return 1;
    for (vtl_macro_t *m = *p->macros; m; m = m->next)
        if (m->name_len == n && memcmp(m->name, w, n) == 0)
            return 1;
    return 0;
}

/* At '#' followed by a word or {word}: the word's span; 0 when none */
static int hash_word(parser_t *p, size_t pos, const char **w, size_t *wn, size_t *end)
{
    size_t k = pos + 1;
    int br = k < p->n && p->s[k] == '{';
    if (br)
        k++;
    if (k >= p->n)
        return 0;
    int c = (unsigned char)p->s[k];
    if (!(is_alpha(c) || c == '_' || (!br && c == '@')))
        return 0;
    size_t ws_ = k;
    while (k < p->n && is_dchar((unsigned char)p->s[k]))
        k++;
    *w = p->s + ws_;
    *wn = k - ws_;
    if (br) {
        if (k >= p->n || p->s[k] != '}')
            return 0;
        k++;
    }
    *end = k;
    return 1;
}

static void gobble_line(parser_t *p)
{
    size_t k = p->i;
    while (k < p->n && (p->s[k] == ' ' || p->s[k] == '\t'))
        k++;
    if (k < p->n && p->s[k] == '\n')
        p->i = k + 1;
    else if (k < p->n && p->s[k] == '\r')
        p->i = k + 1 + (k + 1 < p->n && p->s[k + 1] == '\n');
}

static char *repeat_bs(parser_t *p, size_t n)
{
    char *b = vtlp_alloc(p, n + 1);
    memset(b, '\\', n);
    return b;
}

/* backslashes at p->i */
enum { R_REF = 1, R_MOD = 2, R_SET = 4 };

/* the lexical state a reference leaves: none when braced, REFMODIFIER
 * after a property, REFERENCE otherwise */
static int ref_state(const vtl_node_t *r)
{
    if (r->text[1] == '{' || (r->text[1] == '!' && r->text[2] == '{'))
        return 0;
    int mod = 0;
    for (const vtl_mod_t *m = r->mods; m; m = m->next)
        if (m->kind != MOD_INDEX)
            mod = m->kind == MOD_PROP;
    return mod ? R_MOD : R_REF;
}

/* returns the lexical state when it added a reference, else 0 */
static int parse_escape(parser_t *p, list_t *l)
{
    size_t st = p->i;
    while (at(p, 0) == '\\')
        p->i++;
    size_t nbs = p->i - st;
    if (at(p, 0) == '$') {
        vtl_node_t *r = vtlp_ref(p, (int)nbs, 0);
        if (r) {
            push(l, r);
            return ref_state(r);
        }
        text(p, l, p->s + st, nbs);
        return 0;
    }
    const char *w;
    size_t wn, end;
    if (at(p, 0) == '#' && hash_word(p, p->i, &w, &wn, &end)) {
        int known = is_known_directive(p, w, wn);
        if (nbs % 2) { /* an escaped directive: "\#if" prints "#if" */
            if (known) {
                text(p, l, repeat_bs(p, (nbs - 1) / 2), (nbs - 1) / 2);
                text(p, l, p->s + p->i, end - p->i);
            } else {
                text(p, l, p->s + st, end - st);
            }
            p->i = end;
            return 0;
        }
        /* "\\#if": half the backslashes, then the directive */
        text(p, l, known ? repeat_bs(p, nbs / 2) : p->s + st, known ? nbs / 2 : nbs);
        return 0;
    }
    text(p, l, p->s + st, nbs);
    return 0;
}

/* after "#" + word; returns a terminator or -1 after adding nodes */
static int parse_hash(parser_t *p, list_t *l, int mode);

/* "$#word" or "$!#word": Velocity lexes the prefix into the directive's
 * name, so a directive becomes an unknown one printed as written; #if,
 * #else, #elseif, #end and #* comments swallow the prefix. Returns 1 when
 * handled (nodes added), 0 when the '#' is handled as usual. */
static int dollar_hash(parser_t *p, list_t *l, size_t st, int mode)
{
    const char *w;
    size_t wn, end;
    if (at(p, 1) == '*') {
        parse_hash(p, l, mode);
        return 1;
    }
    if (at(p, 1) == '[' && at(p, 2) == '[') {
        /* the prefix joins the #[[ ]]# token, which prints without its
         * first and last three characters */
        for (size_t k = p->i + 3; k + 2 < p->n; k++) {
            if (p->s[k] == ']' && p->s[k + 1] == ']' && p->s[k + 2] == '#') {
                p->i = k + 3;
                text(p, l, p->s + st + 3, p->i - st - 6);
                return 1;
            }
        }
        vtlp_fail(p, st, "Lexical error: unterminated #[[ ]]#");
    }
    if (!hash_word(p, p->i, &w, &wn, &end))
        return 0;
    if (set_follows(p))
        return 0;
    if ((wn == 2 && memcmp(w, "if", 2) == 0) || (wn == 4 && memcmp(w, "else", 4) == 0) ||
        (wn == 6 && memcmp(w, "elseif", 6) == 0) || (wn == 3 && memcmp(w, "end", 3) == 0))
        return 0;
    p->i = end;
    vec_t args = {0};
    if (lparen_follows(p)) {
        vtlp_ws(p);
        directive_args(p, &args);
    }
    vtl_node_t *nd = vtlp_node(p, N_CALL, st);
    nd->name = "";
    nd->args = args.v;
    nd->nargs = args.n;
    nd->text = p->s + st;
    nd->len = p->i - st;
    push(l, nd);
    return 1;
}

static int parse_hash(parser_t *p, list_t *l, int mode)
{
    size_t st = p->i;
    const char *w;
    size_t wn, end;
    if (at(p, 1) == '#') { /* ## comment, with its newline */
        while (p->i < p->n && p->s[p->i] != '\n' && p->s[p->i] != '\r')
            p->i++;
        gobble_line(p);
        return -1;
    }
    if (at(p, 1) == '*') {
        const char *e = NULL;
        for (size_t k = p->i + 2; k + 1 < p->n; k++)
            if (p->s[k] == '*' && p->s[k + 1] == '#') {
                e = p->s + k;
                break;
            }
        /* an unterminated comment runs to the end (Velocity 1.7) */
        p->i = e ? (size_t)(e - p->s) + 2 : p->n;
        return -1;
    }
    if (at(p, 1) == '[' && at(p, 2) == '[') {
        const char *e = NULL;
        for (size_t k = p->i + 3; k + 2 < p->n; k++)
            if (p->s[k] == ']' && p->s[k + 1] == ']' && p->s[k + 2] == '#') {
                e = p->s + k;
                break;
            }
        if (!e)
            vtlp_fail(p, st, "Lexical error: unterminated #[[ ]]#");
        text(p, l, p->s + st + 3, (size_t)(e - (p->s + st + 3)));
        p->i = (size_t)(e - p->s) + 3;
        return -1;
    }
    if (is_digit(at(p, 1)) || (at(p, 1) == '-' && is_digit(at(p, 2)))) {
        /* "#12": a number token, and a token boundary after it */
        p->i++;
        vtlp_number(p);
        text(p, l, p->s + st, p->i - st);
        return -1;
    }
    if (!hash_word(p, p->i, &w, &wn, &end)) {
        if (p->i + 1 >= p->n)
            vtlp_fail(p, p->i + 1, "Lexical error: <EOF> after \"#\"");
        p->i++;
        if (!set_follows(p))
            text(p, l, p->s + st, 1);
        return -1;
    }
    p->i = end;
#define IS(x) (wn == strlen(x) && memcmp(w, x, wn) == 0)
    if (IS("end") || IS("else") || IS("elseif")) {
        int t = IS("end") ? T_END : IS("else") ? T_ELSE : T_ELSEIF;
        if (t != T_ELSEIF)
            gobble_line(p);
        if (mode == B_TOP || (mode == B_BLOCK && t != T_END))
            vtlp_fail(p, st, "Encountered \"#%.*s\"", (int)wn, w);
        return t;
    }
    if (IS("if")) {
        push(l, parse_if(p, st));
        return -1;
    }
#undef IS
    push(l, parse_directive(p, st, w, wn));
    return -1;
}

/* Text lexed in a reference's state after such a #set: an identifier
 * prints, its modifiers vanish. */
static int pseudo_ref(parser_t *p, list_t *l)
{
    int state = R_REF;
    size_t st = p->i;
    const char *name;
    size_t nlen;
    vtlp_ident(p, &name, &nlen);
    text(p, l, p->s + st, nlen);
    for (;;) {
        if (at(p, 0) == '[') {
            vtlp_index(p); /* keeps the state */
        } else if (at(p, 0) == '.' && is_alpha(at(p, 1))) {
            p->i++;
            vtlp_ident(p, &name, &nlen);
            state = R_MOD;
            if (at(p, 0) == '(' && vtlp_method_follows(p)) {
                state = R_REF;
                vec_t v = {0};
                p->i++;
                while (at(p, 0) != ')') {
                    vtlp_ws(p);
                    if ((is_alpha(at(p, 0)) || at(p, 0) == '_') && !vtlp_word_is(p, "true") &&
                        !vtlp_word_is(p, "false")) {
                        vtlp_push(p, &v, vtlp_ref(p, -1, 1));
                        vtlp_ws(p);
                    } else {
                        vtlp_push(p, &v, vtlp_param(p));
                    }
                    if (at(p, 0) == ',')
                        p->i++;
                    else if (at(p, 0) != ')')
                        vtlp_fail(p, p->i, "Encountered \"%.*s\"", SNIP(p, p->i));
                }
                p->i++;
            }
        } else {
            break;
        }
    }
    return state;
}

vtl_node_t *vtlp_block(parser_t *p, int mode, int *term)
{
    list_t l = {0};
    /* the lexer is still in a reference's state: R_REF ($a, $a.b()), R_MOD
     * ($a.b, after a property), R_SET when a #set was lexed in that state */
    int in_ref = 0;
    if (++p->depth > 200)
        vtlp_fail(p, p->i, "blocks nested too deeply");
    for (;;) {
        if (p->i >= p->n) {
            *term = T_EOF;
            break;
        }
        size_t st = p->i;
        int was_in_ref = in_ref;
        in_ref = 0;
        if (match_set(p)) {
            push(&l, parse_set(p, st));
            /* a #set lexed right after a reference returns to the
             * reference's lexical state (Velocity 1.7) */
            in_ref = was_in_ref ? (was_in_ref & (R_REF | R_MOD)) | R_SET : 0;
            continue;
        }
        if ((was_in_ref & R_MOD) && at(p, 0) == '#' && at(p, 1) == '#') {
            /* no "##" comment in a property's lexical state: text */
            p->i++;
            text(p, &l, p->s + st, 1);
            continue;
        }
        if ((was_in_ref & R_SET) && (was_in_ref & R_MOD) && at(p, 0) == '(')
            vtlp_fail(p, p->i, "Encountered \"(\" after #set");
        if ((was_in_ref & R_SET) && at(p, 0) == '[') {
            vtlp_index(p); /* an index, lexed and dropped */
            in_ref = was_in_ref & (R_REF | R_MOD);
            continue;
        }
        if (was_in_ref && at(p, 0) == '{' && (is_alpha(at(p, 1)) || at(p, 1) == '_')) {
            /* "{name}" reads as a braced reference: "{" prints */
            p->i++;
            if (!(is_alpha(at(p, 0)) || at(p, 0) == '_'))
                vtlp_fail(p, p->i, "Encountered \"%.*s\", was expecting an identifier",
                          SNIP(p, p->i));
            list_t dummy = {0};
            pseudo_ref(p, &dummy);
            if (at(p, 0) != '}')
                vtlp_fail(p, p->i, "Encountered \"%.*s\", was expecting \"}\"", SNIP(p, p->i));
            p->i++;
            text(p, &l, p->s + st, 1);
            continue;
        }
        if (was_in_ref && at(p, 0) == '{' && at(p, 1) == '$' &&
            (is_alpha(at(p, 2)) || at(p, 2) == '_' ||
             (at(p, 2) == '!' && (is_alpha(at(p, 3)) || at(p, 3) == '_')))) {
            /* "{$x" after a reference: a braced reference that must close */
            p->i++;
            if (!vtlp_ref(p, 0, 0) || at(p, 0) != '}')
                vtlp_fail(p, p->i, "Encountered \"%.*s\", was expecting \"}\"", SNIP(p, p->i));
            p->i++;
            text(p, &l, p->s + st, 1);
            continue;
        }
        if (was_in_ref && at(p, 0) == '}') {
            /* "}" is a token of its own there; it leaves the reference */
            p->i++;
            text(p, &l, p->s + st, 1);
            continue;
        }
        if (was_in_ref && at(p, 0) == '{') {
            /* a lone "{" is a token of its own; the lexer keeps its state */
            p->i++;
            text(p, &l, p->s + st, 1);
            in_ref = was_in_ref | R_SET; /* "[" after it is an index */
            continue;
        }
        if ((was_in_ref & R_SET) && (is_alpha(at(p, 0)) || at(p, 0) == '_')) {
            in_ref = pseudo_ref(p, &l);
            continue;
        }
        char c = p->s[p->i];
        if (c == '\\') {
            in_ref = parse_escape(p, &l);
            continue;
        }
        if (c == '$') {
            vtl_node_t *r = vtlp_ref(p, 0, 0);
            if (r) {
                push(&l, r);
                in_ref = ref_state(r);
                continue;
            }
            /* a '$' that starts nothing: Velocity drops the '!' of "$!", and
             * the whole prefix when a #set follows */
            p->i++;
            if (at(p, 0) == '!' && at(p, 1) < 0)
                vtlp_fail(p, p->n, "Lexical error: <EOF> after \"$!\"");
            size_t k = p->i + 1;
            while (at(p, 0) == '!' && k < p->n && p->s[k] == '\\')
                k++;
            if (at(p, 0) == '!' && k > p->i + 1 && k < p->n && p->s[k] == '#') {
                p->i++; /* "$!\\#if": the prefix vanishes */
                continue;
            }
            if (at(p, 0) == '!' && k > p->i + 1 && k + 1 < p->n && p->s[k] == '$' &&
                (is_alpha((unsigned char)p->s[k + 1]) || p->s[k + 1] == '_')) {
                /* "$!\\$x": the prefix prints, then the reference $x */
                text(p, &l, p->s + st, k - st);
                p->i = k;
                vtl_node_t *qr = vtlp_ref(p, 0, 1);
                qr->silent = 0;
                push(&l, qr);
                in_ref = ref_state(qr);
                continue;
            }
            /* "$!" drops its '!' (Velocity 1.7's lexer), except before "{",
             * "[", "$name" and "\\$"; before "#" it prints unless the
             * directive takes it */
            int bang = 0;
            int keep = strchr("{[}", at(p, 1) > 0 ? at(p, 1) : 'x') != NULL ||
                       (at(p, 1) == '$' && (is_alpha(at(p, 2)) || at(p, 2) == '_' ||
                                            at(p, 2) == '{' || at(p, 2) == '!')) ||
                       (at(p, 1) == '\\' && k < p->n && p->s[k] == '$');
            if (at(p, 0) == '!' && at(p, 1) > 0 && !keep) {
                p->i++;
                /* "$!#" prints whole before a number or "##" */
                bang = at(p, 0) == '#' && (is_digit(at(p, 1)) || at(p, 1) == '#' ||
                                           (at(p, 1) == '-' && is_digit(at(p, 2))));
            }
            if (p->i >= p->n)
                vtlp_fail(p, p->i, "Lexical error: <EOF> after \"$\"");
            if (at(p, 0) == '#' && dollar_hash(p, &l, st, mode))
                continue;
            if (at(p, 0) == '#' && (starts(p, "#if") || starts(p, "#else") || starts(p, "#end") ||
                                    starts(p, "#{if}") || starts(p, "#{else}") ||
                                    starts(p, "#{end}") || starts(p, "#{elseif}")))
                continue; /* the prefix goes with the directive's token */
            if (set_follows(p))
                in_ref = R_REF; /* "$ #set(": the '$' left the lexer in a reference */
            else
                text(p, &l, p->s + st, bang ? 2 : 1);
            continue;
        }
        if (c == '#') {
            int t = parse_hash(p, &l, mode);
            if (t >= 0) {
                *term = t;
                break;
            }
            continue;
        }
        while (p->i < p->n && !strchr("$#\\", p->s[p->i]))
            p->i++;
        text(p, &l, p->s + st, p->i - st);
    }
    p->depth--;
    if (*term == T_EOF && mode != B_TOP)
        vtlp_fail(p, p->n ? p->n - 1 : 0, "Encountered end of input inside a block (missing #end)");
    if (!l.head)
        return vtlp_node(p, N_TEXT, p->i);
    return l.head;
}

int vtl_parse(const char *src, size_t len, const vtl_alloc_t *al, vtl_node_t **out,
              vtl_macro_t **macros, vtl_error_t *err)
{
    parser_t p = {.s = src, .n = len, .al = al, .macros = macros, .err = err};
    int rc = setjmp(p.fail);
    if (rc)
        return rc;
    int term;
    *out = vtlp_block(&p, B_TOP, &term);
    return VTL_OK;
}
