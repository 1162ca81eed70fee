/* Unit tests for dataplane/router.h: precedence, backtracking, captures, path validation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "router.h"

/* ---- helpers ------------------------------------------------------------ */

struct route {
    const char *verb;
    const char *path;
};

#define ROUTES(...) ((const struct route[]){__VA_ARGS__, {NULL, NULL}})
#define PARAMS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NO_PARAMS ((const char *const[]){NULL})

static int setup_arena(void **state)
{
    *state = arena_create(4096);
    return *state != NULL ? 0 : -1;
}

static int teardown_arena(void **state)
{
    arena_destroy(*state);
    return 0;
}

/* A sealed router whose values are the route rows themselves. */
static router_t *build(void **state, const struct route *routes)
{
    router_t *r = router_create(*state);
    assert_non_null(r);
    for (; routes->verb != NULL; routes++)
        if (router_add(r, routes->path, routes->verb, (void *)routes) != 0)
            fail_msg("router_add(%s %s) failed", routes->verb, routes->path);
    router_seal(r);
    return r;
}

static int match(const router_t *r, const char *verb, const char *path, router_match_t *m)
{
    return router_match(r, verb, strlen(verb), path, strlen(path), m);
}

/* Checks that verb path reaches the route labelled want ("VERB /path") with
 * exactly the params given as "name=value", in order. */
static void expect_match(const router_t *r, const char *verb, const char *path, const char *want,
                         const char *const *params)
{
    router_match_t m;
    if (match(r, verb, path, &m) != 0)
        fail_msg("%s %s: no route, want %s", verb, path, want);
    const struct route *got = m.value;
    char label[256];
    snprintf(label, sizeof(label), "%s %s", got->verb, got->path);
    if (strcmp(label, want) != 0)
        fail_msg("%s %s: matched %s, want %s", verb, path, label, want);
    int i = 0;
    for (; params[i] != NULL; i++) {
        const char *eq = strchr(params[i], '=');
        size_t name_len = (size_t)(eq - params[i]);
        const char *value = eq + 1;
        if (i >= m.nparams)
            fail_msg("%s %s: %d params, want more (%s)", verb, path, m.nparams, params[i]);
        const router_param_t *p = &m.params[i];
        if (p->name_len != name_len || memcmp(p->name, params[i], name_len) != 0 ||
            p->value_len != strlen(value) || memcmp(p->value, value, p->value_len) != 0)
            fail_msg("%s %s: param %d is %.*s=%.*s, want %s", verb, path, i, (int)p->name_len,
                     p->name, (int)p->value_len, p->value, params[i]);
    }
    if (i != m.nparams)
        fail_msg("%s %s: %d params, want %d", verb, path, m.nparams, i);
}

static void expect_no_match(const router_t *r, const char *verb, const char *path)
{
    router_match_t m;
    if (match(r, verb, path, &m) == 0) {
        const struct route *got = m.value;
        fail_msg("%s %s: matched %s %s, want no route", verb, path, got->verb, got->path);
    }
}

static void expect_add_refused(void **state, const char *verb, const char *path)
{
    router_t *r = router_create(*state);
    if (router_add(r, path, verb, r) != -1)
        fail_msg("router_add(%s \"%s\") accepted, want -1", verb, path);
}

/* ---- precedence --------------------------------------------------------- */

static void root_route(void **state)
{
    router_t *r = build(state, ROUTES({"GET", "/"}, {"GET", "/pets"}));
    expect_match(r, "GET", "/", "GET /", NO_PARAMS);
    expect_match(r, "GET", "", "GET /", NO_PARAMS);
    expect_match(r, "GET", "//", "GET /", NO_PARAMS);
    expect_match(r, "GET", "/pets", "GET /pets", NO_PARAMS);
    expect_no_match(r, "POST", "/");
}

static void literal_beats_param(void **state)
{
    /* in both insertion orders */
    router_t *r1 = build(state, ROUTES({"GET", "/pets/{id}"}, {"GET", "/pets/mine"}));
    router_t *r2 = build(state, ROUTES({"GET", "/pets/mine"}, {"GET", "/pets/{id}"}));
    expect_match(r1, "GET", "/pets/mine", "GET /pets/mine", NO_PARAMS);
    expect_match(r2, "GET", "/pets/mine", "GET /pets/mine", NO_PARAMS);
    expect_match(r1, "GET", "/pets/7", "GET /pets/{id}", PARAMS("id=7"));
    expect_match(r2, "GET", "/pets/7", "GET /pets/{id}", PARAMS("id=7"));
}

