/* ws_manage: @connections — POST (send), GET (info), DELETE (close)
 * /{stage}/@connections/{connectionId} on any node, authorized with SigV4
 * by an access key whose policy allows execute-api:ManageConnections on
 * arn:aws:execute-api:{region}:{account}:{api}/{stage}/{VERB}/@connections/{id}.
 * Unknown or closed ids answer 410 GoneException. */
#ifndef PORTICO_WS_MANAGE_H
#define PORTICO_WS_MANAGE_H

#include "request.h"
#include "ws_conf.h"

/* id: the path after "@connections/". Answers r. */
void ws_manage_handle(dp_request_t *r, const ws_stage_t *s, h2o_iovec_t id);

#endif
