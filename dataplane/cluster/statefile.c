/* statefile: fsutil's write-temp/fsync/rename keeps the file whole across crashes. */
#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "fsutil.h"

#define STATEFILE_MAX (2UL * 1024 * 1024 * 1024)

static void statefile_path(const char *dir, char *out, size_t len)
{
    snprintf(out, len, "%s/snapshot.bin", dir);
}

int statefile_write(const char *state_dir, const uint8_t *envelope, size_t len)
{
    char path[4096];
    statefile_path(state_dir, path, sizeof(path));
    return fsutil_write_atomic(path, envelope, len, 0600);
}

int statefile_read(const char *state_dir, uint8_t **envelope, size_t *len)
{
    char path[4096];
    statefile_path(state_dir, path, sizeof(path));
    char *buf;
    int rc = fsutil_read(path, STATEFILE_MAX, &buf, len);
    if (rc == 0)
        *envelope = (uint8_t *)buf;
    return rc;
}

/* ---- key deltas ----------------------------------------------- */

static void statefile_log_path(const char *dir, char *out, size_t len)
{
    snprintf(out, len, "%s/keys.log", dir);
}

/* A record: "PKD1" | length (4 bytes, big endian) | the first 8 bytes of
 * HMAC-SHA256(key: length, body) | body. A record that does not check out ends the
 * log: it was torn by a crash while appending. */
#define STATEFILE_REC_MAGIC "PKD1"
#define STATEFILE_REC_HEAD 16

static void statefile_rec_sum(const uint8_t len_be[4], const uint8_t *body, size_t len,
                              uint8_t out[8])
{
    uint8_t digest[32];
    /* keyed by the length field, so the sum covers it too (a checksum, not a MAC:
     * the envelope inside carries the MAC) */
    crypto_hmac_sha256(len_be, 4, body, len, digest);
    memcpy(out, digest, 8);
}

int statefile_append_delta(const char *state_dir, const uint8_t *envelope, size_t len)
{
    char path[4096];
    statefile_log_path(state_dir, path, sizeof(path));
    if (len > UINT32_MAX - STATEFILE_REC_HEAD)
        return -EFBIG;
    uint8_t *rec = malloc(STATEFILE_REC_HEAD + len);
    if (rec == NULL)
        return -ENOMEM;
    memcpy(rec, STATEFILE_REC_MAGIC, 4);
    rec[4] = (uint8_t)(len >> 24);
    rec[5] = (uint8_t)(len >> 16);
    rec[6] = (uint8_t)(len >> 8);
    rec[7] = (uint8_t)len;
    statefile_rec_sum(rec + 4, envelope, len, rec + 8);
    memcpy(rec + STATEFILE_REC_HEAD, envelope, len);
    int rc = 0, fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        rc = -errno;
    if (rc == 0)
        rc = fsutil_write_all(fd, rec, STATEFILE_REC_HEAD + len); /* one write */
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    if (fd >= 0)
        close(fd);
    free(rec);
    return rc;
}

int statefile_clear_deltas(const char *state_dir)
{
    char path[4096];
    statefile_log_path(state_dir, path, sizeof(path));
    return unlink(path) == 0 || errno == ENOENT ? 0 : -errno;
}

/* The length of the record at p, or 0 when none whole and intact starts there. */
static size_t statefile_rec_len(const uint8_t *p, const uint8_t *end)
{
    uint8_t sum[8];
    if (end - p < STATEFILE_REC_HEAD || memcmp(p, STATEFILE_REC_MAGIC, 4) != 0)
        return 0;
    size_t n = (size_t)p[4] << 24 | (size_t)p[5] << 16 | (size_t)p[6] << 8 | p[7];
    if ((size_t)(end - p - STATEFILE_REC_HEAD) < n)
        return 0;
    statefile_rec_sum(p + 4, p + STATEFILE_REC_HEAD, n, sum);
    return memcmp(sum, p + 8, 8) == 0 ? STATEFILE_REC_HEAD + n : 0;
}

int statefile_read_deltas(const char *state_dir, statefile_delta_fn fn, void *ctx)
{
    char path[4096], *buf;
    size_t len, rec;
    statefile_log_path(state_dir, path, sizeof(path));
    int rc = fsutil_read(path, STATEFILE_MAX, &buf, &len);
    if (rc != 0)
        return rc;
    const uint8_t *p = (const uint8_t *)buf, *end = p + len;
    while ((rec = statefile_rec_len(p, end)) != 0) {
        fn(ctx, p + STATEFILE_REC_HEAD, rec - STATEFILE_REC_HEAD);
        p += rec;
    }
    if (p != end && truncate(path, (off_t)(p - (const uint8_t *)buf)) != 0)
        rc = -errno; /* later appends must not follow the torn tail */
    free(buf);
    return rc;
}
