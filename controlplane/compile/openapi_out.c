/* openapi_out: the document, its paths and operations. */
#include "openapi_out.h"

#include <stdio.h>
#include <string.h>

#define API_KEY_SCHEME "api_key"

json_t *openapi_out_kv(Portico__KeyValue **kv, size_t n)
{
    json_t *obj = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(obj, kv[i]->key, json_string(kv[i]->value));
    return obj;
}

static json_t *string_schema(int oas30, json_t *obj)
{
    if (oas30)
        json_object_set_new(obj, "schema", json_pack("{s:s}", "type", "string"));
    else
        json_object_set_new(obj, "type", json_string("string"));
    return obj;
}

/* ---- parameters -------------------------------------------------------------- */

static const char *const locations[][2] = {{"method.request.path.", "path"},
                                           {"method.request.querystring.", "query"},
                                           {"method.request.header.", "header"},
                                           {NULL, NULL}};

static json_t *parameter(const char *name, const char *in, int required, int oas30)
{
    json_t *p = json_pack("{s:s,s:s,s:b}", "name", name, "in", in, "required", required);
    return string_schema(oas30, p);
}

static int has_param(json_t *params, const char *name, const char *in)
{
    size_t i;
    json_t *p;
    json_array_foreach(params, i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0 &&
            strcmp(json_string_value(json_object_get(p, "in")), in) == 0)
            return 1;
    }
    return 0;
}

/* Declared parameters, then every {name} of the path (OpenAPI requires them). */
static json_t *parameters(const Portico__Method *m, const char *path, int oas30)
{
    json_t *params = json_array();
    for (size_t i = 0; i < m->n_request_parameters; i++) {
        const char *name = m->request_parameters[i]->name;
        for (int k = 0; locations[k][0] != NULL; k++) {
            size_t n = strlen(locations[k][0]);
            char shown[300];
            if (strncmp(name, locations[k][0], n) != 0 || name[n] == '\0')
                continue;
            /* method.request.path.proxy of {proxy+}: the template's name */
            snprintf(shown, sizeof(shown), "{%s+}", name + n);
            if (k == 0 && strstr(path, shown) != NULL)
                snprintf(shown, sizeof(shown), "%s+", name + n);
            else
                snprintf(shown, sizeof(shown), "%s", name + n);
            json_array_append_new(params,
                                  parameter(shown, locations[k][1],
                                            m->request_parameters[i]->required || k == 0, oas30));
        }
    }
    for (const char *p = strchr(path, '{'); p != NULL; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        char name[256];
        if (end == NULL || (size_t)(end - p) >= sizeof(name))
            break;
        snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);
        char bare[256];
        snprintf(bare, sizeof(bare), "%s", name);
        if (bare[0] != '\0' && bare[strlen(bare) - 1] == '+')
            bare[strlen(bare) - 1] = '\0';
        if (!has_param(params, name, "path") && !has_param(params, bare, "path"))
            json_array_append_new(params, parameter(name, "path", 1, oas30));
    }
    return params;
}

/* ---- bodies and responses ---------------------------------------------------- */

static json_t *model_ref(const char *model, int oas30)
{
    char ref[600];
    snprintf(ref, sizeof(ref), "%s%s", oas30 ? "#/components/schemas/" : "#/definitions/", model);
    return json_pack("{s:s}", "$ref", ref);
}

static void request_body(json_t *op, const Portico__Method *m, int oas30)
{
    if (m->n_request_models == 0)
        return;
    if (oas30) {
        json_t *content = json_object();
        for (size_t i = 0; i < m->n_request_models; i++)
            json_object_set_new(
                content, m->request_models[i]->key,
                json_pack("{s:o}", "schema", model_ref(m->request_models[i]->value, 1)));
        json_object_set_new(op, "requestBody",
                            json_pack("{s:o,s:b}", "content", content, "required", 1));
        return;
    }
    json_t *consumes = json_array();
    for (size_t i = 0; i < m->n_request_models; i++)
        json_array_append_new(consumes, json_string(m->request_models[i]->key));
    json_object_set_new(op, "consumes", consumes);
    json_array_append_new(json_object_get(op, "parameters"),
                          json_pack("{s:s,s:s,s:s,s:b,s:o}", "in", "body", "name",
                                    m->request_models[0]->value, "description",
                                    m->request_models[0]->value, "required", 1, "schema",
                                    model_ref(m->request_models[0]->value, 0)));
}

