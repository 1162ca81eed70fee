/* store_mark: the store's epoch and the high-water mark of its versions.
 * A restored backup keeps the database's store id but takes its version
 * back; data planes, which ignore versions at or below what they applied,
 * would then keep the newer configuration and be reported in sync. So each
 * incarnation of the store has a random epoch (meta 'store_epoch'), and a
 * small file beside the database (DB-mark) records the epoch and the highest
 * version ever handed out. At start, a database whose epoch differs from the
 * mark's, whose version is below the mark's, or that has no mark, gets a new
 * epoch. The id the store announces (store_id()) is "<id>.<epoch>": data
 * planes follow a different id whatever its version. */
#ifndef PORTICO_STORE_MARK_H
#define PORTICO_STORE_MARK_H

#include <stdint.h>

#include "store.h"

/* Checks the mark beside db_path, starts a new epoch when the database is not
 * the one last marked, and keeps the mark open: from then on every version
 * bump is recorded (fdatasync) before its transaction commits. Call once,
 * on the control plane's own store. STORE_OK or STORE_EIO. */
int store_mark_open(store_t *s, const char *db_path);

/* Starts a new epoch now (a node reported a version this store never
 * reached). Loop thread. STORE_OK or STORE_EIO. */
int store_mark_new_epoch(store_t *s);

#endif
