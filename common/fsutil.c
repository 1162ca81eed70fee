/* fsutil: the atomic write protocol is write temp, fsync, rename, fsync dir. */
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fsutil_read_mode(const char *path, size_t max_len, int secret, char **out, size_t *len);

int fsutil_read(const char *path, size_t max_len, char **out, size_t *len)
{
    return fsutil_read_mode(path, max_len, 0, out, len);
}

int fsutil_read_secret(const char *path, size_t max_len, char **out, size_t *len)
{
    return fsutil_read_mode(path, max_len, 1, out, len);
}

/* A secret's file belongs to this user (or root) and gives no permission to
 * its group or to others, as ssh demands of private keys. */
static int fsutil_private(const struct stat *st)
{
    return (st->st_uid == geteuid() || st->st_uid == 0) && (st->st_mode & 077) == 0;
}

static int fsutil_read_mode(const char *path, size_t max_len, int secret, char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct stat st;
    int rc = 0;
    char *buf = NULL;
    if (fstat(fd, &st) != 0) {
        rc = -errno;
        goto out_close;
    }
    if (secret && !fsutil_private(&st)) {
        rc = -EPERM;
        goto out_close;
    }
    if ((size_t)st.st_size > max_len) {
        rc = -EFBIG;
        goto out_close;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        rc = -ENOMEM;
        goto out_close;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? -errno : -EIO;
            free(buf);
            goto out_close;
        }
        got += (size_t)n;
    }
    buf[got] = '\0';
    *out = buf;
    *len = got;
out_close:
    close(fd);
    return rc;
}

int fsutil_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int fsync_parent_dir(const char *path)
{
    char *copy = strdup(path);
    if (copy == NULL)
        return -ENOMEM;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) == 0 ? 0 : -errno;
    close(fd);
    return rc;
}

int fsutil_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
        return -ENAMETOOLONG;
    /* a new file of a unique name (O_EXCL): never one planted there, never
     * through a symbolic link */
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fchmod(fd, mode) == 0 ? 0 : -errno;
    if (rc == 0)
        rc = fsutil_write_all(fd, data, len);
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc != 0) {
        unlink(tmp);
        return rc;
    }
    return fsync_parent_dir(path);
}

int fsutil_ensure_dir(const char *path, mode_t mode)
{
    if (mkdir(path, mode) == 0 || errno == EEXIST)
        return 0;
    return -errno;
}
