/* Unit tests for controlplane/store/store_function.h (functions, versions,
 * aliases, content-addressed code) and controlplane/cluster/codefetch.h (the
 * REP socket's answer to KIND_CODE_FETCH), on a real SQLite database. The
 * store cases are scripts: each step is one call and the result it must give. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cluster.h"
#include "codefetch.h"
#include "compiler.h"
#include "store.h"
#include "store_function.h"
#include "testdb.h"

/* ---- the script language ------------------------------------------------ */

enum op {
    OP_END,
    OP_CREATE,      /* name, code (a short string whose SHA-256 is the zip's) */
    OP_REMOTE,      /* name: created without code */
    OP_PUBLISH,     /* name → want_n: the number it got */
    OP_LATEST_CODE, /* name, code: $LATEST takes new code */
    OP_GET,         /* name, version */
    OP_ALIAS,       /* name, alias, version (create) */
    OP_ALIAS_MOVE,  /* name, alias, version (update) */
    OP_ALIAS_DEL,   /* name, alias */
    OP_DEL_VERSION, /* name, version */
    OP_DELETE,      /* name */
    OP_GC,          /* → want_n: zips dropped */
    OP_CODES,       /* → want_n: zips stored */
    OP_RESERVE,     /* name, want_n: the value to set (-1 clears) */
    OP_RESERVED,    /* name → want_n: the others' sum when name is "-" */
    OP_LIST,        /* after (a) → want_n: functions listed */
    OP_VERSIONS,    /* name → want_n */
    OP_ALIASES,     /* name, version filter (b, may be NULL) → want_n */
    OP_VISIT,       /* → want_n: versions + 100 × aliases */
};

typedef struct {
    enum op op;
    const char *a, *b, *c;
    int want_rc;
    int want_n;
} step_t;

typedef struct {
    const char *name;
    step_t steps[24];
} script_t;

#define END                                                                                        \
    {                                                                                              \
        OP_END                                                                                     \
    }

