/* fresh: the table is a small array searched linearly: a cluster has tens of
 * nodes, and each sender writes about once a second. */
#include "fresh.h"

#include <stdlib.h>
#include <string.h>

struct fresh_entry {
    char *sender;
    fresh_peer_t peer;
};

struct fresh_table {
    struct fresh_entry *items;
    size_t n, max;
};

int fresh_in_window(uint64_t sent_at_ms, uint64_t now_ms)
{
    uint64_t d = sent_at_ms > now_ms ? sent_at_ms - now_ms : now_ms - sent_at_ms;
    return d <= FRESH_WINDOW_MS;
}

int fresh_accept(fresh_peer_t *p, const envelope_t *env, uint64_t now_ms)
{
    if (!fresh_in_window(env->sent_at_ms, now_ms))
        return FRESH_ESTALE;
    int known = p->incarnation != 0 || p->seq != 0 || p->sent_at_ms != 0;
    if (known && env->incarnation == p->incarnation && env->seq <= p->seq)
        return FRESH_EREPLAY;
    if (known && env->incarnation != p->incarnation && env->incarnation < p->incarnation &&
        env->sent_at_ms <= p->sent_at_ms)
        return FRESH_EREPLAY;
    *p = (fresh_peer_t){env->incarnation, env->seq, env->sent_at_ms};
    return FRESH_OK;
}

fresh_table_t *fresh_table_create(size_t max_senders)
{
    fresh_table_t *t = calloc(1, sizeof(*t));
    if (t == NULL)
        return NULL;
    t->items = calloc(max_senders, sizeof(*t->items));
    if (t->items == NULL) {
        free(t);
        return NULL;
    }
    t->max = max_senders;
    return t;
}

void fresh_table_destroy(fresh_table_t *t)
{
    if (t == NULL)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->items[i].sender);
    free(t->items);
    free(t);
}

/* Drops entries whose last message is out of the window: replaying any of
 * their messages is refused as stale. */
static void fresh_table_expire(fresh_table_t *t, uint64_t now_ms)
{
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->items[i].peer.sent_at_ms + FRESH_WINDOW_MS < now_ms) {
            free(t->items[i].sender);
            continue;
        }
        t->items[k++] = t->items[i];
    }
    t->n = k;
}

int fresh_table_accept(fresh_table_t *t, const envelope_t *env, uint64_t now_ms)
{
    const char *sender = env->sender != NULL ? env->sender : "";
    if (!fresh_in_window(env->sent_at_ms, now_ms))
        return FRESH_ESTALE;
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->items[i].sender, sender) == 0)
            return fresh_accept(&t->items[i].peer, env, now_ms);
    if (t->n == t->max)
        fresh_table_expire(t, now_ms);
    if (t->n == t->max)
        return FRESH_EFULL;
    struct fresh_entry *e = &t->items[t->n];
    if ((e->sender = strdup(sender)) == NULL)
        return FRESH_EFULL;
    e->peer = (fresh_peer_t){0};
    t->n++;
    return fresh_accept(&e->peer, env, now_ms);
}

const char *fresh_strerror(int err)
{
    switch (err) {
    case FRESH_OK:
        return "ok";
    case FRESH_ESTALE:
        return "sent outside the freshness window (replayed, or the clocks disagree)";
    case FRESH_EREPLAY:
        return "replayed (sequence number or incarnation not newer)";
    case FRESH_EFULL:
        return "too many senders";
    }
    return "unknown freshness error";
}
