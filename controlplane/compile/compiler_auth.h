/* compiler_auth: the authorization part of compilation — an API's
 * authorizers and gateway responses into its tree and its frozen
 * ApiDefinition, and the current JWKS keys of every JWT authorizer that a
 * snapshot's deployments use into the Snapshot. */
#ifndef PORTICO_COMPILER_AUTH_H
#define PORTICO_COMPILER_AUTH_H

#include <jansson.h>

#include "arena.h"
#include "portico.pb-c.h"
#include "store.h"

/* Adds "authorizers" (array) and "gatewayResponses" (object by type). */
int compiler_auth_tree(store_t *s, const char *api_id, json_t *tree);

/* Fills def->authorizers and def->gateway_responses from the tree. */
void compiler_auth_definition(arena_t *a, json_t *tree, Portico__ApiDefinition *def);

/* The key sets of the JWT authorizers in defs and in the apigatewayv2
 * definitions v2 (each source once), read inside the caller's transaction. */
int compiler_auth_jwks(store_t *s, arena_t *a, Portico__ApiDefinition **defs, size_t ndefs,
                       Portico__V2ApiDefinition **v2, size_t nv2, Portico__JwksKeySet ***out,
                       size_t *n);

#endif
