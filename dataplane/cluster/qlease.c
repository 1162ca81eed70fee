/* qlease: the book is an array scanned each turn (a node uses a few
 * thousand keys at most at once; idle ones leave it). See qlease.h. */
#include "qlease.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "quota.h"

typedef struct {
    uint8_t sha[KEYREC_SHA_LEN];
    char key_id[KEYREC_KEY_ID_LEN + 1];
    char plan_id[KEYREC_PLAN_ID_LEN + 1];
    uint32_t period;
    uint64_t last_held;     /* the word's budget at the last look, grants added */
    uint64_t spent;         /* since the previous ask */
    uint64_t window_ms;     /* when that window started */
    uint64_t asked_ms;      /* an ask in flight since; 0 none */
    uint64_t last_spend_ms; /* the last request that spent */
    uint64_t last_grant;
    uint64_t received;      /* every grant of this period, cumulative */
    uint64_t returned;      /* everything taken back to give back, cumulative */
    uint64_t returned_sent; /* as far as a sent report told */
    uint64_t reported_ms;   /* last in a report */
    uint64_t dry_ms;        /* when the control plane said nothing is left; 0 not */
    uint64_t looked_ms;     /* last look at the word */
    int want;               /* ask in the next report */
    int in_report;          /* in the report being sent */
    int asked_in_report;
    uint64_t returned_in_report;
    qlease_waiter_t *waiters;
} qlease_entry_t;

struct qlease_book {
    qlease_word_fn word_fn;
    void *ctx;
    qlease_entry_t *e;
    size_t n, cap;
    uint64_t returned_total;
    /* the report being built */
    Portico__LeaseAsk *asks;
    Portico__LeaseAsk **ask_ptrs;
};

void qlease_enqueue(qlease_queue_t *q, qlease_waiter_t *w)
{
    pthread_mutex_lock(&q->mu);
    w->next = q->head;
    q->head = w;
    pthread_mutex_unlock(&q->mu);
}

qlease_book_t *qlease_book_create(qlease_word_fn fn, void *ctx)
{
    qlease_book_t *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    b->word_fn = fn;
    b->ctx = ctx;
    return b;
}

static void qlease_wake_all(qlease_entry_t *e)
{
    qlease_waiter_t *w = e->waiters;
    e->waiters = NULL;
    while (w != NULL) {
        qlease_waiter_t *next = w->next;
        park_wake(&w->park, NULL);
        w = next;
    }
}

void qlease_book_destroy(qlease_book_t *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->n; i++)
        qlease_wake_all(&b->e[i]);
    free(b->e);
    free(b->asks);
    free(b->ask_ptrs);
    free(b);
}

static qlease_entry_t *qlease_find(qlease_book_t *b, const uint8_t *sha, const char *plan_id,
                                   uint32_t period)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->e[i].period == period && memcmp(b->e[i].sha, sha, KEYREC_SHA_LEN) == 0 &&
            memcmp(b->e[i].plan_id, plan_id, KEYREC_PLAN_ID_LEN) == 0)
            return &b->e[i];
    return NULL;
}

static qlease_entry_t *qlease_add(qlease_book_t *b, const uint8_t *sha, const uint8_t *usage_id,
                                  uint32_t period, uint64_t now_ms)
{
    if (b->n == b->cap) {
        size_t cap = b->cap == 0 ? 16 : b->cap * 2;
        qlease_entry_t *bigger = realloc(b->e, cap * sizeof(*bigger));
        if (bigger == NULL)
            return NULL;
        b->e = bigger;
        b->cap = cap;
    }
    qlease_entry_t *e = &b->e[b->n++];
    memset(e, 0, sizeof(*e));
    memcpy(e->sha, sha, KEYREC_SHA_LEN);
    memcpy(e->key_id, usage_id, KEYREC_KEY_ID_LEN);
    memcpy(e->plan_id, usage_id + KEYREC_KEY_ID_LEN, KEYREC_PLAN_ID_LEN);
    e->period = period;
    e->window_ms = e->last_spend_ms = now_ms;
    return e;
}

