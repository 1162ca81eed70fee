/* admin_stage_patch: canary and method-setting operations, each a table of
 * patchable paths applied to the right sub-object of the stage document. */
#include "admin_stage_patch.h"

#include <stdio.h>
#include <string.h>

#include "admin_deployment.h"
#include "admin_stage.h"
#include "logfmt.h"

#define CANARY "/canarySettings"

static const char *const log_levels[] = {"OFF", "ERROR", "INFO", NULL};
static const char *const cache_control_strategies[] = {
    "FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER", "SUCCEED_WITHOUT_RESPONSE_HEADER", NULL};
static const char *const setting_verbs[] = {"GET",  "POST",    "PUT", "PATCH", "DELETE",
                                            "HEAD", "OPTIONS", "ANY", "*",     NULL};

/* Paths below "/{resourcePath}/{httpMethod}". */
static const patch_rule_t method_setting_rules[] = {
    {"/metrics/enabled", PATCH_ADD | PATCH_REPLACE, PATCH_BOOL, "metricsEnabled"},
    {"/logging/dataTrace", PATCH_ADD | PATCH_REPLACE, PATCH_BOOL, "dataTraceEnabled"},
    {"/logging/loglevel", PATCH_ADD | PATCH_REPLACE, PATCH_STRING, "loggingLevel",
     .choices = log_levels},
    {"/throttling/burstLimit", PATCH_ADD | PATCH_REPLACE, PATCH_INT, "throttlingBurstLimit",
     .min = 0, .max = 2147483647},
    {"/throttling/rateLimit", PATCH_ADD | PATCH_REPLACE, PATCH_NUMBER, "throttlingRateLimit",
     .min = 0, .max = 1e9},
    {"/caching/ttlInSeconds", PATCH_ADD | PATCH_REPLACE, PATCH_INT, "cacheTtlInSeconds", .min = 0,
     .max = 3600},
    {"/caching/enabled", PATCH_ADD | PATCH_REPLACE, PATCH_BOOL, "cachingEnabled"},
    {"/caching/dataEncrypted", PATCH_ADD | PATCH_REPLACE, PATCH_BOOL, "cacheDataEncrypted"},
    {"/caching/requireAuthorizationForCacheControl", PATCH_ADD | PATCH_REPLACE, PATCH_BOOL,
     "requireAuthorizationForCacheControl"},
    {"/caching/unauthorizedCacheControlHeaderStrategy", PATCH_ADD | PATCH_REPLACE, PATCH_STRING,
     "unauthorizedCacheControlHeaderStrategy", .choices = cache_control_strategies},
    {NULL},
};

/* Paths below "/canarySettings". */
static const patch_rule_t canary_rules[] = {
    {"/percentTraffic", PATCH_ADD | PATCH_REPLACE, PATCH_NUMBER, "percentTraffic", .min = 0,
     .max = 100},
    {"/deploymentId", PATCH_ADD | PATCH_REPLACE, PATCH_STRING, "deploymentId", .max = 64},
    {"/stageVariableOverrides/", PATCH_ADD | PATCH_REPLACE | PATCH_REMOVE, PATCH_MAP_ENTRY,
     "stageVariableOverrides", .max = 512},
    {"/useStageCache", PATCH_ADD | PATCH_REPLACE, PATCH_BOOL, "useStageCache"},
    {NULL},
};

json_t *admin_stage_method_setting_defaults(void)
{
    return json_pack("{s:b,s:s,s:b,s:i,s:f,s:b,s:i,s:b,s:b,s:s}", "metricsEnabled", 0,
                     "loggingLevel", "OFF", "dataTraceEnabled", 0, "throttlingBurstLimit", 5000,
                     "throttlingRateLimit", 10000.0, "cachingEnabled", 0, "cacheTtlInSeconds", 300,
                     "cacheDataEncrypted", 0, "requireAuthorizationForCacheControl", 1,
                     "unauthorizedCacheControlHeaderStrategy", "SUCCEED_WITH_RESPONSE_HEADER");
}

/* Applies op (its path relative to the sub-object) to obj through rules. */
static int apply_relative(admin_call_t *c, json_t *obj, const patch_op_t *op, const char *rel,
                          const patch_rule_t *rules)
{
    patch_op_t sub = *op;
    sub.path = rel;
    return patch_apply(c, obj, &sub, rules);
}

