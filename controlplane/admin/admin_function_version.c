/* admin_function_version: PublishVersion, ListVersionsByFunction and the
 * alias operations. A published version is a frozen copy of $LATEST's
 * document (qualified FunctionArn, its number as Version); an alias names
 * one version (weighted routing is refused: the snapshot has no room for it). */
#include "admin_function.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_function_int.h"

/* 1 when two version documents differ only by what publishing changes. */
static int fn_same_config(json_t *a, json_t *b)
{
    static const char *const volatile_keys[] = {"Version",    "FunctionArn", "LastModified",
                                                "RevisionId", "Description", NULL};
    json_t *x = json_copy(a), *y = json_copy(b);
    for (const char *const *k = volatile_keys; *k != NULL; k++) {
        json_object_del(x, *k);
        json_object_del(y, *k);
    }
    int same = json_equal(x, y);
    json_decref(x);
    json_decref(y);
    return same;
}

int fn_publish(admin_call_t *c, const char *name, json_t *latest, const char *description,
               json_t **out)
{
    json_t *last = NULL;
    uint8_t sha[32];
    char number[16];
    int n, rc = store_fn_version_last(c->store, name, &last);
    if (rc == STORE_OK && fn_same_config(last, latest)) {
        *out = last; /* nothing changed since: the reference answers that version */
        return 0;
    }
    json_decref(last);
    if (rc != STORE_OK && rc != STORE_ENOTFOUND) {
        admin_store_fail(c, rc, NULL);
        return -1;
    }
    if ((rc = store_fn_next_number(c->store, name, &n)) != STORE_OK) {
        fn_store_fail(c, rc, name, NULL);
        return -1;
    }
    snprintf(number, sizeof(number), "%d", n);
    json_t *doc = json_deep_copy(latest);
    json_object_set_new(doc, "Version", json_string(number));
    json_object_set_new(doc, "FunctionArn", json_string(fn_arn(c, name, number)));
    if (description != NULL)
        json_object_set_new(doc, "Description", json_string(description));
    fn_touch(doc);
    rc = store_fn_version_put(c->store, name, number, n, doc,
                              fn_doc_sha(doc, sha) == 0 ? sha : NULL);
    if (rc != STORE_OK) {
        json_decref(doc);
        fn_store_fail(c, rc, name, NULL);
        return -1;
    }
    *out = doc;
    return 0;
}

/* The function's $LATEST document; replies 404 when there is no such function. */
static json_t *fn_latest(admin_call_t *c, fn_ref_t *ref)
{
    json_t *doc = NULL;
    if (fn_ref_unqualified(c, ref) != 0)
        return NULL;
    int rc = store_fn_version_get(c->store, ref->name, STORE_FN_LATEST, &doc);
    if (rc != STORE_OK)
        fn_store_fail(c, rc, ref->name, NULL);
    return rc == STORE_OK ? doc : NULL;
}

void admin_function_publish(admin_call_t *c)
{
    fn_ref_t ref;
    json_t *out = NULL, *latest = fn_latest(c, &ref);
    json_t *want = json_object_get(c->body, "CodeSha256"),
           *desc = json_object_get(c->body, "Description");
    if (latest == NULL)
        return;
    if (desc != NULL && (!json_is_string(desc) || json_string_length(desc) > 256)) {
        fn_validation(c, "Description must be a string of at most 256 characters");
        goto out;
    }
    if (want != NULL && !json_equal(want, json_object_get(latest, "CodeSha256"))) {
        fn_invalid(c,
                   "CodeSha256 (%.64s) is different from current CodeSha256 in $LATEST (%s). "
                   "Please try again.",
                   json_string_value(want) ?: "",
                   json_string_value(json_object_get(latest, "CodeSha256")));
        goto out;
    }
    if (fn_revision_ok(c, c->body, latest) != 0 || admin_begin(c) != 0)
        goto out;
    if (fn_publish(c, ref.name, latest, json_string_value(desc), &out) != 0) {
        publish_rollback(c->publish);
        goto out;
    }
    if (publish_change(c->publish, PUBLISH_FUNCTIONS, NULL, 0) != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, STORE_EIO, NULL);
        goto out;
    }
    if (admin_commit(c) == 0)
        fn_reply_doc(c, 201, out);
out:
    json_decref(out);
    json_decref(latest);
}

void admin_function_versions(admin_call_t *c)
{
    fn_ref_t ref;
    int limit, more = 0;
    const char *marker;
    json_t *items = NULL, *latest = fn_latest(c, &ref);
    if (latest == NULL)
        return;
    json_decref(latest);
    if (fn_page(c, &limit, &marker) != 0)
        return;
    int after = marker != NULL ? atoi(marker) : -1;
    int rc = store_fn_versions(c->store, ref.name, after, limit, &items, &more);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, NULL);
        return;
    }
    json_t *out = json_object(), *pub = json_array(), *v;
    size_t i;
    json_array_foreach(items, i, v) json_array_append_new(pub, fn_public(v));
    if (more && json_array_size(items) > 0) {
        const char *last = json_string_value(
            json_object_get(json_array_get(items, json_array_size(items) - 1), "Version"));
        json_object_set_new(out, "NextMarker",
                            json_string(strcmp(last, STORE_FN_LATEST) == 0 ? "0" : last));
    }
    json_decref(items);
    json_object_set_new(out, "Versions", pub);
    admin_reply(c, 200, out);
}

/* ---- aliases ------------------------------------------------------------ */

