/* store_keys: API keys, usage plans and memberships. */
#include "store_keys.h"

#include <stdlib.h>
#include <string.h>

static void bind_str(sqlite3_stmt *st, int i, const char *v)
{
    sqlite3_bind_text(st, i, v != NULL ? v : "", -1, SQLITE_STATIC);
}

/* ---- API keys ----------------------------------------------------------- */

int store_apikey_insert(store_t *s, const store_apikey_t *k, int64_t now)
{
    sqlite3_stmt *st = store_stmt(
        s, "INSERT INTO api_keys(id, name, description, customer_id, enabled, sha256, prefix, "
           "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)");
    if (st == NULL)
        return STORE_EIO;
    bind_str(st, 1, k->id);
    bind_str(st, 2, k->name);
    bind_str(st, 3, k->description);
    bind_str(st, 4, k->customer_id);
    sqlite3_bind_int(st, 5, k->enabled != 0);
    sqlite3_bind_blob(st, 6, k->sha256, KEYREC_SHA_LEN, SQLITE_STATIC);
    bind_str(st, 7, k->prefix);
    sqlite3_bind_int64(st, 8, now);
    return store_finish(s, st, sqlite3_step(st));
}

int store_apikey_update(store_t *s, const store_apikey_t *k, int64_t now)
{
    sqlite3_stmt *st =
        store_stmt(s, "UPDATE api_keys SET name = ?2, description = ?3, customer_id = ?4, "
                      "enabled = ?5, updated_at = ?6 WHERE id = ?1");
    if (st == NULL)
        return STORE_EIO;
    bind_str(st, 1, k->id);
    bind_str(st, 2, k->name);
    bind_str(st, 3, k->description);
    bind_str(st, 4, k->customer_id);
    sqlite3_bind_int(st, 5, k->enabled != 0);
    sqlite3_bind_int64(st, 6, now);
    return store_step_write(s, st);
}

#define APIKEY_COLUMNS "id, name, description, customer_id, enabled, prefix, created_at, updated_at"

static json_t *apikey_row(sqlite3_stmt *st)
{
    json_t *k = json_object();
    json_object_set_new(k, "id", json_string((const char *)sqlite3_column_text(st, 0)));
    json_object_set_new(k, "name", json_string((const char *)sqlite3_column_text(st, 1)));
    const char *desc = (const char *)sqlite3_column_text(st, 2);
    if (desc != NULL && *desc != '\0')
        json_object_set_new(k, "description", json_string(desc));
    const char *customer = (const char *)sqlite3_column_text(st, 3);
    if (customer != NULL && *customer != '\0')
        json_object_set_new(k, "customerId", json_string(customer));
    json_object_set_new(k, "enabled", json_boolean(sqlite3_column_int(st, 4)));
    json_object_set_new(k, "valuePrefix", json_string((const char *)sqlite3_column_text(st, 5)));
    json_object_set_new(k, "createdDate", json_integer(sqlite3_column_int64(st, 6)));
    json_object_set_new(k, "lastUpdatedDate", json_integer(sqlite3_column_int64(st, 7)));
    json_object_set_new(k, "stageKeys", json_array());
    return k;
}

int store_apikey_get(store_t *s, const char *id, json_t **doc)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT " APIKEY_COLUMNS " FROM api_keys WHERE id = ?1");
    if (st == NULL)
        return STORE_EIO;
    bind_str(st, 1, id);
    return store_step_row(s, st, apikey_row, doc);
}

int store_apikey_sha(store_t *s, const char *id, uint8_t sha256[KEYREC_SHA_LEN])
{
    sqlite3_stmt *st = store_stmt(s, "SELECT sha256 FROM api_keys WHERE id = ?1");
    if (st == NULL)
        return STORE_EIO;
    bind_str(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == KEYREC_SHA_LEN)
        memcpy(sha256, sqlite3_column_blob(st, 0), KEYREC_SHA_LEN);
    else if (rc == SQLITE_ROW)
        rc = SQLITE_CORRUPT;
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return STORE_ENOTFOUND;
    return rc == SQLITE_ROW ? STORE_OK : store_rc(s, rc);
}

