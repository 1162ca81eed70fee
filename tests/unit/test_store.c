/* Unit tests for controlplane/store*.h: migrations, API documents, deployments, stages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_api.h"
#include "store_deploy.h"
#include "store_schema.h"
#include "testdb.h"

/* ---- fixture: a fresh database in its own directory ---------------------- */

typedef testdb_t fixture_t;

#define setup testdb_setup
#define teardown testdb_teardown

static void reopen(fixture_t *f)
{
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(store_open(f->path, &f->s), STORE_OK);
}

/* ---- helpers ------------------------------------------------------------ */

static json_t *doc_of(const char *json)
{
    json_error_t err;
    json_t *doc = json_loads(json, 0, &err);
    if (doc == NULL)
        fail_msg("bad JSON in the test: %s", err.text);
    return doc;
}

static void expect_json(json_t *got, const char *want_json)
{
    json_t *want = doc_of(want_json);
    int equal = json_equal(got, want);
    json_decref(want);
    if (!equal) {
        char *text = json_dumps(got, JSON_COMPACT | JSON_SORT_KEYS);
        print_error("got %s\n", text != NULL ? text : "(null)");
        free(text);
        fail_msg("want %s", want_json);
    }
}

static void insert_api(fixture_t *f, const char *id)
{
    char json[128];
    snprintf(json, sizeof(json), "{\"id\": \"%s\", \"name\": \"API %s\"}", id, id);
    json_t *doc = doc_of(json);
    assert_int_equal(store_restapi_insert(f->s, id, 1000, doc), STORE_OK);
    json_decref(doc);
}

static int insert_resource(fixture_t *f, const char *api, const char *id, const char *parent,
                           const char *part, const char *path)
{
    return store_resource_insert(f->s, api, id, parent, part, path);
}

/* api1 with / (r0), /pets (r1) and /pets/{id} (r2). */
static void insert_tree(fixture_t *f)
{
    insert_api(f, "api1");
    assert_int_equal(insert_resource(f, "api1", "r0", NULL, "", "/"), STORE_OK);
    assert_int_equal(insert_resource(f, "api1", "r1", "r0", "pets", "/pets"), STORE_OK);
    assert_int_equal(insert_resource(f, "api1", "r2", "r1", "{id}", "/pets/{id}"), STORE_OK);
}

static int put_doc(fixture_t *f, enum store_doc_kind kind, const char *const *keys,
                   const char *json)
{
    json_t *doc = doc_of(json);
    int rc = store_doc_put(f->s, kind, keys, doc);
    json_decref(doc);
    return rc;
}

static void expect_doc(fixture_t *f, enum store_doc_kind kind, const char *const *keys,
                       const char *want_json)
{
    json_t *doc = NULL;
    assert_int_equal(store_doc_get(f->s, kind, keys, &doc), STORE_OK);
    expect_json(doc, want_json);
    json_decref(doc);
}

static void expect_no_doc(fixture_t *f, enum store_doc_kind kind, const char *const *keys)
{
    json_t *doc = NULL;
    assert_int_equal(store_doc_get(f->s, kind, keys, &doc), STORE_ENOTFOUND);
    assert_null(doc);
}

/* GET on r2 with its 200 method response, a MOCK integration and its 200 response. */
static const char *const K_METHOD[] = {"api1", "r2", "GET"};
static const char *const K_METHOD_RESPONSE[] = {"api1", "r2", "GET", "200"};
static const char *const K_INTEGRATION[] = {"api1", "r2", "GET"};
static const char *const K_INTEGRATION_RESPONSE[] = {"api1", "r2", "GET", "200"};

static void insert_method_docs(fixture_t *f)
{
    assert_int_equal(put_doc(f, STORE_DOC_METHOD, K_METHOD, "{\"httpMethod\": \"GET\"}"), STORE_OK);
    assert_int_equal(
        put_doc(f, STORE_DOC_METHOD_RESPONSE, K_METHOD_RESPONSE, "{\"statusCode\": \"200\"}"),
        STORE_OK);
    assert_int_equal(put_doc(f, STORE_DOC_INTEGRATION, K_INTEGRATION, "{\"type\": \"MOCK\"}"),
                     STORE_OK);
    assert_int_equal(put_doc(f, STORE_DOC_INTEGRATION_RESPONSE, K_INTEGRATION_RESPONSE,
                             "{\"statusCode\": \"200\"}"),
                     STORE_OK);
}

static int insert_deployment(fixture_t *f, const char *api, const char *id)
{
    static const uint8_t definition[] = {0x0a, 0x04, 'a', 'p', 'i', '1'};
    static const uint8_t sha[32] = {1, 2, 3};
    json_t *summary = doc_of("{\"/pets\": {\"GET\": {\"apiKeyRequired\": false}}}");
    store_deployment_t d = {
        .api_id = api,
        .id = id,
        .created_at = 2000,
        .description = "first",
        .definition = definition,
        .definition_len = sizeof(definition),
        .sha256 = sha,
        .summary = summary,
    };
    int rc = store_deployment_insert(f->s, &d);
    json_decref(summary);
    return rc;
}

