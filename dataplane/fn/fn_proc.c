/* fn_proc: one runtime process — its Runtime API listener (127.0.0.1, an
 * ephemeral port of its own: the port a request arrives on names the
 * process, so a process is only ever told of its own invocations), its
 * clean environment, its memory limit, its process group (killed whole),
 * and its output, read line by line into the execution log tagged with the
 * gateway request id and the invocation's request id. */
#include "fn_sup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "h1conn.h"

#define FN_ENV_MAX 96
#define FN_MEMORY_MARGIN_MB 512 /* for a runtime's own mappings (node reserves address space) */

/* ---- output --------------------------------------------------------------------------- */

static void emit_line(fn_proc_t *p, const char *stream, const char *s, size_t len)
{
    char line[4096];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int n = snprintf(
        line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02dZ function %s:%s (%s) %s %s ",
        tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
        p->pool->cfg->name, p->pool->cfg->version, p->last_tag[0] != '\0' ? p->last_tag : "-",
        p->last_request_id[0] != '\0' ? p->last_request_id : "-", stream);
    for (size_t i = 0; i < len && n < (int)sizeof(line) - 5; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            n += snprintf(line + n, sizeof(line) - (size_t)n, "\\x%02x", c);
        else
            line[n++] = (char)c;
    }
    fn_core_t *core = p->pool->core;
    if (core->conf.log != NULL)
        core->conf.log(core->conf.ctx, line, (size_t)n);
}

/* Emits the complete lines of buf (all of it when flush), returns bytes used. */
static size_t emit_lines(fn_proc_t *p, const char *stream, const char *buf, size_t len, int flush)
{
    size_t used = 0;
    for (;;) {
        const char *nl = memchr(buf + used, '\n', len - used);
        if (nl == NULL)
            break;
        emit_line(p, stream, buf + used, (size_t)(nl - (buf + used)));
        used = (size_t)(nl - buf) + 1;
    }
    if ((flush || len - used >= 4000) && used < len) {
        emit_line(p, stream, buf + used, len - used);
        used = len;
    }
    return used;
}

static void pipe_close(fn_proc_pipe_t *pp)
{
    if (pp->sock == NULL)
        return;
    if (pp->sock->input->size > 0)
        emit_lines(pp->proc, pp->stream, pp->sock->input->bytes, pp->sock->input->size, 1);
    h2o_socket_read_stop(pp->sock);
    h2o_socket_close(pp->sock);
    pp->sock = NULL;
}

static void on_output(h2o_socket_t *sock, const char *err)
{
    fn_proc_pipe_t *pp = sock->data;
    size_t used =
        emit_lines(pp->proc, pp->stream, sock->input->bytes, sock->input->size, err != NULL);
    h2o_buffer_consume(&sock->input, used);
    if (err != NULL)
        pipe_close(pp);
}

/* Reads what is left in the pipe before it is closed (a crash's last words). */
static void pipe_drain(fn_proc_pipe_t *pp)
{
    if (pp->sock == NULL)
        return;
    char buf[8192];
    ssize_t n;
    while ((n = read(pp->fd, buf, sizeof(buf))) > 0) {
        h2o_iovec_t v = h2o_buffer_reserve(&pp->sock->input, (size_t)n);
        if (v.base == NULL)
            break;
        memcpy(v.base, buf, (size_t)n);
        pp->sock->input->size += (size_t)n;
    }
    pipe_close(pp);
}

static int pipe_open(fn_proc_t *p, fn_proc_pipe_t *pp, const char *stream, int fd)
{
    pp->proc = p;
    pp->stream = stream;
    pp->fd = fd;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    if ((pp->sock = h2o_evloop_socket_create(p->pool->core->loop, fd, 0)) == NULL)
        return -1;
    pp->sock->data = pp;
    h2o_socket_read_start(pp->sock, on_output);
    return 0;
}

/* ---- the listener ---------------------------------------------------------------------- */

static void on_accept(h2o_socket_t *listener, const char *err)
{
    fn_proc_t *p = listener->data;
    h2o_socket_t *sock;
    if (err != NULL)
        return;
    if ((sock = h2o_evloop_socket_accept(listener)) != NULL)
        h1conn_accept(&p->pool->core->accept_ctx, sock);
}

static int listen_loopback(fn_proc_t *p, char *err, size_t err_len)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
        snprintf(err, err_len, "Runtime API listener: %s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    p->port = ntohs(sa.sin_port);
    p->listener = h2o_evloop_socket_create(p->pool->core->loop, fd, H2O_SOCKET_FLAG_DONT_READ);
    p->listener->data = p;
    h2o_socket_read_start(p->listener, on_accept);
    return 0;
}

/* ---- the environment -------------------------------------------------------------------- */

typedef struct {
    char *v[FN_ENV_MAX + 1];
    size_t n;
} envv_t;

