/* httpval: the one check every value goes through before it becomes part of
 * an HTTP message the gateway writes — request lines and headers sent to
 * endpoints and authorizers, status lines and headers sent to clients over
 * HTTP/1 and HTTP/2 — and the check of what a client sent before the
 * pipeline trusts it.
 *
 * Rules (RFC 9110 section 5, RFC 9112 section 3, RFC 9113 section 8.2.1):
 *   - a method or header name is a non-empty token (tchar only), at most
 *     HTTPVAL_NAME_MAX bytes;
 *   - a header value holds no control character other than HTAB (so no CR,
 *     LF or NUL) and no DEL; obs-text (bytes 0x80-0xFF) is allowed, as nginx,
 *     h2o and Envoy pass it through; at most HTTPVAL_VALUE_MAX bytes;
 *   - a request target is origin-form: it starts with '/' and holds no
 *     control character, space, DEL or '#'; bytes 0x80-0xFF are allowed;
 *   - an authority is reg-name / IPv4 / IP-literal characters with an
 *     optional port, non-empty, no userinfo ('@');
 *   - a status is 100..599.
 * Each returns 0 when the value may be written, HTTPVAL_INVALID when not.
 * Pure functions, any thread. */
#ifndef PORTICO_HTTPVAL_H
#define PORTICO_HTTPVAL_H

#include <stddef.h>

#define HTTPVAL_INVALID (-1)
#define HTTPVAL_NAME_MAX 1024
#define HTTPVAL_VALUE_MAX 65536

int httpval_method(const char *s, size_t len);
int httpval_header_name(const char *s, size_t len);
int httpval_header_value(const char *s, size_t len);
/* Both of a header. */
int httpval_header(const char *name, size_t name_len, const char *value, size_t value_len);
int httpval_target(const char *s, size_t len);
/* A query string without its '?': the request target's rules, any first byte. */
int httpval_query(const char *s, size_t len);
int httpval_authority(const char *s, size_t len);
int httpval_status(int status);

#endif
