/* reqfixture: a data-plane request without a server, for table-driven unit
 * tests of the pipeline's steps. A fixture holds a worker (dp_thread_t with
 * its randomness, key hasher and usage counters), a compiled runtime, an
 * h2o connection stub (the client's address) and one h2o_req_t built from a
 * method, host, path and headers. The answer a step writes is captured: its
 * status and body, and the headers it set. The runtime comes from a Snapshot
 * protobuf the test builds with the reqfix_snap_* helpers, packed and then
 * compiled by runtime_compile exactly as a data plane does. Nothing here
 * depends on cmocka: the fuzz targets use the fixture too. */
#ifndef PORTICO_REQFIXTURE_H
#define PORTICO_REQFIXTURE_H

#include <netinet/in.h>

#include "arena.h"
#include "dp.h"
#include "observe_thread.h"
#include "portico.pb-c.h"
#include "runtime.h"
#include "steps.h"

/* ---- snapshots ---- */

typedef struct {
    arena_t *a;
    Portico__Snapshot *snap;
} reqfix_snap_t;

void reqfix_snap_init(reqfix_snap_t *s);
void reqfix_snap_dispose(reqfix_snap_t *s);

Portico__ApiDefinition *reqfix_snap_deployment(reqfix_snap_t *s, const char *api, const char *id);
/* A method on the resource at path (created on first use) whose MOCK
 * integration answers 200 with body. */
Portico__Method *reqfix_snap_method(reqfix_snap_t *s, Portico__ApiDefinition *d, const char *path,
                                    const char *verb, const char *body);
Portico__StageBinding *reqfix_snap_stage(reqfix_snap_t *s, const char *api, const char *name,
                                         const char *deployment);
/* A methodSettings entry ("*" and "*" for the stage-wide one). */
Portico__MethodSetting *reqfix_snap_setting(reqfix_snap_t *s, Portico__StageBinding *b,
                                            const char *resource_path, const char *verb);
/* A usage plan (6-character id) serving api/stage. */
Portico__UsagePlan *reqfix_snap_plan(reqfix_snap_t *s, const char *id, const char *api,
                                     const char *stage);
/* An enabled API key (10-character id) with value in plan plan_id. */
void reqfix_snap_key(reqfix_snap_t *s, const char *value, const char *key_id, const char *plan_id);
/* A custom domain with one base path mapping ("" for "(none)"). */
void reqfix_snap_domain(reqfix_snap_t *s, const char *name, const char *base_path, const char *api,
                        const char *stage);

/* Packs and compiles the snapshot; a compile error aborts (a broken test). */
runtime_t *reqfix_snap_compile(reqfix_snap_t *s);

/* ---- requests ---- */

typedef struct {
    dp_t dp;
    dp_thread_t thread;
    observe_thread_t obs;
    h2o_conn_callbacks_t callbacks;
    h2o_conn_t conn;
    struct sockaddr_in6 peer;
    socklen_t peer_len;
    h2o_pathconf_t pathconf;
    h2o_ostream_t capture;
    h2o_req_t req;
    dp_request_t r;
    int live; /* req and r are set up */
    /* the captured answer */
    int sent;     /* a response started */
    int finished; /* its last byte was sent */
    h2o_iovec_t body;
} reqfix_t;

/* A worker serving rt (the fixture takes over the caller's reference). */
void reqfix_init(reqfix_t *f, runtime_t *rt);
void reqfix_dispose(reqfix_t *f);

/* A new request (the previous one, if any, is disposed as h2o would). */
void reqfix_request(reqfix_t *f, const char *method, const char *host, const char *path);
void reqfix_header(reqfix_t *f, const char *name, const char *value);
/* The client's address (IPv4 or IPv6 text); 127.0.0.1 unless set. */
void reqfix_peer(reqfix_t *f, const char *ip);

/* Runs steps in order until one does not CONTINUE; returns the last result. */
enum step_result reqfix_run(reqfix_t *f, const step_fn *steps, size_t n);

/* The answer's status (0: none), and a header's value of the answer or NULL. */
int reqfix_status(const reqfix_t *f);
const char *reqfix_res_header(const reqfix_t *f, const char *name, size_t *len);

#endif
