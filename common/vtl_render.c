/* vtl_render: evaluates a compiled template the way Velocity 1.7 does:
 * #set leaves its variable alone when the value is null; #if is true for
 * references that are non-null and not false (and false for bare literals);
 * null references print as written ($!x prints nothing); arithmetic follows
 * Java's Integer/Long/Double with Velocity's promotion (Integer overflow
 * gives a Long) and null for a division by zero; "+" with a string
 * concatenates. Limits are counters checked as the render goes. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vtl_int.h"

const vtl_limits_t vtl_default_limits = {
    .max_output = 10 * 1024 * 1024,
    .max_steps = 5000000,
    .max_memory = 64 * 1024 * 1024,
    .max_foreach = 1000,
    .max_depth = 64,
};

const char *vtl_strerror(int code)
{
    switch (code) {
    case VTL_OK:
        return "ok";
    case VTL_EPARSE:
        return "template syntax error";
    case VTL_ERUNTIME:
        return "template failed while rendering";
    case VTL_ELIMIT:
        return "template over a render limit";
    case VTL_ENOMEM:
        return "out of memory";
    }
    return "unknown error";
}

static void step(vtl_rs_t *rs)
{
    if (++rs->steps > rs->lim.max_steps)
        vtl_fail(rs, VTL_ELIMIT, "template took more than %llu steps",
                 (unsigned long long)rs->lim.max_steps);
}

static void emit(vtl_rs_t *rs, const char *p, size_t n)
{
    rs->total_out += n;
    if (rs->total_out > rs->lim.max_output)
        vtl_fail(rs, VTL_ELIMIT, "template output over %zu bytes", rs->lim.max_output);
    vtl_buf_add(rs, rs->out, p, n);
}

/* ---- variables ---- */
/* a variable's name: its text, vtl_name_hash and name_id (0: none) */
typedef struct name {
    const char *p;
    size_t n;
    uint32_t h, id;
} name_t;

#define NODE_NAME(nd) ((name_t){(nd)->name, (nd)->name_len, (nd)->name_hash, (nd)->name_id})
#define CONST_NAME(s) ((name_t){s, sizeof(s) - 1, vtl_name_hash(s, sizeof(s) - 1), 0})

static vtl_var_t **slot(vtl_rs_t *rs, name_t nm)
{
    vtl_var_t **pp = &rs->globals[nm.h & (rs->nbuckets - 1)];
    while (*pp && !((*pp)->hash == nm.h && (*pp)->name_len == nm.n &&
                    ((*pp)->name == nm.p || memcmp((*pp)->name, nm.p, nm.n) == 0)))
        pp = &(*pp)->next;
    return pp;
}

/* the global named nm, NULL when there is none yet */
static vtl_var_t *global(vtl_rs_t *rs, name_t nm)
{
    if (nm.id && rs->by_id[nm.id])
        return rs->by_id[nm.id];
    vtl_var_t *v = *slot(rs, nm);
    if (nm.id)
        rs->by_id[nm.id] = v;
    return v;
}

/* the global named nm, made undefined when there is none yet (an undefined
 * global reads as no variable at all) */
static vtl_var_t *global_make(vtl_rs_t *rs, name_t nm)
{
    vtl_var_t *v = global(rs, nm);
    if (v)
        return v;
    vtl_var_t **pp = slot(rs, nm);
    v = *pp = vtl_alloc(rs, sizeof(vtl_var_t));
    v->name = nm.p;
    v->name_len = nm.n;
    v->hash = nm.h;
    if (nm.id)
        rs->by_id[nm.id] = v;
    return v;
}

static vtl_var_t *frame_var(vtl_rs_t *rs, const char *name, size_t n)
{
    for (vtl_frame_t *f = rs->frame; f; f = f->up)
        for (vtl_var_t *v = f->vars; v; v = v->next)
            if (v->name_len == n && memcmp(v->name, name, n) == 0)
                return v;
    return NULL;
}

static vtl_value_t eval(vtl_rs_t *rs, const vtl_node_t *nd);
static vtl_value_t ref_value(vtl_rs_t *rs, const vtl_node_t *nd);

/* eval, with a reference (the most common operand) evaluated without
 * entering eval's switch (and its frame); the same steps are counted */
static inline vtl_value_t eval_fast(vtl_rs_t *rs, const vtl_node_t *nd)
{
    if (nd->kind != N_REF)
        return eval(rs, nd);
    step(rs);
    return ref_value(rs, nd);
}

/* the global of a numbered name already found, when nothing can hide it
 * (no macro frame, no pinned loop variable); NULL sends the caller the
 * long way */
static inline vtl_var_t *known_global(vtl_rs_t *rs, uint32_t name_id)
{
    return name_id && !rs->frame && !rs->npins ? rs->by_id[name_id] : NULL;
}

