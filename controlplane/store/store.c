/* store: connection setup, migrations, statement cache and transactions. */
#include "store.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "log.h"
#include "store_schema.h"

#define STORE_STMT_CACHE 128

struct store_stmt_slot {
    const char *sql;
    sqlite3_stmt *stmt;
};

struct store {
    sqlite3 *db;
    char id[33];
    char incarnation[64]; /* "<id>.<epoch>" once store_mark_open ran */
    int mark_fd;          /* store_mark's file, -1 without one */
    store_bump_hook_fn on_bump;
    struct store_stmt_slot stmts[STORE_STMT_CACHE];
    size_t nstmts;
    int last_failure; /* primary SQLite code of the last failure since BEGIN */
};

static int store_exec(store_t *s, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        log_error("store: %s", err != NULL ? err : sqlite3_errmsg(s->db));
        sqlite3_free(err);
        return STORE_EIO;
    }
    return STORE_OK;
}

static int store_user_version(store_t *s, int *version)
{
    sqlite3_stmt *st = store_stmt(s, "PRAGMA user_version");
    if (st == NULL || sqlite3_step(st) != SQLITE_ROW)
        return STORE_EIO;
    *version = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return STORE_OK;
}

static int store_migrate(store_t *s)
{
    int version;
    if (store_user_version(s, &version) != STORE_OK)
        return STORE_EIO;
    if (version > (int)store_schema_count()) {
        log_error("store: the database schema (%d) is newer than this build (%zu)", version,
                  store_schema_count());
        return STORE_EIO;
    }
    for (size_t i = (size_t)version; i < store_schema_count(); i++) {
        char pragma[64];
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %zu", i + 1);
        if (store_begin(s) != STORE_OK)
            return STORE_EIO;
        if (store_exec(s, store_schema_migration(i)) != STORE_OK ||
            store_exec(s, pragma) != STORE_OK) {
            store_rollback(s);
            return STORE_EIO;
        }
        if (store_commit(s) != STORE_OK)
            return STORE_EIO;
        log_info("store: migrated schema to version %zu", i + 1);
    }
    return STORE_OK;
}

static int store_meta_init(store_t *s)
{
    char fresh[33];
    crypto_random_id(fresh, 32);
    sqlite3_stmt *st = store_stmt(
        s,
        "INSERT OR IGNORE INTO meta(key, value) VALUES ('store_id', ?1), ('config_version', '0')");
    sqlite3_bind_text(st, 1, fresh, -1, SQLITE_TRANSIENT);
    if (store_rc(s, sqlite3_step(st)) != STORE_OK)
        return STORE_EIO;
    st = store_stmt(s, "SELECT value FROM meta WHERE key = 'store_id'");
    if (sqlite3_step(st) != SQLITE_ROW)
        return STORE_EIO;
    snprintf(s->id, sizeof(s->id), "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return STORE_OK;
}

int store_open(const char *path, store_t **out)
{
    store_t *s = calloc(1, sizeof(*s));
    if (s == NULL)
        return STORE_EIO;
    s->mark_fd = -1;
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        log_error("store: cannot open %s: %s", path, sqlite3_errmsg(s->db));
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 10000);
    if (store_exec(s, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                      "PRAGMA foreign_keys = ON;") != STORE_OK)
        goto fail;
    if (store_migrate(s) != STORE_OK || store_meta_init(s) != STORE_OK)
        goto fail;
    *out = s;
    return STORE_OK;
fail:
    store_close(s);
    return STORE_EIO;
}

void store_close(store_t *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->nstmts; i++)
        sqlite3_finalize(s->stmts[i].stmt);
    sqlite3_close(s->db);
    if (s->mark_fd >= 0)
        close(s->mark_fd);
    free(s);
}

sqlite3 *store_db(store_t *s)
{
    return s->db;
}

