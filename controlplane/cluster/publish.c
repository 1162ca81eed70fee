/* publish: the transaction's change set (what, bump, keys) is staged until
 * the commit succeeds; the loop-turn timers then send one snapshot or one
 * delta however many changes the turn committed. */
#include "publish.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "jwks_fetch.h"
#include "keydelta.h"
#include "keyrec.h"
#include "log.h"
#include "nodes.h"
#include "store_mark.h"
#include "usage.h"

#define PUBLISH_HEARTBEAT_MS 1000

enum publish_bump { BUMP_NONE, BUMP_KEYS, BUMP_FULL };

struct publish {
    publish_config_t cfg;
    int64_t keys_day; /* UTC day of the AWS_IAM signing keys last published */
    /* the open transaction's change set */
    unsigned staged;
    enum publish_bump bumped;
    uint8_t *staged_keys;
    size_t nstaged_keys, cap_staged_keys;
    /* what the data planes have */
    uint64_t published_version;
    uint64_t published_epoch; /* epoch of the last whole snapshot */
    int full_failed;          /* the last whole snapshot failed to build */
    keydelta_t *keydelta;
    /* timers: a snapshot or a delta on the next loop turn, the quiet rebuild
     * after deltas, and the heartbeat */
    int snapshot_pending, delta_pending;
    h2o_timeout_t turn_timeout, rebuild_timeout, heartbeat_timeout;
    h2o_timeout_entry_t snapshot_entry, delta_entry, rebuild_entry, heartbeat_entry;
    struct jwks_fetch *jwks;
};

static void publish_on_snapshot(h2o_timeout_entry_t *entry);
static void publish_on_delta(h2o_timeout_entry_t *entry);
static void publish_on_rebuild(h2o_timeout_entry_t *entry);
/* AWS_IAM signing keys are per UTC day (every snapshot carries the keys of
 * the day it is built on, and the days around it): on a new day the
 * configuration version moves, since data planes only take newer versions,
 * and a snapshot goes out. Once a day, even if that snapshot fails. */
static void publish_new_day(publish_t *p)
{
    int64_t today = (int64_t)(clock_wall_ms() / 86400000);
    if (p->keys_day == 0)
        p->keys_day = today; /* the first heartbeat: the startup snapshot has today's keys */
    if (today == p->keys_day)
        return;
    p->keys_day = today;
    if (publish_begin(p) != STORE_OK ||
        publish_change(p, PUBLISH_ACCESS_KEYS, NULL, 0) != STORE_OK ||
        publish_commit(p) != STORE_OK) {
        publish_rollback(p);
        log_error("could not move the configuration version for a new day's IAM signing keys");
    }
}

static void publish_on_heartbeat(h2o_timeout_entry_t *entry);

int publish_create(const publish_config_t *cfg, publish_t **out)
{
    publish_t *p = calloc(1, sizeof(*p));
    if (p == NULL || (p->keydelta = keydelta_create()) == NULL) {
        free(p);
        return -1;
    }
    p->cfg = *cfg;
    h2o_timeout_init(cfg->loop, &p->turn_timeout, 0);
    h2o_timeout_init(cfg->loop, &p->rebuild_timeout, KEYDELTA_REBUILD_MS);
    h2o_timeout_init(cfg->loop, &p->heartbeat_timeout, PUBLISH_HEARTBEAT_MS);
    p->snapshot_entry.cb = publish_on_snapshot;
    p->delta_entry.cb = publish_on_delta;
    p->rebuild_entry.cb = publish_on_rebuild;
    p->heartbeat_entry.cb = publish_on_heartbeat;
    *out = p;
    return 0;
}

void publish_destroy(publish_t *p)
{
    if (p == NULL)
        return;
    h2o_timeout_entry_t *entries[] = {&p->snapshot_entry, &p->delta_entry, &p->rebuild_entry,
                                      &p->heartbeat_entry};
    for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
        if (h2o_timeout_is_linked(entries[i]))
            h2o_timeout_unlink(entries[i]);
    h2o_timeout_dispose(p->cfg.loop, &p->turn_timeout);
    h2o_timeout_dispose(p->cfg.loop, &p->rebuild_timeout);
    h2o_timeout_dispose(p->cfg.loop, &p->heartbeat_timeout);
    keydelta_destroy(p->keydelta);
    free(p->staged_keys);
    free(p);
}

/* ---- the commit path ------------------------------------------------------ */

static void publish_unstage(publish_t *p)
{
    p->staged = 0;
    p->bumped = BUMP_NONE;
    p->nstaged_keys = 0;
}

int publish_begin(publish_t *p)
{
    publish_unstage(p);
    return store_begin(p->cfg.store);
}

