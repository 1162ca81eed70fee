/* store_domain: domain_names and base_path_mappings tables. */
#include "store_domain.h"

#include <stdlib.h>
#include <string.h>

int store_domain_insert(store_t *s, const char *name, int64_t created, json_t *doc)
{
    sqlite3_stmt *st =
        store_stmt(s, "INSERT INTO domain_names(name, created_at, doc) VALUES (?1, ?2, ?3)");
    char *text = json_dumps(doc, JSON_COMPACT);
    if (st == NULL || text == NULL) {
        free(text);
        return STORE_EIO;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, created);
    sqlite3_bind_text(st, 3, text, -1, free);
    return store_finish(s, st, sqlite3_step(st));
}

int store_domain_get(store_t *s, const char *name, json_t **doc)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc FROM domain_names WHERE name = ?1");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *doc = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return STORE_ENOTFOUND;
    if (rc != SQLITE_ROW)
        return store_rc(s, rc);
    return *doc != NULL ? STORE_OK : STORE_EIO;
}

int store_domain_list(store_t *s, const char *after, int limit, json_t **items, int *more)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT doc FROM domain_names WHERE name > ?1 ORDER BY name");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, after != NULL ? after : "", -1, SQLITE_STATIC);
    return store_collect(s, st, store_row_doc, limit, items, more);
}

int store_domain_delete(store_t *s, const char *name)
{
    sqlite3_stmt *st = store_stmt(s, "DELETE FROM domain_names WHERE name = ?1");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    return store_step_write(s, st);
}

/* ---- base path mappings ------------------------------------------------- */

static void bind_mapping(sqlite3_stmt *st, const char *domain, const store_mapping_t *m)
{
    sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, m->base_path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, m->api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, m->stage, -1, SQLITE_STATIC);
}

int store_mapping_insert(store_t *s, const char *domain, const store_mapping_t *m)
{
    sqlite3_stmt *st = store_stmt(s, "INSERT INTO base_path_mappings(domain_name, base_path, "
                                     "api_id, stage) VALUES (?1, ?2, ?3, ?4)");
    if (st == NULL)
        return STORE_EIO;
    bind_mapping(st, domain, m);
    return store_finish(s, st, sqlite3_step(st));
}

int store_mapping_update(store_t *s, const char *domain, const char *old_base_path,
                         const store_mapping_t *m)
{
    sqlite3_stmt *st = store_stmt(s, "UPDATE base_path_mappings SET base_path = ?2, api_id = ?3, "
                                     "stage = ?4 WHERE domain_name = ?1 AND base_path = ?5");
    if (st == NULL)
        return STORE_EIO;
    bind_mapping(st, domain, m);
    sqlite3_bind_text(st, 5, old_base_path, -1, SQLITE_STATIC);
    return store_step_write(s, st);
}

static json_t *mapping_row(sqlite3_stmt *st)
{
    const char *base = (const char *)sqlite3_column_text(st, 0);
    const char *stage = (const char *)sqlite3_column_text(st, 2);
    json_t *m = json_pack("{s:s,s:s}", "basePath", base[0] != '\0' ? base : "(none)", "restApiId",
                          (const char *)sqlite3_column_text(st, 1));
    if (stage[0] != '\0')
        json_object_set_new(m, "stage", json_string(stage));
    return m;
}

int store_mapping_get(store_t *s, const char *domain, const char *base_path, json_t **out)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT base_path, api_id, stage FROM base_path_mappings "
                                     "WHERE domain_name = ?1 AND base_path = ?2");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, base_path, -1, SQLITE_STATIC);
    return store_step_row(s, st, mapping_row, out);
}

int store_mapping_list(store_t *s, const char *domain, json_t **items)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT base_path, api_id, stage FROM base_path_mappings "
                                     "WHERE domain_name = ?1 ORDER BY base_path");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
    return store_collect(s, st, mapping_row, -1, items, NULL);
}

