/* store_metrics: every write is a read-modify-write of one blob row keyed by
 * the series; blobs of another length (a future layout) are skipped. */
#include "store_metrics.h"

#include <string.h>

#include "log.h"

#define KEY_COLS "api_id, stage, resource, method, canary"
#define KEY_MATCH "api_id = ?1 AND stage = ?2 AND resource = ?3 AND method = ?4 AND canary = ?5"

static void bind_key(sqlite3_stmt *st, const store_metric_key_t *k)
{
    sqlite3_bind_text(st, 1, k->api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, k->stage, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, k->resource, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, k->method, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, k->canary != 0);
}

static void bind_vec(sqlite3_stmt *st, int col, const metricvec_t *v, uint8_t *buf)
{
    metricvec_encode(v, buf);
    sqlite3_bind_blob(st, col, buf, MV_LEN * 8, SQLITE_STATIC);
}

/* Reads column col of a row into v; 1 when the row exists and decodes. */
static int read_vec(store_t *s, sqlite3_stmt *st, int col, metricvec_t *v, int *rc)
{
    int step = sqlite3_step(st);
    *rc = store_rc(s, step);
    if (step != SQLITE_ROW)
        return 0;
    return metricvec_decode(v, sqlite3_column_blob(st, col),
                            (size_t)sqlite3_column_bytes(st, col)) == 0;
}

int store_metrics_incarnation(store_t *s, const char *node_id, uint64_t started_at, int64_t minute)
{
    sqlite3_stmt *st =
        store_stmt(s, "INSERT INTO metrics_node_incarnations(node_id, started_at, last_minute) "
                      "VALUES (?1, ?2, ?3) ON CONFLICT(node_id, started_at) DO UPDATE SET "
                      "last_minute = max(last_minute, excluded.last_minute)");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, node_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)started_at);
    sqlite3_bind_int64(st, 3, minute);
    return store_rc(s, sqlite3_step(st));
}

static int seen_get(store_t *s, const char *node, uint64_t started, const store_metric_key_t *k,
                    metricvec_t *v)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT vals FROM metrics_node_seen WHERE " KEY_MATCH
                                     " AND node_id = ?6 AND started_at = ?7");
    if (st == NULL)
        return STORE_EIO;
    bind_key(st, k);
    sqlite3_bind_text(st, 6, node, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)started);
    int rc;
    if (!read_vec(s, st, 0, v, &rc))
        memset(v, 0, sizeof(*v));
    sqlite3_reset(st);
    return rc;
}

static int seen_put(store_t *s, const char *node, uint64_t started, const store_metric_key_t *k,
                    const metricvec_t *v)
{
    uint8_t buf[MV_LEN * 8];
    sqlite3_stmt *st = store_stmt(s, "INSERT OR REPLACE INTO metrics_node_seen(" KEY_COLS
                                     ", node_id, started_at, vals) VALUES (?1, ?2, ?3, ?4, ?5, "
                                     "?6, ?7, ?8)");
    if (st == NULL)
        return STORE_EIO;
    bind_key(st, k);
    sqlite3_bind_text(st, 6, node, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)started);
    bind_vec(st, 8, v, buf);
    return store_rc(s, sqlite3_step(st));
}

/* Adds delta to the row selected by get (and written by put): the minute row or the totals. */
static int add_to(store_t *s, const char *get, const char *put, const store_metric_key_t *k,
                  int64_t minute, const metricvec_t *delta)
{
    metricvec_t v;
    uint8_t buf[MV_LEN * 8];
    sqlite3_stmt *st = store_stmt(s, get);
    if (st == NULL)
        return STORE_EIO;
    bind_key(st, k);
    if (sqlite3_bind_parameter_count(st) >= 6) /* the minute row's read names its minute */
        sqlite3_bind_int64(st, 6, minute);
    int rc;
    if (!read_vec(s, st, 0, &v, &rc))
        memset(&v, 0, sizeof(v));
    sqlite3_reset(st);
    if (rc != STORE_OK)
        return rc;
    metricvec_add(&v, delta);
    if ((st = store_stmt(s, put)) == NULL)
        return STORE_EIO;
    bind_key(st, k);
    sqlite3_bind_int64(st, 6, minute);
    bind_vec(st, 7, &v, buf);
    return store_rc(s, sqlite3_step(st));
}

static const char sql_minute_get[] =
    "SELECT vals FROM metrics_minutes WHERE " KEY_MATCH " AND minute = ?6";