static void response_models(json_t *resp, const Portico__MethodResponse *r, int oas30)
{
    if (r->n_response_models == 0)
        return;
    if (!oas30) { /* one schema per response in Swagger 2.0 */
        json_object_set_new(resp, "schema", model_ref(r->response_models[0]->value, 0));
        return;
    }
    json_t *content = json_object();
    for (size_t i = 0; i < r->n_response_models; i++)
        json_object_set_new(
            content, r->response_models[i]->key,
            json_pack("{s:o}", "schema", model_ref(r->response_models[i]->value, 1)));
    json_object_set_new(resp, "content", content);
}

static json_t *responses(const Portico__Method *m, int oas30)
{
    json_t *out = json_object();
    static const char hdr[] = "method.response.header.";
    for (size_t i = 0; i < m->n_method_responses; i++) {
        const Portico__MethodResponse *r = m->method_responses[i];
        char desc[64];
        snprintf(desc, sizeof(desc), "%s response", r->status_code);
        json_t *resp = json_pack("{s:s}", "description", desc);
        json_t *headers = json_object();
        for (size_t k = 0; k < r->n_response_parameters; k++) {
            const char *name = r->response_parameters[k]->name;
            if (strncmp(name, hdr, sizeof(hdr) - 1) == 0)
                json_object_set_new(headers, name + sizeof(hdr) - 1,
                                    string_schema(oas30, json_object()));
        }
        if (json_object_size(headers) > 0)
            json_object_set_new(resp, "headers", headers);
        else
            json_decref(headers);
        response_models(resp, r, oas30);
        json_object_set_new(out, r->status_code, resp);
    }
    if (json_object_size(out) == 0)
        json_object_set_new(out, "default", json_pack("{s:s}", "description", "Default response"));
    return out;
}

/* ---- operations ------------------------------------------------------------- */

static json_t *security(const Portico__ApiDefinition *def, const Portico__Method *m)
{
    json_t *req = json_object();
    const char *name =
        m->authorizer_id[0] != '\0' ? openapi_out_authorizer_name(def, m->authorizer_id) : NULL;
    if (name != NULL) {
        json_t *scopes = json_array();
        for (size_t i = 0; i < m->n_authorization_scopes; i++)
            json_array_append_new(scopes, json_string(m->authorization_scopes[i]));
        json_object_set_new(req, name, scopes);
    }
    if (strcmp(m->authorization_type, "AWS_IAM") == 0)
        json_object_set_new(req, OPENAPI_SIGV4_SCHEME, json_array());
    if (m->api_key_required)
        json_object_set_new(req, API_KEY_SCHEME, json_array());
    if (json_object_size(req) == 0) {
        json_decref(req);
        return NULL;
    }
    return json_pack("[o]", req);
}

