/* admin_domain_tls: a custom domain name's certificate, private key and
 * optional mutual-TLS truststore, given to POST /domainnames
 * (certificateBody, certificatePrivateKey, certificateChain,
 * mutualTlsAuthentication.truststorePem), checked with OpenSSL and stored
 * apart from the domain's document: GET never shows the key. */
#ifndef PORTICO_ADMIN_DOMAIN_TLS_H
#define PORTICO_ADMIN_DOMAIN_TLS_H

#include <jansson.h>

#include "admin.h"

typedef struct {
    char *certificate; /* leaf + chain, PEM; NULL: the domain has no certificate */
    const char *private_key;
    const char *truststore; /* "" when no mutual TLS */
} domain_tls_t;

/* Validates the body's TLS fields into *tls (pool memory) and records what
 * the reference shows (certificateUploadDate, mutualTlsAuthentication) in
 * doc. Replies 400 and returns -1 when something does not load. */
int domain_tls_prepare(admin_call_t *c, json_t *doc, domain_tls_t *tls);

/* Stores *tls for name inside the caller's transaction (nothing when the
 * domain has no certificate). */
int domain_tls_store(admin_call_t *c, const char *name, const domain_tls_t *tls);

#endif