static int insert_stage(fixture_t *f, const char *name, const char *json)
{
    json_t *doc = doc_of(json);
    int rc = store_stage_insert(f->s, "api1", name, 3000, doc);
    json_decref(doc);
    return rc;
}

static int deployment_users(fixture_t *f, const char *id)
{
    int count = -1;
    assert_int_equal(store_deployment_users(f->s, "api1", id, &count), STORE_OK);
    return count;
}

static uint64_t version_of(fixture_t *f)
{
    uint64_t v = 0;
    assert_int_equal(store_version(f->s, &v), STORE_OK);
    return v;
}

static int user_version(fixture_t *f)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(store_db(f->s), "PRAGMA user_version", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Checks a JSON array of objects by their `field` values, e.g. "a1,a2". */
static void expect_ids(json_t *items, const char *field, const char *want)
{
    char got[512] = "";
    size_t i;
    json_t *item;
    json_array_foreach(items, i, item)
    {
        if (i > 0)
            strcat(got, ",");
        strncat(got, json_string_value(json_object_get(item, field)), 64);
    }
    if (strcmp(got, want) != 0)
        fail_msg("ids \"%s\", want \"%s\"", got, want);
}

/* ---- the database itself ------------------------------------------------ */

static void fresh_database_is_migrated(void **state)
{
    fixture_t *f = *state;
    assert_true(store_schema_count() >= 1);
    assert_int_equal(user_version(f), (int)store_schema_count());
    assert_int_equal(version_of(f), 0);
    assert_null(store_schema_migration(store_schema_count()));
}

static void reopen_keeps_schema_version(void **state)
{
    fixture_t *f = *state;
    reopen(f);
    assert_int_equal(user_version(f), (int)store_schema_count());
}

static void newer_schema_is_refused(void **state)
{
    fixture_t *f = *state;
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %zu", store_schema_count() + 1);
    assert_int_equal(sqlite3_exec(store_db(f->s), sql, NULL, NULL, NULL), SQLITE_OK);
    store_close(f->s);
    f->s = NULL;
    store_t *s = NULL;
    assert_int_equal(store_open(f->path, &s), STORE_EIO);
    assert_null(s);
    /* leave a usable store for the teardown */
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %zu", store_schema_count());
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(store_open(f->path, &f->s), STORE_OK);
}

static void store_id_is_stable(void **state)
{
    fixture_t *f = *state;
    char id[64];
    snprintf(id, sizeof(id), "%s", store_id(f->s));
    assert_int_equal(strlen(id), 32);
    assert_int_equal(strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789"), 32);
    reopen(f);
    assert_string_equal(store_id(f->s), id);
}

static void distinct_stores_have_distinct_ids(void **state)
{
    fixture_t *f = *state;
    char path[288];
    store_t *other = NULL;
    snprintf(path, sizeof(path), "%s/other.db", f->dir);
    assert_int_equal(store_open(path, &other), STORE_OK);
    assert_string_not_equal(store_id(other), store_id(f->s));
    store_close(other);
    testdb_remove(path);
}

static void version_bump_commits(void **state)
{
    fixture_t *f = *state;
    uint64_t v = 0;
    assert_int_equal(store_begin(f->s), STORE_OK);
    assert_int_equal(store_bump_version(f->s, &v), STORE_OK);
    assert_int_equal(v, 1);
    assert_int_equal(store_commit(f->s), STORE_OK);
    assert_int_equal(version_of(f), 1);
    assert_int_equal(store_begin(f->s), STORE_OK);
    assert_int_equal(store_bump_version(f->s, NULL), STORE_OK);
    assert_int_equal(store_commit(f->s), STORE_OK);
    assert_int_equal(version_of(f), 2);
}

static void rollback_undoes_bump_and_writes(void **state)
{
    fixture_t *f = *state;
    uint64_t v = 0;
    json_t *doc = NULL;
    assert_int_equal(store_begin(f->s), STORE_OK);
    insert_api(f, "api1");
    assert_int_equal(store_bump_version(f->s, &v), STORE_OK);
    assert_int_equal(v, 1);
    store_rollback(f->s);
    assert_int_equal(version_of(f), 0);
    assert_int_equal(store_restapi_get(f->s, "api1", &doc), STORE_ENOTFOUND);
    /* rollback outside a transaction is harmless */
    store_rollback(f->s);
}

static void read_transaction(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(store_begin_read(f->s), STORE_OK);
    assert_int_equal(version_of(f), 0);
    assert_int_equal(store_commit(f->s), STORE_OK);
}

static void strerror_names_every_code(void **state)
{
    static const int codes[] = {STORE_OK, STORE_ENOTFOUND, STORE_ECONFLICT, STORE_EIO,
                                STORE_EINVAL};
    const char *unknown = store_strerror(-99);
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        assert_string_not_equal(store_strerror(codes[i]), unknown);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(store_strerror(codes[i]), store_strerror(codes[k]));
    }
    assert_string_equal(store_strerror(3), unknown);
}

/* ---- restapis ----------------------------------------------------------- */

static void restapi_insert_get(void **state)
{
    fixture_t *f = *state;
    json_t *doc = NULL;
    insert_api(f, "api1");
    assert_int_equal(store_restapi_get(f->s, "api1", &doc), STORE_OK);
    expect_json(doc, "{\"id\": \"api1\", \"name\": \"API api1\"}");
    json_decref(doc);
    doc = NULL;
    assert_int_equal(store_restapi_get(f->s, "nope", &doc), STORE_ENOTFOUND);
    assert_null(doc);
}

static void restapi_duplicate_conflicts(void **state)
{
    fixture_t *f = *state;
    insert_api(f, "api1");
    json_t *doc = doc_of("{}");
    assert_int_equal(store_restapi_insert(f->s, "api1", 1, doc), STORE_ECONFLICT);
    json_decref(doc);
}

static void restapi_update_delete(void **state)
{
    fixture_t *f = *state;
    json_t *doc = doc_of("{\"id\": \"api1\", \"name\": \"renamed\"}"), *got = NULL;
    insert_api(f, "api1");
    assert_int_equal(store_restapi_update(f->s, "api1", doc), STORE_OK);
    assert_int_equal(store_restapi_update(f->s, "nope", doc), STORE_ENOTFOUND);
    json_decref(doc);
    assert_int_equal(store_restapi_get(f->s, "api1", &got), STORE_OK);
    expect_json(got, "{\"id\": \"api1\", \"name\": \"renamed\"}");
    json_decref(got);
    assert_int_equal(store_restapi_delete(f->s, "api1"), STORE_OK);
    assert_int_equal(store_restapi_delete(f->s, "api1"), STORE_ENOTFOUND);
}

static void restapi_list_pages(void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *after;
        int limit;
        const char *ids;
        int more;
    } pages[] = {
        {NULL, 2, "a1,a2", 1},          {"a2", 2, "a3,a4", 1}, {"a4", 2, "a5", 0},
        {NULL, 5, "a1,a2,a3,a4,a5", 0}, {"a5", 2, "", 0},      {"a0", 1, "a1", 1},
    };
    /* inserted out of order: listing is by id */
    static const char *const ids[] = {"a3", "a1", "a5", "a2", "a4"};
    for (size_t i = 0; i < 5; i++)
        insert_api(f, ids[i]);
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        json_t *items = NULL;
        int more = -1;
        assert_int_equal(store_restapi_list(f->s, pages[i].after, pages[i].limit, &items, &more),
                         STORE_OK);
        expect_ids(items, "id", pages[i].ids);
        json_decref(items);
        if (more != pages[i].more)
            fail_msg("page after %s: more = %d, want %d", pages[i].after, more, pages[i].more);
    }
}