/* ---- canary --------------------------------------------------------------- */

static int canary_missing(admin_call_t *c)
{
    admin_bad_request(c, "Promotion not available. Canary does not exist.");
    return -1;
}

/* {"op":"copy","from":"/canarySettings/...","path":"/deploymentId" | "/variables"} */
static int canary_promote(admin_call_t *c, json_t *doc, const patch_op_t *op)
{
    json_t *canary = json_object_get(doc, "canarySettings");
    if (op->from == NULL)
        return patch_invalid_path(c, op);
    if (!json_is_object(canary))
        return canary_missing(c);
    if (strcmp(op->from, CANARY "/deploymentId") == 0 && strcmp(op->path, "/deploymentId") == 0) {
        json_object_set(doc, "deploymentId", json_object_get(canary, "deploymentId"));
        return 1;
    }
    if (strcmp(op->from, CANARY "/stageVariableOverrides") == 0 &&
        strcmp(op->path, "/variables") == 0) {
        json_t *vars = json_object_get(doc, "variables");
        json_t *overrides = json_object_get(canary, "stageVariableOverrides");
        if (!json_is_object(vars)) {
            vars = json_object();
            json_object_set_new(doc, "variables", vars);
        }
        if (json_is_object(overrides))
            json_object_update(vars, overrides);
        return 1;
    }
    admin_bad_request(c, "Invalid copy operation from %s to %s", op->from, op->path);
    return -1;
}

int admin_stage_patch_canary(admin_call_t *c, json_t *doc, const patch_op_t *op)
{
    if (op->op == PATCH_COPY)
        return canary_promote(c, doc, op);
    size_t plen = strlen(CANARY);
    if (strncmp(op->path, CANARY, plen) != 0 || (op->path[plen] != '\0' && op->path[plen] != '/'))
        return 0;
    if (op->path[plen] == '\0') {
        if (op->op != PATCH_REMOVE)
            return patch_invalid_path(c, op);
        json_object_del(doc, "canarySettings");
        return 1;
    }
    json_t *canary = json_object_get(doc, "canarySettings");
    if (!json_is_object(canary)) {
        canary = json_pack("{s:f,s:{},s:b}", "percentTraffic", 0.0, "stageVariableOverrides",
                           "useStageCache", 0);
        json_object_set_new(doc, "canarySettings", canary);
    }
    int rc = apply_relative(c, canary, op, op->path + plen, canary_rules);
    return rc == 0 ? patch_invalid_path(c, op) : rc;
}

int admin_stage_check_canary(admin_call_t *c, json_t *canary)
{
    if (canary == NULL)
        return 0;
    static const admin_field_t fields[] = {
        {"deploymentId", ADMIN_STRING, .required = 1, .min = 1, .max = 64},
        {"percentTraffic", ADMIN_NUMBER, .min = 0, .max = 100},
        {"stageVariableOverrides", ADMIN_STRING_MAP},
        {"useStageCache", ADMIN_BOOL},
        {NULL},
    };
    if (!json_is_object(canary)) {
        admin_bad_request(c, "Invalid type for canarySettings: expected an object");
        return -1;
    }
    if (admin_check(c, canary, fields) != 0 ||
        admin_stage_check_variables(c, json_object_get(canary, "stageVariableOverrides")) != 0)
        return -1;
    return admin_require_deployment(c, json_string_value(json_object_get(canary, "deploymentId")),
                                    400);
}

/* ---- method settings -------------------------------------------------------- */

static int verb_ok(const char *v, size_t len)
{
    for (const char *const *p = setting_verbs; *p != NULL; p++)
        if (strlen(*p) == len && memcmp(*p, v, len) == 0)
            return 1;
    return 0;
}

static int invalid_setting(admin_call_t *c, const patch_op_t *op)
{
    admin_bad_request(c, "Invalid method setting path: %s", op->path);
    return -1;
}

