/* admin_function_zip: the zip checks (admin_function_zip.h) with libarchive. */
#include "admin_function_zip.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define FNZIP_MAX_PATH 4096
#define FNZIP_MAX_LINKS 1024
#define FNZIP_MAX_ENTRIES 100000
#define FNZIP_CHUNK (64 * 1024)
#define FNZIP_MAX_DEPTH 256

#define MSG_UNREADABLE                                                                             \
    "Could not unzip uploaded file. Please check your file, then try to upload again."

typedef struct {
    char *path, *target;
} fnzip_link_t;

typedef struct {
    fnzip_link_t links[FNZIP_MAX_LINKS];
    size_t nlinks;
    const char *want[3]; /* entry names one of which must be there */
    int found;
    char *err;
    size_t err_len;
} fnzip_ctx_t;

__attribute__((format(printf, 2, 3))) static int fnzip_fail(fnzip_ctx_t *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err, x->err_len, fmt, ap);
    va_end(ap);
    return -1;
}

/* The segments of path (separators '/' and '\\'), skipping empty ones and
 * "."; returns their count or -1 when there are too many. */
static int fnzip_split(char *path, char **segs, int max)
{
    int n = 0;
    for (char *p = strtok(path, "/\\"); p != NULL; p = strtok(NULL, "/\\")) {
        if (strcmp(p, ".") == 0)
            continue;
        if (n == max)
            return -1;
        segs[n++] = p;
    }
    return n;
}

/* 0 when name is relative and never climbs with "..". */
static int fnzip_name_ok(const char *name)
{
    char copy[FNZIP_MAX_PATH + 1], *segs[FNZIP_MAX_DEPTH];
    size_t len = strlen(name);
    if (len == 0 || len > FNZIP_MAX_PATH || name[0] == '/' || name[0] == '\\' ||
        (len >= 2 && name[1] == ':'))
        return -1;
    memcpy(copy, name, len + 1);
    int n = fnzip_split(copy, segs, FNZIP_MAX_DEPTH);
    for (int i = 0; i < n; i++)
        if (strcmp(segs[i], "..") == 0)
            return -1;
    return n > 0 ? 0 : -1;
}

/* The entry's name without "./" and repeated separators, in out. */
static void fnzip_canon(const char *name, char *out, size_t cap)
{
    char copy[FNZIP_MAX_PATH + 1], *segs[FNZIP_MAX_DEPTH];
    snprintf(copy, sizeof(copy), "%s", name);
    int n = fnzip_split(copy, segs, FNZIP_MAX_DEPTH);
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < n && used < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", i > 0 ? "/" : "", segs[i]);
}

static int fnzip_is_link(const fnzip_ctx_t *x, const char *path)
{
    for (size_t i = 0; i < x->nlinks; i++)
        if (strcmp(x->links[i].path, path) == 0)
            return 1;
    return 0;
}

/* 0 when the link at l->path, followed lexically, stays inside the root and
 * passes through no other link. */
static int fnzip_link_ok(const fnzip_ctx_t *x, const fnzip_link_t *l)
{
    char dir[FNZIP_MAX_PATH + 1], target[FNZIP_MAX_PATH + 1], walked[FNZIP_MAX_PATH + 1];
    char *dsegs[FNZIP_MAX_DEPTH], *tsegs[FNZIP_MAX_DEPTH], *stack[2 * FNZIP_MAX_DEPTH];
    if (l->target[0] == '/' || l->target[0] == '\\' || strlen(l->target) > FNZIP_MAX_PATH)
        return -1;
    snprintf(dir, sizeof(dir), "%s", l->path);
    snprintf(target, sizeof(target), "%s", l->target);
    int nd = fnzip_split(dir, dsegs, FNZIP_MAX_DEPTH);
    int nt = fnzip_split(target, tsegs, FNZIP_MAX_DEPTH);
    if (nd <= 0 || nt < 0)
        return -1;
    int depth = 0;
    for (int i = 0; i < nd - 1; i++) /* the link's directory */
        stack[depth++] = dsegs[i];
    for (int i = 0; i < nt; i++) {
        if (strcmp(tsegs[i], "..") == 0) {
            if (depth == 0)
                return -1; /* climbs out of the root */
            depth--;
            continue;
        }
        stack[depth++] = tsegs[i];
        size_t used = 0;
        for (int k = 0; k < depth && used < sizeof(walked); k++)
            used += (size_t)snprintf(walked + used, sizeof(walked) - used, "%s%s", k > 0 ? "/" : "",
                                     stack[k]);
        if (fnzip_is_link(x, walked))
            return -1; /* through another link: its own target decides, refuse */
    }
    return 0;
}

static int fnzip_add_link(fnzip_ctx_t *x, const char *path, const char *target)
{
    if (target == NULL || target[0] == '\0')
        return fnzip_fail(x, "Symbolic link %s has no target", path);
    if (x->nlinks == FNZIP_MAX_LINKS)
        return fnzip_fail(x, "Too many symbolic links in the zip (at most %s)", "1024");
    fnzip_link_t *l = &x->links[x->nlinks];
    char canon[FNZIP_MAX_PATH + 1];
    fnzip_canon(path, canon, sizeof(canon));
    l->path = strdup(canon);
    l->target = strdup(target);
    if (l->path == NULL || l->target == NULL) {
        free(l->path);
        free(l->target);
        return fnzip_fail(x, "%s", "out of memory");
    }
    x->nlinks++;
    return 0;
}

