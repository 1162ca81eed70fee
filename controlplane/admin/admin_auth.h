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
 * and return -1 when they refuse. */
#ifndef PORTICO_ADMIN_AUTH_H
#define PORTICO_ADMIN_AUTH_H

#include "admin.h"

int admin_auth_headers(admin_call_t *c);
int admin_auth_body(admin_call_t *c);

#endif
