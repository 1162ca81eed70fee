/* store_function: one static statement per operation (store_function.h). */
#include "store_function.h"

#include <stdlib.h>
#include <string.h>

static void bind_text(sqlite3_stmt *st, int idx, const char *v)
{
    if (v != NULL)
        sqlite3_bind_text(st, idx, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, idx);
}

static void bind_sha(sqlite3_stmt *st, int idx, const uint8_t *sha256)
{
    if (sha256 != NULL)
        sqlite3_bind_blob(st, idx, sha256, 32, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, idx);
}

/* ---- functions ---------------------------------------------------------- */

int store_fn_create(store_t *s, const char *name, json_t *tags, json_t *latest,
                    const uint8_t *sha256)
{
    sqlite3_stmt *st = store_stmt(s, "INSERT INTO functions(name, created_at, tags) "
                                     "VALUES (?1, strftime('%s', 'now'), ?2)");
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, name);
    store_bind_json(st, 2, tags);
    int rc = store_step_write(s, st);
    if (rc != STORE_OK)
        return rc;
    return store_fn_version_put(s, name, STORE_FN_LATEST, 0, latest, sha256);
}

int store_fn_delete(store_t *s, const char *name)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM function_aliases WHERE function_name = ?1");
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, name);
    int rc = store_step_write(s, st);
    if (rc != STORE_OK && rc != STORE_ENOTFOUND)
        return rc;
    st = store_stmt(s, "DELETE FROM functions WHERE name = ?1");
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, name);
    return store_step_write(s, st);
}

int store_fn_info(store_t *s, const char *name, json_t **tags, int *reserved)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT tags, reserved FROM functions WHERE name = ?1");
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *reserved = sqlite3_column_type(st, 1) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 1);
        *tags = store_column_json(st, 0);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return STORE_ENOTFOUND;
    if (rc != SQLITE_ROW)
        return store_rc(s, rc);
    return *tags != NULL ? STORE_OK : STORE_EIO;
}

int store_fn_set_reserved(store_t *s, const char *name, int n)
{
    sqlite3_stmt *st = store_stmt(s, "UPDATE functions SET reserved = ?2 WHERE name = ?1");
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, name);
    if (n >= 0)
        sqlite3_bind_int(st, 2, n);
    else
        sqlite3_bind_null(st, 2);
    return store_step_write(s, st);
}

int store_fn_reserved_others(store_t *s, const char *name, int64_t *sum)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT COALESCE(SUM(reserved), 0) FROM functions WHERE name <> ?1");
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *sum = sqlite3_column_int64(st, 0);
    return store_finish(s, st, rc);
}

int store_fn_next_number(store_t *s, const char *name, int *number)
{
    sqlite3_stmt *st = store_stmt(s, "UPDATE functions SET last_version = last_version + 1 "
                                     "WHERE name = ?1 RETURNING last_version");
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *number = sqlite3_column_int(st, 0);
    int done = rc == SQLITE_ROW ? sqlite3_step(st) : rc;
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return STORE_ENOTFOUND;
    return rc == SQLITE_ROW && done == SQLITE_DONE ? STORE_OK : store_rc(s, rc);
}

/* ---- versions ----------------------------------------------------------- */

int store_fn_version_put(store_t *s, const char *name, const char *version, int number, json_t *doc,
                         const uint8_t *sha256)
{
    sqlite3_stmt *st = store_stmt(
        s, "INSERT INTO function_versions(function_name, version, number, code_sha256, doc) "
           "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET "
           "code_sha256 = excluded.code_sha256, doc = excluded.doc WHERE version = '$LATEST'");
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, name);
    bind_text(st, 2, version);
    sqlite3_bind_int(st, 3, number);
    bind_sha(st, 4, sha256);
    store_bind_json(st, 5, doc);
    int rc = store_step_write(s, st);
    return rc == STORE_ENOTFOUND ? STORE_ECONFLICT : rc; /* a numbered version exists */
}

