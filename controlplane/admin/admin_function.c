/* admin_function: CreateFunction, GetFunction, GetFunctionConfiguration,
 * ListFunctions, UpdateFunctionConfiguration, DeleteFunction and the
 * reserved concurrency operations. The stored document of a version is the
 * FunctionConfiguration the reference answers (admin_function_int.h). */
#include "admin_function.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_function_int.h"
#include "admin_function_zip.h"

#define FN_ACCOUNT_CONCURRENCY 1000 /* the reference's default account limit */
#define FN_UNRESERVED_MIN 100
#define FN_TAGS_MAX 50

/* ---- CreateFunction ----------------------------------------------------- */

/* 0 when url is http(s)://HOST[:PORT][/PATH] without credentials, query or
 * fragment, in printable ASCII. */
static int fn_endpoint_ok(const char *url)
{
    const char *p = strncmp(url, "https://", 8) == 0  ? url + 8
                    : strncmp(url, "http://", 7) == 0 ? url + 7
                                                      : NULL;
    if (p == NULL || strlen(url) > 256)
        return -1;
    size_t host = strcspn(p, ":/");
    if (host == 0 ||
        strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != host)
        return -1;
    p += host;
    if (*p == ':') {
        size_t digits = strspn(p + 1, "0123456789");
        if (digits == 0 || digits > 5 || atoi(p + 1) > 65535)
            return -1;
        p += 1 + digits;
    }
    for (; *p != '\0'; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '?' || *p == '#' || *p == '@' || *p == '\\')
            return -1;
    return 0;
}

static int fn_check_tags(admin_call_t *c, json_t *tags)
{
    const char *k;
    json_t *v;
    if (tags == NULL)
        return 0;
    if (!json_is_object(tags) || json_object_size(tags) > FN_TAGS_MAX) {
        fn_invalid(c, "Tags must be a map of at most 50 strings");
        return -1;
    }
    json_object_foreach(tags, k, v)
    {
        size_t kl = strlen(k);
        if (!json_is_string(v) || kl == 0 || kl > 128 || json_string_length(v) > 256 ||
            strncmp(k, "aws:", 4) == 0) {
            fn_invalid(c,
                       "Invalid tag %.128s: keys are 1 to 128 characters (not aws:...), "
                       "values strings of at most 256",
                       k);
            return -1;
        }
    }
    const char *remote = json_string_value(json_object_get(tags, FN_TAG_REMOTE));
    if (remote != NULL && fn_endpoint_ok(remote) != 0) {
        fn_invalid(c, "The " FN_TAG_REMOTE " tag must be an http:// or https:// URL (host, port, "
                      "path; no credentials, query or fragment)");
        return -1;
    }
    return 0;
}

/* The $LATEST document of a new function, before its code. */
static json_t *fn_new_doc(admin_call_t *c, const char *name)
{
    json_t *doc = json_pack(
        "{s:s,s:s,s:s,s:I,s:s,s:i,s:i,s:s,s:{s:s},s:s,s:s,s:s,s:[s],s:{s:i},s:s}", "FunctionName",
        name, "FunctionArn", fn_arn(c, name, NULL), "Role",
        "arn:aws:iam::" FN_ACCOUNT_ID ":role/portico", "CodeSize", (json_int_t)0, "Description", "",
        "Timeout", 3, "MemorySize", 128, "Version", STORE_FN_LATEST, "TracingConfig", "Mode",
        "PassThrough", "State", "Active", "LastUpdateStatus", "Successful", "PackageType", "Zip",
        "Architectures", "x86_64", "EphemeralStorage", "Size", 512, "CodeSha256", "");
    return doc;
}

/* Checks what CreateFunction needs beyond the configuration fields. */
static int fn_create_check(admin_call_t *c, const char **remote)
{
    json_t *b = c->body, *code = json_object_get(b, "Code"),
           *pt = json_object_get(b, "PackageType");
    json_t *arch = json_object_get(b, "Architectures");
    if (fn_check_tags(c, json_object_get(b, "Tags")) != 0)
        return -1;
    *remote = json_string_value(json_object_get(json_object_get(b, "Tags"), FN_TAG_REMOTE));
    if (pt != NULL && strcmp(json_string_value(pt) ?: "", "Zip") != 0) {
        fn_invalid(c, "Portico runs functions from zips only: PackageType must be Zip");
        return -1;
    }
    if (arch != NULL &&
        (json_array_size(arch) != 1 ||
         (strcmp(json_string_value(json_array_get(arch, 0)) ?: "", "x86_64") != 0 &&
          strcmp(json_string_value(json_array_get(arch, 0)) ?: "", "arm64") != 0))) {
        fn_invalid(c, "Architectures must be [\"x86_64\"] or [\"arm64\"]");
        return -1;
    }
    if (code != NULL && !json_is_object(code)) {
        fn_validation(c, "Code must be an object {\"ZipFile\": BASE64}");
        return -1;
    }
    json_t *zipfile = json_object_get(code, "ZipFile");
    if (*remote != NULL && zipfile != NULL) {
        fn_invalid(c, "A function that lives elsewhere (" FN_TAG_REMOTE ") takes no ZipFile");
        return -1;
    }
    if (*remote == NULL &&
        (json_object_get(b, "Runtime") == NULL || json_object_get(b, "Handler") == NULL)) {
        fn_invalid(c, "Runtime and Handler are mandatory parameters for functions created with "
                      "deployment packages.");
        return -1;
    }
    if (*remote == NULL && zipfile == NULL) {
        fn_invalid(c, "Please provide the function's code as Code.ZipFile (a base64-encoded zip)");
        return -1;
    }
    return 0;
}