static const script_t scripts[] = {
    {"create, read, duplicate",
     {{OP_CREATE, "f", "zip-a", .want_rc = STORE_OK},
      {OP_GET, "f", "$LATEST", .want_rc = STORE_OK},
      {OP_GET, "f", "1", .want_rc = STORE_ENOTFOUND},
      {OP_GET, "g", "$LATEST", .want_rc = STORE_ENOTFOUND},
      {OP_CREATE, "f", "zip-b", .want_rc = STORE_ECONFLICT},
      {OP_CODES, .want_n = 2}, /* zip-b went in first (the handler's transaction rolls back) */
      {OP_GC, .want_n = 1},
      {OP_CODES, .want_n = 1},
      END}},
    {"versions are numbered and immutable",
     {{OP_CREATE, "f", "zip-a"},
      {OP_PUBLISH, "f", .want_n = 1},
      {OP_PUBLISH, "f", .want_n = 2},
      {OP_LATEST_CODE, "f", "zip-b"},
      {OP_PUBLISH, "f", .want_n = 3},
      {OP_GET, "f", "3", .want_rc = STORE_OK},
      {OP_VERSIONS, "f", .want_n = 4},
      {OP_DEL_VERSION, "f", "2", .want_rc = STORE_OK},
      {OP_PUBLISH, "f", .want_n = 4}, /* numbers are never reused */
      {OP_VERSIONS, "f", .want_n = 4},
      END}},
    {"code is stored once per hash and collected when unused",
     {{OP_CREATE, "f", "zip-a"},
      {OP_CREATE, "g", "zip-a"},
      {OP_CODES, .want_n = 1},
      {OP_PUBLISH, "f", .want_n = 1},
      {OP_LATEST_CODE, "f", "zip-b"},
      {OP_CODES, .want_n = 2},
      {OP_GC, .want_n = 0}, /* zip-a: g and f:1 */
      {OP_DEL_VERSION, "f", "1"},
      {OP_GC, .want_n = 0}, /* zip-a: still g */
      {OP_DELETE, "g"},
      {OP_GC, .want_n = 1},
      {OP_CODES, .want_n = 1},
      {OP_DELETE, "f"},
      {OP_GC, .want_n = 1},
      {OP_CODES, .want_n = 0},
      END}},
    {"aliases point at existing versions only",
     {{OP_CREATE, "f", "zip-a"},
      {OP_PUBLISH, "f", .want_n = 1},
      {OP_ALIAS, "f", "live", "1", .want_rc = STORE_OK},
      {OP_ALIAS, "f", "live", "1", .want_rc = STORE_ECONFLICT},
      {OP_ALIAS, "f", "next", "7", .want_rc = STORE_ECONFLICT}, /* no version 7 */
      {OP_ALIAS, "f", "dev", "$LATEST", .want_rc = STORE_OK},
      {OP_ALIAS_MOVE, "f", "ghost", "1", .want_rc = STORE_ENOTFOUND},
      {OP_ALIASES, "f", .want_n = 2},
      {OP_ALIASES, "f", "1", .want_n = 1},
      {OP_DEL_VERSION, "f", "1", .want_rc = STORE_ECONFLICT}, /* live uses it */
      {OP_ALIAS_MOVE, "f", "live", "$LATEST", .want_rc = STORE_OK},
      {OP_DEL_VERSION, "f", "1", .want_rc = STORE_OK},
      {OP_ALIAS_DEL, "f", "dev", .want_rc = STORE_OK},
      {OP_ALIAS_DEL, "f", "dev", .want_rc = STORE_ENOTFOUND},
      {OP_DELETE, "f", .want_rc = STORE_OK}, /* takes its aliases along */
      {OP_ALIASES, "f", .want_n = 0},
      {OP_DELETE, "f", .want_rc = STORE_ENOTFOUND},
      END}},
    {"reserved concurrency",
     {{OP_CREATE, "f", "zip-a"},
      {OP_CREATE, "g", "zip-a"},
      {OP_RESERVED, "f", .want_n = -1},
      {OP_RESERVE, "f", .want_n = 10},
      {OP_RESERVE, "g", .want_n = 5},
      {OP_RESERVED, "f", .want_n = 10},
      {OP_RESERVED, "-", "f", .want_n = 5},
      {OP_RESERVE, "g", .want_n = -1},
      {OP_RESERVED, "-", "f", .want_n = 0},
      {OP_RESERVE, "nope", .want_n = 1, .want_rc = STORE_ENOTFOUND},
      END}},
    {"lists and the snapshot's walk",
     {{OP_CREATE, "a", "zip-a"},
      {OP_CREATE, "b", "zip-a"},
      {OP_REMOTE, "c"},
      {OP_PUBLISH, "a", .want_n = 1},
      {OP_ALIAS, "a", "live", "1"},
      {OP_LIST, .want_n = 3},
      {OP_LIST, "a", .want_n = 2},
      {OP_VISIT, .want_n = 4 + 100},
      {OP_GET, "c", "$LATEST"},
      END}},
};

/* ---- running a script --------------------------------------------------- */

static void sha_of(const char *code, uint8_t out[32])
{
    SHA256((const uint8_t *)code, strlen(code), out);
}

static json_t *doc_for(const char *name, const char *version)
{
    return json_pack("{s:s,s:s,s:s,s:i,s:i}", "FunctionName", name, "Version", version,
                     "FunctionArn", "arn:aws:lambda:us-east-1:000000000000:function:x", "Timeout",
                     3, "MemorySize", 128);
}

static int put_code(store_t *s, const char *code, uint8_t sha[32])
{
    sha_of(code, sha);
    return store_code_put(s, sha, code, strlen(code));
}

static int run_create(store_t *s, const step_t *st)
{
    uint8_t sha[32];
    json_t *doc = doc_for(st->a, STORE_FN_LATEST), *tags = json_object();
    if (st->op == OP_CREATE)
        json_object_set_new(doc, "code", json_string(st->b));
    int rc = st->op == OP_CREATE ? put_code(s, st->b, sha) : STORE_OK;
    if (rc == STORE_OK)
        rc = store_fn_create(s, st->a, tags, doc, st->op == OP_CREATE ? sha : NULL);
    json_decref(doc);
    json_decref(tags);
    return rc;
}

