/* openapi_in: paths, operations, parameters, bodies, responses and models of
 * an OpenAPI 3.0 / Swagger 2.0 document → the import plan (openapi_in.h). */
#include "openapi_in.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define OPENAPI_MAX_PATH 1024

void openapi_warn(openapi_ctx_t *x, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    json_array_append_new(x->warnings, json_string(buf));
}

int openapi_fail(openapi_ctx_t *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err, x->err_len, fmt, ap);
    va_end(ap);
    return -1;
}

static int is_oas3(json_t *doc)
{
    const char *v = json_string_value(json_object_get(doc, "openapi"));
    return v != NULL && strncmp(v, "3.0", 3) == 0;
}

/* ---- base path ------------------------------------------------------------ */

static void server_path(json_t *server, char *out, size_t cap)
{
    const char *url = json_string_value(json_object_get(server, "url"));
    if (url == NULL)
        return;
    const char *p = strstr(url, "://");
    p = p != NULL ? strchr(p + 3, '/') : (url[0] == '/' ? url : NULL);
    if (p == NULL)
        return;
    json_t *def = json_object_get(json_object_get(json_object_get(server, "variables"), "basePath"),
                                  "default");
    if (strcmp(p, "/{basePath}") == 0 && json_is_string(def)) {
        const char *d = json_string_value(def);
        snprintf(out, cap, "%s%s", d[0] == '/' ? "" : "/", d);
        return;
    }
    snprintf(out, cap, "%s", p);
}

void openapi_in_base_path(json_t *doc, char *out, size_t cap)
{
    out[0] = '\0';
    if (is_oas3(doc))
        server_path(json_array_get(json_object_get(doc, "servers"), 0), out, cap);
    else if (json_is_string(json_object_get(doc, "basePath")))
        snprintf(out, cap, "%s", json_string_value(json_object_get(doc, "basePath")));
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
}

/* The prefix paths get: nothing, the whole base path, or all but its first part. */
static void path_prefix(json_t *doc, enum openapi_basepath mode, char *out, size_t cap)
{
    char base[OPENAPI_MAX_PATH];
    openapi_in_base_path(doc, base, sizeof(base));
    out[0] = '\0';
    if (mode == OPENAPI_BASEPATH_PREPEND)
        snprintf(out, cap, "%s", base);
    else if (mode == OPENAPI_BASEPATH_SPLIT && base[0] == '/') {
        const char *rest = strchr(base + 1, '/');
        snprintf(out, cap, "%s", rest != NULL ? rest : "");
    }
}

/* ---- parameters, bodies, responses ---------------------------------------- */

#define OPENAPI_MAX_HOPS 8

/* One JSON pointer step of ref (at p) into part, "~1" → "/", "~0" → "~". */
static const char *pointer_step(const char *p, char *part, size_t cap)
{
    size_t n = 0;
    for (; *p != '\0' && *p != '/' && n + 1 < cap; p++) {
        if (p[0] == '~' && (p[1] == '0' || p[1] == '1')) {
            part[n++] = p[1] == '1' ? '/' : '~';
            p++;
        } else {
            part[n++] = *p;
        }
    }
    part[n] = '\0';
    return *p == '/' ? p + 1 : p;
}

/* A parameter, request body or response given as a local "$ref"
 * ("#/components/parameters/X", "#/parameters/X", ...) → what it names;
 * v itself when it is no reference. NULL (x->failed) when it does not resolve. */
static json_t *deref(openapi_ctx_t *x, json_t *v)
{
    for (int hops = 0; hops < OPENAPI_MAX_HOPS; hops++) {
        const char *ref = json_string_value(json_object_get(v, "$ref"));
        if (ref == NULL)
            return v;
        json_t *node = strncmp(ref, "#/", 2) == 0 ? x->doc : NULL;
        char part[256];
        for (const char *p = ref + 2; node != NULL && *p != '\0';) {
            p = pointer_step(p, part, sizeof(part));
            node = json_object_get(node, part);
        }
        if (node == NULL)
            break;
        v = node;
    }
    x->failed = 1;
    openapi_fail(x, "Invalid reference: %s",
                 json_string_value(json_object_get(v, "$ref")) != NULL
                     ? json_string_value(json_object_get(v, "$ref"))
                     : "(a loop)");
    return NULL;
}

