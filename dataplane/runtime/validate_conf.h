/* validate_conf: request validation compiled from a deployment — each
 * method's validator switches, its required request parameters (sorted by
 * full key, the order of the reference's message) and its requestModels
 * with their JSON Schemas compiled once (common/jsonschema) into the
 * runtime's arena. step_validate.c applies them. */
#ifndef PORTICO_VALIDATE_CONF_H
#define PORTICO_VALIDATE_CONF_H

#include "jsonschema.h"
#include "params.h"
#include "runtime.h"

typedef struct {
    enum params_loc loc; /* PATH, QUERYSTRING, HEADER or their MULTIVALUE forms */
    const char *name;
    size_t len;
} rt_required_param_t;

typedef struct {
    const char *content_type; /* as declared: "application/json", "$default" */
    size_t len;
    const jsonschema_t *schema;
} rt_body_model_t;

typedef struct rt_validate {
    int params; /* validateRequestParameters */
    int body;   /* validateRequestBody */
    const rt_required_param_t *required;
    size_t nrequired;
    const rt_body_model_t *models;
    size_t nmodels;
} rt_validate_t;

/* Prepares d->models from def's models (compiled when a method needs one). */
int validate_conf_deployment(rt_build_t *b, rt_deployment_t *d, const Portico__ApiDefinition *def);

/* Sets rm->validate for m (NULL when its validator checks nothing). */
int validate_conf_method(rt_build_t *b, const rt_deployment_t *d, const Portico__Method *m,
                         rt_method_t *rm);

/* The model for a media type (no parameters; case-insensitive), else the
 * "$default" one, else NULL. */
const jsonschema_t *validate_conf_model(const rt_validate_t *v, const char *type, size_t len);

#endif