static json_t *operation(const Portico__ApiDefinition *def, const Portico__Resource *r,
                         const Portico__Method *m, const openapi_out_opts_t *o)
{
    json_t *op = json_object();
    if (m->operation_name[0] != '\0')
        json_object_set_new(op, "operationId", json_string(m->operation_name));
    json_object_set_new(op, "parameters", parameters(m, r->path, o->oas30));
    request_body(op, m, o->oas30);
    if (json_array_size(json_object_get(op, "parameters")) == 0)
        json_object_del(op, "parameters");
    json_object_set_new(op, "responses", responses(m, o->oas30));
    json_t *sec = security(def, m);
    if (sec != NULL)
        json_object_set_new(op, "security", sec);
    int all = o->extensions & OPENAPI_EXT_APIGATEWAY;
    if (all && m->request_validator_id[0] != '\0')
        json_object_set_new(op, "x-amazon-apigateway-request-validator",
                            json_string(openapi_out_validator_name(def, m->request_validator_id)));
    if ((all || (o->extensions & OPENAPI_EXT_INTEGRATIONS)) && m->integration != NULL) {
        json_t *in = openapi_out_integration(m->integration);
        const char *ns = json_string_value(json_object_get(in, "cacheNamespace"));
        if (ns != NULL && strcmp(ns, r->id) == 0)
            json_object_del(in, "cacheNamespace"); /* the default: the resource's id */
        json_object_set_new(op, "x-amazon-apigateway-integration", in);
    }
    return op;
}

static const char *op_key(const char *verb)
{
    static char key[16];
    if (strcmp(verb, "ANY") == 0)
        return "x-amazon-apigateway-any-method";
    size_t i = 0;
    for (; verb[i] != '\0' && i + 1 < sizeof(key); i++)
        key[i] = (char)(verb[i] >= 'A' && verb[i] <= 'Z' ? verb[i] + 32 : verb[i]);
    key[i] = '\0';
    return key;
}

static json_t *paths(const Portico__ApiDefinition *def, const openapi_out_opts_t *o)
{
    json_t *out = json_object();
    for (size_t i = 0; i < def->n_resources; i++) {
        const Portico__Resource *r = def->resources[i];
        if (r->n_methods == 0)
            continue;
        json_t *item = json_object();
        for (size_t k = 0; k < r->n_methods; k++)
            json_object_set_new(item, op_key(r->methods[k]->http_method),
                                operation(def, r, r->methods[k], o));
        json_object_set_new(out, r->path, item);
    }
    return out;
}

/* ---- the document ------------------------------------------------------------ */

static json_t *info(json_t *api)
{
    const char *title = json_string_value(json_object_get(api, "name"));
    const char *version = json_string_value(json_object_get(api, "version"));
    json_t *i = json_pack("{s:s,s:s}", "title", title != NULL ? title : "api", "version",
                          version != NULL ? version : "1.0");
    if (json_is_string(json_object_get(api, "description")))
        json_object_set(i, "description", json_object_get(api, "description"));
    return i;
}

json_t *openapi_out_document(const Portico__ApiDefinition *def, json_t *api,
                             const openapi_out_opts_t *o)
{
    json_t *doc = json_object();
    json_t *schemes = openapi_out_security_schemes(def, o->extensions);
    json_t *models = openapi_out_models(def, o->oas30);
    if (o->oas30) {
        json_object_set_new(doc, "openapi", json_string("3.0.1"));
        json_object_set_new(doc, "info", info(api));
        json_object_set_new(doc, "servers",
                            json_pack("[{s:s,s:{s:{s:s}}}]", "url", "/{basePath}", "variables",
                                      "basePath", "default", o->stage));
        json_object_set_new(doc, "paths", paths(def, o));
        json_object_set_new(doc, "components",
                            json_pack("{s:o,s:o}", "schemas", models, "securitySchemes", schemes));
    } else {
        char base[300];
        snprintf(base, sizeof(base), "/%s", o->stage);
        json_object_set_new(doc, "swagger", json_string("2.0"));
        json_object_set_new(doc, "info", info(api));
        json_object_set_new(doc, "basePath", json_string(base));
        json_object_set_new(doc, "schemes", json_pack("[s]", "https"));
        json_object_set_new(doc, "paths", paths(def, o));
        json_object_set_new(doc, "securityDefinitions", schemes);
        json_object_set_new(doc, "definitions", models);
    }
    if (o->extensions & OPENAPI_EXT_APIGATEWAY)
        openapi_out_root_extensions(doc, def, api);
    return doc;
}