static int publish_stage_keys(publish_t *p, const uint8_t *sha256s, size_t n)
{
    if (p->nstaged_keys + n > p->cap_staged_keys) {
        size_t cap = p->cap_staged_keys == 0 ? 4 : p->cap_staged_keys;
        while (cap < p->nstaged_keys + n)
            cap *= 2;
        uint8_t *bigger = realloc(p->staged_keys, cap * KEYREC_SHA_LEN);
        if (bigger == NULL)
            return STORE_EIO;
        p->staged_keys = bigger;
        p->cap_staged_keys = cap;
    }
    memcpy(p->staged_keys + p->nstaged_keys * KEYREC_SHA_LEN, sha256s, n * KEYREC_SHA_LEN);
    p->nstaged_keys += n;
    return STORE_OK;
}

int publish_change(publish_t *p, unsigned what, const uint8_t *sha256s, size_t nkeys)
{
    int rc = STORE_OK;
    if ((what & PUBLISH_SNAPSHOT) && p->bumped != BUMP_FULL) {
        /* a keys-only bump earlier in this transaction still needs the new epoch */
        rc = store_bump_version(p->cfg.store, NULL);
        if (rc == STORE_OK)
            p->bumped = BUMP_FULL;
    } else if ((what & PUBLISH_KEYS) && p->bumped == BUMP_NONE) {
        rc = store_bump_keys_version(p->cfg.store, NULL);
        if (rc == STORE_OK)
            p->bumped = BUMP_KEYS;
    }
    if (rc == STORE_OK && (what & PUBLISH_KEYS) && nkeys > 0)
        rc = publish_stage_keys(p, sha256s, nkeys);
    if (rc == STORE_OK)
        p->staged |= what;
    return rc;
}

int publish_commit(publish_t *p)
{
    int rc = store_commit(p->cfg.store);
    if (rc != STORE_OK) {
        publish_rollback(p);
        return rc;
    }
    for (size_t i = 0; i < p->nstaged_keys; i++)
        keydelta_note(p->keydelta, p->staged_keys + i * KEYREC_SHA_LEN);
    publish_schedule(p, p->staged);
    publish_unstage(p);
    return STORE_OK;
}

void publish_rollback(publish_t *p)
{
    store_rollback(p->cfg.store);
    publish_unstage(p);
}

/* ---- scheduling ------------------------------------------------------------ */

static void publish_schedule_snapshot(publish_t *p)
{
    if (p->snapshot_pending)
        return;
    p->snapshot_pending = 1;
    h2o_timeout_link(p->cfg.loop, &p->turn_timeout, &p->snapshot_entry);
}

static void publish_schedule_delta(publish_t *p)
{
    if (p->delta_pending || keydelta_pending(p->keydelta) == 0)
        return;
    p->delta_pending = 1;
    h2o_timeout_link(p->cfg.loop, &p->turn_timeout, &p->delta_entry);
}

void publish_schedule(publish_t *p, unsigned what)
{
    if (what & PUBLISH_SNAPSHOT)
        publish_schedule_snapshot(p);
    if (what & PUBLISH_KEYS)
        publish_schedule_delta(p);
}

unsigned publish_scheduled(const publish_t *p)
{
    return (p->snapshot_pending ? PUBLISH_SNAPSHOT : 0) | (p->delta_pending ? PUBLISH_KEYS : 0);
}

uint64_t publish_version(const publish_t *p)
{
    return p->published_version;
}

const compiler_settings_t *publish_settings(const publish_t *p)
{
    return &p->cfg.settings;
}

uint64_t publish_epoch(const publish_t *p)
{
    return p->published_epoch;
}

/* ---- whole snapshots ------------------------------------------------------- */

/* Builds the whole snapshot; broadcast 0 keeps it for fetches only (after
 * key deltas, the nodes already have what it holds). */
static int publish_build(publish_t *p, int broadcast)
{
    uint8_t *bytes;
    size_t len;
    uint64_t version, epoch;
    uint64_t started = clock_mono_us();
    if (compiler_build_snapshot_with(p->cfg.store, &p->cfg.settings, &bytes, &len, &version) !=
            STORE_OK ||
        store_epoch(p->cfg.store, &epoch) != STORE_OK) {
        log_error("could not build the snapshot; data planes keep the previous one");
        p->full_failed = 1;
        return -1;
    }
    if (p->cfg.cluster != NULL)
        cluster_publish_snapshot(p->cfg.cluster, version, epoch, bytes, len, broadcast);
    else
        free(bytes);
    keydelta_reset(p->keydelta, version);
    p->published_version = version;
    p->published_epoch = epoch;
    p->full_failed = 0;
    log_info("%s snapshot version %llu (%zu bytes, built in %.1f ms)",
             broadcast ? "published" : "rebuilt (for fetches)", (unsigned long long)version, len,
             (double)(clock_mono_us() - started) / 1000.0);
    return 0;
}

int publish_now(publish_t *p)
{
    return publish_build(p, 1);
}

static void publish_on_snapshot(h2o_timeout_entry_t *entry)
{
    publish_t *p = H2O_STRUCT_FROM_MEMBER(publish_t, snapshot_entry, entry);
    p->snapshot_pending = 0;
    publish_build(p, 1);
}

/* ---- key deltas ------------------------------------------------------------ */