static int get_var(vtl_rs_t *rs, name_t nm, vtl_value_t *out)
{
    vtl_var_t *known = known_global(rs, nm.id);
    if (known) {
        if (!known->defined)
            return 0;
        *out = known->val;
        return 1;
    }
    const char *name = nm.p;
    size_t n = nm.n;
    for (int k = 0; k < rs->npins; k++)
        if (rs->null_pins[k]->name_len == n && memcmp(rs->null_pins[k]->name, name, n) == 0)
            return 0;
    vtl_var_t *fv = frame_var(rs, name, n);
    if (fv && fv->arg) {
        vtl_frame_t *saved = rs->frame;
        rs->frame = fv->arg_frame;
        *out = eval(rs, fv->arg);
        rs->frame = saved;
        return out->type != V_NULL;
    }
    if (fv) {
        *out = fv->val;
        return fv->defined;
    }
    vtl_var_t *v = global(rs, nm);
    if (v && v->defined) {
        *out = v->val;
        return 1;
    }
    return 0;
}

static void set_var(vtl_rs_t *rs, name_t nm, vtl_value_t val, int defined)
{
    vtl_var_t *known = known_global(rs, nm.id);
    if (known) {
        known->val = val;
        known->defined = defined && val.type != V_NULL;
        return;
    }
    vtl_var_t *fv = frame_var(rs, nm.p, nm.n);
    if (fv) { /* the argument takes the value, and so does the global */
        fv->val = val;
        fv->arg = NULL;
        fv->defined = defined && val.type != V_NULL;
    }
    vtl_var_t *v = global(rs, nm);
    if (!v) {
        if (!defined)
            return;
        v = global_make(rs, nm);
    }
    v->val = val;
    v->defined = defined && val.type != V_NULL;
}

/* ---- references ---- */
static void render_list(vtl_rs_t *rs, const vtl_node_t *nd);

static vtl_value_t root_value(vtl_rs_t *rs, name_t nm)
{
    vtl_value_t v;
    if (get_var(rs, nm, &v))
        return v;
    int found = 0;
    v = vtl_builtin_root(rs, nm.p, nm.n, &found);
    if (found && v.type != V_NULL)
        set_var(rs, nm, v, 1); /* $context and friends keep their changes */
    return v;
}

static vtl_value_t *eval_args(vtl_rs_t *rs, vtl_node_t **args, size_t n)
{
    vtl_value_t *v = n ? vtl_alloc(rs, n * sizeof(*v)) : NULL;
    for (size_t k = 0; k < n; k++)
        v[k] = eval_fast(rs, args[k]);
    return v;
}

static vtl_value_t apply_mod(vtl_rs_t *rs, vtl_value_t cur, const vtl_mod_t *m)
{
    step(rs);
    if (cur.type == V_NULL)
        return cur;
    if (m->kind == MOD_PROP) /* a map's property is its entry: the common case, at once */
        return cur.type == V_MAP ? vtl_map_get(cur.u.m, m->name, m->name_len)
                                 : vtl_property(rs, &cur, m->name, m->name_len);
    if (m->kind == MOD_INDEX) {
        vtl_value_t ix = eval(rs, m->args[0]);
        if (cur.type == V_LIST && (ix.type == V_INT)) {
            int64_t i = ix.u.i < 0 ? (int64_t)cur.u.l->n + ix.u.i : ix.u.i;
            if (i < 0 || (size_t)i >= cur.u.l->n)
                vtl_fail(rs, VTL_ERUNTIME, "index %lld out of bounds", (long long)ix.u.i);
            return cur.u.l->v[i];
        }
        if (ix.type == V_INT && ix.u.i < 0 && cur.type != V_MAP && cur.type != V_LIST)
            vtl_fail(rs, VTL_ERUNTIME, "A 'size()' method required for negative value %lld",
                     (long long)ix.u.i);
        if (cur.type == V_MAP) {
            if (ix.type == V_INT && ix.u.i < 0)
                ix.u.i += (int64_t)cur.u.m->n;
            long j = vtl_map_find(cur.u.m, ix);
            return j < 0 ? vtl_null() : cur.u.m->vals[j];
        }
        int found;
        return vtl_call(rs, &cur, "get", 3, &ix, 1, &found);
    }
    vtl_value_t *args = eval_args(rs, m->args, m->nargs);
    int found = 1;
    vtl_value_t r;
    if (cur.type == V_OBJ && (cur.kind == O_INPUT || cur.kind == O_UTIL))
        r = vtl_builtin_call(rs, &cur, m->name, m->name_len, args, m->nargs, &found);
    else
        r = vtl_call(rs, &cur, m->name, m->name_len, args, m->nargs, &found);
    return found ? r : vtl_null();
}

static vtl_value_t ref_value(vtl_rs_t *rs, const vtl_node_t *nd)
{
    step(rs);
    /* a numbered variable already set: no call to find it */
    vtl_var_t *g = known_global(rs, nd->name_id);
    vtl_value_t cur = g && g->defined ? g->val : root_value(rs, NODE_NAME(nd));
    for (const vtl_mod_t *m = nd->mods; m && cur.type != V_NULL; m = m->next)
        cur = apply_mod(rs, cur, m);
    return cur;
}