/* Waiters join their lease's entry (made when new) and ask for it. */
static void qlease_take_queue(qlease_book_t *b, qlease_queue_t *q, uint64_t now_ms)
{
    pthread_mutex_lock(&q->mu);
    qlease_waiter_t *w = q->head;
    q->head = NULL;
    pthread_mutex_unlock(&q->mu);
    while (w != NULL) {
        qlease_waiter_t *next = w->next;
        char plan_id[KEYREC_PLAN_ID_LEN + 1];
        memcpy(plan_id, w->usage_id + KEYREC_KEY_ID_LEN, KEYREC_PLAN_ID_LEN);
        plan_id[KEYREC_PLAN_ID_LEN] = '\0';
        qlease_entry_t *e = qlease_find(b, w->sha, plan_id, w->period);
        if (e == NULL)
            e = qlease_add(b, w->sha, w->usage_id, w->period, now_ms);
        if (e == NULL) {
            park_wake(&w->park, NULL); /* out of memory: it is refused */
        } else {
            w->next = e->waiters;
            e->waiters = w;
            e->want = 1;
        }
        w = next;
    }
}

/* Wakes waiters that waited QLEASE_WAIT_MS (they are refused). */
static void qlease_expire_waiters(qlease_entry_t *e, uint64_t now_ms)
{
    qlease_waiter_t **pp = &e->waiters;
    while (*pp != NULL) {
        qlease_waiter_t *w = *pp;
        if (now_ms - w->since_ms >= QLEASE_WAIT_MS) {
            log_warn("quota lease: no grant for key %s within %d ms; a request is refused",
                     e->key_id, QLEASE_WAIT_MS);
            *pp = w->next;
            park_wake(&w->park, NULL);
        } else {
            pp = &w->next;
        }
    }
}

static void qlease_take_back(qlease_book_t *b, qlease_entry_t *e, uint64_t n)
{
    e->returned += n;
    b->returned_total += n;
}

/* Looks at one word; 0 when the entry can go. Entries stay for their period
 * (their cumulative figures are what make lost messages harmless). */
static int qlease_quiet(const qlease_entry_t *e)
{
    return e->last_held == 0 && e->waiters == NULL && !e->want && e->asked_ms == 0 &&
           e->dry_ms == 0 && e->returned == e->returned_sent;
}

static int qlease_watch(qlease_book_t *b, qlease_entry_t *e, uint64_t now_ms, int away)
{
    /* a lease with nothing held or pending is looked at now and then only
     * (for the end of its period) */
    if (qlease_quiet(e) && now_ms - e->looked_ms < QLEASE_QUIET_LOOK_MS)
        return 1;
    e->looked_ms = now_ms;
    uint8_t usage_id[KEYREC_USAGE_ID_LEN];
    _Atomic uint64_t *word = b->word_fn(b->ctx, e->sha, e->plan_id, usage_id);
    if (word == NULL || quota_period(word) > e->period) {
        /* the key left the snapshot, or its period is over */
        qlease_wake_all(e);
        if (word == NULL && e->last_held > 0)
            qlease_take_back(b, e, e->last_held);
        e->last_held = 0;
        return word == NULL && e->returned > e->returned_sent;
    }
    uint64_t held = quota_held(word, e->period);
    if (held < e->last_held) {
        e->spent += e->last_held - held;
        e->last_spend_ms = now_ms;
    }
    e->last_held = held;
    if (e->asked_ms != 0 && now_ms - e->asked_ms >= QLEASE_ASK_RETRY_MS)
        e->asked_ms = 0; /* the ask or its grant was lost: ask again */
    if (away && e->waiters != NULL) {
        log_debug("quota lease: the control plane is away; waiting requests are refused");
        qlease_wake_all(e); /* nobody to ask: refused now rather than later */
        e->want = 0;
    }
    if (e->dry_ms != 0 && now_ms - e->dry_ms >= QLEASE_DRY_MS) {
        quota_undry(word, e->period); /* budget may have come back: a request asks again */
        e->dry_ms = 0;
    }
    if (held > 0 && now_ms - e->last_spend_ms >= QLEASE_IDLE_MS) {
        qlease_take_back(b, e, quota_reclaim(word, e->period, 0)); /* idle */
        e->last_held = 0;
        e->want = 0;
    } else if (!away && e->asked_ms == 0 && e->last_grant > 0 && held * 2 <= e->last_grant &&
               e->spent > 0 && now_ms - e->last_spend_ms < QLEASE_IDLE_MS) {
        e->want = 1; /* half of the last lease spent: more before it runs out */
    }
    qlease_expire_waiters(e, now_ms);
    return 1;
}

