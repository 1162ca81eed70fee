/* Cost of verifying a bearer JWT not seen before (common/jwtauth): N
 * distinct tokens (each its own sub) are signed first, then verified once
 * each. Three ways, in µs of CPU time per token (median of ROUNDS rounds):
 *   libjwt    jwt_decode with the PEM: the signature check jwtauth made
 *             before issue 16 (libjwt reads the PEM on every call);
 *   unloaded  jwtauth_verify with keys never loaded (parsed per call);
 *   loaded    jwtauth_verify with keys parsed once by jwtauth_key_load,
 *             what the data plane does since issue 16.
 * The whole of jwtauth_verify (header/payload JSON, claims) is in the last
 * two; libjwt's figure is the signature alone.
 * Build: ninja -C build tests/bench/bench_jwt; run: build/tests/bench/bench_jwt
 * [RS256|ES256|HS256] [loaded] on an idle machine (not part of tests/run);
 * "loaded" runs only the last way (for a profiler). */
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jwtauth.h"

#define N 2000
#define ROUNDS 5
#define ISS "https://issuer.example"

static double cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static char *pem_of(EVP_PKEY *k, int private)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (private)
        PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL);
    else
        PEM_write_bio_PUBKEY(bio, k);
    char *data;
    long n = BIO_get_mem_data(bio, &data);
    char *out = strndup(data, (size_t)n);
    BIO_free(bio);
    return out;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

enum { WAY_LIBJWT, WAY_UNLOADED, WAY_LOADED };

int main(int argc, char **argv)
{
    const char *alg_name = argc > 1 ? argv[1] : "RS256";
    jwt_alg_t alg = jwt_str_alg(alg_name);
    EVP_PKEY *k = NULL;
    const char *kty = "oct", *crv = NULL;
    char *priv, *pub;
    if (alg == JWT_ALG_RS256) {
        k = EVP_RSA_gen(2048);
        kty = "RSA";
    } else if (alg == JWT_ALG_ES256) {
        k = EVP_EC_gen("P-256");
        kty = "EC";
        crv = "P-256";
    } else if (alg != JWT_ALG_HS256) {
        fprintf(stderr, "usage: %s [RS256|ES256|HS256]\n", argv[0]);
        return 2;
    }
    if (k != NULL) {
        priv = pem_of(k, 1);
        pub = pem_of(k, 0);
        EVP_PKEY_free(k);
    } else {
        priv = strdup("a-shared-secret-of-thirty-two-by");
        pub = strdup(priv);
    }
    char **tokens = calloc(N, sizeof(*tokens));
    for (int i = 0; i < N; i++) {
        jwt_t *jwt;
        char claims[256];
        snprintf(claims, sizeof(claims),
                 "{\"iss\":\"" ISS "\",\"aud\":\"api\",\"sub\":\"user-%d\",\"exp\":%ld}", i,
                 (long)time(NULL) + 3600);
        if (jwt_new(&jwt) != 0 || jwt_add_grants_json(jwt, claims) != 0 ||
            jwt_add_header(jwt, "kid", "k") != 0 ||
            jwt_set_alg(jwt, alg, (const unsigned char *)priv, (int)strlen(priv)) != 0 ||
            (tokens[i] = jwt_encode_str(jwt)) == NULL)
            return 1;
        jwt_free(jwt);
    }
    static const char *const audience[] = {"api"};
    jwtauth_key_t key = {"k", jwtauth_key_algs(kty, crv, NULL), (const unsigned char *)pub,
                         strlen(pub), NULL};
    jwtauth_config_t cfg = {ISS, audience, 1, &key, 1};
    static const char *const names[] = {"libjwt jwt_decode (before)", "jwtauth, unloaded key",
                                        "jwtauth, loaded key (now)"};
    int first = argc > 2 && strcmp(argv[2], "loaded") == 0 ? WAY_LOADED : WAY_LIBJWT;
    for (int way = first; way <= WAY_LOADED; way++) {
        if (way == WAY_LOADED && jwtauth_key_load(&key) != 0)
            return 1;
        double per[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            double t0 = cpu_us();
            for (int i = 0; i < N; i++) {
                int ok;
                if (way == WAY_LIBJWT) {
                    jwt_t *jwt = NULL;
                    ok = jwt_decode(&jwt, tokens[i], (const unsigned char *)pub,
                                    (int)strlen(pub)) == 0;
                    jwt_free(jwt);
                } else
                    ok = jwtauth_verify(&cfg, tokens[i], strlen(tokens[i]), time(NULL), NULL) ==
                         JWTAUTH_OK;
                if (!ok) {
                    fprintf(stderr, "%s: token %d refused\n", names[way], i);
                    return 1;
                }
            }
            per[r] = (cpu_us() - t0) / N;
        }
        qsort(per, ROUNDS, sizeof(per[0]), cmp_double);
        printf("%s %-28s %8.1f us/token (median of %d x %d)\n", alg_name, names[way],
               per[ROUNDS / 2], ROUNDS, N);
    }
    jwtauth_key_unload(&key);
    for (int i = 0; i < N; i++)
        free(tokens[i]);
    free(tokens);
    free(priv);
    free(pub);
    return 0;
}