/* Reads the current entry's data, counting the bytes it inflates to. */
static int fnzip_drain(fnzip_ctx_t *x, struct archive *a, uint8_t *buf, uint64_t *total)
{
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, FNZIP_CHUNK)) > 0) {
        *total += (uint64_t)n;
        if (*total > FNZIP_MAX_UNPACKED)
            return fnzip_fail(x, "Unzipped size must be smaller than %s bytes", "262144000");
    }
    return n == 0 ? 0 : fnzip_fail(x, "%s", MSG_UNREADABLE);
}

static void fnzip_note(fnzip_ctx_t *x, const char *name)
{
    char canon[FNZIP_MAX_PATH + 1];
    fnzip_canon(name, canon, sizeof(canon));
    for (int i = 0; i < 3 && x->want[i] != NULL; i++)
        if (strcmp(canon, x->want[i]) == 0)
            x->found = 1;
}

/* One entry: its name, its type, its data. */
static int fnzip_entry(fnzip_ctx_t *x, struct archive *a, struct archive_entry *e, uint8_t *buf,
                       uint64_t *total)
{
    const char *name = archive_entry_pathname(e);
    if (name == NULL)
        return fnzip_fail(x, "%s", MSG_UNREADABLE);
    if (fnzip_name_ok(name) != 0)
        return fnzip_fail(x, "Zip entry name not allowed (absolute, empty or with ..): %.200s",
                          name);
    if (archive_entry_hardlink(e) != NULL)
        return fnzip_fail(x, "Hard links are not allowed in a function's zip: %.200s", name);
    switch (archive_entry_filetype(e)) {
    case AE_IFREG:
        fnzip_note(x, name);
        return fnzip_drain(x, a, buf, total);
    case AE_IFDIR:
        return fnzip_drain(x, a, buf, total);
    case AE_IFLNK:
        fnzip_note(x, name);
        if (fnzip_add_link(x, name, archive_entry_symlink(e)) != 0)
            return -1;
        return fnzip_drain(x, a, buf, total);
    default:
        return fnzip_fail(x,
                          "Only files, directories and symbolic links may be in a function's "
                          "zip: %.200s",
                          name);
    }
}

static int fnzip_read(fnzip_ctx_t *x, const void *zip, size_t len, fnzip_info_t *info)
{
    struct archive *a = archive_read_new();
    uint8_t *buf = malloc(FNZIP_CHUNK);
    struct archive_entry *e;
    int rc = -1, r;
    if (a == NULL || buf == NULL) {
        fnzip_fail(x, "%s", "out of memory");
        goto out;
    }
    archive_read_support_format_zip_seekable(a);
    if (archive_read_open_memory(a, zip, len) != ARCHIVE_OK) {
        fnzip_fail(x, "%s", MSG_UNREADABLE);
        goto out;
    }
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
        if (++info->entries > FNZIP_MAX_ENTRIES) {
            fnzip_fail(x, "Too many entries in the zip (at most %s)", "100000");
            goto out;
        }
        if (fnzip_entry(x, a, e, buf, &info->unpacked) != 0)
            goto out;
    }
    if (r != ARCHIVE_EOF) {
        fnzip_fail(x, "%s", MSG_UNREADABLE);
        goto out;
    }
    rc = 0;
out:
    free(buf);
    if (a != NULL)
        archive_read_free(a);
    return rc;
}

/* The entries one of which the runtime starts. */
static int fnzip_wanted(fnzip_ctx_t *x, const char *runtime, const char *handler,
                        char names[3][300])
{
    if (runtime == NULL)
        return 0;
    if (strncmp(runtime, "provided", 8) == 0) {
        x->want[0] = "bootstrap";
        return 0;
    }
    const char *dot = handler != NULL ? strrchr(handler, '.') : NULL;
    if (dot == NULL || dot == handler || (size_t)(dot - handler) > 250)
        return fnzip_fail(x, "Invalid handler for %s: expected MODULE.FUNCTION", runtime);
    static const char *const exts[] = {".js", ".mjs", ".cjs"};
    for (int i = 0; i < 3; i++) {
        snprintf(names[i], 300, "%.*s%s", (int)(dot - handler), handler, exts[i]);
        fnzip_canon(names[i], names[i], 300);
        x->want[i] = names[i];
    }
    return 0;
}

int fnzip_check(const void *zip, size_t len, const char *runtime, const char *handler,
                fnzip_info_t *info, char *err, size_t err_len)
{
    fnzip_ctx_t *x = calloc(1, sizeof(*x));
    char names[3][300];
    if (x == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    x->err = err;
    x->err_len = err_len;
    memset(info, 0, sizeof(*info));
    int rc = len > FNZIP_MAX_ZIPPED
                 ? fnzip_fail(x, "Zipped size must be at most %s bytes", "52428800")
                 : fnzip_wanted(x, runtime, handler, names);
    if (rc == 0)
        rc = fnzip_read(x, zip, len, info);
    for (size_t i = 0; rc == 0 && i < x->nlinks; i++)
        if (fnzip_link_ok(x, &x->links[i]) != 0)
            rc = fnzip_fail(x, "Symbolic link %.200s points outside the function's code",
                            x->links[i].path);
    if (rc == 0 && x->want[0] != NULL && !x->found)
        rc = x->want[1] == NULL
                 ? fnzip_fail(x,
                              "The %s runtime needs an executable file named bootstrap at the "
                              "root of the zip",
                              runtime)
                 : fnzip_fail(x,
                              "The handler's module is not in the zip: expected %s "
                              "(or .mjs, .cjs)",
                              x->want[0]);
    for (size_t i = 0; i < x->nlinks; i++) {
        free(x->links[i].path);
        free(x->links[i].target);
    }
    free(x);
    return rc;
}