/* ---- resources ---------------------------------------------------------- */

static void resource_get_shapes(void **state)
{
    fixture_t *f = *state;
    json_t *res = NULL;
    insert_tree(f);
    assert_int_equal(store_resource_get(f->s, "api1", "r0", &res), STORE_OK);
    expect_json(res, "{\"id\": \"r0\", \"path\": \"/\"}");
    json_decref(res);
    assert_int_equal(store_resource_get(f->s, "api1", "r2", &res), STORE_OK);
    expect_json(res, "{\"id\": \"r2\", \"parentId\": \"r1\", \"pathPart\": \"{id}\", \"path\": "
                     "\"/pets/{id}\"}");
    json_decref(res);
    res = NULL;
    assert_int_equal(store_resource_get(f->s, "api1", "r9", &res), STORE_ENOTFOUND);
    assert_int_equal(store_resource_get(f->s, "api2", "r0", &res), STORE_ENOTFOUND);
    assert_null(res);
}

static void resource_sibling_unique(void **state)
{
    fixture_t *f = *state;
    insert_tree(f);
    assert_int_equal(insert_resource(f, "api1", "r3", "r0", "pets", "/pets"), STORE_ECONFLICT);
    /* the same part under another parent is fine */
    assert_int_equal(insert_resource(f, "api1", "r3", "r2", "pets", "/pets/{id}/pets"), STORE_OK);
}

