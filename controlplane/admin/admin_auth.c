/* admin_auth: who may call the management API — the bearer token, or AWS
 * Signature Version 4 (service "apigateway", any region) with the bootstrap
 * access key or one created through /portico/accesskeys — and the
 * reference's 403 answers when neither holds (MissingAuthenticationToken,
 * UnrecognizedClient, InvalidSignature, IncompleteSignature).
 *
 * Two steps, so that a request without plausible credentials is refused
 * before its body is read: admin_auth_headers looks at headers and query
 * only (token check; SigV4 parse, clock and key lookup); admin_auth_body
 * completes SigV4 once the body is there (its hash is signed). Both reply
 * and return -1 when they refuse.
 *
 * The bearer token is compared in constant time; SigV4 goes through
 * common/sigv4.h with keys from admin_accesskey.c. The parsed credentials
 * and the signing key wait in the request's pool between the two steps.
 * Declared in admin.h, like the route table. */
#include "admin.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "admin_accesskey.h"
#include "crypto.h"
#include "sigv4.h"

#define ADMIN_AUTH_SERVICE "apigateway"
#define ADMIN_AUTH_MAX_HEADERS 100

struct admin_sigv4 {
    sigv4_auth_t auth;
    uint8_t key[SIGV4_KEY_LEN];
    sigv4_request_t r;
    sigv4_header_t headers[ADMIN_AUTH_MAX_HEADERS];
};

#define MSG_INVALID_TOKEN "The security token included in the request is invalid."
#define MSG_BAD_SIGNATURE                                                                          \
    "The request signature we calculated does not match the signature you provided. Check your "   \
    "AWS Secret Access Key and signing method. Consult the service documentation for details."

static void refuse(admin_call_t *c, const char *type, const char *msg)
{
    admin_fail(c, 403, type, "%s", msg);
}

/* 1 when the Authorization header is a bearer token (valid or not). */
static int bearer(admin_call_t *c, int *valid)
{
    h2o_req_t *req = c->req;
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    static const char prefix[] = "Bearer ";
    if (i < 0)
        return 0;
    h2o_iovec_t v = req->headers.entries[i].value;
    if (v.len < sizeof(prefix) - 1 || strncasecmp(v.base, prefix, sizeof(prefix) - 1) != 0)
        return 0;
    *valid = crypto_equal(v.base + sizeof(prefix) - 1, v.len - (sizeof(prefix) - 1),
                          c->cp->admin_token, c->cp->admin_token_len);
    return 1;
}

/* The request as SigV4 sees it: raw path and query, headers with host
 * taken from the authority (h2o keeps Host there, for HTTP/1 and 2 alike). */
static int sigv4_view(h2o_req_t *req, struct admin_sigv4 *s)
{
    size_t n = 0;
    int has_length = 0;
    for (size_t i = 0; i < req->headers.size; i++) {
        const h2o_header_t *h = &req->headers.entries[i];
        if (h2o_memis(h->name->base, h->name->len, H2O_STRLIT("host")))
            continue;
        has_length |= h2o_memis(h->name->base, h->name->len, H2O_STRLIT("content-length"));
        if (n == ADMIN_AUTH_MAX_HEADERS - 2)
            return -1;
        s->headers[n++] =
            (sigv4_header_t){h->name->base, h->name->len, h->value.base, h->value.len};
    }
    s->headers[n++] = (sigv4_header_t){"host", 4, req->authority.base, req->authority.len};
    if (!has_length && req->entity.base != NULL) {
        /* h2o consumes Content-Length into req->content_length; SDKs sign it */
        char *len = h2o_mem_alloc_pool(&req->pool, 24);
        int l = snprintf(len, 24, "%zu", req->entity.len);
        s->headers[n++] = (sigv4_header_t){"content-length", 14, len, (size_t)l};
    }
    size_t path_len = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    s->r = (sigv4_request_t){
        req->method.base, req->method.len, req->path.base, path_len, NULL, 0, s->headers, n};
    if (req->query_at != SIZE_MAX) {
        s->r.query = req->path.base + req->query_at + 1;
        s->r.query_len = req->path.len - req->query_at - 1;
    }
    return 0;
}

/* Maps a parse or clock failure to the reference's answer. */
static void refuse_parse(admin_call_t *c, int rc, const sigv4_auth_t *a)
{
    if (rc == SIGV4_ENONE)
        refuse(c, "MissingAuthenticationTokenException", "Missing Authentication Token");
    else if (rc == SIGV4_ETOKEN)
        refuse(c, "UnrecognizedClientException", MSG_INVALID_TOKEN);
    else if (rc == SIGV4_ESCOPE)
        admin_fail(c, 403, "InvalidSignatureException",
                   "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                   "from HTTP: '%s' != '%.8s', from '%s'.",
                   a->date, a->amz_date, a->amz_date);
    else
        refuse(c, "IncompleteSignatureException",
               "Authorization header requires 'Credential', 'SignedHeaders' (with host), "
               "'Signature' and 'X-Amz-Date' (or the presigned X-Amz-* query parameters), "
               "well formed.");
}

int admin_auth_headers(admin_call_t *c)
{
    int valid = 0;
    if (bearer(c, &valid)) {
        if (valid)
            return 0;
        admin_fail(c, 401, "UnauthorizedException", "Unauthorized");
        return -1;
    }
    struct admin_sigv4 *s = h2o_mem_alloc_pool(&c->req->pool, sizeof(*s));
    char msg[256];
    if (sigv4_view(c->req, s) != 0) {
        admin_fail(c, 400, "BadRequestException", "Too many request headers");
        return -1;
    }
    int rc = sigv4_parse(&s->r, &s->auth);
    if (rc != SIGV4_OK) {
        refuse_parse(c, rc, &s->auth);
        return -1;
    }
    if (strcmp(s->auth.service, ADMIN_AUTH_SERVICE) != 0) {
        refuse(c, "InvalidSignatureException",
               "Credential should be scoped to correct service: '" ADMIN_AUTH_SERVICE "'. ");
        return -1;
    }
    if (sigv4_check_time(&s->auth, admin_now(), msg, sizeof(msg)) != SIGV4_OK) {
        refuse(c, "InvalidSignatureException", msg);
        return -1;
    }
    if (admin_accesskey_signing_key(c->cp, s->auth.access_key, s->auth.date, s->auth.region,
                                    s->auth.service, s->key) != 0) {
        refuse(c, "UnrecognizedClientException", MSG_INVALID_TOKEN);
        return -1;
    }
    c->sigv4 = s;
    return 0;
}

int admin_auth_body(admin_call_t *c)
{
    struct admin_sigv4 *s = c->sigv4;
    if (s == NULL)
        return 0; /* the bearer token */
    h2o_iovec_t e = c->req->entity;
    size_t len = e.base != NULL ? e.len : 0;
    int rc = sigv4_verify(&s->r, &s->auth, s->key, e.base, len, len == 0);
    OPENSSL_cleanse(s->key, sizeof(s->key));
    if (rc == SIGV4_OK)
        return 0;
    if (rc == SIGV4_EPAYLOAD)
        refuse(c, "InvalidSignatureException",
               "The provided 'x-amz-content-sha256' header does not match what was computed.");
    else
        refuse(c, "InvalidSignatureException", MSG_BAD_SIGNATURE);
    return -1;
}
