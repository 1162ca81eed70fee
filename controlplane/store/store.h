/* store: the control plane's SQLite database — opening it (WAL, foreign keys,
 * synchronous=FULL), schema migrations keyed by PRAGMA user_version, a cache
 * of prepared statements, transactions, and the cluster-wide config version.
 * One store_t belongs to one thread; open another for another thread. */
#ifndef PORTICO_STORE_H
#define PORTICO_STORE_H

#include <sqlite3.h>
#include <stdint.h>

enum store_err {
    STORE_OK = 0,
    STORE_ENOTFOUND = -1,
    STORE_ECONFLICT = -2, /* a unique or foreign key constraint refused the write */
    STORE_EIO = -3,       /* SQLite failed; details in the log */
    STORE_EINVAL = -4,
};

typedef struct store store_t;

/* Opens (creating if needed) path and migrates it to the current schema. */
int store_open(const char *path, store_t **out);
void store_close(store_t *s);

/* A prepared statement for a static SQL string, reset and unbound, owned by
 * the store (cached by the string's address; never finalize it). */
sqlite3_stmt *store_stmt(store_t *s, const char *sql);
sqlite3 *store_db(store_t *s);

/* Maps a sqlite3_step/bind result to a store_err, logging unexpected ones. */
int store_rc(store_t *s, int sqlite_rc);

/* 1 when the last failure since the current write began was the disk
 * refusing it (full, an I/O error, read-only): a condition that passes,
 * unlike a bug, so callers answer "unavailable" rather than "internal". */
int store_cannot_write(const store_t *s);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. */
int store_begin(store_t *s);
/* A read transaction (BEGIN DEFERRED): one consistent view across queries;
 * end it with store_commit. */
int store_begin_read(store_t *s);
int store_commit(store_t *s);
void store_rollback(store_t *s);

/* The monotonic configuration version data planes follow; store_bump_version
 * must run inside the transaction of the change it announces. */
int store_bump_version(store_t *s, uint64_t *version);
int store_version(store_t *s, uint64_t *version);
/* Keys-only changes bump the version but keep the epoch, the
 * version of the last other change, so that data planes can take them as
 * deltas on top of the snapshot they have. */
int store_bump_keys_version(store_t *s, uint64_t *version);
int store_epoch(store_t *s, uint64_t *epoch);
/* A random id fixed when the database was created (tells data planes that a
 * store was replaced rather than rolled back), followed by ".<epoch>" on the
 * control plane's own store (store_mark.h: a restored backup is a new
 * incarnation). */
const char *store_id(store_t *s);

/* For store_mark.h: a hook called inside the transaction of every version
 * bump (its error rolls the change back), the mark's file descriptor (closed
 * with the store) and the epoch store_id() appends. */
typedef int (*store_bump_hook_fn)(store_t *s, uint64_t version);
void store_set_bump_hook(store_t *s, store_bump_hook_fn fn);
int store_mark_fd(store_t *s);
void store_set_mark_fd(store_t *s, int fd);
void store_set_incarnation(store_t *s, const char *epoch);

const char *store_strerror(int err);

/* Convenience for single-column text reads: copies column `col` or NULL. */
char *store_column_text(sqlite3_stmt *st, int col);

/* JSON documents in TEXT columns: the column as a new json_t (NULL, logged,
 * when it does not parse); a compact dump bound to a statement. */
#include <jansson.h>
json_t *store_column_json(sqlite3_stmt *st, int col);
int store_bind_json(sqlite3_stmt *st, int idx, json_t *doc);
/* Steps a write and resets; STORE_ENOTFOUND when it changed no row. */
int store_step_write(store_t *s, sqlite3_stmt *st);
/* Steps a single-row read of a JSON document in column col and resets. */
int store_step_doc(store_t *s, sqlite3_stmt *st, int col, json_t **doc);

/* Builds the JSON of the row a statement stands on (NULL when it cannot). */
typedef json_t *(*store_row_fn)(sqlite3_stmt *st);
/* A store_row_fn for statements whose column 0 is a JSON document. */
json_t *store_row_doc(sqlite3_stmt *st);
/* Resets a stepped statement and maps its last sqlite3_step result. */
int store_finish(store_t *s, sqlite3_stmt *st, int sqlite_rc);
/* Steps a read of at most one row into *out; STORE_ENOTFOUND when none. */
int store_step_row(store_t *s, sqlite3_stmt *st, store_row_fn row, json_t **out);
/* Collects up to limit rows (limit < 0: all) into a new array; *more (may be
 * NULL) tells whether another row exists. A row its builder refuses fails
 * the whole read. */
int store_collect(store_t *s, sqlite3_stmt *st, store_row_fn row, int limit, json_t **items,
                  int *more);

#endif
