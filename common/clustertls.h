/* clustertls: TLS for the cluster sockets, NNG's tls+tcp transport (mbedTLS
 * inside Debian's libnng). A cluster URL tls+tcp://HOST:PORT turns it on for
 * all three sockets; both sides then need a certificate, its key and the CA
 * that signed the other side's certificates: the control plane requires a
 * node certificate from that CA (mutual TLS), a node verifies the control
 * plane's certificate against it for HOST. The envelope MAC stays: TLS keeps
 * snapshots (stage variables, authorizer settings) from the network and
 * strangers from the sockets; the cluster secret still authenticates every
 * message. The key file is read like a secret (mode 0600 or stricter). */
#ifndef PORTICO_CLUSTERTLS_H
#define PORTICO_CLUSTERTLS_H

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>
#include <stddef.h>

typedef struct {
    const char *cert; /* PEM: the certificate (and its chain) */
    const char *key;  /* PEM: its private key */
    const char *ca;   /* PEM: the CA(s) the peer's certificate must chain to */
} clustertls_files_t;

/* Whether url uses the tls+tcp transport. */
int clustertls_url_is_tls(const char *url);

/* Checks that the options agree with the URL (TLS files given exactly when
 * the URL is tls+tcp, all three). 0, or -1 with a reason in err. */
int clustertls_check(const char *url, const clustertls_files_t *files, char *err, size_t err_len);

/* A configuration for the listeners (server != 0) or for dialing url's host;
 * *out is NULL for a plain tcp:// url. 0, or -1 with a reason in err. The
 * caller releases it with nng_tls_config_free (listeners and dialers keep
 * their own reference). */
int clustertls_config(const char *url, const clustertls_files_t *files, int server,
                      nng_tls_config **out, char *err, size_t err_len);

/* nng_listen / nng_dial (flags as theirs) with cfg applied when not NULL. */
int clustertls_listen(nng_socket s, const char *url, nng_tls_config *cfg);
int clustertls_dial(nng_socket s, const char *url, nng_tls_config *cfg, int flags);

#endif
