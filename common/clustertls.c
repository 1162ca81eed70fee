/* clustertls: listeners and dialers are created, configured, then started,
 * because a TLS configuration must be set before the first connection. */
#include "clustertls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

#define CLUSTERTLS_SCHEME "tls+tcp://"
#define CLUSTERTLS_MAX_PEM (1 << 20)

int clustertls_url_is_tls(const char *url)
{
    return strncmp(url, CLUSTERTLS_SCHEME, sizeof(CLUSTERTLS_SCHEME) - 1) == 0;
}

int clustertls_check(const char *url, const clustertls_files_t *files, char *err, size_t err_len)
{
    int given = (files->cert != NULL) + (files->key != NULL) + (files->ca != NULL);
    if (clustertls_url_is_tls(url) && given != 3) {
        snprintf(err, err_len,
                 "%s needs --cluster-tls-cert, --cluster-tls-key and "
                 "--cluster-tls-ca",
                 url);
        return -1;
    }
    if (!clustertls_url_is_tls(url) && given != 0) {
        snprintf(err, err_len, "--cluster-tls-* need a tls+tcp:// cluster address, not %s", url);
        return -1;
    }
    return 0;
}

/* The URL's host, for the certificate check ([v6] without brackets). */
static int clustertls_host(const char *url, char *out, size_t len)
{
    const char *h = url + sizeof(CLUSTERTLS_SCHEME) - 1;
    const char *end = h[0] == '[' ? strchr(h, ']') : strrchr(h, ':');
    if (h[0] == '[')
        h++;
    if (end == NULL || end <= h || (size_t)(end - h) >= len)
        return -1;
    memcpy(out, h, (size_t)(end - h));
    out[end - h] = '\0';
    return 0;
}

static int clustertls_load(nng_tls_config *cfg, const clustertls_files_t *f, char *err,
                           size_t err_len)
{
    char *cert = NULL, *key = NULL, *ca = NULL;
    size_t n;
    int rc = -1, rv = 0;
    if ((rv = fsutil_read(f->cert, CLUSTERTLS_MAX_PEM, &cert, &n)) != 0 ||
        (rv = fsutil_read(f->ca, CLUSTERTLS_MAX_PEM, &ca, &n)) != 0) {
        snprintf(err, err_len, "cannot read %s: %s", cert == NULL ? f->cert : f->ca, strerror(-rv));
        goto out;
    }
    if ((rv = fsutil_read_secret(f->key, CLUSTERTLS_MAX_PEM, &key, &n)) != 0) {
        snprintf(err, err_len, "cannot read %s: %s", f->key,
                 rv == -EPERM ? "a key's file must belong to this user and give nothing to "
                                "group or others (chmod 600)"
                              : strerror(-rv));
        goto out;
    }
    if ((rv = nng_tls_config_own_cert(cfg, cert, key, NULL)) != 0 ||
        (rv = nng_tls_config_ca_chain(cfg, ca, NULL)) != 0 ||
        (rv = nng_tls_config_auth_mode(cfg, NNG_TLS_AUTH_MODE_REQUIRED)) != 0) {
        snprintf(err, err_len, "cluster TLS files %s, %s, %s: %s", f->cert, f->key, f->ca,
                 nng_strerror(rv));
        goto out;
    }
    rc = 0;
out:
    free(cert);
    if (key != NULL) {
        memset(key, 0, strlen(key));
        free(key);
    }
    free(ca);
    return rc;
}

int clustertls_config(const char *url, const clustertls_files_t *files, int server,
                      nng_tls_config **out, char *err, size_t err_len)
{
    char host[256];
    nng_tls_config *cfg = NULL;
    *out = NULL;
    if (!clustertls_url_is_tls(url))
        return 0;
    int rv = nng_tls_config_alloc(&cfg, server ? NNG_TLS_MODE_SERVER : NNG_TLS_MODE_CLIENT);
    if (rv != 0) {
        snprintf(err, err_len, "cluster TLS: %s", nng_strerror(rv));
        return -1;
    }
    if (clustertls_load(cfg, files, err, err_len) != 0)
        goto fail;
    if (!server && (clustertls_host(url, host, sizeof(host)) != 0 ||
                    nng_tls_config_server_name(cfg, host) != 0)) {
        snprintf(err, err_len, "cluster TLS: no host name in %s", url);
        goto fail;
    }
    *out = cfg;
    return 0;
fail:
    nng_tls_config_free(cfg);
    return -1;
}

int clustertls_listen(nng_socket s, const char *url, nng_tls_config *cfg)
{
    nng_listener l;
    int rv = nng_listener_create(&l, s, url);
    if (rv == 0 && cfg != NULL)
        rv = nng_listener_set_ptr(l, NNG_OPT_TLS_CONFIG, cfg);
    if (rv == 0)
        rv = nng_listener_start(l, 0);
    return rv;
}

int clustertls_dial(nng_socket s, const char *url, nng_tls_config *cfg, int flags)
{
    nng_dialer d;
    int rv = nng_dialer_create(&d, s, url);
    if (rv == 0 && cfg != NULL)
        rv = nng_dialer_set_ptr(d, NNG_OPT_TLS_CONFIG, cfg);
    if (rv == 0)
        rv = nng_dialer_start(d, flags);
    return rv;
}
