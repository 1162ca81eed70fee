/* store_mark: the mark is one fixed-size line rewritten in place with
 * pwrite + fdatasync (a 64-byte write inside one sector); a mark that does
 * not parse counts as a mismatch, which only costs the nodes a full reload. */
#include "store_mark.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "log.h"

#define MARK_LEN 64
#define MARK_EPOCH_LEN 16

static int mark_write(int fd, const char *epoch, uint64_t version)
{
    char line[MARK_LEN + 1];
    int n = snprintf(line, sizeof(line), "portico-mark-v1 %s %020" PRIu64, epoch, version);
    memset(line + n, ' ', (size_t)(MARK_LEN - 1 - n));
    line[MARK_LEN - 1] = '\n';
    if (pwrite(fd, line, MARK_LEN, 0) != MARK_LEN || fdatasync(fd) != 0)
        return -1;
    return 0;
}

/* The mark's epoch and version; -1 when absent or unreadable. */
static int mark_read(int fd, char epoch[MARK_EPOCH_LEN + 1], uint64_t *version)
{
    char line[MARK_LEN + 1];
    ssize_t n = pread(fd, line, MARK_LEN, 0);
    if (n != MARK_LEN)
        return -1;
    line[MARK_LEN] = '\0';
    if (sscanf(line, "portico-mark-v1 %16[0-9a-zA-Z] %" SCNu64, epoch, version) != 2 ||
        strlen(epoch) != MARK_EPOCH_LEN)
        return -1;
    return 0;
}

static int epoch_get(store_t *s, char epoch[MARK_EPOCH_LEN + 1])
{
    sqlite3_stmt *st = store_stmt(s, "SELECT value FROM meta WHERE key = 'store_epoch'");
    epoch[0] = '\0';
    if (st == NULL)
        return STORE_EIO;
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(epoch, MARK_EPOCH_LEN + 1, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return STORE_OK;
}

static int epoch_set(store_t *s, char epoch[MARK_EPOCH_LEN + 1])
{
    crypto_random_id(epoch, MARK_EPOCH_LEN);
    epoch[MARK_EPOCH_LEN] = '\0';
    sqlite3_stmt *st =
        store_stmt(s, "INSERT OR REPLACE INTO meta(key, value) VALUES ('store_epoch', ?1)");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, epoch, -1, SQLITE_TRANSIENT);
    int rc = store_rc(s, sqlite3_step(st));
    sqlite3_reset(st);
    return rc;
}

/* Installs a new epoch and records it with the current version. */
static int mark_renew(store_t *s)
{
    char epoch[MARK_EPOCH_LEN + 1];
    uint64_t version;
    if (store_version(s, &version) != STORE_OK || epoch_set(s, epoch) != STORE_OK)
        return STORE_EIO;
    store_set_incarnation(s, epoch);
    if (mark_write(store_mark_fd(s), epoch, version) != 0) {
        log_error("store: cannot write the store mark: %s", strerror(errno));
        return STORE_EIO;
    }
    return STORE_OK;
}

static int store_mark_note(store_t *s, uint64_t version);

int store_mark_open(store_t *s, const char *db_path)
{
    char path[4096], epoch[MARK_EPOCH_LEN + 1], marked[MARK_EPOCH_LEN + 1];
    uint64_t version, marked_version = 0;
    if (snprintf(path, sizeof(path), "%s-mark", db_path) >= (int)sizeof(path))
        return STORE_EIO;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        log_error("store: cannot open %s: %s", path, strerror(errno));
        return STORE_EIO;
    }
    store_set_mark_fd(s, fd);
    store_set_bump_hook(s, store_mark_note);
    if (epoch_get(s, epoch) != STORE_OK || store_version(s, &version) != STORE_OK)
        return STORE_EIO;
    int have = mark_read(fd, marked, &marked_version) == 0;
    if (have && epoch[0] != '\0' && strcmp(marked, epoch) == 0 && marked_version <= version) {
        store_set_incarnation(s, epoch);
        return mark_write(fd, epoch, version) == 0 ? STORE_OK : STORE_EIO;
    }
    if (have || version > 0)
        log_warn("store: the database is not the one last published (version %" PRIu64
                 ", the mark says %" PRIu64 " in epoch %s): a restored backup? Starting a new "
                 "store epoch; every data plane reloads it",
                 version, marked_version, have ? marked : "(none)");
    return mark_renew(s);
}

int store_mark_new_epoch(store_t *s)
{
    if (store_mark_fd(s) < 0)
        return STORE_EIO;
    log_warn("store: a data plane holds a version this store never reached; starting a new "
             "store epoch");
    return mark_renew(s);
}

/* The store's bump hook: records every version before its transaction commits. */
static int store_mark_note(store_t *s, uint64_t version)
{
    char epoch[MARK_EPOCH_LEN + 1];
    if (store_mark_fd(s) < 0)
        return STORE_OK;
    if (epoch_get(s, epoch) != STORE_OK || mark_write(store_mark_fd(s), epoch, version) != 0) {
        log_error("store: cannot record version %" PRIu64 " in the store mark", version);
        return STORE_EIO;
    }
    return STORE_OK;
}