/* Publishes the noted changes, unless a whole snapshot is on its way. */
static void publish_delta(publish_t *p)
{
    keydelta_msg_t m;
    uint64_t started = clock_mono_us();
    if (keydelta_pending(p->keydelta) == 0)
        return;
    if (p->snapshot_pending || p->full_failed) {
        if (p->full_failed)
            publish_schedule_snapshot(p);
        keydelta_drop_pending(p->keydelta); /* the snapshot holds these changes */
        return;
    }
    int rc =
        keydelta_build(p->keydelta, p->cfg.store, p->published_version, p->published_epoch, &m);
    if (rc != 0) {
        if (rc < 0)
            log_error("keys: could not read %zu changed keys; publishing the whole snapshot",
                      m.nkeys);
        publish_schedule_snapshot(p);
        return;
    }
    if (p->cfg.cluster != NULL) {
        cluster_publish_delta(p->cfg.cluster, m.version, m.epoch, m.inc, m.inc_len, m.cum,
                              m.cum_len);
    } else {
        free(m.inc);
        free(m.cum);
    }
    p->published_version = m.version;
    log_info("published key delta version %llu (%zu keys, %zu since the snapshot, %.1f ms)",
             (unsigned long long)m.version, m.nkeys, keydelta_changed(p->keydelta),
             (double)(clock_mono_us() - started) / 1000.0);
    if (keydelta_changed(p->keydelta) >= KEYDELTA_REBUILD_KEYS)
        publish_build(p, 0);
    else if (!h2o_timeout_is_linked(&p->rebuild_entry))
        h2o_timeout_link(p->cfg.loop, &p->rebuild_timeout, &p->rebuild_entry);
}

static void publish_on_delta(h2o_timeout_entry_t *entry)
{
    publish_t *p = H2O_STRUCT_FROM_MEMBER(publish_t, delta_entry, entry);
    p->delta_pending = 0;
    publish_delta(p);
}

static void publish_on_rebuild(h2o_timeout_entry_t *entry)
{
    publish_t *p = H2O_STRUCT_FROM_MEMBER(publish_t, rebuild_entry, entry);
    publish_delta(p); /* anything noted this turn goes first */
    if (!p->snapshot_pending)
        publish_build(p, 0);
}

/* ---- heartbeat ------------------------------------------------------------- */

/* Quota counts that changed, the live node count and the nodes' rate shares. */
static void publish_usage_status(publish_t *p)
{
    uint8_t *status;
    size_t len;
    if (p->cfg.usage == NULL || p->cfg.nodes == NULL)
        return;
    uint64_t now = clock_wall_ms();
    unsigned live = nodes_live_count(p->cfg.nodes, now);
    nodes_share_t *shares = NULL;
    size_t nshares = 0;
    if (nodes_shares(p->cfg.nodes, now, &shares, &nshares) != 0)
        return;
    int rc = usage_status(p->cfg.usage, live > 0 ? live : 1, shares, nshares,
                          store_id(p->cfg.store), &status, &len);
    nodes_shares_free(shares, nshares);
    if (rc != 0)
        return;
    cluster_publish_status(p->cfg.cluster, status, len);
    free(status);
}

/* WebSocket APIs: the live nodes' peer URLs, every heartbeat. */
static void publish_ws_directory(publish_t *p)
{
    uint8_t *dir;
    size_t len;
    if (p->cfg.nodes == NULL || nodes_ws_directory(p->cfg.nodes, clock_wall_ms(), &dir, &len) != 0)
        return;
    cluster_publish_ws_directory(p->cfg.cluster, dir, len);
    free(dir);
}

/* A node reported a version this store never reached (a restored backup):
 * a new store epoch, which every node then reloads. */
static void publish_follow_regression(publish_t *p)
{
    if (!cluster_take_regression(p->cfg.cluster) || store_mark_new_epoch(p->cfg.store) != STORE_OK)
        return;
    cluster_set_store_id(p->cfg.cluster, store_id(p->cfg.store));
    if (p->cfg.nodes != NULL)
        nodes_set_store_id(p->cfg.nodes, store_id(p->cfg.store));
    publish_now(p);
}

static void publish_on_heartbeat(h2o_timeout_entry_t *entry)
{
    publish_t *p = H2O_STRUCT_FROM_MEMBER(publish_t, heartbeat_entry, entry);
    publish_new_day(p);
    if (p->cfg.cluster != NULL) {
        publish_follow_regression(p);
        cluster_announce(p->cfg.cluster);
    }
    if (jwks_fetch_take_changed(p->jwks))
        publish_schedule(p, PUBLISH_AUTHORIZER_KEYS);
    if (p->cfg.cluster != NULL) {
        publish_usage_status(p);
        publish_ws_directory(p);
    }
    h2o_timeout_link(p->cfg.loop, &p->heartbeat_timeout, entry);
}

void publish_start_heartbeat(publish_t *p, struct jwks_fetch *jwks)
{
    p->jwks = jwks;
    h2o_timeout_link(p->cfg.loop, &p->heartbeat_timeout, &p->heartbeat_entry);
}
