/* keytab: base index + overlay; see keytab.h for the model. Digests are
 * uniformly distributed, so their first bytes index the tables directly and
 * probe sequences stay short whatever keys exist. */
#include "keytab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEYTAB_MIN_SLOTS 16

/* An index slot: which record, its plan, and 16 more bits of the digest so
 * that a probe past another key's slot rarely has to read its record. One
 * request touches one slot, one record and its state: three cache lines. */
struct keytab_slot {
    uint32_t record; /* record number + 1; 0 = empty slot */
    uint16_t plan;
    uint16_t tag;
};

struct keytab_base {
    const uint8_t *records;
    size_t n;
    struct keytab_slot *index;
    size_t mask;
    uint32_t stride;    /* state words per record when every plan has as many */
    uint32_t *state_at; /* otherwise each record's first word (n + 1 entries) */
    _Atomic uint64_t *state;
};

#define KEYTAB_MAX_PLANS 65536

static inline uint16_t keytab_tag(const uint8_t *sha)
{
    return (uint16_t)(sha[8] | sha[9] << 8); /* bytes 0..7 place the slot */
}

static inline uint32_t base_state_at(const struct keytab_base *b, uint32_t r)
{
    return b->state_at != NULL ? b->state_at[r] : r * b->stride;
}

/* One membership of an overlay key; everything in the keytab's arena. */
struct keytab_member {
    const uint8_t *record;
    uint32_t plan, nstate;
    _Atomic uint64_t *state;
};

/* A key a delta changed: its complete memberships (none = hidden). */
struct keytab_entry {
    int used;
    uint8_t sha[KEYREC_SHA_LEN];
    uint32_t n, filled;
    struct keytab_member *members;
};

struct keytab {
    const struct keytab_base *base;
    struct keytab_entry *slots; /* the overlay */
    size_t mask;
    size_t noverlay;
    size_t count;
};

static size_t slots_for(size_t n)
{
    size_t cap = KEYTAB_MIN_SLOTS;
    while (cap < n * 2)
        cap <<= 1;
    return cap;
}

/* ---- lookups ------------------------------------------------------------ */

static struct keytab_entry *overlay_slot(const keytab_t *t, const uint8_t *sha)
{
    if (t->slots == NULL)
        return NULL;
    for (size_t i = keyrec_hash(sha) & t->mask;; i = (i + 1) & t->mask) {
        struct keytab_entry *e = &t->slots[i];
        if (!e->used || memcmp(e->sha, sha, KEYREC_SHA_LEN) == 0)
            return e;
    }
}

static int base_find(const struct keytab_base *b, const uint8_t *sha, keytab_visit_fn fn, void *ctx)
{
    if (b == NULL || b->n == 0)
        return 0;
    uint16_t tag = keytab_tag(sha);
    for (size_t i = keyrec_hash(sha) & b->mask;; i = (i + 1) & b->mask) {
        const struct keytab_slot *slot = &b->index[i];
        if (slot->record == 0)
            return 0;
        if (slot->tag != tag)
            continue;
        uint32_t r = slot->record - 1;
        const uint8_t *rec = b->records + (size_t)r * KEYREC_LEN;
        if (memcmp(rec, sha, KEYREC_SHA_LEN) != 0)
            continue;
        uint32_t at = base_state_at(b, r);
        keytab_hit_t hit = {rec, slot->plan, b->state + at, base_state_at(b, r + 1) - at};
        int rc = fn(ctx, &hit);
        if (rc != 0)
            return rc;
    }
}

int keytab_find(const keytab_t *t, const uint8_t sha256[KEYREC_SHA_LEN], keytab_visit_fn fn,
                void *ctx)
{
    const struct keytab_entry *e = overlay_slot(t, sha256);
    if (e == NULL || !e->used)
        return base_find(t->base, sha256, fn, ctx);
    for (uint32_t k = 0; k < e->n; k++) {
        const struct keytab_member *m = &e->members[k];
        keytab_hit_t hit = {m->record, m->plan, m->state, m->nstate};
        int rc = fn(ctx, &hit);
        if (rc != 0)
            return rc;
    }
    return 0;
}

