/* secret: loads the cluster secret that authenticates every cluster message,
 * from PORTICO_CLUSTER_SECRET or a file (--cluster-secret-file). */
#ifndef PORTICO_SECRET_H
#define PORTICO_SECRET_H

#include <stddef.h>

#include "envelope.h"

#define SECRET_MIN_LEN 16
#define SECRET_MAX_LEN 4096

/* Loads from `file` when non-NULL, else from the environment. On success the
 * secret's bytes are malloc'd (release with secret_dispose). Returns 0, or -1
 * with a reason in err. */
int secret_load(const char *file, envelope_secret_t *out, char *err, size_t err_len);

/* Creates a random secret in `path` (mode 0600) when it does not exist and
 * loads it; used by the control plane when no secret is configured. */
int secret_load_or_create(const char *path, envelope_secret_t *out, char *err, size_t err_len);

void secret_dispose(envelope_secret_t *s);

/* Why a secret's file was refused (fsutil_read_secret's -EPERM). */
#define SECRET_MODE_HINT                                                                           \
    "its owner must be this user (or root) and its mode give nothing to group or others "          \
    "(chmod 600)"

#endif