int store_apikey_list(store_t *s, const char *name_prefix, const char *customer_id,
                      const char *after, int limit, json_t **items, int *more)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT " APIKEY_COLUMNS " FROM api_keys WHERE id > ?1 "
                                     "AND (?2 IS NULL OR substr(name, 1, length(?2)) = ?2) "
                                     "AND (?3 IS NULL OR customer_id = ?3) ORDER BY id");
    if (st == NULL)
        return STORE_EIO;
    bind_str(st, 1, after);
    sqlite3_bind_text(st, 2, name_prefix, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, customer_id, -1, SQLITE_STATIC);
    return store_collect(s, st, apikey_row, limit, items, more);
}

int store_apikey_delete(store_t *s, const char *id)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM api_keys WHERE id = ?1");
    if (st == NULL)
        return STORE_EIO;
    bind_str(st, 1, id);
    return store_step_write(s, st);
}

/* ---- usage plans -------------------------------------------------------- */

/* Mirrors doc.apiStages into usage_plan_stages. */
static int plan_write_stages(store_t *s, const char *id, json_t *doc)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM usage_plan_stages WHERE plan_id = ?1");
    if (st == NULL)
        return STORE_EIO;
    bind_str(st, 1, id);
    int rc = store_finish(s, st, sqlite3_step(st));
    size_t i;
    json_t *stage;
    json_array_foreach(json_object_get(doc, "apiStages"), i, stage)
    {
        if (rc != STORE_OK)
            break;
        st = store_stmt(s, "INSERT INTO usage_plan_stages(plan_id, api_id, stage) "
                           "VALUES (?1, ?2, ?3)");
        if (st == NULL)
            return STORE_EIO;
        bind_str(st, 1, id);
        bind_str(st, 2, json_string_value(json_object_get(stage, "apiId")));
        bind_str(st, 3, json_string_value(json_object_get(stage, "stage")));
        rc = store_finish(s, st, sqlite3_step(st));
    }
    return rc;
}

/* now < 0: the statement has no creation time to bind (updates). */
static int plan_write(store_t *s, const char *sql, const char *id, int64_t now, json_t *doc)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    if (st == NULL)
        return STORE_EIO;
    char *text = json_dumps(doc, JSON_COMPACT);
    if (text == NULL)
        return STORE_EIO;
    bind_str(st, 1, id);
    sqlite3_bind_text(st, 2, text, -1, free);
    if (now >= 0)
        sqlite3_bind_int64(st, 3, now);
    int rc = store_step_write(s, st);
    return rc == STORE_OK ? plan_write_stages(s, id, doc) : rc;
}

int store_plan_insert(store_t *s, const char *id, int64_t now, json_t *doc)
{
    return plan_write(s, "INSERT INTO usage_plans(id, doc, created_at) VALUES (?1, ?2, ?3)", id,
                      now, doc);
}

int store_plan_update(store_t *s, const char *id, json_t *doc)
{
    return plan_write(s, "UPDATE usage_plans SET doc = ?2 WHERE id = ?1", id, -1, doc);
}

static json_t *plan_row(sqlite3_stmt *st)
{
    return json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
}

int store_plan_get(store_t *s, const char *id, json_t **doc)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc FROM usage_plans WHERE id = ?1");
    if (st == NULL)
        return STORE_EIO;
    bind_str(st, 1, id);
    int rc = sqlite3_step(st);
    json_t *d = rc == SQLITE_ROW ? plan_row(st) : NULL;
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return STORE_ENOTFOUND;
    if (rc != SQLITE_ROW)
        return store_rc(s, rc);
    if (d == NULL)
        return STORE_EIO;
    *doc = d;
    return STORE_OK;
}

int store_plan_list(store_t *s, const char *key_id, const char *after, int limit, json_t **items,
                    int *more)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT doc FROM usage_plans p WHERE id > ?1 AND (?2 IS NULL OR EXISTS ("
                      "SELECT 1 FROM usage_plan_keys k WHERE k.plan_id = p.id AND k.key_id = ?2)) "
                      "ORDER BY id");
    if (st == NULL)
        return STORE_EIO;
    bind_str(st, 1, after);
    sqlite3_bind_text(st, 2, key_id, -1, SQLITE_STATIC);
    return store_collect(s, st, plan_row, limit, items, more);
}

