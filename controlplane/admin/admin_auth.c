/* admin_auth: who may call the management API — the bearer token, or AWS
 * Signature Version 4 (service "apigateway", any region; "lambda" on the
 * Lambda management API's paths) with the bootstrap
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
#include "sigv4_h2o.h"

#define ADMIN_AUTH_SERVICE "apigateway"
#define ADMIN_AUTH_SERVICE_LAMBDA "lambda"
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

/* The service a request's credential scope names: "lambda" for the Lambda
 * management API's paths (its three API versions), else "apigateway". */
static const char *admin_auth_service(h2o_req_t *req)
{
    static const char *const lambda_prefixes[] = {"/2015-03-31/", "/2017-10-31/", "/2019-09-30/"};
    for (size_t i = 0; i < sizeof(lambda_prefixes) / sizeof(lambda_prefixes[0]); i++)
        if (req->path.len >= 12 && memcmp(req->path.base, lambda_prefixes[i], 12) == 0)
            return ADMIN_AUTH_SERVICE_LAMBDA;
    return ADMIN_AUTH_SERVICE;
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
    if (sigv4_from_h2o(c->req, s->headers, ADMIN_AUTH_MAX_HEADERS, &s->r) != 0) {
        admin_fail(c, 400, "BadRequestException", "Too many request headers");
        return -1;
    }
    int rc = sigv4_parse(&s->r, &s->auth);
    if (rc != SIGV4_OK) {
        refuse_parse(c, rc, &s->auth);
        return -1;
    }
    const char *service = admin_auth_service(c->req);
    if (strcmp(s->auth.service, service) != 0) {
        admin_fail(c, 403, "InvalidSignatureException",
                   "Credential should be scoped to correct service: '%s'. ", service);
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