static void fn_create_write(admin_call_t *c, const fn_ref_t *ref, json_t *doc, const uint8_t *zip,
                            size_t len)
{
    uint8_t sha[32];
    json_t *tags = json_object_get(c->body, "Tags"), *out = NULL;
    if (admin_begin(c) != 0)
        return;
    tags = tags != NULL ? json_incref(tags) : json_object();
    if (zip != NULL && fn_code_store(c, zip, len, doc, sha) != 0)
        goto fail;
    int rc = store_fn_create(c->store, ref->name, tags, doc, zip != NULL ? sha : NULL);
    if (rc == STORE_ECONFLICT) {
        fn_conflict(c, "Function already exist: %s", ref->name);
        goto fail;
    }
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, NULL);
        goto fail;
    }
    if (json_is_true(json_object_get(c->body, "Publish")) &&
        fn_publish(c, ref->name, doc, NULL, &out) != 0)
        goto fail;
    if (publish_change(c->publish, PUBLISH_FUNCTIONS, NULL, 0) != STORE_OK) {
        admin_store_fail(c, STORE_EIO, NULL);
        goto fail;
    }
    if (admin_commit(c) == 0)
        fn_reply_doc(c, 201, out != NULL ? out : doc);
    json_decref(out);
    json_decref(tags);
    return;
fail:
    json_decref(out);
    json_decref(tags);
    publish_rollback(c->publish);
}

void admin_function_create(admin_call_t *c)
{
    fn_ref_t ref;
    const char *remote;
    uint8_t *zip = NULL;
    size_t len = 0;
    json_t *name = json_object_get(c->body, "FunctionName"), *doc = NULL;
    if (!json_is_string(name)) {
        fn_validation(c, "FunctionName is required");
        return;
    }
    if (fn_ref(c, json_string_value(name), 0, &ref) != 0 || fn_create_check(c, &remote) != 0)
        return;
    if (ref.qualifier[0] != '\0') {
        fn_invalid(c, "CreateFunction takes an unqualified function name");
        return;
    }
    doc = fn_new_doc(c, ref.name);
    if (fn_config_apply(c, doc, c->body) != 0)
        goto out;
    if (json_object_get(c->body, "Architectures") != NULL)
        json_object_set(doc, "Architectures", json_object_get(c->body, "Architectures"));
    if (remote != NULL)
        json_object_set_new(doc, FN_DOC_REMOTE, json_string(remote));
    if (remote == NULL &&
        fn_code_decode(c, json_object_get(json_object_get(c->body, "Code"), "ZipFile"),
                       json_string_value(json_object_get(doc, "Runtime")),
                       json_string_value(json_object_get(doc, "Handler")), &zip, &len) != 0)
        goto out;
    fn_touch(doc);
    fn_create_write(c, &ref, doc, zip, len);
out:
    free(zip);
    json_decref(doc);
}

/* ---- reads -------------------------------------------------------------- */

/* The document of the version ref names (aliases resolved); replies 404. */
static json_t *fn_load(admin_call_t *c, fn_ref_t *ref)
{
    char version[FN_QUALIFIER_MAX + 1];
    json_t *doc = NULL;
    if (fn_ref(c, admin_arg(c, "FunctionName"), 1, ref) != 0 || fn_resolve(c, ref, version) != 0)
        return NULL;
    int rc = store_fn_version_get(c->store, ref->name, version, &doc);
    if (rc != STORE_OK)
        fn_store_fail(c, rc, ref->name, ref->qualifier);
    return rc == STORE_OK ? doc : NULL;
}

void admin_function_get_configuration(admin_call_t *c)
{
    fn_ref_t ref;
    json_t *doc = fn_load(c, &ref);
    if (doc != NULL)
        fn_reply_doc(c, 200, doc);
    json_decref(doc);
}