static void resource_refusals(void **state)
{
    fixture_t *f = *state;
    insert_tree(f);
    /* duplicate id, missing parent, missing API */
    assert_int_equal(insert_resource(f, "api1", "r1", "r0", "toys", "/toys"), STORE_ECONFLICT);
    assert_int_equal(insert_resource(f, "api1", "r5", "r-none", "x", "/x"), STORE_ECONFLICT);
    assert_int_equal(insert_resource(f, "api-none", "r0", NULL, "", "/"), STORE_ECONFLICT);
}

static void resource_children_and_list(void **state)
{
    fixture_t *f = *state;
    json_t *items = NULL;
    int more = -1;
    insert_tree(f);
    assert_int_equal(insert_resource(f, "api1", "r3", "r0", "owners", "/owners"), STORE_OK);
    assert_int_equal(store_resource_children(f->s, "api1", "r0", &items), STORE_OK);
    expect_ids(items, "id", "r3,r1"); /* by path: /owners, /pets */
    json_decref(items);
    assert_int_equal(store_resource_children(f->s, "api1", "r2", &items), STORE_OK);
    expect_ids(items, "id", "");
    json_decref(items);
    assert_int_equal(store_resource_list(f->s, "api1", NULL, 2, &items, &more), STORE_OK);
    expect_ids(items, "path", "/,/owners");
    assert_int_equal(more, 1);
    json_decref(items);
    assert_int_equal(store_resource_list(f->s, "api1", "/owners", 5, &items, &more), STORE_OK);
    expect_ids(items, "path", "/pets,/pets/{id}");
    assert_int_equal(more, 0);
    json_decref(items);
}

static void resource_delete_cascades(void **state)
{
    fixture_t *f = *state;
    json_t *items = NULL;
    insert_tree(f);
    insert_method_docs(f);
    /* deleting /pets takes /pets/{id} and every document under it */
    assert_int_equal(store_resource_delete(f->s, "api1", "r1"), STORE_OK);
    assert_int_equal(store_resource_get(f->s, "api1", "r2", &items), STORE_ENOTFOUND);
    expect_no_doc(f, STORE_DOC_METHOD, K_METHOD);
    expect_no_doc(f, STORE_DOC_METHOD_RESPONSE, K_METHOD_RESPONSE);
    expect_no_doc(f, STORE_DOC_INTEGRATION, K_INTEGRATION);
    expect_no_doc(f, STORE_DOC_INTEGRATION_RESPONSE, K_INTEGRATION_RESPONSE);
    assert_int_equal(store_resource_children(f->s, "api1", "r0", &items), STORE_OK);
    expect_ids(items, "id", "");
    json_decref(items);
    assert_int_equal(store_resource_delete(f->s, "api1", "r1"), STORE_ENOTFOUND);
}

static void restapi_delete_cascades(void **state)
{
    fixture_t *f = *state;
    json_t *items = NULL;
    int more;
    insert_tree(f);
    insert_method_docs(f);
    assert_int_equal(insert_deployment(f, "api1", "d1"), STORE_OK);
    assert_int_equal(insert_stage(f, "prod", "{\"deploymentId\": \"d1\"}"), STORE_OK);
    assert_int_equal(store_restapi_delete(f->s, "api1"), STORE_OK);
    assert_int_equal(store_resource_list(f->s, "api1", NULL, 10, &items, &more), STORE_OK);
    expect_ids(items, "id", "");
    json_decref(items);
    expect_no_doc(f, STORE_DOC_INTEGRATION_RESPONSE, K_INTEGRATION_RESPONSE);
    assert_int_equal(store_deployment_get(f->s, "api1", "d1", &items), STORE_ENOTFOUND);
    assert_int_equal(store_stage_get(f->s, "api1", "prod", &items), STORE_ENOTFOUND);
}

/* ---- document tables ---------------------------------------------------- */

static void doc_put_get_each_kind(void **state)
{
    fixture_t *f = *state;
    insert_tree(f);
    insert_method_docs(f);
    expect_doc(f, STORE_DOC_METHOD, K_METHOD, "{\"httpMethod\": \"GET\"}");
    expect_doc(f, STORE_DOC_METHOD_RESPONSE, K_METHOD_RESPONSE, "{\"statusCode\": \"200\"}");
    expect_doc(f, STORE_DOC_INTEGRATION, K_INTEGRATION, "{\"type\": \"MOCK\"}");
    expect_doc(f, STORE_DOC_INTEGRATION_RESPONSE, K_INTEGRATION_RESPONSE,
               "{\"statusCode\": \"200\"}");
}

