/* keydelta: pending keys are SHA-256 digests; the cumulative delta is a map
 * from digest to the key's latest memberships (packed key records). */
#include "keydelta.h"

#include <stdlib.h>
#include <string.h>

#include "keyrec.h"
#include "log.h"
#include "portico.pb-c.h"
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

size_t keydelta_pending(const keydelta_t *kd)
{
    return kd->npending;
}

size_t keydelta_changed(const keydelta_t *kd)
{
    return kd->cum_count;
}

void keydelta_drop_pending(keydelta_t *kd)
{
    kd->npending = 0;
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
static int read_records(keydelta_t *kd, store_t *s, uint64_t *version, uint64_t *epoch,
                        uint8_t **records, size_t *len, size_t *ends)
{
    size_t cap = 0;
    int rc = store_begin_read(s);
    if (rc == STORE_OK)
        rc = store_version(s, version);
    if (rc == STORE_OK)
        rc = store_epoch(s, epoch);
    for (size_t i = 0; rc == STORE_OK && i < kd->npending; i++) {
        rc = store_key_records_for(s, kd->pending + i * KEYREC_SHA_LEN, records, len, &cap);
        ends[i] = *len;
    }
    if (rc == STORE_OK)
        return store_commit(s);
    store_rollback(s);
    return rc;
}

static int keydelta_pack(keydelta_t *kd, store_t *s, uint64_t from_version, const uint8_t *records,
                         size_t len, const size_t *ends, keydelta_msg_t *msg)
{
    Portico__KeyDelta d = PORTICO__KEY_DELTA__INIT;
    d.epoch = msg->epoch;
    d.from_version = from_version;
    d.version = msg->version;
    d.store_id = (char *)store_id(s);
    d.changed = (ProtobufCBinaryData){.len = kd->npending * KEYREC_SHA_LEN, .data = kd->pending};
    d.records = (ProtobufCBinaryData){.len = len, .data = (uint8_t *)records};
    for (size_t i = 0; i < kd->npending; i++) {
        size_t start = i == 0 ? 0 : ends[i - 1];
        const uint8_t *slice = records != NULL ? records + start : NULL; /* NULL: in no plan */
        if (cum_put(kd, kd->pending + i * KEYREC_SHA_LEN, slice, ends[i] - start) != 0)
            return -1;
    }
    if (pack_delta(&d, &msg->inc, &msg->inc_len) != 0 ||
        pack_cumulative(kd, &d, &msg->cum, &msg->cum_len) != 0) {
        free(msg->inc);
        msg->inc = NULL;
        return -1;
    }
    return 0;
}

int keydelta_build(keydelta_t *kd, store_t *s, uint64_t from_version, uint64_t expect_epoch,
                   keydelta_msg_t *msg)
{
    uint8_t *records = NULL;
    size_t len = 0, *ends = NULL;
    int rc = -1;
    *msg = (keydelta_msg_t){0};
    msg->nkeys = dedupe_pending(kd);
    if ((ends = calloc(msg->nkeys + 1, sizeof(*ends))) == NULL ||
        read_records(kd, s, &msg->version, &msg->epoch, &records, &len, ends) != STORE_OK)
        goto out;
    if (msg->epoch != expect_epoch) {
        rc = KEYDELTA_STALE;
        goto out;
    }
    rc = keydelta_pack(kd, s, from_version, records, len, ends, msg);
out:
    kd->npending = 0;
    free(records);
    free(ends);
    return rc;
}
