/* admin_domain: domain names are stored lower case; a mapping must name an
 * existing API and, when it names one, an existing stage of it. Changes to
 * mappings bump the config version (data planes route by them). */
#include "admin_domain.h"

#include <ctype.h>
#include <string.h>

#include "admin_require.h"
#include "admin_stage_check.h"
#include "admin_domain_tls.h"
#include "admin_patch.h"
#include "store_api.h"
#include "store_deploy.h"
#include "store_domain.h"

#define BASE_PATH_NONE "(none)"

static const admin_field_t domain_fields[] = {
    {"domainName", ADMIN_STRING, .required = 1, .min = 1, .max = 253},
    {"certificateName", ADMIN_STRING, .max = 128},
    {"endpointConfiguration", ADMIN_OBJECT},
    {"securityPolicy", ADMIN_STRING, .choices = (const char *const[]){"TLS_1_2", NULL}},
    {"tags", ADMIN_STRING_MAP},
    {NULL},
};

static const admin_field_t mapping_fields[] = {
    {"restApiId", ADMIN_STRING, .required = 1, .min = 1, .max = 64},
    {"stage", ADMIN_STRING, .max = 128},
    {"basePath", ADMIN_STRING, .max = 512},
    {NULL},
};

/* Host names: labels of [a-z0-9-] separated by dots. */
static int domain_name_ok(const char *name)
{
    size_t len = strlen(name), label = 0;
    if (len == 0 || len > 253 || name[0] == '.' || name[len - 1] == '.')
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = name[i];
        if (ch == '.') {
            if (label == 0)
                return 0;
            label = 0;
            continue;
        }
        if (!(isalnum((unsigned char)ch) || ch == '-') || ++label > 63)
            return 0;
    }
    return 1;
}

/* "(none)" or segments of [A-Za-z0-9._-] joined by '/'. */
static int base_path_ok(const char *p)
{
    if (strcmp(p, BASE_PATH_NONE) == 0 || p[0] == '\0')
        return 1;
    size_t seg = 0;
    for (const char *q = p; *q != '\0'; q++) {
        if (*q == '/') {
            if (seg == 0)
                return 0;
            seg = 0;
            continue;
        }
        if (!(isalnum((unsigned char)*q) || *q == '.' || *q == '_' || *q == '-'))
            return 0;
        seg++;
    }
    return seg > 0;
}

static const char *base_path_key(const char *p)
{
    return p == NULL || strcmp(p, BASE_PATH_NONE) == 0 ? "" : p;
}

static char *lower_arg(admin_call_t *c, const char *name)
{
    const char *v = admin_arg(c, name);
    h2o_iovec_t copy = h2o_strdup(&c->req->pool, v, strlen(v));
    h2o_strtolower(copy.base, copy.len);
    return copy.base;
}

static int domain_require(admin_call_t *c, const char *name)
{
    json_t *doc;
    int rc = store_domain_get(c->store, name, &doc);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid domain name identifier specified");
        return -1;
    }
    json_decref(doc);
    return 0;
}

/* ---- domain names ---------------------------------------------------------- */

void admin_domain_create(admin_call_t *c)
{
    if (admin_check(c, c->body, domain_fields) != 0)
        return;
    h2o_iovec_t name = h2o_strdup(
        &c->req->pool, json_string_value(json_object_get(c->body, "domainName")), SIZE_MAX);
    h2o_strtolower(name.base, name.len);
    if (!domain_name_ok(name.base)) {
        admin_bad_request(c, "Invalid domain name: %s", name.base);
        return;
    }
    json_t *doc =
        json_pack("{s:s,s:s,s:s,s:{s:[s]},s:s,s:I}", "domainName", name.base, "regionalDomainName",
                  name.base, "domainNameStatus", "AVAILABLE", "endpointConfiguration", "types",
                  "REGIONAL", "securityPolicy", "TLS_1_2", "createdDate", (json_int_t)admin_now());
    admin_copy_fields(doc, c->body, domain_fields);
    json_object_set_new(doc, "domainName", json_string(name.base));
    domain_tls_t tls; /* certificate and mutual TLS */
    if (domain_tls_prepare(c, doc, &tls) != 0 || admin_begin(c) != 0)
        goto out;
    int rc = store_domain_insert(c->store, name.base, admin_now(), doc);
    if (rc == STORE_OK)
        rc = domain_tls_store(c, name.base, &tls);
    if (rc == STORE_OK) /* a certificate is served at once; a bare name waits for a mapping */
        rc = publish_change(c->publish, tls.certificate ? PUBLISH_DOMAINS : PUBLISH_DOMAIN_INFO,
                            NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        if (rc == STORE_ECONFLICT)
            admin_conflict(c, "The domain name you provided already exists.");
        else
            admin_store_fail(c, rc, "");
        goto out;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 201, json_incref(doc));
out:
    json_decref(doc);
}

void admin_domain_list(admin_call_t *c)
{
    int limit, more;
    const char *position;
    json_t *items;
    if (admin_page(c, &limit, &position) != 0)
        return;
    int rc = store_domain_list(c->store, position, limit, &items, &more);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    admin_reply_page(c, items, more, "domainName");
}

void admin_domain_get(admin_call_t *c)
{
    json_t *doc;
    int rc = store_domain_get(c->store, lower_arg(c, "domain_name"), &doc);
    if (rc != STORE_OK)
        admin_store_fail(c, rc, "Invalid domain name identifier specified");
    else
        admin_reply(c, 200, doc);
}

void admin_domain_delete(admin_call_t *c)
{
    if (admin_begin(c) != 0)
        return;
    int rc = store_domain_delete(c->store, lower_arg(c, "domain_name"));
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DOMAINS, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid domain name identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 202, NULL);
}

