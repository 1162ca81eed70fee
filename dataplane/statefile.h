/* statefile: the last good snapshot on local disk (STATE_DIR/snapshot.bin),
 * stored as the authenticated envelope it arrived in so that it is verified
 * again, with the cluster secret, when a node starts from it. */
#ifndef PORTICO_STATEFILE_H
#define PORTICO_STATEFILE_H

#include <stddef.h>
#include <stdint.h>

/* Atomically replaces the state file with the sealed envelope bytes. */
int statefile_write(const char *state_dir, const uint8_t *envelope, size_t len);

/* Reads it back (malloc'd); -ENOENT when there is none. */
int statefile_read(const char *state_dir, uint8_t **envelope, size_t *len);

#endif
