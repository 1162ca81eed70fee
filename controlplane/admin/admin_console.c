/* admin_console: static files of the web console (see admin_console.h). */
#include "admin_console.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console_config.h"
#include "log.h"

#define CONSOLE_PREFIX "/console"
#define CONSOLE_MAX_SEGMENT 64
#define CONSOLE_MAX_REL 255

struct admin_console {
    char root[PATH_MAX];        /* real path of the console directory */
    char chartjs_dir[PATH_MAX]; /* where libjs-chart.js put its files */
};

/* Extensions served, with their Content-Type; anything else is a 404. */
static const struct {
    const char *ext;
    const char *type;
} console_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
};

/* Files that live outside the console directory: fixed rows, never a lookup. */
static const struct {
    const char *rel;  /* under /console/ */
    const char *file; /* under chartjs_dir */
} console_vendor[] = {
    {"vendor/chart.min.js", "chart.min.js"},
};

/* Scripts only from this origin (never inline), no plugins, no framing; the
 * console talks to the admin API on the same origin only. form-action 'none'
 * keeps a form that scripts failed to intercept from putting the token in a
 * URL. */
static const char console_csp[] =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

static const struct {
    const char *name;
    const char *value;
} console_headers[] = {
    {"content-security-policy", console_csp},
    {"x-content-type-options", "nosniff"},
    {"x-frame-options", "DENY"},
    {"referrer-policy", "no-referrer"},
    {"cross-origin-opener-policy", "same-origin"},
    {"cross-origin-resource-policy", "same-origin"},
    {"cache-control", "no-cache"},
};

/* ---- finding the directory ------------------------------------------------- */

static int console_has_index(const char *dir)
{
    char index[PATH_MAX];
    struct stat st;
    if (snprintf(index, sizeof(index), "%s/index.html", dir) >= (int)sizeof(index))
        return 0;
    return stat(index, &st) == 0 && S_ISREG(st.st_mode);
}

/* Directory of the running executable, or "" when /proc does not say. */
static void console_exe_dir(char *out, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    out[0] = '\0';
    if (n <= 0)
        return;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash != NULL && slash != exe) {
        *slash = '\0';
        snprintf(out, len, "%s", exe);
    }
}

static int console_path_under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return n > 0 && strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The first candidate holding index.html, into out; -ENOENT when none. */
static int console_find(char out[PATH_MAX])
{
    char exe_dir[PATH_MAX], cand[PATH_MAX];
    console_exe_dir(exe_dir, sizeof(exe_dir));
    if (exe_dir[0] != '\0') {
        snprintf(cand, sizeof(cand), "%s/../share/portico/console", exe_dir);
        if (console_has_index(cand) && realpath(cand, out) != NULL)
            return 0;
        /* a binary of the build tree uses the source tree's files */
        if (console_path_under(exe_dir, PORTICO_BUILD_ROOT) &&
            console_has_index(PORTICO_CONSOLE_SOURCE_DIR) &&
            realpath(PORTICO_CONSOLE_SOURCE_DIR, out) != NULL)
            return 0;
    }
    if (console_has_index(PORTICO_CONSOLE_INSTALL_DIR) &&
        realpath(PORTICO_CONSOLE_INSTALL_DIR, out) != NULL)
        return 0;
    return -ENOENT;
}

int admin_console_open(const char *dir, const char *chartjs_dir, admin_console_t **out, char *err,
                       size_t err_len)
{
    *out = NULL;
    admin_console_t *con = calloc(1, sizeof(*con));
    if (con == NULL) {
        snprintf(err, err_len, "out of memory");
        return -ENOMEM;
    }
    snprintf(con->chartjs_dir, sizeof(con->chartjs_dir), "%s",
             chartjs_dir != NULL ? chartjs_dir : PORTICO_CHARTJS_DIR);
    if (dir != NULL) {
        if (!console_has_index(dir) || realpath(dir, con->root) == NULL) {
            snprintf(err, err_len, "--console-dir %s: no index.html there", dir);
            free(con);
            return -ENOENT;
        }
    } else if (console_find(con->root) != 0) {
        free(con);
        return 0; /* no console installed: it is off */
    }
    *out = con;
    return 0;
}

