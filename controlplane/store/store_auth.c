/* store_auth: one statement per operation, all static SQL. */
#include "store_auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void bind2(sqlite3_stmt *st, const char *a, const char *b)
{
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
}

/* Collects column 0 (a document) of every row into an array, or into an
 * object keyed by column 1 when keyed. */
static int collect_docs(store_t *s, sqlite3_stmt *st, int keyed, json_t **out)
{
    json_t *all = keyed ? json_object() : json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *doc = store_column_json(st, 0);
        if (doc == NULL) {
            rc = SQLITE_ERROR;
            break;
        }
        if (keyed)
            json_object_set_new(all, (const char *)sqlite3_column_text(st, 1), doc);
        else
            json_array_append_new(all, doc);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(all);
        return store_rc(s, rc) == STORE_OK ? STORE_EIO : store_rc(s, rc);
    }
    *out = all;
    return STORE_OK;
}

/* ---- authorizers -------------------------------------------------------- */

int store_authorizer_put(store_t *s, const char *api_id, const char *id, json_t *doc)
{
    sqlite3_stmt *st = store_stmt(s, "INSERT INTO authorizers(api_id, id, doc) VALUES (?1, ?2, ?3) "
                                     "ON CONFLICT DO UPDATE SET doc = excluded.doc");
    if (st == NULL)
        return STORE_EIO;
    bind2(st, api_id, id);
    store_bind_json(st, 3, doc);
    return store_step_write(s, st);
}

int store_authorizer_get(store_t *s, const char *api_id, const char *id, json_t **doc)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc FROM authorizers WHERE api_id = ?1 AND id = ?2");
    if (st == NULL)
        return STORE_EIO;
    bind2(st, api_id, id);
    return store_step_doc(s, st, 0, doc);
}

int store_authorizer_list(store_t *s, const char *api_id, json_t **items)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc FROM authorizers WHERE api_id = ?1 ORDER BY id");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    return collect_docs(s, st, 0, items);
}

int store_authorizer_delete(store_t *s, const char *api_id, const char *id)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM authorizers WHERE api_id = ?1 AND id = ?2");
    if (st == NULL)
        return STORE_EIO;
    bind2(st, api_id, id);
    return store_step_write(s, st);
}

int store_authorizer_user(store_t *s, const char *api_id, const char *id, char **method)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT m.http_method, r.path FROM methods m JOIN resources r "
                      "ON r.api_id = m.api_id AND r.id = m.resource_id "
                      "WHERE m.api_id = ?1 AND json_extract(m.doc, '$.authorizerId') = ?2 LIMIT 1");
    if (st == NULL)
        return STORE_EIO;
    bind2(st, api_id, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *verb = (const char *)sqlite3_column_text(st, 0);
        const char *path = (const char *)sqlite3_column_text(st, 1);
        if (asprintf(method, "%s %s", verb, path) < 0)
            rc = SQLITE_NOMEM;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return STORE_OK;
    return rc == SQLITE_DONE ? STORE_ENOTFOUND : STORE_EIO;
}

/* ---- gateway responses -------------------------------------------------- */

int store_gwresp_put(store_t *s, const char *api_id, const char *type, json_t *doc)
{
    sqlite3_stmt *st =
        store_stmt(s, "INSERT INTO gateway_responses(api_id, response_type, doc) VALUES (?1, ?2, "
                      "?3) ON CONFLICT DO UPDATE SET doc = excluded.doc");
    if (st == NULL)
        return STORE_EIO;
    bind2(st, api_id, type);
    store_bind_json(st, 3, doc);
    return store_step_write(s, st);
}

int store_gwresp_get(store_t *s, const char *api_id, const char *type, json_t **doc)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT doc FROM gateway_responses WHERE api_id = ?1 AND response_type = ?2");
    if (st == NULL)
        return STORE_EIO;
    bind2(st, api_id, type);
    return store_step_doc(s, st, 0, doc);
}

int store_gwresp_delete(store_t *s, const char *api_id, const char *type)
{
    sqlite3_stmt *st =
        store_stmt(s, "DELETE FROM gateway_responses WHERE api_id = ?1 AND response_type = ?2");
    if (st == NULL)
        return STORE_EIO;
    bind2(st, api_id, type);
    return store_step_write(s, st);
}

int store_gwresp_all(store_t *s, const char *api_id, json_t **obj)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc, response_type FROM gateway_responses "
                                     "WHERE api_id = ?1 ORDER BY response_type");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    return collect_docs(s, st, 1, obj);
}

/* ---- JWKS sources ------------------------------------------------------- */

int store_jwks_ensure(store_t *s, const char *issuer, const char *jwks_uri)
{
    sqlite3_stmt *st =
        store_stmt(s, "INSERT OR IGNORE INTO jwks_sources(issuer, jwks_uri) VALUES (?1, ?2)");
    if (st == NULL)
        return STORE_EIO;
    bind2(st, issuer, jwks_uri);
    int rc = store_step_write(s, st);
    return rc == STORE_ENOTFOUND ? STORE_OK : rc;
}

int store_jwks_keys(store_t *s, const char *issuer, const char *jwks_uri, json_t **keys,
                    int64_t *fetched_at_ms)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT keys, fetched_at FROM jwks_sources "
                                     "WHERE issuer = ?1 AND jwks_uri = ?2");
    if (st == NULL)
        return STORE_EIO;
    bind2(st, issuer, jwks_uri);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *keys = store_column_json(st, 0);
        *fetched_at_ms = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return STORE_ENOTFOUND;
    return rc == SQLITE_ROW && *keys != NULL ? STORE_OK : STORE_EIO;
}

int store_jwks_list(store_t *s, json_t **items)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT json_object('issuer', issuer, 'jwksUri', jwks_uri, "
                                     "'keys', json(keys), 'fetchedAt', fetched_at, 'checkedAt', "
                                     "checked_at, 'error', error) FROM jwks_sources "
                                     "ORDER BY issuer, jwks_uri");
    if (st == NULL)
        return STORE_EIO;
    return collect_docs(s, st, 0, items);
}

int store_jwks_record(store_t *s, const char *issuer, const char *jwks_uri, json_t *keys,
                      int64_t now_ms, const char *error)
{
    sqlite3_stmt *st =
        store_stmt(s, "UPDATE jwks_sources SET keys = coalesce(?3, keys), "
                      "fetched_at = CASE WHEN ?3 IS NULL THEN fetched_at ELSE ?4 END, "
                      "checked_at = ?4, error = ?5 WHERE issuer = ?1 AND jwks_uri = ?2");
    if (st == NULL)
        return STORE_EIO;
    bind2(st, issuer, jwks_uri);
    if (keys != NULL)
        store_bind_json(st, 3, keys);
    sqlite3_bind_int64(st, 4, now_ms);
    sqlite3_bind_text(st, 5, error, -1, SQLITE_STATIC);
    return store_step_write(s, st);
}