static int run_publish(store_t *s, const step_t *st, int *n)
{
    json_t *latest = NULL;
    char number[16];
    int rc = store_fn_version_get(s, st->a, STORE_FN_LATEST, &latest);
    if (rc == STORE_OK)
        rc = store_fn_next_number(s, st->a, n);
    snprintf(number, sizeof(number), "%d", *n);
    json_t *doc = doc_for(st->a, number);
    /* the version keeps $LATEST's code (the test documents name it under "code") */
    uint8_t sha[32];
    const char *code = json_string_value(json_object_get(latest, "code"));
    if (rc == STORE_OK && code != NULL) {
        sha_of(code, sha);
        json_object_set_new(doc, "code", json_string(code));
    }
    if (rc == STORE_OK)
        rc = store_fn_version_put(s, st->a, number, *n, doc, code != NULL ? sha : NULL);
    json_decref(doc);
    json_decref(latest);
    return rc;
}

static int run_latest_code(store_t *s, const step_t *st)
{
    uint8_t sha[32];
    json_t *doc = doc_for(st->a, STORE_FN_LATEST);
    json_object_set_new(doc, "code", json_string(st->b));
    int rc = put_code(s, st->b, sha);
    if (rc == STORE_OK)
        rc = store_fn_version_put(s, st->a, STORE_FN_LATEST, 0, doc, sha);
    json_decref(doc);
    return rc;
}

static int count_items(int rc, json_t **items, int *n)
{
    *n = (int)json_array_size(*items);
    json_decref(*items);
    return rc;
}

static int on_version(void *ctx, json_t *doc, const uint8_t *sha, int reserved)
{
    (*(int *)ctx)++;
    return 0;
}

static int on_alias(void *ctx, const char *name, const char *alias, const char *version)
{
    *(int *)ctx += 100;
    return 0;
}

static int count_codes(store_t *s, int *n)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(store_db(s), "SELECT COUNT(*) FROM function_code", -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        *n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? STORE_OK : STORE_EIO;
}

/* Runs one step; *n receives the step's count when it has one. */
static int run_step(store_t *s, const step_t *st, int *n)
{
    json_t *doc = NULL, *items = NULL, *tags = NULL;
    int64_t sum = 0;
    int rc;
    switch (st->op) {
    case OP_CREATE:
    case OP_REMOTE:
        return run_create(s, st);
    case OP_PUBLISH:
        return run_publish(s, st, n);
    case OP_LATEST_CODE:
        return run_latest_code(s, st);
    case OP_GET:
        rc = store_fn_version_get(s, st->a, st->b, &doc);
        json_decref(doc);
        return rc;
    case OP_ALIAS:
    case OP_ALIAS_MOVE:
        doc = json_pack("{s:s}", "Name", st->b);
        rc = store_fn_alias_put(s, st->a, st->b, st->c, doc, st->op == OP_ALIAS);
        json_decref(doc);
        return rc;
    case OP_ALIAS_DEL:
        return store_fn_alias_delete(s, st->a, st->b);
    case OP_DEL_VERSION:
        return store_fn_version_delete(s, st->a, st->b);
    case OP_DELETE:
        return store_fn_delete(s, st->a);
    case OP_GC:
        return store_code_gc(s, n);
    case OP_CODES:
        return count_codes(s, n);
    case OP_RESERVE:
        return store_fn_set_reserved(s, st->a, st->want_n);
    case OP_RESERVED:
        if (strcmp(st->a, "-") == 0) {
            rc = store_fn_reserved_others(s, st->b, &sum);
            *n = (int)sum;
            return rc;
        }
        rc = store_fn_info(s, st->a, &tags, n);
        json_decref(tags);
        return rc;
    case OP_LIST:
        return count_items(store_fn_list(s, st->a, -1, &items, NULL), &items, n);
    case OP_VERSIONS:
        return count_items(store_fn_versions(s, st->a, -1, -1, &items, NULL), &items, n);
    case OP_ALIASES:
        return count_items(store_fn_aliases(s, st->a, st->b, NULL, -1, &items, NULL), &items, n);
    case OP_VISIT:
        *n = 0;
        return store_fn_visit_all(s, on_version, on_alias, n);
    case OP_END:
        break;
    }
    return STORE_EINVAL;
}

