/* store_schema: the schema, one migration per entry; entry i moves a database
 * from user_version i to i + 1. Append only: never edit a released entry. */
#include "store_schema.h"

#include <stddef.h>

static const char *const store_migrations[] = {
    /* 1: the foundation */
    "CREATE TABLE meta ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL);"
    "CREATE TABLE restapis ("
    "  id TEXT PRIMARY KEY,"
    "  created_at INTEGER NOT NULL,"
    "  doc TEXT NOT NULL);"
    "CREATE TABLE resources ("
    "  api_id TEXT NOT NULL REFERENCES restapis(id) ON DELETE CASCADE,"
    "  id TEXT NOT NULL,"
    "  parent_id TEXT,"
    "  path_part TEXT NOT NULL,"
    "  path TEXT NOT NULL,"
    "  PRIMARY KEY (api_id, id),"
    "  UNIQUE (api_id, parent_id, path_part),"
    "  FOREIGN KEY (api_id, parent_id) REFERENCES resources(api_id, id) ON DELETE CASCADE);"
    "CREATE TABLE methods ("
    "  api_id TEXT NOT NULL,"
    "  resource_id TEXT NOT NULL,"
    "  http_method TEXT NOT NULL,"
    "  doc TEXT NOT NULL,"
    "  PRIMARY KEY (api_id, resource_id, http_method),"
    "  FOREIGN KEY (api_id, resource_id) REFERENCES resources(api_id, id) ON DELETE CASCADE);"
    "CREATE TABLE method_responses ("
    "  api_id TEXT NOT NULL,"
    "  resource_id TEXT NOT NULL,"
    "  http_method TEXT NOT NULL,"
    "  status_code TEXT NOT NULL,"
    "  doc TEXT NOT NULL,"
    "  PRIMARY KEY (api_id, resource_id, http_method, status_code),"
    "  FOREIGN KEY (api_id, resource_id, http_method)"
    "    REFERENCES methods(api_id, resource_id, http_method) ON DELETE CASCADE);"
    "CREATE TABLE integrations ("
    "  api_id TEXT NOT NULL,"
    "  resource_id TEXT NOT NULL,"
    "  http_method TEXT NOT NULL,"
    "  doc TEXT NOT NULL,"
    "  PRIMARY KEY (api_id, resource_id, http_method),"
    "  FOREIGN KEY (api_id, resource_id, http_method)"
    "    REFERENCES methods(api_id, resource_id, http_method) ON DELETE CASCADE);"
    "CREATE TABLE integration_responses ("
    "  api_id TEXT NOT NULL,"
    "  resource_id TEXT NOT NULL,"
    "  http_method TEXT NOT NULL,"
    "  status_code TEXT NOT NULL,"
    "  doc TEXT NOT NULL,"
    "  PRIMARY KEY (api_id, resource_id, http_method, status_code),"
    "  FOREIGN KEY (api_id, resource_id, http_method)"
    "    REFERENCES integrations(api_id, resource_id, http_method) ON DELETE CASCADE);"
    "CREATE TABLE deployments ("
    "  api_id TEXT NOT NULL REFERENCES restapis(id) ON DELETE CASCADE,"
    "  id TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  definition BLOB NOT NULL,"
    "  sha256 BLOB NOT NULL,"
    "  summary TEXT NOT NULL,"
    "  PRIMARY KEY (api_id, id));"
    "CREATE TABLE stages ("
    "  api_id TEXT NOT NULL REFERENCES restapis(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  deployment_id TEXT NOT NULL,"
    "  canary_deployment_id TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  doc TEXT NOT NULL,"
    "  PRIMARY KEY (api_id, name),"
    "  FOREIGN KEY (api_id, deployment_id) REFERENCES deployments(api_id, id),"
    "  FOREIGN KEY (api_id, canary_deployment_id) REFERENCES deployments(api_id, id));"
    "CREATE INDEX stages_by_deployment ON stages(api_id, deployment_id);",

    /* 2: custom domain names and their base path mappings */
    "CREATE TABLE domain_names ("
    "  name TEXT PRIMARY KEY,"
    "  created_at INTEGER NOT NULL,"
    "  doc TEXT NOT NULL);"
    "CREATE TABLE base_path_mappings ("
    "  domain_name TEXT NOT NULL REFERENCES domain_names(name) ON DELETE CASCADE,"
    "  base_path TEXT NOT NULL,"
    "  api_id TEXT NOT NULL REFERENCES restapis(id) ON DELETE CASCADE,"
    "  stage TEXT NOT NULL,"
    "  PRIMARY KEY (domain_name, base_path));",
    /* 3: authorizers, gateway responses, JWKS sources (issue 5) */
    "CREATE TABLE authorizers ("
    "  api_id TEXT NOT NULL REFERENCES restapis(id) ON DELETE CASCADE,"
    "  id TEXT NOT NULL,"
    "  doc TEXT NOT NULL,"
    "  PRIMARY KEY (api_id, id));"
    "CREATE TABLE gateway_responses ("
    "  api_id TEXT NOT NULL REFERENCES restapis(id) ON DELETE CASCADE,"
    "  response_type TEXT NOT NULL,"
    "  doc TEXT NOT NULL,"
    "  PRIMARY KEY (api_id, response_type));"
    "CREATE TABLE jwks_sources ("
    "  issuer TEXT NOT NULL,"
    "  jwks_uri TEXT NOT NULL,"
    "  keys TEXT NOT NULL DEFAULT '[]',"
    "  fetched_at INTEGER NOT NULL DEFAULT 0,"
    "  checked_at INTEGER NOT NULL DEFAULT 0,"
    "  error TEXT NOT NULL DEFAULT '',"
    "  PRIMARY KEY (issuer, jwks_uri));",
};

size_t store_schema_count(void)
{
    return sizeof(store_migrations) / sizeof(store_migrations[0]);
}

const char *store_schema_migration(size_t i)
{
    return i < store_schema_count() ? store_migrations[i] : NULL;
}
