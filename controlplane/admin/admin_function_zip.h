/* admin_function_zip: what a function's zip must be before it is stored —
 * a readable zip (libarchive, central directory), at most FNZIP_MAX_UNPACKED
 * bytes once inflated (counted while reading, chunk by chunk, so a zip bomb
 * is refused without ever being held in memory), entry names relative and
 * without "..", symbolic links that stay inside the archive (and never
 * through another link), no hard links or special files, and the entry the
 * runtime starts: `bootstrap` for provided*, the handler's module file
 * (.js, .mjs or .cjs) for nodejs*. Pure: no store, no request. */
#ifndef PORTICO_ADMIN_FUNCTION_ZIP_H
#define PORTICO_ADMIN_FUNCTION_ZIP_H

#include <stddef.h>
#include <stdint.h>

#define FNZIP_MAX_ZIPPED (50u * 1024 * 1024)    /* 52428800: the reference's direct upload */
#define FNZIP_MAX_UNPACKED (250u * 1024 * 1024) /* 262144000 */

typedef struct {
    uint64_t unpacked; /* bytes once inflated */
    size_t entries;
} fnzip_info_t;

/* 0 when zip (len bytes) may run runtime's handler (NULL: checks only the
 * archive); else -1 with the reason, worded for the client, in err. */
int fnzip_check(const void *zip, size_t len, const char *runtime, const char *handler,
                fnzip_info_t *info, char *err, size_t err_len);

#endif