static void param_beats_greedy(void **state)
{
    router_t *r = build(state, ROUTES({"GET", "/pets/{proxy+}"}, {"GET", "/pets/{id}"}));
    expect_match(r, "GET", "/pets/7", "GET /pets/{id}", PARAMS("id=7"));
    expect_match(r, "GET", "/pets/7/toys", "GET /pets/{proxy+}", PARAMS("proxy=7/toys"));
}

static void literal_beats_greedy(void **state)
{
    router_t *r = build(state, ROUTES({"ANY", "/{proxy+}"}, {"GET", "/health"}));
    expect_match(r, "GET", "/health", "GET /health", NO_PARAMS);
    expect_match(r, "GET", "/healthz", "ANY /{proxy+}", PARAMS("proxy=healthz"));
    expect_match(r, "POST", "/health", "ANY /{proxy+}", PARAMS("proxy=health"));
}

static void verb_beats_any(void **state)
{
    /* in both insertion orders */
    router_t *r1 = build(state, ROUTES({"ANY", "/pets"}, {"GET", "/pets"}));
    router_t *r2 = build(state, ROUTES({"GET", "/pets"}, {"ANY", "/pets"}));
    expect_match(r1, "GET", "/pets", "GET /pets", NO_PARAMS);
    expect_match(r2, "GET", "/pets", "GET /pets", NO_PARAMS);
    expect_match(r1, "POST", "/pets", "ANY /pets", NO_PARAMS);
    expect_match(r2, "DELETE", "/pets", "ANY /pets", NO_PARAMS);
}

static void missing_verb_is_no_route(void **state)
{
    router_t *r = build(state, ROUTES({"GET", "/pets"}, {"POST", "/pets/{id}"}));
    expect_no_match(r, "POST", "/pets");
    expect_no_match(r, "GET", "/pets/1");
    expect_no_match(r, "GET", "/nothing");
    expect_no_match(r, "GET", "/pets/1/2");
}

/* ---- backtracking ------------------------------------------------------- */

static void backtrack_from_literal_to_param(void **state)
{
    router_t *r = build(state, ROUTES({"GET", "/pets/mine"}, {"POST", "/pets/{id}"}));
    expect_match(r, "POST", "/pets/mine", "POST /pets/{id}", PARAMS("id=mine"));
    expect_match(r, "GET", "/pets/mine", "GET /pets/mine", NO_PARAMS);
}

static void backtrack_from_deep_literal(void **state)
{
    router_t *r = build(state, ROUTES({"GET", "/a/b/c"}, {"POST", "/a/{x}/c"}));
    expect_match(r, "POST", "/a/b/c", "POST /a/{x}/c", PARAMS("x=b"));
    expect_match(r, "GET", "/a/b/c", "GET /a/b/c", NO_PARAMS);
}

static void backtrack_discards_abandoned_params(void **state)
{
    /* /a/b/w first descends a → {y}=b, finds no w there, and must forget y */
    router_t *r = build(state, ROUTES({"GET", "/a/{y}/z"}, {"GET", "/{x}/b/w"}));
    expect_match(r, "GET", "/a/b/w", "GET /{x}/b/w", PARAMS("x=a"));
    expect_match(r, "GET", "/a/b/z", "GET /a/{y}/z", PARAMS("y=b"));
}

static void backtrack_to_shallower_greedy(void **state)
{
    router_t *r = build(state, ROUTES({"GET", "/files/{id}/meta"}, {"GET", "/files/{proxy+}"},
                                      {"POST", "/{any+}"}));
    expect_match(r, "GET", "/files/1/meta", "GET /files/{id}/meta", PARAMS("id=1"));
    expect_match(r, "GET", "/files/1/data", "GET /files/{proxy+}", PARAMS("proxy=1/data"));
    expect_match(r, "POST", "/files/1/meta", "POST /{any+}", PARAMS("any=files/1/meta"));
}

/* ---- captures ----------------------------------------------------------- */

