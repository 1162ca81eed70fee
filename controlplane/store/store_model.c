/* store_model: one static statement per operation. */
#include "store_model.h"

#include <stdio.h>
#include <stdlib.h>

#include "crypto.h"

static void bind2(sqlite3_stmt *st, const char *a, const char *b)
{
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
}

static int put(store_t *s, const char *sql, const char *api_id, const char *key, json_t *doc)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    if (st == NULL)
        return STORE_EIO;
    bind2(st, api_id, key);
    store_bind_json(st, 3, doc);
    return store_step_write(s, st);
}

static int get(store_t *s, const char *sql, const char *api_id, const char *key, json_t **doc)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    if (st == NULL)
        return STORE_EIO;
    bind2(st, api_id, key);
    return store_step_doc(s, st, 0, doc);
}

static int del(store_t *s, const char *sql, const char *api_id, const char *key)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    if (st == NULL)
        return STORE_EIO;
    bind2(st, api_id, key);
    return store_step_write(s, st);
}

static int list(store_t *s, const char *sql, const char *api_id, json_t **items)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    if (st == NULL)
        return STORE_EIO;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    json_t *all = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *doc = store_column_json(st, 0);
        if (doc == NULL) {
            rc = SQLITE_ERROR;
            break;
        }
        json_array_append_new(all, doc);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(all);
        return store_rc(s, rc) == STORE_OK ? STORE_EIO : store_rc(s, rc);
    }
    *items = all;
    return STORE_OK;
}

/* Column 0 is the resource path, column 1 the verb: "/path/VERB". */
static int user(store_t *s, const char *sql, const char *api_id, const char *key, char **method)
{
    sqlite3_stmt *st = store_stmt(s, sql);
    if (st == NULL)
        return STORE_EIO;
    bind2(st, api_id, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *path = (const char *)sqlite3_column_text(st, 0);
        const char *verb = (const char *)sqlite3_column_text(st, 1);
        if (asprintf(method, "%s/%s", path, verb) < 0)
            rc = SQLITE_NOMEM;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return STORE_OK;
    return rc == SQLITE_DONE ? STORE_ENOTFOUND : STORE_EIO;
}

int store_model_put(store_t *s, const char *api_id, const char *name, json_t *doc)
{
    return put(s,
               "INSERT INTO models(api_id, name, doc) VALUES (?1, ?2, ?3) "
               "ON CONFLICT DO UPDATE SET doc = excluded.doc",
               api_id, name, doc);
}

int store_model_get(store_t *s, const char *api_id, const char *name, json_t **doc)
{
    return get(s, "SELECT doc FROM models WHERE api_id = ?1 AND name = ?2", api_id, name, doc);
}

int store_model_list(store_t *s, const char *api_id, json_t **items)
{
    return list(s, "SELECT doc FROM models WHERE api_id = ?1 ORDER BY name", api_id, items);
}

int store_model_delete(store_t *s, const char *api_id, const char *name)
{
    return del(s, "DELETE FROM models WHERE api_id = ?1 AND name = ?2", api_id, name);
}

int store_model_defaults(store_t *s, const char *api_id)
{
    static const char *const defaults[][3] = {
        {"Empty", "This is a default empty schema model",
         "{\n  \"$schema\": \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Empty "
         "Schema\",\n  \"type\" : \"object\"\n}"},
        {"Error", "This is a default error schema model",
         "{\n  \"$schema\" : \"http://json-schema.org/draft-04/schema#\",\n  \"title\" : \"Error "
         "Schema\",\n  \"type\" : \"object\",\n  \"properties\" : {\n    \"message\" : { "
         "\"type\" : \"string\" }\n  }\n}"},
    };
    int rc = STORE_OK;
    for (size_t i = 0; rc == STORE_OK && i < sizeof(defaults) / sizeof(defaults[0]); i++) {
        char id[7];
        crypto_random_id(id, 6);
        json_t *doc =
            json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", id, "name", defaults[i][0], "description",
                      defaults[i][1], "schema", defaults[i][2], "contentType", "application/json");
        rc = doc != NULL ? store_model_put(s, api_id, defaults[i][0], doc) : STORE_EIO;
        json_decref(doc);
    }
    return rc;
}

int store_model_user(store_t *s, const char *api_id, const char *name, char **method)
{
    return user(s,
                "SELECT r.path, m.http_method FROM methods m JOIN resources r "
                "ON r.api_id = m.api_id AND r.id = m.resource_id, "
                "json_each(m.doc, '$.requestModels') j "
                "WHERE m.api_id = ?1 AND j.value = ?2 ORDER BY r.path, m.http_method LIMIT 1",
                api_id, name, method);
}

int store_model_response_user(store_t *s, const char *api_id, const char *name, char **method)
{
    return user(s,
                "SELECT r.path, mr.http_method || '/' || mr.status_code FROM method_responses mr "
                "JOIN resources r ON r.api_id = mr.api_id AND r.id = mr.resource_id, "
                "json_each(mr.doc, '$.responseModels') j "
                "WHERE mr.api_id = ?1 AND j.value = ?2 "
                "ORDER BY r.path, mr.http_method, mr.status_code LIMIT 1",
                api_id, name, method);
}

int store_validator_put(store_t *s, const char *api_id, const char *id, json_t *doc)
{
    return put(s,
               "INSERT INTO request_validators(api_id, id, doc) VALUES (?1, ?2, ?3) "
               "ON CONFLICT DO UPDATE SET doc = excluded.doc",
               api_id, id, doc);
}

int store_validator_get(store_t *s, const char *api_id, const char *id, json_t **doc)
{
    return get(s, "SELECT doc FROM request_validators WHERE api_id = ?1 AND id = ?2", api_id, id,
               doc);
}

int store_validator_list(store_t *s, const char *api_id, json_t **items)
{
    return list(s, "SELECT doc FROM request_validators WHERE api_id = ?1 ORDER BY id", api_id,
                items);
}

int store_validator_delete(store_t *s, const char *api_id, const char *id)
{
    return del(s, "DELETE FROM request_validators WHERE api_id = ?1 AND id = ?2", api_id, id);
}

int store_validator_user(store_t *s, const char *api_id, const char *id, char **method)
{
    return user(s,
                "SELECT r.path, m.http_method FROM methods m JOIN resources r "
                "ON r.api_id = m.api_id AND r.id = m.resource_id "
                "WHERE m.api_id = ?1 AND json_extract(m.doc, '$.requestValidatorId') = ?2 "
                "ORDER BY r.path, m.http_method LIMIT 1",
                api_id, id, method);
}
