/* jsonschema_uri: RFC 3986 reference resolution (section 5.2) for schema
 * ids and $ref values; an empty trailing fragment ("x#") is dropped so that
 * "x#" and "x" name the same document. */
#ifndef PORTICO_JSONSCHEMA_URI_H
#define PORTICO_JSONSCHEMA_URI_H

/* The target URI of ref against base (either may be relative or ""):
 * malloc'd, or NULL when out of memory. */
char *jsonschema_uri_resolve(const char *base, const char *ref);

#endif
