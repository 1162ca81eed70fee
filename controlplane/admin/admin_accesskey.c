/* admin_accesskey: ids are "AKIA" + 16 upper-case characters, secrets 40
 * random characters sealed with sealbox under cp->seal_secret; a secret is
 * opened only to derive one day-scoped signing key, then wiped. */
#include "admin_accesskey.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crypto.h"
#include "fsutil.h"
#include "policy.h"
#include "sealbox.h"
#include "store_sealed.h"

#define ACCESSKEY_ID_RANDOM 16
#define ACCESSKEY_SECRET_LEN 40
#define MSG_NOT_FOUND "Invalid access key identifier specified"

static const admin_field_t accesskey_fields[] = {
    {"description", ADMIN_STRING, .max = 1024},
    {"policy", ADMIN_STRING, .max = 65536},
    {NULL},
};

/* The identity policy (execute-api:Invoke on method ARNs) parsed as the data
 * plane will evaluate it, so one that is stored is one that is enforced. */
static int accesskey_check_policy(admin_call_t *c, const char *policy)
{
    char err[512];
    policy_t *p;
    if (policy == NULL || policy[0] == '\0')
        return 0;
    arena_t *a = arena_create(16 * 1024);
    int rc = a != NULL ? policy_parse(policy, strlen(policy), POLICY_AUTHORIZER, NULL, a, &p, err,
                                      sizeof(err))
                       : -1;
    arena_destroy(a);
    if (rc != 0)
        admin_bad_request(c, "Invalid policy document: %s", a != NULL ? err : "out of memory");
    return rc;
}

static int is_bootstrap(cp_t *cp, const char *id)
{
    return cp->access_key_id != NULL && strcmp(cp->access_key_id, id) == 0;
}

int admin_accesskey_known(void *ctx, const char *id, size_t len)
{
    cp_t *cp = ctx;
    char name[SIGV4_ACCESS_KEY_MAX + 1];
    uint8_t *sealed;
    size_t sealed_len;
    if (len == 0 || len > SIGV4_ACCESS_KEY_MAX)
        return 0;
    memcpy(name, id, len);
    name[len] = '\0';
    if (is_bootstrap(cp, name))
        return 1;
    if (store_accesskey_sealed(cp->store, name, &sealed, &sealed_len) != STORE_OK)
        return 0;
    free(sealed);
    return 1;
}

int admin_accesskey_signing_key(cp_t *cp, const char *id, const char *date, const char *region,
                                const char *service, uint8_t key[SIGV4_KEY_LEN])
{
    if (is_bootstrap(cp, id)) {
        sigv4_signing_key(cp->secret_access_key, strlen(cp->secret_access_key), date, region,
                          service, key);
        return 0;
    }
    uint8_t *sealed;
    size_t len, plain_len;
    if (store_accesskey_sealed(cp->store, id, &sealed, &len) != STORE_OK)
        return -1;
    char *secret = sealbox_open(&cp->seal_secret, sealed, len, &plain_len);
    free(sealed);
    if (secret == NULL)
        return -1;
    sigv4_signing_key(secret, plain_len, date, region, service, key);
    sealbox_free(secret, plain_len);
    return 0;
}

#define ACCESSKEY_SECRET_MIN 16

static int accesskey_valid(const char *id, const char *secret, char *err, size_t err_len)
{
    size_t n = strlen(id);
    int ok = n >= 16 && n <= SIGV4_ACCESS_KEY_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = isalnum((unsigned char)id[i]);
    if (!ok) {
        snprintf(err, err_len, "the access key id must be 16 to 128 letters and digits");
        return -1;
    }
    if (strlen(secret) < ACCESSKEY_SECRET_MIN) {
        snprintf(err, err_len, "the secret access key must be at least %d characters",
                 ACCESSKEY_SECRET_MIN);
        return -1;
    }
    return 0;
}

/* "ID\nSECRET\n" from a file only its owner may read. */
static int accesskey_from_file(const char *file, char **id, char **secret, char *err,
                               size_t err_len)
{
    struct stat st;
    char *buf;
    size_t len;
    if (stat(file, &st) != 0) {
        snprintf(err, err_len, "cannot read %s: %s", file, strerror(errno));
        return -1;
    }
    if ((st.st_mode & 077) != 0) {
        snprintf(err, err_len, "%s must not be accessible by group or others (chmod 600)", file);
        return -1;
    }
    int rc = fsutil_read(file, 4096, &buf, &len);
    if (rc != 0) {
        snprintf(err, err_len, "cannot read %s: %s", file, strerror(-rc));
        return -1;
    }
    char *save = NULL, *a = strtok_r(buf, "\r\n", &save), *b = strtok_r(NULL, "\r\n", &save);
    if (a == NULL || b == NULL || strtok_r(NULL, "\r\n", &save) != NULL) {
        snprintf(err, err_len, "%s must hold two lines: the access key id, then the secret", file);
        OPENSSL_clear_free(buf, len);
        return -1;
    }
    *id = strdup(a);
    *secret = strdup(b);
    OPENSSL_clear_free(buf, len);
    return 0;
}