int store_mapping_delete(store_t *s, const char *domain, const char *base_path)
{
    sqlite3_stmt *st =
        store_stmt(s, "DELETE FROM base_path_mappings WHERE domain_name = ?1 AND base_path = ?2");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, base_path, -1, SQLITE_STATIC);
    return store_step_write(s, st);
}

int store_mapping_visit_all(store_t *s, store_mapping_visit_fn fn, void *ctx)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT domain_name, base_path, api_id, stage "
                                     "FROM base_path_mappings UNION ALL "
                                     "SELECT domain_name, api_mapping_key, api_id, stage "
                                     "FROM v2_api_mappings ORDER BY 1, 2");
    if (st == NULL)
        return STORE_EIO;
    int rc, cb = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_mapping_t m = {(const char *)sqlite3_column_text(st, 1),
                             (const char *)sqlite3_column_text(st, 2),
                             (const char *)sqlite3_column_text(st, 3)};
        if ((cb = fn(ctx, (const char *)sqlite3_column_text(st, 0), &m)) != 0)
            break;
    }
    sqlite3_reset(st);
    if (cb != 0)
        return cb;
    return rc == SQLITE_DONE ? STORE_OK : store_rc(s, rc);
}

/* ---- apigatewayv2 API mappings ------------------------------------------- */

static int v2_mapping_write(store_t *s, const char *sql, const char *domain, const char *id,
                            const store_mapping_t *m)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, m->base_path, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, m->api_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, m->stage, -1, SQLITE_STATIC);
    int rc = store_finish(s, st, sqlite3_step(st));
    if (rc == STORE_OK && sqlite3_changes(store_db(s)) == 0)
        return STORE_ENOTFOUND;
    return rc;
}

int store_v2_mapping_insert(store_t *s, const char *domain, const char *id,
                            const store_mapping_t *m)
{
    return v2_mapping_write(s,
                            "INSERT INTO v2_api_mappings(domain_name, id, api_mapping_key, "
                            "api_id, stage) VALUES (?1, ?2, ?3, ?4, ?5)",
                            domain, id, m);
}

int store_v2_mapping_update(store_t *s, const char *domain, const char *id,
                            const store_mapping_t *m)
{
    return v2_mapping_write(s,
                            "UPDATE v2_api_mappings SET api_mapping_key = ?3, api_id = ?4, "
                            "stage = ?5 WHERE domain_name = ?1 AND id = ?2",
                            domain, id, m);
}

static json_t *v2_mapping_row(sqlite3_stmt *st)
{
    return json_pack("{s:s,s:s,s:s,s:s}", "apiMappingId", (const char *)sqlite3_column_text(st, 0),
                     "apiMappingKey", (const char *)sqlite3_column_text(st, 1), "apiId",
                     (const char *)sqlite3_column_text(st, 2), "stage",
                     (const char *)sqlite3_column_text(st, 3));
}

int store_v2_mapping_get(store_t *s, const char *domain, const char *id, json_t **out)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT id, api_mapping_key, api_id, stage "
                                     "FROM v2_api_mappings WHERE domain_name = ?1 AND id = ?2");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    return store_step_row(s, st, v2_mapping_row, out);
}

int store_v2_mapping_list(store_t *s, const char *domain, const char *after, int limit,
                          json_t **items, int *more)
{
    sqlite3_stmt *st = store_stmt(s, "SELECT id, api_mapping_key, api_id, stage "
                                     "FROM v2_api_mappings WHERE domain_name = ?1 AND id > ?2 "
                                     "ORDER BY id");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, after != NULL ? after : "", -1, SQLITE_STATIC);
    return store_collect(s, st, v2_mapping_row, limit, items, more);
}

int store_v2_mapping_delete(store_t *s, const char *domain, const char *id)
{
    sqlite3_stmt *st =
        store_stmt(s, "DELETE FROM v2_api_mappings WHERE domain_name = ?1 AND id = ?2");
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, domain, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    int rc = store_finish(s, st, sqlite3_step(st));
    if (rc == STORE_OK && sqlite3_changes(store_db(s)) == 0)
        return STORE_ENOTFOUND;
    return rc;
}