static void emit_bs(vtl_rs_t *rs, int n)
{
    for (int k = 0; k < n; k++)
        emit(rs, "\\", 1);
}

static void render_ref(vtl_rs_t *rs, const vtl_node_t *nd)
{
    vtl_value_t v = ref_value(rs, nd);
    /* the literal without the backslashes */
    const char *lit = nd->text;
    size_t litn = nd->len;
    if (nd->escaped) {
        emit_bs(rs, nd->esc_prefix);
        if (v.type == V_NULL)
            emit(rs, "\\", 1);
        emit(rs, lit, litn);
        return;
    }
    if (v.type == V_NULL) {
        emit_bs(rs, nd->esc_prefix * 2);
        if (nd->silent)
            return;
        /* a macro argument bound to a null reference prints that one */
        vtl_var_t *fv = nd->mods || lit[1] == '{' ? NULL : frame_var(rs, nd->name, nd->name_len);
        if (fv && fv->arg && fv->arg->kind == N_REF) {
            emit(rs, fv->arg->text, fv->arg->len);
            return;
        }
        emit(rs, lit, litn);
        return;
    }
    emit_bs(rs, nd->esc_prefix);
    if (v.type == V_STR) {
        emit(rs, v.u.str, v.len);
        return;
    }
    vtl_buf_t b = {0};
    vtl_to_string(rs, &b, &v);
    emit(rs, b.p, b.n);
}

/* #set($a.b.c = v): the last modifier is the target */
static void set_ref(vtl_rs_t *rs, const vtl_node_t *lhs, vtl_value_t val)
{
    if (!lhs->mods) {
        set_var(rs, NODE_NAME(lhs), val, val.type != V_NULL);
        return;
    }
    vtl_value_t cur = root_value(rs, NODE_NAME(lhs));
    const vtl_mod_t *m = lhs->mods;
    for (; m->next && cur.type != V_NULL; m = m->next)
        cur = apply_mod(rs, cur, m);
    if (cur.type == V_NULL)
        return;
    if (m->kind == MOD_PROP && cur.type == V_MAP) {
        vtl_map_put(rs, cur.u.m, vtl_str(m->name, m->name_len), val);
    } else if (m->kind == MOD_INDEX) {
        vtl_value_t ix = eval(rs, m->args[0]);
        if (cur.type == V_MAP) {
            vtl_map_put(rs, cur.u.m, ix, val);
        } else if (cur.type == V_LIST && ix.type == V_INT) {
            int64_t i = ix.u.i < 0 ? (int64_t)cur.u.l->n + ix.u.i : ix.u.i;
            if (i < 0 || (size_t)i >= cur.u.l->n)
                vtl_fail(rs, VTL_ERUNTIME, "index %lld out of bounds", (long long)ix.u.i);
            cur.u.l->v[i] = val;
        }
    }
}

/* ---- expressions ---- */
static int is_integral(const vtl_value_t *v)
{
    return v->type == V_INT || v->type == V_LONG;
}

static int num_compare(const vtl_value_t *a, const vtl_value_t *b)
{
    if (is_integral(a) && is_integral(b))
        return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
    double x = vtl_num_double(a), y = vtl_num_double(b);
    return x < y ? -1 : x > y;
}

static int eq_values(vtl_rs_t *rs, vtl_value_t *l, vtl_value_t *r)
{
    if (vtl_is_number(l) && vtl_is_number(r))
        return num_compare(l, r) == 0;
    if (l->type == V_NULL || r->type == V_NULL)
        return l->type == r->type;
    if (l->type == r->type && l->type != V_OBJ)
        return vtl_equals(l, r);
    vtl_value_t ls = vtl_stringify(rs, l), rsv = vtl_stringify(rs, r);
    return vtl_equals(&ls, &rsv);
}

static int truthy(vtl_rs_t *rs, const vtl_node_t *nd);

/* a null operand of "+" prints as its source (references, operations) */
static size_t literal_len(const vtl_node_t *nd)
{
    return nd->kind == N_REF || nd->kind == E_BIN ? nd->len : 0;
}

