/* fuzz_admin_json: the fuzz input as the JSON body of every admin route that
 * takes one (POST, PUT and PATCH rows of admin_routes[]), sent through the
 * admin API's own h2o handler (admin_init: the same route matching, token
 * check, body parsing and handlers as the server) against a database in a
 * temporary directory. The first byte picks the route; path arguments name
 * fixtures created at start through the same entry (an API with a method and
 * MOCK integration, a deployment and stage, a domain with a mapping, a key,
 * a plan). Each answer must be a 2xx, or a 4xx with x-amzn-ErrorType and a
 * JSON {"message": string}; anything else aborts. After each request one
 * loop turn lets the publisher build the snapshot a change scheduled.
 * Leaks are ASan's to find. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "log.h"
#include "publish.h"
#include "store.h"

#define FZ_TOKEN "fuzz-admin-token-0123456789"
#define FZ_MAX_ROUTES 128

typedef struct {
    h2o_conn_t super;
    h2o_req_t req;
    h2o_ostream_t ostr;
    char *body;
    size_t len;
    int done;
} fz_conn_t;

typedef struct {
    const char *method;
    char path[512];
} fz_route_t;

static cp_t fz_cp;
static h2o_context_t *fz_ctx;
static char fz_dir[256], fz_db[300];
static fz_route_t fz_routes[FZ_MAX_ROUTES];
static size_t fz_nroutes;

/* fixture ids, filled from the answers that created them */
static char fz_api[64], fz_root[64], fz_deployment[64], fz_key[64], fz_plan[64];

static void fz_on_send(h2o_ostream_t *self, h2o_req_t *req, h2o_iovec_t *bufs, size_t n,
                       h2o_send_state_t state)
{
    fz_conn_t *c = H2O_STRUCT_FROM_MEMBER(fz_conn_t, ostr, self);
    for (size_t i = 0; i < n; i++) {
        char *bigger = realloc(c->body, c->len + bufs[i].len + 1);
        if (bigger == NULL)
            abort();
        c->body = bigger;
        memcpy(c->body + c->len, bufs[i].base, bufs[i].len);
        c->len += bufs[i].len;
        c->body[c->len] = '\0';
    }
    if (h2o_send_state_is_in_progress(state))
        h2o_proceed_response(req);
    else
        c->done = 1;
}

/* Checks the answer's shape; aborts on anything a client must never get. */
static void fz_check(fz_conn_t *c, const char *method, const char *path)
{
    int status = c->req.res.status;
    if (!c->done) {
        fprintf(stderr, "%s %s: no answer\n", method, path);
        abort();
    }
    if (status >= 200 && status < 300)
        return;
    json_t *doc = c->body != NULL ? json_loads(c->body, 0, NULL) : NULL;
    /* the Lambda API's errors say "Message" (admin_function_int.h), the others "message" */
    /* Invoke answers 503 when no data-plane node is there to run the function
     * (none in this harness): a state of the cluster, not of the input */
    int unavailable = status == 503 && strstr(path, "/invocations") != NULL;
    int ok = ((status >= 400 && status < 500) || unavailable) &&
             (json_is_string(json_object_get(doc, "message")) ||
              json_is_string(json_object_get(doc, "Message"))) &&
             h2o_find_header_by_str(&c->req.res.headers, H2O_STRLIT("x-amzn-errortype"), -1) >= 0;
    json_decref(doc);
    if (!ok) {
        fprintf(stderr, "%s %s: status %d, body %s\n", method, path, status,
                c->body != NULL ? c->body : "(none)");
        abort();
    }
}

/* Sends one request; returns the answer's body (malloc'd, may be NULL) and
 * its status in *status. */
