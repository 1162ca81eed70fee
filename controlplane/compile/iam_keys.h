/* iam_keys: what data planes need to verify SigV4 on AWS_IAM methods — for
 * every access key with a policy, its signing key for service "execute-api"
 * in the configured region on yesterday's, today's and tomorrow's UTC date
 * (so a node's clock ±5 minutes around midnight still finds one), sealed
 * under the cluster secret. Secrets stay on the control plane: they are
 * opened (sealing key) only to run the key chain. The snapshot is rebuilt
 * when the UTC date changes (main.c's heartbeat). */
#ifndef PORTICO_IAM_KEYS_H
#define PORTICO_IAM_KEYS_H

#include <stdint.h>

#include "arena.h"
#include "envelope.h"
#include "portico.pb-c.h"
#include "store.h"

#define IAM_KEYS_DEFAULT_REGION "us-east-1"

/* Set once at startup: the key that seals secrets at rest, the cluster
 * secret that seals what travels, and the region data planes accept. */
void iam_keys_configure(const envelope_secret_t *seal, const envelope_secret_t *cluster,
                        const char *region);
/* The configured region ("us-east-1" before iam_keys_configure). */
const char *iam_keys_region(void);

/* The keys for day (days since 1970-01-01, UTC) - 1 .. day + 1 (inside the
 * caller's read transaction). Nothing when not configured. */
int iam_keys_snapshot(store_t *s, arena_t *a, int64_t day, Portico__IamSigningKey ***out,
                      size_t *n);

#endif
