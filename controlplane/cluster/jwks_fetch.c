/* jwks_fetch: blocking libcurl transfers on the fetcher's own thread (the
 * admin loop never waits for an identity provider); the only hand-over to
 * the admin loop is one atomic flag, taken by its once-a-second timer. */
#include "jwks_url.h"
#include "jwks_fetch.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "jwk.h"
#include "log.h"
#include "store_auth.h"

#define JWKS_MAX_DOCUMENT (1024 * 1024)
#define JWKS_TIMEOUT_S 10L

struct jwks_fetch {
    pthread_t tid;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int woken, stop;
    unsigned refresh_s;
    char *db_path;
    atomic_int changed; /* set by the fetcher, taken by the admin loop */
};

typedef struct {
    char *data;
    size_t len;
} jwks_body_t;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
    jwks_body_t *b = arg;
    size_t n = size * nmemb;
    if (b->len + n > JWKS_MAX_DOCUMENT)
        return 0; /* aborts the transfer */
    char *bigger = realloc(b->data, b->len + n + 1);
    if (bigger == NULL)
        return 0;
    memcpy(bigger + b->len, ptr, n);
    b->data = bigger;
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* GETs url (https, or http on loopback) into *body; 0, or -1 with err. */
static int http_get(const char *url, jwks_body_t *body, char *err, size_t err_len)
{
    if (!jwks_url_allowed(url)) {
        snprintf(err, err_len, "%s: only https (or http on loopback) is fetched", url);
        return -1;
    }
    CURL *curl = curl_easy_init();
    if (curl == NULL) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    *body = (jwks_body_t){NULL, 0};
    long status = 0;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, JWKS_TIMEOUT_S);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, body);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "portico-cp");
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(curl);
    if (rc == CURLE_OK && status == 200 && body->data != NULL)
        return 0;
    if (rc != CURLE_OK)
        snprintf(err, err_len, "%s: %s", url, curl_easy_strerror(rc));
    else
        snprintf(err, err_len, "%s: HTTP %ld", url, status);
    free(body->data);
    body->data = NULL;
    return -1;
}

/* Fetches one source's keys; a new array, or NULL with err. */
static json_t *fetch_keys(const char *issuer, const char *jwks_uri, char *err, size_t err_len)
{
    jwks_body_t body;
    char *discovered = NULL, url[4096];
    json_t *keys = NULL;
    if (jwks_uri[0] == '\0') {
        size_t n = strlen(issuer);
        snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration",
                 (int)(n > 0 && issuer[n - 1] == '/' ? n - 1 : n), issuer);
        if (http_get(url, &body, err, err_len) != 0)
            return NULL;
        discovered = jwk_discovery_jwks_uri(body.data, body.len, issuer, err, err_len);
        free(body.data);
        if (discovered == NULL)
            return NULL;
        jwks_uri = discovered;
    }
    if (http_get(jwks_uri, &body, err, err_len) == 0) {
        int skipped;
        if (jwk_convert_set(body.data, body.len, &keys, &skipped, err, err_len) == 0 && skipped > 0)
            log_info("jwks: %s: %d keys left out (unsupported, too weak or not for signing)",
                     jwks_uri, skipped);
        free(body.data);
    }
    free(discovered);
    return keys;
}

/* Records the outcome for one source; 1 when its keys changed. */
static int refresh_source(store_t *s, json_t *src)
{
    const char *issuer = json_string_value(json_object_get(src, "issuer"));
    const char *uri = json_string_value(json_object_get(src, "jwksUri"));
    char err[512] = "";
    json_t *keys = fetch_keys(issuer, uri, err, sizeof(err));
    int changed = keys != NULL && !json_equal(keys, json_object_get(src, "keys"));
    if (keys == NULL)
        log_warn("jwks: %s: %s (keeping the last good keys)", issuer, err);
    int rc = store_begin(s);
    if (rc == STORE_OK)
        rc = store_jwks_record(s, issuer, uri, keys, (int64_t)clock_wall_ms(), err);
    if (rc == STORE_OK && changed)
        rc = store_bump_version(s, NULL);
    if (rc == STORE_OK)
        rc = store_commit(s);
    if (rc != STORE_OK) {
        store_rollback(s);
        changed = 0;
    }
    if (changed)
        log_info("jwks: %s: %zu keys in use", issuer, json_array_size(keys));
    json_decref(keys);
    return changed;
}

static int refresh_all(store_t *s)
{
    json_t *sources;
    if (store_jwks_list(s, &sources) != STORE_OK)
        return 0;
    int changed = 0;
    size_t i;
    json_t *src;
    json_array_foreach(sources, i, src) changed |= refresh_source(s, src);
    json_decref(sources);
    return changed;
}

int jwks_fetch_take_changed(jwks_fetch_t *f)
{
    return f != NULL && atomic_exchange(&f->changed, 0) != 0;
}

/* Waits for the refresh period or a wake-up; 0 when asked to stop. */
static int wait_turn(jwks_fetch_t *f)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += f->refresh_s;
    pthread_mutex_lock(&f->lock);
    while (!f->woken && !f->stop)
        if (pthread_cond_timedwait(&f->cond, &f->lock, &until) != 0)
            break;
    f->woken = 0;
    int go = !f->stop;
    pthread_mutex_unlock(&f->lock);
    return go;
}

static void *fetch_main(void *arg)
{
    jwks_fetch_t *f = arg;
    store_t *s = NULL;
    if (store_open(f->db_path, &s) != STORE_OK) {
        log_error("jwks: cannot open the store; JWT keys will not be refreshed");
        return NULL;
    }
    do {
        if (refresh_all(s))
            atomic_store(&f->changed, 1);
    } while (wait_turn(f));
    store_close(s);
    return NULL;
}

int jwks_fetch_start(const char *db_path, unsigned refresh_s, jwks_fetch_t **out)
{
    jwks_fetch_t *f = calloc(1, sizeof(*f));
    if (f == NULL || (f->db_path = strdup(db_path)) == NULL) {
        free(f);
        return -1;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_mutex_init(&f->lock, NULL);
    pthread_cond_init(&f->cond, NULL);
    f->refresh_s = refresh_s;
    if (pthread_create(&f->tid, NULL, fetch_main, f) != 0) {
        log_error("jwks: cannot start the fetcher thread");
        free(f->db_path);
        free(f);
        return -1;
    }
    *out = f;
    return 0;
}

void jwks_fetch_wake(jwks_fetch_t *f)
{
    if (f == NULL)
        return;
    pthread_mutex_lock(&f->lock);
    f->woken = 1;
    pthread_cond_signal(&f->cond);
    pthread_mutex_unlock(&f->lock);
}

void jwks_fetch_stop(jwks_fetch_t *f)
{
    if (f == NULL)
        return;
    pthread_mutex_lock(&f->lock);
    f->stop = 1;
    pthread_cond_signal(&f->cond);
    pthread_mutex_unlock(&f->lock);
    pthread_join(f->tid, NULL);
    pthread_mutex_destroy(&f->lock);
    pthread_cond_destroy(&f->cond);
    curl_global_cleanup();
    free(f->db_path);
    free(f);
}