static void doc_put_replaces(void **state)
{
    fixture_t *f = *state;
    insert_tree(f);
    insert_method_docs(f);
    assert_int_equal(put_doc(f, STORE_DOC_INTEGRATION, K_INTEGRATION, "{\"type\": \"HTTP\"}"),
                     STORE_OK);
    expect_doc(f, STORE_DOC_INTEGRATION, K_INTEGRATION, "{\"type\": \"HTTP\"}");
    /* replacing a parent keeps its children */
    assert_int_equal(put_doc(f, STORE_DOC_METHOD, K_METHOD, "{\"httpMethod\": \"GET\", \"x\": 1}"),
                     STORE_OK);
    expect_doc(f, STORE_DOC_INTEGRATION_RESPONSE, K_INTEGRATION_RESPONSE,
               "{\"statusCode\": \"200\"}");
}

static void doc_put_without_parent_conflicts(void **state)
{
    fixture_t *f = *state;
    static const char *const no_resource[] = {"api1", "r9", "GET"};
    static const char *const no_method[] = {"api1", "r2", "POST", "200"};
    static const char *const no_integration[] = {"api1", "r2", "GET", "500"};
    insert_tree(f);
    assert_int_equal(put_doc(f, STORE_DOC_METHOD, no_resource, "{}"), STORE_ECONFLICT);
    assert_int_equal(put_doc(f, STORE_DOC_INTEGRATION, K_INTEGRATION, "{}"), STORE_ECONFLICT);
    assert_int_equal(put_doc(f, STORE_DOC_METHOD_RESPONSE, no_method, "{}"), STORE_ECONFLICT);
    assert_int_equal(put_doc(f, STORE_DOC_METHOD, K_METHOD, "{}"), STORE_OK);
    assert_int_equal(put_doc(f, STORE_DOC_INTEGRATION_RESPONSE, no_integration, "{}"),
                     STORE_ECONFLICT);
}

static void doc_get_missing(void **state)
{
    fixture_t *f = *state;
    insert_tree(f);
    expect_no_doc(f, STORE_DOC_METHOD, K_METHOD);
    expect_no_doc(f, STORE_DOC_METHOD_RESPONSE, K_METHOD_RESPONSE);
    expect_no_doc(f, STORE_DOC_INTEGRATION, K_INTEGRATION);
    expect_no_doc(f, STORE_DOC_INTEGRATION_RESPONSE, K_INTEGRATION_RESPONSE);
}

static void doc_delete(void **state)
{
    fixture_t *f = *state;
    insert_tree(f);
    insert_method_docs(f);
    assert_int_equal(store_doc_delete(f->s, STORE_DOC_INTEGRATION_RESPONSE, K_INTEGRATION_RESPONSE),
                     STORE_OK);
    expect_no_doc(f, STORE_DOC_INTEGRATION_RESPONSE, K_INTEGRATION_RESPONSE);
    assert_int_equal(store_doc_delete(f->s, STORE_DOC_INTEGRATION_RESPONSE, K_INTEGRATION_RESPONSE),
                     STORE_ENOTFOUND);
    /* deleting a method takes its responses and integration */
    assert_int_equal(store_doc_delete(f->s, STORE_DOC_METHOD, K_METHOD), STORE_OK);
    expect_no_doc(f, STORE_DOC_METHOD_RESPONSE, K_METHOD_RESPONSE);
    expect_no_doc(f, STORE_DOC_INTEGRATION, K_INTEGRATION);
    assert_int_equal(store_doc_delete(f->s, STORE_DOC_METHOD, K_METHOD), STORE_ENOTFOUND);
}

static void doc_children(void **state)
{
    fixture_t *f = *state;
    static const char *const k_post[] = {"api1", "r2", "POST"};
    static const char *const k_404[] = {"api1", "r2", "GET", "404"};
    json_t *obj = NULL;
    insert_tree(f);
    insert_method_docs(f);
    assert_int_equal(put_doc(f, STORE_DOC_METHOD, k_post, "{\"httpMethod\": \"POST\"}"), STORE_OK);
    assert_int_equal(put_doc(f, STORE_DOC_METHOD_RESPONSE, k_404, "{\"statusCode\": \"404\"}"),
                     STORE_OK);
    assert_int_equal(store_doc_children(f->s, STORE_DOC_METHOD, K_METHOD, &obj), STORE_OK);
    expect_json(obj, "{\"GET\": {\"httpMethod\": \"GET\"}, \"POST\": {\"httpMethod\": \"POST\"}}");
    json_decref(obj);
    assert_int_equal(store_doc_children(f->s, STORE_DOC_METHOD_RESPONSE, K_METHOD, &obj), STORE_OK);
    expect_json(obj, "{\"200\": {\"statusCode\": \"200\"}, \"404\": {\"statusCode\": \"404\"}}");
    json_decref(obj);
    assert_int_equal(store_doc_children(f->s, STORE_DOC_INTEGRATION_RESPONSE, k_post, &obj),
                     STORE_OK);
    expect_json(obj, "{}");
    json_decref(obj);
}

struct visit_log {
    char keys[256];
    int stop_after;
    int calls;
};

