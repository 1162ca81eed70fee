/* logfmt: access log formats in the reference service's form — text with
 * $context.NAME variables — split into literal and variable segments. The
 * control plane validates a stage's format with it; the data plane compiles
 * the same segments into its runtime. */
#ifndef PORTICO_LOGFMT_H
#define PORTICO_LOGFMT_H

#include <stddef.h>

#define LOGFMT_MAX_LEN 4096

typedef struct {
    int var;          /* an enum ctxvar, or -1 for literal text */
    const char *text; /* literal text (points into the format) */
    size_t len;
} logfmt_seg_t;

typedef int (*logfmt_seg_fn)(void *ctx, const logfmt_seg_t *seg);

/* Calls fn for each segment in order (adjacent literals may come as several
 * segments). Returns 0, the first non-zero result of fn, or -1 with a reason
 * in err for an unknown variable or a control character. */
int logfmt_parse(const char *fmt, size_t len, logfmt_seg_fn fn, void *ctx, char *err,
                 size_t err_len);

/* What the stage admin requires: parses, at most LOGFMT_MAX_LEN bytes, and
 * names $context.requestId or $context.extendedRequestId as the reference
 * service demands. 0 or -1 with a reason in err. */
int logfmt_validate(const char *fmt, size_t len, char *err, size_t err_len);

#define LOGFMT_MAX_FILE_NAME 255

/* Whether dest names an access log destination a stage may set: "stdout",
 * "stderr" or a plain file name ([A-Za-z0-9._-], at most 255 bytes, not
 * starting with '.' or '-') that each data plane resolves inside its own
 * --access-log-dir. Paths are refused: the admin API must not choose files
 * on the nodes. */
int logfmt_destination_valid(const char *dest);

/* Whether path is an absolute path of at most 1024 bytes without empty, "."
 * or ".." segments or control characters (an operator's local option). */
int logfmt_path_valid(const char *path);

#endif
