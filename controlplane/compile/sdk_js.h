/* sdk_js: GetSdk's "javascript" type — a JavaScript client generated from a
 * stage's deployed definition, in the reference's shape
 * (apigClientFactory.newClient(config) with one method per resource and
 * verb, named as the reference names them: /pets/{petId} GET is
 * petsPetIdGet, / GET is rootGet; each takes (params, body,
 * additionalParams) and returns a Promise of {status, statusText, headers,
 * data}, rejected with err.response for answers outside 2xx). It uses the
 * platform's fetch (browsers, Node 18+) and no libraries; it does not sign
 * requests, so AWS_IAM methods reject with an explanation. */
#ifndef PORTICO_SDK_JS_H
#define PORTICO_SDK_JS_H

#include <stddef.h>

#include "portico.pb-c.h"

/* apigClient.js for def on stage (malloc'd, NUL-terminated), or NULL. */
char *sdk_js_client(const Portico__ApiDefinition *def, const char *api_name, const char *stage);

/* The README that goes with it (malloc'd). */
char *sdk_js_readme(const char *api_name, const char *stage);

/* The reference's method name for a resource path and verb into out
 * ("petsPetIdGet"); 0, or -1 when out is too small. */
int sdk_js_method_name(const char *path, const char *verb, char *out, size_t cap);

#endif