static const enum op counted[] = {OP_PUBLISH, OP_GC,       OP_CODES,   OP_RESERVED,
                                  OP_LIST,    OP_VERSIONS, OP_ALIASES, OP_VISIT};

static int is_counted(enum op op)
{
    for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++)
        if (counted[i] == op)
            return 1;
    return 0;
}

static void test_scripts(void **state)
{
    for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++) {
        testdb_t *f = NULL;
        assert_int_equal(testdb_setup((void **)&f), 0);
        for (int k = 0; scripts[i].steps[k].op != OP_END; k++) {
            const step_t *st = &scripts[i].steps[k];
            int n = -99;
            int rc = run_step(f->s, st, &n);
            if (rc != st->want_rc)
                fail_msg("%s, step %d: rc %s, want %s", scripts[i].name, k + 1, store_strerror(rc),
                         store_strerror(st->want_rc));
            if (rc == STORE_OK && is_counted(st->op) && n != st->want_n)
                fail_msg("%s, step %d: got %d, want %d", scripts[i].name, k + 1, n, st->want_n);
        }
        testdb_teardown((void **)&f);
    }
}

/* $LATEST is rewritten in place; a published version never is. */
static void test_published_versions_are_immutable(void **state)
{
    testdb_t *f = *state;
    json_t *doc = doc_for("f", STORE_FN_LATEST), *tags = json_object(), *got = NULL;
    assert_int_equal(store_fn_create(f->s, "f", tags, doc, NULL), STORE_OK);
    assert_int_equal(store_fn_version_put(f->s, "f", STORE_FN_LATEST, 0, doc, NULL), STORE_OK);
    assert_int_equal(store_fn_version_put(f->s, "f", "1", 1, doc, NULL), STORE_OK);
    json_object_set_new(doc, "Timeout", json_integer(60));
    assert_int_equal(store_fn_version_put(f->s, "f", "1", 1, doc, NULL), STORE_ECONFLICT);
    assert_int_equal(store_fn_version_get(f->s, "f", "1", &got), STORE_OK);
    assert_int_equal(json_integer_value(json_object_get(got, "Timeout")), 3);
    json_decref(got);
    json_decref(doc);
    json_decref(tags);
}

/* ---- codefetch: the REP socket's answer ---------------------------------- */

typedef struct {
    const char *name;
    const char *stored; /* the zip in the store (NULL: none) */
    const char *asked;  /* whose hash the node asks for ("" asks with a 5-byte hash) */
    Portico__MessageKind want_kind;
    const char *want_payload;
} fetch_case_t;

static const fetch_case_t fetch_cases[] = {
    {"stored code comes back byte for byte", "PK\x03\x04 zip bytes\x00\x01\x02",
     "PK\x03\x04 zip bytes\x00\x01\x02", PORTICO__MESSAGE_KIND__KIND_CODE, NULL},
    {"an unknown hash is an error", "some zip", "another zip", PORTICO__MESSAGE_KIND__KIND_ERROR,
     "unknown code"},
    {"a malformed request is an error", "some zip", "", PORTICO__MESSAGE_KIND__KIND_ERROR,
     "bad code fetch"},
};

