/* sigv4: verification of AWS Signature Version 4 requests, in the
 * Authorization header form and the presigned query form, as the reference's
 * clients (botocore, the JS SDK v3) sign them for services other than S3:
 * canonical URI = the path as it came on the wire with dot segments and
 * repeated slashes removed, percent-encoded once more (so an encoded "%20"
 * is signed as "%2520"); canonical query = decoded then AWS-encoded pairs
 * sorted by key then value; header values trimmed, inner spaces collapsed,
 * repeats joined by ','.
 *
 * The canonical request is built in sigv4_canon.c, the rest in sigv4.c.
 * Parsing (sigv4_parse) reads headers and query only, so a caller can refuse
 * a request before reading its body; verification (sigv4_verify) needs the
 * body, whose hash is checked against X-Amz-Content-Sha256 when present.
 * Everything here is reentrant and keeps no pointer after it returns. */
#ifndef PORTICO_SIGV4_H
#define PORTICO_SIGV4_H

#include <stddef.h>
#include <stdint.h>

#define SIGV4_KEY_LEN 32
#define SIGV4_MAX_SKEW 300 /* seconds, either way */
#define SIGV4_MAX_EXPIRES 604800
#define SIGV4_ACCESS_KEY_MAX 128
#define SIGV4_SIGNED_HEADERS_MAX 1024

enum {
    SIGV4_OK = 0,
    SIGV4_ENONE = -1,      /* no SigV4 credentials at all */
    SIGV4_EMALFORMED = -2, /* an Authorization header or X-Amz-* query that does not parse */
    SIGV4_ESCOPE = -3,     /* credential scope date differs from X-Amz-Date, wrong service */
    SIGV4_EEXPIRED = -4,   /* X-Amz-Date too old (or the presigned URL expired) */
    SIGV4_EFUTURE = -5,    /* X-Amz-Date too far in the future */
    SIGV4_ESIGNATURE = -6, /* the signature does not match */
    SIGV4_EPAYLOAD = -7,   /* X-Amz-Content-Sha256 differs from the body's hash */
    SIGV4_ETOKEN = -8,     /* a session token, which Portico never issues */
    SIGV4_ENOMEM = -9,
};

typedef struct {
    const char *name; /* any case */
    size_t name_len;
    const char *value;
    size_t value_len;
} sigv4_header_t;

/* A request as received. host must be among headers (HTTP/2's :authority
 * passed as "host"). */
typedef struct {
    const char *method;
    size_t method_len;
    const char *path; /* raw, as on the wire, without the query */
    size_t path_len;
    const char *query; /* raw, without '?'; NULL or "" when none */
    size_t query_len;
    const sigv4_header_t *headers;
    size_t nheaders;
} sigv4_request_t;

typedef struct {
    char access_key[SIGV4_ACCESS_KEY_MAX + 1];
    char date[9];     /* yyyymmdd of the credential scope */
    char region[64];  /* credential scope region */
    char service[64]; /* credential scope service */
    char amz_date[17];
    int64_t time;    /* X-Amz-Date as seconds since the epoch */
    int64_t expires; /* presigned: X-Amz-Expires seconds; 0 otherwise */
    int presigned;
    char signed_headers[SIGV4_SIGNED_HEADERS_MAX + 1]; /* "host;x-amz-date" */
    uint8_t signature[32];
    char payload_hash[65]; /* X-Amz-Content-Sha256 when sent, else "" */
} sigv4_auth_t;

/* Finds and parses the credentials in r's headers or query. SIGV4_ENONE
 * when there are none (no "AWS4-HMAC-SHA256" Authorization header, no
 * X-Amz-Algorithm); never reads a body. */
int sigv4_parse(const sigv4_request_t *r, sigv4_auth_t *out);

/* Checks X-Amz-Date against now: within ±SIGV4_MAX_SKEW, or for presigned
 * requests not before X-Amz-Date - SIGV4_MAX_SKEW nor after X-Amz-Date +
 * X-Amz-Expires. On failure writes the reference's message into msg. */
int sigv4_check_time(const sigv4_auth_t *a, int64_t now, char *msg, size_t msg_len);

/* The day-scoped key: HMAC chain "AWS4"+secret → date → region → service →
 * "aws4_request". The data plane keeps only such keys, never secrets. */
void sigv4_signing_key(const char *secret, size_t secret_len, const char *date, const char *region,
                       const char *service, uint8_t out[SIGV4_KEY_LEN]);

/* Verifies a parsed request with its signing key and its body (NULL/0 when
 * none). allow_unsigned accepts X-Amz-Content-Sha256: UNSIGNED-PAYLOAD
 * (then the body is not covered by the signature). Constant-time on the
 * signature comparison. */
int sigv4_verify(const sigv4_request_t *r, const sigv4_auth_t *a, const uint8_t key[SIGV4_KEY_LEN],
                 const void *body, size_t body_len, int allow_unsigned);

/* The canonical request (for tests and debugging): malloc'd, NUL-terminated;
 * payload_hash is the 64-hex hash or UNSIGNED-PAYLOAD. NULL on failure. */
char *sigv4_canonical_request(const sigv4_request_t *r, const sigv4_auth_t *a,
                              const char *payload_hash);

/* Percent-decodes s[0..len) into out (capacity cap, NUL-terminated; '+' is
 * kept as '+'). Returns the decoded length, or -1 when malformed, holding a
 * NUL byte, or longer than cap - 1. */
long sigv4_decode(const char *s, size_t len, char *out, size_t cap);

const char *sigv4_strerror(int rc);

#endif