void admin_function_get(admin_call_t *c)
{
    fn_ref_t ref;
    json_t *tags = NULL, *doc = fn_load(c, &ref);
    int reserved;
    uint8_t sha[32];
    if (doc == NULL)
        return;
    int rc = store_fn_info(c->store, ref.name, &tags, &reserved);
    if (rc != STORE_OK) {
        fn_store_fail(c, rc, ref.name, NULL);
        json_decref(doc);
        return;
    }
    json_t *out = json_pack("{s:o}", "Configuration", fn_public(doc));
    if (fn_doc_sha(doc, sha) == 0) {
        char hex[65], url[512];
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", sha[i]);
        h2o_iovec_t host = c->req->authority;
        snprintf(url, sizeof(url), "http://%.*s/portico/code/%s",
                 (int)(host.len < 256 ? host.len : 0), host.base, hex);
        json_object_set_new(out, "Code",
                            json_pack("{s:s,s:s}", "RepositoryType", "S3", "Location", url));
    }
    if (json_object_size(tags) > 0)
        json_object_set(out, "Tags", tags);
    if (reserved >= 0)
        json_object_set_new(out, "Concurrency",
                            json_pack("{s:i}", "ReservedConcurrentExecutions", reserved));
    admin_reply(c, 200, out);
    json_decref(tags);
    json_decref(doc);
}

/* Strips Portico's keys from every document of a list. */
static json_t *fn_public_list(json_t *items)
{
    size_t i;
    json_t *v, *out = json_array();
    json_array_foreach(items, i, v) json_array_append_new(out, fn_public(v));
    json_decref(items);
    return out;
}

void admin_function_list(admin_call_t *c)
{
    int limit, more = 0, rc;
    const char *marker, *all = admin_query(c, "FunctionVersion");
    json_t *items = NULL;
    if (fn_page(c, &limit, &marker) != 0)
        return;
    if (all != NULL && strcmp(all, "ALL") != 0) {
        fn_validation(c, "FunctionVersion must be ALL");
        return;
    }
    if (all != NULL) {
        char name[FN_NAME_MAX + 1] = "";
        int after = -1;
        if (marker != NULL && sscanf(marker, "%64[A-Za-z0-9_-]:%d", name, &after) != 2) {
            fn_invalid(c, "Invalid Marker");
            return;
        }
        rc = store_fn_list_all(c->store, marker != NULL ? name : NULL, after, limit, &items, &more);
    } else {
        rc = store_fn_list(c->store, marker, limit, &items, &more);
    }
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, NULL);
        return;
    }
    json_t *out = json_object();
    if (more && json_array_size(items) > 0) {
        json_t *last = json_array_get(items, json_array_size(items) - 1);
        const char *n = json_string_value(json_object_get(last, "FunctionName"));
        const char *v = json_string_value(json_object_get(last, "Version"));
        char m[FN_NAME_MAX + 16];
        snprintf(m, sizeof(m), "%s:%d", n, strcmp(v, STORE_FN_LATEST) == 0 ? 0 : atoi(v));
        json_object_set_new(out, "NextMarker", json_string(all != NULL ? m : n));
    }
    json_object_set_new(out, "Functions", fn_public_list(items));
    admin_reply(c, 200, out);
}

/* ---- UpdateFunctionConfiguration ---------------------------------------- */

/* With a new runtime or handler, the stored zip must still suit them. */
static int fn_recheck_code(admin_call_t *c, json_t *old, json_t *doc)
{
    uint8_t sha[32], *zip;
    size_t len;
    char err[512];
    fnzip_info_t info;
    if (json_equal(json_object_get(old, "Runtime"), json_object_get(doc, "Runtime")) &&
        json_equal(json_object_get(old, "Handler"), json_object_get(doc, "Handler")))
        return 0;
    if (fn_doc_sha(doc, sha) != 0)
        return 0; /* a function that lives elsewhere */
    int rc = store_code_get(c->store, sha, &zip, &len);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, NULL);
        return -1;
    }
    rc = fnzip_check(zip, len, json_string_value(json_object_get(doc, "Runtime")),
                     json_string_value(json_object_get(doc, "Handler")), &info, err, sizeof(err));
    free(zip);
    if (rc != 0)
        fn_invalid(c, "%s", err);
    return rc;
}

