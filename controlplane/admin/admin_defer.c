/* admin_defer: each deferred call's thread hands its finished job to the
 * admin loop through one pipe (a pointer per write, atomic under PIPE_BUF)
 * that the loop reads as an h2o socket. A slot in the request's pool clears
 * the job's request when the pool goes, so an answer for a client that went
 * away is dropped. */
#include "admin_defer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct admin_defer_job admin_defer_job_t;
struct admin_defer_job {
    admin_defer_work_fn work;
    admin_defer_done_fn done;
    void *arg;
    admin_defer_cap_t *cap;
    /* what the answer needs; req is NULL when the client went away */
    h2o_req_t *req;
    admin_defer_job_t **gone; /* in req's pool: clears req when the pool goes */
    cp_t *cp;
    store_t *store;
    publish_t *publish;
};

static int defer_pipe_w = -1;
static h2o_socket_t *defer_pipe_sock;

static void defer_finish(admin_defer_job_t *job)
{
    job->cap->under_way--;
    if (job->req != NULL) {
        *job->gone = NULL;
        admin_call_t c = {
            .req = job->req, .cp = job->cp, .store = job->store, .publish = job->publish};
        job->done(&c, job->arg);
        if (!c.replied) /* a bug, but never leave a request hanging */
            admin_fail(&c, 500, "InternalFailure", "The request was not answered");
        json_decref(c.body);
    } else {
        job->done(NULL, job->arg);
    }
    free(job);
}

static void defer_on_jobs(h2o_socket_t *sock, const char *err)
{
    if (err != NULL) {
        h2o_fatal("admin defer pipe: read failed");
        return;
    }
    h2o_buffer_t *in = sock->input;
    size_t whole = in->size / sizeof(admin_defer_job_t *) * sizeof(admin_defer_job_t *);
    for (size_t off = 0; off < whole; off += sizeof(admin_defer_job_t *)) {
        admin_defer_job_t *job;
        memcpy(&job, in->bytes + off, sizeof(job));
        defer_finish(job);
    }
    h2o_buffer_consume(&sock->input, whole);
}

static int defer_pipe_open(h2o_evloop_t *loop)
{
    if (defer_pipe_sock != NULL)
        return 0;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    defer_pipe_w = fds[1];
    defer_pipe_sock = h2o_evloop_socket_create(loop, fds[0], 0);
    h2o_socket_read_start(defer_pipe_sock, defer_on_jobs);
    return 0;
}

static void *defer_thread(void *p)
{
    admin_defer_job_t *job = p;
    job->work(job->arg);
    ssize_t n;
    while ((n = write(defer_pipe_w, &job, sizeof(job))) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof(job))
        h2o_fatal("admin defer pipe: write failed");
    return NULL;
}

static void defer_req_gone(void *p)
{
    admin_defer_job_t *job = *(admin_defer_job_t **)p;
    if (job != NULL)
        job->req = NULL;
}

int admin_defer_start(admin_call_t *c, admin_defer_cap_t *cap, admin_defer_work_fn work,
                      admin_defer_done_fn done, void *arg)
{
    if (cap->under_way >= cap->max || defer_pipe_open(c->cp->loop) != 0)
        return -1;
    admin_defer_job_t *job = calloc(1, sizeof(*job));
    if (job == NULL)
        return -1;
    *job = (admin_defer_job_t){.work = work,
                               .done = done,
                               .arg = arg,
                               .cap = cap,
                               .req = c->req,
                               .cp = c->cp,
                               .store = c->store,
                               .publish = c->publish};
    job->gone = h2o_mem_alloc_shared(&c->req->pool, sizeof(*job->gone), defer_req_gone);
    *job->gone = job;
    pthread_attr_t attr;
    pthread_t tid;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&tid, &attr, defer_thread, job);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        *job->gone = NULL;
        free(job);
        return -1;
    }
    cap->under_way++;
    c->deferred = 1;
    return 0;
}
