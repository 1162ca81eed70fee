/* canonpath: one pass over the path, segment by segment. Each segment is
 * written to out after a '/', then inspected: ".", "" and ".." are taken
 * back out (".." also takes the segment before it). */
#include "canonpath.h"

#include <string.h>

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int is_unreserved(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

/* pchar (RFC 3986) minus pct-encoded: what may stay raw inside a segment. */
static int is_raw_pchar(unsigned char c)
{
    return is_unreserved(c) || strchr("!$&'()*+,;=:@", c) != NULL;
}

static char *put_escape(char *o, unsigned char c)
{
    static const char hex[] = "0123456789ABCDEF";
    o[0] = '%';
    o[1] = hex[c >> 4];
    o[2] = hex[c & 15];
    return o + 3;
}

/* Writes one segment's canonical bytes at o; returns the end, or NULL with *rc set. */
static char *put_segment(const unsigned char *s, size_t n, char *o, int *rc)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        if (c == '%') {
            int hi = i + 1 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                *rc = CANONPATH_ERR_BAD_ESCAPE;
                return NULL;
            }
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
            if (c == '/' || c == '\\') {
                *rc = CANONPATH_ERR_SLASH;
                return NULL;
            }
            if (c == 0) {
                *rc = CANONPATH_ERR_NUL;
                return NULL;
            }
            if (is_unreserved(c))
                *o++ = (char)c;
            else
                o = put_escape(o, c);
            continue;
        }
        if (c == '\\' || c == 0) {
            *rc = c == 0 ? CANONPATH_ERR_NUL : CANONPATH_ERR_SLASH;
            return NULL;
        }
        if (is_raw_pchar(c))
            *o++ = (char)c;
        else
            o = put_escape(o, c);
    }
    return o;
}

int canonpath_normalize(const char *path, size_t len, char *out, size_t cap, size_t *out_len)
{
    const unsigned char *p = (const unsigned char *)path, *end = p + len;
    if (cap < canonpath_room(len))
        return CANONPATH_ERR_SPACE;
    if (len == 0 || p[0] != '/')
        return CANONPATH_ERR_NOT_ABSOLUTE;
    char *o = out; /* out[0..o) is canonical and never ends with '/' */
    int trailing = 0, rc = CANONPATH_OK;
    while (p < end) {
        p++; /* the '/' */
        const unsigned char *seg = p;
        while (p < end && *p != '/')
            p++;
        char *start = o;
        *o++ = '/';
        char *seg_end = put_segment(seg, (size_t)(p - seg), o, &rc);
        if (seg_end == NULL)
            return rc;
        size_t n = (size_t)(seg_end - o);
        trailing = n == 0 || (n == 1 && o[0] == '.') || (n == 2 && o[0] == '.' && o[1] == '.');
        if (!trailing) {
            o = seg_end;
            continue;
        }
        o = start;
        if (n == 2) { /* "..": drop the segment before */
            if (o == out)
                return CANONPATH_ERR_ABOVE_ROOT;
            while (o > out && *--o != '/')
                ;
        }
    }
    if (o == out || trailing)
        *o++ = '/';
    *o = '\0';
    *out_len = (size_t)(o - out);
    return CANONPATH_OK;
}

int canonpath_normalize_target(const char *target, size_t len, char *out, size_t cap,
                               size_t *path_len, size_t *out_len)
{
    const char *q = memchr(target, '?', len);
    size_t plen = q != NULL ? (size_t)(q - target) : len, qlen = len - plen;
    if (cap < canonpath_room(plen) + qlen)
        return CANONPATH_ERR_SPACE;
    int rc = canonpath_normalize(target, plen, out, cap, path_len);
    if (rc != CANONPATH_OK)
        return rc;
    memcpy(out + *path_len, target + plen, qlen);
    *out_len = *path_len + qlen;
    return CANONPATH_OK;
}

int canonpath_within(const char *path, size_t len, const char *prefix, size_t prefix_len)
{
    if (prefix_len == 0 || (prefix_len == 1 && prefix[0] == '/'))
        return 1;
    if (len < prefix_len || memcmp(path, prefix, prefix_len) != 0)
        return 0;
    return len == prefix_len || prefix[prefix_len - 1] == '/' || path[prefix_len] == '/';
}

const char *canonpath_strerror(int rc)
{
    switch (rc) {
    case CANONPATH_OK:
        return "ok";
    case CANONPATH_ERR_NOT_ABSOLUTE:
        return "the path does not start with '/'";
    case CANONPATH_ERR_BAD_ESCAPE:
        return "a '%' is not followed by two hex digits";
    case CANONPATH_ERR_SLASH:
        return "an encoded slash or a backslash";
    case CANONPATH_ERR_NUL:
        return "a NUL byte";
    case CANONPATH_ERR_ABOVE_ROOT:
        return "'..' above the root";
    case CANONPATH_ERR_SPACE:
        return "no room for the canonical path";
    }
    return "unknown error";
}
