/* store_api: REST API rows and the document tables; SQL lives in the tables
 * below, one row per document kind, so every kind shares one code path. */
#include "store_api.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

/* ---- JSON columns: store.c holds the helpers (store_column_json, ...) ---- */

static void bind_texts(sqlite3_stmt *st, int first, const char *const *vals, int n)
{
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, first + i, vals[i], -1, SQLITE_STATIC);
}

/* ---- restapis ---------------------------------------------------------- */

int store_restapi_insert(store_t *s, const char *id, int64_t created, json_t *doc)
{
    sqlite3_stmt *st =
        store_stmt(s, "INSERT INTO restapis(id, created_at, doc) VALUES (?1, ?2, ?3)");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, created);
    store_bind_json(st, 3, doc);
    return store_step_write(s, st);
}

int store_restapi_update(store_t *s, const char *id, json_t *doc)
{
    sqlite3_stmt *st = store_stmt(s, "UPDATE restapis SET doc = ?2 WHERE id = ?1");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    store_bind_json(st, 2, doc);
    return store_step_write(s, st);
}

int store_restapi_get(store_t *s, const char *id, json_t **doc)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc FROM restapis WHERE id = ?1");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return store_step_doc(s, st, 0, doc);
}

int store_restapi_list(store_t *s, const char *after, int limit, json_t **items, int *more)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc FROM restapis WHERE id > ?1 ORDER BY id");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, after != NULL ? after : "", -1, SQLITE_STATIC);
    return store_collect(s, st, store_row_doc, limit, items, more);
}

int store_restapi_delete(store_t *s, const char *id)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM restapis WHERE id = ?1");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return store_step_write(s, st);
}

/* ---- resources --------------------------------------------------------- */

int store_resource_insert(store_t *s, const char *api_id, const char *id, const char *parent_id,
                          const char *path_part, const char *path)
{
    sqlite3_stmt *st =
        store_stmt(s, "INSERT INTO resources(api_id, id, parent_id, path_part, path) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)");
    if (st == NULL)
        return STORE_EIO;
    const char *vals[] = {api_id, id, parent_id, path_part, path};
    bind_texts(st, 1, vals, 5);
    return store_step_write(s, st);
}

static json_t *resource_row(sqlite3_stmt *st)
{
    json_t *r = json_object();
    json_object_set_new(r, "id", json_string((const char *)sqlite3_column_text(st, 0)));
    if (sqlite3_column_type(st, 1) != SQLITE_NULL) { /* the root has neither */
        json_object_set_new(r, "parentId", json_string((const char *)sqlite3_column_text(st, 1)));
        json_object_set_new(r, "pathPart", json_string((const char *)sqlite3_column_text(st, 2)));
    }
    json_object_set_new(r, "path", json_string((const char *)sqlite3_column_text(st, 3)));
    return r;
}

int store_resource_get(store_t *s, const char *api_id, const char *id, json_t **res)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT id, parent_id, path_part, path FROM resources "
                                     "WHERE api_id = ?1 AND id = ?2");
    if (st == NULL)
        return STORE_EIO;
    const char *vals[] = {api_id, id};
    bind_texts(st, 1, vals, 2);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *res = resource_row(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return STORE_ENOTFOUND;
    return rc == SQLITE_ROW ? STORE_OK : STORE_EIO;
}

int store_resource_list(store_t *s, const char *api_id, const char *after, int limit,
                        json_t **items, int *more)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT id, parent_id, path_part, path FROM resources "
                                     "WHERE api_id = ?1 AND path > ?2 ORDER BY path");
    if (st == NULL)
        return STORE_EIO;
    const char *vals[] = {api_id, after != NULL ? after : ""};
    bind_texts(st, 1, vals, 2);
    return store_collect(s, st, resource_row, limit, items, more);
}

int store_resource_delete(store_t *s, const char *api_id, const char *id)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM resources WHERE api_id = ?1 AND id = ?2");
    if (st == NULL)
        return STORE_EIO;
    const char *vals[] = {api_id, id};
    bind_texts(st, 1, vals, 2);
    return store_step_write(s, st);
}

int store_resource_children(store_t *s, const char *api_id, const char *parent_id, json_t **items)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT id, parent_id, path_part, path FROM resources "
                                     "WHERE api_id = ?1 AND parent_id = ?2 ORDER BY path");
    if (st == NULL)
        return STORE_EIO;
    const char *vals[] = {api_id, parent_id};
    bind_texts(st, 1, vals, 2);
    return store_collect(s, st, resource_row, -1, items, NULL);
}

/* ---- document tables --------------------------------------------------- */

