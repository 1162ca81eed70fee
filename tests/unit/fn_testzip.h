/* fn_testzip: zips written with libarchive in memory for the function
 * host's unit tests (test_fn_code.c, test_fn_core.c). */
#ifndef PORTICO_FN_TESTZIP_H
#define PORTICO_FN_TESTZIP_H

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum tz_kind { TZ_END, TZ_FILE, TZ_DIR, TZ_LINK, TZ_HARDLINK };

typedef struct {
    enum tz_kind kind;
    const char *path;
    const char *content; /* a file's bytes, a link's target */
    int mode;            /* permission bits; 0: 0644 (files), 0755 (directories) */
    size_t zeros;        /* a file of that many zero bytes instead */
} tz_entry_t;

/* A malloc'd zip of entries (up to TZ_END) into *len. */
static inline char *tz_make(const tz_entry_t *entries, size_t *len)
{
    size_t cap = 64 * 1024 * 1024;
    char *buf = malloc(cap);
    struct archive *a = archive_write_new();
    archive_write_set_format_zip(a);
    archive_write_open_memory(a, buf, cap, len);
    for (const tz_entry_t *e = entries; e->kind != TZ_END; e++) {
        struct archive_entry *ae = archive_entry_new();
        archive_entry_set_pathname(ae, e->path);
        size_t size = e->zeros != 0 ? e->zeros : e->content != NULL ? strlen(e->content) : 0;
        if (e->kind == TZ_DIR) {
            archive_entry_set_filetype(ae, AE_IFDIR);
            archive_entry_set_perm(ae, e->mode != 0 ? e->mode : 0755);
        } else if (e->kind == TZ_LINK) {
            archive_entry_set_filetype(ae, AE_IFLNK);
            archive_entry_set_symlink(ae, e->content);
            archive_entry_set_perm(ae, 0777);
        } else if (e->kind == TZ_HARDLINK) {
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_hardlink(ae, e->content);
        } else {
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_perm(ae, e->mode != 0 ? e->mode : 0644);
            archive_entry_set_size(ae, (la_int64_t)size);
        }
        archive_write_header(a, ae);
        if (e->kind == TZ_FILE) {
            if (e->zeros != 0) {
                char *z = calloc(1, e->zeros);
                archive_write_data(a, z, e->zeros);
                free(z);
            } else if (size > 0) {
                archive_write_data(a, e->content, size);
            }
        }
        archive_entry_free(ae);
    }
    archive_write_close(a);
    archive_write_free(a);
    return buf;
}

#endif