size_t keytab_count(const keytab_t *t)
{
    return t->count;
}

size_t keytab_overlay_count(const keytab_t *t)
{
    return t->noverlay;
}

/* ---- limiter state carried from the previous table ---------------------- */

struct carry {
    const uint8_t *record;
    _Atomic uint64_t *dst;
    uint32_t nstate;
};

static int carry_visit(void *ctx, const keytab_hit_t *hit)
{
    struct carry *c = ctx;
    if (memcmp(hit->record + KEYREC_KEY_ID_AT, c->record + KEYREC_KEY_ID_AT, KEYREC_USAGE_ID_LEN) !=
        0)
        return 0;
    /* buckets and the quota counter; method buckets only while the plan's
     * layout is the same size (a changed plan starts them full) */
    uint32_t words = hit->nstate == c->nstate ? c->nstate : KEYTAB_STATE_METHODS;
    if (words > c->nstate)
        words = c->nstate;
    for (uint32_t w = 0; w < words; w++)
        atomic_store_explicit(&c->dst[w],
                              atomic_load_explicit(&hit->state[w], memory_order_relaxed),
                              memory_order_relaxed);
    return 1;
}

static void carry_state(const keytab_t *prev, const uint8_t *record, _Atomic uint64_t *dst,
                        uint32_t nstate)
{
    if (prev == NULL)
        return;
    struct carry c = {record, dst, nstate};
    keytab_find(prev, record, carry_visit, &c);
}

/* ---- building a base ---------------------------------------------------- */

/* Resolves plan ids record by record (consecutive records usually share
 * one) into plan[] and state_at[] (n + 1 entries, malloc'd by the caller);
 * *stride is the words per record when every plan has as many, else 0. */
static int base_resolve(const struct keytab_base *b, uint16_t *plan, uint32_t *state_at,
                        keytab_plan_fn plan_fn, void *ctx, size_t *nstate, uint32_t *stride,
                        char *err, size_t err_len)
{
    const uint8_t *last = NULL;
    uint32_t p = 0, words = 0;
    size_t total = 0;
    *stride = UINT32_MAX;
    for (size_t i = 0; i < b->n; i++) {
        const uint8_t *id = b->records + i * KEYREC_LEN + KEYREC_PLAN_ID_AT;
        if (last == NULL || memcmp(last, id, KEYREC_PLAN_ID_LEN) != 0) {
            char plan_id[KEYREC_PLAN_ID_LEN + 1];
            memcpy(plan_id, id, KEYREC_PLAN_ID_LEN);
            plan_id[KEYREC_PLAN_ID_LEN] = '\0';
            if (plan_fn(ctx, plan_id, &p, &words) != 0 || p >= KEYTAB_MAX_PLANS) {
                snprintf(err, err_len, "key table: unknown usage plan %s", plan_id);
                return -1;
            }
            last = id;
            *stride = *stride == UINT32_MAX || *stride == words ? words : 0;
        }
        plan[i] = (uint16_t)p;
        state_at[i] = (uint32_t)total;
        total += words;
        if (total > UINT32_MAX) {
            snprintf(err, err_len, "key table: too much limiter state");
            return -1;
        }
    }
    state_at[b->n] = (uint32_t)total; /* sentinel: the last record's end */
    if (*stride == UINT32_MAX)
        *stride = 0;
    *nstate = total;
    return 0;
}

static void base_index(struct keytab_base *b, const uint16_t *plan)
{
    for (size_t r = 0; r < b->n; r++) {
        const uint8_t *sha = b->records + r * KEYREC_LEN;
        size_t i = keyrec_hash(sha) & b->mask;
        while (b->index[i].record != 0)
            i = (i + 1) & b->mask;
        b->index[i] = (struct keytab_slot){(uint32_t)(r + 1), plan[r], keytab_tag(sha)};
    }
}

