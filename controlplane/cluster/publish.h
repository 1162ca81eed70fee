/* publish: the control plane's one commit path and everything that tells
 * data planes about a change. An admin handler opens the transaction with
 * publish_begin, writes, names what it changed with publish_change (which
 * bumps the config version inside that same transaction), and ends with
 * publish_commit: only a committed change is scheduled, and a rolled-back
 * one leaves neither a version nor a publication behind.
 *
 * What goes out depends on what changed:
 *   - definition documents, deployments no stage uses, a key's attributes,
 *     a domain without certificate: stored only (data planes see them
 *     through a deployment or a later change), no version;
 *   - stages, APIs, domains, plans, authorizer keys: one whole snapshot,
 *     built on the next loop turn (changes of one turn coalesce) and
 *     broadcast with a new epoch;
 *   - key memberships only: a KeyDelta on top of the exact version the nodes
 *     have (keydelta.c); after KEYDELTA_REBUILD_MS or KEYDELTA_REBUILD_KEYS
 *     the whole snapshot is rebuilt quietly for fetches.
 * The publisher also sends the heartbeat: every second an announcement, the
 * quota status, and a snapshot when the JWKS fetcher found new keys.
 * Admin loop thread only (the cluster's calls are thread-safe). */
#ifndef PORTICO_PUBLISH_H
#define PORTICO_PUBLISH_H

#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <stddef.h>
#include <stdint.h>

#include "cluster.h"
#include "compiler.h"
#include "store.h"

struct jwks_fetch;
struct usage;
struct nodes;

enum publish_what {
    /* stored only */
    PUBLISH_DEFINITION = 1u << 0,  /* API documents: they travel inside a deployment */
    PUBLISH_DEPLOYMENTS = 1u << 1, /* deployment records no stage points at */
    PUBLISH_KEY_INFO = 1u << 2,    /* a key's name or description; a key in no plan */
    PUBLISH_DOMAIN_INFO = 1u << 3, /* a domain name without certificate or mappings */
    /* a whole snapshot */
    PUBLISH_APIS = 1u << 4, /* an API and its stages went */
    PUBLISH_STAGES = 1u << 5,
    PUBLISH_DOMAINS = 1u << 6, /* certificates and base path mappings */
    PUBLISH_PLANS = 1u << 7,
    PUBLISH_AUTHORIZER_KEYS = 1u << 8, /* JWKS fetched */
    PUBLISH_ACCESS_KEYS = 1u << 10,    /* AWS_IAM signing keys: an access key or a new day */
    PUBLISH_FUNCTIONS = 1u << 11,      /* function versions, aliases, reserved concurrency */
    /* a key delta */
    PUBLISH_KEYS = 1u << 9, /* key memberships: enabled, deleted, in or out of a plan */
};

#define PUBLISH_STORED_ONLY                                                                        \
    (PUBLISH_DEFINITION | PUBLISH_DEPLOYMENTS | PUBLISH_KEY_INFO | PUBLISH_DOMAIN_INFO)
#define PUBLISH_SNAPSHOT                                                                           \
    (PUBLISH_APIS | PUBLISH_STAGES | PUBLISH_DOMAINS | PUBLISH_PLANS | PUBLISH_AUTHORIZER_KEYS |   \
     PUBLISH_ACCESS_KEYS | PUBLISH_FUNCTIONS)

typedef struct publish publish_t;

typedef struct {
    store_t *store;     /* the admin loop's connection */
    h2o_evloop_t *loop; /* the admin loop */
    cluster_t *cluster; /* NULL: build and keep, send nothing (tests, fuzzing) */
    compiler_settings_t settings;
    struct nodes *nodes; /* for the heartbeat's quota status; NULL = none */
    struct usage *usage;
} publish_config_t;

/* Creates the publisher (nothing built yet, no timer running). */
int publish_create(const publish_config_t *cfg, publish_t **out);
void publish_destroy(publish_t *p);

/* ---- the commit path (admin handlers) ---- */

/* Opens a write transaction on the store and forgets anything a transaction
 * left uncommitted. Returns a store_err. */
int publish_begin(publish_t *p);
/* Inside the transaction: records what changed. A snapshot change bumps the
 * version and starts a new epoch; a keys-only change bumps the version and
 * notes the keys (sha256s: nkeys SHA-256 digests, copied); a stored-only
 * change bumps nothing. Further changes of the same transaction bump again
 * only to turn a keys-only bump into a new epoch. Returns a store_err. */
int publish_change(publish_t *p, unsigned what, const uint8_t *sha256s, size_t nkeys);
/* Commits; on success schedules what the transaction changed (next loop
 * turn). On failure rolls back. Returns a store_err. */
int publish_commit(publish_t *p);
/* Rolls back and forgets what the transaction changed. */
void publish_rollback(publish_t *p);

/* ---- publications ---- */

/* A change committed elsewhere (another connection): schedules it. */
void publish_schedule(publish_t *p, unsigned what);
/* Builds the snapshot of the store's current version and broadcasts it now
 * (at start). Returns 0 or -1 (logged; the previous snapshot stays). */
int publish_now(publish_t *p);
/* Starts the one-second heartbeat (announcements, quota status, JWKS). */
void publish_start_heartbeat(publish_t *p, struct jwks_fetch *jwks);

/* The version data planes were last given (snapshot or delta). */
uint64_t publish_version(const publish_t *p);
/* The epoch of the last whole snapshot. */
uint64_t publish_epoch(const publish_t *p);
/* The settings snapshots are built with (account throttle, reference limits). */
const compiler_settings_t *publish_settings(const publish_t *p);
/* What is scheduled for the next loop turn: PUBLISH_SNAPSHOT bits,
 * PUBLISH_KEYS, or 0. */
unsigned publish_scheduled(const publish_t *p);

#endif