void qlease_tick(qlease_book_t *b, qlease_queue_t *q, uint64_t now_ms, uint64_t cp_silent_ms)
{
    int away = cp_silent_ms >= QLEASE_AWAY_MS;
    qlease_take_queue(b, q, now_ms);
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++) {
        qlease_entry_t *e = &b->e[i];
        if (cp_silent_ms >= QLEASE_NODE_TTL_MS && e->last_held > 0) {
            /* the control plane may count the lease back soon: set it aside */
            uint8_t usage_id[KEYREC_USAGE_ID_LEN];
            _Atomic uint64_t *word = b->word_fn(b->ctx, e->sha, e->plan_id, usage_id);
            if (word != NULL)
                qlease_take_back(b, e, quota_reclaim(word, e->period, 0));
            e->last_held = 0;
        }
        if (qlease_watch(b, e, now_ms, away))
            b->e[k++] = *e;
    }
    b->n = k;
}

int qlease_ask_due(const qlease_book_t *b)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->e[i].want && b->e[i].asked_ms == 0)
            return 1;
    return 0;
}

static int qlease_reportable(const qlease_entry_t *e, uint64_t now_ms)
{
    return (e->want && e->asked_ms == 0) || e->returned > e->returned_sent ||
           (e->last_held > 0 && now_ms - e->reported_ms >= QLEASE_REFRESH_MS);
}

void qlease_fill(qlease_book_t *b, Portico__NodeReport *r, uint64_t now_ms)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++)
        n += qlease_reportable(&b->e[i], now_ms);
    if (n == 0)
        return;
    free(b->asks);
    free(b->ask_ptrs);
    b->asks = calloc(n, sizeof(*b->asks));
    b->ask_ptrs = calloc(n, sizeof(*b->ask_ptrs));
    if (b->asks == NULL || b->ask_ptrs == NULL)
        return;
    size_t k = 0;
    for (size_t i = 0; i < b->n; i++) {
        qlease_entry_t *e = &b->e[i];
        e->in_report = qlease_reportable(e, now_ms);
        if (!e->in_report)
            continue;
        Portico__LeaseAsk *a = &b->asks[k];
        portico__lease_ask__init(a);
        a->key_sha256 = (ProtobufCBinaryData){KEYREC_SHA_LEN, e->sha};
        a->key_id = e->key_id;
        a->plan_id = e->plan_id;
        a->period_start = e->period;
        a->held = e->last_held;
        a->returned = e->returned_in_report = e->returned;
        a->received = e->received;
        a->spent = e->spent;
        a->interval_ms = (uint32_t)(now_ms - e->window_ms);
        a->want = e->asked_in_report = e->want && e->asked_ms == 0;
        b->ask_ptrs[k++] = a;
    }
    r->lease_asks = b->ask_ptrs;
    r->n_lease_asks = k;
}

void qlease_sent(qlease_book_t *b, int sent, uint64_t now_ms)
{
    for (size_t i = 0; i < b->n; i++) {
        qlease_entry_t *e = &b->e[i];
        if (!e->in_report)
            continue;
        e->in_report = 0;
        if (!sent)
            continue;
        e->returned_sent = e->returned_in_report;
        e->reported_ms = now_ms;
        if (e->asked_in_report) {
            e->asked_ms = now_ms;
            e->want = 0;
            e->spent = 0;
            e->window_ms = now_ms;
        }
    }
}

