/* keydelta: pending keys are SHA-256 digests; the cumulative delta is a map
 * from digest to the key's latest memberships (packed key records). */
#include "keydelta.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "keyrec.h"
#include "log.h"
#include "store_keys.h"

#define KEYDELTA_MIN_SLOTS 64

struct kd_entry {
    int used;
    uint8_t sha[KEYREC_SHA_LEN];
    uint8_t *records;
    size_t len;
};

struct keydelta {
    uint8_t *pending; /* digests noted since the last delta */
    size_t npending, cap_pending;
    struct kd_entry *cum; /* changed since the last whole snapshot */
    size_t cum_mask, cum_count;
    uint64_t full_version;
};

keydelta_t *keydelta_create(void)
{
    return calloc(1, sizeof(keydelta_t));
}

static void keydelta_clear_cum(keydelta_t *kd)
{
    for (size_t i = 0; kd->cum != NULL && i <= kd->cum_mask; i++)
        free(kd->cum[i].records);
    free(kd->cum);
    kd->cum = NULL;
    kd->cum_mask = kd->cum_count = 0;
}

void keydelta_destroy(keydelta_t *kd)
{
    if (kd == NULL)
        return;
    keydelta_clear_cum(kd);
    free(kd->pending);
    free(kd);
}

void keydelta_note(keydelta_t *kd, const uint8_t *sha256)
{
    if (kd->npending == kd->cap_pending) {
        size_t cap = kd->cap_pending == 0 ? 16 : kd->cap_pending * 2;
        uint8_t *bigger = realloc(kd->pending, cap * KEYREC_SHA_LEN);
        if (bigger == NULL) {
            log_error("keys: out of memory; a key change waits for the next snapshot");
            return;
        }
        kd->pending = bigger;
        kd->cap_pending = cap;
    }
    memcpy(kd->pending + kd->npending++ * KEYREC_SHA_LEN, sha256, KEYREC_SHA_LEN);
}

void keydelta_reset(keydelta_t *kd, uint64_t version)
{
    kd->npending = 0;
    keydelta_clear_cum(kd);
    kd->full_version = version;
}

/* ---- the cumulative map --------------------------------------------------- */

static struct kd_entry *cum_slot(struct kd_entry *slots, size_t mask, const uint8_t *sha)
{
    for (size_t i = keyrec_hash(sha) & mask;; i = (i + 1) & mask)
        if (!slots[i].used || memcmp(slots[i].sha, sha, KEYREC_SHA_LEN) == 0)
            return &slots[i];
}

static int cum_grow(keydelta_t *kd)
{
    size_t cap = kd->cum == NULL ? KEYDELTA_MIN_SLOTS : (kd->cum_mask + 1) * 2;
    struct kd_entry *slots = calloc(cap, sizeof(*slots));
    if (slots == NULL)
        return -1;
    for (size_t i = 0; kd->cum != NULL && i <= kd->cum_mask; i++)
        if (kd->cum[i].used)
            *cum_slot(slots, cap - 1, kd->cum[i].sha) = kd->cum[i];
    free(kd->cum);
    kd->cum = slots;
    kd->cum_mask = cap - 1;
    return 0;
}

static int cum_put(keydelta_t *kd, const uint8_t *sha, const uint8_t *records, size_t len)
{
    if ((kd->cum == NULL || (kd->cum_count + 1) * 2 > kd->cum_mask + 1) && cum_grow(kd) != 0)
        return -1;
    struct kd_entry *e = cum_slot(kd->cum, kd->cum_mask, sha);
    uint8_t *copy = malloc(len == 0 ? 1 : len);
    if (copy == NULL)
        return -1;
    if (len > 0)
        memcpy(copy, records, len);
    if (!e->used) {
        e->used = 1;
        memcpy(e->sha, sha, KEYREC_SHA_LEN);
        kd->cum_count++;
    }
    free(e->records);
    e->records = copy;
    e->len = len;
    return 0;
}

/* ---- building messages ---------------------------------------------------- */

static int sha_cmp(const void *a, const void *b)
{
    return memcmp(a, b, KEYREC_SHA_LEN);
}

static size_t dedupe_pending(keydelta_t *kd)
{
    qsort(kd->pending, kd->npending, KEYREC_SHA_LEN, sha_cmp);
    size_t k = 0;
    for (size_t i = 0; i < kd->npending; i++) {
        uint8_t *cur = kd->pending + i * KEYREC_SHA_LEN;
        if (k > 0 && memcmp(kd->pending + (k - 1) * KEYREC_SHA_LEN, cur, KEYREC_SHA_LEN) == 0)
            continue;
        memmove(kd->pending + k++ * KEYREC_SHA_LEN, cur, KEYREC_SHA_LEN);
    }
    return kd->npending = k;
}

static int pack_delta(const Portico__KeyDelta *d, uint8_t **out, size_t *len)
{
    *len = portico__key_delta__get_packed_size(d);
    if ((*out = malloc(*len == 0 ? 1 : *len)) == NULL)
        return -1;
    portico__key_delta__pack(d, *out);
    return 0;
}

/* The cumulative delta: every key changed since the whole snapshot. */
static int pack_cumulative(keydelta_t *kd, Portico__KeyDelta *d, uint8_t **out, size_t *len)
{
    size_t nrec = 0;
    for (size_t i = 0; i <= kd->cum_mask; i++)
        nrec += kd->cum[i].used ? kd->cum[i].len : 0;
    uint8_t *changed = malloc(kd->cum_count * KEYREC_SHA_LEN + 1), *records = malloc(nrec + 1);
    int rc = -1;
    if (changed == NULL || records == NULL)
        goto out;
    size_t c = 0, r = 0;
    for (size_t i = 0; i <= kd->cum_mask; i++) {
        const struct kd_entry *e = &kd->cum[i];
        if (!e->used)
            continue;
        memcpy(changed + c, e->sha, KEYREC_SHA_LEN);
        c += KEYREC_SHA_LEN;
        memcpy(records + r, e->records, e->len);
        r += e->len;
    }
    d->from_version = kd->full_version;
    d->changed = (ProtobufCBinaryData){.len = c, .data = changed};
    d->records = (ProtobufCBinaryData){.len = r, .data = records};
    rc = pack_delta(d, out, len);
out:
    free(changed);
    free(records);
    return rc;
}

