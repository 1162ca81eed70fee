/* fn_code: checking and unpacking function code (see fn_code.h). The
 * extraction is Portico's own walk over libarchive's entries rather than
 * archive_write_disk: every directory is opened with O_NOFOLLOW relative to
 * the one above it, so no entry can be written through a symbolic link, and
 * no absolute path of the state directory is ever handed to the library. */
#include "fn_code.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"

#define FN_CODE_MAX_DEPTH 64

int fn_code_dir(const char *root, const uint8_t sha[32], char *out, size_t out_len)
{
    char hex[65];
    crypto_hex(sha, 32, hex);
    int n = snprintf(out, out_len, "%s/%s", root, hex);
    if (n < 0 || (size_t)n >= out_len)
        return -1;
    struct stat st;
    return stat(out, &st) == 0 && S_ISDIR(st.st_mode) ? 1 : 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

void fn_code_remove_tree(const char *dir)
{
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A relative path of plain components ("./" prefixes dropped). Returns the
 * number of components (each NUL-terminated in buf), or -1. */
static int split_path(const char *path, char *buf, size_t buf_len, char **parts, int max)
{
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    size_t len = strlen(path);
    if (len == 0 || len >= buf_len || path[0] == '/')
        return -1;
    memcpy(buf, path, len + 1);
    int n = 0;
    for (char *save = NULL, *p = strtok_r(buf, "/", &save); p != NULL;
         p = strtok_r(NULL, "/", &save)) {
        if (strcmp(p, ".") == 0)
            continue;
        if (strcmp(p, "..") == 0 || n == max)
            return -1;
        parts[n++] = p;
    }
    return n > 0 ? n : -1;
}

/* Whether a symbolic link at depth `depth` (its directory's component
 * count) pointing at target stays inside the tree. */
static int link_stays_inside(const char *target, int depth)
{
    if (target == NULL || target[0] == '\0' || target[0] == '/')
        return 0;
    char buf[4096];
    size_t len = strlen(target);
    if (len >= sizeof(buf))
        return 0;
    memcpy(buf, target, len + 1);
    for (char *save = NULL, *p = strtok_r(buf, "/", &save); p != NULL;
         p = strtok_r(NULL, "/", &save)) {
        if (strcmp(p, "..") == 0 && --depth < 0)
            return 0;
        if (strcmp(p, "..") != 0 && strcmp(p, ".") != 0)
            depth++;
    }
    return 1;
}

/* Opens (creating when missing) the directory parts[0..n-1] under rootfd,
 * never following a symbolic link. Returns an fd or -1. */
static int open_dirs(int rootfd, char **parts, int n)
{
    int fd = dup(rootfd);
    for (int i = 0; fd >= 0 && i < n; i++) {
        if (mkdirat(fd, parts[i], 0755) != 0 && errno != EEXIST) {
            close(fd);
            return -1;
        }
        int next = openat(fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(fd);
        fd = next;
    }
    return fd;
}

typedef struct {
    struct archive *a;
    int rootfd;
    uint64_t written, max;
    char *err;
    size_t err_len;
} unpack_t;

static int fail(unpack_t *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(unpack_t *u, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(u->err, u->err_len, fmt, ap);
    va_end(ap);
    return -1;
}

static int write_file(unpack_t *u, int dirfd, const char *name, mode_t perm, const char *path)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return fail(u, "cannot create %s (duplicate entry or a link in the way)", path);
    int rc = 0;
    for (;;) {
        const void *buf;
        size_t size;
        la_int64_t off;
        int r = archive_read_data_block(u->a, &buf, &size, &off);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK || off < 0) {
            rc = fail(u, "unreadable data in the archive: %s", archive_error_string(u->a));
            break;
        }
        u->written += size;
        if (u->written > u->max) {
            rc = fail(u, "the unpacked code is larger than the limit (at %s)", path);
            break;
        }
        if (size > 0 && pwrite(fd, buf, size, off) != (ssize_t)size) {
            rc = fail(u, "write failed: %s", strerror(errno));
            break;
        }
    }
    if (rc == 0 && fchmod(fd, (perm & 0777) | 0400) != 0)
        rc = fail(u, "chmod failed: %s", strerror(errno));
    close(fd);
    return rc;
}

static int unpack_entry(unpack_t *u, struct archive_entry *e)
{
    const char *path = archive_entry_pathname(e);
    char buf[4096], *parts[FN_CODE_MAX_DEPTH];
    int n = path != NULL ? split_path(path, buf, sizeof(buf), parts, FN_CODE_MAX_DEPTH) : -1;
    if (n < 0)
        return fail(u, "refused an entry with an unsafe path: %s", path != NULL ? path : "(none)");
    if (archive_entry_hardlink(e) != NULL)
        return fail(u, "refused a hard link: %s", path);
    mode_t type = archive_entry_filetype(e), perm = archive_entry_perm(e);
    if (type == AE_IFDIR) {
        int fd = open_dirs(u->rootfd, parts, n);
        if (fd < 0)
            return fail(u, "cannot create directory %s", path);
        fchmod(fd, (perm & 0777) | 0700);
        close(fd);
        return 0;
    }
    if (type == AE_IFLNK && !link_stays_inside(archive_entry_symlink(e), n - 1))
        return fail(u, "refused a symbolic link pointing outside the code: %s", path);
    if (type != AE_IFREG && type != AE_IFLNK)
        return fail(u, "refused an entry that is not a file, directory or link: %s", path);
    int dirfd = open_dirs(u->rootfd, parts, n - 1);
    if (dirfd < 0)
        return fail(u, "cannot create the directory of %s", path);
    int rc = 0;
    if (type == AE_IFLNK) {
        if (symlinkat(archive_entry_symlink(e), dirfd, parts[n - 1]) != 0)
            rc = fail(u, "cannot create link %s", path);
    } else {
        rc = write_file(u, dirfd, parts[n - 1], perm, path);
    }
    close(dirfd);
    return rc;
}

int fn_code_unpack(const char *dir, const void *zip, size_t len, uint64_t max_unpacked, char *err,
                   size_t err_len)
{
    unpack_t u = {.max = max_unpacked, .err = err, .err_len = err_len};
    u.rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (u.rootfd < 0)
        return fail(&u, "cannot open %s", dir);
    int rc = -1;
    if ((u.a = archive_read_new()) == NULL) {
        fail(&u, "%s", "out of memory");
        goto out_close;
    }
    archive_read_support_format_zip(u.a);
    if (archive_read_open_memory(u.a, zip, len) != ARCHIVE_OK) {
        fail(&u, "not a zip archive: %s", archive_error_string(u.a));
        goto out_archive;
    }
    struct archive_entry *e;
    int r, entries = 0;
    while ((r = archive_read_next_header(u.a, &e)) == ARCHIVE_OK) {
        if (++entries > FN_CODE_MAX_ENTRIES) {
            fail(&u, "%s", "too many entries in the archive");
            goto out_archive;
        }
        if (unpack_entry(&u, e) != 0)
            goto out_archive;
    }
    if (r != ARCHIVE_EOF) {
        fail(&u, "the archive is damaged: %s", archive_error_string(u.a));
        goto out_archive;
    }
    rc = 0;
out_archive:
    archive_read_free(u.a);
out_close:
    close(u.rootfd);
    return rc;
}

int fn_code_install(const char *root, const uint8_t sha[32], const void *zip, size_t len,
                    uint64_t max_unpacked, char *err, size_t err_len)
{
    uint8_t got[32];
    crypto_sha256(zip, len, got);
    if (memcmp(got, sha, 32) != 0) {
        snprintf(err, err_len, "the code does not match its SHA-256");
        return -1;
    }
    char final[4096], tmp[4200];
    int have = fn_code_dir(root, sha, final, sizeof(final));
    if (have != 0)
        return have == 1 ? 0 : (snprintf(err, err_len, "state directory path too long"), -1);
    if (mkdir(root, 0700) != 0 && errno != EEXIST) {
        snprintf(err, err_len, "cannot create %s: %s", root, strerror(errno));
        return -1;
    }
    snprintf(tmp, sizeof(tmp), "%s/.unpack-XXXXXX", root);
    if (mkdtemp(tmp) == NULL) {
        snprintf(err, err_len, "cannot create a directory in %s: %s", root, strerror(errno));
        return -1;
    }
    chmod(tmp, 0755);
    if (fn_code_unpack(tmp, zip, len, max_unpacked, err, err_len) != 0) {
        fn_code_remove_tree(tmp);
        return -1;
    }
    if (rename(tmp, final) != 0) {
        int e = errno;
        fn_code_remove_tree(tmp);
        if (fn_code_dir(root, sha, final, sizeof(final)) == 1)
            return 0; /* another unpacking of the same hash won */
        snprintf(err, err_len, "cannot rename into %s: %s", final, strerror(e));
        return -1;
    }
    return 0;
}
