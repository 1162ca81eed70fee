/* Unit tests for controlplane/admin/admin_template.c: a template is refused
 * when stored with the line and column of its syntax error, over 300 KB,
 * or under a content type that cannot be a header value. One table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "admin_template.h"

typedef struct {
    const char *name;
    const char *content_type;
    const char *tmpl;
    const char *want; /* NULL: accepted; else a substring of the message */
} tmpl_case_t;

static const tmpl_case_t tmpl_cases[] = {
    {"plain JSON", "application/json", "{\"a\": 1}", NULL},
    {"directives", "application/json", "#set($x = 1)#foreach($i in [1..3])$i#end", NULL},
    {"unclosed directive", "application/json", "{\n  \"a\": #if($x\n}", "line 3, column"},
    {"missing #end", "text/plain", "#if(true)\nx", "Invalid mapping template for text/plain"},
    {"include refused", "application/json", "#include(\"x\")", "Invalid mapping template"},
    {"parse refused", "application/json", "#parse(\"x\")", "Invalid mapping template"},
    {"empty content type", "", "x", "Invalid content type"},
    {"CR in content type", "text/plain\r\nx: y", "x", "Invalid content type"},
};

static void tmpl_case(void **state)
{
    const tmpl_case_t *c = *state;
    char err[512] = "";
    int rc = admin_template_check(c->content_type, c->tmpl, strlen(c->tmpl), err, sizeof(err));
    if (c->want == NULL) {
        assert_int_equal(rc, 0);
        return;
    }
    assert_int_equal(rc, -1);
    if (strstr(err, c->want) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err, c->want);
}

static void size_limit(void **state)
{
    (void)state;
    char err[512];
    size_t n = ADMIN_TEMPLATE_MAX_BYTES;
    char *big = malloc(n + 1);
    memset(big, 'x', n + 1);
    assert_int_equal(admin_template_check("application/json", big, n, err, sizeof(err)), 0);
    assert_int_equal(admin_template_check("application/json", big, n + 1, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "limit"));
    free(big);
}

int main(void)
{
    enum { N = sizeof(tmpl_cases) / sizeof(tmpl_cases[0]) };
    struct CMUnitTest tests[N + 1];
    for (size_t i = 0; i < N; i++)
        tests[i] =
            (struct CMUnitTest){tmpl_cases[i].name, tmpl_case, NULL, NULL, (void *)&tmpl_cases[i]};
    tests[N] = (struct CMUnitTest){"size limit", size_limit, NULL, NULL, NULL};
    return _cmocka_run_group_tests("admin_template", tests, N + 1, NULL, NULL);
}