/* Applies the node's cumulative total: what it has not received yet. */
static void qlease_apply_grant(qlease_book_t *b, qlease_entry_t *e, _Atomic uint64_t *word,
                               const Portico__LeaseGrant *x, uint64_t now_ms)
{
    if (x->total < e->received) /* the control plane's ledger went back (a restored store) */
        e->received = x->total > x->amount ? x->total - x->amount : 0;
    uint64_t add = x->total > e->received ? x->total - e->received : 0;
    e->received += add;
    if (word == NULL) {
        qlease_take_back(b, e, add); /* for a key this node no longer serves */
        return;
    }
    quota_grant(word, x->period_start, add); /* add 0: nothing left, dry */
    log_debug("quota lease: key %s plan %s: +%llu (total %llu)", e->key_id, e->plan_id,
              (unsigned long long)add, (unsigned long long)x->total);
    e->last_held += add;
    e->dry_ms = add == 0 ? now_ms : 0;
    if (add > 0) {
        e->last_grant = add;
        e->last_spend_ms = now_ms; /* a fresh lease is not idle */
    }
    e->asked_ms = 0;
    qlease_wake_all(e);
}

void qlease_on_grants(qlease_book_t *b, const Portico__LeaseGrants *g, uint64_t now_ms)
{
    for (size_t i = 0; i < g->n_grants; i++) {
        const Portico__LeaseGrant *x = g->grants[i];
        if (x->key_sha256.len != KEYREC_SHA_LEN || strlen(x->plan_id) != KEYREC_PLAN_ID_LEN)
            continue;
        uint8_t usage_id[KEYREC_USAGE_ID_LEN];
        _Atomic uint64_t *word = b->word_fn(b->ctx, x->key_sha256.data, x->plan_id, usage_id);
        qlease_entry_t *e = qlease_find(b, x->key_sha256.data, x->plan_id, x->period_start);
        if (e == NULL && word == NULL)
            continue; /* never asked for here, and unknown: not ours to spend */
        if (e == NULL)
            e = qlease_add(b, x->key_sha256.data, usage_id, x->period_start, now_ms);
        if (e == NULL) {
            log_warn("quota lease: out of memory; a grant is not applied");
            continue;
        }
        qlease_apply_grant(b, e, word, x, now_ms);
    }
}

uint64_t qlease_returned_total(const qlease_book_t *b)
{
    return b->returned_total;
}

void qlease_release_all(qlease_book_t *b)
{
    for (size_t i = 0; i < b->n; i++) {
        qlease_entry_t *e = &b->e[i];
        uint8_t usage_id[KEYREC_USAGE_ID_LEN];
        _Atomic uint64_t *word = b->word_fn(b->ctx, e->sha, e->plan_id, usage_id);
        qlease_take_back(b, e, word != NULL ? quota_reclaim(word, e->period, 1) : 0);
        e->last_held = 0;
        e->want = 0;
    }
}

void qlease_move(qlease_book_t *b, qlease_word_fn old_fn, void *old_ctx)
{
    for (size_t i = 0; i < b->n; i++) {
        qlease_entry_t *e = &b->e[i];
        uint8_t usage_id[KEYREC_USAGE_ID_LEN];
        _Atomic uint64_t *from = old_fn(old_ctx, e->sha, e->plan_id, usage_id);
        _Atomic uint64_t *to = b->word_fn(b->ctx, e->sha, e->plan_id, usage_id);
        if (from == to)
            continue;
        uint64_t v = from != NULL ? quota_move(from) : 0;
        if (to != NULL)
            atomic_store_explicit(to, v, memory_order_relaxed);
        else if (from != NULL) {
            _Atomic uint64_t moved; /* the word's value, read the way quota.c reads it */
            atomic_init(&moved, v);
            qlease_take_back(b, e, quota_held(&moved, e->period));
        }
    }
}
