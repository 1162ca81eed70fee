/* logfmt: a single left-to-right scan; a variable name is the longest run of
 * [A-Za-z0-9_.] after "$context.", without trailing dots (so "$context.status."
 * ends a sentence rather than naming a variable). */
#include "logfmt.h"

#include <stdio.h>
#include <ctype.h>
#include <string.h>

#include "ctxvar.h"

#define LOGFMT_PREFIX "$context."
#define LOGFMT_PREFIX_LEN (sizeof(LOGFMT_PREFIX) - 1)

static int logfmt_name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '.';
}

/* Length of the variable name starting at s (0 when none). */
static size_t logfmt_name_len(const char *s, size_t avail)
{
    size_t n = 0;
    while (n < avail && logfmt_name_char(s[n]))
        n++;
    while (n > 0 && s[n - 1] == '.')
        n--;
    return n;
}

int logfmt_parse(const char *fmt, size_t len, logfmt_seg_fn fn, void *ctx, char *err,
                 size_t err_len)
{
    size_t lit = 0, i = 0;
    while (i < len) {
        if ((unsigned char)fmt[i] < 0x20 || fmt[i] == 0x7f) {
            snprintf(err, err_len, "the format contains a control character at offset %zu", i);
            return -1;
        }
        if (fmt[i] != '$' || len - i <= LOGFMT_PREFIX_LEN ||
            memcmp(fmt + i, LOGFMT_PREFIX, LOGFMT_PREFIX_LEN) != 0) {
            i++;
            continue;
        }
        const char *name = fmt + i + LOGFMT_PREFIX_LEN;
        size_t nlen = logfmt_name_len(name, len - i - LOGFMT_PREFIX_LEN);
        int var = ctxvar_find(name, nlen);
        if (var < 0) {
            snprintf(err, err_len, "unknown variable $context.%.*s", (int)nlen, name);
            return -1;
        }
        int rc;
        if (i > lit && (rc = fn(ctx, &(logfmt_seg_t){-1, fmt + lit, i - lit})) != 0)
            return rc;
        if ((rc = fn(ctx, &(logfmt_seg_t){var, name, nlen})) != 0)
            return rc;
        i += LOGFMT_PREFIX_LEN + nlen;
        lit = i;
    }
    if (i > lit)
        return fn(ctx, &(logfmt_seg_t){-1, fmt + lit, i - lit});
    return 0;
}

static int logfmt_note_request_id(void *ctx, const logfmt_seg_t *seg)
{
    if (seg->var == CTXVAR_REQUEST_ID || seg->var == CTXVAR_EXTENDED_REQUEST_ID)
        *(int *)ctx = 1;
    return 0;
}

int logfmt_validate(const char *fmt, size_t len, char *err, size_t err_len)
{
    int has_id = 0;
    if (len == 0 || len > LOGFMT_MAX_LEN) {
        snprintf(err, err_len, "the format must be 1 to %d characters", LOGFMT_MAX_LEN);
        return -1;
    }
    if (logfmt_parse(fmt, len, logfmt_note_request_id, &has_id, err, err_len) != 0)
        return -1;
    if (!has_id) {
        snprintf(err, err_len,
                 "the format must include $context.requestId or "
                 "$context.extendedRequestId");
        return -1;
    }
    return 0;
}

int logfmt_destination_valid(const char *dest)
{
    size_t len = strlen(dest);
    if (strcmp(dest, "stdout") == 0 || strcmp(dest, "stderr") == 0)
        return 1;
    /* a plain file name: no separator, no "." or "..", no hidden files */
    if (len < 1 || len > LOGFMT_MAX_FILE_NAME || dest[0] == '.' || dest[0] == '-')
        return 0;
    for (const char *p = dest; *p != '\0'; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
            return 0;
    return 1;
}

int logfmt_path_valid(const char *path)
{
    size_t len = strlen(path);
    if (len < 2 || len > 1024 || path[0] != '/' || path[len - 1] == '/')
        return 0;
    for (const char *p = path; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return 0;
    /* no empty, "." or ".." segments: the path means what it says */
    for (const char *seg = path + 1; seg != NULL;) {
        const char *end = strchr(seg, '/');
        size_t n = end != NULL ? (size_t)(end - seg) : strlen(seg);
        if (n == 0 || (n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return 0;
        seg = end != NULL ? end + 1 : NULL;
    }
    return 1;
}