static int visit_record(void *ctx, const char *const *keys, json_t *doc)
{
    struct visit_log *log = ctx;
    char row[64];
    snprintf(row, sizeof(row), "%s%s/%s/%s", log->calls > 0 ? "," : "", keys[0], keys[1], keys[2]);
    strcat(log->keys, row);
    log->calls++;
    return log->calls == log->stop_after ? 7 : 0;
}

static void doc_visit_api(void **state)
{
    fixture_t *f = *state;
    static const char *const k_r1[] = {"api1", "r1", "POST", "201"};
    static const char *const k_r1_method[] = {"api1", "r1", "POST"};
    insert_tree(f);
    insert_method_docs(f);
    assert_int_equal(put_doc(f, STORE_DOC_METHOD, k_r1_method, "{}"), STORE_OK);
    assert_int_equal(put_doc(f, STORE_DOC_METHOD_RESPONSE, k_r1, "{}"), STORE_OK);
    struct visit_log log = {.stop_after = -1};
    assert_int_equal(
        store_doc_visit_api(f->s, STORE_DOC_METHOD_RESPONSE, "api1", visit_record, &log), STORE_OK);
    assert_string_equal(log.keys, "r1/POST/201,r2/GET/200");
    /* a callback's non-zero result stops the walk and is returned */
    struct visit_log stop = {.stop_after = 1};
    assert_int_equal(
        store_doc_visit_api(f->s, STORE_DOC_METHOD_RESPONSE, "api1", visit_record, &stop), 7);
    assert_int_equal(stop.calls, 1);
}

/* ---- deployments and stages --------------------------------------------- */

static void deployment_insert_get(void **state)
{
    fixture_t *f = *state;
    json_t *d = NULL;
    uint8_t *def = NULL;
    size_t len = 0;
    insert_api(f, "api1");
    assert_int_equal(insert_deployment(f, "api1", "d1"), STORE_OK);
    assert_int_equal(insert_deployment(f, "api1", "d1"), STORE_ECONFLICT);
    assert_int_equal(insert_deployment(f, "api-none", "d1"), STORE_ECONFLICT);
    assert_int_equal(store_deployment_get(f->s, "api1", "d1", &d), STORE_OK);
    expect_json(d, "{\"id\": \"d1\", \"description\": \"first\", \"createdDate\": 2000, "
                   "\"apiSummary\": {\"/pets\": {\"GET\": {\"apiKeyRequired\": false}}}}");
    json_decref(d);
    assert_int_equal(store_deployment_get(f->s, "api1", "d9", &d), STORE_ENOTFOUND);
    assert_int_equal(store_deployment_definition(f->s, "api1", "d1", &def, &len), STORE_OK);
    assert_int_equal(len, 6);
    assert_memory_equal(def,
                        "\x0a\x04"
                        "api1",
                        6);
    free(def);
    assert_int_equal(store_deployment_definition(f->s, "api1", "d9", &def, &len), STORE_ENOTFOUND);
}

static void deployment_list_pages(void **state)
{
    fixture_t *f = *state;
    json_t *items = NULL;
    int more = -1;
    insert_api(f, "api1");
    assert_int_equal(insert_deployment(f, "api1", "d2"), STORE_OK);
    assert_int_equal(insert_deployment(f, "api1", "d1"), STORE_OK);
    assert_int_equal(insert_deployment(f, "api1", "d3"), STORE_OK);
    assert_int_equal(store_deployment_list(f->s, "api1", NULL, 2, &items, &more), STORE_OK);
    expect_ids(items, "id", "d1,d2");
    assert_int_equal(more, 1);
    json_decref(items);
    assert_int_equal(store_deployment_list(f->s, "api1", "d2", 2, &items, &more), STORE_OK);
    expect_ids(items, "id", "d3");
    assert_int_equal(more, 0);
    json_decref(items);
}

static void deployment_users_counted(void **state)
{
    fixture_t *f = *state;
    insert_api(f, "api1");
    assert_int_equal(insert_deployment(f, "api1", "d1"), STORE_OK);
    assert_int_equal(insert_deployment(f, "api1", "d2"), STORE_OK);
    assert_int_equal(deployment_users(f, "d1"), 0);
    assert_int_equal(insert_stage(f, "prod", "{\"deploymentId\": \"d1\"}"), STORE_OK);
    assert_int_equal(deployment_users(f, "d1"), 1);
    assert_int_equal(
        insert_stage(f, "beta",
                     "{\"deploymentId\": \"d2\", \"canarySettings\": {\"deploymentId\": \"d1\"}}"),
        STORE_OK);
    assert_int_equal(deployment_users(f, "d1"), 2);
    assert_int_equal(deployment_users(f, "d2"), 1);
    assert_int_equal(deployment_users(f, "d9"), 0);
    /* a deployment in use cannot go */
    assert_int_equal(store_deployment_delete(f->s, "api1", "d1"), STORE_ECONFLICT);
    assert_int_equal(store_stage_delete(f->s, "api1", "prod"), STORE_OK);
    assert_int_equal(store_stage_delete(f->s, "api1", "beta"), STORE_OK);
    assert_int_equal(deployment_users(f, "d1"), 0);
    assert_int_equal(store_deployment_delete(f->s, "api1", "d1"), STORE_OK);
    assert_int_equal(store_deployment_delete(f->s, "api1", "d1"), STORE_ENOTFOUND);
}

