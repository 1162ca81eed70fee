/* admin_console: the web console's static files, served read-only at
 * /console/ on the admin listener (same origin as the management API, so the
 * console needs no CORS). The files need no token — they hold no data; every
 * API call the console makes carries the bearer token.
 *
 * Only files whose names pass a strict grammar (letters, digits, '_', '-',
 * '.', never a leading dot, at most ADMIN_CONSOLE_MAX_DEPTH segments) with a
 * known extension are served, and only when their real path lies inside the
 * console directory; Chart.js comes from Debian's libjs-chart.js through a
 * fixed row. Every answer carries a strict Content-Security-Policy and
 * X-Content-Type-Options: nosniff. Runs on the admin loop thread. */
#ifndef PORTICO_ADMIN_CONSOLE_H
#define PORTICO_ADMIN_CONSOLE_H

#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <stddef.h>

#define ADMIN_CONSOLE_MAX_DEPTH 4
#define ADMIN_CONSOLE_MAX_FILE (8 * 1024 * 1024)

typedef struct admin_console admin_console_t;

/* Finds the console directory: `dir` when given (an error when it holds no
 * index.html), else the first that holds index.html of EXE_DIR/../share/
 * portico/console (an installed binary), the source tree's console/ (a
 * binary in the build tree) and the install prefix's. chartjs_dir NULL means
 * the one found at build time. On success *out owns the paths (free with
 * admin_console_close); *out is NULL, and 0 is returned, when no directory
 * was found: the console is then off. */
int admin_console_open(const char *dir, const char *chartjs_dir, admin_console_t **out, char *err,
                       size_t err_len);
void admin_console_close(admin_console_t *con);
/* The console directory's real path. */
const char *admin_console_root(const admin_console_t *con);

/* 1 when req is the console's: /console and below (raw or normalized path),
 * and, with a console, GET / without credentials (redirected to /console/). */
int admin_console_wants(const admin_console_t *con, const h2o_req_t *req);
/* Answers a request admin_console_wants claimed; con NULL answers 404. */
void admin_console_serve(const admin_console_t *con, h2o_req_t *req);

/* Maps a raw request path (no query) to a file: 0 with its real path (file
 * holds at least PATH_MAX bytes) and content type; -ENOENT for anything else (bad names, dot
 * segments, percent escapes, unknown extensions, missing files, symlinks leading out). */
int admin_console_resolve(const admin_console_t *con, const char *path, size_t len, char *file,
                          size_t file_len, const char **content_type);

#endif
