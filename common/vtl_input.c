/* vtl_input: the built-in objects of mapping templates. $input (body,
 * json(path), path(path), params(), params(name)) reads the request through
 * the caller's provider; $util is implemented here (escapeJavaScript as
 * commons-lang 2's, urlEncode/urlDecode as java.net's UTF-8 ones, base64 as
 * java.util.Base64, parseJson); $context and $stageVariables are the
 * provider's JSON objects as maps. Paths are the reference's JSONPath
 * subset: $, .name, ['name'], [n] (negative from the end), [*] and .*. A
 * missing or null node reads as "" (the reference prints nothing). */
#include <stdio.h>
#include <string.h>

#include "vtl_int.h"
#include "b64.h"

#define NAME(s) (nlen == sizeof(s) - 1 && memcmp(name, s, nlen) == 0)

static const json_t *prov_json(vtl_rs_t *rs, const json_t *(*fn)(void *))
{
    return fn ? fn(rs->prov->ud) : NULL;
}

static vtl_value_t obj_map(vtl_rs_t *rs, const json_t *j)
{
    if (j && json_is_object(j))
        return vtl_from_json(rs, j);
    return vtl_map_new(rs, 0);
}

vtl_value_t vtl_builtin_root(vtl_rs_t *rs, const char *name, size_t nlen, int *found)
{
    *found = 1;
    vtl_value_t v = {.type = V_OBJ};
    if (NAME("input")) {
        v.kind = O_INPUT;
        return v;
    }
    if (NAME("util")) {
        v.kind = O_UTIL;
        return v;
    }
    if (NAME("context"))
        return obj_map(rs, rs->prov ? prov_json(rs, rs->prov->context) : NULL);
    if (NAME("stageVariables"))
        return obj_map(rs, rs->prov ? prov_json(rs, rs->prov->stage_variables) : NULL);
    *found = 0;
    return vtl_null();
}

/* ---- $input ---- */
static vtl_value_t body(vtl_rs_t *rs)
{
    if (rs->have_body)
        return rs->body;
    const char *p = NULL;
    size_t n = 0;
    if (rs->prov && rs->prov->body)
        rs->prov->body(rs->prov->ud, &p, &n);
    if (!p)
        n = 0;
    p = vtl_utf8_clean(rs, NULL, p ? p : "", n, &n); /* the reference reads it as UTF-8 */
    rs->body = vtl_str(p, n);
    rs->have_body = 1;
    return rs->body;
}

static vtl_value_t input_root(vtl_rs_t *rs)
{
    if (rs->input_parsed)
        return rs->input_root;
    vtl_value_t b = body(rs);
    size_t k = 0;
    while (k < b.len && (unsigned char)b.u.str[k] <= ' ')
        k++;
    rs->input_root = k == b.len ? vtl_map_new(rs, 0) /* an empty body reads as {} */
                                : vtl_json_parse(rs, b.u.str, b.len, "the body");
    rs->input_parsed = 1;
    return rs->input_root;
}

static void children(vtl_rs_t *rs, vtl_value_t *v, vtl_list_t *out)
{
    if (v->type == V_MAP)
        for (size_t k = 0; k < v->u.m->n; k++)
            vtl_list_push(rs, out, v->u.m->vals[k]);
    else if (v->type == V_LIST)
        for (size_t k = 0; k < v->u.l->n; k++)
            vtl_list_push(rs, out, v->u.l->v[k]);
}

static void member(vtl_rs_t *rs, vtl_value_t *v, const char *name, size_t n, vtl_list_t *out)
{
    if (v->type != V_MAP)
        return;
    long at = vtl_map_find(v->u.m, vtl_str(name, n));
    if (at >= 0)
        vtl_list_push(rs, out, v->u.m->vals[at]);
}

