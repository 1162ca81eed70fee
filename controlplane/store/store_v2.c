/* store_v2: apigatewayv2 APIs, their documents, deployments and stages. */
#include "store_v2.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

void store_v2_iso(int64_t t, char *out, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void set_iso(json_t *doc, const char *field, int64_t t)
{
    char buf[32];
    store_v2_iso(t, buf, sizeof(buf));
    json_object_set_new(doc, field, json_string(buf));
}

static int write_changed(store_t *s, sqlite3_stmt *st)
{
    int rc = store_finish(s, st, sqlite3_step(st));
    if (rc == STORE_OK && sqlite3_changes(store_db(s)) == 0)
        return STORE_ENOTFOUND;
    return rc;
}

/* ---- APIs ---------------------------------------------------------------- */

static json_t *api_row(sqlite3_stmt *st)
{
    json_t *doc = store_column_json(st, 0);
    if (doc != NULL)
        set_iso(doc, "createdDate", sqlite3_column_int64(st, 1));
    return doc;
}

int store_v2_api_insert(store_t *s, const char *id, int64_t created, json_t *doc)
{
    sqlite3_stmt *st =
        store_stmt(s, "INSERT INTO v2_apis(id, created_at, doc) VALUES (?1, ?2, ?3)");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, created);
    if (store_bind_json(st, 3, doc) != STORE_OK) {
        sqlite3_reset(st);
        return STORE_EIO;
    }
    return store_finish(s, st, sqlite3_step(st));
}

int store_v2_api_update(store_t *s, const char *id, json_t *doc)
{
    sqlite3_stmt *st = store_stmt(s, "UPDATE v2_apis SET doc = ?2 WHERE id = ?1");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    json_t *copy = json_deep_copy(doc);
    json_object_del(copy, "createdDate");
    int brc = store_bind_json(st, 2, copy);
    json_decref(copy);
    if (brc != STORE_OK) {
        sqlite3_reset(st);
        return STORE_EIO;
    }
    return write_changed(s, st);
}

int store_v2_api_get(store_t *s, const char *id, json_t **doc)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc, created_at FROM v2_apis WHERE id = ?1");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return store_step_row(s, st, api_row, doc);
}

int store_v2_api_list(store_t *s, const char *after, int limit, json_t **items, int *more)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT doc, created_at FROM v2_apis WHERE id > ?1 ORDER BY id");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, after != NULL ? after : "", -1, SQLITE_STATIC);
    return store_collect(s, st, api_row, limit, items, more);
}

int store_v2_api_delete(store_t *s, const char *id)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM v2_apis WHERE id = ?1");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return write_changed(s, st);
}

/* ---- documents under an API --------------------------------------------- */

static int item_write(store_t *s, const char *sql, const store_v2_key_t *k, json_t *doc)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, k->api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, k->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, k->parent_id != NULL ? k->parent_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, k->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, k->name, -1, SQLITE_STATIC);
    if (store_bind_json(st, 6, doc) != STORE_OK) {
        sqlite3_reset(st);
        return STORE_EIO;
    }
    return write_changed(s, st);
}

int store_v2_item_insert(store_t *s, const store_v2_key_t *k, json_t *doc)
{
    return item_write(s,
                      "INSERT INTO v2_items(api_id, kind, parent_id, id, name, doc) "
                      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                      k, doc);
}

int store_v2_item_update(store_t *s, const store_v2_key_t *k, json_t *doc)
{
    return item_write(s,
                      "UPDATE v2_items SET name = ?5, doc = ?6 "
                      "WHERE api_id = ?1 AND kind = ?2 AND parent_id = ?3 AND id = ?4",
                      k, doc);
}

int store_v2_item_get(store_t *s, const store_v2_key_t *k, json_t **doc)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc FROM v2_items WHERE api_id = ?1 AND kind = ?2 "
                                     "AND parent_id = ?3 AND id = ?4");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, k->api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, k->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, k->parent_id != NULL ? k->parent_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, k->id, -1, SQLITE_STATIC);
    return store_step_row(s, st, store_row_doc, doc);
}

int store_v2_item_list(store_t *s, const store_v2_key_t *k, const char *after, int limit,
                       json_t **items, int *more)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc FROM v2_items WHERE api_id = ?1 AND kind = ?2 "
                                     "AND parent_id = ?3 AND id > ?4 ORDER BY id");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, k->api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, k->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, k->parent_id != NULL ? k->parent_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, after != NULL ? after : "", -1, SQLITE_STATIC);
    return store_collect(s, st, store_row_doc, limit, items, more);
}

