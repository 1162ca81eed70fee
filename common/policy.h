/* policy: IAM-style policy documents as the reference service reads them —
 * an API's resource policy and the policyDocument a custom authorizer
 * answers. Statements with Effect Allow/Deny, Action/NotAction
 * (execute-api:Invoke, wildcards), Resource/NotResource (execute-api ARNs
 * with * and ?), Principal "*" and the conditions IpAddress / NotIpAddress
 * on aws:SourceIp (IPv4/IPv6 CIDRs). Anything else is refused at parse time
 * rather than ignored. A parsed policy lives in the caller's arena, is
 * immutable and may be evaluated from any thread. */
#ifndef PORTICO_POLICY_H
#define PORTICO_POLICY_H

#include <jansson.h>
#include <stddef.h>

#include "arena.h"
#include "netaddr.h"

/* Portico's execute-api ARNs name this region and account (there are no
 * regions or accounts here; policies usually match them with wildcards). */
#define POLICY_REGION "local"
#define POLICY_ACCOUNT "000000000000"

typedef struct policy policy_t;

enum policy_kind {
    POLICY_RESOURCE,   /* an API's resource policy: Principal required */
    POLICY_AUTHORIZER, /* a custom authorizer's policyDocument: no Principal */
};

enum policy_result {
    POLICY_NO_MATCH, /* no statement applies */
    POLICY_ALLOW,
    POLICY_DENY, /* an explicit deny (wins over any allow) */
};

typedef struct {
    const char *arn; /* arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/VERB/PATH */
    size_t arn_len;
    const netaddr_cidr_t *source_ip; /* NULL: unknown (IP conditions do not match) */
    const char *action;              /* NULL: execute-api:Invoke */
} policy_request_t;

/* Parses a policy from JSON text (resource policies) or a decoded JSON
 * object (authorizer answers). api_id expands the reference's short
 * resource form "execute-api:/stage/VERB/path" (NULL: short form refused).
 * Returns 0, or -1 with a reason in err. Everything lives in a. */
int policy_parse(const char *text, size_t len, enum policy_kind kind, const char *api_id,
                 arena_t *a, policy_t **out, char *err, size_t err_len);
int policy_parse_json(json_t *doc, enum policy_kind kind, const char *api_id, arena_t *a,
                      policy_t **out, char *err, size_t err_len);

enum policy_result policy_evaluate(const policy_t *p, const policy_request_t *req);

/* Glob match as IAM does it: '*' any run of characters, '?' one character. */
int policy_glob(const char *pat, size_t pat_len, const char *s, size_t len, int nocase);

/* Writes the execute-api ARN of a request into buf (NUL-terminated);
 * returns its length, or -1 when buf is too small. */
int policy_method_arn(char *buf, size_t cap, const char *api_id, const char *stage,
                      const char *verb, size_t verb_len, const char *path, size_t path_len);

#endif
