/* tls_conf: the snapshot's custom-domain certificates compiled into server
 * contexts (one SSL_CTX per domain, freed with the runtime). The private
 * keys arrive sealed (sealbox.h) and are opened with the cluster secret. */
#ifndef PORTICO_TLS_CONF_H
#define PORTICO_TLS_CONF_H

#include <openssl/ssl.h>

#include "envelope.h"
#include "rt_build.h"

/* The secret sealed keys are opened with; set once before any snapshot. */
void tls_conf_set_secret(const envelope_secret_t *secret);

int tls_conf_domains(rt_build_t *b, const Portico__Snapshot *snap);

#endif
