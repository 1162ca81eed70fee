/* canonpath: the one canonical form of a request path, decided once per
 * request before anything looks at the path (routing, stage lookup,
 * $context.path, ARNs for policies and authorizers, cache keys, the upstream
 * URL), so that the gateway and the endpoint behind it can never disagree on
 * which resource a request names.
 *
 * The canonical form (RFC 3986 section 6.2.2, with the defaults of nginx's
 * merge_slashes and Envoy's normalize_path):
 *   - percent-escapes of unreserved characters (ALPHA DIGIT - . _ ~) are
 *     decoded ("%61dmin" → "admin"); every other escape is kept, with upper
 *     case hex digits ("%2b" → "%2B");
 *   - bytes that may not appear raw in a path (controls, space, '"', '<',
 *     '>', '\\' excepted below, '^', '`', '{', '|', '}', bytes ≥ 0x80) are
 *     percent-encoded;
 *   - "." and ".." segments are removed (after the decoding, so "%2e%2e" is a
 *     ".." too); a ".." above the root is refused, as nginx does;
 *   - empty segments ("//") are merged; a trailing slash is kept;
 * and refuses, rather than guesses:
 *   - a '%' not followed by two hex digits;
 *   - an encoded slash or backslash (%2F, %5C) and a raw backslash: many
 *     endpoints decode them into separators after the gateway routed the
 *     request (Envoy's REJECT_REQUEST choice; nginx decodes them);
 *   - NUL, raw or encoded;
 *   - a path that does not start with '/'.
 * The caller answers 400 for any refusal. Pure functions, any thread. */
#ifndef PORTICO_CANONPATH_H
#define PORTICO_CANONPATH_H

#include <stddef.h>

enum {
    CANONPATH_OK = 0,
    CANONPATH_ERR_NOT_ABSOLUTE = -1, /* does not start with '/' */
    CANONPATH_ERR_BAD_ESCAPE = -2,   /* '%' without two hex digits */
    CANONPATH_ERR_SLASH = -3,        /* %2F, %5C or a raw backslash */
    CANONPATH_ERR_NUL = -4,          /* NUL, raw or %00 */
    CANONPATH_ERR_ABOVE_ROOT = -5,   /* ".." past the first segment */
    CANONPATH_ERR_SPACE = -6,        /* out has fewer than canonpath_room(len) bytes */
};

/* Bytes out needs for a path of len bytes (each byte may become "%XX", plus a NUL). */
static inline size_t canonpath_room(size_t len)
{
    return 3 * len + 2;
}

/* Writes the canonical form of path[0..len) (no query) to out (NUL-ended)
 * and its length to *out_len. Returns CANONPATH_OK or a CANONPATH_ERR_*. */
int canonpath_normalize(const char *path, size_t len, char *out, size_t cap, size_t *out_len);

/* Bytes out needs for a target of len bytes: a path and its query. */
static inline size_t canonpath_target_room(size_t len)
{
    return canonpath_room(len) + len;
}

/* A request target: the canonical form of its path (up to the first '?'),
 * then its query as it is. *path_len gets the canonical path's length,
 * *out_len the whole. Returns CANONPATH_OK or a CANONPATH_ERR_* of the path
 * (out then holds no target). */
int canonpath_normalize_target(const char *target, size_t len, char *out, size_t cap,
                               size_t *path_len, size_t *out_len);

/* Nonzero when path lies at or under prefix: prefix equals path, or path
 * starts with prefix and prefix ends with '/' or path continues with '/'.
 * Both canonical. An empty prefix or "/" contains every path. */
int canonpath_within(const char *path, size_t len, const char *prefix, size_t prefix_len);

/* Text for an error code. */
const char *canonpath_strerror(int rc);

#endif
