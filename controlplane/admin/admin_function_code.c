/* admin_function_code: a function's zip — decoded from the request's base64
 * (Code.ZipFile, ZipFile), checked (admin_function_zip.h), stored under its
 * SHA-256, answered as CodeSha256 (base64 of the digest, the reference's
 * form) and CodeSize; UpdateFunctionCode; and GET /portico/code/{sha256}, the
 * Code.Location GetFunction answers (the zip itself, behind the admin
 * credentials like every route). */
#include "admin_function.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin_function_int.h"
#include "admin_function_zip.h"

#define FN_CODE_STORAGE_MAX (75LL * 1024 * 1024 * 1024) /* the reference's 75 GB per region */

static int b64_value(unsigned char ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return ch - 'A';
    if (ch >= 'a' && ch <= 'z')
        return ch - 'a' + 26;
    if (ch >= '0' && ch <= '9')
        return ch - '0' + 52;
    return ch == '+' ? 62 : ch == '/' ? 63 : -1;
}

/* Strict base64 (padded) into a malloc'd buffer; -1 when malformed. */
static int b64_decode(const char *s, size_t n, uint8_t **out, size_t *out_len)
{
    if (n % 4 != 0)
        return -1;
    size_t pad = n >= 1 && s[n - 1] == '=' ? (n >= 2 && s[n - 2] == '=' ? 2 : 1) : 0;
    uint8_t *buf = malloc(n / 4 * 3 + 1);
    if (buf == NULL)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        for (int j = 0; j < 4; j++) {
            int pos_pad = i + (size_t)j >= n - pad;
            v[j] = pos_pad ? 0 : b64_value((unsigned char)s[i + (size_t)j]);
            if (v[j] < 0) {
                free(buf);
                return -1;
            }
        }
        uint32_t w =
            (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        buf[k++] = (uint8_t)(w >> 16);
        buf[k++] = (uint8_t)(w >> 8);
        buf[k++] = (uint8_t)w;
    }
    *out = buf;
    *out_len = k - pad;
    return 0;
}

int fn_code_decode(admin_call_t *c, json_t *zipfile, const char *runtime, const char *handler,
                   uint8_t **zip, size_t *len)
{
    char err[512];
    fnzip_info_t info;
    if (!json_is_string(zipfile) || json_string_length(zipfile) == 0) {
        fn_invalid(c, "Please provide the function's code as ZipFile (a base64-encoded zip); "
                      "Portico does not read code from S3 or container images");
        return -1;
    }
    if (b64_decode(json_string_value(zipfile), json_string_length(zipfile), zip, len) != 0) {
        fn_invalid(c, "Could not unzip uploaded file. Please check your file, then try to upload "
                      "again.");
        return -1;
    }
    if (*len > FNZIP_MAX_ZIPPED) {
        fn_fail(c, 413, "RequestEntityTooLargeException",
                "Zipped code must be at most %u bytes (got %zu)", FNZIP_MAX_ZIPPED, *len);
        goto fail;
    }
    if (fnzip_check(*zip, *len, runtime, handler, &info, err, sizeof(err)) != 0) {
        fn_invalid(c, "%s", err);
        goto fail;
    }
    return 0;
fail:
    free(*zip);
    *zip = NULL;
    return -1;
}

int fn_code_store(admin_call_t *c, const uint8_t *zip, size_t len, json_t *doc, uint8_t sha256[32])
{
    char b64[48];
    int64_t total = 0;
    SHA256(zip, len, sha256);
    int rc = store_code_total(c->store, &total);
    if (rc == STORE_OK && total + (int64_t)len > FN_CODE_STORAGE_MAX) {
        fn_fail(c, 400, "CodeStorageExceededException",
                "Code storage limit exceeded: the stored zips take %lld bytes", (long long)total);
        return -1;
    }
    if (rc == STORE_OK)
        rc = store_code_put(c->store, sha256, zip, len);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, NULL);
        return -1;
    }
    EVP_EncodeBlock((unsigned char *)b64, sha256, 32);
    json_object_set_new(doc, "CodeSha256", json_string(b64));
    json_object_set_new(doc, "CodeSize", json_integer((json_int_t)len));
    return 0;
}

int fn_doc_sha(json_t *doc, uint8_t sha256[32])
{
    const char *b64 = json_string_value(json_object_get(doc, "CodeSha256"));
    uint8_t *raw;
    size_t n;
    if (b64 == NULL || b64[0] == '\0' || b64_decode(b64, strlen(b64), &raw, &n) != 0)
        return -1;
    int ok = n == 32;
    if (ok)
        memcpy(sha256, raw, 32);
    free(raw);
    return ok ? 0 : -1;
}

