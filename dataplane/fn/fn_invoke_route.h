/* fn_invoke_route: the data plane's end of the management API's Invoke.
 * The control plane forwards POST /2015-03-31/functions/{name}/invocations
 * here as POST /.portico/invoke/{function reference} (a path no API stage
 * can have: stage names hold no '.') with an invokemac header, and this
 * route runs it through fnhost_invoke and answers as the reference's Invoke
 * does: 200 with the payload (X-Amz-Function-Error: Unhandled for a handler
 * error, a crash, a timeout or an init failure; X-Amz-Executed-Version), 202
 * for InvocationType Event, 204 for DryRun, 404 ResourceNotFoundException,
 * 429 TooManyRequestsException. A request without a valid, fresh, unseen
 * MAC gets 403. */
#ifndef PORTICO_FN_INVOKE_ROUTE_H
#define PORTICO_FN_INVOKE_ROUTE_H

#include "dp.h"

/* Registers the route on host, before the catch-all path. */
void fn_invoke_route_register(h2o_hostconf_t *host, dp_t *dp);

#endif