void admin_console_close(admin_console_t *con)
{
    free(con);
}

const char *admin_console_root(const admin_console_t *con)
{
    return con->root;
}

/* ---- names ------------------------------------------------------------------- */

static int console_name_char(char ch, int first)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
        ch == '_' || ch == '-')
        return 1;
    return ch == '.' && !first;
}

/* 1 when rel is seg(/seg)* with every segment a plain name: no empty, "."
 * or ".." segment, no hidden file, no escape of any kind. */
static int console_rel_ok(const char *rel, size_t len)
{
    if (len == 0 || len > CONSOLE_MAX_REL)
        return 0;
    size_t seg = 0;
    int depth = 1;
    for (size_t i = 0; i < len; i++) {
        if (rel[i] == '/') {
            if (seg == 0 || ++depth > ADMIN_CONSOLE_MAX_DEPTH)
                return 0;
            seg = 0;
            continue;
        }
        if (!console_name_char(rel[i], seg == 0) || ++seg > CONSOLE_MAX_SEGMENT)
            return 0;
    }
    return seg > 0;
}

static const char *console_type(const char *rel, size_t len)
{
    for (size_t i = 0; i < sizeof(console_types) / sizeof(console_types[0]); i++) {
        size_t n = strlen(console_types[i].ext);
        if (len > n && memcmp(rel + len - n, console_types[i].ext, n) == 0)
            return console_types[i].type;
    }
    return NULL;
}

static int console_regular(const char *file)
{
    struct stat st;
    return stat(file, &st) == 0 && S_ISREG(st.st_mode);
}

int admin_console_resolve(const admin_console_t *con, const char *path, size_t len, char *file,
                          size_t file_len, const char **content_type)
{
    static const char prefix[] = CONSOLE_PREFIX "/";
    char joined[PATH_MAX], real[PATH_MAX];
    if (con == NULL || file_len < sizeof(real) || len < sizeof(prefix) - 1 ||
        memcmp(path, prefix, sizeof(prefix) - 1) != 0)
        return -ENOENT;
    const char *rel = path + sizeof(prefix) - 1;
    size_t rel_len = len - (sizeof(prefix) - 1);
    if (rel_len == 0) {
        rel = "index.html";
        rel_len = strlen(rel);
    }
    if (!console_rel_ok(rel, rel_len) || (*content_type = console_type(rel, rel_len)) == NULL)
        return -ENOENT;
    for (size_t i = 0; i < sizeof(console_vendor) / sizeof(console_vendor[0]); i++) {
        if (strlen(console_vendor[i].rel) != rel_len ||
            memcmp(console_vendor[i].rel, rel, rel_len) != 0)
            continue;
        if (snprintf(joined, sizeof(joined), "%s/%s", con->chartjs_dir, console_vendor[i].file) >=
                (int)sizeof(joined) ||
            realpath(joined, file) == NULL || !console_regular(file))
            return -ENOENT;
        return 0;
    }
    if (snprintf(joined, sizeof(joined), "%s/%.*s", con->root, (int)rel_len, rel) >=
            (int)sizeof(joined) ||
        realpath(joined, real) == NULL || !console_path_under(real, con->root) ||
        strcmp(real, con->root) == 0 || !console_regular(real))
        return -ENOENT;
    memcpy(file, real, strlen(real) + 1);
    return 0;
}

/* ---- answers --------------------------------------------------------------- */

static void console_add_headers(h2o_req_t *req)
{
    for (size_t i = 0; i < sizeof(console_headers) / sizeof(console_headers[0]); i++)
        h2o_add_header_by_str(&req->pool, &req->res.headers, console_headers[i].name,
                              strlen(console_headers[i].name), 0, NULL, console_headers[i].value,
                              strlen(console_headers[i].value));
}

/* The management API's error shape: status, x-amzn-ErrorType, {"message"}. */
static void console_fail(h2o_req_t *req, int status, const char *type, const char *message)
{
    char body[256];
    int n = snprintf(body, sizeof(body), "{\"message\":\"%s\"}", message);
    req->res.status = status;
    req->res.reason = "Error";
    console_add_headers(req);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-amzn-errortype"), 0, NULL,
                          type, strlen(type));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
    req->res.content_length = (size_t)n;
    h2o_send_inline(req, body, (size_t)n);
}