sqlite3_stmt *store_stmt(store_t *s, const char *sql)
{
    for (size_t i = 0; i < s->nstmts; i++) {
        if (s->stmts[i].sql == sql) {
            sqlite3_reset(s->stmts[i].stmt);
            sqlite3_clear_bindings(s->stmts[i].stmt);
            return s->stmts[i].stmt;
        }
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        log_error("store: cannot prepare [%s]: %s", sql, sqlite3_errmsg(s->db));
        return NULL;
    }
    if (s->nstmts == STORE_STMT_CACHE) {
        /* the cache is sized above the number of statements in the program */
        log_error("store: statement cache full");
        sqlite3_finalize(st);
        return NULL;
    }
    s->stmts[s->nstmts++] = (struct store_stmt_slot){.sql = sql, .stmt = st};
    return st;
}

int store_rc(store_t *s, int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return STORE_OK;
    case SQLITE_CONSTRAINT:
        return STORE_ECONFLICT;
    default:
        log_error("store: %s", sqlite3_errmsg(s->db));
        s->last_failure = rc & 0xff;
        return STORE_EIO;
    }
}

int store_begin(store_t *s)
{
    s->last_failure = SQLITE_OK;
    return store_rc(s, sqlite3_step(store_stmt(s, "BEGIN IMMEDIATE")));
}

int store_cannot_write(const store_t *s)
{
    return s->last_failure == SQLITE_FULL || s->last_failure == SQLITE_IOERR ||
           s->last_failure == SQLITE_READONLY;
}

int store_begin_read(store_t *s)
{
    return store_rc(s, sqlite3_step(store_stmt(s, "BEGIN DEFERRED")));
}

int store_commit(store_t *s)
{
    sqlite3_stmt *st = store_stmt(s, "COMMIT");
    int rc = store_rc(s, sqlite3_step(st));
    sqlite3_reset(st);
    return rc;
}

void store_rollback(store_t *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_step(store_stmt(s, "ROLLBACK"));
}

int store_bump_keys_version(store_t *s, uint64_t *version)
{
    sqlite3_stmt *st =
        store_stmt(s, "UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
                      "WHERE key = 'config_version' RETURNING CAST(value AS INTEGER)");
    if (sqlite3_step(st) != SQLITE_ROW)
        return store_rc(s, sqlite3_errcode(s->db));
    uint64_t v = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (s->on_bump != NULL && s->on_bump(s, v) != STORE_OK)
        return STORE_EIO; /* the transaction rolls back: no version unmarked */
    if (version != NULL)
        *version = v;
    return STORE_OK;
}

int store_bump_version(store_t *s, uint64_t *version)
{
    uint64_t v;
    int rc = store_bump_keys_version(s, &v);
    if (rc != STORE_OK)
        return rc;
    /* anything but a keys-only change starts a new epoch: key deltas built
     * against an older one no longer apply */
    sqlite3_stmt *st = store_stmt(s, "UPDATE meta SET value = ?1 WHERE key = 'config_epoch'");
    sqlite3_bind_int64(st, 1, (sqlite3_int64)v);
    rc = store_rc(s, sqlite3_step(st));
    sqlite3_reset(st);
    if (rc == STORE_OK && version != NULL)
        *version = v;
    return rc;
}

int store_epoch(store_t *s, uint64_t *epoch)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'config_epoch'");
    if (sqlite3_step(st) != SQLITE_ROW)
        return STORE_EIO;
    *epoch = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return STORE_OK;
}

int store_version(store_t *s, uint64_t *version)
{
    sqlite3_stmt *st =
        store_stmt(s, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'config_version'");
    if (sqlite3_step(st) != SQLITE_ROW)
        return STORE_EIO;
    *version = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return STORE_OK;
}

const char *store_id(store_t *s)
{
    return s->incarnation[0] != '\0' ? s->incarnation : s->id;
}

int store_mark_fd(store_t *s)
{
    return s->mark_fd;
}

void store_set_mark_fd(store_t *s, int fd)
{
    s->mark_fd = fd;
}

void store_set_bump_hook(store_t *s, store_bump_hook_fn fn)
{
    s->on_bump = fn;
}

void store_set_incarnation(store_t *s, const char *epoch)
{
    snprintf(s->incarnation, sizeof(s->incarnation), "%s.%s", s->id, epoch);
}

char *store_column_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t == NULL ? NULL : strdup((const char *)t);
}

