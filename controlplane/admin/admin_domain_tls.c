/* admin_domain_tls: PEM checks mirror what the data plane will do with the
 * certificate (tls_ctx_from_pem), so one the admin API accepts loads there. */
#include "admin_domain_tls.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>

#include "crypto.h"

/* Number of certificates in pem (0 when none parses or any is broken). */
static int count_certs(const char *pem, X509 **first)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *x;
    int n = 0;
    while (bio != NULL && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (n == 0 && first != NULL)
            *first = x;
        else
            X509_free(x);
        n++;
    }
    ERR_clear_error();
    BIO_free(bio);
    return n;
}

static int key_matches(const char *key_pem, X509 *leaf)
{
    BIO *bio = BIO_new_mem_buf(key_pem, -1);
    EVP_PKEY *key = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"") : NULL;
    int ok = key != NULL && X509_check_private_key(leaf, key) == 1;
    ERR_clear_error();
    EVP_PKEY_free(key);
    BIO_free(bio);
    return ok;
}

static const char *body_string(admin_call_t *c, json_t *obj, const char *name, int *bad)
{
    json_t *v = json_object_get(obj, name);
    if (v != NULL && !json_is_string(v)) {
        admin_bad_request(c, "Invalid type for %s: expected a string", name);
        *bad = 1;
    }
    return json_string_value(v);
}

static int prepare_truststore(admin_call_t *c, json_t *doc, domain_tls_t *tls)
{
    json_t *mtls = json_object_get(c->body, "mutualTlsAuthentication");
    int bad = 0;
    tls->truststore = "";
    if (mtls == NULL)
        return 0;
    if (!json_is_object(mtls) || json_object_get(mtls, "truststoreUri") != NULL) {
        admin_bad_request(c, "mutualTlsAuthentication takes the CA certificates inline in "
                             "truststorePem (S3 truststoreUri is not supported)");
        return -1;
    }
    const char *pem = body_string(c, mtls, "truststorePem", &bad);
    if (bad)
        return -1;
    int n = pem != NULL ? count_certs(pem, NULL) : 0;
    if (n == 0) {
        admin_bad_request(c, "mutualTlsAuthentication.truststorePem holds no CA certificate");
        return -1;
    }
    uint8_t sha[32];
    char hex[65];
    crypto_sha256(pem, strlen(pem), sha);
    crypto_hex(sha, 8, hex);
    json_object_set_new(doc, "mutualTlsAuthentication",
                        json_pack("{s:s,s:s,s:[]}", "truststoreUri", "inline", "truststoreVersion",
                                  hex, "truststoreWarnings"));
    tls->truststore = pem;
    return 0;
}

int domain_tls_prepare(admin_call_t *c, json_t *doc, domain_tls_t *tls)
{
    int bad = 0;
    const char *body = body_string(c, c->body, "certificateBody", &bad);
    const char *chain = body_string(c, c->body, "certificateChain", &bad);
    const char *key = body_string(c, c->body, "certificatePrivateKey", &bad);
    memset(tls, 0, sizeof(*tls));
    if (bad)
        return -1;
    if ((body == NULL) != (key == NULL)) {
        admin_bad_request(c, "certificateBody and certificatePrivateKey go together");
        return -1;
    }
    if (body == NULL) {
        if (json_object_get(c->body, "mutualTlsAuthentication") != NULL) {
            admin_bad_request(c, "mutualTlsAuthentication needs the domain's certificate");
            return -1;
        }
        return 0;
    }
    X509 *leaf = NULL;
    int ok = count_certs(body, &leaf) == 1 && (chain == NULL || count_certs(chain, NULL) > 0) &&
             key_matches(key, leaf);
    X509_free(leaf);
    if (!ok) {
        admin_bad_request(c, "The certificate body, chain or private key is invalid, or the key "
                             "does not match the certificate");
        return -1;
    }
    size_t len = strlen(body) + (chain != NULL ? strlen(chain) + 2 : 0) + 1;
    tls->certificate = h2o_mem_alloc_pool(&c->req->pool, len);
    snprintf(tls->certificate, len, "%s%s%s", body, chain != NULL ? "\n" : "",
             chain != NULL ? chain : "");
    tls->private_key = key;
    json_object_set_new(doc, "certificateUploadDate", json_integer(admin_now()));
    return prepare_truststore(c, doc, tls);
}

int domain_tls_store(admin_call_t *c, const char *name, const domain_tls_t *tls)
{
    if (tls->certificate == NULL)
        return STORE_OK;
    sqlite3_stmt *st = store_stmt(c->store, "INSERT INTO domain_tls(name, certificate, "
                                            "private_key, truststore) VALUES (?1, ?2, ?3, ?4)");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, tls->certificate, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, tls->private_key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, tls->truststore, -1, SQLITE_STATIC);
    return store_step_write(c->store, st);
}
