/* keyhash: SipHash-2-4 (Aumasson and Bernstein, 2012) as its paper gives
 * it, and the process's key. */
#include "keyhash.h"

#include <endian.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define KEYHASH_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

typedef struct {
    uint64_t v0, v1, v2, v3;
} keyhash_state_t;

static void keyhash_round(keyhash_state_t *s)
{
    s->v0 += s->v1;
    s->v1 = KEYHASH_ROTL(s->v1, 13) ^ s->v0;
    s->v0 = KEYHASH_ROTL(s->v0, 32);
    s->v2 += s->v3;
    s->v3 = KEYHASH_ROTL(s->v3, 16) ^ s->v2;
    s->v0 += s->v3;
    s->v3 = KEYHASH_ROTL(s->v3, 21) ^ s->v0;
    s->v2 += s->v1;
    s->v1 = KEYHASH_ROTL(s->v1, 17) ^ s->v2;
    s->v2 = KEYHASH_ROTL(s->v2, 32);
}

/* one message word: two rounds between the xors */
static void keyhash_word(keyhash_state_t *s, uint64_t m)
{
    s->v3 ^= m;
    keyhash_round(s);
    keyhash_round(s);
    s->v0 ^= m;
}

static uint64_t keyhash_le64(const void *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return le64toh(w);
}

uint64_t keyhash_siphash(const uint8_t key[16], const void *data, size_t len)
{
    const unsigned char *p = data;
    uint64_t k0 = keyhash_le64(key), k1 = keyhash_le64(key + 8);
    keyhash_state_t s = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
                         k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
    uint64_t last = (uint64_t)len << 56;
    for (; len >= 8; p += 8, len -= 8)
        keyhash_word(&s, keyhash_le64(p));
    for (size_t i = 0; i < len; i++) /* the tail, little-endian, under the length byte */
        last |= (uint64_t)p[i] << (8 * i);
    keyhash_word(&s, last);
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; i++)
        keyhash_round(&s);
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

static uint8_t keyhash_key[16];
static pthread_once_t keyhash_once = PTHREAD_ONCE_INIT;

static void keyhash_draw_key(void)
{
    if (getrandom(keyhash_key, sizeof(keyhash_key), 0) != (ssize_t)sizeof(keyhash_key)) {
        fputs("portico: getrandom failed for the hash key\n", stderr);
        abort(); /* an all-zero key would be a known key */
    }
}

uint64_t keyhash(const void *data, size_t len)
{
    pthread_once(&keyhash_once, keyhash_draw_key);
    return keyhash_siphash(keyhash_key, data, len);
}