static vtl_value_t arith(vtl_rs_t *rs, const vtl_node_t *nd)
{
    vtl_value_t l = eval_fast(rs, nd->a), r = eval_fast(rs, nd->b);
    if (nd->op == OP_ADD && (l.type == V_STR || r.type == V_STR)) {
        vtl_buf_t b = {0};
        if (l.type == V_NULL)
            vtl_buf_add(rs, &b, nd->a->text, literal_len(nd->a));
        else
            vtl_to_string(rs, &b, &l);
        if (r.type == V_NULL)
            vtl_buf_add(rs, &b, nd->b->text, literal_len(nd->b));
        else
            vtl_to_string(rs, &b, &r);
        return vtl_str(b.p, b.n);
    }
    if (!vtl_is_number(&l) || !vtl_is_number(&r))
        return vtl_null();
    if ((nd->op == OP_DIV || nd->op == OP_MOD) && vtl_num_double(&r) == 0)
        return vtl_null();
    if (is_integral(&l) && is_integral(&r)) {
        int64_t x = l.u.i, y = r.u.i, z = 0;
        int ovf = 0;
        switch (nd->op) {
        case OP_ADD:
            ovf = __builtin_add_overflow(x, y, &z);
            break;
        case OP_SUB:
            ovf = __builtin_sub_overflow(x, y, &z);
            break;
        case OP_MUL:
            ovf = __builtin_mul_overflow(x, y, &z);
            break;
        case OP_DIV:
            z = (x == INT64_MIN && y == -1) ? INT64_MIN : x / y;
            break;
        case OP_MOD:
            z = (y == -1) ? 0 : x % y;
            break;
        }
        if (ovf)
            vtl_fail(rs, VTL_ERUNTIME, "integer overflow (BigInteger is not supported)");
        if (l.type == V_INT && r.type == V_INT)
            return vtl_int(z);
        return vtl_long(z);
    }
    double x = vtl_num_double(&l), y = vtl_num_double(&r), z = 0;
    switch (nd->op) {
    case OP_ADD:
        z = x + y;
        break;
    case OP_SUB:
        z = x - y;
        break;
    case OP_MUL:
        z = x * y;
        break;
    case OP_DIV:
        z = x / y;
        break;
    case OP_MOD:
        z = fmod(x, y);
        break;
    }
    return vtl_double(z);
}

static int compare_op(vtl_rs_t *rs, const vtl_node_t *nd)
{
    vtl_value_t l = eval_fast(rs, nd->a), r = eval_fast(rs, nd->b);
    if (nd->op == OP_EQ)
        return eq_values(rs, &l, &r);
    if (nd->op == OP_NE)
        return !eq_values(rs, &l, &r);
    if (!vtl_is_number(&l) || !vtl_is_number(&r))
        return 0;
    int c = num_compare(&l, &r);
    switch (nd->op) {
    case OP_LT:
        return c < 0;
    case OP_GT:
        return c > 0;
    case OP_LE:
        return c <= 0;
    default:
        return c >= 0;
    }
}

static int truthy(vtl_rs_t *rs, const vtl_node_t *nd)
{
    step(rs);
    switch (nd->kind) {
    case E_TRUE:
        return 1;
    case E_NOT:
        return !truthy(rs, nd->a);
    case N_REF: {
        vtl_value_t v = ref_value(rs, nd);
        if (v.type == V_NULL)
            return 0;
        return v.type == V_BOOL ? v.u.b : 1;
    }
    case E_BIN:
        if (nd->op == OP_AND)
            return truthy(rs, nd->a) && truthy(rs, nd->b);
        if (nd->op == OP_OR)
            return truthy(rs, nd->a) || truthy(rs, nd->b);
        if (nd->op >= OP_EQ && nd->op <= OP_GE)
            return compare_op(rs, nd);
        return 0;
    default:
        return 0;
    }
}

static vtl_value_t render_to_string(vtl_rs_t *rs, const vtl_node_t *body)
{
    vtl_buf_t b = {0}, *saved = rs->out;
    rs->out = &b;
    render_list(rs, body);
    rs->out = saved;
    return vtl_str(b.p, b.n);
}

void vtl_render_block(vtl_rs_t *rs, vtl_buf_t *b, const vtl_node_t *body)
{
    if (++rs->depth > rs->lim.max_depth)
        vtl_fail(rs, VTL_ELIMIT, "#define blocks nested more than %u deep", rs->lim.max_depth);
    vtl_buf_t *saved = rs->out;
    rs->out = b;
    render_list(rs, body);
    rs->out = saved;
    rs->depth--;
}

