/* admin_cors: PUT /restapis/{id}/resources/{resource_id}/cors — Portico's
 * one-call CORS setup for a resource (see admin_cors.c for what it writes). */
#ifndef PORTICO_ADMIN_CORS_H
#define PORTICO_ADMIN_CORS_H

#include "admin.h"

void admin_cors_put(admin_call_t *c);

#endif
