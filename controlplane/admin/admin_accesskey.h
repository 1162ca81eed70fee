/* admin_accesskey: the management API's own SigV4 access keys. The
 * bootstrap key comes from PORTICO_ACCESS_KEY_ID/PORTICO_SECRET_ACCESS_KEY
 * or --access-key-file; more are made with POST /portico/accesskeys, whose
 * answer is the only place their secret is ever shown. Secrets are kept
 * sealed (store_sealed.h); the data plane never sees them. */
#ifndef PORTICO_ADMIN_ACCESSKEY_H
#define PORTICO_ADMIN_ACCESSKEY_H

#include "admin.h"
#include "sigv4.h"

/* The day-scoped signing key of access key id for date/region/service;
 * -1 when the key is unknown (or its secret cannot be opened). */
int admin_accesskey_signing_key(cp_t *cp, const char *id, const char *date, const char *region,
                                const char *service, uint8_t key[SIGV4_KEY_LEN]);

/* 1 when id (len bytes) names the bootstrap key or a stored one; for the
 * admin gate, which lets only known keys' requests have their bodies read. */
int admin_accesskey_known(void *cp, const char *id, size_t len);

/* The bootstrap key: PORTICO_ACCESS_KEY_ID and PORTICO_SECRET_ACCESS_KEY, or
 * file (first line the id, second the secret; refused when group or others
 * may read or write it). *id and *secret are malloc'd, or NULL when neither
 * is given. 0, or -1 with a reason in err. */
int admin_accesskey_bootstrap(const char *file, char **id, char **secret, char *err,
                              size_t err_len);

void admin_accesskey_create(admin_call_t *c);
void admin_accesskey_list(admin_call_t *c);
void admin_accesskey_get(admin_call_t *c);
void admin_accesskey_delete(admin_call_t *c);

#endif
