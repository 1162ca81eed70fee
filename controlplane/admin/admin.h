/* admin: the control plane's management API server — h2o listener, bearer
 * token check, route table dispatch, JSON bodies in and out, and the
 * reference service's error shape (status, x-amzn-ErrorType, {"message"}).
 * Handlers run on the admin loop thread and answer exactly once. */
#ifndef PORTICO_ADMIN_H
#define PORTICO_ADMIN_H

#include <jansson.h>
#include <stdarg.h>

#include "cp.h"
#include "publish.h"

#define ADMIN_MAX_ARGS 6
#define ADMIN_MAX_BODY (6 * 1024 * 1024)
/* What h2o reads at most (the function code routes' limit, admin_function.h);
 * each route then refuses more than its own max_body. */
#define ADMIN_MAX_ENTITY (72 * 1024 * 1024)

typedef struct admin_call {
    h2o_req_t *req;
    cp_t *cp;
    store_t *store;
    publish_t *publish; /* the commit path: admin_begin, publish_change, admin_commit */
    json_t *body;       /* the request body as an object ({} when empty) */
    const char *arg_names[ADMIN_MAX_ARGS];
    char *args[ADMIN_MAX_ARGS]; /* URL-decoded path captures */
    int nargs;
    h2o_iovec_t query;
    int replied;
    int deferred;              /* the handler answers later, from the admin loop (admin_defer.h) */
    struct admin_sigv4 *sigv4; /* SigV4 credentials between the two checks (admin_auth.h) */
} admin_call_t;

typedef void (*admin_handler_fn)(admin_call_t *c);

typedef struct {
    const char *method;
    const char *pattern; /* "/restapis/{restapi_id}/stages/{stage_name}" */
    admin_handler_fn handler;
    int document_body; /* with ?mode=: the body is a document (JSON or YAML) the
                          handler reads from req->entity; c->body is {} */
    size_t max_body;   /* the largest body the route takes; 0: ADMIN_MAX_BODY */
    int raw_body;      /* the body is any bytes (Invoke's payload): c->body is {} */
} admin_route_t;

/* The route table (admin_routes.c). */
extern const admin_route_t admin_routes[];

/* Credentials (admin_auth.c): the bearer token, or SigV4 checked on the
 * headers first and then, once the body is read, on its hash. Each replies
 * and returns -1 when it refuses. */
int admin_auth_headers(admin_call_t *c);
int admin_auth_body(admin_call_t *c);

/* Starts listening on spec ("HOST:PORT") on cp->loop. */
int admin_start(cp_t *cp, const char *spec, char *err, size_t err_len);
/* The h2o configuration and context that serve the admin API on cp->loop,
 * without a listener (admin_start calls it; the fuzz target feeds requests
 * to the returned context's hosts directly). Once per process. */
h2o_context_t *admin_init(cp_t *cp);

/* ---- for handlers ---- */

const char *admin_arg(admin_call_t *c, const char *name);
/* Decoded query parameter or NULL; the string lives in the request pool. */
const char *admin_query(admin_call_t *c, const char *name);

/* Answers with status and body (stolen; NULL = no body). */
void admin_reply(admin_call_t *c, int status, json_t *body);
/* Answers with a body that is not JSON (body is malloc'd and taken over). */
void admin_reply_text(admin_call_t *c, int status, const char *content_type, char *body,
                      size_t len);
void admin_fail(admin_call_t *c, int status, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define admin_bad_request(c, ...) admin_fail((c), 400, "BadRequestException", __VA_ARGS__)
#define admin_not_found(c, ...) admin_fail((c), 404, "NotFoundException", __VA_ARGS__)
#define admin_conflict(c, ...) admin_fail((c), 409, "ConflictException", __VA_ARGS__)
/* Maps a store error to a reply; msg_not_found is used for STORE_ENOTFOUND. */
void admin_store_fail(admin_call_t *c, int store_rc, const char *msg_not_found);

/* Paging: reads limit (default 25, 1..500) and position; replies 400 and
 * returns -1 on a bad limit. */
int admin_page(admin_call_t *c, int *limit, const char **position);
/* Replies 200 {"item": items[, "position": last]} */
void admin_reply_page(admin_call_t *c, json_t *items, int more, const char *position_field);

/* Body validation, table-driven. */
enum admin_type {
    ADMIN_STRING,
    ADMIN_BOOL,
    ADMIN_INT,
    ADMIN_NUMBER,
    ADMIN_STRING_LIST,
    ADMIN_STRING_MAP,
    ADMIN_BOOL_MAP,
    ADMIN_OBJECT,
};

typedef struct {
    const char *name;
    enum admin_type type;
    int required;
    double min, max;            /* numbers: bounds; strings: length bounds (max 0 = none) */
    const char *const *choices; /* strings: allowed values, NULL-terminated */
} admin_field_t;

/* Checks obj against fields (terminated by {NULL}); replies 400 and returns -1
 * on the first violation. Unknown fields are ignored, as the reference does. */
int admin_check(admin_call_t *c, json_t *obj, const admin_field_t *fields);

/* Copies the fields present in src into dst (json_deep_copy of each value). */
void admin_copy_fields(json_t *dst, json_t *src, const admin_field_t *fields);

/* Opens a write transaction (publish_begin); replies 500 and returns -1 on
 * failure. Inside it, a handler names what it changed with publish_change. */
int admin_begin(admin_call_t *c);
/* Commits and schedules what the transaction changed (publish_commit);
 * replies on failure. */
int admin_commit(admin_call_t *c);

/* Seconds since the epoch, the reference service's timestamp form. */
int64_t admin_now(void);

#endif