static int parse_int(const char *s, size_t n, int64_t *out)
{
    size_t k = 0;
    int neg = 0;
    if (k < n && (s[k] == '-' || s[k] == '+'))
        neg = s[k++] == '-';
    if (k == n)
        return -1;
    int64_t v = 0;
    for (; k < n; k++) {
        if (s[k] < '0' || s[k] > '9')
            return -1;
        v = v * 10 + (s[k] - '0');
        if (v > (int64_t)INT32_MAX + 1)
            return -1;
    }
    v = neg ? -v : v;
    if (v > INT32_MAX || v < INT32_MIN)
        return -1;
    *out = v;
    return 0;
}

/* returns 0 with *res set, or 1 when nothing matched */
static int select_path(vtl_rs_t *rs, vtl_value_t root, const vtl_value_t *path, vtl_value_t *res)
{
    const char *p = path->u.str;
    size_t n = path->len;
    while (n && (unsigned char)p[0] <= ' ') {
        p++;
        n--;
    }
    while (n && (unsigned char)p[n - 1] <= ' ')
        n--;
    if (n == 0 || p[0] != '$')
        vtl_fail(rs, VTL_ERUNTIME, "invalid JSONPath: must start with $");
    vtl_value_t cur = vtl_list_new(rs, L_ARRAYLIST, 1);
    vtl_list_push(rs, cur.u.l, root);
    int multi = 0;
    size_t i = 1;
    while (i < n) {
        vtl_value_t next = vtl_list_new(rs, L_ARRAYLIST, 4);
        vtl_list_t *cl = cur.u.l;
        if (p[i] == '.') {
            size_t st = ++i;
            while (i < n && p[i] != '.' && p[i] != '[')
                i++;
            if (i == st)
                vtl_fail(rs, VTL_ERUNTIME, "invalid JSONPath: empty name");
            int star = i - st == 1 && p[st] == '*';
            multi |= star;
            for (size_t k = 0; k < cl->n; k++) {
                if (star)
                    children(rs, &cl->v[k], next.u.l);
                else
                    member(rs, &cl->v[k], p + st, i - st, next.u.l);
            }
        } else if (p[i] == '[') {
            const char *e = memchr(p + i, ']', n - i);
            if (!e)
                vtl_fail(rs, VTL_ERUNTIME, "invalid JSONPath: missing ]");
            const char *in = p + i + 1;
            size_t inn = (size_t)(e - in);
            while (inn && (unsigned char)in[0] <= ' ') {
                in++;
                inn--;
            }
            while (inn && (unsigned char)in[inn - 1] <= ' ')
                inn--;
            i = (size_t)(e - p) + 1;
            if (inn == 1 && in[0] == '*') {
                multi = 1;
                for (size_t k = 0; k < cl->n; k++)
                    children(rs, &cl->v[k], next.u.l);
            } else if (inn >= 2 && (in[0] == '\'' || in[0] == '"') && in[inn - 1] == in[0]) {
                for (size_t k = 0; k < cl->n; k++)
                    member(rs, &cl->v[k], in + 1, inn - 2, next.u.l);
            } else {
                int64_t idx;
                if (parse_int(in, inn, &idx) != 0)
                    vtl_fail(rs, VTL_ERUNTIME, "invalid JSONPath index");
                for (size_t k = 0; k < cl->n; k++) {
                    if (cl->v[k].type != V_LIST)
                        continue;
                    vtl_list_t *l = cl->v[k].u.l;
                    int64_t j = idx < 0 ? (int64_t)l->n + idx : idx;
                    if (j >= 0 && (size_t)j < l->n)
                        vtl_list_push(rs, next.u.l, l->v[j]);
                }
            }
        } else {
            vtl_fail(rs, VTL_ERUNTIME, "invalid JSONPath");
        }
        cur = next;
    }
    if (multi) {
        cur.u.l->kind = L_JSON;
        *res = cur;
        return 0;
    }
    if (cur.u.l->n == 0)
        return 1;
    *res = cur.u.l->v[0];
    return 0;
}

