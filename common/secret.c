/* secret: a secret shorter than SECRET_MIN_LEN is refused rather than used. */
#include "secret.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "fsutil.h"

static int secret_take(const char *value, size_t len, envelope_secret_t *out, char *err,
                       size_t err_len)
{
    while (len > 0 && (value[len - 1] == '\n' || value[len - 1] == '\r'))
        len--;
    if (len < SECRET_MIN_LEN) {
        snprintf(err, err_len, "the cluster secret must be at least %d bytes", SECRET_MIN_LEN);
        return -1;
    }
    uint8_t *copy = malloc(len);
    if (copy == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    memcpy(copy, value, len);
    out->data = copy;
    out->len = len;
    return 0;
}

int secret_load(const char *file, envelope_secret_t *out, char *err, size_t err_len)
{
    if (file == NULL) {
        const char *env = getenv("PORTICO_CLUSTER_SECRET");
        if (env == NULL || *env == '\0') {
            snprintf(err, err_len,
                     "no cluster secret: set PORTICO_CLUSTER_SECRET or pass --cluster-secret-file");
            return -1;
        }
        return secret_take(env, strlen(env), out, err, err_len);
    }
    char *buf;
    size_t len;
    int rc = fsutil_read_secret(file, SECRET_MAX_LEN, &buf, &len);
    if (rc != 0) {
        snprintf(err, err_len, "cannot read the cluster secret file %s: %s", file,
                 rc == -EPERM ? SECRET_MODE_HINT : strerror(-rc));
        return -1;
    }
    rc = secret_take(buf, len, out, err, err_len);
    free(buf);
    return rc;
}

int secret_load_or_create(const char *path, envelope_secret_t *out, char *err, size_t err_len)
{
    char *buf;
    size_t len;
    int rc = fsutil_read_secret(path, SECRET_MAX_LEN, &buf, &len);
    if (rc == 0) {
        rc = secret_take(buf, len, out, err, err_len);
        free(buf);
        return rc;
    }
    if (rc != -ENOENT) {
        snprintf(err, err_len, "cannot read %s: %s", path,
                 rc == -EPERM ? SECRET_MODE_HINT : strerror(-rc));
        return -1;
    }
    char token[65];
    crypto_random_token(token, 64);
    token[64] = '\n';
    rc = fsutil_write_atomic(path, token, 65, 0600);
    if (rc != 0) {
        snprintf(err, err_len, "cannot write %s: %s", path, strerror(-rc));
        return -1;
    }
    return secret_take(token, 64, out, err, err_len);
}

void secret_dispose(envelope_secret_t *s)
{
    if (s->data != NULL) {
        /* the bytes are ours (secret_take); wipe before freeing */
        volatile uint8_t *p = (volatile uint8_t *)s->data;
        for (size_t i = 0; i < s->len; i++)
            p[i] = 0;
        free((void *)s->data);
    }
    s->data = NULL;
    s->len = 0;
}
