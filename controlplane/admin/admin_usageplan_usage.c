/* admin_usageplan_usage: GET /usageplans/{id}/usage — per key and day, the
 * requests counted against the plan's quota, with what remained of the
 * quota each day, read from the usage rows the data planes' reports fill. */
#include "admin_usageplan_usage.h"

#include <stdlib.h>
#include <string.h>

#include "admin_usageplan.h"
#include "period.h"
#include "store_keys.h"
#include "store_usage.h"

#define USAGE_MAX_DAYS 366

typedef struct {
    enum period_kind period;
    uint64_t limit, offset;
    uint32_t initial_day;
    uint32_t from, start, end; /* rows from `from` (period start), shown start..end */
    int max_keys, nkeys, more;
    json_t *values;
    char key[64], last[64];
    uint64_t *days; /* used per day from..end for the current key */
} usage_ctx_t;

/* Writes the current key's [[used, remaining], ...] for start..end. */
static void usage_flush_key(usage_ctx_t *u)
{
    if (u->key[0] == '\0')
        return;
    json_t *list = json_array();
    uint64_t in_period = 0;
    for (uint32_t d = u->from; d <= u->end; d++) {
        if (u->period != PERIOD_NONE && period_start(u->period, d) == d)
            in_period = 0;
        in_period += u->days[d - u->from];
        if (d < u->start)
            continue;
        uint64_t limit = u->period == PERIOD_NONE
                             ? 0
                             : period_limit(u->period, u->limit, u->offset, u->initial_day, d);
        json_array_append_new(list,
                              json_pack("[I,I]", (json_int_t)u->days[d - u->from],
                                        (json_int_t)(limit > in_period ? limit - in_period : 0)));
    }
    json_object_set_new(u->values, u->key, list);
    memcpy(u->last, u->key, sizeof(u->last));
    memset(u->days, 0, (u->end - u->from + 1) * sizeof(*u->days));
    u->key[0] = '\0';
}

static int usage_visit(void *ctx, const char *key_id, uint32_t day, uint64_t used)
{
    usage_ctx_t *u = ctx;
    if (strcmp(key_id, u->key) != 0) {
        usage_flush_key(u);
        if (u->nkeys++ == u->max_keys) {
            u->more = 1;
            return 1;
        }
        snprintf(u->key, sizeof(u->key), "%s", key_id);
    }
    u->days[day - u->from] += used;
    return 0;
}

static int usage_dates(admin_call_t *c, usage_ctx_t *u)
{
    const char *s = admin_query(c, "startDate"), *e = admin_query(c, "endDate");
    if (s == NULL || e == NULL) {
        admin_bad_request(c, "startDate and endDate are required (YYYY-MM-DD)");
        return -1;
    }
    if (period_parse_date(s, &u->start) != 0 || period_parse_date(e, &u->end) != 0) {
        admin_bad_request(c, "Invalid date: startDate and endDate must be YYYY-MM-DD");
        return -1;
    }
    if (u->end < u->start || u->end - u->start >= USAGE_MAX_DAYS) {
        admin_bad_request(c, "endDate must be on or after startDate, at most %d days later",
                          USAGE_MAX_DAYS - 1);
        return -1;
    }
    return 0;
}

static void usage_plan_quota(usage_ctx_t *u, json_t *doc, int64_t created_at)
{
    json_t *quota = json_object_get(doc, "quota");
    u->period = period_parse(json_string_value(json_object_get(quota, "period")));
    u->limit = (uint64_t)json_integer_value(json_object_get(quota, "limit"));
    u->offset = (uint64_t)json_integer_value(json_object_get(quota, "offset"));
    u->initial_day = period_day_of_ms((uint64_t)created_at * 1000);
}

/* Rows start at the first day of the period that holds startDate, so that
 * "remaining" counts what was used earlier in that period. */
static void usage_plan_quota_range(usage_ctx_t *u)
{
    u->from = u->period != PERIOD_NONE ? period_start(u->period, u->start) : u->start;
}

void admin_usageplan_usage(admin_call_t *c)
{
    usage_ctx_t u = {0};
    const char *plan_id = admin_arg(c, "usageplan_id"), *position;
    char start[11], end[11];
    json_t *doc;
    int64_t created_at;
    if (admin_usageplan_require(c, &doc) != 0)
        return;
    int rc = store_plan_created_at(c->store, plan_id, &created_at);
    if (rc == STORE_OK)
        usage_plan_quota(&u, doc, created_at);
    json_decref(doc);
    if (rc != STORE_OK) {
        admin_store_fail(c, rc, ADMIN_PLAN_NOT_FOUND);
        return;
    }
    if (usage_dates(c, &u) != 0 || admin_page(c, &u.max_keys, &position) != 0)
        return;
    usage_plan_quota_range(&u);
    u.values = json_object();
    u.days = calloc(u.end - u.from + 1, sizeof(*u.days));
    if (rc == STORE_OK && u.days == NULL)
        rc = STORE_EIO;
    if (rc == STORE_OK)
        rc = store_usage_visit(c->store, plan_id, admin_query(c, "keyId"), position, u.from, u.end,
                               usage_visit, &u);
    if (rc != STORE_OK) {
        free(u.days);
        json_decref(u.values);
        admin_store_fail(c, rc, "");
        return;
    }
    if (!u.more)
        usage_flush_key(&u);
    period_format_date(u.start, start);
    period_format_date(u.end, end);
    json_t *body = json_pack("{s:s,s:s,s:s,s:o}", "usagePlanId", plan_id, "startDate", start,
                             "endDate", end, "values", u.values);
    if (u.more)
        json_object_set_new(body, "position", json_string(u.last));
    free(u.days);
    admin_reply(c, 200, body);
}