static vtl_value_t params_map(vtl_rs_t *rs)
{
    if (rs->have_params)
        return rs->params;
    const json_t *j = rs->prov ? prov_json(rs, rs->prov->params) : NULL;
    vtl_value_t m = vtl_map_new(rs, 3);
    static const char *const where[] = {"path", "querystring", "header"};
    for (int k = 0; k < 3; k++) {
        const json_t *sub = j && json_is_object(j) ? json_object_get(j, where[k]) : NULL;
        vtl_map_put(rs, m.u.m, vtl_str(where[k], strlen(where[k])), obj_map(rs, sub));
    }
    rs->params = m;
    rs->have_params = 1;
    return m;
}

static vtl_value_t input_call(vtl_rs_t *rs, const char *name, size_t nlen, vtl_value_t *a, size_t n,
                              int *found)
{
    if (n == 0 && NAME("getBody")) {
        vtl_value_t b = body(rs);
        return b.len ? b : vtl_str("{}", 2);
    }
    if (n == 0 && NAME("params"))
        return params_map(rs);
    if (n != 1 || (a[0].type != V_STR && a[0].type != V_NULL)) {
        *found = 0;
        return vtl_null();
    }
    if (a[0].type == V_NULL)
        vtl_fail(rs, VTL_ERUNTIME, "NullPointerException: $input.%.*s(null)", (int)nlen, name);
    if (NAME("params")) {
        vtl_map_t *m = params_map(rs).u.m;
        for (size_t k = 0; k < m->n; k++) {
            if (m->vals[k].type != V_MAP)
                continue;
            long at = vtl_map_find(m->vals[k].u.m, a[0]);
            if (at >= 0)
                return m->vals[k].u.m->vals[at];
        }
        return vtl_str("", 0);
    }
    if (NAME("path") || NAME("json")) {
        vtl_value_t v;
        if (select_path(rs, input_root(rs), &a[0], &v) != 0)
            return vtl_str("", 0);
        if (NAME("path"))
            return v.type == V_NULL ? vtl_str("", 0) : v;
        vtl_buf_t b = {0};
        vtl_to_json(rs, &b, &v);
        return vtl_str(b.p, b.n);
    }
    *found = 0;
    return vtl_null();
}

/* ---- $util ---- */
/* 1 for the bytes escapeJavaScript leaves as they are: 0x20-0x7F but the
 * quotes (0x22, 0x27), the slash (0x2F) and the backslash (0x5C) */