/* Fills b's index and state; plan and state_at are the caller's scratch. */
static int base_fill(arena_t *a, struct keytab_base *b, uint16_t *plan, uint32_t *state_at,
                     keytab_plan_fn plan_fn, void *ctx, const keytab_t *prev, char *err,
                     size_t err_len)
{
    size_t nstate;
    if (base_resolve(b, plan, state_at, plan_fn, ctx, &nstate, &b->stride, err, err_len) != 0)
        return -1;
    if (b->stride == 0 &&
        (b->state_at = arena_memdup(a, state_at, (b->n + 1) * sizeof(*state_at))) == NULL)
        return -2;
    if ((b->state = arena_alloc(a, (nstate + 1) * sizeof(*b->state))) == NULL)
        return -2;
    base_index(b, plan);
    for (size_t r = 0; prev != NULL && r < b->n; r++)
        carry_state(prev, b->records + r * KEYREC_LEN, b->state + state_at[r],
                    state_at[r + 1] - state_at[r]);
    return 0;
}

keytab_t *keytab_build(arena_t *a, const uint8_t *records, size_t n, keytab_plan_fn plan_fn,
                       void *ctx, const keytab_t *prev, char *err, size_t err_len)
{
    if (n >= UINT32_MAX / 2) {
        snprintf(err, err_len, "key table: too many records");
        return NULL;
    }
    keytab_t *t = arena_alloc(a, sizeof(*t));
    struct keytab_base *b = arena_alloc(a, sizeof(*b));
    size_t cap = slots_for(n);
    uint16_t *plan = malloc((n + 1) * sizeof(*plan));
    uint32_t *state_at = malloc((n + 1) * sizeof(*state_at));
    int rc = -2;
    if (t == NULL || b == NULL || plan == NULL || state_at == NULL)
        goto out;
    b->records = records;
    b->n = n;
    b->mask = cap - 1;
    if ((b->index = arena_alloc(a, cap * sizeof(*b->index))) == NULL)
        goto out;
    rc = base_fill(a, b, plan, state_at, plan_fn, ctx, prev, err, err_len);
out:
    free(plan);
    free(state_at);
    if (rc == -2)
        snprintf(err, err_len, "key table: out of memory");
    if (rc != 0)
        return NULL;
    t->base = b;
    t->count = n;
    return t;
}

/* ---- deriving with a delta ---------------------------------------------- */

static struct keytab_entry *entry_claim(keytab_t *t, const uint8_t *sha)
{
    struct keytab_entry *e = overlay_slot(t, sha);
    if (!e->used) {
        e->used = 1;
        memcpy(e->sha, sha, KEYREC_SHA_LEN);
        t->noverlay++;
    }
    return e;
}

static int entry_alloc(arena_t *a, struct keytab_entry *e)
{
    e->members = arena_alloc(a, (e->n + 1) * sizeof(*e->members));
    return e->members != NULL ? 0 : -1;
}

/* Appends one membership: the record copied into a, its limiter state
 * copied from `from` (NULL: carried from old's lookup, or fresh). */
static int entry_add(arena_t *a, struct keytab_entry *e, const uint8_t *record, uint32_t plan,
                     uint32_t nstate, _Atomic uint64_t *from, const keytab_t *old)
{
    struct keytab_member *m = &e->members[e->filled];
    m->record = arena_memdup(a, record, KEYREC_LEN);
    m->state = arena_alloc(a, (nstate + 1) * sizeof(*m->state));
    if (m->record == NULL || m->state == NULL)
        return -1;
    m->plan = plan;
    m->nstate = nstate;
    if (from != NULL)
        for (uint32_t w = 0; w < nstate; w++)
            atomic_store_explicit(&m->state[w],
                                  atomic_load_explicit(&from[w], memory_order_relaxed),
                                  memory_order_relaxed);
    else
        carry_state(old, m->record, m->state, nstate);
    e->filled++;
    return 0;
}

/* Copies old's overlay entries that this delta does not replace. */
static int derive_keep(arena_t *a, keytab_t *t, const keytab_t *old)
{
    for (size_t i = 0; old->slots != NULL && i <= old->mask; i++) {
        const struct keytab_entry *o = &old->slots[i];
        if (!o->used || overlay_slot(t, o->sha)->used)
            continue;
        struct keytab_entry *e = entry_claim(t, o->sha);
        e->n = o->n;
        if (entry_alloc(a, e) != 0)
            return -1;
        for (uint32_t k = 0; k < o->n; k++) {
            const struct keytab_member *m = &o->members[k];
            if (entry_add(a, e, m->record, m->plan, m->nstate, m->state, NULL) != 0)
                return -1;
        }
    }
    return 0;
}

