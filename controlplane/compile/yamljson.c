/* yamljson: JSON or YAML text → jansson values, and jansson values → YAML. */
#include "yamljson.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---- scalar resolution (YAML 1.2 core schema) ---------------------------- */

static int text_is(const char *t, size_t n, const char *const *words)
{
    for (; *words != NULL; words++)
        if (strlen(*words) == n && memcmp(t, *words, n) == 0)
            return 1;
    return 0;
}

static const char *const null_words[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const true_words[] = {"true", "True", "TRUE", NULL};
static const char *const false_words[] = {"false", "False", "FALSE", NULL};
static const char *const inf_words[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL};
static const char *const ninf_words[] = {"-.inf", "-.Inf", "-.INF", NULL};
static const char *const nan_words[] = {".nan", ".NaN", ".NAN", NULL};

/* Decimal integer [-+]?[0-9]+, 0x[0-9a-fA-F]+ or 0o[0-7]+. */
static int text_is_int(const char *t, size_t n, json_int_t *v)
{
    char buf[64];
    if (n == 0 || n >= sizeof(buf))
        return 0;
    memcpy(buf, t, n);
    buf[n] = '\0';
    int base = 10;
    const char *p = buf;
    if (n > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'o')) {
        base = buf[1] == 'x' ? 16 : 8;
        p += 2;
    } else if (*p == '-' || *p == '+') {
        p++;
    }
    if (*p == '\0')
        return 0;
    for (const char *q = p; *q != '\0'; q++)
        if (base == 10  ? !isdigit((unsigned char)*q)
            : base == 8 ? (*q < '0' || *q > '7')
                        : !isxdigit((unsigned char)*q))
            return 0;
    errno = 0;
    long long x = strtoll(base == 10 ? buf : p, NULL, base);
    if (errno != 0)
        return 0;
    *v = (json_int_t)x;
    return 1;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static int text_is_float(const char *t, size_t n, double *v)
{
    char buf[128];
    if (n == 0 || n >= sizeof(buf))
        return 0;
    memcpy(buf, t, n);
    buf[n] = '\0';
    const char *p = buf;
    if (*p == '-' || *p == '+')
        p++;
    int digits = 0;
    while (isdigit((unsigned char)*p)) {
        p++;
        digits++;
    }
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) {
            p++;
            digits++;
        }
    }
    if (digits == 0)
        return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '-' || *p == '+')
            p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p != '\0')
        return 0;
    *v = strtod(buf, NULL);
    return isfinite(*v);
}

int yamljson_plain_is_typed(const char *text, size_t len)
{
    json_int_t i;
    double d;
    return text_is(text, len, null_words) || text_is(text, len, true_words) ||
           text_is(text, len, false_words) || text_is(text, len, inf_words) ||
           text_is(text, len, ninf_words) || text_is(text, len, nan_words) ||
           text_is_int(text, len, &i) || text_is_float(text, len, &d);
}

/* A plain scalar as its typed value; inf and nan, which JSON lacks, stay strings. */
static json_t *plain_scalar(const char *t, size_t n)
{
    json_int_t i;
    double d;
    if (text_is(t, n, null_words))
        return json_null();
    if (text_is(t, n, true_words))
        return json_true();
    if (text_is(t, n, false_words))
        return json_false();
    if (text_is_int(t, n, &i))
        return json_integer(i);
    if (text_is_float(t, n, &d))
        return json_real(d);
    return json_stringn(t, n);
}

/* ---- YAML → JSON ---------------------------------------------------------- */

typedef struct {
    yaml_document_t *doc;
    size_t budget;
    int depth;
    char *err;
    size_t err_len;
} conv_t;

#define YAMLJSON_MAX_DEPTH 256

static json_t *conv_node(conv_t *cv, yaml_node_t *node);

/* Quoted and block scalars are strings; plain ones resolve. (The document
 * API gives untagged scalars the str tag, so an explicit !!str on a plain
 * scalar cannot be told apart and resolves too.) */
