/* openapi_v2: HTTP APIs ⇄ OpenAPI 3.0. */
#include "openapi_v2.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const verbs[] = {"get",    "post", "put",     "patch",
                                    "delete", "head", "options", NULL};

static json_t *by_id(json_t *items, const char *field, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(items, i, v)
    {
        const char *x = json_string_value(json_object_get(v, field));
        if (x != NULL && id != NULL && strcmp(x, id) == 0)
            return v;
    }
    return NULL;
}

static void copy_if(json_t *dst, const char *dst_key, json_t *src, const char *src_key)
{
    json_t *v = json_object_get(src, src_key);
    if (v != NULL)
        json_object_set(dst, dst_key, v);
}

/* ---- export ------------------------------------------------------------ */

static json_t *export_integration(json_t *in)
{
    json_t *x = json_object();
    char type[32];
    snprintf(type, sizeof(type), "%s", json_string_value(json_object_get(in, "integrationType")));
    for (char *p = type; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    json_object_set_new(x, "type", json_string(type));
    copy_if(x, "httpMethod", in, "integrationMethod");
    copy_if(x, "uri", in, "integrationUri");
    copy_if(x, "payloadFormatVersion", in, "payloadFormatVersion");
    copy_if(x, "connectionType", in, "connectionType");
    copy_if(x, "timeoutInMillis", in, "timeoutInMillis");
    copy_if(x, "requestParameters", in, "requestParameters");
    copy_if(x, "responseParameters", in, "responseParameters");
    copy_if(x, "credentials", in, "credentialsArn");
    return x;
}

static json_t *export_path_parameters(const char *path)
{
    json_t *params = json_array();
    for (const char *p = strchr(path, '{'); p != NULL; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        if (end == NULL)
            break;
        size_t n = (size_t)(end - p - 1);
        if (n > 0 && p[n] == '+')
            n--;
        json_array_append_new(params, json_pack("{s:s%,s:s,s:b,s:{s:s}}", "name", p + 1, n, "in",
                                                "path", "required", 1, "schema", "type", "string"));
    }
    return params;
}

static json_t *export_authorizer(json_t *au, int extensions)
{
    const char *type = json_string_value(json_object_get(au, "authorizerType"));
    int jwt = type != NULL && strcmp(type, "JWT") == 0;
    json_t *src = json_object_get(au, "identitySource");
    char joined[1024] = "";
    size_t i;
    json_t *v;
    json_array_foreach(src, i, v)
    {
        size_t used = strlen(joined);
        snprintf(joined + used, sizeof(joined) - used, "%s%s", i > 0 ? ", " : "",
                 json_string_value(v));
    }
    json_t *scheme =
        jwt ? json_pack("{s:s,s:{}}", "type", "oauth2", "flows")
            : json_pack("{s:s,s:s,s:s}", "type", "apiKey", "name", "Unused", "in", "header");
    if (!extensions)
        return scheme;
    json_t *x = json_object();
    json_object_set_new(x, "type", json_string(jwt ? "jwt" : "request"));
    json_object_set_new(x, "identitySource", json_string(joined));
    if (jwt) {
        copy_if(x, "jwtConfiguration", au, "jwtConfiguration");
    } else {
        copy_if(x, "authorizerUri", au, "authorizerUri");
        copy_if(x, "authorizerPayloadFormatVersion", au, "authorizerPayloadFormatVersion");
        copy_if(x, "enableSimpleResponses", au, "enableSimpleResponses");
        copy_if(x, "authorizerResultTtlInSeconds", au, "authorizerResultTtlInSeconds");
    }
    json_object_set_new(scheme, "x-amazon-apigateway-authorizer", x);
    return scheme;
}

json_t *openapi_v2_export(json_t *api, json_t *routes, json_t *integrations, json_t *authorizers,
                          const char *stage, int extensions)
{
    json_t *doc = json_object();
    json_object_set_new(doc, "openapi", json_string("3.0.1"));
    json_t *info = json_object();
    copy_if(info, "title", api, "name");
    const char *version = json_string_value(json_object_get(api, "version"));
    if (version == NULL)
        version = json_string_value(json_object_get(api, "createdDate"));
    json_object_set_new(info, "version", json_string(version != NULL ? version : "1.0"));
    copy_if(info, "description", api, "description");
    json_object_set_new(doc, "info", info);
    const char *endpoint = json_string_value(json_object_get(api, "apiEndpoint"));
    if (endpoint != NULL) {
        json_t *server;
        if (stage != NULL && strcmp(stage, "$default") != 0)
            server = json_pack("{s:s++,s:{s:{s:s}}}", "url", endpoint, "/", "{basePath}",
                               "variables", "basePath", "default", stage);
        else
            server = json_pack("{s:s}", "url", endpoint);
        json_object_set_new(doc, "servers", json_pack("[o]", server));
    }
    json_t *paths = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(routes, i, r)
    {
        const char *key = json_string_value(json_object_get(r, "routeKey"));
        const char *sp = strchr(key, ' ');
        char verb[32];
        const char *path;
        if (sp == NULL) { /* $default */
            snprintf(verb, sizeof(verb), "x-amazon-apigateway-any-method");
            path = "/$default";
        } else {
            snprintf(verb, sizeof(verb), "%.*s", (int)(sp - key), key);
            for (char *p = verb; *p != '\0'; p++)
                *p = (char)tolower((unsigned char)*p);
            if (strcmp(verb, "any") == 0)
                snprintf(verb, sizeof(verb), "x-amazon-apigateway-any-method");
            path = sp + 1;
        }
        if (strncmp(verb, "x-", 2) == 0 && !extensions)
            continue;
        json_t *item = json_object_get(paths, path);
        if (item == NULL) {
            item = json_object();
            json_object_set_new(paths, path, item);
            json_t *params = export_path_parameters(path);
            if (json_array_size(params) > 0)
                json_object_set(item, "parameters", params);
            json_decref(params);
        }
        json_t *op = json_pack("{s:{s:{s:s+}}}", "responses", "default", "description",
                               "Default response for ", key);
        const char *auth = json_string_value(json_object_get(r, "authorizationType"));
        json_t *au = by_id(authorizers, "authorizerId",
                           json_string_value(json_object_get(r, "authorizerId")));
        if (au != NULL && auth != NULL &&
            (strcmp(auth, "JWT") == 0 || strcmp(auth, "CUSTOM") == 0)) {
            json_t *scopes = json_object_get(r, "authorizationScopes");
            json_t *req = json_object();
            json_object_set_new(req, json_string_value(json_object_get(au, "name")),
                                scopes != NULL ? json_incref(scopes) : json_array());
            json_object_set_new(op, "security", json_pack("[o]", req));
        }
        const char *target = json_string_value(json_object_get(r, "target"));
        json_t *in = target != NULL && strncmp(target, "integrations/", 13) == 0
                         ? by_id(integrations, "integrationId", target + 13)
                         : NULL;
        if (in != NULL && extensions)
            json_object_set_new(op, "x-amazon-apigateway-integration", export_integration(in));
        json_object_set_new(item, verb, op);
    }
    json_object_set_new(doc, "paths", paths);
    if (json_array_size(authorizers) > 0) {
        json_t *schemes = json_object();
        json_t *au;
        json_array_foreach(authorizers, i, au)
            json_object_set_new(schemes, json_string_value(json_object_get(au, "name")),
                                export_authorizer(au, extensions));
        json_object_set_new(doc, "components", json_pack("{s:o}", "securitySchemes", schemes));
    }
    if (extensions) {
        copy_if(doc, "x-amazon-apigateway-cors", api, "corsConfiguration");
        json_object_set_new(doc, "x-amazon-apigateway-importexport-version", json_string("1.0"));
    }
    return doc;
}

/* ---- import ------------------------------------------------------------ */

static json_t *plan_authorizer(const char *name, json_t *scheme, openapi_v2_id_fn new_id,
                               json_t *warnings)
{
    json_t *x = json_object_get(scheme, "x-amazon-apigateway-authorizer");
    if (!json_is_object(x)) {
        json_array_append_new(warnings, json_sprintf("securitySchemes.%s has no "
                                                     "x-amazon-apigateway-authorizer: ignored",
                                                     name));
        return NULL;
    }
    const char *type = json_string_value(json_object_get(x, "type"));
    int jwt = type != NULL && strcasecmp(type, "jwt") == 0;
    if (!jwt && (type == NULL || strcasecmp(type, "request") != 0)) {
        json_array_append_new(warnings, json_sprintf("securitySchemes.%s: authorizer type %s "
                                                     "is not supported for HTTP APIs: ignored",
                                                     name, type != NULL ? type : "(none)"));
        return NULL;
    }
    char id[16];
    new_id(id, 7);
    json_t *au = json_pack("{s:s,s:s,s:s}", "authorizerId", id, "name", name, "authorizerType",
                           jwt ? "JWT" : "REQUEST");
    const char *src = json_string_value(json_object_get(x, "identitySource"));
    json_t *list = json_array();
    if (src != NULL) {
        char buf[1024];
        snprintf(buf, sizeof(buf), "%s", src);
        char *save = NULL;
        for (char *tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
            while (*tok == ' ')
                tok++;
            size_t n = strlen(tok);
            while (n > 0 && tok[n - 1] == ' ')
                tok[--n] = '\0';
            if (n > 0)
                json_array_append_new(list, json_string(tok));
        }
    }
    json_object_set_new(au, "identitySource", list);
    if (jwt) {
        copy_if(au, "jwtConfiguration", x, "jwtConfiguration");
    } else {
        copy_if(au, "authorizerUri", x, "authorizerUri");
        copy_if(au, "authorizerPayloadFormatVersion", x, "authorizerPayloadFormatVersion");
        copy_if(au, "enableSimpleResponses", x, "enableSimpleResponses");
        copy_if(au, "authorizerResultTtlInSeconds", x, "authorizerResultTtlInSeconds");
    }
    return au;
}

static json_t *plan_integration(json_t *x, openapi_v2_id_fn new_id)
{
    char id[16], type[32];
    new_id(id, 7);
    snprintf(type, sizeof(type), "%s",
             json_string_value(json_object_get(x, "type")) != NULL
                 ? json_string_value(json_object_get(x, "type"))
                 : "");
    for (char *p = type; *p != '\0'; p++)
        *p = (char)toupper((unsigned char)*p);
    json_t *in = json_pack("{s:s,s:s}", "integrationId", id, "integrationType", type);
    copy_if(in, "integrationMethod", x, "httpMethod");
    copy_if(in, "integrationUri", x, "uri");
    copy_if(in, "payloadFormatVersion", x, "payloadFormatVersion");
    copy_if(in, "connectionType", x, "connectionType");
    copy_if(in, "timeoutInMillis", x, "timeoutInMillis");
    copy_if(in, "requestParameters", x, "requestParameters");
    copy_if(in, "responseParameters", x, "responseParameters");
    copy_if(in, "credentialsArn", x, "credentials");
    return in;
}

static int plan_operation(json_t *plan, const char *path, const char *verb, json_t *op,
                          openapi_v2_id_fn new_id, char *err, size_t err_len)
{
    char key[1100], id[16];
    if (strcmp(path, "/$default") == 0)
        snprintf(key, sizeof(key), "$default");
    else
        snprintf(key, sizeof(key), "%s %s", verb, path);
    new_id(id, 7);
    json_t *route = json_pack("{s:s,s:s,s:s,s:b}", "routeId", id, "routeKey", key,
                              "authorizationType", "NONE", "apiKeyRequired", 0);
    copy_if(route, "operationName", op, "operationId");
    json_t *x = json_object_get(op, "x-amazon-apigateway-integration");
    if (json_is_object(x)) {
        json_t *in = plan_integration(x, new_id);
        json_object_set_new(route, "target",
                            json_sprintf("integrations/%s",
                                         json_string_value(json_object_get(in, "integrationId"))));
        json_array_append_new(json_object_get(plan, "integrations"), in);
    }
    json_t *security = json_object_get(op, "security");
    if (json_array_size(security) > 0) {
        json_t *req = json_array_get(security, 0);
        const char *name = json_object_iter_key(json_object_iter(req));
        json_t *au = by_id(json_object_get(plan, "authorizers"), "name", name);
        if (au == NULL) {
            snprintf(err, err_len,
                     "%s %s: security names %s, which is not an authorizer in "
                     "components.securitySchemes",
                     verb, path, name != NULL ? name : "(none)");
            json_decref(route);
            return -1;
        }
        const char *type = json_string_value(json_object_get(au, "authorizerType"));
        json_object_set_new(route, "authorizationType",
                            json_string(strcmp(type, "JWT") == 0 ? "JWT" : "CUSTOM"));
        copy_if(route, "authorizerId", au, "authorizerId");
        json_t *scopes = json_object_get(req, name);
        if (json_array_size(scopes) > 0)
            json_object_set(route, "authorizationScopes", scopes);
    }
    json_array_append_new(json_object_get(plan, "routes"), route);
    return 0;
}

json_t *openapi_v2_plan(json_t *doc, openapi_v2_id_fn new_id, char *err, size_t err_len)
{
    const char *version = json_string_value(json_object_get(doc, "openapi"));
    if (!json_is_object(doc) || version == NULL || strncmp(version, "3.", 2) != 0) {
        snprintf(err, err_len, "Only OpenAPI 3.0 documents can be imported into HTTP APIs");
        return NULL;
    }
    json_t *info = json_object_get(doc, "info");
    const char *title = json_string_value(json_object_get(info, "title"));
    if (title == NULL || title[0] == '\0') {
        snprintf(err, err_len, "info.title is required: it names the API");
        return NULL;
    }
    json_t *plan = json_pack("{s:{s:s},s:[],s:[],s:[],s:[]}", "api", "name", title, "routes",
                             "integrations", "authorizers", "warnings");
    json_t *api = json_object_get(plan, "api"), *warnings = json_object_get(plan, "warnings");
    copy_if(api, "description", info, "description");
    json_t *version_value = json_object_get(info, "version");
    if (json_is_number(version_value)) /* YAML's plain 1.0 */
        json_object_set_new(api, "version", json_sprintf("%g", json_number_value(version_value)));
    else
        copy_if(api, "version", info, "version");
    copy_if(api, "corsConfiguration", doc, "x-amazon-apigateway-cors");
    const char *name;
    json_t *v;
    json_object_foreach(json_object_get(json_object_get(doc, "components"), "securitySchemes"),
                        name, v)
    {
        json_t *au = plan_authorizer(name, v, new_id, warnings);
        if (au != NULL)
            json_array_append_new(json_object_get(plan, "authorizers"), au);
    }
    const char *path;
    json_t *item;
    json_object_foreach(json_object_get(doc, "paths"), path, item)
    {
        if (!json_is_object(item))
            continue;
        for (size_t i = 0; verbs[i] != NULL; i++) {
            json_t *op = json_object_get(item, verbs[i]);
            if (!json_is_object(op))
                continue;
            char upper[16];
            snprintf(upper, sizeof(upper), "%s", verbs[i]);
            for (char *p = upper; *p != '\0'; p++)
                *p = (char)toupper((unsigned char)*p);
            if (plan_operation(plan, path, upper, op, new_id, err, err_len) != 0)
                goto fail;
        }
        json_t *any = json_object_get(item, "x-amazon-apigateway-any-method");
        if (json_is_object(any) &&
            plan_operation(plan, path, "ANY", any, new_id, err, err_len) != 0)
            goto fail;
    }
    return plan;
fail:
    json_decref(plan);
    return NULL;
}