/* ---- UpdateFunctionCode ------------------------------------------------- */

static void fn_update_code(admin_call_t *c, const fn_ref_t *ref, json_t *doc, uint8_t *zip,
                           size_t len)
{
    uint8_t sha[32];
    json_t *out = NULL;
    json_t *publish = json_object_get(c->body, "Publish");
    if (admin_begin(c) != 0)
        return;
    if (fn_code_store(c, zip, len, doc, sha) != 0)
        goto fail;
    json_object_del(doc, FN_DOC_REMOTE);
    fn_touch(doc);
    int rc = store_fn_version_put(c->store, ref->name, STORE_FN_LATEST, 0, doc, sha);
    if (rc == STORE_OK)
        rc = store_code_gc(c->store, NULL);
    if (rc != STORE_OK) {
        fn_store_fail(c, rc, ref->name, NULL);
        goto fail;
    }
    if (json_is_true(publish) && fn_publish(c, ref->name, doc, NULL, &out) != 0)
        goto fail;
    if (publish_change(c->publish, PUBLISH_FUNCTIONS, NULL, 0) != STORE_OK) {
        admin_store_fail(c, STORE_EIO, NULL);
        goto fail;
    }
    if (admin_commit(c) == 0)
        fn_reply_doc(c, 200, out != NULL ? out : doc);
    json_decref(out);
    return;
fail:
    json_decref(out);
    publish_rollback(c->publish);
}

/* DryRun: the configuration the code would give, with nothing stored. */
static void fn_dry_run(admin_call_t *c, json_t *doc, const uint8_t *zip, size_t len)
{
    uint8_t sha[32];
    char b64[48];
    SHA256(zip, len, sha);
    EVP_EncodeBlock((unsigned char *)b64, sha, 32);
    json_object_set_new(doc, "CodeSha256", json_string(b64));
    json_object_set_new(doc, "CodeSize", json_integer((json_int_t)len));
    fn_reply_doc(c, 200, doc);
}

void admin_function_update_code(admin_call_t *c)
{
    fn_ref_t ref;
    json_t *doc = NULL;
    uint8_t *zip = NULL;
    size_t len = 0;
    if (fn_ref_unqualified(c, &ref) != 0)
        return;
    int rc = store_fn_version_get(c->store, ref.name, STORE_FN_LATEST, &doc);
    if (rc != STORE_OK) {
        fn_store_fail(c, rc, ref.name, NULL);
        return;
    }
    if (fn_revision_ok(c, c->body, doc) != 0)
        goto out;
    const char *runtime = json_string_value(json_object_get(doc, "Runtime"));
    const char *handler = json_string_value(json_object_get(doc, "Handler"));
    if (runtime == NULL || handler == NULL) {
        fn_invalid(c, "A function that lives elsewhere (" FN_TAG_REMOTE ") needs Runtime and "
                      "Handler before it can take code");
        goto out;
    }
    if (fn_code_decode(c, json_object_get(c->body, "ZipFile"), runtime, handler, &zip, &len) != 0)
        goto out;
    if (json_is_true(json_object_get(c->body, "DryRun")))
        fn_dry_run(c, doc, zip, len); /* checked; nothing stored */
    else
        fn_update_code(c, &ref, doc, zip, len);
out:
    free(zip);
    json_decref(doc);
}

/* ---- the zip itself ----------------------------------------------------- */

void admin_function_code_get(admin_call_t *c)
{
    const char *hex = admin_arg(c, "sha256");
    uint8_t sha[32], *zip;
    size_t len;
    if (hex == NULL || strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64) {
        fn_validation(c, "The code's SHA-256 is 64 lower-case hexadecimal digits");
        return;
    }
    for (int i = 0; i < 32; i++) {
        unsigned v = 0;
        sscanf(hex + 2 * i, "%2x", &v);
        sha[i] = (uint8_t)v;
    }
    int rc = store_code_get(c->store, sha, &zip, &len);
    if (rc == STORE_OK)
        admin_reply_text(c, 200, "application/zip", (char *)zip, len);
    else if (rc == STORE_ENOTFOUND)
        fn_not_found(c, "No stored code has the SHA-256 %s", hex);
    else
        admin_store_fail(c, rc, NULL);
}
