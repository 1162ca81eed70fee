/* domain_tls: the snapshot side; admin_domain_tls.c takes certificates in. */
#include "domain_tls.h"

#include <stdlib.h>
#include <string.h>

#include "sealbox.h"

static envelope_secret_t domain_tls_secret;

void domain_tls_set_secret(const envelope_secret_t *secret)
{
    domain_tls_secret = *secret;
}

static Portico__DomainTls *snapshot_domain(arena_t *a, sqlite3_stmt *st)
{
    Portico__DomainTls *d = arena_alloc(a, sizeof(*d));
    portico__domain_tls__init(d);
    d->name = arena_strdup(a, (const char *)sqlite3_column_text(st, 0));
    const char *cert = (const char *)sqlite3_column_text(st, 1);
    const char *key = (const char *)sqlite3_column_text(st, 2);
    const char *trust = (const char *)sqlite3_column_text(st, 3);
    d->certificate.len = strlen(cert);
    d->certificate.data = arena_memdup(a, cert, d->certificate.len);
    d->truststore.len = strlen(trust);
    d->truststore.data = arena_memdup(a, trust, d->truststore.len);
    size_t sealed_len;
    uint8_t *sealed = sealbox_seal(&domain_tls_secret, key, strlen(key), &sealed_len);
    if (sealed == NULL)
        return NULL;
    d->sealed_private_key.data = arena_memdup(a, sealed, sealed_len);
    d->sealed_private_key.len = sealed_len;
    free(sealed);
    return d;
}

int domain_tls_snapshot(store_t *s, arena_t *a, Portico__DomainTls ***out, size_t *n)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT name, certificate, private_key, truststore "
                                     "FROM domain_tls ORDER BY name");
    if (st == NULL)
        return STORE_EIO;
    size_t cap = 16, count = 0;
    Portico__DomainTls **list = arena_alloc(a, sizeof(*list) * cap);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            Portico__DomainTls **bigger = arena_alloc(a, sizeof(*list) * cap * 2);
            memcpy(bigger, list, sizeof(*list) * cap);
            list = bigger;
            cap *= 2;
        }
        if ((list[count] = snapshot_domain(a, st)) == NULL) {
            rc = SQLITE_NOMEM;
            break;
        }
        count++;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return STORE_EIO;
    *out = list;
    *n = count;
    return STORE_OK;
}
