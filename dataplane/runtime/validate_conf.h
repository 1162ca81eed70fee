/* validate_conf: request validation compiled from a deployment — each
 * method's validator switches, its required request parameters (sorted by
 * full key, the order of the reference's message) and its requestModels
 * with their JSON Schemas compiled once (common/jsonschema) into the
 * runtime's arena. step_validate.c applies them. */
#ifndef PORTICO_VALIDATE_CONF_H
#define PORTICO_VALIDATE_CONF_H

#include "arena.h"
#include "jsonschema.h"
#include "params.h"
#include "portico.pb-c.h"

struct rt_models;

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

/* A deployment's models, from def (each compiled when a method first needs
 * it), in a. Returns 0, or -1 with a reason in err. */
int validate_conf_deployment(arena_t *a, const Portico__ApiDefinition *def, struct rt_models **out,
                             char *err, size_t err_len);

/* The validation of method m (*out NULL when its validator checks nothing),
 * in a; models are the deployment's. Returns 0, or -1 with a reason in err. */
int validate_conf_method(arena_t *a, struct rt_models *models, const Portico__Method *m,
                         const struct rt_validate **out, char *err, size_t err_len);

/* The model for a media type (no parameters; case-insensitive), else the
 * "$default" one, else NULL. */
const jsonschema_t *validate_conf_model(const rt_validate_t *v, const char *type, size_t len);

#endif
