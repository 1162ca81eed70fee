/* testdb: the unit tests' fixture of a fresh control-plane database in a
 * directory of its own (under $TMPDIR or /tmp), removed with its WAL files. */
#ifndef PORTICO_TESTDB_H
#define PORTICO_TESTDB_H

#include "store.h"

typedef struct {
    char dir[256];
    char path[288];
    store_t *s;
} testdb_t;

/* cmocka setup/teardown: *state becomes a testdb_t with an open store. */
int testdb_setup(void **state);
int testdb_teardown(void **state);

/* Removes a database file and the files SQLite keeps beside it. */
void testdb_remove(const char *path);

#endif