static char *fz_request(const char *method, const char *path, const uint8_t *body, size_t len,
                        int *status)
{
    static const h2o_conn_callbacks_t callbacks = {NULL};
    fz_conn_t *c = (fz_conn_t *)h2o_create_connection(sizeof(*c), fz_ctx, fz_ctx->globalconf->hosts,
                                                      (struct timeval){0}, &callbacks);
    memset((char *)c + sizeof(c->super), 0, sizeof(*c) - sizeof(c->super));
    h2o_init_request(&c->req, &c->super, NULL);
    c->ostr.do_send = fz_on_send;
    c->req._ostr_top = &c->ostr;
    c->req.input.method = h2o_strdup(&c->req.pool, method, SIZE_MAX);
    c->req.input.scheme = &H2O_URL_SCHEME_HTTP;
    c->req.input.authority = h2o_iovec_init(H2O_STRLIT("default"));
    c->req.input.path = h2o_strdup(&c->req.pool, path, SIZE_MAX);
    c->req.version = 0x101;
    h2o_add_header(&c->req.pool, &c->req.headers, H2O_TOKEN_AUTHORIZATION, NULL,
                   H2O_STRLIT("Bearer " FZ_TOKEN));
    if (len > 0)
        c->req.entity = h2o_iovec_init(body, len);
    h2o_process_request(&c->req);
    fz_check(c, method, path);
    *status = c->req.res.status;
    char *out = c->body;
    h2o_dispose_request(&c->req);
    free(c);
    h2o_evloop_run(fz_cp.loop, 0); /* the publisher's turn */
    return out;
}

/* A fixture request that must succeed; copies field of its answer to id. */
static void fz_setup_call(const char *method, const char *path, const char *body, const char *field,
                          char *id)
{
    int status;
    char *answer = fz_request(method, path, (const uint8_t *)body, strlen(body), &status);
    if (status >= 300) {
        fprintf(stderr, "fixture %s %s failed: %d %s\n", method, path, status, answer);
        abort();
    }
    if (field != NULL) {
        json_t *doc = json_loads(answer, 0, NULL);
        json_t *v = json_object_get(doc, field);
        if (json_is_array(v)) /* {"item": [...]}: the first entry's id */
            v = json_object_get(json_array_get(v, 0), "id");
        snprintf(id, 64, "%s", json_string_value(v) != NULL ? json_string_value(v) : "");
        json_decref(doc);
    }
    free(answer);
}

static void fz_fixtures(void)
{
    char path[512], body[512];
    fz_setup_call("POST", "/restapis", "{\"name\":\"fuzz\"}", "id", fz_api);
    snprintf(path, sizeof(path), "/restapis/%s/resources", fz_api);
    fz_setup_call("GET", path, "", "item", fz_root);
    snprintf(path, sizeof(path), "/restapis/%s/resources/%s/methods/GET", fz_api, fz_root);
    fz_setup_call("PUT", path, "{\"authorizationType\":\"NONE\"}", NULL, NULL);
    snprintf(path, sizeof(path), "/restapis/%s/resources/%s/methods/GET/integration", fz_api,
             fz_root);
    fz_setup_call("PUT", path,
                  "{\"type\":\"MOCK\",\"requestTemplates\":{\"application/json\":"
                  "\"{\\\"statusCode\\\": 200}\"}}",
                  NULL, NULL);
    snprintf(path, sizeof(path), "/restapis/%s/deployments", fz_api);
    fz_setup_call("POST", path, "{\"stageName\":\"prod\"}", "id", fz_deployment);
    fz_setup_call("POST", "/domainnames", "{\"domainName\":\"api.example.com\"}", NULL, NULL);
    snprintf(body, sizeof(body), "{\"restApiId\":\"%s\",\"basePath\":\"v1\",\"stage\":\"prod\"}",
             fz_api);
    fz_setup_call("POST", "/domainnames/api.example.com/basepathmappings", body, NULL, NULL);
    fz_setup_call("POST", "/apikeys", "{\"name\":\"fuzz\",\"enabled\":true}", "id", fz_key);
    snprintf(body, sizeof(body),
             "{\"name\":\"fuzz\",\"apiStages\":[{\"apiId\":\"%s\",\"stage\":"
             "\"prod\"}]}",
             fz_api);
    fz_setup_call("POST", "/usageplans", body, "id", fz_plan);
    /* a function (a zip holding bootstrap) with a version and an alias */
    fz_setup_call(
        "POST", "/2015-03-31/functions",
        "{\"FunctionName\":\"fz\",\"Runtime\":\"provided\",\"Handler\":\"h\","
        "\"Code\":{\"ZipFile\":\"UEsDBBQAAAAAAIdrfl0dnfsECgAAAAoAAAAJAAAAYm9vdHN0cmFwI"
        "yEvYmluL3NoClBLAQIUAxQAAAAAAIdrfl0dnfsECgAAAAoAAAAJAAAAAAAAAAAAAACAAQAAAABib290c3"
        "RyYXBQSwUGAAAAAAEAAQA3AAAAMQAAAAAA\"},\"Publish\":true}",
        NULL, NULL);
    fz_setup_call("POST", "/2015-03-31/functions/fz/aliases",
                  "{\"Name\":\"live\",\"FunctionVersion\":\"1\"}", NULL, NULL);
}