int store_fn_version_get(store_t *s, const char *name, const char *version, json_t **doc)
{
    sqlite3_stmt *st = store_stmt(
        s, "SELECT doc FROM function_versions WHERE function_name = ?1 AND version = ?2");
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, name);
    bind_text(st, 2, version);
    return store_step_doc(s, st, 0, doc);
}

int store_fn_version_last(store_t *s, const char *name, json_t **doc)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc FROM function_versions WHERE function_name = ?1 "
                                     "AND number > 0 ORDER BY number DESC LIMIT 1");
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, name);
    return store_step_doc(s, st, 0, doc);
}

int store_fn_version_delete(store_t *s, const char *name, const char *version)
{
    sqlite3_stmt *st =
        store_stmt(s, "DELETE FROM function_versions WHERE function_name = ?1 AND version = ?2");
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, name);
    bind_text(st, 2, version);
    return store_step_write(s, st);
}

int store_fn_list(store_t *s, const char *after, int limit, json_t **items, int *more)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT doc FROM function_versions WHERE version = '$LATEST' "
                      "AND (?1 IS NULL OR function_name > ?1) ORDER BY function_name");
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, after);
    return store_collect(s, st, store_row_doc, limit, items, more);
}

int store_fn_list_all(store_t *s, const char *after_name, int after_number, int limit,
                      json_t **items, int *more)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT doc FROM function_versions WHERE ?1 IS NULL OR function_name > ?1 "
                      "OR (function_name = ?1 AND number > ?2) ORDER BY function_name, number");
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, after_name);
    sqlite3_bind_int(st, 2, after_number);
    return store_collect(s, st, store_row_doc, limit, items, more);
}

int store_fn_versions(store_t *s, const char *name, int after, int limit, json_t **items, int *more)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc FROM function_versions WHERE function_name = ?1 "
                                     "AND number > ?2 ORDER BY number");
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, name);
    sqlite3_bind_int(st, 2, after);
    return store_collect(s, st, store_row_doc, limit, items, more);
}

/* ---- aliases ------------------------------------------------------------ */

int store_fn_alias_put(store_t *s, const char *name, const char *alias, const char *version,
                       json_t *doc, int create)
{
    static const char insert[] =
        "INSERT INTO function_aliases(function_name, name, function_version, doc) "
        "VALUES (?1, ?2, ?3, ?4)";
    static const char update[] = "UPDATE function_aliases SET function_version = ?3, doc = ?4 "
                                 "WHERE function_name = ?1 AND name = ?2";
    sqlite3_stmt *st = store_stmt(s, create ? insert : update);
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, name);
    bind_text(st, 2, alias);
    bind_text(st, 3, version);
    store_bind_json(st, 4, doc);
    return store_step_write(s, st);
}

int store_fn_alias_get(store_t *s, const char *name, const char *alias, json_t **doc)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT doc FROM function_aliases WHERE function_name = ?1 AND name = ?2");
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, name);
    bind_text(st, 2, alias);
    return store_step_doc(s, st, 0, doc);
}

int store_fn_alias_delete(store_t *s, const char *name, const char *alias)
{
    sqlite3_stmt *st =
        store_stmt(s, "DELETE FROM function_aliases WHERE function_name = ?1 AND name = ?2");
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, name);
    bind_text(st, 2, alias);
    return store_step_write(s, st);
}

int store_fn_aliases(store_t *s, const char *name, const char *version, const char *after,
                     int limit, json_t **items, int *more)
{
    sqlite3_stmt *st = store_stmt(
        s, "SELECT doc FROM function_aliases WHERE function_name = ?1 "
           "AND (?2 IS NULL OR function_version = ?2) AND (?3 IS NULL OR name > ?3) ORDER BY name");
    if (st == NULL)
        return STORE_EIO;
    bind_text(st, 1, name);
    bind_text(st, 2, version);
    bind_text(st, 3, after);
    return store_collect(s, st, store_row_doc, limit, items, more);
}

/* ---- code --------------------------------------------------------------- */

