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

/* Key deltas applied since the state file's snapshot, in
 * STATE_DIR/keys.log as self-delimiting records (magic, length, checksum,
 * the sealed envelope), so a node restarted
 * from its state directory does not bring back a key a delta disabled.
 * append fsyncs before returning; clear runs after a new snapshot.bin. */
int statefile_append_delta(const char *state_dir, const uint8_t *envelope, size_t len);
int statefile_clear_deltas(const char *state_dir);
/* Calls fn for each intact record in order; the first that is not (torn by a
 * crash while appending) ends the log, which is truncated there so that later
 * appends are read again. 0, -ENOENT when there is no log, or -errno. */
typedef void (*statefile_delta_fn)(void *ctx, const uint8_t *envelope, size_t len);
int statefile_read_deltas(const char *state_dir, statefile_delta_fn fn, void *ctx);

#endif