/* The value a path argument takes: a fixture when one exists. */
static const char *fz_arg(const char *name, size_t len)
{
    static const struct {
        const char *name;
        const char *value;
    } args[] = {
        {"restapi_id", fz_api},
        {"resource_id", fz_root},
        {"parent_id", fz_root},
        {"deployment_id", fz_deployment},
        {"api_key_id", fz_key},
        {"key_id", fz_key},
        {"usageplan_id", fz_plan},
        {"http_method", "GET"},
        {"status_code", "200"},
        {"stage_name", "prod"},
        {"domain_name", "api.example.com"},
        {"base_path", "v1"},
        {"response_type", "DEFAULT_4XX"},
        {"authorizer_id", "nosuch"},
        {"FunctionName", "fz"},
        {"Name", "live"},
    };
    for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++)
        if (strlen(args[i].name) == len && memcmp(args[i].name, name, len) == 0)
            return args[i].value;
    return "x";
}

/* Every route that reads a body, with its arguments filled in. */
static void fz_collect_routes(void)
{
    for (const admin_route_t *r = admin_routes; r->method != NULL; r++) {
        if (strcmp(r->method, "POST") != 0 && strcmp(r->method, "PUT") != 0 &&
            strcmp(r->method, "PATCH") != 0)
            continue;
        if (fz_nroutes == FZ_MAX_ROUTES)
            abort();
        fz_route_t *out = &fz_routes[fz_nroutes++];
        out->method = r->method;
        size_t n = 0;
        for (const char *p = r->pattern; *p != '\0' && n + 80 < sizeof(out->path);) {
            const char *close = *p == '{' ? strchr(p, '}') : NULL;
            if (close != NULL) {
                n += (size_t)snprintf(out->path + n, sizeof(out->path) - n, "%s",
                                      fz_arg(p + 1, (size_t)(close - p - 1)));
                p = close + 1;
            } else {
                out->path[n++] = *p++;
            }
        }
        out->path[n] = '\0';
    }
}

static void fz_cleanup(void)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char file[320];
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(file, sizeof(file), "%s%s", fz_db, suffixes[i]);
        unlink(file);
    }
    rmdir(fz_dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("PORTICO_LOG_LEVEL", "error", 1);
    log_init("fuzz_admin_json");
    /* tmpfs when there is one: every admin write is a synchronous commit */
    const char *tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
    snprintf(fz_dir, sizeof(fz_dir), "%s/portico-fuzz-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(fz_dir) == NULL)
        abort();
    snprintf(fz_db, sizeof(fz_db), "%s/portico.db", fz_dir);
    atexit(fz_cleanup);
    if (store_open(fz_db, &fz_cp.store) != STORE_OK)
        abort();
    fz_cp.loop = h2o_evloop_create();
    fz_cp.admin_token = FZ_TOKEN;
    fz_cp.admin_token_len = strlen(FZ_TOKEN);
    fz_cp.nodes = nodes_create();
    publish_config_t pc = {.store = fz_cp.store, .loop = fz_cp.loop, .settings = {0, 0, 0}};
    if (publish_create(&pc, &fz_cp.publish) != 0 || publish_now(fz_cp.publish) != 0)
        abort();
    fz_ctx = admin_init(&fz_cp);
    fz_fixtures();
    fz_collect_routes();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int status;
    if (size == 0 || fz_nroutes == 0)
        return 0;
    const fz_route_t *r = &fz_routes[data[0] % fz_nroutes];
    free(fz_request(r->method, r->path, data + 1, size - 1, &status));
    return 0;
}