static const char sql_minute_put[] = "INSERT OR REPLACE INTO metrics_minutes(" KEY_COLS
                                     ", minute, vals) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
static const char sql_total_get[] = "SELECT vals FROM metrics_totals WHERE " KEY_MATCH;
static const char sql_total_put[] = "INSERT OR REPLACE INTO metrics_totals(" KEY_COLS
                                    ", updated_minute, vals) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

int store_metrics_ingest(store_t *s, const char *node_id, uint64_t started_at,
                         const store_metric_key_t *k, const metricvec_t *cur, int64_t minute,
                         int *added)
{
    metricvec_t last, delta;
    *added = 0;
    int rc = seen_get(s, node_id, started_at, k, &last);
    if (rc != STORE_OK || metricvec_delta(&delta, cur, &last) <= 0)
        return rc; /* nothing new, or an older report than one already counted */
    if ((rc = seen_put(s, node_id, started_at, k, cur)) != STORE_OK ||
        (rc = add_to(s, sql_minute_get, sql_minute_put, k, minute, &delta)) != STORE_OK ||
        (rc = add_to(s, sql_total_get, sql_total_put, k, minute, &delta)) != STORE_OK)
        return rc;
    *added = 1;
    return STORE_OK;
}

int store_metrics_prune(store_t *s, int64_t keep_from, int64_t superseded_before)
{
    static const char *const sql[] = {
        "DELETE FROM metrics_minutes WHERE minute < ?1",
        "DELETE FROM metrics_totals WHERE updated_minute < ?1",
        "DELETE FROM metrics_node_incarnations AS i WHERE i.last_minute < ?1 OR "
        "(i.last_minute < ?2 AND EXISTS (SELECT 1 FROM metrics_node_incarnations AS n "
        "WHERE n.node_id = i.node_id AND n.started_at > i.started_at))",
    };
    for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
        sqlite3_stmt *st = store_stmt(s, sql[i]);
        if (st == NULL)
            return STORE_EIO;
        sqlite3_bind_int64(st, 1, keep_from);
        if (i == 2)
            sqlite3_bind_int64(st, 2, superseded_before);
        int rc = store_rc(s, sqlite3_step(st));
        if (rc != STORE_OK)
            return rc;
    }
    return STORE_OK;
}

/* Rows are (minute, api, stage, resource, method, canary, vals). */
static int visit_rows(store_t *s, sqlite3_stmt *st, store_metrics_fn fn, void *ctx)
{
    int step, rc = STORE_OK;
    while (rc == STORE_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        store_metric_key_t k = {
            (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2),
            (const char *)sqlite3_column_text(st, 3), (const char *)sqlite3_column_text(st, 4),
            sqlite3_column_int(st, 5)};
        metricvec_t v;
        if (metricvec_decode(&v, sqlite3_column_blob(st, 6), (size_t)sqlite3_column_bytes(st, 6)) !=
            0)
            continue;
        rc = fn(ctx, sqlite3_column_int64(st, 0), &k, &v);
    }
    if (rc == STORE_OK)
        rc = store_rc(s, step);
    sqlite3_reset(st);
    return rc;
}

int store_metrics_visit_totals(store_t *s, store_metrics_fn fn, void *ctx)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT updated_minute, " KEY_COLS ", vals FROM metrics_totals "
                      "ORDER BY " KEY_COLS);
    return st != NULL ? visit_rows(s, st, fn, ctx) : STORE_EIO;
}

int store_metrics_visit_minutes(store_t *s, const store_metrics_query_t *q, store_metrics_fn fn,
                                void *ctx)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT minute, " KEY_COLS ", vals FROM metrics_minutes "
                      "WHERE minute >= ?1 AND minute < ?2 AND (?3 IS NULL OR api_id = ?3) AND "
                      "(?4 IS NULL OR stage = ?4) AND (?5 IS NULL OR resource = ?5) AND "
                      "(?6 IS NULL OR method = ?6) ORDER BY minute");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_int64(st, 1, q->from_minute);
    sqlite3_bind_int64(st, 2, q->to_minute);
    sqlite3_bind_text(st, 3, q->api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, q->stage, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, q->resource, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, q->method, -1, SQLITE_STATIC);
    return visit_rows(s, st, fn, ctx);
}

int store_metrics_count_minutes(store_t *s, int64_t *count)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT count(*) FROM metrics_minutes");
    if (st == NULL || sqlite3_step(st) != SQLITE_ROW)
        return STORE_EIO;
    *count = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return STORE_OK;
}
