/* Unit tests for dataplane/fn/fn_core.h with real runtime processes: a
 * `provided` bootstrap (Python, speaking the Runtime API with urllib) is
 * zipped with libarchive, installed into a temporary code root and invoked
 * through the supervisor on an event loop of the test's own. One named case
 * per row: the function's variant, the event, the status and a part of the
 * answer expected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <unistd.h>

#include "crypto.h"
#include "fn_code.h"
#include "fn_core.h"
#include "fn_testzip.h"

static const char bootstrap[] =
    "#!/usr/bin/python3\n"
    "import json, os, sys, time, urllib.request\n"
    "api = 'http://' + os.environ['AWS_LAMBDA_RUNTIME_API'] + '/2018-06-01/runtime'\n"
    "def post(path, body, headers={}):\n"
    "    req = urllib.request.Request(api + path, data=body, headers=headers, method='POST')\n"
    "    try:\n"
    "        return urllib.request.urlopen(req).status\n"
    "    except urllib.error.HTTPError as e:\n"
    "        print('HTTP', e.code, e.read(), flush=True)\n"
    "        raise\n"
    "if os.environ.get('MODE') == 'init-error':\n"
    "    post('/init/error', b'{\"errorMessage\":\"bad init\",\"errorType\":\"InitError\"}')\n"
    "    sys.exit(1)\n"
    "while True:\n"
    "    r = urllib.request.urlopen(api + '/invocation/next')\n"
    "    rid = r.headers['Lambda-Runtime-Aws-Request-Id']\n"
    "    ev = r.read().decode()\n"
    "    if ev == 'sleep':\n"
    "        time.sleep(30)\n"
    "    if ev == 'crash':\n"
    "        print('about to crash', flush=True)\n"
    "        os._exit(3)\n"
    "    if ev == 'error':\n"
    "        post('/invocation/%s/error' % rid, "
    "b'{\"errorMessage\":\"boom\",\"errorType\":\"Boom\"}',\n"
    "             {'Lambda-Runtime-Function-Error-Type': 'Boom'})\n"
    "        continue\n"
    "    if ev == 'env':\n"
    "        body = json.dumps(dict(os.environ))\n"
    "    elif ev == 'headers':\n"
    "        body = json.dumps(dict(r.headers))\n"
    "    else:\n"
    "        body = 'echo:' + ev + ':' + str(os.getpid())\n"
    "    print('answered ' + ev, flush=True)\n"
    "    post('/invocation/%s/response' % rid, body.encode())\n";

static char root[256];
static uint8_t sha_exec[32], sha_noexec[32];
static h2o_evloop_t *loop;
static fn_core_t *core;
static char logbuf[65536];
static size_t loglen;

static void on_log(void *ctx, const char *line, size_t len)
{
    (void)ctx;
    if (loglen + len + 1 < sizeof(logbuf)) {
        memcpy(logbuf + loglen, line, len);
        loglen += len;
        logbuf[loglen++] = '\n';
        logbuf[loglen] = '\0';
    }
}

static void install(int mode, uint8_t sha[32])
{
    tz_entry_t entries[] = {{TZ_FILE, "bootstrap", bootstrap, mode}, {TZ_END}};
    size_t len;
    char *zip = tz_make(entries, &len);
    char croot[300], err[256];
    crypto_sha256(zip, len, sha);
    snprintf(croot, sizeof(croot), "%s/functions", root);
    assert_int_equal(fn_code_install(croot, sha, zip, len, FN_CODE_MAX_UNPACKED, err, sizeof(err)),
                     0);
    free(zip);
}

static char croot_s[300];

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof(root), "/tmp/portico-fn-core-XXXXXX");
    if (mkdtemp(root) == NULL)
        return -1;
    setenv("PORTICO_CLUSTER_SECRET", "node-secret-must-not-leak", 1);
    install(0755, sha_exec);
    install(0644, sha_noexec);
    snprintf(croot_s, sizeof(croot_s), "%s/functions", root);
    loop = h2o_evloop_create();
    fn_core_conf_t conf = {
        .code_root = croot_s, .slots = 4, .idle_s = 600, .region = "eu-west-1", .log = on_log};
    char err[256];
    core = fn_core_create(loop, &conf, err, sizeof(err));
    return core != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    /* every process gone and its connections closed before the core goes */
    fn_core_retain(core, NULL, 0);
    for (int i = 0; i < 300 && fn_core_processes(core) > 0; i++)
        h2o_evloop_run(loop, 10);
    for (int i = 0; i < 20; i++)
        h2o_evloop_run(loop, 10);
    fn_core_destroy(core);
    fn_code_remove_tree(root);
    return 0;
}

