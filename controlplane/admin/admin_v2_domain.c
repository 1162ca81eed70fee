/* admin_v2_domain: v2 views of domain names, and API mappings. */
#include "admin_v2_domain.h"

#include <ctype.h>
#include <string.h>

#include "admin_v2.h"
#include "crypto.h"
#include "store_domain.h"
#include "store_v2.h"

static const admin_field_t domain_fields[] = {
    {"domainName", ADMIN_STRING, .required = 1, .min = 1, .max = 253},
    {"domainNameConfigurations", ADMIN_OBJECT}, /* checked below: a list */
    {"tags", ADMIN_STRING_MAP},
    {NULL},
};

static const admin_field_t mapping_fields[] = {
    {"apiId", ADMIN_STRING, .required = 1, .min = 1, .max = 64},
    {"apiMappingKey", ADMIN_STRING, .max = 512},
    {"stage", ADMIN_STRING, .required = 1, .min = 1, .max = 128},
    {NULL},
};

/* Host names: labels of [a-z0-9-] separated by dots. */
static int domain_name_ok(const char *name)
{
    size_t len = strlen(name), label = 0;
    if (len == 0 || len > 253 || name[0] == '.' || name[len - 1] == '.')
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '.') {
            if (label == 0)
                return 0;
            label = 0;
        } else if (!(isalnum((unsigned char)name[i]) || name[i] == '-') || ++label > 63) {
            return 0;
        }
    }
    return 1;
}

/* "" or segments of [A-Za-z0-9._-] joined by '/'. */
static int mapping_key_ok(const char *p)
{
    size_t seg = 0;
    if (p[0] == '\0')
        return 1;
    for (const char *q = p; *q != '\0'; q++) {
        if (*q == '/') {
            if (seg == 0)
                return 0;
            seg = 0;
        } else if (!(isalnum((unsigned char)*q) || *q == '.' || *q == '_' || *q == '-')) {
            return 0;
        } else {
            seg++;
        }
    }
    return seg > 0;
}

static const char *lower_arg(admin_call_t *c)
{
    const char *v = admin_arg(c, "domain_name");
    h2o_iovec_t copy = h2o_strdup(&c->req->pool, v, strlen(v));
    h2o_strtolower(copy.base, copy.len);
    return copy.base;
}

/* The stored (REST-shaped) domain document in the v2 shape. */
static json_t *domain_v2(json_t *doc)
{
    const char *name = json_string_value(json_object_get(doc, "domainName"));
    const char *regional = json_string_value(json_object_get(doc, "regionalDomainName"));
    json_t *conf = json_pack("{s:s,s:s,s:s,s:s}", "apiGatewayDomainName",
                             regional != NULL ? regional : name, "endpointType", "REGIONAL",
                             "domainNameStatus", "AVAILABLE", "securityPolicy", "TLS_1_2");
    json_t *cert = json_object_get(doc, "certificateName");
    if (cert != NULL)
        json_object_set(conf, "certificateName", cert);
    json_t *tags = json_object_get(doc, "tags");
    return json_pack("{s:s,s:s,s:[o],s:o}", "domainName", name, "apiMappingSelectionExpression",
                     "$request.basepath", "domainNameConfigurations", conf, "tags",
                     tags != NULL ? json_incref(tags) : json_object());
}

void admin_v2_domain_create(admin_call_t *c)
{
    json_t *confs = json_object_get(c->body, "domainNameConfigurations");
    if (confs != NULL && !json_is_array(confs)) {
        admin_bad_request(c, "domainNameConfigurations must be a list");
        return;
    }
    json_t *body = json_deep_copy(c->body);
    json_object_del(body, "domainNameConfigurations");
    int bad = admin_check(c, body, domain_fields);
    json_decref(body);
    if (bad)
        return;
    size_t i;
    json_t *conf;
    json_array_foreach(confs, i, conf)
    {
        if (json_object_get(conf, "certificateArn") != NULL) {
            admin_bad_request(c, "Certificates are managed through /domainnames "
                                 "(certificateBody, certificatePrivateKey)");
            return;
        }
    }
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
    json_t *tags = json_object_get(c->body, "tags");
    if (tags != NULL)
        json_object_set(doc, "tags", tags);
    if (admin_begin(c) != 0)
        goto out;
    int rc = store_domain_insert(c->store, name.base, admin_now(), doc);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DOMAIN_INFO, NULL, 0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        if (rc == STORE_ECONFLICT)
            admin_conflict(c, "The domain name %s already exists", name.base);
        else
            admin_store_fail(c, rc, "");
        goto out;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 201, domain_v2(doc));
out:
    json_decref(doc);
}

void admin_v2_domain_list(admin_call_t *c)
{
    int limit, more;
    const char *after;
    json_t *items;
    if (admin_v2_page(c, &limit, &after) != 0)
        return;
    int rc = store_domain_list(c->store, after, limit, &items, &more);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    json_t *out = json_array();
    size_t i;
    json_t *d;
    json_array_foreach(items, i, d) json_array_append_new(out, domain_v2(d));
    json_decref(items);
    admin_v2_reply_page(c, out, more, "domainName");
}

static int domain_load(admin_call_t *c, const char *name, json_t **doc)
{
    int rc = store_domain_get(c->store, name, doc);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid domain name identifier specified");
        return -1;
    }
    return 0;
}

void admin_v2_domain_get(admin_call_t *c)
{
    json_t *doc;
    if (domain_load(c, lower_arg(c), &doc) != 0)
        return;
    admin_reply(c, 200, domain_v2(doc));
    json_decref(doc);
}