static void console_not_found(h2o_req_t *req)
{
    console_fail(req, 404, "NotFoundException", "No such console file");
}

/* Reads fd (a regular file of st->st_size bytes) into the request's pool. */
static int console_read(h2o_req_t *req, int fd, const struct stat *st, h2o_iovec_t *out)
{
    size_t size = (size_t)st->st_size, got = 0;
    char *buf = h2o_mem_alloc_pool(&req->pool, size + 1);
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -EIO;
        got += (size_t)n;
    }
    *out = h2o_iovec_init(buf, size);
    return 0;
}

static int console_etag_matches(h2o_req_t *req, const char *etag, size_t len)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_IF_NONE_MATCH, -1);
    return i >= 0 && h2o_memis(req->headers.entries[i].value.base,
                               req->headers.entries[i].value.len, etag, len);
}

static void console_send_file(h2o_req_t *req, const char *file, const char *type)
{
    static h2o_generator_t generator = {NULL, NULL};
    struct stat st;
    h2o_iovec_t body = {NULL, 0};
    char etag[64];
    int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        console_not_found(req);
        return;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > ADMIN_CONSOLE_MAX_FILE) {
        close(fd);
        console_not_found(req);
        return;
    }
    int elen = snprintf(etag, sizeof(etag), "\"%llx-%llx\"", (unsigned long long)st.st_size,
                        (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
                            (unsigned long long)st.st_mtim.tv_nsec);
    int not_modified = console_etag_matches(req, etag, (size_t)elen);
    int rc = not_modified ? 0 : console_read(req, fd, &st, &body);
    close(fd);
    if (rc != 0) {
        log_warn("console: cannot read %s", file);
        console_fail(req, 500, "InternalFailure", "The console file could not be read");
        return;
    }
    req->res.status = not_modified ? 304 : 200;
    req->res.reason = not_modified ? "Not Modified" : "OK";
    console_add_headers(req);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, type, strlen(type));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ETAG, NULL,
                   h2o_strdup(&req->pool, etag, (size_t)elen).base, (size_t)elen);
    req->res.content_length = body.len;
    h2o_start_response(req, &generator);
    h2o_send(req, &body, 1, H2O_SEND_STATE_FINAL);
}

/* ---- dispatch -------------------------------------------------------------- */

static int console_prefixed(h2o_iovec_t path)
{
    static const char prefix[] = CONSOLE_PREFIX;
    size_t n = sizeof(prefix) - 1;
    return path.len >= n && memcmp(path.base, prefix, n) == 0 &&
           (path.len == n || path.base[n] == '/' || path.base[n] == '?');
}

static int console_is_root(const h2o_req_t *req)
{
    return h2o_memis(req->path_normalized.base, req->path_normalized.len, H2O_STRLIT("/")) &&
           h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) &&
           h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1) < 0;
}

int admin_console_wants(const admin_console_t *con, const h2o_req_t *req)
{
    return console_prefixed(req->path) || console_prefixed(req->path_normalized) ||
           (con != NULL && console_is_root(req));
}

void admin_console_serve(const admin_console_t *con, h2o_req_t *req)
{
    char file[PATH_MAX];
    const char *type;
    size_t len = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    /* the connection may have passed admin_gate without a token: one answer */
    req->http1_is_persistent = 0;
    if (!h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) &&
        !h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"))) {
        console_fail(req, 405, "MethodNotAllowedException", "The console is read-only");
        return;
    }
    if (con == NULL) {
        console_fail(req, 404, "NotFoundException",
                     "The console is not installed (see portico-cp --console-dir)");
        return;
    }
    if (console_is_root(req) || h2o_memis(req->path.base, len, H2O_STRLIT(CONSOLE_PREFIX))) {
        h2o_send_redirect(req, 301, "Moved Permanently", H2O_STRLIT(CONSOLE_PREFIX "/"));
        return;
    }
    if (admin_console_resolve(con, req->path.base, len, file, sizeof(file), &type) != 0) {
        console_not_found(req);
        return;
    }
    console_send_file(req, file, type);
}