static const char *child_kind(const char *kind)
{
    if (strcmp(kind, STORE_V2_ROUTE) == 0)
        return STORE_V2_ROUTE_RESPONSE;
    if (strcmp(kind, STORE_V2_INTEGRATION) == 0)
        return STORE_V2_INTEGRATION_RESPONSE;
    return NULL;
}

int store_v2_item_delete(store_t *s, const store_v2_key_t *k)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM v2_items WHERE api_id = ?1 AND kind = ?2 "
                                     "AND parent_id = ?3 AND id = ?4");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, k->api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, k->kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, k->parent_id != NULL ? k->parent_id : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, k->id, -1, SQLITE_STATIC);
    int rc = write_changed(s, st);
    const char *child = child_kind(k->kind);
    if (rc != STORE_OK || child == NULL)
        return rc;
    st = store_stmt(s, "DELETE FROM v2_items WHERE api_id = ?1 AND kind = ?2 AND parent_id = ?3");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, k->api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, child, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, k->id, -1, SQLITE_STATIC);
    return store_finish(s, st, sqlite3_step(st));
}

int store_v2_item_visit(store_t *s, const char *api_id, const char *kind, store_v2_item_fn fn,
                        void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT parent_id, doc FROM v2_items WHERE api_id = ?1 "
                                     "AND kind = ?2 ORDER BY parent_id, name, id");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
    int rc, cb = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *doc = store_column_json(st, 1);
        if (doc == NULL) {
            rc = SQLITE_ERROR;
            break;
        }
        cb = fn(ctx, (const char *)sqlite3_column_text(st, 0), doc);
        json_decref(doc);
        if (cb != 0)
            break;
    }
    sqlite3_reset(st);
    if (cb != 0)
        return cb;
    return rc == SQLITE_DONE ? STORE_OK : store_rc(s, rc);
}

/* ---- deployments --------------------------------------------------------- */

int store_v2_deployment_insert(store_t *s, const char *api_id, const char *id, int64_t created,
                               const char *description, int auto_deployed, const uint8_t *def,
                               size_t def_len)
{
    sqlite3_stmt *st = store_stmt(s, "INSERT INTO v2_deployments(api_id, id, created_at, "
                                     "description, auto_deployed, definition) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, created);
    sqlite3_bind_text(st, 4, description != NULL ? description : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, auto_deployed ? 1 : 0);
    sqlite3_bind_blob(st, 6, def_len > 0 ? (const void *)def : "", (int)def_len, SQLITE_STATIC);
    return store_finish(s, st, sqlite3_step(st));
}

static json_t *deployment_row(sqlite3_stmt *st)
{
    json_t *d = json_object();
    json_object_set_new(d, "deploymentId", json_string((const char *)sqlite3_column_text(st, 0)));
    const char *desc = (const char *)sqlite3_column_text(st, 1);
    if (desc != NULL && *desc != '\0')
        json_object_set_new(d, "description", json_string(desc));
    set_iso(d, "createdDate", sqlite3_column_int64(st, 2));
    json_object_set_new(d, "autoDeployed", json_boolean(sqlite3_column_int(st, 3)));
    json_object_set_new(d, "deploymentStatus", json_string("DEPLOYED"));
    return d;
}

int store_v2_deployment_get(store_t *s, const char *api_id, const char *id, json_t **out)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT id, description, created_at, auto_deployed "
                                     "FROM v2_deployments WHERE api_id = ?1 AND id = ?2");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    return store_step_row(s, st, deployment_row, out);
}

int store_v2_deployment_list(store_t *s, const char *api_id, const char *after, int limit,
                             json_t **items, int *more)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT id, description, created_at, auto_deployed FROM v2_deployments "
                      "WHERE api_id = ?1 AND id > ?2 ORDER BY id");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, after != NULL ? after : "", -1, SQLITE_STATIC);
    return store_collect(s, st, deployment_row, limit, items, more);
}

int store_v2_deployment_describe(store_t *s, const char *api_id, const char *id,
                                 const char *description)
{
    sqlite3_stmt *st =
        store_stmt(s, "UPDATE v2_deployments SET description = ?3 WHERE api_id = ?1 AND id = ?2");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, description != NULL ? description : "", -1, SQLITE_STATIC);
    return write_changed(s, st);
}

