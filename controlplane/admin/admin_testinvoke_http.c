/* admin_testinvoke_http: libcurl easy interface; headers that are not
 * valid HTTP are refused before anything is sent. The calls' threads hand
 * their finished jobs to the admin loop through a pipe (a pointer per write,
 * atomic under PIPE_BUF) that the loop reads as an h2o socket. */
#include "admin_testinvoke_http.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "httpval.h"

#define TI_HTTP_MAX_ANSWER (10 * 1024 * 1024)

static size_t ti_on_data(char *p, size_t size, size_t n, void *ud)
{
    ti_http_res_t *res = ud;
    size_t len = size * n;
    if (res->body_len + len > TI_HTTP_MAX_ANSWER)
        return 0; /* curl stops with CURLE_WRITE_ERROR */
    char *bigger = realloc(res->body, res->body_len + len + 1);
    if (bigger == NULL)
        return 0;
    memcpy(bigger + res->body_len, p, len);
    res->body = bigger;
    res->body_len += len;
    res->body[res->body_len] = '\0';
    return len;
}

static size_t ti_on_header(char *p, size_t size, size_t n, void *ud)
{
    ti_http_res_t *res = ud;
    size_t len = size * n;
    const char *colon = memchr(p, ':', len);
    if (colon == NULL || colon == p)
        return len; /* the status line, or the blank line */
    size_t vlen = len - (size_t)(colon + 1 - p);
    const char *v = colon + 1;
    while (vlen > 0 && (*v == ' ' || *v == '\t'))
        v++, vlen--;
    while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
        vlen--;
    char name[256];
    size_t nlen = (size_t)(colon - p);
    if (nlen < sizeof(name)) {
        memcpy(name, p, nlen);
        name[nlen] = '\0';
        json_object_set_new(res->headers, name, json_stringn(v, vlen));
    }
    return len;
}

static struct curl_slist *ti_headers(json_t *headers, char *err, size_t err_len)
{
    struct curl_slist *list = curl_slist_append(NULL, "Expect:");
    const char *k;
    json_t *v;
    json_object_foreach(headers, k, v)
    {
        const char *s = json_string_value(v);
        char line[8192];
        if (s == NULL || httpval_header(k, strlen(k), s, strlen(s)) != 0 ||
            snprintf(line, sizeof(line), "%s: %s", k, s) >= (int)sizeof(line)) {
            snprintf(err, err_len, "the request header %s is not valid HTTP", k);
            curl_slist_free_all(list);
            return NULL;
        }
        list = curl_slist_append(list, line);
    }
    return list;
}

int ti_http_call(const ti_http_req_t *req, ti_http_res_t *res, char *err, size_t err_len)
{
    *res = (ti_http_res_t){.headers = json_object()};
    struct curl_slist *hs = ti_headers(req->headers, err, err_len);
    CURL *curl = hs != NULL ? curl_easy_init() : NULL;
    if (curl == NULL) {
        if (hs != NULL)
            snprintf(err, err_len, "out of memory");
        curl_slist_free_all(hs);
        ti_http_res_dispose(res);
        return -1;
    }
    curl_easy_setopt(curl, CURLOPT_URL, req->url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, req->timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, req->method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hs);
    if (req->body != NULL) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    }
    if (strcmp(req->method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, ti_on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, res);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, ti_on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, res);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "portico-cp test-invoke");
    CURLcode rc = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    curl_slist_free_all(hs);
    if (rc != CURLE_OK) {
        snprintf(err, err_len, "%s",
                 rc == CURLE_OPERATION_TIMEDOUT ? "Endpoint request timed out"
                                                : curl_easy_strerror(rc));
        ti_http_res_dispose(res);
        return -1;
    }
    res->status = (int)status;
    if (res->body == NULL)
        res->body = strdup("");
    return 0;
}

void ti_http_res_dispose(ti_http_res_t *res)
{
    json_decref(res->headers);
    free(res->body);
    *res = (ti_http_res_t){0};
}

/* ---- on a thread ---------------------------------------------------------- */

typedef struct {
    ti_http_req_t req;
    ti_http_res_t res;
    int rc;
    char err[256];
    ti_http_done_fn done;
    void *arg;
} ti_http_job_t;

static int ti_pipe_w = -1;
static h2o_socket_t *ti_pipe_sock;
static int ti_calls; /* under way; the admin loop's */

static void ti_on_jobs(h2o_socket_t *sock, const char *err)
{
    if (err != NULL) {
        h2o_fatal("test-invoke pipe: read failed");
        return;
    }
    h2o_buffer_t *in = sock->input;
    size_t whole = in->size / sizeof(ti_http_job_t *) * sizeof(ti_http_job_t *);
    for (size_t off = 0; off < whole; off += sizeof(ti_http_job_t *)) {
        ti_http_job_t *job;
        memcpy(&job, in->bytes + off, sizeof(job));
        ti_calls--;
        job->done(job->arg, job->rc, &job->res, job->err);
        free(job);
    }
    h2o_buffer_consume(&sock->input, whole);
}

static int ti_pipe_open(h2o_evloop_t *loop)
{
    if (ti_pipe_sock != NULL)
        return 0;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return -1;
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread may use curl */
    ti_pipe_w = fds[1];
    ti_pipe_sock = h2o_evloop_socket_create(loop, fds[0], 0);
    h2o_socket_read_start(ti_pipe_sock, ti_on_jobs);
    return 0;
}

static void *ti_thread(void *p)
{
    ti_http_job_t *job = p;
    job->rc = ti_http_call(&job->req, &job->res, job->err, sizeof(job->err));
    ssize_t n;
    while ((n = write(ti_pipe_w, &job, sizeof(job))) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof(job))
        h2o_fatal("test-invoke pipe: write failed");
    return NULL;
}

int ti_http_start(h2o_evloop_t *loop, const ti_http_req_t *req, ti_http_done_fn done, void *arg)
{
    if (ti_calls >= TI_HTTP_MAX_CALLS || ti_pipe_open(loop) != 0)
        return -1;
    ti_http_job_t *job = calloc(1, sizeof(*job));
    if (job == NULL)
        return -1;
    *job = (ti_http_job_t){.req = *req, .done = done, .arg = arg};
    pthread_attr_t attr;
    pthread_t tid;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&tid, &attr, ti_thread, job);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        free(job);
        return -1;
    }
    ti_calls++;
    return 0;
}
