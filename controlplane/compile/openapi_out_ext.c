/* openapi_out_ext: the x-amazon-apigateway-* extensions of an export, the
 * security schemes and the models. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "openapi_out.h"
#include "openapi_ref.h"

#define EXT "x-amazon-apigateway-"

static json_t *lower(const char *s)
{
    char buf[64];
    size_t i = 0;
    for (; s[i] != '\0' && i + 1 < sizeof(buf); i++)
        buf[i] = (char)tolower((unsigned char)s[i]);
    buf[i] = '\0';
    return json_string(buf);
}

static void set_str(json_t *obj, const char *key, const char *v)
{
    if (v != NULL && v[0] != '\0')
        json_object_set_new(obj, key, json_string(v));
}

static json_t *integration_responses(const Portico__Integration *in)
{
    json_t *out = json_object();
    for (size_t i = 0; i < in->n_responses; i++) {
        const Portico__IntegrationResponse *r = in->responses[i];
        json_t *doc = json_pack("{s:s}", "statusCode", r->status_code);
        if (r->n_response_parameters > 0)
            json_object_set_new(doc, "responseParameters",
                                openapi_out_kv(r->response_parameters, r->n_response_parameters));
        if (r->n_response_templates > 0)
            json_object_set_new(doc, "responseTemplates",
                                openapi_out_kv(r->response_templates, r->n_response_templates));
        set_str(doc, "contentHandling", r->content_handling);
        const char *key = r->selection_pattern[0] != '\0' ? r->selection_pattern : "default";
        json_object_set_new(out, key, doc);
    }
    return out;
}

json_t *openapi_out_integration(const Portico__Integration *in)
{
    json_t *doc = json_pack("{s:o}", "type", lower(in->type));
    set_str(doc, "httpMethod", in->http_method);
    set_str(doc, "uri", in->uri);
    if (in->n_request_parameters > 0)
        json_object_set_new(doc, "requestParameters",
                            openapi_out_kv(in->request_parameters, in->n_request_parameters));
    if (in->n_request_templates > 0)
        json_object_set_new(doc, "requestTemplates",
                            openapi_out_kv(in->request_templates, in->n_request_templates));
    if (in->passthrough_behavior[0] != '\0')
        json_object_set_new(doc, "passthroughBehavior", lower(in->passthrough_behavior));
    set_str(doc, "contentHandling", in->content_handling);
    if (in->timeout_ms != 0 && in->timeout_ms != 29000)
        json_object_set_new(doc, "timeoutInMillis", json_integer(in->timeout_ms));
    set_str(doc, "cacheNamespace", in->cache_namespace);
    if (in->n_cache_key_parameters > 0) {
        json_t *keys = json_array();
        for (size_t i = 0; i < in->n_cache_key_parameters; i++)
            json_array_append_new(keys, json_string(in->cache_key_parameters[i]));
        json_object_set_new(doc, "cacheKeyParameters", keys);
    }
    json_object_set_new(doc, "responses", integration_responses(in));
    return doc;
}

/* ---- authorizers ------------------------------------------------------------- */

const char *openapi_out_authorizer_name(const Portico__ApiDefinition *def, const char *id)
{
    for (size_t i = 0; i < def->n_authorizers; i++)
        if (strcmp(def->authorizers[i]->id, id) == 0)
            return def->authorizers[i]->name;
    return NULL;
}

/* The header an authorizer reads, for the scheme's "name". */
static const char *identity_header(const char *src, char *buf, size_t cap)
{
    static const char *const prefixes[] = {"method.request.header.", "$request.header.", NULL};
    for (int i = 0; prefixes[i] != NULL; i++) {
        size_t n = strlen(prefixes[i]);
        if (strncmp(src, prefixes[i], n) == 0 && src[n] != '\0') {
            snprintf(buf, cap, "%s", src + n);
            char *comma = strchr(buf, ',');
            if (comma != NULL)
                *comma = '\0';
            return buf;
        }
    }
    return "Unused";
}

static json_t *authorizer_ext(const Portico__Authorizer *a)
{
    json_t *ext = json_pack("{s:o}", "type", lower(a->type));
    set_str(ext, "identitySource", a->identity_source);
    if (strcmp(a->type, "JWT") == 0 && a->jwt != NULL) {
        json_t *aud = json_array();
        for (size_t i = 0; i < a->jwt->n_audience; i++)
            json_array_append_new(aud, json_string(a->jwt->audience[i]));
        json_t *cfg = json_pack("{s:s,s:o}", "issuer", a->jwt->issuer, "audience", aud);
        set_str(cfg, "jwksUri", a->jwt->jwks_uri);
        json_object_set_new(ext, "jwtConfiguration", cfg);
        return ext;
    }
    set_str(ext, "authorizerUri", a->authorizer_uri);
    set_str(ext, "identityValidationExpression", a->identity_validation_expression);
    json_object_set_new(ext, "authorizerResultTtlInSeconds", json_integer(a->result_ttl_seconds));
    return ext;
}

