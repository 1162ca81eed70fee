/* pattern: whole-subject matching is PCRE2_ANCHORED | PCRE2_ENDANCHORED. */
#include "pattern.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>

struct pattern {
    pcre2_code *code;
};

pattern_t *pattern_compile(const char *re, char *err, size_t err_len)
{
    int code;
    PCRE2_SIZE offset;
    pcre2_code *c =
        pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &code, &offset, NULL);
    if (c == NULL) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof(msg));
        snprintf(err, err_len, "%s at offset %zu", (const char *)msg, (size_t)offset);
        return NULL;
    }
    pattern_t *p = malloc(sizeof(*p));
    if (p == NULL) {
        pcre2_code_free(c);
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    p->code = c;
    return p;
}

void pattern_free(pattern_t *p)
{
    if (p != NULL) {
        pcre2_code_free(p->code);
        free(p);
    }
}

int pattern_matches(const pattern_t *p, const char *subject, size_t len)
{
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(p->code, NULL);
    if (md == NULL)
        return 0;
    int rc = pcre2_match(p->code, (PCRE2_SPTR)subject, len, 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED,
                         md, NULL);
    pcre2_match_data_free(md);
    return rc >= 0;
}
