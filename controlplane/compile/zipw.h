/* zipw: a ZIP archive of a few in-memory files, stored (no compression), as
 * GetSdk answers it. */
#ifndef PORTICO_ZIPW_H
#define PORTICO_ZIPW_H

#include <stddef.h>

typedef struct {
    const char *name; /* path inside the archive, '/'-separated */
    const char *data;
    size_t len;
} zipw_entry_t;

/* The archive in a malloc'd buffer; -1 on overflow (over 4 GiB) or no memory. */
int zipw_build(const zipw_entry_t *entries, size_t n, char **out, size_t *out_len);

#endif
