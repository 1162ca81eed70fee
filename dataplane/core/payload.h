/* payload: the reference's content type conversions for REST APIs (non-proxy
 * integrations). The API's binaryMediaTypes, the request's Content-Type (for
 * the integration request) or the endpoint's Content-Type and the client's
 * first Accept type (for the method response), and contentHandling decide
 * whether a payload comes in as text or binary and leaves as text or binary:
 *   text in,   text out:   the template renders it (invalid UTF-8 becomes
 *                          U+FFFD first, as the reference reads it as UTF-8);
 *   text in,   binary out: the template renders it, then it is base64-decoded
 *                          (not base64: the gateway's 500);
 *   binary in, text out:   base64-encoded first, the template sees that in
 *                          $input.body;
 *   binary in, binary out: passes as it is, no template.
 * The decisions are pure functions (payload_*_plan) so they can be tested
 * against the reference's two tables row by row. */
#ifndef PORTICO_PAYLOAD_H
#define PORTICO_PAYLOAD_H

#include <stddef.h>

#include <h2o.h>

typedef struct {
    unsigned in_binary : 1;  /* the payload is binary as it comes */
    unsigned out_binary : 1; /* the payload leaves binary */
} payload_plan_t;

/* 1 when the media type (parameters after ';' ignored, any case) matches
 * one of types: exact, or a pattern where a star matches any run ("image/" + star).
 * Any case. */
int payload_media_matches(const char *const *types, size_t ntypes, const char *mt, size_t len);

/* The first media type of an Accept value (the reference honours only it),
 * without parameters or spaces. */
h2o_iovec_t payload_first_accept(const char *accept, size_t len);

/* convert: 0, RT_CONVERT_TO_TEXT or RT_CONVERT_TO_BINARY (rt.h). */
payload_plan_t payload_request_plan(int have_types, int content_type_binary, int convert);
payload_plan_t payload_response_plan(int have_types, int answer_binary, int accept_binary,
                                     int convert);

/* 1 when the mapping template applies to the payload under plan. */
static inline int payload_template_applies(payload_plan_t p)
{
    return !(p.in_binary && p.out_binary);
}

/* Before the template: binary to text is base64 (when the plan leaves it
 * text), text is made valid UTF-8 (templated: left to the template engine,
 * which reads $input.body so). Output in pool (or body unchanged). */
h2o_iovec_t payload_before(h2o_mem_pool_t *pool, payload_plan_t p, h2o_iovec_t body, int templated);

/* After the template: text leaving binary is base64-decoded. 0, or -1 when
 * it is not base64 (the caller answers the configuration error). */
int payload_after(h2o_mem_pool_t *pool, payload_plan_t p, h2o_iovec_t *body);

/* Standard base64 (padding optional, CR/LF ignored) into pool; -1 if malformed. */
int payload_base64_decode(h2o_mem_pool_t *pool, const char *s, size_t len, h2o_iovec_t *out);
h2o_iovec_t payload_base64_encode(h2o_mem_pool_t *pool, const void *p, size_t len);

/* s with each invalid UTF-8 sequence replaced by U+FFFD (s itself when valid). */
h2o_iovec_t payload_utf8(h2o_mem_pool_t *pool, h2o_iovec_t s);

/* 1 when s is valid UTF-8 (RFC 3629: no overlongs, surrogates or code points past U+10FFFF). */
int payload_is_utf8(const char *s, size_t len);

#endif