int admin_stage_patch_method_setting(admin_call_t *c, json_t *doc, const patch_op_t *op)
{
    /* "/{resourcePath}/{httpMethod}[/{group}/{setting}]" */
    const char *res = op->path + 1;
    const char *slash = strchr(res, '/');
    if (slash == NULL || slash == res)
        return 0;
    const char *verb = slash + 1;
    const char *rest = strchr(verb, '/');
    size_t verb_len = rest != NULL ? (size_t)(rest - verb) : strlen(verb);
    if (!verb_ok(verb, verb_len))
        return invalid_setting(c, op);
    int wildcard_res = slash - res == 1 && res[0] == '*';
    if (wildcard_res != (verb_len == 1 && verb[0] == '*'))
        return invalid_setting(c, op);
    char *key = h2o_mem_alloc_pool(&c->req->pool, (size_t)(slash - res) + verb_len + 2);
    sprintf(key, "%.*s/%.*s", (int)(slash - res), res, (int)verb_len, verb);
    json_t *settings = json_object_get(doc, "methodSettings");
    if (!json_is_object(settings)) {
        settings = json_object();
        json_object_set_new(doc, "methodSettings", settings);
    }
    if (rest == NULL) {
        if (op->op != PATCH_REMOVE)
            return invalid_setting(c, op);
        json_object_del(settings, key);
        return 1;
    }
    json_t *entry = json_object_get(settings, key);
    if (entry == NULL) {
        entry = admin_stage_method_setting_defaults();
        json_object_set_new(settings, key, entry);
    }
    int rc = apply_relative(c, entry, op, rest, method_setting_rules);
    return rc == 0 ? invalid_setting(c, op) : rc;
}

/* ---- access log settings ------------------------------------------ */

#define ACCESS_LOG "/accessLogSettings"

/* Paths below "/accessLogSettings"; the whole object goes with remove. */
static const patch_rule_t access_log_rules[] = {
    {"/format", PATCH_ADD | PATCH_REPLACE, PATCH_STRING, "format", .max = LOGFMT_MAX_LEN},
    {"/destinationArn", PATCH_ADD | PATCH_REPLACE, PATCH_STRING, "destinationArn", .max = 1024},
    {NULL},
};

int admin_stage_patch_access_log(admin_call_t *c, json_t *doc, const patch_op_t *op)
{
    size_t plen = strlen(ACCESS_LOG);
    if (op->op == PATCH_COPY || strncmp(op->path, ACCESS_LOG, plen) != 0 ||
        (op->path[plen] != '\0' && op->path[plen] != '/'))
        return 0;
    if (op->path[plen] == '\0') {
        if (op->op != PATCH_REMOVE)
            return patch_invalid_path(c, op);
        json_object_del(doc, "accessLogSettings");
        return 1;
    }
    json_t *settings = json_object_get(doc, "accessLogSettings");
    if (!json_is_object(settings)) {
        settings = json_object();
        json_object_set_new(doc, "accessLogSettings", settings);
    }
    int rc = apply_relative(c, settings, op, op->path + plen, access_log_rules);
    return rc == 0 ? patch_invalid_path(c, op) : rc;
}

int admin_stage_check_access_log(admin_call_t *c, json_t *settings)
{
    static const admin_field_t fields[] = {
        {"format", ADMIN_STRING, .required = 1, .min = 1, .max = LOGFMT_MAX_LEN},
        {"destinationArn", ADMIN_STRING, .required = 1, .min = 1, .max = 1024},
        {NULL},
    };
    char why[256];
    if (settings == NULL)
        return 0;
    if (!json_is_object(settings)) {
        admin_bad_request(c, "Invalid type for accessLogSettings: expected an object");
        return -1;
    }
    if (admin_check(c, settings, fields) != 0)
        return -1;
    const char *format = json_string_value(json_object_get(settings, "format"));
    const char *dest = json_string_value(json_object_get(settings, "destinationArn"));
    if (logfmt_validate(format, strlen(format), why, sizeof(why)) != 0) {
        admin_bad_request(c, "Invalid access log format: %s", why);
        return -1;
    }
    if (!logfmt_destination_valid(dest)) {
        admin_bad_request(c,
                          "Invalid destinationArn: %s; expected stdout, stderr or a file name "
                          "([A-Za-z0-9._-], no path) that each data plane creates in its "
                          "--access-log-dir",
                          dest);
        return -1;
    }
    return 0;
}