void admin_v2_domain_delete(admin_call_t *c)
{
    if (admin_begin(c) != 0)
        return;
    int rc = store_domain_delete(c->store, lower_arg(c));
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DOMAINS, NULL, 0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, "Invalid domain name identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 204, NULL);
}

/* ---- API mappings ------------------------------------------------------- */

/* The v2 API and its stage must exist, the key be free among the domain's
 * REST base paths. */
static int mapping_check(admin_call_t *c, const char *domain, const store_mapping_t *m)
{
    json_t *doc = NULL;
    if (!mapping_key_ok(m->base_path)) {
        admin_bad_request(c, "Invalid API mapping key %s: segments of [A-Za-z0-9._-] joined by /",
                          m->base_path);
        return -1;
    }
    int rc = store_v2_api_get(c->store, m->api_id, &doc);
    json_decref(doc);
    if (rc != STORE_OK) {
        admin_fail(c, rc == STORE_ENOTFOUND ? 404 : 500,
                   rc == STORE_ENOTFOUND ? "NotFoundException" : "InternalFailure",
                   "Invalid API identifier specified");
        return -1;
    }
    doc = NULL;
    rc = store_v2_stage_get(c->store, m->api_id, m->stage, &doc);
    json_decref(doc);
    if (rc != STORE_OK) {
        admin_fail(c, rc == STORE_ENOTFOUND ? 404 : 500,
                   rc == STORE_ENOTFOUND ? "NotFoundException" : "InternalFailure",
                   "Invalid stage identifier specified");
        return -1;
    }
    doc = NULL;
    rc = store_mapping_get(c->store, domain, m->base_path, &doc);
    json_decref(doc);
    if (rc == STORE_OK) {
        admin_conflict(c, "The API mapping key %s is a base path mapping of this domain already",
                       m->base_path);
        return -1;
    }
    return 0;
}

static void mapping_write(admin_call_t *c, const char *domain, const char *id,
                          const store_mapping_t *m, int create)
{
    if (admin_begin(c) != 0)
        return;
    int rc = create ? store_v2_mapping_insert(c->store, domain, id, m)
                    : store_v2_mapping_update(c->store, domain, id, m);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DOMAINS, NULL, 0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        if (rc == STORE_ECONFLICT)
            admin_conflict(c, "An API mapping with key %s exists already", m->base_path);
        else
            admin_store_fail(c, rc, "Invalid API mapping identifier specified");
        return;
    }
    if (admin_commit(c) != 0)
        return;
    json_t *out;
    rc = store_v2_mapping_get(c->store, domain, id, &out);
    if (rc == STORE_OK)
        admin_reply(c, create ? 201 : 200, out);
    else
        admin_store_fail(c, rc, "Invalid API mapping identifier specified");
}

void admin_v2_mapping_create(admin_call_t *c)
{
    const char *domain = lower_arg(c);
    json_t *doc;
    if (domain_load(c, domain, &doc) != 0)
        return;
    json_decref(doc);
    if (admin_check(c, c->body, mapping_fields) != 0)
        return;
    const char *key = json_string_value(json_object_get(c->body, "apiMappingKey"));
    store_mapping_t m = {key != NULL ? key : "",
                         json_string_value(json_object_get(c->body, "apiId")),
                         json_string_value(json_object_get(c->body, "stage"))};
    if (mapping_check(c, domain, &m) != 0)
        return;
    char id[STORE_V2_ID_LEN + 1];
    crypto_random_id(id, STORE_V2_ID_LEN);
    mapping_write(c, domain, id, &m, 1);
}

void admin_v2_mapping_list(admin_call_t *c)
{
    const char *domain = lower_arg(c), *after;
    json_t *doc, *items;
    int limit, more;
    if (domain_load(c, domain, &doc) != 0)
        return;
    json_decref(doc);
    if (admin_v2_page(c, &limit, &after) != 0)
        return;
    int rc = store_v2_mapping_list(c->store, domain, after, limit, &items, &more);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    admin_v2_reply_page(c, items, more, "apiMappingId");
}

void admin_v2_mapping_get(admin_call_t *c)
{
    json_t *out;
    int rc = store_v2_mapping_get(c->store, lower_arg(c), admin_arg(c, "mapping_id"), &out);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid API mapping identifier specified");
        return;
    }
    admin_reply(c, 200, out);
}

void admin_v2_mapping_update(admin_call_t *c)
{
    const char *domain = lower_arg(c), *id = admin_arg(c, "mapping_id");
    json_t *old;
    int rc = store_v2_mapping_get(c->store, domain, id, &old);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid API mapping identifier specified");
        return;
    }
    admin_field_t fields[4];
    memcpy(fields, mapping_fields, sizeof(fields));
    fields[2].required = 0; /* stage: the current one unless given */
    if (admin_check(c, c->body, fields) == 0) {
        json_object_update(old, c->body);
        store_mapping_t m = {json_string_value(json_object_get(old, "apiMappingKey")),
                             json_string_value(json_object_get(old, "apiId")),
                             json_string_value(json_object_get(old, "stage"))};
        if (mapping_check(c, domain, &m) == 0)
            mapping_write(c, domain, id, &m, 0);
    }
    json_decref(old);
}

void admin_v2_mapping_delete(admin_call_t *c)
{
    if (admin_begin(c) != 0)
        return;
    int rc = store_v2_mapping_delete(c->store, lower_arg(c), admin_arg(c, "mapping_id"));
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DOMAINS, NULL, 0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, "Invalid API mapping identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 204, NULL);
}
