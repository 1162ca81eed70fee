/* store_deploy: deployments and stages. */
#include "store_deploy.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"

int store_deployment_insert(store_t *s, const store_deployment_t *d)
{
    sqlite3_stmt *st = store_stmt(
        s,
        "INSERT INTO deployments(api_id, id, created_at, description, definition, sha256, summary) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    if (st == NULL)
        return STORE_EIO;
    char *summary = json_dumps(d->summary, JSON_COMPACT);
    sqlite3_bind_text(st, 1, d->api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, d->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, d->created_at);
    sqlite3_bind_text(st, 4, d->description != NULL ? d->description : "", -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, d->definition, (int)d->definition_len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, d->sha256, 32, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, summary != NULL ? summary : "{}", -1, SQLITE_TRANSIENT);
    free(summary);
    return store_finish(s, st, sqlite3_step(st));
}

static json_t *deployment_row(sqlite3_stmt *st)
{
    json_t *d = json_object();
    json_object_set_new(d, "id", json_string((const char *)sqlite3_column_text(st, 0)));
    const char *desc = (const char *)sqlite3_column_text(st, 1);
    if (desc != NULL && *desc != '\0')
        json_object_set_new(d, "description", json_string(desc));
    json_object_set_new(d, "createdDate", json_integer(sqlite3_column_int64(st, 2)));
    json_t *summary = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
    json_object_set_new(d, "apiSummary", summary != NULL ? summary : json_object());
    return d;
}

int store_deployment_get(store_t *s, const char *api_id, const char *id, json_t **out)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT id, description, created_at, summary FROM deployments "
                                     "WHERE api_id = ?1 AND id = ?2");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    return store_step_row(s, st, deployment_row, out);
}

int store_deployment_list(store_t *s, const char *api_id, const char *after, int limit,
                          json_t **items, int *more)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT id, description, created_at, summary FROM deployments "
                                     "WHERE api_id = ?1 AND id > ?2 ORDER BY id");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, after != NULL ? after : "", -1, SQLITE_STATIC);
    return store_collect(s, st, deployment_row, limit, items, more);
}

int store_deployment_delete(store_t *s, const char *api_id, const char *id)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM deployments WHERE api_id = ?1 AND id = ?2");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    int rc = store_finish(s, st, sqlite3_step(st));
    if (rc == STORE_OK && sqlite3_changes(store_db(s)) == 0)
        return STORE_ENOTFOUND;
    return rc;
}

int store_deployment_definition(store_t *s, const char *api_id, const char *id, uint8_t **def,
                                size_t *len)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT definition FROM deployments WHERE api_id = ?1 AND id = ?2");
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

int store_deployment_users(store_t *s, const char *api_id, const char *id, int *count)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM stages WHERE api_id = ?1 AND "
                                     "(deployment_id = ?2 OR canary_deployment_id = ?2)");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *count = sqlite3_column_int(st, 0);
    return store_finish(s, st, rc);
}

/* ---- stages ------------------------------------------------------------ */

static const char *canary_deployment(json_t *doc)
{
    return json_string_value(
        json_object_get(json_object_get(doc, "canarySettings"), "deploymentId"));
}

static int stage_write(store_t *s, const char *sql, const char *api_id, const char *name,
                       int64_t now, json_t *doc)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    if (st == NULL)
        return STORE_EIO;
    char *text = json_dumps(doc, JSON_COMPACT);
    if (text == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, json_string_value(json_object_get(doc, "deploymentId")), -1,
                      SQLITE_STATIC);
    sqlite3_bind_text(st, 4, canary_deployment(doc), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, now);
    sqlite3_bind_text(st, 6, text, -1, free);
    int rc = store_finish(s, st, sqlite3_step(st));
    if (rc == STORE_OK && sqlite3_changes(store_db(s)) == 0)
        return STORE_ENOTFOUND;
    return rc;
}

int store_stage_insert(store_t *s, const char *api_id, const char *name, int64_t now, json_t *doc)
{
    return stage_write(s,
                       "INSERT INTO stages(api_id, name, deployment_id, canary_deployment_id, "
                       "created_at, updated_at, doc) VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)",
                       api_id, name, now, doc);
}

int store_stage_update(store_t *s, const char *api_id, const char *name, int64_t now, json_t *doc)
{
    return stage_write(s,
                       "UPDATE stages SET deployment_id = ?3, canary_deployment_id = ?4, "
                       "updated_at = ?5, doc = ?6 WHERE api_id = ?1 AND name = ?2",
                       api_id, name, now, doc);
}

static json_t *stage_row(sqlite3_stmt *st)
{
    json_t *doc = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
    if (doc == NULL)
        return NULL;
    json_object_set_new(doc, "createdDate", json_integer(sqlite3_column_int64(st, 1)));
    json_object_set_new(doc, "lastUpdatedDate", json_integer(sqlite3_column_int64(st, 2)));
    return doc;
}

int store_stage_get(store_t *s, const char *api_id, const char *name, json_t **doc)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc, created_at, updated_at FROM stages "
                                     "WHERE api_id = ?1 AND name = ?2");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    return store_step_row(s, st, stage_row, doc);
}

int store_stage_list(store_t *s, const char *api_id, const char *deployment_id, json_t **items)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc, created_at, updated_at FROM stages "
                                     "WHERE api_id = ?1 AND (?2 IS NULL OR deployment_id = ?2) "
                                     "ORDER BY name");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, deployment_id, -1, SQLITE_STATIC);
    return store_collect(s, st, stage_row, -1, items, NULL);
}

int store_stage_delete(store_t *s, const char *api_id, const char *name)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM stages WHERE api_id = ?1 AND name = ?2");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int rc = store_finish(s, st, sqlite3_step(st));
    if (rc == STORE_OK && sqlite3_changes(store_db(s)) == 0)
        return STORE_ENOTFOUND;
    return rc;
}

int store_stage_visit_all(store_t *s, store_stage_visit_fn fn, void *ctx)
{
    sqlite3_stmt *st = store_stmt(
        s, "SELECT doc, created_at, updated_at, api_id FROM stages ORDER BY api_id, name");
    if (st == NULL)
        return STORE_EIO;
    int rc, cb_rc = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *doc = stage_row(st);
        if (doc == NULL) {
            rc = SQLITE_ERROR;
            break;
        }
        cb_rc = fn(ctx, (const char *)sqlite3_column_text(st, 3), doc);
        json_decref(doc);
        if (cb_rc != 0)
            break;
    }
    sqlite3_reset(st);
    if (cb_rc != 0)
        return cb_rc;
    return rc == SQLITE_DONE ? STORE_OK : store_rc(s, rc);
}