static const unsigned char js_plain_byte[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* the letter after the backslash of escapeJavaScript's two-byte escapes
 * (0: none, \\uXXXX below 0x20) */
static const char js_escape_letter[256] = {
    ['\b'] = 'b',  ['\n'] = 'n', ['\t'] = 't',  ['\f'] = 'f', ['\r'] = 'r',
    ['\''] = '\'', ['"'] = '"',  ['\\'] = '\\', ['/'] = '/',
};

/* writes \\uXXXX (upper-case hex, as commons-lang) at o */
static char *put_u16(char *o, unsigned u)
{
    static const char hex[] = "0123456789ABCDEF";
    o[0] = '\\';
    o[1] = 'u';
    o[2] = hex[(u >> 12) & 15];
    o[3] = hex[(u >> 8) & 15];
    o[4] = hex[(u >> 4) & 15];
    o[5] = hex[u & 15];
    return o + 6;
}

/* the non-ASCII sequence at p[k] as escapes at o; *k moves past it */
static char *put_non_ascii(char *o, const unsigned char *p, size_t n, size_t *k)
{
    size_t at = *k;
    unsigned c = p[at], cp;
    size_t len;
    if (c < 0xE0 && at + 1 < n) {
        cp = ((c & 0x1Fu) << 6) | (p[at + 1] & 0x3Fu);
        len = 2;
    } else if (c < 0xF0 && at + 2 < n) {
        cp = ((c & 0x0Fu) << 12) | ((p[at + 1] & 0x3Fu) << 6) | (p[at + 2] & 0x3Fu);
        len = 3;
    } else if (at + 3 < n) {
        cp = ((c & 0x07u) << 18) | ((p[at + 1] & 0x3Fu) << 12) | ((p[at + 2] & 0x3Fu) << 6) |
             (p[at + 3] & 0x3Fu);
        len = 4;
    } else {
        cp = 0xFFFD;
        len = 1;
    }
    *k = at + len;
    if (cp < 0x10000)
        return put_u16(o, cp);
    o = put_u16(o, 0xD800 + ((cp - 0x10000) >> 10));
    return put_u16(o, 0xDC00 + ((cp - 0x10000) & 0x3FF));
}

/* An escape writes at most 12 bytes for at least one byte read, so room
 * for what is left of the input plus 12 lets a run and the escape after it
 * be written without checks. */
static char *escape_room(vtl_rs_t *rs, char **buf, char *o, char **end, size_t need)
{
    if ((size_t)(*end - o) >= need)
        return o;
    size_t used = (size_t)(o - *buf), cap = 2 * (size_t)(*end - *buf) + need;
    char *nb = vtl_alloc_raw(rs, cap);
    memcpy(nb, *buf, used);
    *buf = nb;
    *end = nb + cap;
    return nb + used;
}

static vtl_value_t escape_js(vtl_rs_t *rs, const vtl_value_t *s)
{
    const unsigned char *p = (const unsigned char *)s->u.str;
    size_t n = s->len, k = 0;
    while (k < n && js_plain_byte[p[k]])
        k++;
    if (k == n) /* nothing to escape: the string itself (strings are immutable) */
        return *s;
    size_t cap = n + n / 4 + 16;
    char *buf = vtl_alloc_raw(rs, cap), *end = buf + cap, *o = buf + k;
    memcpy(buf, p, k);
    while (k < n) {
        o = escape_room(rs, &buf, o, &end, n - k + 12);
        while (k < n && js_plain_byte[p[k]])
            *o++ = (char)p[k++];
        if (k == n)
            break;
        unsigned c = p[k];
        if (c >= 0x80) {
            o = put_non_ascii(o, p, n, &k);
        } else if (js_escape_letter[c]) {
            o[0] = '\\';
            o[1] = js_escape_letter[c];
            o += 2;
            k++;
        } else { /* below 0x20: js_plain_byte took the rest */
            o = put_u16(o, c);
            k++;
        }
    }
    return vtl_str(buf, (size_t)(o - buf));
}

static vtl_value_t url_encode(vtl_rs_t *rs, const vtl_value_t *s)
{
    vtl_buf_t b = {0};
    static const char hex[] = "0123456789ABCDEF";
    for (size_t k = 0; k < s->len; k++) {
        unsigned char c = (unsigned char)s->u.str[k];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '-' || c == '*' || c == '_') {
            vtl_buf_add(rs, &b, (const char *)&c, 1);
        } else if (c == ' ') {
            vtl_buf_add(rs, &b, "+", 1);
        } else {
            char t[3] = {'%', hex[c >> 4], hex[c & 15]};
            vtl_buf_add(rs, &b, t, 3);
        }
    }
    return vtl_str(b.p ? b.p : "", b.n);
}

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

static vtl_value_t url_decode(vtl_rs_t *rs, const vtl_value_t *s)
{
    char *o = vtl_alloc(rs, s->len + 1);
    size_t k = 0;
    for (size_t j = 0; j < s->len; j++) {
        char c = s->u.str[j];
        if (c == '+') {
            o[k++] = ' ';
        } else if (c == '%') {
            int h = j + 2 < s->len + 0 ? hexval((unsigned char)s->u.str[j + 1]) : -1;
            int l = j + 2 < s->len + 0 + 1 ? hexval((unsigned char)s->u.str[j + 2]) : -1;
            if (j + 2 >= s->len + 0 || h < 0 || l < 0)
                vtl_fail(rs, VTL_ERUNTIME, "URLDecoder: Illegal hex characters in escape (%%)");
            o[k++] = (char)(h * 16 + l);
            j += 2;
        } else {
            o[k++] = c;
        }
    }
    const char *clean = vtl_utf8_clean(rs, NULL, o, k, &k);
    return vtl_str(clean, k);
}