int store_code_put(store_t *s, const uint8_t sha256[32], const void *zip, size_t len)
{
    sqlite3_stmt *st = store_stmt(
        s,
        "INSERT INTO function_code(sha256, size, zip) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
    if (st == NULL)
        return STORE_EIO;
    bind_sha(st, 1, sha256);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)len);
    sqlite3_bind_blob64(st, 3, zip, len, SQLITE_STATIC);
    int rc = store_step_write(s, st);
    return rc == STORE_ENOTFOUND ? STORE_OK : rc;
}

int store_code_get(store_t *s, const uint8_t sha256[32], uint8_t **zip, size_t *len)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT zip FROM function_code WHERE sha256 = ?1");
    if (st == NULL)
        return STORE_EIO;
    bind_sha(st, 1, sha256);
    int rc = sqlite3_step(st);
    uint8_t *copy = NULL;
    size_t n = 0;
    if (rc == SQLITE_ROW) {
        n = (size_t)sqlite3_column_bytes(st, 0);
        const void *blob = sqlite3_column_blob(st, 0);
        if ((copy = malloc(n > 0 ? n : 1)) != NULL && n > 0)
            memcpy(copy, blob, n);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return STORE_ENOTFOUND;
    if (rc != SQLITE_ROW)
        return store_rc(s, rc);
    if (copy == NULL)
        return STORE_EIO;
    *zip = copy;
    *len = n;
    return STORE_OK;
}

int store_code_total(store_t *s, int64_t *bytes)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT COALESCE(SUM(size), 0) FROM function_code");
    if (st == NULL)
        return STORE_EIO;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *bytes = sqlite3_column_int64(st, 0);
    return store_finish(s, st, rc);
}

int store_code_gc(store_t *s, int *dropped)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM function_code WHERE NOT EXISTS "
                                     "(SELECT 1 FROM function_versions v "
                                     " WHERE v.code_sha256 = function_code.sha256)");
    if (st == NULL)
        return STORE_EIO;
    int rc = store_step_write(s, st);
    if (dropped != NULL)
        *dropped = rc == STORE_OK ? sqlite3_changes(store_db(s)) : 0;
    return rc == STORE_ENOTFOUND ? STORE_OK : rc;
}

/* ---- the snapshot ------------------------------------------------------- */

static int visit_versions(store_t *s, store_fn_version_visit_fn fn, void *ctx)
{
    sqlite3_stmt *st = store_stmt(
        s, "SELECT v.doc, v.code_sha256, f.reserved FROM function_versions v "
           "JOIN functions f ON f.name = v.function_name ORDER BY v.function_name, v.number");
    if (st == NULL)
        return STORE_EIO;
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *doc = store_column_json(st, 0);
        const uint8_t *sha = sqlite3_column_bytes(st, 1) == 32 ? sqlite3_column_blob(st, 1) : NULL;
        int reserved = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 2);
        stop = doc == NULL || fn(ctx, doc, sha, reserved) != 0;
        json_decref(doc);
    }
    sqlite3_reset(st);
    if (stop)
        return STORE_EIO;
    return rc == SQLITE_DONE ? STORE_OK : store_rc(s, rc);
}

static int visit_aliases(store_t *s, store_fn_alias_visit_fn fn, void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT function_name, name, function_version "
                                     "FROM function_aliases ORDER BY function_name, name");
    if (st == NULL)
        return STORE_EIO;
    int rc, stop = 0;
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW)
        stop = fn(ctx, (const char *)sqlite3_column_text(st, 0),
                  (const char *)sqlite3_column_text(st, 1),
                  (const char *)sqlite3_column_text(st, 2)) != 0;
    sqlite3_reset(st);
    if (stop)
        return STORE_EIO;
    return rc == SQLITE_DONE ? STORE_OK : store_rc(s, rc);
}

int store_fn_visit_all(store_t *s, store_fn_version_visit_fn on_version,
                       store_fn_alias_visit_fn on_alias, void *ctx)
{
    int rc = visit_versions(s, on_version, ctx);
    return rc == STORE_OK ? visit_aliases(s, on_alias, ctx) : rc;
}