static int plan_of(const uint8_t *record, keytab_plan_fn plan_fn, void *ctx, uint32_t *plan,
                   uint32_t *nstate)
{
    char plan_id[KEYREC_PLAN_ID_LEN + 1];
    memcpy(plan_id, record + KEYREC_PLAN_ID_AT, KEYREC_PLAN_ID_LEN);
    plan_id[KEYREC_PLAN_ID_LEN] = '\0';
    return plan_fn(ctx, plan_id, plan, nstate);
}

static int count_visit(void *ctx, const keytab_hit_t *hit)
{
    (void)hit;
    (*(size_t *)ctx)++;
    return 0;
}

/* Claims an entry per changed digest and counts what it hides of old. */
static int derive_claim(keytab_t *t, const keytab_t *old, const uint8_t *changed, size_t nchanged,
                        size_t *hidden)
{
    for (size_t i = 0; i < nchanged; i++) {
        const uint8_t *sha = changed + i * KEYREC_SHA_LEN;
        if (overlay_slot(t, sha)->used)
            return -1; /* listed twice */
        entry_claim(t, sha);
        keytab_find(old, sha, count_visit, hidden);
    }
    return 0;
}

/* Adds the delta's records to their entries: count, allocate, fill. */
static int derive_fill(arena_t *a, keytab_t *t, const keytab_t *old, const uint8_t *records,
                       size_t nrecords, keytab_plan_fn plan_fn, void *ctx, char *err,
                       size_t err_len)
{
    for (size_t r = 0; r < nrecords; r++) {
        struct keytab_entry *e = overlay_slot(t, records + r * KEYREC_LEN);
        if (!e->used) {
            snprintf(err, err_len, "key delta: a record for a key it does not list");
            return -1;
        }
        e->n++;
    }
    for (size_t i = 0; i <= t->mask; i++)
        if (t->slots[i].used && t->slots[i].members == NULL && entry_alloc(a, &t->slots[i]) != 0)
            goto out_oom;
    for (size_t r = 0; r < nrecords; r++) {
        const uint8_t *rec = records + r * KEYREC_LEN;
        uint32_t plan, nstate;
        if (plan_of(rec, plan_fn, ctx, &plan, &nstate) != 0) {
            snprintf(err, err_len, "key delta: unknown usage plan %.6s", rec + KEYREC_PLAN_ID_AT);
            return -1;
        }
        if (entry_add(a, overlay_slot(t, rec), rec, plan, nstate, NULL, old) != 0)
            goto out_oom;
    }
    t->count += nrecords;
    return 0;
out_oom:
    snprintf(err, err_len, "key delta: out of memory");
    return -1;
}

keytab_t *keytab_derive(arena_t *a, const keytab_t *old, const uint8_t *changed, size_t nchanged,
                        const uint8_t *records, size_t nrecords, keytab_plan_fn plan_fn, void *ctx,
                        char *err, size_t err_len)
{
    keytab_t *t = arena_alloc(a, sizeof(*t));
    size_t cap = slots_for(old->noverlay + nchanged), hidden = 0;
    if (t == NULL || (t->slots = arena_alloc(a, cap * sizeof(*t->slots))) == NULL) {
        snprintf(err, err_len, "key delta: out of memory");
        return NULL;
    }
    t->base = old->base;
    t->mask = cap - 1;
    t->count = old->count;
    if (derive_claim(t, old, changed, nchanged, &hidden) != 0) {
        snprintf(err, err_len, "key delta: a key is listed twice");
        return NULL;
    }
    t->count -= hidden;
    if (derive_fill(a, t, old, records, nrecords, plan_fn, ctx, err, err_len) != 0)
        return NULL;
    if (derive_keep(a, t, old) != 0) {
        snprintf(err, err_len, "key delta: out of memory");
        return NULL;
    }
    return t;
}