int admin_accesskey_bootstrap(const char *file, char **id, char **secret, char *err, size_t err_len)
{
    const char *env_id = getenv("PORTICO_ACCESS_KEY_ID");
    const char *env_secret = getenv("PORTICO_SECRET_ACCESS_KEY");
    int have_env =
        (env_id != NULL && *env_id != '\0') || (env_secret != NULL && *env_secret != '\0');
    *id = *secret = NULL;
    if (have_env && file != NULL) {
        snprintf(err, err_len,
                 "give the bootstrap access key either in PORTICO_ACCESS_KEY_ID and "
                 "PORTICO_SECRET_ACCESS_KEY or with --access-key-file, not both");
        return -1;
    }
    if (have_env) {
        if (env_id == NULL || *env_id == '\0' || env_secret == NULL || *env_secret == '\0') {
            snprintf(err, err_len,
                     "PORTICO_ACCESS_KEY_ID and PORTICO_SECRET_ACCESS_KEY go "
                     "together");
            return -1;
        }
        *id = strdup(env_id);
        *secret = strdup(env_secret);
    } else if (file != NULL && accesskey_from_file(file, id, secret, err, err_len) != 0) {
        return -1;
    }
    if (*id == NULL)
        return 0;
    if (*secret == NULL || accesskey_valid(*id, *secret, err, err_len) != 0) {
        free(*id);
        free(*secret);
        *id = *secret = NULL;
        return -1;
    }
    return 0;
}

void admin_accesskey_create(admin_call_t *c)
{
    const char *policy = json_string_value(json_object_get(c->body, "policy"));
    if (admin_check(c, c->body, accesskey_fields) != 0 || accesskey_check_policy(c, policy) != 0)
        return;
    char id[4 + ACCESSKEY_ID_RANDOM + 1], secret[ACCESSKEY_SECRET_LEN + 1];
    memcpy(id, "AKIA", 4);
    crypto_random_id(id + 4, ACCESSKEY_ID_RANDOM);
    for (char *p = id + 4; *p != '\0'; p++)
        *p = (char)toupper((unsigned char)*p);
    crypto_random_token(secret, ACCESSKEY_SECRET_LEN);
    size_t sealed_len;
    uint8_t *sealed = sealbox_seal(&c->cp->seal_secret, secret, ACCESSKEY_SECRET_LEN, &sealed_len);
    const char *desc = json_string_value(json_object_get(c->body, "description"));
    int64_t now = admin_now();
    if (sealed == NULL || admin_begin(c) != 0) {
        if (sealed == NULL)
            admin_store_fail(c, STORE_EIO, "");
        goto out;
    }
    int rc = store_accesskey_insert(c->store, id, sealed, sealed_len, desc, policy, now);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_ACCESS_KEYS, NULL, 0); /* its signing keys */
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, "");
        goto out;
    }
    json_t *doc =
        json_pack("{s:s,s:s,s:s,s:I}", "accessKeyId", id, "secretAccessKey", secret, "description",
                  desc != NULL ? desc : "", "createdDate", (json_int_t)now);
    if (policy != NULL && policy[0] != '\0')
        json_object_set_new(doc, "policy", json_string(policy));
    if (admin_commit(c) == 0)
        admin_reply(c, 201, doc);
    else
        json_decref(doc);
out:
    OPENSSL_cleanse(secret, sizeof(secret));
    free(sealed);
}

void admin_accesskey_list(admin_call_t *c)
{
    json_t *items;
    int rc = store_accesskey_list(c->store, &items);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, "");
        return;
    }
    if (c->cp->access_key_id != NULL)
        json_array_insert_new(items, 0,
                              json_pack("{s:s,s:s,s:b}", "accessKeyId", c->cp->access_key_id,
                                        "description", "bootstrap key", "bootstrap", 1));
    admin_reply(c, 200, json_pack("{s:o}", "item", items));
}

void admin_accesskey_get(admin_call_t *c)
{
    const char *id = admin_arg(c, "access_key_id");
    json_t *doc;
    if (is_bootstrap(c->cp, id)) {
        admin_reply(c, 200,
                    json_pack("{s:s,s:s,s:b}", "accessKeyId", id, "description", "bootstrap key",
                              "bootstrap", 1));
        return;
    }
    int rc = store_accesskey_get(c->store, id, &doc);
    if (rc != STORE_OK)
        admin_store_fail(c, rc, MSG_NOT_FOUND);
    else
        admin_reply(c, 200, doc);
}

void admin_accesskey_delete(admin_call_t *c)
{
    const char *id = admin_arg(c, "access_key_id");
    if (is_bootstrap(c->cp, id)) {
        admin_bad_request(c, "The bootstrap access key comes from PORTICO_ACCESS_KEY_ID or "
                             "--access-key-file and cannot be deleted here");
        return;
    }
    if (admin_begin(c) != 0)
        return;
    int rc = store_accesskey_delete(c->store, id);
    if (rc == STORE_OK)
        rc = publish_change(c->publish, PUBLISH_ACCESS_KEYS, NULL, 0);
    if (rc != STORE_OK) {
        store_rollback(c->store);
        admin_store_fail(c, rc, MSG_NOT_FOUND);
        return;
    }
    if (admin_commit(c) == 0)
        admin_reply(c, 202, NULL);
}