const char *store_strerror(int err)
{
    static const char *const messages[] = {
        [-STORE_OK] = "ok",
        [-STORE_ENOTFOUND] = "not found",
        [-STORE_ECONFLICT] = "conflict",
        [-STORE_EIO] = "database error",
        [-STORE_EINVAL] = "invalid argument",
    };
    if (err > 0 || -err >= (int)(sizeof(messages) / sizeof(messages[0])))
        return "unknown store error";
    return messages[-err];
}

/* ---- JSON document helpers (shared by the store_* files) ----------------- */

json_t *store_column_json(sqlite3_stmt *st, int col)
{
    const char *text = (const char *)sqlite3_column_text(st, col);
    json_error_t err;
    json_t *doc = text != NULL ? json_loads(text, 0, &err) : NULL;
    if (doc == NULL)
        log_error("store: a stored document does not parse: %s", text != NULL ? err.text : "NULL");
    return doc;
}

int store_bind_json(sqlite3_stmt *st, int idx, json_t *doc)
{
    char *text = json_dumps(doc, JSON_COMPACT);
    if (text == NULL)
        return SQLITE_NOMEM;
    return sqlite3_bind_text(st, idx, text, -1, free);
}

/* Steps a write; STORE_ENOTFOUND when it changed no row. */
int store_step_write(store_t *s, sqlite3_stmt *st)
{
    if (st == NULL)
        return STORE_EIO;
    int rc = store_rc(s, sqlite3_step(st));
    int changed = sqlite3_changes(store_db(s));
    sqlite3_reset(st);
    if (rc != STORE_OK)
        return rc;
    return changed > 0 ? STORE_OK : STORE_ENOTFOUND;
}

/* Steps a single-row read of a JSON document in column col. */
int store_step_doc(store_t *s, sqlite3_stmt *st, int col, json_t **doc)
{
    if (st == NULL)
        return STORE_EIO;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return STORE_ENOTFOUND;
    }
    if (rc != SQLITE_ROW) {
        rc = store_rc(s, rc);
        sqlite3_reset(st);
        return rc;
    }
    *doc = store_column_json(st, col);
    sqlite3_reset(st);
    return *doc != NULL ? STORE_OK : STORE_EIO;
}

json_t *store_row_doc(sqlite3_stmt *st)
{
    return store_column_json(st, 0);
}

int store_finish(store_t *s, sqlite3_stmt *st, int sqlite_rc)
{
    sqlite3_reset(st);
    return sqlite_rc == SQLITE_DONE || sqlite_rc == SQLITE_ROW ? STORE_OK : store_rc(s, sqlite_rc);
}

int store_step_row(store_t *s, sqlite3_stmt *st, store_row_fn row, json_t **out)
{
    if (st == NULL)
        return STORE_EIO;
    int rc = sqlite3_step(st);
    json_t *got = rc == SQLITE_ROW ? row(st) : NULL;
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return STORE_ENOTFOUND;
    if (rc != SQLITE_ROW)
        return store_rc(s, rc);
    if (got == NULL)
        return STORE_EIO;
    *out = got;
    return STORE_OK;
}

int store_collect(store_t *s, sqlite3_stmt *st, store_row_fn row, int limit, json_t **items,
                  int *more)
{
    if (st == NULL)
        return STORE_EIO;
    json_t *arr = json_array();
    int rc, n = 0, extra = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (limit >= 0 && n == limit) {
            extra = 1;
            break;
        }
        json_t *item = row(st);
        if (item == NULL) {
            rc = SQLITE_ERROR;
            break;
        }
        json_array_append_new(arr, item);
        n++;
    }
    rc = store_finish(s, st, rc);
    if (rc != STORE_OK) {
        json_decref(arr);
        return rc;
    }
    if (more != NULL)
        *more = extra;
    *items = arr;
    return STORE_OK;
}
