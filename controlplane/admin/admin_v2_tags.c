/* admin_v2_tags: tags of v2 APIs and stages. */
#include "admin_v2_tags.h"

#include <string.h>

#include "admin_v2.h"
#include "store_v2.h"

#define V2_TAGS_MAX 50

typedef struct {
    char api_id[64];
    char stage[160]; /* "" for the API itself */
    json_t *doc;
} tag_target_t;

/* Parses the ARN and loads the document; replies 404/400 and returns -1. */
static int tag_target(admin_call_t *c, tag_target_t *t)
{
    const char *arn = admin_arg(c, "resource_arn");
    static const char prefix[] = "arn:aws:apigateway:";
    const char *p = strncmp(arn, prefix, sizeof(prefix) - 1) == 0 ? arn + sizeof(prefix) - 1 : NULL;
    const char *apis = p != NULL ? strstr(p, "::/apis/") : NULL;
    if (apis == NULL) {
        admin_bad_request(c,
                          "Invalid resource ARN %s: arn:aws:apigateway:{region}::/apis/{apiId}"
                          "[/stages/{stageName}]",
                          arn);
        return -1;
    }
    const char *id = apis + 8, *slash = strchr(id, '/');
    size_t n = slash != NULL ? (size_t)(slash - id) : strlen(id);
    t->stage[0] = '\0';
    if (n == 0 || n >= sizeof(t->api_id) ||
        (slash != NULL && (strncmp(slash, "/stages/", 8) != 0 || slash[8] == '\0' ||
                           strlen(slash + 8) >= sizeof(t->stage)))) {
        admin_bad_request(c, "Invalid resource ARN %s", arn);
        return -1;
    }
    memcpy(t->api_id, id, n);
    t->api_id[n] = '\0';
    if (slash != NULL)
        strcpy(t->stage, slash + 8);
    int rc = t->stage[0] != '\0' ? store_v2_stage_get(c->store, t->api_id, t->stage, &t->doc)
                                 : store_v2_api_get(c->store, t->api_id, &t->doc);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "Invalid resource identifier specified");
        return -1;
    }
    return 0;
}

static json_t *doc_tags(json_t *doc)
{
    json_t *tags = json_object_get(doc, "tags");
    if (!json_is_object(tags)) {
        tags = json_object();
        json_object_set_new(doc, "tags", tags);
    }
    return tags;
}

static void tag_save(admin_call_t *c, tag_target_t *t, int status)
{
    if (admin_begin(c) != 0)
        return;
    int rc = t->stage[0] != '\0'
                 ? store_v2_stage_update(c->store, t->api_id, t->stage, admin_now(), t->doc)
                 : store_v2_api_update(c->store, t->api_id, t->doc);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_DEFINITION, NULL, 0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, "Invalid resource identifier specified");
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, status, status == 201 ? json_object() : NULL);
}

void admin_v2_tags_get(admin_call_t *c)
{
    tag_target_t t;
    if (tag_target(c, &t) != 0)
        return;
    admin_reply(c, 200, json_pack("{s:O}", "tags", doc_tags(t.doc)));
    json_decref(t.doc);
}

void admin_v2_tags_add(admin_call_t *c)
{
    static const admin_field_t fields[] = {{"tags", ADMIN_STRING_MAP}, {NULL}};
    tag_target_t t;
    if (admin_check(c, c->body, fields) != 0 || tag_target(c, &t) != 0)
        return;
    json_t *tags = doc_tags(t.doc);
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(c->body, "tags"), k, v)
    {
        size_t klen = strlen(k);
        if (klen == 0 || klen > 128 || strncmp(k, "aws:", 4) == 0 || json_string_length(v) > 256) {
            admin_bad_request(c,
                              "Invalid tag %s: keys have 1 to 128 characters and do not start "
                              "with aws:, values at most 256",
                              k);
            goto out;
        }
        json_object_set(tags, k, v);
    }
    if (json_object_size(tags) > V2_TAGS_MAX) {
        admin_bad_request(c, "A resource has at most %d tags", V2_TAGS_MAX);
        goto out;
    }
    tag_save(c, &t, 201);
out:
    json_decref(t.doc);
}

void admin_v2_tags_remove(admin_call_t *c)
{
    tag_target_t t;
    if (tag_target(c, &t) != 0)
        return;
    json_t *tags = doc_tags(t.doc);
    /* every tagKeys=... of the query string */
    h2o_iovec_t all = c->query;
    const char *p = all.base, *end = p != NULL ? p + all.len : NULL;
    int any = 0;
    while (p != NULL && p < end) {
        c->query = h2o_iovec_init(p, (size_t)(end - p));
        const char *key = admin_query(c, "tagKeys");
        if (key == NULL)
            break;
        json_object_del(tags, key);
        any = 1;
        /* continue after this parameter */
        const char *at = p;
        while (at < end && !(strncmp(at, "tagKeys", 7) == 0 && (at == all.base || at[-1] == '&') &&
                             (at + 7 == end || at[7] == '=' || at[7] == '&')))
            at++;
        const char *amp = memchr(at, '&', (size_t)(end - at));
        p = amp != NULL ? amp + 1 : NULL;
    }
    c->query = all;
    if (!any) {
        admin_bad_request(c, "tagKeys is required");
        json_decref(t.doc);
        return;
    }
    tag_save(c, &t, 204);
    json_decref(t.doc);
}
