/* ws_select: selection expressions, parsed into segments (literal text or
 * a JSON path into the message body). */
#include "ws_select.h"

#include <stdio.h>
#include <string.h>

#define WS_SELECT_MAX_SEGS 16
#define WS_SELECT_MAX_DEPTH 8

typedef struct {
    const char *text; /* literal text, or NULL for a reference */
    size_t len;
    const char *path[WS_SELECT_MAX_DEPTH]; /* the reference's members, NUL-terminated */
    size_t depth;
} ws_seg_t;

struct ws_select {
    ws_seg_t segs[WS_SELECT_MAX_SEGS];
    size_t n;
};

static const char ws_body_prefix[] = "request.body.";

static int ws_is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

/* A reference "request.body.a.b" (len bytes) into seg. */
static int ws_parse_ref(arena_t *a, const char *s, size_t len, ws_seg_t *seg, char *err,
                        size_t err_len)
{
    size_t plen = sizeof(ws_body_prefix) - 1;
    if (len <= plen || memcmp(s, ws_body_prefix, plen) != 0) {
        snprintf(err, err_len, "unsupported selection expression source: $%.*s", (int)len, s);
        return -1;
    }
    s += plen;
    len -= plen;
    seg->text = NULL;
    seg->depth = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != '.')
            continue;
        if (i == start || seg->depth == WS_SELECT_MAX_DEPTH) {
            snprintf(err, err_len, "invalid JSON path in selection expression");
            return -1;
        }
        seg->path[seg->depth] = arena_strndup(a, s + start, i - start);
        if (seg->path[seg->depth] == NULL) {
            snprintf(err, err_len, "out of memory");
            return -1;
        }
        seg->depth++;
        start = i + 1;
    }
    return 0;
}

ws_select_t *ws_select_parse(arena_t *a, const char *expr, char *err, size_t err_len)
{
    ws_select_t *sel = arena_alloc(a, sizeof(*sel));
    if (sel == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    memset(sel, 0, sizeof(*sel));
    size_t len = strlen(expr), i = 0;
    while (i < len) {
        if (sel->n == WS_SELECT_MAX_SEGS) {
            snprintf(err, err_len, "selection expression too long");
            return NULL;
        }
        ws_seg_t *seg = &sel->segs[sel->n];
        if (expr[i] == '\\' && i + 1 < len && expr[i + 1] == '$') {
            *seg = (ws_seg_t){.text = expr + i + 1, .len = 1};
            i += 2;
        } else if (expr[i] == '$' && i + 1 < len && expr[i + 1] == '{') {
            const char *close = memchr(expr + i + 2, '}', len - i - 2);
            if (close == NULL) {
                snprintf(err, err_len, "unterminated ${ in selection expression");
                return NULL;
            }
            if (ws_parse_ref(a, expr + i + 2, (size_t)(close - expr - i - 2), seg, err, err_len) !=
                0)
                return NULL;
            i = (size_t)(close - expr) + 1;
        } else if (expr[i] == '$' && i + 1 < len && expr[i + 1] != '$') {
            size_t j = i + 1;
            while (j < len && ws_is_name_char(expr[j]))
                j++;
            if (expr[j - 1] == '.') /* "$request.body.action." is not a path */
                j--;
            if (ws_parse_ref(a, expr + i + 1, j - i - 1, seg, err, err_len) != 0)
                return NULL;
            i = j;
        } else {
            size_t j = i + 1;
            while (j < len && expr[j] != '$' && expr[j] != '\\')
                j++;
            *seg = (ws_seg_t){.text = expr + i, .len = j - i};
            i = j;
        }
        sel->n++;
    }
    return sel;
}

int ws_select_is_literal(const ws_select_t *sel)
{
    for (size_t i = 0; i < sel->n; i++)
        if (sel->segs[i].text == NULL)
            return 0;
    return 1;
}

static int ws_append(char *out, size_t cap, size_t *pos, const char *s, size_t len)
{
    if (*pos + len >= cap)
        return -1;
    memcpy(out + *pos, s, len);
    *pos += len;
    return 0;
}

int ws_select_eval(const ws_select_t *sel, const json_t *body, char *out, size_t cap)
{
    size_t pos = 0;
    if (cap == 0)
        return -1;
    for (size_t i = 0; i < sel->n; i++) {
        const ws_seg_t *seg = &sel->segs[i];
        if (seg->text != NULL) {
            if (ws_append(out, cap, &pos, seg->text, seg->len) != 0)
                return -1;
            continue;
        }
        const json_t *v = body;
        for (size_t d = 0; d < seg->depth && v != NULL; d++)
            v = json_is_object(v) ? json_object_get(v, seg->path[d]) : NULL;
        char num[64];
        int n;
        if (json_is_string(v)) {
            if (ws_append(out, cap, &pos, json_string_value(v), json_string_length(v)) != 0)
                return -1;
        } else if (json_is_integer(v)) {
            n = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            if (ws_append(out, cap, &pos, num, (size_t)n) != 0)
                return -1;
        } else if (json_is_real(v)) {
            n = snprintf(num, sizeof(num), "%.17g", json_real_value(v));
            if (ws_append(out, cap, &pos, num, (size_t)n) != 0)
                return -1;
        } else if (json_is_boolean(v)) {
            const char *b = json_is_true(v) ? "true" : "false";
            if (ws_append(out, cap, &pos, b, strlen(b)) != 0)
                return -1;
        } else {
            return -1;
        }
    }
    out[pos] = '\0';
    return (int)pos;
}
