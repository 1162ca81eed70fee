/* compiler: turns stored configuration into what data planes run —
 * a deployment's frozen ApiDefinition (protobuf) when an API is deployed, and
 * the versioned Snapshot of every stage when anything they serve changes. */
#ifndef PORTICO_COMPILER_H
#define PORTICO_COMPILER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "portico.pb-c.h"
#include "store.h"

/* The API as one JSON tree: the RestApi document plus "resources", each with
 * "resourceMethods" holding full methods (integration and responses). */
int compiler_api_tree(store_t *s, const char *api_id, json_t **tree);

/* ApiDefinition from such a tree; every allocation comes from arena.
 * Returns 0, or -1 with a reason in err. */
int compiler_definition_from_tree(json_t *tree, const char *deployment_id, arena_t *arena,
                                  Portico__ApiDefinition **out, char *err, size_t err_len);

/* apiSummary of a deployment: {"/path": {"VERB": {authorizationType, apiKeyRequired}}}. */
json_t *compiler_summary_from_tree(json_t *tree);

/* Packs the definition in tree (from compiler_api_tree) into malloc'd bytes. */
int compiler_pack_definition(json_t *tree, const char *deployment_id, uint8_t **out,
                             size_t *out_len);

/* StageBinding from a stage document (reference Stage JSON). */
int compiler_stage_from_doc(const char *api_id, json_t *doc, arena_t *arena,
                            Portico__StageBinding **out);

/* Builds the snapshot of the store's current version into malloc'd bytes. */
int compiler_build_snapshot(store_t *s, uint8_t **out, size_t *out_len, uint64_t *version);

/* Snapshot settings that come from the control plane's options: the
 * account-wide throttle (0: none, the default) and whether new method
 * settings start with the reference's stage throttle (--reference-limits:
 * 10,000 rps with a burst of 5,000, which is also its account limit). */
#define COMPILER_REFERENCE_RATE 10000.0
#define COMPILER_REFERENCE_BURST 5000
typedef struct {
    double account_rate_limit;
    uint32_t account_burst_limit;
    int reference_limits;
} compiler_settings_t;

int compiler_build_snapshot_with(store_t *s, const compiler_settings_t *settings, uint8_t **out,
                                 size_t *out_len, uint64_t *version);

#endif
