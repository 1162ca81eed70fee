/* domain_tls: custom domain certificates (table domain_tls, written by
 * admin_domain_tls.c) put in snapshots with each private key sealed under
 * the cluster secret (sealbox.h). Keys are never logged. */
#ifndef PORTICO_DOMAIN_TLS_H
#define PORTICO_DOMAIN_TLS_H

#include <jansson.h>

#include "store.h"
#include "arena.h"
#include "envelope.h"
#include "portico.pb-c.h"

/* The secret private keys are sealed with; set once at startup. */
void domain_tls_set_secret(const envelope_secret_t *secret);

/* Every domain certificate for the snapshot (inside the caller's read
 * transaction). */
int domain_tls_snapshot(store_t *s, arena_t *a, Portico__DomainTls ***out, size_t *n);

#endif