static json_t *conv_scalar(yaml_node_t *node)
{
    const char *t = (const char *)node->data.scalar.value;
    size_t n = node->data.scalar.length;
    if (node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return json_stringn(t, n);
    return plain_scalar(t, n);
}

static int conv_fail(conv_t *cv, yaml_node_t *node, const char *why)
{
    snprintf(cv->err, cv->err_len, "%s at line %zu, column %zu", why, node->start_mark.line + 1,
             node->start_mark.column + 1);
    return -1;
}

static json_t *conv_sequence(conv_t *cv, yaml_node_t *node)
{
    json_t *arr = json_array();
    for (yaml_node_item_t *it = node->data.sequence.items.start;
         arr != NULL && it < node->data.sequence.items.top; it++) {
        json_t *v = conv_node(cv, yaml_document_get_node(cv->doc, *it));
        if (v == NULL || json_array_append_new(arr, v) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *conv_mapping(conv_t *cv, yaml_node_t *node)
{
    json_t *obj = json_object();
    for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
         obj != NULL && p < node->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(cv->doc, p->key);
        if (k == NULL || k->type != YAML_SCALAR_NODE) {
            conv_fail(cv, node, "a mapping key is not a scalar");
            goto fail;
        }
        char *key = strndup((const char *)k->data.scalar.value, k->data.scalar.length);
        if (key == NULL || strlen(key) != k->data.scalar.length ||
            json_object_get(obj, key) != NULL) {
            conv_fail(cv, k, key == NULL ? "out of memory" : "duplicate or invalid key");
            free(key);
            goto fail;
        }
        json_t *v = conv_node(cv, yaml_document_get_node(cv->doc, p->value));
        int rc = v != NULL ? json_object_set_new(obj, key, v) : -1;
        free(key);
        if (rc != 0)
            goto fail;
    }
    return obj;
fail:
    json_decref(obj);
    return NULL;
}

static json_t *conv_node(conv_t *cv, yaml_node_t *node)
{
    if (node == NULL) {
        snprintf(cv->err, cv->err_len, "empty document");
        return NULL;
    }
    if (cv->budget == 0 || cv->depth >= YAMLJSON_MAX_DEPTH) {
        conv_fail(cv, node,
                  cv->budget == 0 ? "too many nodes (aliases expand too far)" : "nesting too deep");
        return NULL;
    }
    cv->budget--;
    cv->depth++;
    json_t *v = node->type == YAML_SCALAR_NODE     ? conv_scalar(node)
                : node->type == YAML_SEQUENCE_NODE ? conv_sequence(cv, node)
                : node->type == YAML_MAPPING_NODE  ? conv_mapping(cv, node)
                                                   : NULL;
    cv->depth--;
    return v;
}

static int load_yaml(const char *buf, size_t len, json_t **out, char *err, size_t err_len)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, err_len, "%s at line %zu, column %zu",
                 parser.problem != NULL ? parser.problem : "invalid YAML",
                 parser.problem_mark.line + 1, parser.problem_mark.column + 1);
        yaml_parser_delete(&parser);
        return -1;
    }
    conv_t cv = {&doc, YAMLJSON_MAX_NODES, 0, err, err_len};
    snprintf(err, err_len, "out of memory");
    *out = conv_node(&cv, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return *out != NULL ? 0 : -1;
}

int yamljson_load(const char *buf, size_t len, json_t **out, char *err, size_t err_len)
{
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    if (i < len && (buf[i] == '{' || buf[i] == '[')) {
        json_error_t jerr;
        *out = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
        if (*out == NULL) {
            snprintf(err, err_len, "%s at line %d, column %d", jerr.text, jerr.line, jerr.column);
            return -1;
        }
        return 0;
    }
    return load_yaml(buf, len, out, err, err_len);
}

/* ---- JSON → YAML ---------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t len, cap;
} sink_t;

static int sink_write(void *data, unsigned char *bytes, size_t size)
{
    sink_t *s = data;
    if (s->len + size + 1 > s->cap) {
        size_t cap = (s->cap + size + 1) * 2;
        char *nb = realloc(s->buf, cap);
        if (nb == NULL)
            return 0;
        s->buf = nb;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, bytes, size);
    s->len += size;
    s->buf[s->len] = '\0';
    return 1;
}

static int emit_scalar(yaml_emitter_t *em, const char *text, int is_string)
{
    yaml_event_t ev;
    size_t n = strlen(text);
    int plain_ok = !is_string || !yamljson_plain_is_typed(text, n);
    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)n, plain_ok, 1,
                                 plain_ok ? YAML_ANY_SCALAR_STYLE
                                          : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
    return yaml_emitter_emit(em, &ev) ? 0 : -1;
}

static int emit_value(yaml_emitter_t *em, json_t *v);

static int emit_object(yaml_emitter_t *em, json_t *v)
{
    yaml_event_t ev;
    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
    if (!yaml_emitter_emit(em, &ev))
        return -1;
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x)
    {
        if (emit_scalar(em, k, 1) != 0 || emit_value(em, x) != 0)
            return -1;
    }
    yaml_mapping_end_event_initialize(&ev);
    return yaml_emitter_emit(em, &ev) ? 0 : -1;
}

static int emit_array(yaml_emitter_t *em, json_t *v)
{
    yaml_event_t ev;
    yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE);
    if (!yaml_emitter_emit(em, &ev))
        return -1;
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        if (emit_value(em, x) != 0)
            return -1;
    }
    yaml_sequence_end_event_initialize(&ev);
    return yaml_emitter_emit(em, &ev) ? 0 : -1;
}

static int emit_value(yaml_emitter_t *em, json_t *v)
{
    char num[64];
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return emit_object(em, v);
    case JSON_ARRAY:
        return emit_array(em, v);
    case JSON_STRING:
        return emit_scalar(em, json_string_value(v), 1);
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return emit_scalar(em, num, 0);
    case JSON_REAL:
        snprintf(num, sizeof(num), "%.17g", json_real_value(v));
        if (strpbrk(num, ".e") == NULL)
            strcat(num, ".0");
        return emit_scalar(em, num, 0);
    case JSON_TRUE:
        return emit_scalar(em, "true", 0);
    case JSON_FALSE:
        return emit_scalar(em, "false", 0);
    default:
        return emit_scalar(em, "null", 0);
    }
}

static int emit_document(yaml_emitter_t *em, json_t *v)
{
    yaml_event_t ev;
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    if (!yaml_emitter_emit(em, &ev))
        return -1;
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 0);
    if (!yaml_emitter_emit(em, &ev) || emit_value(em, v) != 0)
        return -1;
    yaml_document_end_event_initialize(&ev, 1);
    if (!yaml_emitter_emit(em, &ev))
        return -1;
    yaml_stream_end_event_initialize(&ev);
    return yaml_emitter_emit(em, &ev) ? 0 : -1;
}

int yamljson_dump(json_t *v, char **out, size_t *out_len)
{
    yaml_emitter_t em;
    sink_t s = {0};
    if (!yaml_emitter_initialize(&em))
        return -1;
    yaml_emitter_set_output(&em, sink_write, &s);
    yaml_emitter_set_unicode(&em, 1);
    yaml_emitter_set_width(&em, -1);
    int rc = emit_document(&em, v);
    yaml_emitter_delete(&em);
    if (rc != 0 || s.buf == NULL) {
        free(s.buf);
        return -1;
    }
    *out = s.buf;
    *out_len = s.len;
    return 0;
}