static vtl_value_t base64_encode(vtl_rs_t *rs, const vtl_value_t *s)
{
    char *o = vtl_alloc(rs, B64_ENCODED_LEN(s->len) + 1);
    return vtl_str(o, b64_encode(s->u.str, s->len, o));
}

static vtl_value_t base64_decode(vtl_rs_t *rs, const vtl_value_t *s)
{
    const char *p = s->u.str;
    size_t n = s->len;
    size_t pad = 0;
    if (n && p[n - 1] == '=') {
        pad++;
        if (n > 1 && p[n - 2] == '=')
            pad++;
    }
    size_t data = n - pad;
    if (pad && n % 4 != 0)
        vtl_fail(rs, VTL_ERUNTIME, "IllegalArgumentException: bad Base64 padding");
    if (data % 4 == 1)
        vtl_fail(rs, VTL_ERUNTIME,
                 "IllegalArgumentException: Last unit does not have at least "
                 "two bits of information");
    char *o = vtl_alloc(rs, data / 4 * 3 + 3);
    size_t k = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t j = 0; j < data; j++) {
        int v = b64_value((unsigned char)p[j]);
        if (v < 0)
            vtl_fail(rs, VTL_ERUNTIME, "IllegalArgumentException: Illegal base64 character");
        acc = acc << 6 | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[k++] = (char)((acc >> bits) & 0xFF);
        }
    }
    const char *clean = vtl_utf8_clean(rs, NULL, o, k, &k);
    return vtl_str(clean, k);
}

static vtl_value_t util_call(vtl_rs_t *rs, const char *name, size_t nlen, vtl_value_t *a, size_t n,
                             int *found)
{
    if (n != 1 || (a[0].type != V_STR && a[0].type != V_NULL)) {
        *found = 0;
        return vtl_null();
    }
    if (a[0].type == V_NULL) {
        if (NAME("escapeJavaScript"))
            return vtl_null();
        vtl_fail(rs, VTL_ERUNTIME, "NullPointerException: $util.%.*s(null)", (int)nlen, name);
    }
    if (NAME("escapeJavaScript"))
        return escape_js(rs, &a[0]);
    if (NAME("urlEncode"))
        return url_encode(rs, &a[0]);
    if (NAME("urlDecode"))
        return url_decode(rs, &a[0]);
    if (NAME("base64Encode"))
        return base64_encode(rs, &a[0]);
    if (NAME("base64Decode"))
        return base64_decode(rs, &a[0]);
    if (NAME("parseJson")) {
        return vtl_json_parse(rs, a[0].u.str, a[0].len, "parseJson");
    }
    *found = 0;
    return vtl_null();
}

vtl_value_t vtl_builtin_call(vtl_rs_t *rs, vtl_value_t *self, const char *name, size_t nlen,
                             vtl_value_t *args, size_t nargs, int *found)
{
    *found = 1;
    if (self->kind == O_INPUT)
        return input_call(rs, name, nlen, args, nargs, found);
    return util_call(rs, name, nlen, args, nargs, found);
}

/* ---- a provider over one JSON document ---- */
static void jp_body(void *ud, const char **p, size_t *n)
{
    const json_t *b = json_object_get(((vtl_jsonprov_t *)ud)->doc, "body");
    *p = json_is_string(b) ? json_string_value(b) : "";
    *n = json_is_string(b) ? json_string_length(b) : 0;
}
static const json_t *jp_params(void *ud)
{
    return json_object_get(((vtl_jsonprov_t *)ud)->doc, "params");
}
static const json_t *jp_context(void *ud)
{
    return json_object_get(((vtl_jsonprov_t *)ud)->doc, "context");
}
static const json_t *jp_stagevars(void *ud)
{
    return json_object_get(((vtl_jsonprov_t *)ud)->doc, "stageVariables");
}

void vtl_jsonprov_init(vtl_jsonprov_t *jp, const json_t *doc, vtl_provider_t *out)
{
    jp->doc = doc;
    *out = (vtl_provider_t){.ud = jp,
                            .body = jp_body,
                            .params = jp_params,
                            .context = jp_context,
                            .stage_variables = jp_stagevars};
}