static void stage_on_missing_deployment_conflicts(void **state)
{
    fixture_t *f = *state;
    json_t *doc = NULL;
    insert_api(f, "api1");
    assert_int_equal(insert_deployment(f, "api1", "d1"), STORE_OK);
    assert_int_equal(insert_stage(f, "prod", "{\"deploymentId\": \"d9\"}"), STORE_ECONFLICT);
    assert_int_equal(
        insert_stage(f, "prod",
                     "{\"deploymentId\": \"d1\", \"canarySettings\": {\"deploymentId\": \"d9\"}}"),
        STORE_ECONFLICT);
    assert_int_equal(insert_stage(f, "prod", "{}"), STORE_ECONFLICT);
    assert_int_equal(store_stage_get(f->s, "api1", "prod", &doc), STORE_ENOTFOUND);
    /* and an update cannot point it elsewhere either */
    assert_int_equal(insert_stage(f, "prod", "{\"deploymentId\": \"d1\"}"), STORE_OK);
    doc = doc_of("{\"deploymentId\": \"d9\"}");
    assert_int_equal(store_stage_update(f->s, "api1", "prod", 4000, doc), STORE_ECONFLICT);
    json_decref(doc);
}

static void stage_get_update_list_delete(void **state)
{
    fixture_t *f = *state;
    json_t *doc = NULL, *items = NULL;
    insert_api(f, "api1");
    assert_int_equal(insert_deployment(f, "api1", "d1"), STORE_OK);
    assert_int_equal(insert_deployment(f, "api1", "d2"), STORE_OK);
    assert_int_equal(insert_stage(f, "prod", "{\"stageName\": \"prod\", \"deploymentId\": \"d1\"}"),
                     STORE_OK);
    assert_int_equal(insert_stage(f, "dev", "{\"stageName\": \"dev\", \"deploymentId\": \"d2\"}"),
                     STORE_OK);
    assert_int_equal(insert_stage(f, "dev", "{\"stageName\": \"dev\", \"deploymentId\": \"d2\"}"),
                     STORE_ECONFLICT);
    assert_int_equal(store_stage_get(f->s, "api1", "prod", &doc), STORE_OK);
    expect_json(doc, "{\"stageName\": \"prod\", \"deploymentId\": \"d1\", \"createdDate\": 3000, "
                     "\"lastUpdatedDate\": 3000}");
    json_decref(doc);

    doc = doc_of("{\"stageName\": \"prod\", \"deploymentId\": \"d2\"}");
    assert_int_equal(store_stage_update(f->s, "api1", "prod", 4000, doc), STORE_OK);
    assert_int_equal(store_stage_update(f->s, "api1", "nope", 4000, doc), STORE_ENOTFOUND);
    json_decref(doc);
    assert_int_equal(store_stage_get(f->s, "api1", "prod", &doc), STORE_OK);
    expect_json(doc, "{\"stageName\": \"prod\", \"deploymentId\": \"d2\", \"createdDate\": 3000, "
                     "\"lastUpdatedDate\": 4000}");
    json_decref(doc);

    assert_int_equal(store_stage_list(f->s, "api1", NULL, &items), STORE_OK);
    expect_ids(items, "stageName", "dev,prod");
    json_decref(items);
    assert_int_equal(store_stage_list(f->s, "api1", "d1", &items), STORE_OK);
    expect_ids(items, "stageName", "");
    json_decref(items);
    assert_int_equal(store_stage_list(f->s, "api1", "d2", &items), STORE_OK);
    expect_ids(items, "stageName", "dev,prod");
    json_decref(items);

    assert_int_equal(store_stage_delete(f->s, "api1", "dev"), STORE_OK);
    assert_int_equal(store_stage_delete(f->s, "api1", "dev"), STORE_ENOTFOUND);
    assert_int_equal(store_stage_get(f->s, "api1", "dev", &doc), STORE_ENOTFOUND);
}

struct stage_log {
    char names[128];
};

static int stage_record(void *ctx, const char *api_id, json_t *doc)
{
    struct stage_log *log = ctx;
    char row[64];
    snprintf(row, sizeof(row), "%s%s/%s", log->names[0] != '\0' ? "," : "", api_id,
             json_string_value(json_object_get(doc, "stageName")));
    strcat(log->names, row);
    return 0;
}

