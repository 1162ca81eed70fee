/* tls_conf: a domain whose certificate or key does not load refuses the
 * whole snapshot, as any other invalid configuration does. */
#include "tls_conf.h"

#include <string.h>

#include "sealbox.h"
#include "tls.h"

static envelope_secret_t tls_conf_secret;

void tls_conf_set_secret(const envelope_secret_t *secret)
{
    tls_conf_secret = *secret;
}

static void free_ctx(void *ctx)
{
    SSL_CTX_free(ctx);
}

static int compile_domain(rt_build_t *b, const Portico__DomainTls *d)
{
    char err[256], lower[256];
    size_t key_len, len = strlen(d->name);
    if (len == 0 || len >= sizeof(lower))
        return rt_build_fail(b, "a domain certificate lacks its name");
    for (size_t i = 0; i <= len; i++)
        lower[i] = (char)(d->name[i] >= 'A' && d->name[i] <= 'Z' ? d->name[i] + 32 : d->name[i]);
    char *key = sealbox_open(&tls_conf_secret, d->sealed_private_key.data,
                             d->sealed_private_key.len, &key_len);
    if (key == NULL)
        return rt_build_fail(b, "domain %s: the private key does not open", lower);
    SSL_CTX *ctx =
        tls_ctx_from_pem((const char *)d->certificate.data, d->certificate.len, key, key_len,
                         (const char *)d->truststore.data, d->truststore.len, err, sizeof(err));
    sealbox_free(key, key_len);
    if (ctx == NULL)
        return rt_build_fail(b, "domain %s: %s", lower, err);
    if (rt_build_cleanup(b, free_ctx, ctx) != 0)
        return -1;
    tls_enable_sni(ctx);
    if (strmap_put(b->rt->tls_domains, lower, len, ctx) != 0)
        return rt_build_fail(b, "out of memory");
    return 0;
}

int tls_conf_domains(rt_build_t *b, const Portico__Snapshot *snap)
{
    b->rt->tls_domains = strmap_create(b->a, snap->n_domain_tls);
    for (size_t i = 0; i < snap->n_domain_tls; i++)
        if (compile_domain(b, snap->domain_tls[i]) != 0)
            return -1;
    return 0;
}