/* Reads the pending keys' memberships (one read transaction) into records,
 * with each key's slice end in ends[]. */
static int read_records(cp_t *cp, uint64_t *version, uint64_t *epoch, uint8_t **records,
                        size_t *len, size_t *ends)
{
    keydelta_t *kd = cp->keydelta;
    size_t cap = 0;
    int rc = store_begin_read(cp->store);
    if (rc == STORE_OK)
        rc = store_version(cp->store, version);
    if (rc == STORE_OK)
        rc = store_epoch(cp->store, epoch);
    for (size_t i = 0; rc == STORE_OK && i < kd->npending; i++) {
        rc = store_key_records_for(cp->store, kd->pending + i * KEYREC_SHA_LEN, records, len, &cap);
        ends[i] = *len;
    }
    if (rc == STORE_OK)
        return store_commit(cp->store);
    store_rollback(cp->store);
    return rc;
}

static int keydelta_send(cp_t *cp, uint64_t version, uint64_t epoch, const uint8_t *records,
                         size_t len, const size_t *ends)
{
    keydelta_t *kd = cp->keydelta;
    Portico__KeyDelta d = PORTICO__KEY_DELTA__INIT;
    uint8_t *inc = NULL, *cum = NULL;
    size_t inc_len, cum_len;
    d.epoch = epoch;
    d.from_version = cp->published_version;
    d.version = version;
    d.store_id = (char *)store_id(cp->store);
    d.changed = (ProtobufCBinaryData){.len = kd->npending * KEYREC_SHA_LEN, .data = kd->pending};
    d.records = (ProtobufCBinaryData){.len = len, .data = (uint8_t *)records};
    for (size_t i = 0; i < kd->npending; i++) {
        size_t start = i == 0 ? 0 : ends[i - 1];
        if (cum_put(kd, kd->pending + i * KEYREC_SHA_LEN, records + start, ends[i] - start) != 0)
            return -1;
    }
    if (pack_delta(&d, &inc, &inc_len) != 0 || pack_cumulative(kd, &d, &cum, &cum_len) != 0) {
        free(inc);
        return -1;
    }
    cluster_publish_delta(cp->cluster, version, epoch, inc, inc_len, cum, cum_len);
    return 0;
}

/* Publishes the noted changes, unless a whole snapshot is on its way. */
static void keydelta_publish(cp_t *cp)
{
    keydelta_t *kd = cp->keydelta;
    uint64_t version, epoch, started = clock_mono_us();
    uint8_t *records = NULL;
    size_t len = 0, *ends = NULL;
    if (kd->npending == 0)
        return;
    if (cp->publish_pending || cp->full_failed) {
        if (cp->full_failed)
            cp_schedule_publish(cp);
        goto out; /* the snapshot holds these changes */
    }
    size_t n = dedupe_pending(kd);
    if ((ends = calloc(n, sizeof(*ends))) == NULL ||
        read_records(cp, &version, &epoch, &records, &len, ends) != STORE_OK) {
        log_error("keys: could not read %zu changed keys; publishing the whole snapshot", n);
        cp_schedule_publish(cp);
        goto out;
    }
    if (epoch != cp->published_epoch ||
        keydelta_send(cp, version, epoch, records, len, ends) != 0) {
        cp_schedule_publish(cp);
        goto out;
    }
    cp->published_version = version;
    log_info("published key delta version %llu (%zu keys, %zu since the snapshot, %.1f ms)",
             (unsigned long long)version, n, kd->cum_count,
             (double)(clock_mono_us() - started) / 1000.0);
    if (kd->cum_count >= KEYDELTA_REBUILD_KEYS)
        cp_rebuild_quiet(cp);
    else if (!h2o_timeout_is_linked(&cp->rebuild_entry))
        h2o_timeout_link(cp->loop, &cp->rebuild_timeout, &cp->rebuild_entry);
out:
    kd->npending = 0;
    free(records);
    free(ends);
}

static void keydelta_on_publish(h2o_timeout_entry_t *entry)
{
    cp_t *cp = H2O_STRUCT_FROM_MEMBER(cp_t, key_delta_entry, entry);
    cp->key_delta_pending = 0;
    keydelta_publish(cp);
}

static void keydelta_on_rebuild(h2o_timeout_entry_t *entry)
{
    cp_t *cp = H2O_STRUCT_FROM_MEMBER(cp_t, rebuild_entry, entry);
    keydelta_publish(cp); /* anything noted this turn goes first */
    if (!cp->publish_pending)
        cp_rebuild_quiet(cp);
}

void keydelta_schedule(cp_t *cp)
{
    if (cp->key_delta_pending || cp->keydelta->npending == 0)
        return;
    cp->key_delta_pending = 1;
    h2o_timeout_link(cp->loop, &cp->publish_timeout, &cp->key_delta_entry);
}

void keydelta_init_timers(cp_t *cp)
{
    cp->key_delta_entry.cb = keydelta_on_publish;
    h2o_timeout_init(cp->loop, &cp->rebuild_timeout, KEYDELTA_REBUILD_MS);
    cp->rebuild_entry.cb = keydelta_on_rebuild;
}