static vtl_value_t eval(vtl_rs_t *rs, const vtl_node_t *nd)
{
    step(rs);
    switch (nd->kind) {
    case E_STR:
    case E_WORD:
        return vtl_str(nd->text, nd->len);
    case E_ISTR: {
        vtl_value_t s = render_to_string(rs, nd->b);
        if (nd->op && s.len > 0)
            s.len--;
        return s;
    }
    case E_INT:
        return nd->is_int ? (vtl_value_t){.type = V_INT, .u.i = nd->ival} : vtl_long(nd->ival);
    case E_FLOAT:
        return vtl_double(nd->dval);
    case E_TRUE:
        return vtl_bool(1);
    case E_FALSE:
        return vtl_bool(0);
    case E_LIST: {
        vtl_value_t l = vtl_list_new(rs, L_ARRAYLIST, nd->nargs);
        for (size_t k = 0; k < nd->nargs; k++)
            vtl_list_push(rs, l.u.l, eval(rs, nd->args[k]));
        return l;
    }
    case E_MAP: {
        vtl_value_t m = vtl_map_new(rs, nd->nargs / 2);
        for (size_t k = 0; k + 1 < nd->nargs; k += 2) {
            vtl_value_t key = eval(rs, nd->args[k]);
            vtl_map_put(rs, m.u.m, key, eval(rs, nd->args[k + 1]));
        }
        return m;
    }
    case E_RANGE: {
        vtl_value_t a = eval(rs, nd->a), b = eval(rs, nd->b);
        if (!vtl_is_number(&a) || !vtl_is_number(&b))
            return vtl_null();
        int64_t x = a.type == V_DOUBLE ? (int64_t)a.u.d : (int32_t)a.u.i;
        int64_t y = b.type == V_DOUBLE ? (int64_t)b.u.d : (int32_t)b.u.i;
        int64_t cnt = (x <= y ? y - x : x - y) + 1;
        if ((uint64_t)cnt > rs->lim.max_steps)
            vtl_fail(rs, VTL_ELIMIT, "range of %lld items", (long long)cnt);
        vtl_value_t l = vtl_list_new(rs, L_ARRAYLIST, (size_t)cnt);
        for (int64_t k = 0; k < cnt; k++) {
            step(rs);
            vtl_list_push(rs, l.u.l, vtl_int(x <= y ? x + k : x - k));
        }
        return l;
    }
    case N_REF:
        return ref_value(rs, nd);
    case E_NOT:
        return vtl_bool(!truthy(rs, nd->a));
    case E_BIN:
        if (nd->op >= OP_ADD)
            return arith(rs, nd);
        return vtl_bool(truthy(rs, nd));
    default:
        return vtl_null();
    }
}

/* ---- directives ---- */
static const vtl_macro_t *find_macro(vtl_rs_t *rs, const char *name, size_t n)
{
    for (const vtl_macro_t *m = rs->rt_macros; m; m = m->next)
        if (m->name_len == n && memcmp(m->name, name, n) == 0)
            return m;
    for (const vtl_macro_t *m = rs->t->macros; m; m = m->next)
        if (m->name_len == n && memcmp(m->name, name, n) == 0)
            return m;
    return NULL;
}

static void render_call(vtl_rs_t *rs, const vtl_node_t *nd)
{
    const vtl_macro_t *m = find_macro(rs, nd->name, nd->name_len);
    if (!m) {
        emit(rs, nd->text, nd->len);
        return;
    }
    if (++rs->depth > rs->lim.max_depth)
        vtl_fail(rs, VTL_ELIMIT, "macros nested more than %u deep", rs->lim.max_depth);
    vtl_frame_t *f = vtl_alloc(rs, sizeof(*f));
    for (size_t k = 0; k < m->nparams; k++) {
        vtl_var_t *v = vtl_alloc(rs, sizeof(*v));
        v->name = m->params[k]->name;
        v->name_len = m->params[k]->name_len;
        if (k < nd->nargs) {
            v->arg = nd->args[k];
            v->arg_frame = rs->frame;
        }
        v->next = f->vars;
        f->vars = v;
    }
    f->up = rs->frame;
    rs->frame = f;
    render_list(rs, m->body);
    rs->frame = f->up;
    rs->depth--;
}

/* A variable #foreach sets, and what it held before the loop. Outside
 * macros and pinned loops it is written through its global, found once per
 * loop; otherwise through set_var (which also gives a macro argument of the
 * same name the value). */
typedef struct loop_var {
    name_t nm;
    vtl_var_t *g;
    vtl_value_t saved;
    int had;
} loop_var_t;

/* the global of one of the names every #foreach sets (found once a render) */
static vtl_var_t *loop_global(vtl_rs_t *rs, int which, name_t nm)
{
    if (!rs->loop_globals[which])
        rs->loop_globals[which] = global_make(rs, nm);
    return rs->loop_globals[which];
}

static void loop_var_open(vtl_rs_t *rs, loop_var_t *lv, vtl_var_t *g)
{
    lv->g = g;
    if (g) {
        lv->had = g->defined;
        lv->saved = g->val;
    } else {
        lv->had = get_var(rs, lv->nm, &lv->saved);
    }
}

static void loop_var_set(vtl_rs_t *rs, loop_var_t *lv, vtl_value_t val, int defined)
{
    if (lv->g) {
        lv->g->val = val;
        lv->g->defined = defined && val.type != V_NULL;
    } else {
        set_var(rs, lv->nm, val, defined);
    }
}

static void loop_var_close(vtl_rs_t *rs, loop_var_t *lv)
{
    loop_var_set(rs, lv, lv->had ? lv->saved : vtl_null(), lv->had);
}