/* ---- base path mappings ---------------------------------------------------- */

/* The API must exist, and the stage too when one is named. */
static int mapping_check_target(admin_call_t *c, const store_mapping_t *m)
{
    json_t *doc;
    int rc = store_restapi_get(c->store, m->api_id, &doc);
    if (rc != STORE_OK) {
        admin_fail(c, rc == STORE_ENOTFOUND ? 400 : 500,
                   rc == STORE_ENOTFOUND ? "BadRequestException" : "InternalFailure",
                   "Invalid REST API identifier specified");
        return -1;
    }
    json_decref(doc);
    if (m->stage[0] == '\0')
        return 0;
    rc = store_stage_get(c->store, m->api_id, m->stage, &doc);
    if (rc != STORE_OK) {
        admin_fail(c, rc == STORE_ENOTFOUND ? 400 : 500,
                   rc == STORE_ENOTFOUND ? "BadRequestException" : "InternalFailure",
                   "Invalid stage identifier specified");
        return -1;
    }
    json_decref(doc);
    return 0;
}

static int mapping_check(admin_call_t *c, json_t *body, store_mapping_t *m)
{
    if (admin_check(c, body, mapping_fields) != 0)
        return -1;
    const char *base = json_string_value(json_object_get(body, "basePath"));
    if (base != NULL && !base_path_ok(base)) {
        admin_bad_request(c, "Invalid base path: %s", base);
        return -1;
    }
    const char *stage = json_string_value(json_object_get(body, "stage"));
    m->base_path = base_path_key(base);
    m->api_id = json_string_value(json_object_get(body, "restApiId"));
    m->stage = stage != NULL ? stage : "";
    if (m->stage[0] != '\0' && !admin_stage_name_ok(m->stage)) {
        admin_bad_request(c, "Invalid stage identifier specified");
        return -1;
    }
    return mapping_check_target(c, m);
}

static void mapping_write(admin_call_t *c, const char *domain, const char *old_base,
                          const store_mapping_t *m, int status)
{
    if (admin_begin(c) != 0)
        return;
    int rc = old_base == NULL ? store_mapping_insert(c->store, domain, m)
                              : store_mapping_update(c->store, domain, old_base, m);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DOMAINS, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        if (rc == STORE_ECONFLICT)
            admin_conflict(c, "Base path already exists for this domain name");
        else
            admin_store_fail(c, rc, "Invalid base path mapping identifier specified");
        return;
    }
    json_t *out =
        json_pack("{s:s,s:s}", "basePath", m->base_path[0] != '\0' ? m->base_path : BASE_PATH_NONE,
                  "restApiId", m->api_id);
    if (m->stage[0] != '\0')
        json_object_set_new(out, "stage", json_string(m->stage));
    if (admin_commit(c) == 0)
        admin_reply(c, status, out);
    else
        json_decref(out);
}

void admin_mapping_create(admin_call_t *c)
{
    const char *domain = lower_arg(c, "domain_name");
    store_mapping_t m;
    if (domain_require(c, domain) != 0 || mapping_check(c, c->body, &m) != 0)
        return;
    mapping_write(c, domain, NULL, &m, 201);
}

void admin_mapping_list(admin_call_t *c)
{
    const char *domain = lower_arg(c, "domain_name");
    json_t *items;
    if (domain_require(c, domain) != 0)
        return;
    int rc = store_mapping_list(c->store, domain, &items);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    admin_reply(c, 200, json_pack("{s:o}", "item", items));
}

static int mapping_require(admin_call_t *c, const char *domain, json_t **out)
{
    if (domain_require(c, domain) != 0)
        return -1;
    int rc = store_mapping_get(c->store, domain, base_path_key(admin_arg(c, "base_path")), out);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid base path mapping identifier specified");
        return -1;
    }
    return 0;
}

void admin_mapping_get(admin_call_t *c)
{
    json_t *m;
    if (mapping_require(c, lower_arg(c, "domain_name"), &m) == 0)
        admin_reply(c, 200, m);
}

static const patch_rule_t mapping_patch_rules[] = {
    {"/basePath", PATCH_REPLACE, PATCH_STRING, "basePath", .max = 512},
    {"/restapiId", PATCH_REPLACE, PATCH_STRING, "restApiId", .max = 64},
    {"/restApiId", PATCH_REPLACE, PATCH_STRING, "restApiId", .max = 64},
    {"/stage", PATCH_REPLACE | PATCH_REMOVE, PATCH_STRING, "stage", .max = 128},
    {NULL},
};

void admin_mapping_update(admin_call_t *c)
{
    const char *domain = lower_arg(c, "domain_name");
    json_t *doc;
    patch_op_t *ops;
    size_t n;
    if (mapping_require(c, domain, &doc) != 0)
        return;
    if (patch_parse(c, &ops, &n) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        int rc = patch_apply(c, doc, &ops[i], mapping_patch_rules);
        if (rc < 0 || (rc == 0 && patch_invalid_path(c, &ops[i]) != 0))
            goto out;
    }
    store_mapping_t m;
    if (mapping_check(c, doc, &m) == 0)
        mapping_write(c, domain, base_path_key(admin_arg(c, "base_path")), &m, 200);
out:
    json_decref(doc);
}

void admin_mapping_delete(admin_call_t *c)
{
    const char *domain = lower_arg(c, "domain_name");
    if (domain_require(c, domain) != 0 || admin_begin(c) != 0)
        return;
    int rc = store_mapping_delete(c->store, domain, base_path_key(admin_arg(c, "base_path")));
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DOMAINS, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "Invalid base path mapping identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 202, NULL);
}
