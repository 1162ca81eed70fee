/* tls: OpenSSL contexts for h2o's listeners. The SNI callback runs on the
 * worker thread doing the handshake, so it reads that worker's lease (a
 * thread-local pointer to the worker) without any lock; SSL_set_SSL_CTX
 * takes its own reference, so a runtime released mid-handshake is safe. */
#include "tls.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dp.h"
#include "fsutil.h"
#include "rt.h"
#include "strmap.h"

static __thread dp_thread_t *tls_worker;

static void tls_error(char *err, size_t err_len, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "";
    if (e != 0)
        ERR_error_string_n(e, buf, sizeof(buf));
    ERR_clear_error();
    snprintf(err, err_len, "%s%s%s", what, buf[0] != '\0' ? ": " : "", buf);
}

static int load_chain(SSL_CTX *ctx, const char *pem, size_t len)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    X509 *leaf = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    int ok = leaf != NULL && SSL_CTX_use_certificate(ctx, leaf) == 1;
    X509 *extra;
    while (ok && (extra = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
        ok = SSL_CTX_add0_chain_cert(ctx, extra) == 1;
    ERR_clear_error(); /* the loop ends on "no start line" */
    X509_free(leaf);
    BIO_free(bio);
    return ok ? 0 : -1;
}

static int load_key(SSL_CTX *ctx, const char *pem, size_t len)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    EVP_PKEY *key = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"") : NULL;
    int ok =
        key != NULL && SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
    EVP_PKEY_free(key);
    BIO_free(bio);
    return ok ? 0 : -1;
}

/* Every certificate of the truststore becomes trusted and a named CA. */
static int load_truststore(SSL_CTX *ctx, const char *pem, size_t len)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    X509 *ca;
    int n = 0, ok = 1;
    while (bio != NULL && (ca = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        ok &= X509_STORE_add_cert(store, ca) == 1 && SSL_CTX_add_client_CA(ctx, ca) == 1;
        X509_free(ca);
        n++;
    }
    ERR_clear_error();
    BIO_free(bio);
    if (n == 0 || !ok)
        return -1;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    SSL_CTX_set_verify_depth(ctx, 8);
    return 0;
}

SSL_CTX *tls_ctx_from_pem(const char *cert, size_t cert_len, const char *key, size_t key_len,
                          const char *truststore, size_t truststore_len, char *err, size_t err_len)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        tls_error(err, err_len, "cannot create a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"portico", 7);
    if (load_chain(ctx, cert, cert_len) != 0) {
        tls_error(err, err_len, "the certificate does not load");
        goto fail;
    }
    if (load_key(ctx, key, key_len) != 0) {
        tls_error(err, err_len, "the private key does not load or does not match the certificate");
        goto fail;
    }
    if (truststore != NULL && truststore_len > 0 &&
        load_truststore(ctx, truststore, truststore_len) != 0) {
        tls_error(err, err_len, "the truststore holds no usable CA certificate");
        goto fail;
    }
    h2o_ssl_register_alpn_protocols(ctx, h2o_http2_alpn_protocols);
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

SSL_CTX *tls_ctx_from_files(const char *cert_file, const char *key_file, const char *ca_file,
                            char *err, size_t err_len)
{
    char *cert = NULL, *key = NULL, *ca = NULL;
    size_t cert_len = 0, key_len = 0, ca_len = 0;
    SSL_CTX *ctx = NULL;
    const char *bad = fsutil_read(cert_file, 1 << 20, &cert, &cert_len) != 0 ? cert_file
                      : fsutil_read(key_file, 1 << 20, &key, &key_len) != 0  ? key_file
                      : ca_file != NULL && fsutil_read(ca_file, 1 << 22, &ca, &ca_len) != 0
                          ? ca_file
                          : NULL;
    if (bad != NULL)
        snprintf(err, err_len, "cannot read %s", bad);
    else
        ctx = tls_ctx_from_pem(cert, cert_len, key, key_len, ca, ca_len, err, err_len);
    if (key != NULL)
        OPENSSL_cleanse(key, key_len);
    free(cert);
    free(key);
    free(ca);
    return ctx;
}

/* A custom domain's context replaces the default one for this handshake;
 * the verification settings are per SSL object, so they move too. */
static void switch_context(SSL *ssl, SSL_CTX *dctx)
{
    SSL_set_SSL_CTX(ssl, dctx);
    SSL_set_verify(ssl, SSL_CTX_get_verify_mode(dctx), NULL);
    if (SSL_CTX_get_verify_mode(dctx) != SSL_VERIFY_NONE) {
        SSL_set1_verify_cert_store(ssl, SSL_CTX_get_cert_store(dctx));
        SSL_set_client_CA_list(ssl, SSL_dup_CA_list(SSL_CTX_get_client_CA_list(dctx)));
    }
}

/* The context of a custom domain (host name, any case) in rt, or NULL. */
static SSL_CTX *tls_domain_ctx(const runtime_t *rt, const char *name, size_t len)
{
    char lower[256];
    if (rt->tls_domains == NULL || len == 0 || len >= sizeof(lower))
        return NULL;
    for (size_t i = 0; i < len; i++)
        lower[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
    return strmap_get(rt->tls_domains, lower, len);
}

static int on_servername(SSL *ssl, int *alert, void *arg)
{
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    dp_thread_t *t = tls_worker;
    if (name == NULL || t == NULL || t->lease == NULL)
        return SSL_TLSEXT_ERR_OK;
    SSL_CTX *dctx = tls_domain_ctx(t->lease->rt, name, strlen(name));
    if (dctx != NULL)
        switch_context(ssl, dctx);
    return SSL_TLSEXT_ERR_OK;
}

void tls_enable_sni(SSL_CTX *ctx)
{
    SSL_CTX_set_tlsext_servername_callback(ctx, on_servername);
}

/* The SSL object of an h2o socket. h2o 2.2.5 has no accessor; its private
 * struct st_h2o_socket_ssl_t begins {SSL_CTX *ssl_ctx; SSL *ossl; ...} in
 * every build (lib/common/socket.c), which this reads. */
static SSL *conn_ssl(h2o_conn_t *conn)
{
    h2o_socket_t *sock =
        conn->callbacks->get_socket != NULL ? conn->callbacks->get_socket(conn) : NULL;
    if (sock == NULL || sock->ssl == NULL)
        return NULL;
    struct {
        SSL_CTX *ssl_ctx;
        SSL *ossl;
    } *head = (void *)sock->ssl;
    return head->ossl;
}

enum tls_domain_check tls_conn_serves_domain(h2o_conn_t *conn, const runtime_t *rt,
                                             const char *host, size_t len)
{
    SSL_CTX *dctx = tls_domain_ctx(rt, host, len);
    if (dctx == NULL)
        return TLS_DOMAIN_SERVE;
    SSL *ssl = conn_ssl(conn);
    if (ssl == NULL)
        return TLS_DOMAIN_CLEARTEXT;
    const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (sni == NULL || strlen(sni) != len || strncasecmp(sni, host, len) != 0)
        return TLS_DOMAIN_MISDIRECTED;
    if ((SSL_CTX_get_verify_mode(dctx) & SSL_VERIFY_PEER) == 0)
        return TLS_DOMAIN_SERVE;
    return SSL_get0_peer_certificate(ssl) != NULL && SSL_get_verify_result(ssl) == X509_V_OK
               ? TLS_DOMAIN_SERVE
               : TLS_DOMAIN_MISDIRECTED;
}

void tls_bind_worker(dp_thread_t *t)
{
    tls_worker = t;
}
