/* store_v2_check: the apigatewayv2 rules that are pure string checks, kept
 * apart from the admin handlers so they can be tested alone — route keys per
 * protocol, selection expressions, ids, stage names, integration types and
 * their payload format versions and timeouts, parameter mapping keys. Each
 * returns 0, or -1 with the reference-style reason in err. */
#ifndef PORTICO_STORE_V2_CHECK_H
#define PORTICO_STORE_V2_CHECK_H

#include <stddef.h>

enum store_v2_protocol { STORE_V2_HTTP, STORE_V2_WEBSOCKET };

#define STORE_V2_API_ID_LEN 10
#define STORE_V2_ID_LEN 7

/* "HTTP" / "WEBSOCKET" → protocol; -1 for anything else. */
int store_v2_check_protocol(const char *name, enum store_v2_protocol *out);

/* HTTP: "$default" or "VERB /path" (VERB one of GET POST PUT PATCH DELETE HEAD
 * OPTIONS ANY; segments literal, {name} or a last {name+}). WebSocket:
 * "$connect", "$disconnect", "$default" or a custom key (1-128 printable
 * characters, not starting with "$"). */
int store_v2_check_route_key(enum store_v2_protocol p, const char *key, char *err, size_t len);

/* routeSelectionExpression. HTTP: "$request.method $request.path" only.
 * WebSocket: literal text and at least one $request.body.PATH,
 * ${request.body.PATH}, $request.header.NAME or ${request.header.NAME}. */
int store_v2_check_route_selection(enum store_v2_protocol p, const char *expr, char *err,
                                   size_t len);

/* apiKeySelectionExpression: "$request.header.x-api-key" or
 * "$context.authorizer.usageIdentifierKey". */
int store_v2_check_api_key_selection(const char *expr, char *err, size_t len);

/* An id of len characters of [a-z0-9]. 1 when it is one, else 0. */
int store_v2_is_id(const char *id, size_t len);

/* "$default" or 1-128 of [A-Za-z0-9_-]. */
int store_v2_check_stage_name(const char *name, char *err, size_t len);

/* integrationType allowed for the protocol, and the payloadFormatVersion
 * (NULL: the default, written to *pfv_out) and timeoutInMillis (<0: the
 * default, written to *timeout_out) that go with it. */
int store_v2_check_integration(enum store_v2_protocol p, const char *type, const char *pfv,
                               const char **pfv_out, long timeout, long *timeout_out, char *err,
                               size_t len);

/* A requestParameters key. HTTP APIs: "append:|overwrite:|remove:" then
 * "header.NAME", "querystring.NAME", or "overwrite:path". WebSocket:
 * "integration.request.header|querystring|path.NAME". */
int store_v2_check_request_parameter(enum store_v2_protocol p, const char *key, char *err,
                                     size_t len);

/* HTTP APIs' responseParameters value key: "append:|overwrite:|remove:"
 * "header.NAME", or "overwrite:statuscode"; status codes 200-599. */
int store_v2_check_response_parameter(const char *status, const char *key, char *err, size_t len);

#endif
