/* Unit tests for dataplane/fn/fn_conf.h: a snapshot holding function
 * versions and aliases compiled into a runtime, then function references
 * resolved against it (one named case per row), and the snapshots a node
 * refuses because of a malformed function. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fn_conf.h"
#include "runtime.h"

#define ARN "arn:aws:lambda:eu-west-1:123456789012:function:"

static uint8_t sha[32] = {1, 2, 3};

static Portico__FunctionVersion fv(const char *name, const char *version)
{
    Portico__FunctionVersion f = PORTICO__FUNCTION_VERSION__INIT;
    static char arns[8][128];
    static int n;
    char *arn = arns[n++ % 8];
    snprintf(arn, 128, ARN "%s", name);
    f.name = (char *)name;
    f.version = (char *)version;
    f.arn = arn;
    f.runtime = "provided.al2023";
    f.handler = "x";
    f.timeout_s = 3;
    f.memory_mb = 128;
    f.code_sha256 = (ProtobufCBinaryData){32, sha};
    f.reserved_concurrency = -1;
    f.revision_id = "r";
    return f;
}

/* Compiles a snapshot of fs and aliases; NULL (with err) when refused. */
static runtime_t *compile(Portico__FunctionVersion *fs, size_t n, Portico__FunctionAlias *as,
                          size_t na, char *err, size_t err_len)
{
    Portico__Snapshot s = PORTICO__SNAPSHOT__INIT;
    Portico__FunctionVersion *fp[8];
    Portico__FunctionAlias *ap[8];
    for (size_t i = 0; i < n; i++)
        fp[i] = &fs[i];
    for (size_t i = 0; i < na; i++)
        ap[i] = &as[i];
    s.version = 1;
    s.store_id = "store-1";
    s.n_functions = n;
    s.functions = fp;
    s.n_function_aliases = na;
    s.function_aliases = ap;
    size_t len = portico__snapshot__get_packed_size(&s);
    uint8_t *buf = malloc(len);
    portico__snapshot__pack(&s, buf);
    runtime_t *rt = runtime_compile(buf, len, err, err_len);
    free(buf);
    return rt;
}

typedef struct {
    const char *name;
    const char *ref;
    const char *want_name, *want_version; /* NULL: not found */
} ref_case_t;

static const ref_case_t refs[] = {
    {"bare name is $LATEST", "fn", "fn", "$LATEST"},
    {"version", "fn:1", "fn", "1"},
    {"explicit $LATEST", "fn:$LATEST", "fn", "$LATEST"},
    {"alias", "fn:live", "fn", "1"},
    {"unqualified ARN", ARN "fn", "fn", "$LATEST"},
    {"qualified ARN", ARN "fn:live", "fn", "1"},
    {"ARN of another account", "arn:aws:lambda:eu-west-1:999999999999:function:fn", NULL, NULL},
    {"ARN of another region", "arn:aws:lambda:us-east-1:123456789012:function:fn", NULL, NULL},
    {"unknown version", "fn:7", NULL, NULL},
    {"unknown function", "other", NULL, NULL},
    {"empty qualifier", "fn:", NULL, NULL},
    {"two qualifiers", "fn:1:2", NULL, NULL},
    {"bad name", "f n", NULL, NULL},
    {"not a function ARN", "arn:aws:lambda:eu-west-1:123456789012:layer:fn", NULL, NULL},
};

static void test_resolve(void **state)
{
    (void)state;
    Portico__FunctionVersion fs[2] = {fv("fn", "$LATEST"), fv("fn", "1")};
    Portico__FunctionAlias a = PORTICO__FUNCTION_ALIAS__INIT;
    a.function_name = "fn", a.name = "live", a.function_version = "1";
    char err[256];
    runtime_t *rt = compile(fs, 2, &a, 1, err, sizeof(err));
    if (rt == NULL)
        fail_msg("refused: %s", err);
    for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
        const ref_case_t *c = &refs[i];
        const fn_entry_t *e = fn_conf_resolve(rt, c->ref);
        if ((e == NULL) != (c->want_name == NULL) ||
            (e != NULL && (strcmp(e->cfg.name, c->want_name) != 0 ||
                           strcmp(e->cfg.version, c->want_version) != 0)))
            fail_msg("case '%s': got %s:%s", c->name, e ? e->cfg.name : "-",
                     e ? e->cfg.version : "-");
    }
    size_t n;
    fn_conf_keys(rt, &n);
    assert_int_equal(n, 2);
    runtime_release(rt);
}

typedef struct {
    const char *name;
    void (*spoil)(Portico__FunctionVersion *f);
} bad_case_t;

static Portico__KeyValue kv_reserved = {PROTOBUF_C_MESSAGE_INIT(&portico__key_value__descriptor),
                                        "AWS_SECRET_ACCESS_KEY", "x"};
static Portico__KeyValue *kvs[] = {&kv_reserved};

static void bad_name(Portico__FunctionVersion *f)
{
    f->name = "a/b";
}
static void bad_runtime(Portico__FunctionVersion *f)
{
    f->runtime = "python3.12";
}
static void bad_handler(Portico__FunctionVersion *f)
{
    f->handler = "a\nb";
}
static void bad_timeout(Portico__FunctionVersion *f)
{
    f->timeout_s = 0;
}
static void bad_memory(Portico__FunctionVersion *f)
{
    f->memory_mb = 64;
}
static void bad_sha(Portico__FunctionVersion *f)
{
    f->code_sha256.len = 5;
}
static void bad_env(Portico__FunctionVersion *f)
{
    f->n_environment = 1, f->environment = kvs;
}
static void bad_remote(Portico__FunctionVersion *f)
{
    f->remote_endpoint = "file:///etc";
}
static void bad_version(Portico__FunctionVersion *f)
{
    f->version = "01";
}

static const bad_case_t bads[] = {
    {"name", bad_name},
    {"runtime", bad_runtime},
    {"handler", bad_handler},
    {"timeout", bad_timeout},
    {"memory", bad_memory},
    {"code hash", bad_sha},
    {"reserved variable", bad_env},
    {"remote endpoint", bad_remote},
    {"version", bad_version},
};

static void test_refusals(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        Portico__FunctionVersion f = fv("fn", "$LATEST");
        bads[i].spoil(&f);
        char err[256] = "";
        runtime_t *rt = compile(&f, 1, NULL, 0, err, sizeof(err));
        if (rt != NULL) {
            runtime_release(rt);
            fail_msg("case '%s' was taken", bads[i].name);
        }
    }
    /* an alias naming no version refuses too */
    Portico__FunctionVersion f = fv("fn", "$LATEST");
    Portico__FunctionAlias a = PORTICO__FUNCTION_ALIAS__INIT;
    a.function_name = "fn", a.name = "live", a.function_version = "9";
    char err[256];
    assert_null(compile(&f, 1, &a, 1, err, sizeof(err)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