static void render_foreach(vtl_rs_t *rs, const vtl_node_t *nd)
{
    vtl_value_t it = eval(rs, nd->a);
    size_t n;
    unsigned *mods, start;
    int arraylist = 0; /* ArrayList's iterator: hasNext() is cursor != size */
    if (it.type == V_LIST) {
        n = it.u.l->n;
        mods = it.u.l->view_of ? &it.u.l->view_of->mods : &it.u.l->mods;
        arraylist = !it.u.l->view_of && it.u.l->kind != L_ARRAY;
    } else if (it.type == V_MAP) {
        n = it.u.m->n;
        mods = &it.u.m->mods;
    } else {
        return;
    }
    start = *mods;
    loop_var_t item = {.nm = NODE_NAME(nd)}, count = {.nm = CONST_NAME("velocityCount")},
               next = {.nm = CONST_NAME("velocityHasNext")}, fe_var = {.nm = CONST_NAME("foreach")};
    int direct = !rs->frame && !rs->npins;
    loop_var_open(rs, &item, direct ? global_make(rs, item.nm) : NULL);
    loop_var_open(rs, &count, direct ? loop_global(rs, 0, count.nm) : NULL);
    loop_var_open(rs, &next, direct ? loop_global(rs, 1, next.nm) : NULL);
    loop_var_open(rs, &fe_var, direct ? loop_global(rs, 2, fe_var.nm) : NULL);
    vtl_foreach_t *fe = vtl_alloc(rs, sizeof(*fe));
    fe->index = -1;
    fe->parent = fe_var.had ? fe_var.saved : vtl_null();
    vtl_value_t fev = {.type = V_OBJ};
    fev.kind = O_FOREACH;
    fev.u.fe = fe;
    loop_var_set(rs, &fe_var, fev, 1);
    for (size_t k = 0;; k++) {
        if (arraylist ? k == it.u.l->n : k >= n)
            break;
        if (k >= rs->lim.max_foreach)
            break;
        if (*mods != start)
            vtl_fail(rs, VTL_ERUNTIME, "java.util.ConcurrentModificationException");
        vtl_value_t *items = it.type == V_LIST ? it.u.l->v : it.u.m->vals;
        int has_next = k + 1 < (arraylist ? it.u.l->n : n);
        loop_var_set(rs, &count, vtl_int((int64_t)k + 1), 1);
        loop_var_set(rs, &next, vtl_bool(has_next), 1);
        loop_var_set(rs, &item, items[k], items[k].type != V_NULL);
        fe->index++;
        fe->has_next = has_next;
        int pinned = items[k].type == V_NULL && rs->npins < 32;
        if (pinned)
            rs->null_pins[rs->npins++] = nd;
        render_list(rs, nd->b);
        if (pinned)
            rs->npins--;
        if (rs->stopping)
            break;
        if (rs->breaking) {
            rs->breaking = 0;
            break;
        }
    }
    loop_var_close(rs, &item);
    loop_var_close(rs, &count);
    loop_var_close(rs, &next);
    loop_var_close(rs, &fe_var);
}

/* render memory for the parser of #evaluate */
static void *render_alloc(void *rs, size_t n)
{
    return vtl_alloc(rs, n);
}

static void render_evaluate(vtl_rs_t *rs, const vtl_node_t *nd)
{
    vtl_value_t v = eval(rs, nd->a);
    if (v.type == V_NULL)
        return;
    v = vtl_stringify(rs, &v);
    if (++rs->depth > rs->lim.max_depth)
        vtl_fail(rs, VTL_ELIMIT, "#evaluate nested more than %u deep", rs->lim.max_depth);
    vtl_node_t *body;
    vtl_macro_t *macros = rs->rt_macros;
    vtl_error_t perr = {0};
    vtl_alloc_t al = {.alloc = render_alloc, .ud = rs};
    if (vtl_parse(v.u.str, v.len, &al, &body, &macros, &perr) != VTL_OK)
        vtl_fail(rs, VTL_ERUNTIME, "#evaluate: %s", perr.message);
    rs->rt_macros = macros;
    render_list(rs, body);
    rs->depth--;
}

static void render_node(vtl_rs_t *rs, const vtl_node_t *nd)
{
    step(rs);
    switch (nd->kind) {
    case N_TEXT:
        emit(rs, nd->text, nd->len);
        break;
    case N_REF:
        render_ref(rs, nd);
        break;
    case N_SET: {
        vtl_value_t v = eval_fast(rs, nd->b);
        if (v.type != V_NULL)
            set_ref(rs, nd->a, v);
        break;
    }
    case N_IF:
        for (const vtl_node_t *c = nd; c; c = c->c) {
            if (c->kind == N_ELSE || truthy(rs, c->a)) {
                render_list(rs, c->b);
                break;
            }
        }
        break;
    case N_FOREACH:
        render_foreach(rs, nd);
        break;
    case N_CALL:
        render_call(rs, nd);
        break;
    case N_DEFINE: {
        vtl_value_t v = {.type = V_OBJ};
        v.kind = O_BLOCK;
        v.u.body = nd->b;
        set_var(rs, NODE_NAME(nd), v, 1);
        break;
    }
    case N_EVALUATE:
        render_evaluate(rs, nd);
        break;
    case N_BREAK:
        rs->breaking = 1;
        break;
    case N_STOP:
        rs->stopping = 1;
        break;
    default:
        break;
    }
}

