/* fn_sup: the supervisor's records, shared by fn_core.c (pools,
 * queue, slots, timeouts), fn_proc.c (starting processes, their output)
 * and fn_rtapi.c (the Runtime API). Core loop only. */
#ifndef PORTICO_FN_SUP_H
#define PORTICO_FN_SUP_H

#include "fn_types.h"

enum fn_code_state { FN_CODE_NONE, FN_CODE_FETCHING, FN_CODE_READY, FN_CODE_FAILED };

typedef struct fn_pool {
    h2o_linklist_t link; /* core->pools */
    fn_core_t *core;
    fn_config_t *cfg;
    char *key;
    char code_dir[4096];
    enum fn_code_state code;
    char code_error[256];
    uint64_t code_failed_ms;
    h2o_linklist_t waiting; /* fn_inv_t, oldest first */
    unsigned nwaiting;
    h2o_linklist_t procs;          /* fn_proc_t */
    unsigned nprocs, nbusy, nsoon; /* alive; running an invocation; started or between two */
    int retired;
} fn_pool_t;

enum fn_proc_state {
    FN_PROC_STARTING, /* spawned, no /next yet */
    FN_PROC_BETWEEN,  /* answered, its next /next not here yet */
    FN_PROC_IDLE,     /* a /next is parked */
    FN_PROC_BUSY,     /* running an invocation */
    FN_PROC_DEAD,     /* killed or exited, not reaped yet */
};

typedef struct fn_proc_pipe {
    struct fn_proc *proc;
    h2o_socket_t *sock;
    int fd;
    const char *stream; /* "stdout" | "stderr" */
} fn_proc_pipe_t;

struct fn_next_guard;

typedef struct fn_proc {
    h2o_linklist_t link; /* pool->procs */
    fn_pool_t *pool;
    pid_t pid;
    enum fn_proc_state state;
    h2o_socket_t *listener;
    uint16_t port;
    h2o_req_t *next_req; /* the parked /next */
    struct fn_next_guard *next_guard;
    fn_inv_t *inv;
    fn_proc_pipe_t out, err;
    uint64_t idle_since_ms;
    int exited, wstatus, killed_for_timeout;
    char last_tag[64], last_request_id[37]; /* what its output lines are tagged with */
} fn_proc_t;

struct fn_core {
    h2o_evloop_t *loop;
    fn_core_conf_t conf;
    h2o_globalconf_t globalconf;
    h2o_hostconf_t *hostconf;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;
    h2o_linklist_t pools;
    unsigned nprocs, nwaiting;
    h2o_timeout_t tick;
    h2o_timeout_entry_t tick_entry;
    int destroying;
};

#define FN_TICK_MS 25
#define FN_INIT_BUDGET_MS 10000 /* the reference's init phase limit */
#define FN_CODE_RETRY_MS 5000   /* a failed code fetch is tried again after this */
#define FN_MAX_PAYLOAD FN_MAX_PAYLOAD_BYTES

/* fn_core.c */
void fn_core_dispatch(fn_pool_t *pool);
void fn_core_complete(fn_inv_t *inv, fnhost_status_t status, const char *payload, size_t len);
/* Fails every waiting invocation of pool with status and reason. */
void fn_core_fail_waiting(fn_pool_t *pool, fnhost_status_t status, const char *reason);
void fn_core_note(fn_core_t *core, const char *tag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void fn_core_arm_tick(fn_core_t *core);
uint64_t fn_now_ms(void); /* wall clock */

/* fn_proc.c */
/* Starts a runtime process for pool (STARTING). 0, or -1 with a reason. */
int fn_proc_spawn(fn_pool_t *pool, char *err, size_t err_len);
/* SIGKILL to its process group (it stays until reaped). */
void fn_proc_kill(fn_proc_t *p);
/* Whether it exited (waitpid); then fn_proc_free may run. */
int fn_proc_reap(fn_proc_t *p);
/* Drains its output, closes its listener and pipes, unlinks it, frees it. */
void fn_proc_free(fn_proc_t *p);
/* A process by the local port its Runtime API request came in on. */
fn_proc_t *fn_proc_by_port(fn_core_t *core, uint16_t port);

/* fn_rtapi.c */
/* Registers the Runtime API handler on core->hostconf. */
void fn_rtapi_register(fn_core_t *core);
/* Answers p's parked /next with its invocation. */
void fn_rtapi_deliver(fn_proc_t *p);
/* Forgets p's parked /next. */
void fn_rtapi_drop_next(fn_proc_t *p);
/* Answers p's parked /next (410) and forgets it: the process is going away. */
void fn_rtapi_abandon_next(fn_proc_t *p);

#endif
