/* statefile: fsutil's write-temp/fsync/rename keeps the file whole across crashes. */
#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

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

int statefile_append_delta(const char *state_dir, const uint8_t *envelope, size_t len)
{
    char path[4096];
    statefile_log_path(state_dir, path, sizeof(path));
    if (len > UINT32_MAX)
        return -EFBIG;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    uint8_t head[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                       (uint8_t)len};
    int rc = fsutil_write_all(fd, head, sizeof(head));
    if (rc == 0)
        rc = fsutil_write_all(fd, envelope, len);
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    close(fd);
    return rc;
}

int statefile_clear_deltas(const char *state_dir)
{
    char path[4096];
    statefile_log_path(state_dir, path, sizeof(path));
    return unlink(path) == 0 || errno == ENOENT ? 0 : -errno;
}

int statefile_read_deltas(const char *state_dir, statefile_delta_fn fn, void *ctx)
{
    char path[4096], *buf;
    size_t len;
    statefile_log_path(state_dir, path, sizeof(path));
    int rc = fsutil_read(path, STATEFILE_MAX, &buf, &len);
    if (rc != 0)
        return rc;
    const uint8_t *p = (const uint8_t *)buf, *end = p + len;
    while (end - p >= 4) {
        size_t n = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
        if ((size_t)(end - p - 4) < n)
            break; /* torn by a crash while appending */
        fn(ctx, p + 4, n);
        p += 4 + n;
    }
    free(buf);
    return 0;
}
