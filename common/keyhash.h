/* keyhash: SipHash-2-4 under a per-process random key, for tables whose
 * keys come from requests (the response cache, the authorizer caches): a
 * client cannot choose keys that land in one bucket, as it could with an
 * unkeyed hash such as strmap_hash. Values differ from one process to the
 * next, so they are never stored or sent. */
#ifndef PORTICO_KEYHASH_H
#define PORTICO_KEYHASH_H

#include <stddef.h>
#include <stdint.h>

/* SipHash-2-4 of data under key (16 bytes): the function itself. */
uint64_t keyhash_siphash(const uint8_t key[16], const void *data, size_t len);

/* SipHash-2-4 of data under this process's key (drawn from getrandom() on
 * first use, by any thread). */
uint64_t keyhash(const void *data, size_t len);

#endif
