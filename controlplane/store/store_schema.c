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
    /* 3: authorizers, gateway responses, JWKS sources */
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
    "  PRIMARY KEY (issuer, jwks_uri));"
    "CREATE TABLE domain_tls ("
    "  name TEXT PRIMARY KEY REFERENCES domain_names(name) ON DELETE CASCADE,"
    "  certificate TEXT NOT NULL,"
    "  private_key TEXT NOT NULL,"
    "  truststore TEXT NOT NULL DEFAULT '');",

    /* 4: metrics — per-minute rows, running totals for the
     * Prometheus counters, and what each node incarnation reported last
     * (values are metricvec blobs, common/metricvec.h) */
    "CREATE TABLE metrics_minutes ("
    "  api_id TEXT NOT NULL,"
    "  stage TEXT NOT NULL,"
    "  resource TEXT NOT NULL,"
    "  method TEXT NOT NULL,"
    "  canary INTEGER NOT NULL,"
    "  minute INTEGER NOT NULL,"
    "  vals BLOB NOT NULL,"
    "  PRIMARY KEY (api_id, stage, resource, method, canary, minute)) WITHOUT ROWID;"
    "CREATE INDEX metrics_minutes_by_minute ON metrics_minutes(minute);"
    "CREATE TABLE metrics_totals ("
    "  api_id TEXT NOT NULL,"
    "  stage TEXT NOT NULL,"
    "  resource TEXT NOT NULL,"
    "  method TEXT NOT NULL,"
    "  canary INTEGER NOT NULL,"
    "  updated_minute INTEGER NOT NULL,"
    "  vals BLOB NOT NULL,"
    "  PRIMARY KEY (api_id, stage, resource, method, canary)) WITHOUT ROWID;"
    "CREATE TABLE metrics_node_incarnations ("
    "  node_id TEXT NOT NULL,"
    "  started_at INTEGER NOT NULL,"
    "  last_minute INTEGER NOT NULL,"
    "  PRIMARY KEY (node_id, started_at));"
    "CREATE TABLE metrics_node_seen ("
    "  node_id TEXT NOT NULL,"
    "  started_at INTEGER NOT NULL,"
    "  api_id TEXT NOT NULL,"
    "  stage TEXT NOT NULL,"
    "  resource TEXT NOT NULL,"
    "  method TEXT NOT NULL,"
    "  canary INTEGER NOT NULL,"
    "  vals BLOB NOT NULL,"
    "  PRIMARY KEY (node_id, started_at, api_id, stage, resource, method, canary),"
    "  FOREIGN KEY (node_id, started_at)"
    "    REFERENCES metrics_node_incarnations(node_id, started_at) ON DELETE CASCADE)"
    "  WITHOUT ROWID;",

    /* 5: API keys, usage plans and usage counts. Key values are
     * never stored: sha256 identifies a key, prefix is for display. */
    "CREATE TABLE api_keys ("
    "  id TEXT PRIMARY KEY,"
    "  name TEXT NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  customer_id TEXT NOT NULL DEFAULT '',"
    "  enabled INTEGER NOT NULL,"
    "  sha256 BLOB NOT NULL UNIQUE,"
    "  prefix TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL);"
    "CREATE INDEX api_keys_by_name ON api_keys(name, id);"
    "CREATE TABLE usage_plans ("
    "  id TEXT PRIMARY KEY,"
    "  created_at INTEGER NOT NULL,"
    "  doc TEXT NOT NULL);"
    "CREATE TABLE usage_plan_stages ("
    "  plan_id TEXT NOT NULL REFERENCES usage_plans(id) ON DELETE CASCADE,"
    "  api_id TEXT NOT NULL,"
    "  stage TEXT NOT NULL,"
    "  PRIMARY KEY (plan_id, api_id, stage));"
    "CREATE INDEX usage_plan_stages_by_stage ON usage_plan_stages(api_id, stage);"
    "CREATE TABLE usage_plan_keys ("
    "  plan_id TEXT NOT NULL REFERENCES usage_plans(id) ON DELETE CASCADE,"
    "  key_id TEXT NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (plan_id, key_id));"
    "CREATE INDEX usage_plan_keys_by_key ON usage_plan_keys(key_id);"
    "CREATE TABLE usage_counts ("
    "  plan_id TEXT NOT NULL,"
    "  key_id TEXT NOT NULL,"
    "  day INTEGER NOT NULL," /* days since 1970-01-01, UTC */
    "  used INTEGER NOT NULL,"
    "  PRIMARY KEY (plan_id, key_id, day));"
    "INSERT OR IGNORE INTO meta(key, value) VALUES ('config_epoch',"
    "  COALESCE((SELECT value FROM meta WHERE key = 'config_version'), '0'));",

    /* 6: models (JSON Schema draft 4, keyed by name) and request validators */
    "CREATE TABLE models ("
    "  api_id TEXT NOT NULL REFERENCES restapis(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  doc TEXT NOT NULL,"
    "  PRIMARY KEY (api_id, name));"
    "CREATE TABLE request_validators ("
    "  api_id TEXT NOT NULL REFERENCES restapis(id) ON DELETE CASCADE,"
    "  id TEXT NOT NULL,"
    "  doc TEXT NOT NULL,"
    "  PRIMARY KEY (api_id, id));",

    /* 7: SigV4 access keys (the management API; with a policy, AWS_IAM
     * methods too), and API key values kept
     * sealed (store_sealed.h) so that includeValue can answer them; NULL when
     * the value was not kept (--api-key-values hashed, or older keys). */
    "CREATE TABLE access_keys ("
    "  id TEXT PRIMARY KEY,"
    "  sealed_secret BLOB NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  policy TEXT NOT NULL DEFAULT ''," /* identity policy for AWS_IAM methods */
    "  created_at INTEGER NOT NULL);"
    "ALTER TABLE api_keys ADD COLUMN sealed_value BLOB;",

    /* 8: access log destinations are file names in each node's --access-log-dir
     * now: an absolute path keeps its last segment when that is a valid name,
     * else the stage's access log settings go */
    "UPDATE stages SET doc = CASE"
    "  WHEN b <> '' AND length(b) <= 255 AND b NOT GLOB '*[^A-Za-z0-9._-]*'"
    "   AND substr(b, 1, 1) NOT IN ('.', '-')"
    "  THEN json_set(doc, '$.accessLogSettings.destinationArn', b)"
    "  ELSE json_remove(doc, '$.accessLogSettings') END"
    " FROM (SELECT api_id AS a, name AS n, replace(d, rtrim(d, replace(d, '/', '')), '') AS b"
    "       FROM (SELECT api_id, name,"
    "             json_extract(doc, '$.accessLogSettings.destinationArn') AS d FROM stages))"
    " WHERE stages.api_id = a AND stages.name = n"
    "  AND json_extract(doc, '$.accessLogSettings.destinationArn') LIKE '/%';",

    /* 9: exact quotas (may run twice, like 8): the budget leased to each node per (plan, key,
     * period); granted is written before a grant is sent, so a restarted control plane never hands
     * out more than the quota */
    "CREATE TABLE IF NOT EXISTS quota_leases ("
    "  plan_id TEXT NOT NULL,"
    "  key_id TEXT NOT NULL,"
    "  period_start INTEGER NOT NULL,"
    "  node_id TEXT NOT NULL,"
    "  incarnation INTEGER NOT NULL,"
    "  granted INTEGER NOT NULL DEFAULT 0,"       /* cumulative, this period */
    "  returned INTEGER NOT NULL DEFAULT 0,"      /* given back or counted back */
    "  held INTEGER NOT NULL DEFAULT 0,"          /* unspent, as the node last said */
    "  granted_base INTEGER NOT NULL DEFAULT 0,"  /* granted, returned when this */
    "  returned_base INTEGER NOT NULL DEFAULT 0," /* incarnation began */
    "  last_grant INTEGER NOT NULL DEFAULT 0,"
    "  last_grant_ms INTEGER NOT NULL DEFAULT 0,"
    "  seen_ms INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (plan_id, key_id, period_start, node_id));",

    /* 10: apigatewayv2 (HTTP and WebSocket APIs; may run twice, like 8). v2_items holds the
     * documents under an API: routes, integrations, authorizers, models and (parent_id = their
     * route or integration) route and integration responses; `name` is what must be unique among
     * siblings (route key, authorizer or model name, response key). API mappings sit beside the
     * REST base path mappings of the same domain names. */
    "CREATE TABLE IF NOT EXISTS v2_apis ("
    "  id TEXT PRIMARY KEY,"
    "  created_at INTEGER NOT NULL,"
    "  doc TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS v2_items ("
    "  api_id TEXT NOT NULL REFERENCES v2_apis(id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL,"
    "  id TEXT NOT NULL,"
    "  parent_id TEXT NOT NULL DEFAULT '',"
    "  name TEXT NOT NULL,"
    "  doc TEXT NOT NULL,"
    "  PRIMARY KEY (api_id, kind, id),"
    "  UNIQUE (api_id, kind, parent_id, name));"
    "CREATE TABLE IF NOT EXISTS v2_deployments ("
    "  api_id TEXT NOT NULL REFERENCES v2_apis(id) ON DELETE CASCADE,"
    "  id TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  description TEXT NOT NULL DEFAULT '',"
    "  auto_deployed INTEGER NOT NULL DEFAULT 0,"
    "  definition BLOB NOT NULL,"
    "  PRIMARY KEY (api_id, id));"
    "CREATE TABLE IF NOT EXISTS v2_stages ("
    "  api_id TEXT NOT NULL REFERENCES v2_apis(id) ON DELETE CASCADE,"
    "  name TEXT NOT NULL,"
    "  deployment_id TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  doc TEXT NOT NULL,"
    "  PRIMARY KEY (api_id, name),"
    "  FOREIGN KEY (api_id, deployment_id) REFERENCES v2_deployments(api_id, id));"
    "CREATE TABLE IF NOT EXISTS v2_api_mappings ("
    "  domain_name TEXT NOT NULL REFERENCES domain_names(name) ON DELETE CASCADE,"
    "  id TEXT NOT NULL,"
    "  api_mapping_key TEXT NOT NULL,"
    "  api_id TEXT NOT NULL REFERENCES v2_apis(id) ON DELETE CASCADE,"
    "  stage TEXT NOT NULL,"
    "  PRIMARY KEY (domain_name, id),"
    "  FOREIGN KEY (api_id, stage) REFERENCES v2_stages(api_id, name) ON DELETE CASCADE,"
    "  UNIQUE (domain_name, api_mapping_key));"
    /* one base path per domain across REST base path mappings and API mappings */
    "CREATE TRIGGER IF NOT EXISTS v2_api_mappings_free_key BEFORE INSERT ON v2_api_mappings"
    "  WHEN EXISTS (SELECT 1 FROM base_path_mappings WHERE domain_name = NEW.domain_name"
    "               AND base_path = NEW.api_mapping_key)"
    "  BEGIN SELECT RAISE(ABORT, 'base path in use'); END;"
    "CREATE TRIGGER IF NOT EXISTS v2_api_mappings_free_key_update"
    "  BEFORE UPDATE OF api_mapping_key ON v2_api_mappings"
    "  WHEN EXISTS (SELECT 1 FROM base_path_mappings WHERE domain_name = NEW.domain_name"
    "               AND base_path = NEW.api_mapping_key)"
    "  BEGIN SELECT RAISE(ABORT, 'base path in use'); END;"
    "CREATE TRIGGER IF NOT EXISTS base_path_mappings_free_key BEFORE INSERT ON base_path_mappings"
    "  WHEN EXISTS (SELECT 1 FROM v2_api_mappings WHERE domain_name = NEW.domain_name"
    "               AND api_mapping_key = NEW.base_path)"
    "  BEGIN SELECT RAISE(ABORT, 'base path in use'); END;"
    "CREATE TRIGGER IF NOT EXISTS base_path_mappings_free_key_update"
    "  BEFORE UPDATE OF base_path ON base_path_mappings"
    "  WHEN EXISTS (SELECT 1 FROM v2_api_mappings WHERE domain_name = NEW.domain_name"
    "               AND api_mapping_key = NEW.base_path)"
    "  BEGIN SELECT RAISE(ABORT, 'base path in use'); END;",
};

size_t store_schema_count(void)
{
    return sizeof(store_migrations) / sizeof(store_migrations[0]);
}

const char *store_schema_migration(size_t i)
{
    return i < store_schema_count() ? store_migrations[i] : NULL;
}
