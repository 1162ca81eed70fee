/* fsutil: whole-file reads and crash-safe whole-file writes. */
#ifndef PORTICO_FSUTIL_H
#define PORTICO_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Reads a whole file into a malloc'd buffer (NUL-terminated for convenience;
 * *len excludes the NUL). Returns 0 or -errno. Files over max_len give -EFBIG. */
int fsutil_read(const char *path, size_t max_len, char **out, size_t *len);

/* Like fsutil_read for a secret: -EPERM unless the file belongs to this user
 * (or root) and its mode gives nothing to group or others (0600, 0400). */
int fsutil_read_secret(const char *path, size_t max_len, char **out, size_t *len);

/* Writes to a new, uniquely named path.tmp.XXXXXX (O_EXCL, so never through
 * a symbolic link or into a planted file), fsyncs, renames over path and
 * fsyncs the directory, so a crash leaves either the old or the new file.
 * Returns 0 or -errno. */
int fsutil_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Writes all of data to fd, retrying short writes and EINTR. 0 or -errno. */
int fsutil_write_all(int fd, const void *data, size_t len);

/* mkdir -p for one level with mode; existing directories are fine. */
int fsutil_ensure_dir(const char *path, mode_t mode);

#endif