void admin_function_update_configuration(admin_call_t *c)
{
    fn_ref_t ref;
    json_t *old = NULL, *doc = NULL;
    uint8_t sha[32];
    if (fn_ref_unqualified(c, &ref) != 0)
        return;
    int rc = store_fn_version_get(c->store, ref.name, STORE_FN_LATEST, &old);
    if (rc != STORE_OK) {
        fn_store_fail(c, rc, ref.name, NULL);
        return;
    }
    doc = json_deep_copy(old);
    if (fn_revision_ok(c, c->body, old) != 0 || fn_config_apply(c, doc, c->body) != 0 ||
        fn_recheck_code(c, old, doc) != 0)
        goto out;
    fn_touch(doc);
    if (admin_begin(c) != 0)
        goto out;
    rc = store_fn_version_put(c->store, ref.name, STORE_FN_LATEST, 0, doc,
                              fn_doc_sha(doc, sha) == 0 ? sha : NULL);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_FUNCTIONS, NULL, 0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        fn_store_fail(c, rc, ref.name, NULL);
        goto out;
    }
    if (admin_commit(c) == 0)
        fn_reply_doc(c, 200, doc);
out:
    json_decref(old);
    json_decref(doc);
}

/* ---- DeleteFunction ----------------------------------------------------- */

void admin_function_delete(admin_call_t *c)
{
    fn_ref_t ref;
    if (fn_ref(c, admin_arg(c, "FunctionName"), 1, &ref) != 0)
        return;
    const char *q = ref.qualifier;
    if (strcmp(q, STORE_FN_LATEST) == 0 || (q[0] != '\0' && !fn_is_version(q))) {
        fn_invalid(c, strcmp(q, STORE_FN_LATEST) == 0
                          ? "$LATEST version cannot be deleted without deleting the function."
                          : "Deletion of aliases is not supported by DeleteFunction: use "
                            "DeleteAlias");
        return;
    }
    if (admin_begin(c) != 0)
        return;
    int rc = q[0] == '\0' ? store_fn_delete(c->store, ref.name)
                          : store_fn_version_delete(c->store, ref.name, q);
    if (rc == STORE_OK)
        rc = store_code_gc(c->store, NULL);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_FUNCTIONS, NULL, 0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        if (rc == STORE_ECONFLICT)
            fn_conflict(c, "Unable to delete version %s of %s: an alias references it", q,
                        ref.name);
        else
            fn_store_fail(c, rc, ref.name, q);
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 204, NULL);
}

/* ---- reserved concurrency ----------------------------------------------- */

static void fn_set_reserved(admin_call_t *c, const fn_ref_t *ref, int n)
{
    if (admin_begin(c) != 0)
        return;
    int rc = store_fn_set_reserved(c->store, ref->name, n);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_FUNCTIONS, NULL, 0);
    if (rc != STORE_OK) {
        publish_rollback(c->publish);
        fn_store_fail(c, rc, ref->name, NULL);
        return;
    }
    if (admin_commit(c) != 0)
        return;
    if (n >= 0)
        admin_reply(c, 200, json_pack("{s:i}", "ReservedConcurrentExecutions", n));
    else
        admin_reply(c, 204, NULL);
}

void admin_function_concurrency_put(admin_call_t *c)
{
    fn_ref_t ref;
    int64_t others = 0;
    json_t *v = json_object_get(c->body, "ReservedConcurrentExecutions");
    if (fn_ref_unqualified(c, &ref) != 0)
        return;
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > FN_ACCOUNT_CONCURRENCY) {
        fn_validation(c, "ReservedConcurrentExecutions is required: an integer from 0 to %d",
                      FN_ACCOUNT_CONCURRENCY);
        return;
    }
    int rc = store_fn_reserved_others(c->store, ref.name, &others);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, NULL);
        return;
    }
    if (others + json_integer_value(v) > FN_ACCOUNT_CONCURRENCY - FN_UNRESERVED_MIN) {
        fn_invalid(c,
                   "Specified ReservedConcurrentExecutions for function decreases account's "
                   "UnreservedConcurrentExecution below its minimum value of [%d].",
                   FN_UNRESERVED_MIN);
        return;
    }
    fn_set_reserved(c, &ref, (int)json_integer_value(v));
}

void admin_function_concurrency_get(admin_call_t *c)
{
    fn_ref_t ref;
    json_t *tags = NULL;
    int reserved;
    if (fn_ref_unqualified(c, &ref) != 0)
        return;
    int rc = store_fn_info(c->store, ref.name, &tags, &reserved);
    json_decref(tags);
    if (rc != STORE_OK) {
        fn_store_fail(c, rc, ref.name, NULL);
        return;
    }
    admin_reply(c, 200,
                reserved >= 0 ? json_pack("{s:i}", "ReservedConcurrentExecutions", reserved)
                              : json_object());
}

void admin_function_concurrency_delete(admin_call_t *c)
{
    fn_ref_t ref;
    if (fn_ref_unqualified(c, &ref) == 0)
        fn_set_reserved(c, &ref, -1);
}