static void render_list(vtl_rs_t *rs, const vtl_node_t *nd)
{
    for (; nd && !rs->stopping && !rs->breaking; nd = nd->next)
        render_node(rs, nd);
}

/* ---- entry points ---- */
static void *arena_cb(void *ud, size_t n)
{
    return arena_alloc(ud, n);
}

vtl_alloc_t vtl_arena_alloc(arena_t *a)
{
    return (vtl_alloc_t){.alloc = arena_cb, .ud = a};
}

/* ---- walking a parsed template --------------------------------------------- */

/* Returns nonzero to stop the walk. */
typedef int (*node_visit_t)(void *arg, vtl_node_t *n);

/* Calls visit on every node of a tree: each node, its modifiers' arguments,
 * its children and arguments. Returns 1 when visit stopped the walk, -1 when
 * the tree is deeper than the parser makes (the rest is not visited), else 0. */
static int walk_nodes(vtl_node_t *n, unsigned depth, node_visit_t visit, void *arg)
{
    if (depth > 200)
        return -1;
    for (; n; n = n->next) {
        if (visit(arg, n))
            return 1;
        int rc = 0;
        for (vtl_mod_t *m = n->kind == N_REF ? n->mods : NULL; m && !rc; m = m->next)
            for (size_t i = 0; i < m->nargs && !rc; i++)
                rc = walk_nodes(m->args[i], depth + 1, visit, arg);
        vtl_node_t *kids[] = {n->a, n->b, n->c};
        for (size_t i = 0; i < 3 && !rc; i++)
            rc = walk_nodes(kids[i], depth + 1, visit, arg);
        for (size_t i = 0; i < n->nargs && !rc; i++)
            rc = walk_nodes(n->args[i], depth + 1, visit, arg);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- what a template reads of $context ---------------------------------- */

typedef struct {
    arena_t *arena;
    vtl_template_t *t;
    size_t cap;
} ctx_walk_t;

static int is_context(const char *name, size_t len)
{
    return len == 7 && memcmp(name, "context", 7) == 0;
}

static void ctx_add(ctx_walk_t *w, const char *name, size_t len)
{
    vtl_template_t *t = w->t;
    for (size_t i = 0; i < t->ncontext_names; i++)
        if (strlen(t->context_names[i]) == len && memcmp(t->context_names[i], name, len) == 0)
            return;
    if (t->ncontext_names == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 8;
        const char **bigger = arena_alloc(w->arena, cap * sizeof(*bigger));
        if (!bigger) {
            t->context_all = 1;
            return;
        }
        if (t->ncontext_names)
            memcpy(bigger, t->context_names, t->ncontext_names * sizeof(*bigger));
        t->context_names = bigger;
        w->cap = cap;
    }
    char *copy = arena_alloc(w->arena, len + 1);
    if (!copy) {
        t->context_all = 1;
        return;
    }
    memcpy(copy, name, len);
    copy[len] = '\0';
    t->context_names[t->ncontext_names++] = copy;
}

static int ctx_visit(void *arg, vtl_node_t *n)
{
    ctx_walk_t *w = arg;
    if (n->kind == N_EVALUATE || (n->kind == N_FOREACH && is_context(n->name, n->name_len)))
        w->t->context_all = 1;
    if (n->kind == N_REF && is_context(n->name, n->name_len)) {
        if (n->mods && n->mods->kind == MOD_PROP)
            ctx_add(w, n->mods->name, n->mods->name_len);
        else
            w->t->context_all = 1;
    }
    return w->t->context_all; /* all of $context: nothing more to learn */
}

/* A tree deeper than the parser makes: assume it reads anything. */
static void ctx_walk(ctx_walk_t *w, vtl_node_t *n)
{
    if (walk_nodes(n, 0, ctx_visit, w) < 0)
        w->t->context_all = 1;
}

static void ctx_names_of(vtl_template_t *t, arena_t *arena)
{
    ctx_walk_t w = {arena, t, 0};
    ctx_walk(&w, t->body);
    for (const vtl_macro_t *m = t->macros; m; m = m->next) {
        for (size_t i = 0; i < m->nparams; i++)
            if (is_context(m->params[i]->name, m->params[i]->name_len))
                t->context_all = 1;
        ctx_walk(&w, m->body);
    }
}

/* ---- variable names numbered at compile time ---------------------------- */

#define NAMES_CAP 512 /* past NAMES_CAP / 2 distinct names, the rest get none */

typedef struct {
    const vtl_node_t *seen[NAMES_CAP]; /* the first node of each name, by hash */
    uint32_t n;
} names_walk_t;

static uint32_t name_number(names_walk_t *w, const vtl_node_t *nd)
{
    size_t h = nd->name_hash & (NAMES_CAP - 1);
    for (; w->seen[h]; h = (h + 1) & (NAMES_CAP - 1)) {
        const vtl_node_t *s = w->seen[h];
        if (s->name_len == nd->name_len && memcmp(s->name, nd->name, nd->name_len) == 0)
            return s->name_id;
    }
    if (w->n >= NAMES_CAP / 2)
        return 0;
    w->seen[h] = nd;
    return ++w->n;
}

/* Past the parser's depth the rest keeps no number (its names are looked up
 * by hash, as names past NAMES_CAP / 2 are). */
static int names_visit(void *arg, vtl_node_t *n)
{
    if (n->kind == N_REF || n->kind == N_FOREACH || n->kind == N_DEFINE)
        n->name_id = name_number(arg, n);
    return 0;
}

/* numbers the distinct variable names of t (name_id), so that a render
 * finds a global once per name instead of once per use */
static int names_number(vtl_template_t *t)
{
    names_walk_t *w = calloc(1, sizeof(*w));
    if (!w)
        return -1;
    walk_nodes(t->body, 0, names_visit, w);
    for (vtl_macro_t *m = t->macros; m; m = m->next)
        walk_nodes(m->body, 0, names_visit, w);
    t->nnames = w->n;
    free(w);
    return 0;
}

int vtl_context_names(const vtl_template_t *t, const char *const **names, size_t *n)
{
    *names = (const char *const *)t->context_names;
    *n = t->ncontext_names;
    return t->context_all;
}

int vtl_compile(const char *src, size_t len, arena_t *arena, vtl_template_t **out, vtl_error_t *err)
{
    vtl_error_t local;
    if (!err)
        err = &local;
    memset(err, 0, sizeof(*err));
    vtl_alloc_t al = vtl_arena_alloc(arena);
    vtl_template_t *t = arena_alloc(arena, sizeof(*t));
    if (!t) {
        err->code = VTL_ENOMEM;
        snprintf(err->message, sizeof(err->message), "out of memory");
        return VTL_ENOMEM;
    }
    /* the template keeps its own copy of the source, decoded as Java
     * decodes it (invalid UTF-8 becomes U+FFFD) */
    size_t clen;
    const char *clean = vtl_utf8_clean(NULL, &al, src, len, &clen);
    char *copy = !clean ? NULL : clen ? arena_memdup(arena, clean, clen) : arena_alloc(arena, 1);
    if (!copy) {
        err->code = VTL_ENOMEM;
        snprintf(err->message, sizeof(err->message), "out of memory");
        return VTL_ENOMEM;
    }
    memset(t, 0, sizeof(*t));
    int rc = vtl_parse(copy, clen, &al, &t->body, &t->macros, err);
    if (rc != VTL_OK)
        return rc;
    ctx_names_of(t, arena);
    if (names_number(t) != 0) {
        err->code = VTL_ENOMEM;
        snprintf(err->message, sizeof(err->message), "out of memory");
        return VTL_ENOMEM;
    }
    *out = t;
    return VTL_OK;
}

int vtl_render(const vtl_template_t *t, const vtl_provider_t *prov, const vtl_limits_t *lim,
               const vtl_alloc_t *al, char **out, size_t *out_len, vtl_error_t *err)
{
    vtl_error_t local;
    size_t head = (sizeof(vtl_rs_t) + 15) & ~(size_t)15;
    vtl_rs_t *rs = al->alloc(al->ud, head + VTL_FIRST_CHUNK);
    if (!err)
        err = &local;
    memset(err, 0, sizeof(*err));
    if (!rs) {
        err->code = VTL_ENOMEM;
        return VTL_ENOMEM;
    }
    memset(rs, 0, sizeof(*rs));
    rs->chunk = (char *)rs + head;
    rs->chunk_left = VTL_FIRST_CHUNK;
    rs->t = t;
    rs->prov = prov;
    rs->lim = lim ? *lim : vtl_default_limits;
    rs->al = *al;
    rs->err = err;
    int rc = setjmp(rs->fail);
    if (rc) {
        vtl_rx_release(rs);
        return rc;
    }
    rs->nbuckets = 64;
    rs->globals = vtl_alloc(rs, rs->nbuckets * sizeof(vtl_var_t *));
    rs->by_id = vtl_alloc(rs, (t->nnames + 1) * sizeof(vtl_var_t *));
    vtl_buf_t *b = vtl_alloc(rs, sizeof(*b));
    rs->out = b;
    render_list(rs, t->body);
    vtl_rx_release(rs);
    vtl_var_t *ctx = *slot(rs, CONST_NAME("context"));
    if (prov && prov->context_out && ctx && ctx->defined) {
        json_t *j = vtl_to_jansson(&ctx->val, 0);
        if (j)
            prov->context_out(prov->ud, j);
        json_decref(j);
    }
    *out = b->p ? b->p : (char *)"";
    *out_len = b->n;
    return VTL_OK;
}
