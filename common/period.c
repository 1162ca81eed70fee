/* period: civil-calendar conversions use Howard Hinnant's days_from_civil /
 * civil_from_days algorithms (proleptic Gregorian, exact for any day here). */
#include "period.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    enum period_kind kind;
} period_names[] = {{"DAY", PERIOD_DAY}, {"WEEK", PERIOD_WEEK}, {"MONTH", PERIOD_MONTH}};

enum period_kind period_parse(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof(period_names) / sizeof(period_names[0]); i++)
        if (strcmp(name, period_names[i].name) == 0)
            return period_names[i].kind;
    return PERIOD_NONE;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

uint32_t period_start(enum period_kind kind, uint32_t day)
{
    if (kind == PERIOD_WEEK) {
        uint32_t since_monday = (day + 3) % 7; /* 1970-01-01 was a Thursday */
        return day >= since_monday ? day - since_monday : 0;
    }
    if (kind == PERIOD_MONTH) {
        int64_t y;
        unsigned m, d;
        civil_from_days(day, &y, &m, &d);
        return (uint32_t)days_from_civil(y, m, 1);
    }
    return day;
}

uint64_t period_limit(enum period_kind kind, uint64_t limit, uint64_t offset, uint32_t initial_day,
                      uint32_t day)
{
    if (period_start(kind, day) != period_start(kind, initial_day))
        return limit;
    return offset < limit ? limit - offset : 0;
}

int period_parse_date(const char *s, uint32_t *day)
{
    unsigned y, m, d;
    int n = 0;
    if (s == NULL || strlen(s) != 10 || sscanf(s, "%4u-%2u-%2u%n", &y, &m, &d, &n) != 3 ||
        n != 10 || y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    int64_t days = days_from_civil(y, m, d);
    int64_t yy;
    unsigned mm, dd;
    civil_from_days(days, &yy, &mm, &dd);
    if (mm != m || dd != d) /* 2023-02-30 and the like */
        return -1;
    *day = (uint32_t)days;
    return 0;
}

void period_format_date(uint32_t day, char *out)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(day, &y, &m, &d);
    snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000, m % 100, d % 100);
}