static const char *param_location(const char *in)
{
    static const char *const map[][2] = {
        {"path", "path"}, {"query", "querystring"}, {"header", "header"}, {NULL, NULL}};
    for (int i = 0; map[i][0] != NULL; i++)
        if (in != NULL && strcmp(in, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

/* A "$ref" to "#/definitions/X", "#/components/schemas/X" or a model URL → X. */
static const char *model_of_ref(const char *ref)
{
    const char *slash = ref != NULL ? strrchr(ref, '/') : NULL;
    return slash != NULL && slash[1] != '\0' ? slash + 1 : NULL;
}

/* A model the document defines, by the reference's check: a $ref to an
 * undefined one is the warning "Parse issue: attribute ... is missing". */
static const char *known_model(openapi_ctx_t *x, const char *ref, const char *section)
{
    const char *name = model_of_ref(ref);
    if (name != NULL && json_object_get(json_object_get(x->plan, "models"), name) != NULL)
        return name;
    openapi_warn(x, "Parse issue: attribute paths.'%s'(%s).%s.schema.%s is missing", x->op_path,
                 x->op_key, section, ref);
    return NULL;
}

/* {ct: {schema: {$ref}}} → {ct: Model}; inline schemas are warned about.
 * section names where content is ("requestBody.content", ...). */
static json_t *content_models(openapi_ctx_t *x, json_t *content, const char *section)
{
    json_t *models = json_object();
    const char *ct;
    json_t *media;
    json_object_foreach(content, ct, media)
    {
        json_t *schema = json_object_get(media, "schema");
        const char *ref = json_string_value(json_object_get(schema, "$ref"));
        const char *name = ref != NULL ? known_model(x, ref, section) : NULL;
        if (name != NULL)
            json_object_set_new(models, ct, json_string(name));
        else if (schema != NULL && ref == NULL)
            openapi_warn(x, "paths.'%s'(%s).%s: an inline schema for %s is not imported as a model",
                         x->op_path, x->op_key, section, ct);
    }
    return models;
}

/* Swagger's one schema (a body parameter's, a response's) as content. */
static json_t *swagger_models(openapi_ctx_t *x, json_t *op, json_t *schema, const char *section,
                              const char *list)
{
    json_t *types = json_object_get(op, list);
    if (types == NULL)
        types = json_object_get(x->doc, list);
    const char *ct = json_string_value(json_array_get(types, 0));
    json_t *content = json_object();
    if (schema != NULL)
        json_object_set_new(content, ct != NULL ? ct : "application/json",
                            json_pack("{s:O}", "schema", schema));
    json_t *models = content_models(x, content, section);
    json_decref(content);
    return models;
}

static void add_parameters(openapi_ctx_t *x, json_t *method, json_t *op, json_t *params,
                           const char *where)
{
    size_t i;
    json_t *p;
    json_array_foreach(params, i, p)
    {
        if ((p = deref(x, p)) == NULL)
            return;
        const char *in = json_string_value(json_object_get(p, "in"));
        const char *name = json_string_value(json_object_get(p, "name"));
        const char *loc = param_location(in);
        char key[512];
        if (in != NULL && strcmp(in, "body") == 0) {
            json_object_set_new(
                method, "requestModels",
                swagger_models(x, op, json_object_get(p, "schema"), "parameters.body", "consumes"));
            continue;
        }
        if (loc == NULL || name == NULL) {
            openapi_warn(x, "%s: parameter %s in %s is not imported", where,
                         name != NULL ? name : "?", in != NULL ? in : "?");
            continue;
        }
        size_t n = strlen(name);
        if (strcmp(loc, "path") == 0 && n > 1 && name[n - 1] == '+')
            n--; /* {proxy+}: the reference's parameter is "proxy" */
        snprintf(key, sizeof(key), "method.request.%s.%.*s", loc, (int)n, name);
        json_object_set_new(
            json_object_get(method, "requestParameters"), key,
            json_boolean(json_is_true(json_object_get(p, "required")) || strcmp(loc, "path") == 0));
    }
}

static json_t *method_response(openapi_ctx_t *x, json_t *op, json_t *resp, const char *code)
{
    json_t *mr = json_pack("{s:s,s:{}}", "statusCode", code, "responseParameters");
    const char *h;
    json_t *v;
    json_object_foreach(json_object_get(resp, "headers"), h, v)
    {
        char key[512];
        snprintf(key, sizeof(key), "method.response.header.%s", h);
        json_object_set_new(json_object_get(mr, "responseParameters"), key, json_false());
    }
    char section[64];
    snprintf(section, sizeof(section), "responses.%s.content", code);
    json_object_set_new(
        mr, "responseModels",
        is_oas3(x->doc)
            ? content_models(x, json_object_get(resp, "content"), section)
            : swagger_models(x, op, json_object_get(resp, "schema"), section, "produces"));
    return mr;
}

static void add_responses(openapi_ctx_t *x, json_t *method, json_t *op, const char *where)
{
    json_t *out = json_object();
    const char *code;
    json_t *resp;
    json_object_foreach(json_object_get(op, "responses"), code, resp)
    {
        if (strcmp(code, "default") == 0)
            continue; /* what an export writes for a method without responses */
        if ((resp = deref(x, resp)) == NULL)
            break;
        if (strlen(code) != 3 || !isdigit((unsigned char)code[0]) || code[0] < '1' ||
            code[0] > '5' || !isdigit((unsigned char)code[1]) || !isdigit((unsigned char)code[2])) {
            openapi_warn(x, "%s: response %s is not a status code and is not imported", where,
                         code);
            continue;
        }
        json_object_set_new(out, code, method_response(x, op, resp, code));
    }
    json_object_set_new(method, "methodResponses", out);
}

/* ---- security ------------------------------------------------------------- */

/* Applies the operation's security requirements (else the document's) as
 * the reference does: every requirement object of the list counts, not only
 * the first (its own exports list one object per scheme), so an API key
 * scheme anywhere sets apiKeyRequired and the authorizer (a Lambda-style or
 * JWT authorizer, or sigv4 for AWS_IAM) comes from the first scheme that
 * names one; a method has one authorizer, so another one is warned about
 * and not applied. 1: the method may not be imported (an unsupported scheme
 * guards it). */
static int add_security(openapi_ctx_t *x, json_t *method, json_t *op, const char *where)
{
    json_t *security = json_object_get(op, "security");
    if (security == NULL)
        security = json_object_get(x->doc, "security");
    json_t *keys = json_object_get(x->plan, "apiKeySchemes");
    json_t *iam = json_object_get(x->plan, "iamSchemes");
    json_t *denied = json_object_get(x->plan, "deniedSchemes");
    json_t *auths = json_object_get(x->plan, "authorizers");
    const char *chosen = NULL; /* the scheme that gave the method its authorizer */
    size_t i;
    json_t *req;
    json_array_foreach(security, i, req)
    {
        const char *name;
        json_t *scopes;
        json_object_foreach(req, name, scopes)
        {
            json_t *a = json_object_get(auths, name);
            if (json_object_get(keys, name) != NULL) {
                json_object_set_new(method, "apiKeyRequired", json_true());
                continue;
            }
            if (json_object_get(denied, name) != NULL) {
                openapi_warn(x, "%s: not imported, its security scheme %s is not supported", where,
                             name);
                return 1;
            }
            if (a == NULL && json_object_get(iam, name) == NULL) {
                openapi_warn(x, "%s: security scheme %s is not defined; ignored", where, name);
                continue;
            }
            if (chosen != NULL) {
                if (strcmp(chosen, name) != 0)
                    openapi_warn(x,
                                 "%s: security scheme %s is not applied: a method has one "
                                 "authorizer and %s is applied",
                                 where, name, chosen);
                continue;
            }
            chosen = name;
            if (a == NULL) {
                json_object_set_new(method, "authorizationType", json_string("AWS_IAM"));
                continue;
            }
            const char *type = json_string_value(json_object_get(a, "type"));
            json_object_set_new(method, "authorizationType",
                                json_string(strcmp(type, "JWT") == 0 ? "JWT" : "CUSTOM"));
            json_object_set_new(method, "authorizerName", json_string(name));
            if (json_array_size(scopes) > 0)
                json_object_set(method, "authorizationScopes", scopes);
        }
    }
    return 0;
}

/* ---- operations and paths ------------------------------------------------- */

static const char *const verbs[][2] = {{"get", "GET"},
                                       {"put", "PUT"},
                                       {"post", "POST"},
                                       {"delete", "DELETE"},
                                       {"options", "OPTIONS"},
                                       {"head", "HEAD"},
                                       {"patch", "PATCH"},
                                       {"x-amazon-apigateway-any-method", "ANY"},
                                       {NULL, NULL}};

static const char *verb_of(const char *key)
{
    for (int i = 0; verbs[i][0] != NULL; i++)
        if (strcmp(key, verbs[i][0]) == 0)
            return verbs[i][1];
    return NULL;
}

static void add_request_body(openapi_ctx_t *x, json_t *method, json_t *op)
{
    json_t *body = json_object_get(op, "requestBody");
    if (body == NULL || (body = deref(x, body)) == NULL)
        return;
    json_t *models = content_models(x, json_object_get(body, "content"), "requestBody.content");
    json_object_set_new(method, "requestModels", models);
}

static void add_validator(openapi_ctx_t *x, json_t *method, json_t *op, const char *where)
{
    json_t *v = json_object_get(op, "x-amazon-apigateway-request-validator");
    if (v == NULL)
        v = json_object_get(x->doc, "x-amazon-apigateway-request-validator");
    if (v == NULL)
        return;
    if (json_object_get(json_object_get(x->plan, "validators"), json_string_value(v)) == NULL) {
        openapi_warn(x, "%s: request validator %s is not defined; ignored", where,
                     json_string_value(v) != NULL ? json_string_value(v) : "?");
        return;
    }
    json_object_set(method, "requestValidatorName", v);
}

/* One operation → a Method; NULL when it is not imported; -1 in *failed on error. */
static json_t *operation(openapi_ctx_t *x, json_t *op, json_t *path_params, const char *verb,
                         const char *path, int *failed)
{
    char where[OPENAPI_MAX_PATH * 2 + 16];
    snprintf(where, sizeof(where), "%s %.2047s", verb, path);
    json_t *m = json_pack("{s:s,s:s,s:b,s:{}}", "httpMethod", verb, "authorizationType", "NONE",
                          "apiKeyRequired", 0, "requestParameters");
    if (json_is_string(json_object_get(op, "operationId")))
        json_object_set(m, "operationName", json_object_get(op, "operationId"));
    add_parameters(x, m, op, path_params, where);
    add_parameters(x, m, op, json_object_get(op, "parameters"), where);
    add_request_body(x, m, op);
    add_responses(x, m, op, where);
    add_validator(x, m, op, where);
    if (add_security(x, m, op, where) != 0) {
        json_decref(m);
        return NULL;
    }
    json_t *ext = json_object_get(op, "x-amazon-apigateway-integration");
    if (ext != NULL) {
        json_t *in = openapi_in_integration(x, ext, where, failed);
        if (*failed) {
            *failed = *failed < 0 ? -1 : 0;
            json_decref(m);
            return NULL;
        }
        if (in != NULL)
            json_object_set_new(m, "methodIntegration", in);
    }
    return m;
}

static int path_item(openapi_ctx_t *x, const char *prefix, const char *path, json_t *item)
{
    char full[OPENAPI_MAX_PATH * 2];
    if (path[0] != '/' || strlen(prefix) + strlen(path) >= sizeof(full))
        return openapi_fail(x, "Invalid resource path: %.200s", path);
    snprintf(full, sizeof(full), "%.1023s%.1024s", prefix,
             strcmp(path, "/") == 0 && *prefix ? "" : path);
    size_t n = strlen(full);
    while (n > 1 && full[n - 1] == '/')
        full[--n] = '\0'; /* "/pets/" is the resource "/pets" */
    json_t *resources = json_object_get(x->plan, "resources");
    json_t *methods = json_object_get(resources, full);
    if (methods == NULL) {
        methods = json_object();
        json_object_set_new(resources, full, methods);
    }
    const char *key;
    json_t *op;
    json_object_foreach(item, key, op)
    {
        const char *verb = verb_of(key);
        if (verb == NULL) {
            if (strcmp(key, "parameters") != 0)
                openapi_warn(x, "%s: %s is not imported", full, key);
            continue;
        }
        int failed = 0;
        x->op_path = path;
        x->op_key = key;
        json_t *m = operation(x, op, json_object_get(item, "parameters"), verb, full, &failed);
        if (failed || x->failed) {
            json_decref(m);
            return -1;
        }
        if (m != NULL)
            json_object_set_new(methods, verb, m);
    }
    return 0;
}

/* ---- models --------------------------------------------------------------- */

static int add_models(openapi_ctx_t *x)
{
    json_t *defs = is_oas3(x->doc)
                       ? json_object_get(json_object_get(x->doc, "components"), "schemas")
                       : json_object_get(x->doc, "definitions");
    const char *name;
    json_t *schema;
    json_object_foreach(defs, name, schema)
    {
        for (const char *p = name; *p != '\0'; p++)
            if (!isalnum((unsigned char)*p))
                return openapi_fail(x, "Model name must be non-empty and alphanumeric: %s", name);
        if (*name == '\0' || !json_is_object(schema))
            return openapi_fail(x, "Invalid model %s", name);
        json_object_set_new(json_object_get(x->plan, "models"), name,
                            json_pack("{s:s,s:s,s:O}", "name", name, "contentType",
                                      "application/json", "schema", schema));
    }
    return 0;
}

/* ---- the document ----------------------------------------------------------- */

static int check_version(openapi_ctx_t *x)
{
    const char *oas = json_string_value(json_object_get(x->doc, "openapi"));
    const char *sw = json_string_value(json_object_get(x->doc, "swagger"));
    if (!json_is_object(x->doc))
        return openapi_fail(x, "Invalid OpenAPI input: the document is not an object");
    if ((oas == NULL || strncmp(oas, "3.0", 3) != 0) && (sw == NULL || strcmp(sw, "2.0") != 0))
        return openapi_fail(x, "Invalid OpenAPI input: only OpenAPI 3.0.x and Swagger 2.0 "
                               "documents can be imported");
    if (!json_is_object(json_object_get(x->doc, "paths")))
        return openapi_fail(x, "Invalid OpenAPI input: paths must be an object");
    return 0;
}

/* info.title → name, description, version, within the RestApi's limits. */
static int add_api(openapi_ctx_t *x)
{
    static const struct {
        const char *from, *to;
        size_t max;
    } fields[] = {{"title", "name", 1024},
                  {"description", "description", 4096},
                  {"version", "version", 1024},
                  {NULL, NULL, 0}};
    json_t *info = json_object_get(x->doc, "info");
    json_t *api = json_object_get(x->plan, "api");
    for (int i = 0; fields[i].from != NULL; i++) {
        json_t *v = json_object_get(info, fields[i].from);
        char num[64];
        if (json_is_number(v)) { /* "version: 1.0" in YAML */
            snprintf(num, sizeof(num), "%.15g", json_number_value(v));
            if (json_is_real(v) && strpbrk(num, ".e") == NULL)
                strcat(num, ".0");
            v = json_string(num);
            json_object_set_new(api, fields[i].to, v);
        }
        if (v != NULL && (!json_is_string(v) || json_string_length(v) > fields[i].max))
            return openapi_fail(x, "Invalid info.%s: a string of at most %zu characters",
                                fields[i].from, fields[i].max);
        if (v != NULL && json_string_length(v) > 0)
            json_object_set(api, fields[i].to, v);
    }
    if (json_object_get(api, "name") == NULL)
        json_object_set_new(api, "name", json_string("imported"));
    return 0;
}

json_t *openapi_in_plan(json_t *doc, enum openapi_basepath basepath, char *err, size_t err_len)
{
    json_t *plan = json_pack("{s:{},s:{},s:{},s:{},s:{},s:{},s:{},s:{},s:{},s:[]}", "api",
                             "resources", "models", "validators", "authorizers", "gatewayResponses",
                             "apiKeySchemes", "iamSchemes", "deniedSchemes", "warnings");
    openapi_ctx_t x = {doc, plan, json_object_get(plan, "warnings"), err, err_len};
    char prefix[OPENAPI_MAX_PATH];
    if (check_version(&x) != 0 || add_models(&x) != 0 || openapi_in_root_extensions(&x) != 0)
        goto fail;
    json_t *schemes = is_oas3(doc)
                          ? json_object_get(json_object_get(doc, "components"), "securitySchemes")
                          : json_object_get(doc, "securityDefinitions");
    if (openapi_in_security_schemes(&x, schemes) != 0)
        goto fail;
    if (add_api(&x) != 0)
        goto fail;
    path_prefix(doc, basepath, prefix, sizeof(prefix));
    const char *path;
    json_t *item;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
    {
        if (path_item(&x, prefix, path, item) != 0)
            goto fail;
    }
    json_object_del(plan, "apiKeySchemes");
    json_object_del(plan, "iamSchemes");
    json_object_del(plan, "deniedSchemes");
    return plan;
fail:
    json_decref(plan);
    return NULL;
}