static const struct store_doc_sql {
    int nkeys; /* including api_id */
    const char *put;
    const char *get;
    const char *del;
    const char *children; /* bound with nkeys - 1 keys; selects last key, doc */
    const char *visit;    /* bound with api_id; selects keys after api_id, doc */
} store_doc_sql[] = {
    [STORE_DOC_METHOD] =
        {
            3,
            "INSERT INTO methods(api_id, resource_id, http_method, doc) VALUES (?1, ?2, ?3, ?4) "
            "ON CONFLICT DO UPDATE SET doc = excluded.doc",
            "SELECT doc FROM methods WHERE api_id = ?1 AND resource_id = ?2 AND http_method = ?3",
            "DELETE FROM methods WHERE api_id = ?1 AND resource_id = ?2 AND http_method = ?3",
            "SELECT http_method, doc FROM methods WHERE api_id = ?1 AND resource_id = ?2 "
            "ORDER BY http_method",
            "SELECT resource_id, http_method, doc FROM methods WHERE api_id = ?1 "
            "ORDER BY resource_id, http_method",
        },
    [STORE_DOC_METHOD_RESPONSE] =
        {
            4,
            "INSERT INTO method_responses(api_id, resource_id, http_method, status_code, doc) "
            "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET doc = excluded.doc",
            "SELECT doc FROM method_responses WHERE api_id = ?1 AND resource_id = ?2 "
            "AND http_method = ?3 AND status_code = ?4",
            "DELETE FROM method_responses WHERE api_id = ?1 AND resource_id = ?2 "
            "AND http_method = ?3 AND status_code = ?4",
            "SELECT status_code, doc FROM method_responses WHERE api_id = ?1 AND resource_id = ?2 "
            "AND http_method = ?3 ORDER BY status_code",
            "SELECT resource_id, http_method, status_code, doc FROM method_responses "
            "WHERE api_id = ?1 ORDER BY resource_id, http_method, status_code",
        },
    [STORE_DOC_INTEGRATION] =
        {
            3,
            "INSERT INTO integrations(api_id, resource_id, http_method, doc) VALUES (?1, ?2, ?3, "
            "?4) "
            "ON CONFLICT DO UPDATE SET doc = excluded.doc",
            "SELECT doc FROM integrations WHERE api_id = ?1 AND resource_id = ?2 "
            "AND http_method = ?3",
            "DELETE FROM integrations WHERE api_id = ?1 AND resource_id = ?2 AND http_method = ?3",
            "SELECT http_method, doc FROM integrations WHERE api_id = ?1 AND resource_id = ?2 "
            "ORDER BY http_method",
            "SELECT resource_id, http_method, doc FROM integrations WHERE api_id = ?1 "
            "ORDER BY resource_id, http_method",
        },
    [STORE_DOC_INTEGRATION_RESPONSE] =
        {
            4,
            "INSERT INTO integration_responses(api_id, resource_id, http_method, status_code, doc) "
            "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET doc = excluded.doc",
            "SELECT doc FROM integration_responses WHERE api_id = ?1 AND resource_id = ?2 "
            "AND http_method = ?3 AND status_code = ?4",
            "DELETE FROM integration_responses WHERE api_id = ?1 AND resource_id = ?2 "
            "AND http_method = ?3 AND status_code = ?4",
            "SELECT status_code, doc FROM integration_responses WHERE api_id = ?1 "
            "AND resource_id = ?2 AND http_method = ?3 ORDER BY status_code",
            "SELECT resource_id, http_method, status_code, doc FROM integration_responses "
            "WHERE api_id = ?1 ORDER BY resource_id, http_method, status_code",
        },
};

int store_doc_put(store_t *s, enum store_doc_kind kind, const char *const *keys, json_t *doc)
{
    const struct store_doc_sql *q = &store_doc_sql[kind];
    sqlite3_stmt *st = store_stmt(s, q->put);
    if (st == NULL)
        return STORE_EIO;
    bind_texts(st, 1, keys, q->nkeys);
    store_bind_json(st, q->nkeys + 1, doc);
    return store_step_write(s, st);
}

int store_doc_get(store_t *s, enum store_doc_kind kind, const char *const *keys, json_t **doc)
{
    const struct store_doc_sql *q = &store_doc_sql[kind];
    sqlite3_stmt *st = store_stmt(s, q->get);
    if (st == NULL)
        return STORE_EIO;
    bind_texts(st, 1, keys, q->nkeys);
    return store_step_doc(s, st, 0, doc);
}

int store_doc_delete(store_t *s, enum store_doc_kind kind, const char *const *keys)
{
    const struct store_doc_sql *q = &store_doc_sql[kind];
    sqlite3_stmt *st = store_stmt(s, q->del);
    if (st == NULL)
        return STORE_EIO;
    bind_texts(st, 1, keys, q->nkeys);
    return store_step_write(s, st);
}

int store_doc_children(store_t *s, enum store_doc_kind kind, const char *const *keys, json_t **obj)
{
    const struct store_doc_sql *q = &store_doc_sql[kind];
    sqlite3_stmt *st = store_stmt(s, q->children);
    if (st == NULL)
        return STORE_EIO;
    bind_texts(st, 1, keys, q->nkeys - 1);
    json_t *out = json_object();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *doc = store_column_json(st, 1);
        if (doc == NULL) {
            rc = SQLITE_ERROR;
            break;
        }
        json_object_set_new(out, (const char *)sqlite3_column_text(st, 0), doc);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(out);
        return STORE_EIO;
    }
    *obj = out;
    return STORE_OK;
}

int store_doc_visit_api(store_t *s, enum store_doc_kind kind, const char *api_id,
                        store_doc_visit_fn fn, void *ctx)
{
    const struct store_doc_sql *q = &store_doc_sql[kind];
    sqlite3_stmt *st = store_stmt(s, q->visit);
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    int nk = q->nkeys - 1, rc, cb_rc = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *keys[4];
        for (int i = 0; i < nk; i++)
            keys[i] = (const char *)sqlite3_column_text(st, i);
        json_t *doc = store_column_json(st, nk);
        if (doc == NULL) {
            rc = SQLITE_ERROR;
            break;
        }
        cb_rc = fn(ctx, keys, doc);
        json_decref(doc);
        if (cb_rc != 0)
            break;
    }
    sqlite3_reset(st);
    if (cb_rc != 0)
        return cb_rc;
    return rc == SQLITE_DONE ? STORE_OK : STORE_EIO;
}