static void test_code_fetch(void **state)
{
    testdb_t *f = *state;
    for (size_t i = 0; i < sizeof(fetch_cases) / sizeof(fetch_cases[0]); i++) {
        const fetch_case_t *fc = &fetch_cases[i];
        uint8_t sha[32], *owned = NULL;
        /* the stored zips may hold NUL bytes: the first case's length is its literal's */
        size_t stored_len =
            i == 0 ? sizeof("PK\x03\x04 zip bytes\x00\x01\x02") - 1 : strlen(fc->stored);
        SHA256((const uint8_t *)fc->stored, stored_len, sha);
        assert_int_equal(store_code_put(f->s, sha, fc->stored, stored_len), STORE_OK);
        Portico__CodeFetch cf = PORTICO__CODE_FETCH__INIT;
        cf.node_id = "node-1";
        uint8_t asked[32];
        SHA256((const uint8_t *)fc->asked, i == 0 ? stored_len : strlen(fc->asked), asked);
        cf.code_sha256.data = asked;
        cf.code_sha256.len = fc->asked[0] != '\0' ? 32 : 5;
        uint8_t buf[128];
        envelope_t req = {.kind = PORTICO__MESSAGE_KIND__KIND_CODE_FETCH, .payload = buf};
        req.payload_len = portico__code_fetch__pack(&cf, buf);
        envelope_t reply = {0};
        assert_int_equal(codefetch_answer(&req, codefetch_from_store, f->s, &reply, &owned), 0);
        if (reply.kind != fc->want_kind)
            fail_msg("%s: kind %d, want %d", fc->name, reply.kind, fc->want_kind);
        if (fc->want_payload == NULL) {
            assert_int_equal(reply.payload_len, stored_len);
            assert_memory_equal(reply.payload, fc->stored, stored_len);
        } else {
            assert_int_equal(reply.payload_len, strlen(fc->want_payload));
            assert_memory_equal(reply.payload, fc->want_payload, reply.payload_len);
        }
        free(owned);
    }
}

/* ---- codefetch through cluster.c's REP socket, from a real REQ socket ------ */

static const uint8_t test_secret[] = "unit-test-cluster-secret-0123456789";

/* Sends a sealed request of kind with payload; returns the opened reply's
 * kind and copies its payload (or -1: an empty reply, the refusal). */
static int rep_exchange(nng_socket req, Portico__MessageKind kind, const uint8_t *payload,
                        size_t len, uint64_t seq, char *out, size_t cap, size_t *out_len)
{
    envelope_secret_t sec = {test_secret, sizeof(test_secret) - 1};
    uint8_t nonce[16] = {1, 2, 3}, *sealed, *buf;
    size_t sealed_len, n;
    envelope_t e = {.kind = kind,
                    .sent_at_ms = clock_wall_ms(),
                    .nonce = nonce,
                    .nonce_len = sizeof(nonce),
                    .payload = payload,
                    .payload_len = len,
                    .sender = "node-1",
                    .incarnation = 7,
                    .seq = seq};
    assert_int_equal(envelope_seal(&sec, &e, &sealed, &sealed_len), ENVELOPE_OK);
    assert_int_equal(nng_send(req, sealed, sealed_len, 0), 0);
    free(sealed);
    assert_int_equal(nng_recv(req, &buf, &n, NNG_FLAG_ALLOC), 0);
    if (n == 0) {
        nng_free(buf, n);
        return -1;
    }
    envelope_t reply;
    Portico__Envelope *owner = NULL;
    assert_int_equal(envelope_open(&sec, buf, n, &reply, &owner), ENVELOPE_OK);
    assert_int_equal(reply.nonce_len, sizeof(nonce));
    assert_memory_equal(reply.nonce, nonce, sizeof(nonce));
    *out_len = reply.payload_len;
    memcpy(out, reply.payload, reply.payload_len < cap ? reply.payload_len : cap);
    int got = (int)reply.kind;
    envelope_free(owner);
    nng_free(buf, n);
    return got;
}

static size_t pack_fetch(const uint8_t sha[32], uint8_t *buf)
{
    Portico__CodeFetch cf = PORTICO__CODE_FETCH__INIT;
    cf.node_id = "node-1";
    cf.code_sha256.data = (uint8_t *)sha;
    cf.code_sha256.len = 32;
    return portico__code_fetch__pack(&cf, buf);
}

