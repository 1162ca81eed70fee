/* store_sealed: access_keys rows and api_keys.sealed_value. */
#include "store_sealed.h"

#include <stdlib.h>
#include <string.h>

/* Reads the one blob column of a statement bound to an id. */
static int read_blob(store_t *s, sqlite3_stmt *st, const char *id, uint8_t **out, size_t *len)
{
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *out = NULL;
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_BLOB) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        *out = malloc(n > 0 ? n : 1);
        if (*out == NULL)
            rc = SQLITE_NOMEM;
        else
            memcpy(*out, sqlite3_column_blob(st, 0), n);
        *len = n;
    } else if (rc == SQLITE_ROW) {
        rc = SQLITE_DONE; /* the row is there but holds no sealed value */
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return STORE_ENOTFOUND;
    return rc == SQLITE_ROW ? STORE_OK : store_rc(s, rc);
}

int store_accesskey_insert(store_t *s, const char *id, const uint8_t *sealed, size_t len,
                           const char *description, const char *policy, int64_t now)
{
    sqlite3_stmt *st = store_stmt(s, "INSERT INTO access_keys(id, sealed_secret, description, "
                                     "created_at, policy) VALUES (?1, ?2, ?3, ?4, ?5)");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, sealed, (int)len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, description != NULL ? description : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_text(st, 5, policy != NULL ? policy : "", -1, SQLITE_STATIC);
    return store_finish(s, st, sqlite3_step(st));
}

int store_accesskey_sealed(store_t *s, const char *id, uint8_t **sealed, size_t *len)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT sealed_secret FROM access_keys WHERE id = ?1");
    return st != NULL ? read_blob(s, st, id, sealed, len) : STORE_EIO;
}

static json_t *accesskey_row(sqlite3_stmt *st)
{
    json_t *k = json_pack("{s:s,s:s,s:I}", "accessKeyId", (const char *)sqlite3_column_text(st, 0),
                          "description", (const char *)sqlite3_column_text(st, 1), "createdDate",
                          (json_int_t)sqlite3_column_int64(st, 2));
    const char *policy = (const char *)sqlite3_column_text(st, 3);
    if (k != NULL && policy != NULL && policy[0] != '\0')
        json_object_set_new(k, "policy", json_string(policy));
    return k;
}

int store_accesskey_get(store_t *s, const char *id, json_t **doc)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT id, description, created_at, policy FROM access_keys WHERE id = ?1");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return store_step_row(s, st, accesskey_row, doc);
}

int store_accesskey_list(store_t *s, json_t **items)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT id, description, created_at, policy FROM access_keys ORDER BY id");
    return st != NULL ? store_collect(s, st, accesskey_row, -1, items, NULL) : STORE_EIO;
}

int store_accesskey_delete(store_t *s, const char *id)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM access_keys WHERE id = ?1");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    return store_step_write(s, st);
}

int store_accesskey_visit_invokers(store_t *s, store_accesskey_visit_fn fn, void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT id, sealed_secret, policy FROM access_keys "
                                     "WHERE policy != '' ORDER BY id");
    if (st == NULL)
        return STORE_EIO;
    int rc, urc = STORE_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        urc = fn(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_blob(st, 1),
                 (size_t)sqlite3_column_bytes(st, 1), (const char *)sqlite3_column_text(st, 2));
        if (urc != STORE_OK)
            break;
    }
    rc = store_finish(s, st, rc == SQLITE_ROW ? SQLITE_DONE : rc);
    return urc != STORE_OK ? urc : rc;
}

int store_apikey_set_sealed(store_t *s, const char *id, const uint8_t *sealed, size_t len)
{
    sqlite3_stmt *st = store_stmt(s, "UPDATE api_keys SET sealed_value = ?2 WHERE id = ?1");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, sealed, (int)len, SQLITE_STATIC);
    return store_step_write(s, st);
}

int store_apikey_sealed(store_t *s, const char *id, uint8_t **sealed, size_t *len)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT sealed_value FROM api_keys WHERE id = ?1");
    return st != NULL ? read_blob(s, st, id, sealed, len) : STORE_EIO;
}