/* Checks and applies FunctionVersion, Description and RoutingConfig. */
static int fn_alias_apply(admin_call_t *c, const fn_ref_t *ref, json_t *doc)
{
    json_t *ver = json_object_get(c->body, "FunctionVersion"), *v = NULL;
    json_t *desc = json_object_get(c->body, "Description");
    json_t *weights =
        json_object_get(json_object_get(c->body, "RoutingConfig"), "AdditionalVersionWeights");
    if (ver != NULL && (!json_is_string(ver) || !fn_is_version(json_string_value(ver)))) {
        fn_validation(c, "FunctionVersion must be $LATEST or a version number");
        return -1;
    }
    if (desc != NULL && (!json_is_string(desc) || json_string_length(desc) > 256)) {
        fn_validation(c, "Description must be a string of at most 256 characters");
        return -1;
    }
    if (json_object_size(weights) > 0) {
        fn_invalid(c, "Portico does not route aliases by weight: RoutingConfig."
                      "AdditionalVersionWeights must be empty");
        return -1;
    }
    if (ver != NULL) {
        int rc = store_fn_version_get(c->store, ref->name, json_string_value(ver), &v);
        json_decref(v);
        if (rc != STORE_OK) {
            fn_store_fail(c, rc, ref->name, json_string_value(ver));
            return -1;
        }
        json_object_set(doc, "FunctionVersion", ver);
    }
    if (desc != NULL)
        json_object_set(doc, "Description", desc);
    fn_touch(doc);
    json_object_del(doc, "LastModified");
    return 0;
}

static void fn_alias_write(admin_call_t *c, const fn_ref_t *ref, const char *name, json_t *doc,
                           int create)
{
    if (admin_begin(c) != 0)
        return;
    int rc =
        store_fn_alias_put(c->store, ref->name, name,
                           json_string_value(json_object_get(doc, "FunctionVersion")), doc, create);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_FUNCTIONS, NULL, 0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        if (rc == STORE_ECONFLICT)
            fn_conflict(c, "Alias already exists: %s", fn_arn(c, ref->name, name));
        else if (rc == STORE_ENOTFOUND)
            fn_not_found(c, "Alias not found: %s", fn_arn(c, ref->name, name));
        else
            admin_store_fail(c, rc, NULL);
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, create ? 201 : 200, json_incref(doc));
}

void admin_function_alias_create(admin_call_t *c)
{
    fn_ref_t ref;
    json_t *name = json_object_get(c->body, "Name"), *latest = fn_latest(c, &ref);
    if (latest == NULL)
        return;
    json_decref(latest);
    if (!json_is_string(name) || json_object_get(c->body, "FunctionVersion") == NULL) {
        fn_validation(c, "Name and FunctionVersion are required");
        return;
    }
    if (fn_check_alias_name(c, json_string_value(name)) != 0)
        return;
    json_t *doc =
        json_pack("{s:s,s:O,s:s}", "AliasArn", fn_arn(c, ref.name, json_string_value(name)), "Name",
                  name, "Description", "");
    if (fn_alias_apply(c, &ref, doc) == 0)
        fn_alias_write(c, &ref, json_string_value(name), doc, 1);
    json_decref(doc);
}

/* The alias {Name} of the path's function; replies 404. */
static json_t *fn_alias_load(admin_call_t *c, fn_ref_t *ref, const char **name)
{
    json_t *doc = NULL;
    *name = admin_arg(c, "Name");
    if (fn_ref_unqualified(c, ref) != 0 || fn_check_alias_name(c, *name) != 0)
        return NULL;
    int rc = store_fn_alias_get(c->store, ref->name, *name, &doc);
    if (rc == STORE_ENOTFOUND)
        fn_not_found(c, "Cannot find alias arn: %s", fn_arn(c, ref->name, *name));
    else if (rc != STORE_OK)
        admin_store_fail(c, rc, NULL);
    return rc == STORE_OK ? doc : NULL;
}

void admin_function_alias_get(admin_call_t *c)
{
    fn_ref_t ref;
    const char *name;
    json_t *doc = fn_alias_load(c, &ref, &name);
    if (doc != NULL)
        admin_reply(c, 200, doc);
}

void admin_function_alias_update(admin_call_t *c)
{
    fn_ref_t ref;
    const char *name;
    json_t *doc = fn_alias_load(c, &ref, &name);
    if (doc == NULL)
        return;
    if (fn_revision_ok(c, c->body, doc) == 0 && fn_alias_apply(c, &ref, doc) == 0)
        fn_alias_write(c, &ref, name, doc, 0);
    json_decref(doc);
}

void admin_function_alias_delete(admin_call_t *c)
{
    fn_ref_t ref;
    const char *name = admin_arg(c, "Name");
    json_t *latest = fn_latest(c, &ref);
    if (latest == NULL)
        return;
    json_decref(latest);
    if (fn_check_alias_name(c, name) != 0 || admin_begin(c) != 0)
        return;
    int rc = store_fn_alias_delete(c->store, ref.name, name);
    if (rc == STORE_ENOTFOUND)
        rc = STORE_OK; /* the reference answers 204 for an alias that is not there */
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_FUNCTIONS, NULL, 0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        admin_store_fail(c, rc, NULL);
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 204, NULL);
}

void admin_function_alias_list(admin_call_t *c)
{
    fn_ref_t ref;
    int limit, more = 0;
    const char *marker, *version = admin_query(c, "FunctionVersion");
    json_t *items = NULL, *latest = fn_latest(c, &ref);
    if (latest == NULL)
        return;
    json_decref(latest);
    if (fn_page(c, &limit, &marker) != 0)
        return;
    int rc = store_fn_aliases(c->store, ref.name, version, marker, limit, &items, &more);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, NULL);
        return;
    }
    json_t *out = json_object();
    if (more && json_array_size(items) > 0)
        json_object_set(out, "NextMarker",
                        json_object_get(json_array_get(items, json_array_size(items) - 1), "Name"));
    json_object_set_new(out, "Aliases", items);
    admin_reply(c, 200, out);
}
