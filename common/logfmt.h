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

/* Whether dest names an access log destination: "stdout", "stderr" or an
 * absolute path of at most 1024 bytes without "." or ".." segments or control
 * characters (a data plane's own local path). */
int logfmt_destination_valid(const char *dest);

#endif