int store_plan_delete(store_t *s, const char *id)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM usage_plans WHERE id = ?1");
    if (st == NULL)
        return STORE_EIO;
    bind_str(st, 1, id);
    return store_step_write(s, st);
}

int store_plan_created_at(store_t *s, const char *id, int64_t *created_at)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT created_at FROM usage_plans WHERE id = ?1");
    if (st == NULL)
        return STORE_EIO;
    bind_str(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *created_at = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return STORE_ENOTFOUND;
    return rc == SQLITE_ROW ? STORE_OK : store_rc(s, rc);
}

int store_plan_visit_all(store_t *s, store_plan_visit_fn fn, void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc, created_at FROM usage_plans ORDER BY id");
    if (st == NULL)
        return STORE_EIO;
    int rc, cb_rc = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *doc = plan_row(st);
        if (doc == NULL) {
            rc = SQLITE_CORRUPT;
            break;
        }
        cb_rc = fn(ctx, doc, sqlite3_column_int64(st, 1));
        json_decref(doc);
        if (cb_rc != 0)
            break;
    }
    sqlite3_reset(st);
    if (cb_rc != 0)
        return cb_rc;
    return rc == SQLITE_DONE ? STORE_OK : store_rc(s, rc);
}

/* ---- memberships -------------------------------------------------------- */

int store_plan_key_add(store_t *s, const char *plan_id, const char *key_id)
{
    sqlite3_stmt *st =
        store_stmt(s, "INSERT INTO usage_plan_keys(plan_id, key_id) VALUES (?1, ?2)");
    if (st == NULL)
        return STORE_EIO;
    bind_str(st, 1, plan_id);
    bind_str(st, 2, key_id);
    return store_finish(s, st, sqlite3_step(st));
}

int store_plan_key_delete(store_t *s, const char *plan_id, const char *key_id)
{
    sqlite3_stmt *st =
        store_stmt(s, "DELETE FROM usage_plan_keys WHERE plan_id = ?1 AND key_id = ?2");
    if (st == NULL)
        return STORE_EIO;
    bind_str(st, 1, plan_id);
    bind_str(st, 2, key_id);
    return store_step_write(s, st);
}

static json_t *plan_key_row(sqlite3_stmt *st)
{
    return json_pack("{s:s,s:s,s:s,s:s}", "id", (const char *)sqlite3_column_text(st, 0), "type",
                     "API_KEY", "name", (const char *)sqlite3_column_text(st, 1), "valuePrefix",
                     (const char *)sqlite3_column_text(st, 2));
}

