/* iam_conf: the snapshot's AWS_IAM signing keys (one per access key, UTC day
 * and region, service execute-api) opened with the cluster secret, each with
 * its identity policy compiled, in a table keyed "id\ndate\nregion". A key
 * whose seal does not open or whose policy does not parse refuses the whole
 * snapshot. */
#ifndef PORTICO_IAM_CONF_H
#define PORTICO_IAM_CONF_H

#include <stdint.h>

#include "envelope.h"
#include "rt_build.h"
#include "sigv4.h"

typedef struct {
    const char *access_key_id;
    uint8_t key[SIGV4_KEY_LEN];
    const struct policy *policy;
} rt_iam_key_t;

/* The secret sealed keys are opened with; set once before any snapshot. */
void iam_conf_set_secret(const envelope_secret_t *secret);

int iam_conf_keys(rt_build_t *b, const Portico__Snapshot *snap);

/* The signing key of access key id on date (yyyymmdd) in region, or NULL. */
const rt_iam_key_t *iam_conf_key(const runtime_t *rt, const char *id, const char *date,
                                 const char *region);

#endif