static void test_code_fetch_socket(void **state)
{
    testdb_t *f = *state;
    static const char zip[] = "PK\x03\x04 a zip that crosses the cluster channel";
    uint8_t sha[32], other[32], payload[128];
    char got[256], url[64], rep_url[64], pull_url[64];
    size_t got_len = 0;
    SHA256((const uint8_t *)zip, sizeof(zip) - 1, sha);
    SHA256((const uint8_t *)"nothing", 7, other);
    assert_int_equal(store_code_put(f->s, sha, zip, sizeof(zip) - 1), STORE_OK);
    cluster_t *cl = NULL;
    char err[256];
    for (int attempt = 0; cl == NULL && attempt < 20; attempt++) {
        snprintf(url, sizeof(url), "tcp://127.0.0.1:%d",
                 20000 + (getpid() * 7 + attempt * 97) % 40000);
        cluster_config_t cc = {.url = url,
                               .secret = {test_secret, sizeof(test_secret) - 1},
                               .store_id = "unit",
                               .code_fetch = codefetch_from_store,
                               .code_ctx = f->s};
        if (cluster_start(&cc, &cl, err, sizeof(err)) != 0)
            cl = NULL;
    }
    assert_non_null(cl);
    assert_int_equal(cluster_urls(url, rep_url, pull_url, sizeof(rep_url)), 0);
    nng_socket req;
    assert_int_equal(nng_req0_open(&req), 0);
    nng_socket_set_ms(req, NNG_OPT_RECVTIMEO, 10000);
    assert_int_equal(nng_dial(req, rep_url, NULL, 0), 0);

    size_t n = pack_fetch(sha, payload);
    assert_int_equal(rep_exchange(req, PORTICO__MESSAGE_KIND__KIND_CODE_FETCH, payload, n, 1, got,
                                  sizeof(got), &got_len),
                     PORTICO__MESSAGE_KIND__KIND_CODE);
    assert_int_equal(got_len, sizeof(zip) - 1);
    assert_memory_equal(got, zip, got_len);

    n = pack_fetch(other, payload);
    assert_int_equal(rep_exchange(req, PORTICO__MESSAGE_KIND__KIND_CODE_FETCH, payload, n, 2, got,
                                  sizeof(got), &got_len),
                     PORTICO__MESSAGE_KIND__KIND_ERROR);
    assert_int_equal(got_len, strlen("unknown code"));
    assert_memory_equal(got, "unknown code", got_len);

    /* a replayed sequence number is refused (an empty reply) */
    n = pack_fetch(sha, payload);
    assert_int_equal(rep_exchange(req, PORTICO__MESSAGE_KIND__KIND_CODE_FETCH, payload, n, 2, got,
                                  sizeof(got), &got_len),
                     -1);
    /* snapshot fetches still go their way: none is published yet */
    assert_int_equal(rep_exchange(req, PORTICO__MESSAGE_KIND__KIND_FETCH, NULL, 0, 3, got,
                                  sizeof(got), &got_len),
                     PORTICO__MESSAGE_KIND__KIND_ERROR);
    nng_close(req);
    cluster_stop(cl);
}

/* ---- the snapshot ---------------------------------------------------------- */

/* One FunctionVersion per $LATEST and published version, with the code's hash
 * and size but never its bytes, and one FunctionAlias per alias. */