json_t *openapi_out_security_schemes(const Portico__ApiDefinition *def, int extensions)
{
    json_t *out = json_object();
    int with_ext = extensions & (OPENAPI_EXT_APIGATEWAY | OPENAPI_EXT_AUTHORIZERS);
    int api_key = 0, iam = 0;
    for (size_t i = 0; i < def->n_resources; i++)
        for (size_t k = 0; k < def->resources[i]->n_methods; k++) {
            api_key |= def->resources[i]->methods[k]->api_key_required;
            iam |= strcmp(def->resources[i]->methods[k]->authorization_type, "AWS_IAM") == 0;
        }
    if (iam) { /* the reference's scheme for IAM authorization */
        json_t *s =
            json_pack("{s:s,s:s,s:s}", "type", "apiKey", "name", "Authorization", "in", "header");
        json_object_set_new(s, EXT "authtype", json_string("awsSigv4"));
        json_object_set_new(out, OPENAPI_SIGV4_SCHEME, s);
    }
    if (api_key)
        json_object_set_new(
            out, "api_key",
            json_pack("{s:s,s:s,s:s}", "type", "apiKey", "name", "x-api-key", "in", "header"));
    for (size_t i = 0; i < def->n_authorizers; i++) {
        const Portico__Authorizer *a = def->authorizers[i];
        char hdr[256];
        json_t *s =
            json_pack("{s:s,s:s,s:s}", "type", "apiKey", "name",
                      identity_header(a->identity_source, hdr, sizeof(hdr)), "in", "header");
        if (with_ext) {
            if (a->auth_type != NULL && a->auth_type[0] != '\0') /* as stored (authType) */
                json_object_set_new(s, EXT "authtype", json_string(a->auth_type));
            else if (strcmp(a->type, "JWT") != 0) /* the reference's Lambda authorizers */
                json_object_set_new(s, EXT "authtype", json_string("custom"));
            json_object_set_new(s, EXT "authorizer", authorizer_ext(a));
        }
        json_object_set_new(out, a->name, s);
    }
    return out;
}

/* ---- models -------------------------------------------------------------------- */

json_t *openapi_out_models(const Portico__ApiDefinition *def, int oas30)
{
    json_t *out = json_object();
    for (size_t i = 0; i < def->n_models; i++) {
        json_t *schema = json_loads(def->models[i]->schema, 0, NULL);
        if (!json_is_object(schema)) {
            json_decref(schema);
            schema = json_object();
        }
        json_object_del(schema, "$schema");
        json_object_del(schema, "id");
        openapi_ref_from_url(schema, def->api_id,
                             oas30 ? "#/components/schemas/" : "#/definitions/");
        json_object_set_new(out, def->models[i]->name, schema);
    }
    return out;
}

/* ---- root extensions --------------------------------------------------------------- */

static json_t *gateway_responses(const Portico__ApiDefinition *def)
{
    json_t *out = json_object();
    for (size_t i = 0; i < def->n_gateway_responses; i++) {
        const Portico__GatewayResponse *g = def->gateway_responses[i];
        json_t *doc = json_object();
        set_str(doc, "statusCode", g->status_code);
        json_object_set_new(doc, "responseParameters",
                            openapi_out_kv(g->response_parameters, g->n_response_parameters));
        json_object_set_new(doc, "responseTemplates",
                            openapi_out_kv(g->response_templates, g->n_response_templates));
        json_object_set_new(out, g->response_type, doc);
    }
    return out;
}

const char *openapi_out_validator_name(const Portico__ApiDefinition *def, const char *id)
{
    for (size_t i = 0; i < def->n_request_validators; i++) {
        const Portico__RequestValidator *v = def->request_validators[i];
        if (strcmp(v->id, id) == 0 && v->name[0] != '\0')
            return v->name;
    }
    return id;
}

static json_t *validators(const Portico__ApiDefinition *def)
{
    json_t *out = json_object();
    for (size_t i = 0; i < def->n_request_validators; i++) {
        const Portico__RequestValidator *v = def->request_validators[i];
        json_object_set_new(out, openapi_out_validator_name(def, v->id),
                            json_pack("{s:b,s:b}", "validateRequestBody", v->validate_request_body,
                                      "validateRequestParameters", v->validate_request_parameters));
    }
    return out;
}

void openapi_out_root_extensions(json_t *doc, const Portico__ApiDefinition *def, json_t *api)
{
    set_str(doc, EXT "api-key-source", def->api_key_source);
    if (def->n_binary_media_types > 0) {
        json_t *types = json_array();
        for (size_t i = 0; i < def->n_binary_media_types; i++)
            json_array_append_new(types, json_string(def->binary_media_types[i]));
        json_object_set_new(doc, EXT "binary-media-types", types);
    }
    json_t *policy = def->policy[0] != '\0' ? json_loads(def->policy, 0, NULL) : NULL;
    if (policy != NULL)
        json_object_set_new(doc, EXT "policy", policy);
    json_t *mcs = json_object_get(api, "minimumCompressionSize");
    if (json_is_integer(mcs))
        json_object_set(doc, EXT "minimum-compression-size", mcs);
    if (def->n_gateway_responses > 0)
        json_object_set_new(doc, EXT "gateway-responses", gateway_responses(def));
    if (def->n_request_validators > 0)
        json_object_set_new(doc, EXT "request-validators", validators(def));
    if (def->disable_execute_api_endpoint)
        json_object_set_new(doc, EXT "endpoint-configuration",
                            json_pack("{s:b}", "disableExecuteApiEndpoint", 1));
}
