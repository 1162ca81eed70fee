/* ws_conn: connection ids and the node-wide registry (a chained hash
 * table under one mutex; each operation is a few pointer moves). */
#include "ws_conn.h"

#include <pthread.h>
#include <string.h>

#include "rng.h"

#define WS_REG_BUCKETS 65536

static pthread_mutex_t ws_reg_lock = PTHREAD_MUTEX_INITIALIZER;
static ws_conn_t *ws_reg_buckets[WS_REG_BUCKETS];
static size_t ws_reg_count;
static uint16_t ws_node_tag;
static _Atomic uint32_t ws_counter;

uint16_t ws_registry_tag_of(const char *node_id)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const char *p = node_id; p != NULL && *p != '\0'; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return (uint16_t)(h ^ (h >> 16));
}

void ws_registry_init(const char *node_id)
{
    ws_node_tag = ws_registry_tag_of(node_id);
}

uint16_t ws_registry_node_tag(void)
{
    return ws_node_tag;
}

void ws_conn_new_id(dp_thread_t *t, char out[WS_CONN_ID_LEN + 1])
{
    uint8_t raw[12];
    uint32_t n = atomic_fetch_add(&ws_counter, 1);
    uint64_t r = rng_next(&t->rng);
    raw[0] = (uint8_t)(ws_node_tag >> 8);
    raw[1] = (uint8_t)ws_node_tag;
    raw[2] = (uint8_t)t->index;
    raw[3] = (uint8_t)(n >> 16);
    raw[4] = (uint8_t)(n >> 8);
    raw[5] = (uint8_t)n;
    for (int i = 0; i < 6; i++)
        raw[6 + i] = (uint8_t)(r >> (8 * i));
    char buf[32];
    h2o_base64_encode(buf, raw, sizeof(raw), 1);
    memcpy(out, buf, WS_CONN_ID_LEN);
    out[WS_CONN_ID_LEN] = '\0';
}

static int ws_b64url_val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    return c == '_' ? 63 : -1;
}

int ws_conn_parse_id(const char *id, size_t len, uint16_t *node_tag, unsigned *thread)
{
    if (len != WS_CONN_ID_LEN)
        return -1;
    uint8_t raw[12];
    for (size_t i = 0; i < 4; i++) {
        uint32_t v = 0;
        for (size_t k = 0; k < 4; k++) {
            int d = ws_b64url_val(id[i * 4 + k]);
            if (d < 0)
                return -1;
            v = (v << 6) | (uint32_t)d;
        }
        raw[i * 3] = (uint8_t)(v >> 16);
        raw[i * 3 + 1] = (uint8_t)(v >> 8);
        raw[i * 3 + 2] = (uint8_t)v;
    }
    *node_tag = (uint16_t)((raw[0] << 8) | raw[1]);
    *thread = raw[2];
    return 0;
}

static size_t ws_bucket(const char *id, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)id[i]) * 16777619u;
    return h % WS_REG_BUCKETS;
}

static ws_conn_t *ws_find_locked(const char *id, size_t len)
{
    if (len != WS_CONN_ID_LEN)
        return NULL;
    for (ws_conn_t *c = ws_reg_buckets[ws_bucket(id, len)]; c != NULL; c = c->hnext)
        if (memcmp(c->id, id, len) == 0)
            return c;
    return NULL;
}

void ws_registry_add(ws_conn_t *c)
{
    size_t b = ws_bucket(c->id, WS_CONN_ID_LEN);
    pthread_mutex_lock(&ws_reg_lock);
    c->hnext = ws_reg_buckets[b];
    ws_reg_buckets[b] = c;
    ws_reg_count++;
    pthread_mutex_unlock(&ws_reg_lock);
}

void ws_registry_remove(ws_conn_t *c)
{
    size_t b = ws_bucket(c->id, WS_CONN_ID_LEN);
    pthread_mutex_lock(&ws_reg_lock);
    for (ws_conn_t **p = &ws_reg_buckets[b]; *p != NULL; p = &(*p)->hnext)
        if (*p == c) {
            *p = c->hnext;
            ws_reg_count--;
            break;
        }
    pthread_mutex_unlock(&ws_reg_lock);
    c->hnext = NULL;
}

static void ws_copy(char *dst, size_t cap, const char *src)
{
    size_t n = src != NULL ? strlen(src) : 0;
    if (n >= cap)
        n = cap - 1;
    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

int ws_registry_info(const char *id, size_t len, ws_conn_info_t *out)
{
    pthread_mutex_lock(&ws_reg_lock);
    ws_conn_t *c = ws_find_locked(id, len);
    if (c != NULL) {
        out->connected_at_ms = c->connected_at_ms;
        out->last_active_ms = atomic_load(&c->last_active_ms);
        ws_copy(out->source_ip, sizeof(out->source_ip), c->source_ip);
        ws_copy(out->user_agent, sizeof(out->user_agent), c->user_agent);
    }
    pthread_mutex_unlock(&ws_reg_lock);
    return c != NULL ? 0 : -1;
}

ws_conn_t *ws_registry_find_own(dp_thread_t *t, const char *id, size_t len)
{
    pthread_mutex_lock(&ws_reg_lock);
    ws_conn_t *c = ws_find_locked(id, len);
    if (c != NULL && c->thread != t)
        c = NULL;
    pthread_mutex_unlock(&ws_reg_lock);
    return c;
}

int ws_registry_has(const char *id, size_t len)
{
    pthread_mutex_lock(&ws_reg_lock);
    int has = ws_find_locked(id, len) != NULL;
    pthread_mutex_unlock(&ws_reg_lock);
    return has;
}

size_t ws_registry_count(void)
{
    pthread_mutex_lock(&ws_reg_lock);
    size_t n = ws_reg_count;
    pthread_mutex_unlock(&ws_reg_lock);
    return n;
}