static void env_add(envv_t *e, const char *name, const char *value)
{
    char *s;
    if (e->n < FN_ENV_MAX && asprintf(&s, "%s=%s", name, value) >= 0)
        e->v[e->n++] = s;
}

static void env_free(envv_t *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i]);
}

static int is_node(const char *runtime)
{
    return strncmp(runtime, "nodejs", 6) == 0;
}

/* Exactly the variables the reference sets, then the function's own. */
static void env_build(fn_proc_t *p, envv_t *e)
{
    const fn_config_t *c = p->pool->cfg;
    fn_core_t *core = p->pool->core;
    char buf[256], hex[33];
    uint8_t rnd[16];
    env_add(e, "AWS_LAMBDA_FUNCTION_NAME", c->name);
    env_add(e, "AWS_LAMBDA_FUNCTION_VERSION", c->version);
    snprintf(buf, sizeof(buf), "%u", c->memory_mb);
    env_add(e, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", buf);
    snprintf(buf, sizeof(buf), "/aws/lambda/%s", c->name);
    env_add(e, "AWS_LAMBDA_LOG_GROUP_NAME", buf);
    crypto_random(rnd, sizeof(rnd));
    crypto_hex(rnd, sizeof(rnd), hex);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    snprintf(buf, sizeof(buf), "%04d/%02d/%02d/[%s]%s", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, c->version, hex);
    env_add(e, "AWS_LAMBDA_LOG_STREAM_NAME", buf);
    /* the region of the function's ARN (arn:aws:lambda:REGION:...) */
    char region[64];
    const char *r = c->arn;
    for (int i = 0; i < 3 && r != NULL; i++)
        r = strchr(r, ':') != NULL ? strchr(r, ':') + 1 : NULL;
    size_t rl = r != NULL ? strcspn(r, ":") : 0;
    if (rl == 0 || rl >= sizeof(region))
        snprintf(region, sizeof(region), "%s",
                 core->conf.region != NULL ? core->conf.region : "us-east-1");
    else
        snprintf(region, sizeof(region), "%.*s", (int)rl, r);
    env_add(e, "AWS_REGION", region);
    env_add(e, "AWS_DEFAULT_REGION", region);
    if (is_node(c->runtime)) {
        snprintf(buf, sizeof(buf), "AWS_Lambda_%s", c->runtime);
        env_add(e, "AWS_EXECUTION_ENV", buf);
    }
    env_add(e, "AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
    env_add(e, "_HANDLER", c->handler);
    env_add(e, "LAMBDA_TASK_ROOT", p->pool->code_dir);
    env_add(e, "LAMBDA_RUNTIME_DIR",
            is_node(c->runtime) && core->conf.ric_dir ? core->conf.ric_dir : p->pool->code_dir);
    snprintf(buf, sizeof(buf), "127.0.0.1:%u", (unsigned)p->port);
    env_add(e, "AWS_LAMBDA_RUNTIME_API", buf);
    env_add(e, "PATH", "/usr/local/bin:/usr/bin/:/bin:/opt/bin");
    env_add(e, "LANG", "en_US.UTF-8");
    env_add(e, "TZ", ":UTC");
    for (size_t i = 0; c->env != NULL && c->env[i] != NULL && e->n < FN_ENV_MAX; i++)
        e->v[e->n++] = strdup(c->env[i]);
    e->v[e->n] = NULL;
}

/* ---- spawning ------------------------------------------------------------------------- */

/* The command line: the zip's bootstrap, or node with aws-lambda-ric. */
static int argv_build(fn_proc_t *p, char *path, size_t path_len, char **argv, char *err,
                      size_t err_len)
{
    const fn_config_t *c = p->pool->cfg;
    fn_core_t *core = p->pool->core;
    if (is_node(c->runtime)) {
        if (core->conf.ric_dir == NULL || core->conf.ric_dir[0] == '\0') {
            snprintf(err, err_len,
                     "no Node.js runtime interface client on this node "
                     "(--function-node-ric)");
            return -1;
        }
        snprintf(path, path_len, "%s/bin/index.mjs", core->conf.ric_dir);
        argv[0] = (char *)(core->conf.node_bin != NULL ? core->conf.node_bin : "/usr/bin/node");
        argv[1] = path;
        argv[2] = c->handler;
        argv[3] = NULL;
        return access(argv[0], X_OK) == 0 && access(path, R_OK) == 0
                   ? 0
                   : (snprintf(err, err_len, "the Node.js runtime is not installed here"), -1);
    }
    snprintf(path, path_len, "%s/bootstrap", p->pool->code_dir);
    struct stat st;
    if (lstat(path, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) {
        snprintf(err, err_len, "Couldn't find valid bootstrap(s): [%s]", "bootstrap");
        return -1;
    }
    if (access(path, X_OK) != 0) {
        snprintf(err, err_len, "the bootstrap is not executable (permission denied)");
        return -1;
    }
    argv[0] = path;
    argv[1] = NULL;
    return 0;
}

/* In the child: only system calls until exec. */
static void child(fn_proc_t *p, char **argv, char **envp, int out, int errfd,
                  const struct rlimit *as)
{
    setsid();
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* the node's death (the host thread forked it) */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    setrlimit(RLIMIT_AS, as);
    if (chdir(p->pool->code_dir) != 0)
        _exit(126);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(errfd, 2) < 0)
        _exit(126);
    syscall(SYS_close_range, 3, ~0U, 0);
    execve(argv[0], argv, envp);
    _exit(127);
}

int fn_proc_spawn(fn_pool_t *pool, char *err, size_t err_len)
{
    fn_proc_t *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return snprintf(err, err_len, "out of memory"), -1;
    p->pool = pool;
    char path[4200], *argv[4];
    int out[2] = {-1, -1}, errp[2] = {-1, -1};
    envv_t env = {.n = 0};
    if (argv_build(p, path, sizeof(path), argv, err, err_len) != 0)
        goto out_free;
    if (listen_loopback(p, err, err_len) != 0)
        goto out_free;
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0) {
        snprintf(err, err_len, "pipe: %s", strerror(errno));
        goto out_listener;
    }
    env_build(p, &env);
    uint64_t bytes = ((uint64_t)pool->cfg->memory_mb + FN_MEMORY_MARGIN_MB +
                      (is_node(pool->cfg->runtime) ? 4096 : 0)) *
                     1024 * 1024;
    struct rlimit as = {.rlim_cur = bytes, .rlim_max = bytes};
    pid_t pid = fork();
    if (pid == 0)
        child(p, argv, env.v, out[1], errp[1], &as);
    env_free(&env);
    close(out[1]), close(errp[1]);
    out[1] = errp[1] = -1;
    if (pid < 0) {
        snprintf(err, err_len, "fork: %s", strerror(errno));
        goto out_listener;
    }
    p->pid = pid;
    p->state = FN_PROC_STARTING;
    pipe_open(p, &p->out, "stdout", out[0]);
    pipe_open(p, &p->err, "stderr", errp[0]);
    h2o_linklist_insert(&pool->procs, &p->link);
    pool->nprocs++;
    pool->nsoon++;
    pool->core->nprocs++;
    return 0;
out_listener:
    h2o_socket_read_stop(p->listener);
    h2o_socket_close(p->listener);
    for (int i = 0; i < 2; i++) {
        if (out[i] >= 0)
            close(out[i]);
        if (errp[i] >= 0)
            close(errp[i]);
    }
out_free:
    free(p);
    return -1;
}

void fn_proc_kill(fn_proc_t *p)
{
    if (p->exited)
        return;
    kill(-p->pid, SIGKILL);
    kill(p->pid, SIGKILL);
    if (p->state == FN_PROC_STARTING || p->state == FN_PROC_BETWEEN)
        p->pool->nsoon--;
    if (p->state != FN_PROC_DEAD)
        fn_rtapi_abandon_next(p);
    p->state = FN_PROC_DEAD;
}

int fn_proc_reap(fn_proc_t *p)
{
    if (p->exited)
        return 1;
    if (waitpid(p->pid, &p->wstatus, WNOHANG) != p->pid)
        return 0;
    p->exited = 1;
    kill(-p->pid, SIGKILL); /* anything it left behind in its group */
    return 1;
}

void fn_proc_free(fn_proc_t *p)
{
    fn_pool_t *pool = p->pool;
    if (p->state == FN_PROC_STARTING || p->state == FN_PROC_BETWEEN)
        pool->nsoon--;
    if (p->state != FN_PROC_DEAD)
        fn_rtapi_abandon_next(p);
    pipe_drain(&p->out);
    pipe_drain(&p->err);
    if (p->listener != NULL) {
        h2o_socket_read_stop(p->listener);
        h2o_socket_close(p->listener);
    }
    h2o_linklist_unlink(&p->link);
    pool->nprocs--;
    pool->core->nprocs--;
    free(p);
}

fn_proc_t *fn_proc_by_port(fn_core_t *core, uint16_t port)
{
    for (h2o_linklist_t *l = core->pools.next; l != &core->pools; l = l->next) {
        fn_pool_t *pool = H2O_STRUCT_FROM_MEMBER(fn_pool_t, link, l);
        for (h2o_linklist_t *m = pool->procs.next; m != &pool->procs; m = m->next) {
            fn_proc_t *p = H2O_STRUCT_FROM_MEMBER(fn_proc_t, link, m);
            if (p->port == port && p->state != FN_PROC_DEAD)
                return p;
        }
    }
    return NULL;
}
