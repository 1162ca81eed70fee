/* admin_stage_check: the checks a stage's parts must pass wherever they are
 * written — CreateStage, UpdateStage after its patches, CreateDeployment
 * with a stageName, base path mappings naming a stage. */
#include "admin_stage_check.h"

#include <string.h>

#include "admin_require.h"
#include "logfmt.h"

int admin_stage_name_ok(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len > 128)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-'))
            return 0;
    }
    return 1;
}

static int variable_key_ok(const char *k)
{
    size_t len = strlen(k);
    if (len == 0 || len > STAGE_MAX_VARIABLE_KEY)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
              (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
            return 0;
    return 1;
}

int admin_stage_check_variables(admin_call_t *c, json_t *vars)
{
    if (vars == NULL)
        return 0;
    if (json_object_size(vars) > STAGE_MAX_VARIABLES) {
        admin_bad_request(c, "A stage can have at most %d variables", STAGE_MAX_VARIABLES);
        return -1;
    }
    const char *k;
    json_t *v;
    json_object_foreach(vars, k, v)
    {
        if (!variable_key_ok(k)) {
            admin_bad_request(c,
                              "Stage variable name %s is invalid: 1 to %d characters of "
                              "[A-Za-z0-9_]",
                              k, STAGE_MAX_VARIABLE_KEY);
            return -1;
        }
        if (!json_is_string(v) || json_string_length(v) > STAGE_MAX_VARIABLE_VALUE) {
            admin_bad_request(c,
                              "Stage variable value for %s must be a string of at most %d "
                              "characters",
                              k, STAGE_MAX_VARIABLE_VALUE);
            return -1;
        }
        for (const char *p = json_string_value(v); *p != '\0'; p++) {
            if ((unsigned char)*p < 0x20 || *p == 0x7f) {
                admin_bad_request(c, "Stage variable value for %s contains a control character", k);
                return -1;
            }
        }
    }
    return 0;
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
