/* gwtmpl: gateway response templates. The reference evaluates them as VTL;
 * Portico supports the part gateway responses use — $context.X,
 * ${context.X}, $!context.X and $stageVariables.X references in literal text
 * — and refuses any other VTL (directives, $input, $util) when a template is
 * stored, so nothing is silently rendered wrong. */
#ifndef PORTICO_GWTMPL_H
#define PORTICO_GWTMPL_H

#include <stddef.h>

/* Looks up "context.error.messageString" or "stageVariables.x"; NULL renders
 * as nothing. */
typedef const char *(*gwtmpl_lookup_fn)(void *ctx, const char *name, size_t len, size_t *vlen);

/* 0 when tmpl only uses what render supports; -1 with a reason in err. */
int gwtmpl_check(const char *tmpl, char *err, size_t err_len);

/* Renders into out (cap bytes, not NUL-terminated); returns the full length,
 * which may exceed cap (then call again with a larger buffer). */
size_t gwtmpl_render(const char *tmpl, size_t len, gwtmpl_lookup_fn lookup, void *ctx, char *out,
                     size_t cap);

#endif