int store_plan_key_get(store_t *s, const char *plan_id, const char *key_id, json_t **item)
{
    sqlite3_stmt *st = store_stmt(
        s, "SELECT k.id, k.name, k.prefix FROM usage_plan_keys pk "
           "JOIN api_keys k ON k.id = pk.key_id WHERE pk.plan_id = ?1 AND pk.key_id = ?2");
    if (st == NULL)
        return STORE_EIO;
    bind_str(st, 1, plan_id);
    bind_str(st, 2, key_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *item = plan_key_row(st);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return STORE_ENOTFOUND;
    return rc == SQLITE_ROW ? STORE_OK : store_rc(s, rc);
}

int store_plan_key_list(store_t *s, const char *plan_id, const char *name_prefix, const char *after,
                        int limit, json_t **items, int *more)
{
    sqlite3_stmt *st = store_stmt(
        s, "SELECT k.id, k.name, k.prefix FROM usage_plan_keys pk "
           "JOIN api_keys k ON k.id = pk.key_id WHERE pk.plan_id = ?1 AND pk.key_id > ?2 "
           "AND (?3 IS NULL OR substr(k.name, 1, length(?3)) = ?3) ORDER BY pk.key_id");
    if (st == NULL)
        return STORE_EIO;
    bind_str(st, 1, plan_id);
    bind_str(st, 2, after);
    sqlite3_bind_text(st, 3, name_prefix, -1, SQLITE_STATIC);
    return store_collect(s, st, plan_key_row, limit, items, more);
}

int store_plan_stage_conflict(store_t *s, const char *plan_id, const char *key_id, int *conflict)
{
    sqlite3_stmt *st = store_stmt(
        s, "SELECT 1 FROM usage_plan_stages mine "
           "JOIN usage_plan_stages other ON other.api_id = mine.api_id AND "
           "  other.stage = mine.stage AND other.plan_id <> mine.plan_id "
           "JOIN usage_plan_keys ok ON ok.plan_id = other.plan_id "
           "WHERE mine.plan_id = ?1 AND (?2 IS NULL AND EXISTS (SELECT 1 FROM usage_plan_keys mk "
           "  WHERE mk.plan_id = ?1 AND mk.key_id = ok.key_id) OR ok.key_id = ?2) LIMIT 1");
    if (st == NULL)
        return STORE_EIO;
    bind_str(st, 1, plan_id);
    sqlite3_bind_text(st, 2, key_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *conflict = rc == SQLITE_ROW;
    return store_finish(s, st, rc);
}

int store_plan_key_shas(store_t *s, const char *plan_id, store_sha_visit_fn fn, void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT k.sha256 FROM usage_plan_keys pk "
                                     "JOIN api_keys k ON k.id = pk.key_id WHERE pk.plan_id = ?1");
    if (st == NULL)
        return STORE_EIO;
    bind_str(st, 1, plan_id);
    int rc, cb_rc = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 0) != KEYREC_SHA_LEN) {
            rc = SQLITE_CORRUPT;
            break;
        }
        if ((cb_rc = fn(ctx, sqlite3_column_blob(st, 0))) != 0)
            break;
    }
    sqlite3_reset(st);
    if (cb_rc != 0)
        return cb_rc;
    return rc == SQLITE_DONE ? STORE_OK : store_rc(s, rc);
}

/* ---- key records -------------------------------------------------------- */

static int records_append(uint8_t **buf, size_t *len, size_t *cap, sqlite3_stmt *st)
{
    if (sqlite3_column_bytes(st, 0) != KEYREC_SHA_LEN ||
        sqlite3_column_bytes(st, 1) != KEYREC_KEY_ID_LEN ||
        sqlite3_column_bytes(st, 2) != KEYREC_PLAN_ID_LEN)
        return STORE_EIO;
    if (*len + KEYREC_LEN > *cap) {
        size_t ncap = *cap < 4096 ? 4096 : *cap * 2;
        uint8_t *bigger = realloc(*buf, ncap);
        if (bigger == NULL)
            return STORE_EIO;
        *buf = bigger;
        *cap = ncap;
    }
    keyrec_pack(*buf + *len, sqlite3_column_blob(st, 0), (const char *)sqlite3_column_text(st, 1),
                (const char *)sqlite3_column_text(st, 2));
    *len += KEYREC_LEN;
    return STORE_OK;
}

static int records_collect(store_t *s, sqlite3_stmt *st, uint8_t **buf, size_t *len, size_t *cap)
{
    int rc, app = STORE_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if ((app = records_append(buf, len, cap, st)) != STORE_OK)
            break;
    sqlite3_reset(st);
    if (app != STORE_OK)
        return app;
    return rc == SQLITE_DONE ? STORE_OK : store_rc(s, rc);
}

int store_key_records_all(store_t *s, uint8_t **buf, size_t *len, size_t *cap)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT k.sha256, k.id, pk.plan_id FROM usage_plan_keys pk "
                                     "JOIN api_keys k ON k.id = pk.key_id WHERE k.enabled = 1");
    if (st == NULL)
        return STORE_EIO;
    return records_collect(s, st, buf, len, cap);
}

int store_key_records_for(store_t *s, const uint8_t *sha256, uint8_t **buf, size_t *len,
                          size_t *cap)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT k.sha256, k.id, pk.plan_id FROM api_keys k "
                                     "JOIN usage_plan_keys pk ON pk.key_id = k.id "
                                     "WHERE k.sha256 = ?1 AND k.enabled = 1");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_blob(st, 1, sha256, KEYREC_SHA_LEN, SQLITE_STATIC);
    return records_collect(s, st, buf, len, cap);
}