static void greedy_captures_raw_remainder(void **state)
{
    router_t *r = build(state, ROUTES({"GET", "/files/{proxy+}"}));
    expect_match(r, "GET", "/files/a", "GET /files/{proxy+}", PARAMS("proxy=a"));
    expect_match(r, "GET", "/files/a/b/c.txt", "GET /files/{proxy+}", PARAMS("proxy=a/b/c.txt"));
    expect_match(r, "GET", "/files/a%2Fb", "GET /files/{proxy+}", PARAMS("proxy=a%2Fb"));
    expect_match(r, "GET", "/files/a//b", "GET /files/{proxy+}", PARAMS("proxy=a//b"));
    expect_match(r, "GET", "/files/x/", "GET /files/{proxy+}", PARAMS("proxy=x/"));
    /* greedy needs at least one segment */
    expect_no_match(r, "GET", "/files");
    expect_no_match(r, "GET", "/files/");
}

static void greedy_at_root(void **state)
{
    router_t *r = build(state, ROUTES({"ANY", "/{proxy+}"}));
    expect_match(r, "GET", "/x", "ANY /{proxy+}", PARAMS("proxy=x"));
    expect_match(r, "PUT", "/x/y/z", "ANY /{proxy+}", PARAMS("proxy=x/y/z"));
    expect_no_match(r, "GET", "/");
}

static void params_captured_with_names(void **state)
{
    router_t *r = build(
        state, ROUTES({"GET", "/users/{uid}/posts/{pid}"}, {"GET", "/users/{uid}/files/{path+}"}));
    expect_match(r, "GET", "/users/u1/posts/p2", "GET /users/{uid}/posts/{pid}",
                 PARAMS("uid=u1", "pid=p2"));
    expect_match(r, "GET", "/users/u%20x/files/a/b", "GET /users/{uid}/files/{path+}",
                 PARAMS("uid=u%20x", "path=a/b"));
}

static void max_params_route_matches(void **state)
{
    char path[256] = "", want[256] = "";
    for (int i = 0; i < ROUTER_MAX_PARAMS; i++) {
        char seg[16];
        snprintf(seg, sizeof(seg), "/{p%d}", i);
        strcat(path, seg);
        snprintf(seg, sizeof(seg), "/v%d", i);
        strcat(want, seg);
    }
    router_t *r = router_create(*state);
    assert_int_equal(router_add(r, path, "GET", r), 0);
    router_seal(r);
    router_match_t m;
    assert_int_equal(match(r, "GET", want, &m), 0);
    assert_int_equal(m.nparams, ROUTER_MAX_PARAMS);
    assert_int_equal(m.params[ROUTER_MAX_PARAMS - 1].value_len, 3);
    assert_memory_equal(m.params[ROUTER_MAX_PARAMS - 1].value, "v15", 3);
}

/* ---- path shapes -------------------------------------------------------- */

static void trailing_and_repeated_slashes(void **state)
{
    router_t *r = build(state, ROUTES({"GET", "/pets/{id}"}, {"GET", "/shops//{sid}/"}));
    expect_match(r, "GET", "/pets/7/", "GET /pets/{id}", PARAMS("id=7"));
    expect_match(r, "GET", "//pets///7", "GET /pets/{id}", PARAMS("id=7"));
    expect_match(r, "GET", "/shops/s1", "GET /shops//{sid}/", PARAMS("sid=s1"));
    expect_no_match(r, "GET", "/pets");
    expect_no_match(r, "GET", "/pets//");
}

static void literal_is_case_sensitive(void **state)
{
    router_t *r = build(state, ROUTES({"GET", "/pets"}));
    expect_no_match(r, "GET", "/Pets");
    expect_no_match(r, "get", "/pets");
}

static void many_literal_siblings(void **state)
{
    enum { N = 200 };
    static char paths[N][16];
    router_t *r = router_create(*state);
    /* inserted in a scrambled order so that sealing has to sort */
    for (int i = 0; i < N; i++) {
        int k = (i * 73) % N;
        snprintf(paths[k], sizeof(paths[k]), "/s%03d", k);
        assert_int_equal(router_add(r, paths[k], "GET", paths[k]), 0);
    }
    router_seal(r);
    for (int i = 0; i < N; i++) {
        router_match_t m;
        if (match(r, "GET", paths[i], &m) != 0 || m.value != paths[i])
            fail_msg("GET %s did not reach its own route", paths[i]);
    }
    expect_no_match(r, "GET", "/s200");
    expect_no_match(r, "GET", "/s");
    expect_no_match(r, "GET", "/s0000");
}

