/* fn_code: function code on this node's disk. A function version's zip
 * arrives by content hash (fn_fetch.c); it is checked against that hash and
 * unpacked once into <root>/<sha-hex>/ through a temporary directory renamed
 * into place, so a directory under its final name is always complete. The
 * unpacking refuses what could escape the directory (absolute paths, "..",
 * symbolic links pointing outside, hard links, devices) and stops at the
 * reference's unpacked size limit. File modes are kept (the bootstrap must be
 * executable), without setuid/setgid bits. Blocking file I/O: call off the
 * event loops. */
#ifndef PORTICO_FN_CODE_H
#define PORTICO_FN_CODE_H

#include <stddef.h>
#include <stdint.h>

#define FN_CODE_MAX_ZIP ((size_t)50 * 1024 * 1024)         /* the reference's zip limit */
#define FN_CODE_MAX_UNPACKED ((uint64_t)250 * 1024 * 1024) /* and its unpacked limit */
#define FN_CODE_MAX_ENTRIES 100000

/* The code directory <root>/<hex> into out. 1 when it exists, 0 when not,
 * -1 when out is too small. */
int fn_code_dir(const char *root, const uint8_t sha[32], char *out, size_t out_len);

/* Checks zip against sha, then unpacks it into <root>/<hex>/ (creating root
 * when missing). max_unpacked bounds the bytes written. 0, or -1 with err. */
int fn_code_install(const char *root, const uint8_t sha[32], const void *zip, size_t len,
                    uint64_t max_unpacked, char *err, size_t err_len);

/* Unpacks zip into the existing empty directory dir (no hash check). 0, or
 * -1 with err; dir may hold a part of the archive on failure. */
int fn_code_unpack(const char *dir, const void *zip, size_t len, uint64_t max_unpacked, char *err,
                   size_t err_len);

/* Removes a directory tree (the caller's own temporary directories). */
void fn_code_remove_tree(const char *dir);

#endif