/* ---- invoking and waiting ---- */

typedef struct {
    fn_inv_t inv;
    int done;
    fnhost_status_t status;
    char answer[8192];
} waiter_t;

static void on_done(fn_inv_t *inv, const fnhost_result_t *r)
{
    waiter_t *w = (waiter_t *)inv;
    w->done = 1;
    w->status = r->status;
    snprintf(w->answer, sizeof(w->answer), "%.*s", (int)r->len, r->payload);
    fn_inv_free(inv);
}

static fn_config_t config(const char *name, const char *mode, uint32_t timeout, int32_t reserved,
                          int exec)
{
    static char envs[4][64], arns[4][128], revs[4][128];
    static char *env[8];
    static int n;
    char *mine = envs[n % 4], *arn = arns[n % 4], *rev = revs[n % 4];
    n++;
    snprintf(mine, 64, "MODE=%s", mode);
    snprintf(arn, 128, "arn:aws:lambda:eu-west-1:123456789012:function:%s", name);
    snprintf(rev, 128, "%s-%u-%d-%d", mode, timeout, reserved, exec);
    env[0] = mine, env[1] = "GREETING=hello", env[2] = NULL;
    fn_config_t c = {.name = (char *)name,
                     .version = "$LATEST",
                     .arn = arn,
                     .runtime = "provided.al2023",
                     .handler = "h",
                     .revision_id = rev,
                     .env = env,
                     .timeout_s = timeout,
                     .memory_mb = 128,
                     .reserved_concurrency = reserved};
    memcpy(c.code_sha256, exec ? sha_exec : sha_noexec, 32);
    return c;
}

static void submit(waiter_t *w, const fn_config_t *c, const char *event)
{
    memset(w, 0, sizeof(*w));
    w->inv.payload = strdup(event);
    w->inv.len = strlen(event);
    w->inv.log_tag = strdup("gw-req-1");
    w->inv.trace_id = strdup("Root=1-5e1b4151-5ac6c58b2b2d7d3b2b0a6a5f");
    w->inv.done = on_done;
    fn_core_submit(core, c, &w->inv);
}

static void run_until(waiter_t **ws, size_t n, int ms)
{
    for (int waited = 0; waited < ms; waited += 10) {
        size_t done = 0;
        for (size_t i = 0; i < n; i++)
            done += ws[i]->done;
        if (done == n)
            return;
        h2o_evloop_run(loop, 10);
    }
    fail_msg("invocations did not end in time");
}

typedef struct {
    const char *name;
    const char *mode; /* the function's MODE variable */
    uint32_t timeout_s;
    int exec;
    const char *event;
    fnhost_status_t want;
    const char *want_in; /* a part of the answer */
    const char *not_in;  /* never in the answer */
} core_case_t;

static const core_case_t cases[] = {
    {"echo", "plain", 5, 1, "hi", FNHOST_OK, "echo:hi:"},
    {"environment as the reference sets it", "plain", 5, 1, "env", FNHOST_OK,
     "\"AWS_LAMBDA_FUNCTION_NAME\": \"fn\"", "node-secret-must-not-leak"},
    {"function variables", "plain", 5, 1, "env", FNHOST_OK, "\"GREETING\": \"hello\"",
     "PATH\": \"/root"},
    {"region from the ARN", "plain", 5, 1, "env", FNHOST_OK, "\"AWS_REGION\": \"eu-west-1\""},
    {"runtime API headers", "plain", 5, 1, "headers", FNHOST_OK,
     "\"Lambda-Runtime-Trace-Id\": \"Root=1-5e1b4151"},
    {"invoked ARN header", "plain", 5, 1, "headers", FNHOST_OK,
     "\"Lambda-Runtime-Invoked-Function-Arn\": \"arn:aws:lambda:eu-west-1"},
    {"handler error", "plain", 5, 1, "error", FNHOST_FUNCTION_ERROR, "\"errorMessage\":\"boom\""},
    {"crash mid-invocation", "plain", 5, 1, "crash", FNHOST_FUNCTION_ERROR,
     "Runtime exited with error: exit status 3"},
    {"after a crash a new process answers", "plain", 5, 1, "again", FNHOST_OK, "echo:again:"},
    {"timeout kills", "plain", 1, 1, "sleep", FNHOST_TIMEOUT, "Task timed out after 1.00 seconds"},
    {"init error", "init-error", 5, 1, "hi", FNHOST_FAILED, "bad init"},
    {"bootstrap not executable", "plain", 5, 0, "hi", FNHOST_FAILED, "not executable"},
};