int store_v2_deployment_delete(store_t *s, const char *api_id, const char *id)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM v2_deployments WHERE api_id = ?1 AND id = ?2");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    return write_changed(s, st);
}

int store_v2_deployment_definition(store_t *s, const char *api_id, const char *id, uint8_t **def,
                                   size_t *len)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT definition FROM v2_deployments WHERE api_id = ?1 AND id = ?2");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? STORE_ENOTFOUND : store_rc(s, rc);
    }
    size_t n = (size_t)sqlite3_column_bytes(st, 0);
    uint8_t *buf = malloc(n == 0 ? 1 : n);
    if (buf != NULL && n != 0)
        memcpy(buf, sqlite3_column_blob(st, 0), n);
    sqlite3_reset(st);
    if (buf == NULL)
        return STORE_EIO;
    *def = buf;
    *len = n;
    return STORE_OK;
}

/* ---- stages -------------------------------------------------------------- */

static int stage_write(store_t *s, const char *sql, const char *api_id, const char *name,
                       int64_t now, json_t *doc)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    if (st == NULL)
        return STORE_EIO;
    json_t *copy = json_deep_copy(doc);
    json_object_del(copy, "createdDate");
    json_object_del(copy, "lastUpdatedDate");
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    const char *dep = json_string_value(json_object_get(doc, "deploymentId"));
    sqlite3_bind_text(st, 3, dep != NULL && dep[0] != '\0' ? dep : NULL, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    int brc = store_bind_json(st, 5, copy);
    json_decref(copy);
    if (brc != STORE_OK) {
        sqlite3_reset(st);
        return STORE_EIO;
    }
    return write_changed(s, st);
}

int store_v2_stage_insert(store_t *s, const char *api_id, const char *name, int64_t now,
                          json_t *doc)
{
    return stage_write(s,
                       "INSERT INTO v2_stages(api_id, name, deployment_id, created_at, "
                       "updated_at, doc) VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
                       api_id, name, now, doc);
}

int store_v2_stage_update(store_t *s, const char *api_id, const char *name, int64_t now,
                          json_t *doc)
{
    return stage_write(s,
                       "UPDATE v2_stages SET deployment_id = ?3, updated_at = ?4, doc = ?5 "
                       "WHERE api_id = ?1 AND name = ?2",
                       api_id, name, now, doc);
}

static json_t *stage_row(sqlite3_stmt *st)
{
    json_t *doc = store_column_json(st, 0);
    if (doc == NULL)
        return NULL;
    set_iso(doc, "createdDate", sqlite3_column_int64(st, 1));
    set_iso(doc, "lastUpdatedDate", sqlite3_column_int64(st, 2));
    return doc;
}

int store_v2_stage_get(store_t *s, const char *api_id, const char *name, json_t **doc)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc, created_at, updated_at FROM v2_stages "
                                     "WHERE api_id = ?1 AND name = ?2");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    return store_step_row(s, st, stage_row, doc);
}

int store_v2_stage_list(store_t *s, const char *api_id, const char *after, int limit,
                        json_t **items, int *more)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc, created_at, updated_at FROM v2_stages "
                                     "WHERE api_id = ?1 AND name > ?2 ORDER BY name");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, after != NULL ? after : "", -1, SQLITE_STATIC);
    return store_collect(s, st, stage_row, limit, items, more);
}

int store_v2_stage_delete(store_t *s, const char *api_id, const char *name)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM v2_stages WHERE api_id = ?1 AND name = ?2");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    return write_changed(s, st);
}

int store_v2_stage_visit_all(store_t *s, store_v2_stage_fn fn, void *ctx)
{
    sqlite3_stmt *st = store_stmt(
        s, "SELECT doc, created_at, updated_at, api_id FROM v2_stages ORDER BY api_id, name");
    if (st == NULL)
        return STORE_EIO;
    int rc, cb = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *doc = stage_row(st);
        if (doc == NULL) {
            rc = SQLITE_ERROR;
            break;
        }
        cb = fn(ctx, (const char *)sqlite3_column_text(st, 3), doc);
        json_decref(doc);
        if (cb != 0)
            break;
    }
    sqlite3_reset(st);
    if (cb != 0)
        return cb;
    return rc == SQLITE_DONE ? STORE_OK : store_rc(s, rc);
}
