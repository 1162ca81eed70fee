/* store_schema: the ordered list of schema migrations. */
#ifndef PORTICO_STORE_SCHEMA_H
#define PORTICO_STORE_SCHEMA_H

#include <stddef.h>

size_t store_schema_count(void);
const char *store_schema_migration(size_t i);

#endif