static void test_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const core_case_t *c = &cases[i];
        fn_config_t cfg = config("fn", c->mode, c->timeout_s, -1, c->exec);
        waiter_t w, *ws[] = {&w};
        submit(&w, &cfg, c->event);
        run_until(ws, 1, 15000);
        if (w.status != c->want || strstr(w.answer, c->want_in) == NULL ||
            (c->not_in != NULL && strstr(w.answer, c->not_in) != NULL)) {
            fprintf(stderr, "%s", logbuf);
            fail_msg("case '%s': status %d, answer %.300s", c->name, (int)w.status, w.answer);
        }
    }
    /* output lines in the execution log, tagged with both request ids */
    assert_non_null(strstr(logbuf, "(gw-req-1)"));
    assert_non_null(strstr(logbuf, "stdout about to crash"));
}

/* A warm process answers the next invocation: the same pid twice. */
static void test_warm(void **state)
{
    (void)state;
    fn_config_t cfg = config("warm", "plain", 5, -1, 1);
    waiter_t a, b, *wa[] = {&a}, *wb[] = {&b};
    submit(&a, &cfg, "one");
    run_until(wa, 1, 10000);
    submit(&b, &cfg, "two");
    run_until(wb, 1, 10000);
    assert_int_equal(a.status, FNHOST_OK);
    assert_int_equal(b.status, FNHOST_OK);
    assert_string_equal(strrchr(a.answer, ':'), strrchr(b.answer, ':'));
}

/* Reserved concurrency 1: a second invocation while one runs is throttled;
 * a function with reserved concurrency 0 always is. */
static void test_throttle(void **state)
{
    (void)state;
    fn_config_t one = config("one", "plain", 1, 1, 1);
    waiter_t a, b, *ws[] = {&a, &b};
    submit(&a, &one, "sleep");
    submit(&b, &one, "hi");
    run_until(ws, 2, 10000);
    assert_int_equal(a.status, FNHOST_TIMEOUT);
    assert_int_equal(b.status, FNHOST_THROTTLED);
    fn_config_t zero = config("zero", "plain", 1, 0, 1);
    waiter_t z, *wz[] = {&z};
    submit(&z, &zero, "hi");
    run_until(wz, 1, 1000);
    assert_int_equal(z.status, FNHOST_THROTTLED);
}

/* Versions that leave the snapshot retire: their processes are reaped. */
static void test_retire(void **state)
{
    (void)state;
    assert_true(fn_core_processes(core) > 0);
    fn_core_retain(core, NULL, 0);
    for (int i = 0; i < 300 && fn_core_processes(core) > 0; i++)
        h2o_evloop_run(loop, 10);
    assert_int_equal(fn_core_processes(core), 0);
}

/* The node-wide limit (4 slots here): a fifth function waits until a slot
 * frees (the four busy ones time out and are reaped), then runs. */
static void test_node_slots(void **state)
{
    (void)state;
    static const char *names[] = {"s1", "s2", "s3", "s4"};
    waiter_t busy[4], fifth;
    waiter_t *all[] = {&busy[0], &busy[1], &busy[2], &busy[3], &fifth};
    fn_config_t cfgs[4];
    for (int i = 0; i < 4; i++) {
        cfgs[i] = config(names[i], "plain", 1, -1, 1);
        submit(&busy[i], &cfgs[i], "sleep");
    }
    fn_config_t five = config("s5", "plain", 5, -1, 1);
    submit(&fifth, &five, "hi");
    for (int i = 0; i < 50; i++)
        h2o_evloop_run(loop, 10);
    assert_true(fn_core_processes(core) <= 4);
    assert_int_equal(fifth.done, 0); /* still waiting for a slot */
    run_until(all, 5, 15000);
    for (int i = 0; i < 4; i++)
        assert_int_equal(busy[i].status, FNHOST_TIMEOUT);
    assert_int_equal(fifth.status, FNHOST_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),      cmocka_unit_test(test_warm),
        cmocka_unit_test(test_throttle),   cmocka_unit_test(test_retire),
        cmocka_unit_test(test_node_slots),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
