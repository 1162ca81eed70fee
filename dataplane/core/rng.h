/* rng: fast per-thread randomness (request ids, trace ids, the canary
 * split); xorshift128+, seeded from the system's CSPRNG by the thread that
 * owns the state. Not for secrets. No locking: one state per worker. */
#ifndef PORTICO_RNG_H
#define PORTICO_RNG_H

#include <stdint.h>

typedef struct {
    uint64_t s[2];
} rng_t;

static inline uint64_t rng_next(rng_t *g)
{
    uint64_t s1 = g->s[0];
    const uint64_t s0 = g->s[1];
    g->s[0] = s0;
    s1 ^= s1 << 23;
    g->s[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
    return g->s[1] + s0;
}

#endif
