/* tls: the data plane's TLS server side — contexts built from PEM (TLS 1.2
 * and later only, HTTP/2 and HTTP/1.1 offered by ALPN, optional client
 * certificates checked against a truststore: mutual TLS), and the SNI
 * callback that switches a handshake to a custom domain's context from the
 * worker's current runtime. */
#ifndef PORTICO_TLS_H
#define PORTICO_TLS_H

#include <openssl/ssl.h>
#include <stddef.h>

struct dp_thread;     /* dp.h */
struct st_h2o_conn_t; /* h2o.h */
struct runtime;       /* runtime.h */

/* A server context; truststore (PEM CA certificates, may be NULL) turns on
 * mutual TLS: a client without a certificate it signed is refused. NULL
 * with a reason in err. Private key bytes are never logged. */
SSL_CTX *tls_ctx_from_pem(const char *cert, size_t cert_len, const char *key, size_t key_len,
                          const char *truststore, size_t truststore_len, char *err, size_t err_len);

/* The same from files (--tls-cert, --tls-key, --tls-client-ca). */
SSL_CTX *tls_ctx_from_files(const char *cert_file, const char *key_file, const char *ca_file,
                            char *err, size_t err_len);

/* Makes ctx pick a custom domain's context by SNI. */
void tls_enable_sni(SSL_CTX *ctx);

enum tls_domain_check {
    TLS_DOMAIN_SERVE = 0,       /* no certificate, or the handshake selected it */
    TLS_DOMAIN_CLEARTEXT = -1,  /* not TLS: the domain is not served here (403) */
    TLS_DOMAIN_MISDIRECTED = -2 /* TLS made for another name, or without the client
                                 * certificate the domain now asks for (421) */
};

/* Whether conn may serve the custom domain host (any case, no port) of rt.
 * A domain with a certificate is served only on a TLS connection whose
 * client named it by SNI (so the handshake used the domain's context); when
 * the domain has mutual TLS now, the connection must also carry a client
 * certificate its handshake verified. A domain without a certificate may
 * be served on any connection. */
enum tls_domain_check tls_conn_serves_domain(struct st_h2o_conn_t *conn, const struct runtime *rt,
                                             const char *host, size_t len);

/* Tells the SNI callback which worker runs on this thread (call at its start). */
void tls_bind_worker(struct dp_thread *t);

#endif
