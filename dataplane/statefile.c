/* statefile: fsutil's write-temp/fsync/rename keeps the file whole across crashes. */
#include "statefile.h"

#include <stdio.h>

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
