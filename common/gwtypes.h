/* gwtypes: the reference service's gateway response types and their default
 * status codes (DEFAULT_4XX and DEFAULT_5XX have none), shared by the admin
 * API (validation, defaults) and the data plane (overrides). */
#ifndef PORTICO_GWTYPES_H
#define PORTICO_GWTYPES_H

enum gwtype {
    GWT_ACCESS_DENIED,
    GWT_API_CONFIGURATION_ERROR,
    GWT_AUTHORIZER_CONFIGURATION_ERROR,
    GWT_AUTHORIZER_FAILURE,
    GWT_BAD_REQUEST_BODY,
    GWT_BAD_REQUEST_PARAMETERS,
    GWT_DEFAULT_4XX,
    GWT_DEFAULT_5XX,
    GWT_EXPIRED_TOKEN,
    GWT_INTEGRATION_FAILURE,
    GWT_INTEGRATION_TIMEOUT,
    GWT_INVALID_API_KEY,
    GWT_INVALID_SIGNATURE,
    GWT_MISSING_AUTHENTICATION_TOKEN,
    GWT_QUOTA_EXCEEDED,
    GWT_REQUEST_TOO_LARGE,
    GWT_RESOURCE_NOT_FOUND,
    GWT_THROTTLED,
    GWT_UNAUTHORIZED,
    GWT_UNSUPPORTED_MEDIA_TYPE,
    GWT_WAF_FILTERED,
    GWT_COUNT,
    GWT_NONE = GWT_COUNT, /* answers no gateway response may override */
};

typedef struct {
    const char *name;
    const char *status; /* "" for DEFAULT_4XX / DEFAULT_5XX */
} gwtype_t;

extern const gwtype_t gwtypes[GWT_COUNT];

/* The type named name, or GWT_NONE. */
enum gwtype gwtype_find(const char *name);

/* The default gateway-response template of the reference. */
#define GWTYPE_DEFAULT_TEMPLATE "{\"message\":$context.error.messageString}"

#endif