static void test_snapshot(void **state)
{
    testdb_t *f = *state;
    uint8_t sha[32], *buf = NULL;
    size_t len = 0;
    uint64_t version = 0;
    static const char zip[] = "the zip's bytes, which never travel in a snapshot";
    json_t *tags = json_object();
    json_t *latest = json_pack(
        "{s:s,s:s,s:s,s:s,s:s,s:i,s:i,s:I,s:s,s:{s:{s:s}}}", "FunctionName", "f", "Version",
        "$LATEST", "FunctionArn", "arn:aws:lambda:eu-west-1:000000000000:function:f", "Runtime",
        "provided.al2023", "Handler", "h", "Timeout", 9, "MemorySize", 256, "CodeSize",
        (json_int_t)(sizeof(zip) - 1), "RevisionId", "r1", "Environment", "Variables", "K", "v");
    json_t *v1 = json_deep_copy(latest), *remote = json_deep_copy(latest);
    json_object_set_new(v1, "Version", json_string("1"));
    json_object_set_new(v1, "FunctionArn",
                        json_string("arn:aws:lambda:eu-west-1:000000000000:function:f:1"));
    json_object_set_new(remote, "FunctionName", json_string("r"));
    json_object_set_new(remote, STORE_FN_DOC_REMOTE, json_string("http://127.0.0.1:9001"));
    SHA256((const uint8_t *)zip, sizeof(zip) - 1, sha);
    json_t *alias = json_pack("{s:s}", "Name", "live");
    assert_int_equal(store_code_put(f->s, sha, zip, sizeof(zip) - 1), STORE_OK);
    assert_int_equal(store_fn_create(f->s, "f", tags, latest, sha), STORE_OK);
    assert_int_equal(store_fn_version_put(f->s, "f", "1", 1, v1, sha), STORE_OK);
    assert_int_equal(store_fn_alias_put(f->s, "f", "live", "1", alias, 1), STORE_OK);
    assert_int_equal(store_fn_set_reserved(f->s, "f", 4), STORE_OK);
    assert_int_equal(store_fn_create(f->s, "r", tags, remote, NULL), STORE_OK);
    assert_int_equal(compiler_build_snapshot(f->s, &buf, &len, &version), STORE_OK);
    assert_null(memmem(buf, len, zip, sizeof(zip) - 1));
    Portico__Snapshot *snap = portico__snapshot__unpack(NULL, len, buf);
    assert_non_null(snap);
    assert_int_equal(snap->n_functions, 3);
    Portico__FunctionVersion *fl = snap->functions[0], *f1 = snap->functions[1];
    Portico__FunctionVersion *r = snap->functions[2];
    assert_string_equal(fl->version, "$LATEST");
    assert_string_equal(f1->version, "1");
    assert_string_equal(f1->arn, "arn:aws:lambda:eu-west-1:000000000000:function:f");
    assert_string_equal(f1->runtime, "provided.al2023");
    assert_int_equal(f1->timeout_s, 9);
    assert_int_equal(f1->memory_mb, 256);
    assert_int_equal(f1->code_size, sizeof(zip) - 1);
    assert_int_equal(f1->code_sha256.len, 32);
    assert_memory_equal(f1->code_sha256.data, sha, 32);
    assert_int_equal(f1->reserved_concurrency, 4);
    assert_int_equal(f1->n_environment, 1);
    assert_string_equal(f1->environment[0]->key, "K");
    assert_string_equal(f1->remote_endpoint, "");
    assert_string_equal(r->name, "r");
    assert_int_equal(r->code_sha256.len, 0);
    assert_int_equal(r->reserved_concurrency, -1);
    assert_string_equal(r->remote_endpoint, "http://127.0.0.1:9001");
    assert_int_equal(snap->n_function_aliases, 1);
    assert_string_equal(snap->function_aliases[0]->function_name, "f");
    assert_string_equal(snap->function_aliases[0]->name, "live");
    assert_string_equal(snap->function_aliases[0]->function_version, "1");
    portico__snapshot__free_unpacked(snap, NULL);
    free(buf);
    json_decref(tags);
    json_decref(latest);
    json_decref(v1);
    json_decref(remote);
    json_decref(alias);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scripts),
        cmocka_unit_test_setup_teardown(test_published_versions_are_immutable, testdb_setup,
                                        testdb_teardown),
        cmocka_unit_test_setup_teardown(test_code_fetch, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(test_snapshot, testdb_setup, testdb_teardown),
        cmocka_unit_test_setup_teardown(test_code_fetch_socket, testdb_setup, testdb_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