static void lengths_are_respected(void **state)
{
    router_t *r = build(state, ROUTES({"GET", "/pets"}));
    router_match_t m;
    assert_int_equal(router_match(r, "GETX", 3, "/pets?q=1", 5, &m), 0);
    assert_int_equal(router_match(r, "GETX", 4, "/pets", 5, &m), -1);
    assert_int_equal(router_match(r, "GET", 3, "/petsx", 6, &m), -1);
}

static void deep_request_path_is_bounded(void **state)
{
    router_t *r = build(state, ROUTES({"ANY", "/{proxy+}"}));
    char path[2 * (ROUTER_MAX_SEGMENTS + 10) + 1];
    for (int i = 0; i < ROUTER_MAX_SEGMENTS + 10; i++)
        memcpy(path + 2 * i, "/a", 2);
    path[sizeof(path) - 1] = '\0';
    router_match_t m;
    /* a documented limit: refused, never overflowed */
    assert_int_equal(match(r, "GET", path, &m), -1);
    path[2 * ROUTER_MAX_SEGMENTS] = '\0';
    assert_int_equal(match(r, "GET", path, &m), 0);
}

/* ---- refused definitions ------------------------------------------------ */

static void duplicate_verb_refused(void **state)
{
    router_t *r = router_create(*state);
    assert_int_equal(router_add(r, "/pets", "GET", r), 0);
    assert_int_equal(router_add(r, "/pets", "GET", r), -1);
    assert_int_equal(router_add(r, "/pets/", "GET", r), -1);
    assert_int_equal(router_add(r, "//pets", "GET", r), -1);
    assert_int_equal(router_add(r, "/pets", "ANY", r), 0);
    assert_int_equal(router_add(r, "/pets", "ANY", r), -1);
    assert_int_equal(router_add(r, "/pets", "POST", r), 0);
}

static void invalid_path_refused(void **state)
{
    static const char *const paths[] = {
        "", "pets", "/pe ts", "/pets/{id", "/pets/id}", "/a/{}/b", "/{a+b}", "/pets?x", "/a/{+}",
    };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        expect_add_refused(state, "GET", paths[i]);
}

static void greedy_not_last_refused(void **state)
{
    expect_add_refused(state, "GET", "/{proxy+}/x");
    expect_add_refused(state, "GET", "/a/{p+}/{q}");
    expect_add_refused(state, "GET", "/a/{p+}/{q+}");
}

static void conflicting_variable_names_refused(void **state)
{
    router_t *r = router_create(*state);
    assert_int_equal(router_add(r, "/pets/{id}", "GET", r), 0);
    assert_int_equal(router_add(r, "/pets/{id}/toys", "GET", r), 0);
    assert_int_equal(router_add(r, "/pets/{petId}/food", "GET", r), -1);
    assert_int_equal(router_add(r, "/f/{a+}", "GET", r), 0);
    assert_int_equal(router_add(r, "/f/{b+}", "POST", r), -1);
}

#define ROUTER_CASE(f) cmocka_unit_test_setup_teardown(f, setup_arena, teardown_arena)

int main(void)
{
    static const struct CMUnitTest tests[] = {
        ROUTER_CASE(root_route),
        ROUTER_CASE(literal_beats_param),
        ROUTER_CASE(param_beats_greedy),
        ROUTER_CASE(literal_beats_greedy),
        ROUTER_CASE(verb_beats_any),
        ROUTER_CASE(missing_verb_is_no_route),
        ROUTER_CASE(backtrack_from_literal_to_param),
        ROUTER_CASE(backtrack_from_deep_literal),
        ROUTER_CASE(backtrack_discards_abandoned_params),
        ROUTER_CASE(backtrack_to_shallower_greedy),
        ROUTER_CASE(greedy_captures_raw_remainder),
        ROUTER_CASE(greedy_at_root),
        ROUTER_CASE(params_captured_with_names),
        ROUTER_CASE(max_params_route_matches),
        ROUTER_CASE(trailing_and_repeated_slashes),
        ROUTER_CASE(literal_is_case_sensitive),
        ROUTER_CASE(many_literal_siblings),
        ROUTER_CASE(lengths_are_respected),
        ROUTER_CASE(deep_request_path_is_bounded),
        ROUTER_CASE(duplicate_verb_refused),
        ROUTER_CASE(invalid_path_refused),
        ROUTER_CASE(greedy_not_last_refused),
        ROUTER_CASE(conflicting_variable_names_refused),
    };
    return cmocka_run_group_tests_name("router", tests, NULL, NULL);
}