static void stage_visit_all(void **state)
{
    fixture_t *f = *state;
    insert_api(f, "api1");
    assert_int_equal(insert_deployment(f, "api1", "d1"), STORE_OK);
    assert_int_equal(insert_stage(f, "prod", "{\"stageName\": \"prod\", \"deploymentId\": \"d1\"}"),
                     STORE_OK);
    assert_int_equal(insert_stage(f, "dev", "{\"stageName\": \"dev\", \"deploymentId\": \"d1\"}"),
                     STORE_OK);
    struct stage_log log = {""};
    assert_int_equal(store_stage_visit_all(f->s, stage_record, &log), STORE_OK);
    assert_string_equal(log.names, "api1/dev,api1/prod");
}

/* ---- durability --------------------------------------------------------- */

static void data_survives_reopen(void **state)
{
    fixture_t *f = *state;
    json_t *doc = NULL;
    uint64_t v;
    char id[64];
    snprintf(id, sizeof(id), "%s", store_id(f->s));
    assert_int_equal(store_begin(f->s), STORE_OK);
    insert_tree(f);
    insert_method_docs(f);
    assert_int_equal(insert_deployment(f, "api1", "d1"), STORE_OK);
    assert_int_equal(insert_stage(f, "prod", "{\"deploymentId\": \"d1\"}"), STORE_OK);
    assert_int_equal(store_bump_version(f->s, &v), STORE_OK);
    assert_int_equal(store_commit(f->s), STORE_OK);

    reopen(f);
    assert_string_equal(store_id(f->s), id);
    assert_int_equal(version_of(f), 1);
    assert_int_equal(user_version(f), (int)store_schema_count());
    assert_int_equal(store_restapi_get(f->s, "api1", &doc), STORE_OK);
    json_decref(doc);
    assert_int_equal(store_resource_get(f->s, "api1", "r2", &doc), STORE_OK);
    json_decref(doc);
    expect_doc(f, STORE_DOC_INTEGRATION_RESPONSE, K_INTEGRATION_RESPONSE,
               "{\"statusCode\": \"200\"}");
    assert_int_equal(store_deployment_get(f->s, "api1", "d1", &doc), STORE_OK);
    json_decref(doc);
    assert_int_equal(store_stage_get(f->s, "api1", "prod", &doc), STORE_OK);
    json_decref(doc);
    assert_int_equal(deployment_users(f, "d1"), 1);
}

static void uncommitted_data_is_lost_on_close(void **state)
{
    fixture_t *f = *state;
    json_t *doc = NULL;
    assert_int_equal(store_begin(f->s), STORE_OK);
    insert_api(f, "api1");
    assert_int_equal(store_bump_version(f->s, NULL), STORE_OK);
    reopen(f); /* closing with an open transaction rolls it back */
    assert_int_equal(version_of(f), 0);
    assert_int_equal(store_restapi_get(f->s, "api1", &doc), STORE_ENOTFOUND);
}

#define STORE_CASE(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    static const struct CMUnitTest tests[] = {
        STORE_CASE(fresh_database_is_migrated),
        STORE_CASE(reopen_keeps_schema_version),
        STORE_CASE(newer_schema_is_refused),
        STORE_CASE(store_id_is_stable),
        STORE_CASE(distinct_stores_have_distinct_ids),
        STORE_CASE(version_bump_commits),
        STORE_CASE(rollback_undoes_bump_and_writes),
        STORE_CASE(read_transaction),
        cmocka_unit_test(strerror_names_every_code),
        STORE_CASE(restapi_insert_get),
        STORE_CASE(restapi_duplicate_conflicts),
        STORE_CASE(restapi_update_delete),
        STORE_CASE(restapi_list_pages),
        STORE_CASE(resource_get_shapes),
        STORE_CASE(resource_sibling_unique),
        STORE_CASE(resource_refusals),
        STORE_CASE(resource_children_and_list),
        STORE_CASE(resource_delete_cascades),
        STORE_CASE(restapi_delete_cascades),
        STORE_CASE(doc_put_get_each_kind),
        STORE_CASE(doc_put_replaces),
        STORE_CASE(doc_put_without_parent_conflicts),
        STORE_CASE(doc_get_missing),
        STORE_CASE(doc_delete),
        STORE_CASE(doc_children),
        STORE_CASE(doc_visit_api),
        STORE_CASE(deployment_insert_get),
        STORE_CASE(deployment_list_pages),
        STORE_CASE(deployment_users_counted),
        STORE_CASE(stage_on_missing_deployment_conflicts),
        STORE_CASE(stage_get_update_list_delete),
        STORE_CASE(stage_visit_all),
        STORE_CASE(data_survives_reopen),
        STORE_CASE(uncommitted_data_is_lost_on_close),
    };
    return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
