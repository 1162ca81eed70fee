/* store_usage: the usage_counts table. */
#include "store_usage.h"

#include <stddef.h>

int store_usage_add(store_t *s, const char *plan_id, const char *key_id, uint32_t day, uint64_t n)
{
    sqlite3_stmt *st = store_stmt(
        s, "INSERT INTO usage_counts(plan_id, key_id, day, used) VALUES (?1, ?2, ?3, ?4) "
           "ON CONFLICT(plan_id, key_id, day) DO UPDATE SET used = used + ?4");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, plan_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, day);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)n);
    int rc = store_rc(s, sqlite3_step(st));
    sqlite3_reset(st);
    return rc;
}

int store_usage_sum(store_t *s, const char *plan_id, const char *key_id, uint32_t from, uint32_t to,
                    uint64_t *used)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT COALESCE(SUM(used), 0) FROM usage_counts "
                      "WHERE plan_id = ?1 AND key_id = ?2 AND day BETWEEN ?3 AND ?4");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, plan_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, from);
    sqlite3_bind_int64(st, 4, to);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *used = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : store_rc(s, rc);
}

int store_usage_visit(store_t *s, const char *plan_id, const char *key_id, const char *after,
                      uint32_t from, uint32_t to, store_usage_visit_fn fn, void *ctx)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT key_id, day, used FROM usage_counts WHERE plan_id = ?1 "
                      "AND (?2 IS NULL OR key_id = ?2) AND key_id > ?3 AND day BETWEEN ?4 AND ?5 "
                      "ORDER BY key_id, day");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, plan_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, after != NULL ? after : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, from);
    sqlite3_bind_int64(st, 5, to);
    int rc, cb_rc = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cb_rc = fn(ctx, (const char *)sqlite3_column_text(st, 0),
                   (uint32_t)sqlite3_column_int64(st, 1), (uint64_t)sqlite3_column_int64(st, 2));
        if (cb_rc != 0)
            break;
    }
    sqlite3_reset(st);
    if (cb_rc != 0)
        return cb_rc > 0 ? STORE_OK : cb_rc;
    return rc == SQLITE_DONE ? STORE_OK : store_rc(s, rc);
}
