/* testdb: see testdb.h. */
#include "testdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void testdb_remove(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        char file[300];
        snprintf(file, sizeof(file), "%s%s", path, suffixes[i]);
        unlink(file);
    }
}

int testdb_setup(void **state)
{
    testdb_t *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof(f->dir), "%s/portico-test-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(f->dir) == NULL)
        goto out_free;
    snprintf(f->path, sizeof(f->path), "%s/portico.db", f->dir);
    if (store_open(f->path, &f->s) != STORE_OK)
        goto out_rmdir;
    *state = f;
    return 0;
out_rmdir:
    testdb_remove(f->path);
    rmdir(f->dir);
out_free:
    free(f);
    return -1;
}

int testdb_teardown(void **state)
{
    testdb_t *f = *state;
    store_close(f->s);
    testdb_remove(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}
