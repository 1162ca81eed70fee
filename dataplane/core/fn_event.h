/* fn_event: the events a function receives when the gateway invokes it and
 * the parsing of its answer, exactly as the reference does.
 *
 *   payload 1.0 (REST AWS_PROXY; HTTP APIs with payloadFormatVersion 1.0):
 *     {resource, path, httpMethod, headers, multiValueHeaders,
 *      queryStringParameters, multiValueQueryStringParameters,
 *      pathParameters, stageVariables, requestContext{...}, body,
 *      isBase64Encoded} — empty maps and a missing body are null.
 *   payload 2.0 (HTTP APIs):
 *     {version, routeKey, rawPath, rawQueryString, cookies, headers,
 *      queryStringParameters, requestContext{...}, body, pathParameters,
 *      isBase64Encoded, stageVariables} — header and query values with one
 *     name are comma-joined, header names lower-case, Cookie headers go to
 *     cookies; empty parts are left out.
 *
 * The answers:
 *   1.0 {statusCode, headers, multiValueHeaders, body, isBase64Encoded}:
 *     any other key, a statusCode that is not a number, a header value that
 *     is not a string or a boolean, a multiValueHeaders entry that is not a
 *     list, or an answer that is not a JSON object is malformed (the
 *     reference's 502 {"message": "Internal server error"}).
 *   2.0 additionally {cookies}; an answer without statusCode (any JSON) is
 *     200 with the answer itself as body, Content-Type application/json.
 * Every header name and value of a parsed answer passed httpval.h.
 *
 * Nothing here knows a request type: the REST integration (integ_fn.c) and
 * the HTTP APIs fill fn_event_in_t from their own requests. */
#ifndef PORTICO_FN_EVENT_H
#define PORTICO_FN_EVENT_H

#include <stddef.h>
#include <stdint.h>

/* A name and its value (not NUL-terminated unless said). */
typedef struct {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} fn_pair_t;

enum fn_authorizer_kind {
    FN_AUTHORIZER_NONE,
    FN_AUTHORIZER_LAMBDA, /* principalId and the authorizer's context (pairs as given) */
    FN_AUTHORIZER_JWT,    /* claims (pairs "claims.NAME" or "NAME") and scopes */
    FN_AUTHORIZER_IAM,    /* identity.accessKey etc. only (the pairs are ignored) */
};

/* What an event is built from. Strings are NUL-terminated unless a length
 * goes with them; NULL (or len 0 where said) stands for "none": the event
 * carries null (1.0) or leaves the field out (2.0). */
typedef struct fn_event_in {
    /* the client's request */
    const char *method; /* "GET" */
    const char *path;   /* the path the client asked for, without stage or query: "/pets/7" */
    const char *query;  /* raw query string without '?', len 0: none */
    size_t query_len;
    const fn_pair_t *headers; /* in arrival order, names as sent */
    size_t nheaders;
    const fn_pair_t *path_params; /* values as matched (percent-decoded here) */
    size_t npath_params;
    const fn_pair_t *stage_vars;
    size_t nstage_vars;
    const char *body; /* NULL: no body */
    size_t body_len;
    int body_binary;     /* 1: the body goes base64 with isBase64Encoded true */
    const char *version; /* 1.0: "1.0" first in HTTP APIs' events; NULL: none (REST) */
    /* routing */
    const char *resource;    /* 1.0: the resource path "/pets/{id}" (HTTP APIs: the route's path) */
    const char *resource_id; /* 1.0 requestContext.resourceId, NULL: null */
    const char *route_key;   /* 2.0: "GET /pets/{id}", "$default" */
    /* requestContext */
    const char *account_id;
    const char *api_id;
    const char *stage;
    const char *request_id;
    const char *extended_request_id; /* NULL: request_id */
    const char *domain_name;
    const char *domain_prefix;
    const char *protocol;     /* "HTTP/1.1" */
    const char *context_path; /* 1.0 requestContext.path: "/prod/pets/7"; NULL: path */
    uint64_t time_epoch_ms;   /* requestTimeEpoch / timeEpoch; requestTime is derived */
    const char *source_ip;
    const char *user_agent;
    /* identity (1.0): NULL → null */
    const char *api_key;
    const char *api_key_id;
    const char *access_key;
    const char *caller;
    const char *user;
    const char *user_arn;
    /* the authorizer's result */
    enum fn_authorizer_kind authorizer;
    const fn_pair_t *authorizer_ctx;
    size_t nauthorizer_ctx;
    const char *const *scopes; /* JWT scopes, NULL: none (null in the event) */
    size_t nscopes;
    /* WebSocket APIs (fn_event_ws) */
    const char *ws_event_type; /* "CONNECT", "MESSAGE", "DISCONNECT" */
    const char *connection_id;
    const char *message_id; /* MESSAGE only, else NULL */
    uint64_t connected_at_ms;
    const char *ws_authorizer; /* $connect's authorizer result, a JSON object's text; NULL: none */
} fn_event_in_t;

/* The event as compact JSON, malloc'd (caller frees), its length in *len;
 * NULL when out of memory. */
char *fn_event_v1(const fn_event_in_t *in, size_t *len);
char *fn_event_v2(const fn_event_in_t *in, size_t *len);

/* A WebSocket route's AWS_PROXY event: {requestContext{routeKey, messageId
 * (MESSAGE), eventType, extendedRequestId, requestTime, messageDirection
 * "IN", stage, connectedAt, requestTimeEpoch, identity{sourceIp, userAgent
 * (CONNECT)}, requestId, domainName, connectionId, apiId, authorizer (when
 * $connect had one)}, isBase64Encoded false, body (MESSAGE), headers,
 * multiValueHeaders, queryStringParameters and
 * multiValueQueryStringParameters (CONNECT, when any)}. Uses route_key,
 * api_id, stage, request_id, extended_request_id, domain_name,
 * time_epoch_ms, source_ip, user_agent, headers, query, body and the ws_
 * fields. */
char *fn_event_ws(const fn_event_in_t *in, size_t *len);

/* A parsed answer. Header values with one name were merged as the
 * reference merges them (multiValueHeaders' values, then headers' value,
 * ", "-joined); the body is decoded when isBase64Encoded. All malloc'd:
 * fn_answer_free. */
typedef struct {
    int status;
    fn_pair_t *headers; /* NUL-terminated names and values */
    size_t nheaders;
    char **cookies; /* 2.0: each becomes a Set-Cookie header */
    size_t ncookies;
    char *body;
    size_t body_len;
    /* isBase64Encoded: the body as the function wrote it (base64), else
     * NULL — a REST API answers it when the client's Accept is not binary */
    char *encoded;
    size_t encoded_len;
} fn_answer_t;

enum fn_answer_format { FN_ANSWER_V1, FN_ANSWER_V2 };

/* 0 when the answer is good, else -1 with a reason in err (for the log). */
int fn_answer_parse(enum fn_answer_format fmt, const char *payload, size_t len, fn_answer_t *out,
                    char *err, size_t errlen);
void fn_answer_free(fn_answer_t *a);

/* The errorMessage of a function error's payload ({"errorMessage": ...}),
 * malloc'd; the whole payload when it is not such an object; NULL when out
 * of memory. */
char *fn_error_message(const char *payload, size_t len, size_t *msg_len);

/* Formats epoch milliseconds as the reference's requestTime
 * "04/Mar/2020:19:15:17 +0000" into buf (at least 27 bytes). */
void fn_event_time(uint64_t epoch_ms, char *buf, size_t cap);

#endif
