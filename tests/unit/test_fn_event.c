/* Unit tests for dataplane/core/fn_event.h: the proxy events 1.0 and 2.0
 * compared as whole JSON documents, and the functions' answers (1.0, 2.0,
 * the simplified 2.0 form, the malformed ones the reference answers 502). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fn_event.h"

#define P(n, v)                                                                                    \
    {                                                                                              \
        n, sizeof(n) - 1, v, sizeof(v) - 1                                                         \
    }

static void assert_json(const char *got, size_t len, const char *want)
{
    json_error_t e;
    json_t *g = json_loadb(got, len, 0, &e), *w = json_loads(want, 0, &e);
    if (w == NULL)
        fail_msg("bad expectation: %s", e.text);
    if (g == NULL || !json_equal(g, w)) {
        char *ws = json_dumps(w, JSON_COMPACT | JSON_SORT_KEYS);
        char *gs = g != NULL ? json_dumps(g, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        print_error("want %s\n got %s\n", ws, gs != NULL ? gs : got);
        free(ws);
        free(gs);
        json_decref(g);
        json_decref(w);
        fail();
    }
    json_decref(g);
    json_decref(w);
}

static const fn_pair_t headers[] = {
    P("Host", "abc.example.com"), P("User-Agent", "curl/8"), P("Accept", "*/*"),
    P("X-Multi", "one"),          P("X-Multi", "two"),       P("Connection", "keep-alive"),
    P("Content-Length", "7"),     P("Cookie", "a=1; b=2"),   P("Content-Type", "text/plain"),
};
static const fn_pair_t path_params[] = {P("id", "7%20x")};
static const fn_pair_t stage_vars[] = {P("alias", "live")};
static const fn_pair_t lambda_ctx[] = {P("principalId", "u1"), P("tier", "gold")};
static const fn_pair_t jwt_ctx[] = {P("principalId", "s1"), P("claims.sub", "s1"),
                                    P("claims.iss", "https://i")};
static const char *const scopes[] = {"read"};

static fn_event_in_t base_in(void)
{
    return (fn_event_in_t){
        .method = "POST",
        .path = "/pets/7 x",
        .query = "a=1&b=x+y&a=2&=skip&c",
        .query_len = 21,
        .headers = headers,
        .nheaders = sizeof(headers) / sizeof(headers[0]),
        .path_params = path_params,
        .npath_params = 1,
        .stage_vars = stage_vars,
        .nstage_vars = 1,
        .body = "hello",
        .body_len = 5,
        .resource = "/pets/{id}",
        .resource_id = "r1",
        .route_key = "POST /pets/{id}",
        .account_id = "000000000000",
        .api_id = "abc",
        .stage = "prod",
        .request_id = "rid",
        .domain_name = "abc.example.com",
        .domain_prefix = "abc",
        .protocol = "HTTP/1.1",
        .context_path = "/prod/pets/7 x",
        .time_epoch_ms = 1583349317135ull,
        .source_ip = "192.0.2.1",
        .user_agent = "curl/8",
        .api_key = "k",
        .api_key_id = "kid",
    };
}

static const char v1_common[] =
    "\"resource\":\"/pets/{id}\",\"path\":\"/pets/7 x\",\"httpMethod\":\"POST\","
    "\"headers\":{\"Host\":\"abc.example.com\",\"User-Agent\":\"curl/8\",\"Accept\":\"*/*\","
    "\"X-Multi\":\"two\",\"Cookie\":\"a=1; b=2\",\"Content-Type\":\"text/plain\"},"
    "\"multiValueHeaders\":{\"Host\":[\"abc.example.com\"],\"User-Agent\":[\"curl/8\"],"
    "\"Accept\":[\"*/*\"],\"X-Multi\":[\"one\",\"two\"],\"Cookie\":[\"a=1; b=2\"],"
    "\"Content-Type\":[\"text/plain\"]},"
    "\"queryStringParameters\":{\"a\":\"2\",\"b\":\"x y\",\"c\":\"\"},"
    "\"multiValueQueryStringParameters\":{\"a\":[\"1\",\"2\"],\"b\":[\"x y\"],\"c\":[\"\"]},"
    "\"pathParameters\":{\"id\":\"7 x\"},\"stageVariables\":{\"alias\":\"live\"},";

#define V1_CONTEXT(AUTH)                                                                           \
    "\"requestContext\":{\"resourceId\":\"r1\",\"resourcePath\":\"/pets/{id}\","                   \
    "\"httpMethod\":\"POST\",\"extendedRequestId\":\"rid\","                                       \
    "\"requestTime\":\"04/Mar/2020:19:15:17 +0000\",\"path\":\"/prod/pets/7 x\","                  \
    "\"accountId\":\"000000000000\",\"protocol\":\"HTTP/1.1\",\"stage\":\"prod\","                 \
    "\"domainPrefix\":\"abc\",\"requestTimeEpoch\":1583349317135,\"requestId\":\"rid\","           \
    "\"identity\":{\"cognitoIdentityPoolId\":null,\"accountId\":null,\"cognitoIdentityId\":null,"  \
    "\"caller\":null,\"sourceIp\":\"192.0.2.1\",\"principalOrgId\":null,\"accessKey\":null,"       \
    "\"cognitoAuthenticationType\":null,\"cognitoAuthenticationProvider\":null,"                   \
    "\"userArn\":null,\"userAgent\":\"curl/8\",\"user\":null,\"apiKey\":\"k\","                    \
    "\"apiKeyId\":\"kid\"},\"domainName\":\"abc.example.com\",\"apiId\":\"abc\"" AUTH "},"

typedef struct {
    const char *name;
    void (*tweak)(fn_event_in_t *in);
    const char *want;
} event_case_t;

static void no_tweak(fn_event_in_t *in) {}

static void binary_lambda(fn_event_in_t *in)
{
    in->body = "\x00\xff\x10";
    in->body_len = 3;
    in->body_binary = 1;
    in->authorizer = FN_AUTHORIZER_LAMBDA;
    in->authorizer_ctx = lambda_ctx;
    in->nauthorizer_ctx = 2;
}

static void empty_request(fn_event_in_t *in)
{
    in->query = NULL;
    in->query_len = 0;
    in->nheaders = 0;
    in->npath_params = 0;
    in->nstage_vars = 0;
    in->body = NULL;
    in->body_len = 0;
    in->authorizer = FN_AUTHORIZER_JWT;
    in->authorizer_ctx = jwt_ctx;
    in->nauthorizer_ctx = 3;
    in->scopes = scopes;
    in->nscopes = 1;
}

static void http_api_v1(fn_event_in_t *in)
{
    in->version = "1.0";
}

static const event_case_t v1_cases[] = {
    {"plain", no_tweak, "{" V1_CONTEXT("") "\"body\":\"hello\",\"isBase64Encoded\":false}"},
    {"HTTP API 1.0", http_api_v1,
     "{" V1_CONTEXT("") "\"body\":\"hello\",\"isBase64Encoded\":false,\"version\":\"1.0\"}"},
    {"binary body, lambda authorizer", binary_lambda,
     "{" V1_CONTEXT(",\"authorizer\":{\"principalId\":\"u1\",\"tier\":\"gold\"}") "\"body\":"
                                                                                  "\"AP8Q\","
                                                                                  "\"isBase64Encod"
                                                                                  "ed\":true}"},
};

static void builds_v1_events(void **state)
{
    for (size_t i = 0; i < sizeof(v1_cases) / sizeof(v1_cases[0]); i++) {
        fn_event_in_t in = base_in();
        v1_cases[i].tweak(&in);
        size_t len;
        char *ev = fn_event_v1(&in, &len);
        assert_non_null(ev);
        char want[8192];
        snprintf(want, sizeof(want), "{%s%s", v1_common, v1_cases[i].want + 1);
        print_message("# v1: %s\n", v1_cases[i].name);
        assert_json(ev, len, want);
        free(ev);
    }
}

static void builds_v1_empty_event(void **state)
{
    fn_event_in_t in = base_in();
    empty_request(&in);
    size_t len;
    char *ev = fn_event_v1(&in, &len);
    assert_non_null(ev);
    assert_json(ev, len,
                "{\"resource\":\"/pets/{id}\",\"path\":\"/pets/7 x\",\"httpMethod\":\"POST\","
                "\"headers\":null,\"multiValueHeaders\":null,\"queryStringParameters\":null,"
                "\"multiValueQueryStringParameters\":null,\"pathParameters\":null,"
                "\"stageVariables\":null," V1_CONTEXT(
                    ",\"authorizer\":{\"claims\":{\"sub\":\"s1\",\"iss\":\"https://i\"},"
                    "\"scopes\":[\"read\"]}") "\"body\":null,\"isBase64Encoded\":false}");
    free(ev);
}

static void builds_v2_events(void **state)
{
    static const struct {
        const char *name;
        void (*tweak)(fn_event_in_t *in);
        const char *want;
    } cases[] = {
        {"plain", no_tweak,
         "{\"version\":\"2.0\",\"routeKey\":\"POST /pets/{id}\",\"rawPath\":\"/pets/7 x\","
         "\"rawQueryString\":\"a=1&b=x+y&a=2&=skip&c\",\"cookies\":[\"a=1\",\"b=2\"],"
         "\"headers\":{\"host\":\"abc.example.com\",\"user-agent\":\"curl/8\",\"accept\":\"*/*\","
         "\"x-multi\":\"one,two\",\"content-type\":\"text/plain\"},"
         "\"queryStringParameters\":{\"a\":\"1,2\",\"b\":\"x y\",\"c\":\"\"},"
         "\"requestContext\":{\"accountId\":\"000000000000\",\"apiId\":\"abc\","
         "\"domainName\":\"abc.example.com\",\"domainPrefix\":\"abc\",\"http\":{\"method\":"
         "\"POST\",\"path\":\"/pets/7 x\",\"protocol\":\"HTTP/1.1\",\"sourceIp\":\"192.0.2.1\","
         "\"userAgent\":\"curl/8\"},\"requestId\":\"rid\",\"routeKey\":\"POST /pets/{id}\","
         "\"stage\":\"prod\",\"time\":\"04/Mar/2020:19:15:17 +0000\",\"timeEpoch\":1583349317135},"
         "\"body\":\"hello\",\"pathParameters\":{\"id\":\"7 x\"},\"isBase64Encoded\":false,"
         "\"stageVariables\":{\"alias\":\"live\"}}"},
        {"empty, jwt", empty_request,
         "{\"version\":\"2.0\",\"routeKey\":\"POST /pets/{id}\",\"rawPath\":\"/pets/7 x\","
         "\"rawQueryString\":\"\",\"headers\":{},"
         "\"requestContext\":{\"accountId\":\"000000000000\",\"apiId\":\"abc\","
         "\"authorizer\":{\"jwt\":{\"claims\":{\"sub\":\"s1\",\"iss\":\"https://i\"},"
         "\"scopes\":[\"read\"]}},"
         "\"domainName\":\"abc.example.com\",\"domainPrefix\":\"abc\",\"http\":{\"method\":"
         "\"POST\",\"path\":\"/pets/7 x\",\"protocol\":\"HTTP/1.1\",\"sourceIp\":\"192.0.2.1\","
         "\"userAgent\":\"curl/8\"},\"requestId\":\"rid\",\"routeKey\":\"POST /pets/{id}\","
         "\"stage\":\"prod\",\"time\":\"04/Mar/2020:19:15:17 +0000\",\"timeEpoch\":1583349317135},"
         "\"isBase64Encoded\":false}"},
        {"binary, lambda authorizer", binary_lambda, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fn_event_in_t in = base_in();
        cases[i].tweak(&in);
        size_t len;
        char *ev = fn_event_v2(&in, &len);
        assert_non_null(ev);
        print_message("# v2: %s\n", cases[i].name);
        if (cases[i].want != NULL) {
            assert_json(ev, len, cases[i].want);
        } else {
            json_t *doc = json_loadb(ev, len, 0, NULL);
            assert_non_null(doc);
            assert_string_equal(json_string_value(json_object_get(doc, "body")), "AP8Q");
            assert_true(json_is_true(json_object_get(doc, "isBase64Encoded")));
            json_t *auth = json_object_get(json_object_get(doc, "requestContext"), "authorizer");
            assert_string_equal(
                json_string_value(json_object_get(json_object_get(auth, "lambda"), "tier")),
                "gold");
            assert_null(json_object_get(json_object_get(auth, "lambda"), "principalId"));
            json_decref(doc);
        }
        free(ev);
    }
}

/* ---- answers ------------------------------------------------------------- */

typedef struct {
    const char *name;
    enum fn_answer_format fmt;
    const char *payload;
    int status;          /* 0: malformed */
    const char *headers; /* "name: value\n" each, in order */
    const char *body;
} answer_case_t;

static const answer_case_t answers[] = {
    {"minimal 1.0", FN_ANSWER_V1, "{\"statusCode\": 201, \"body\": \"made\"}", 201,
     "Content-Type: application/json\n", "made"},
    {"string status", FN_ANSWER_V1, "{\"statusCode\": \"201\"}", 201,
     "Content-Type: application/json\n", ""},
    {"empty object", FN_ANSWER_V1, "{}", 200, "Content-Type: application/json\n", ""},
    {"headers merged", FN_ANSWER_V1,
     "{\"statusCode\": 200, \"headers\": {\"X-A\": \"value-solo\", \"X-B\": true, "
     "\"Content-Type\": \"text/plain\"}, \"multiValueHeaders\": {\"X-A\": [\"value-multi\"], "
     "\"Set-Cookie\": [\"a=1\", \"b=2\"]}, \"body\": \"hi\"}",
     200,
     "X-A: value-multi, value-solo\nSet-Cookie: a=1\nSet-Cookie: b=2\nX-B: true\n"
     "Content-Type: text/plain\n",
     "hi"},
    {"base64 body", FN_ANSWER_V1, "{\"body\": \"aGk=\", \"isBase64Encoded\": true}", 200,
     "Content-Type: application/json\n", "hi"},
    {"null fields", FN_ANSWER_V1,
     "{\"statusCode\": null, \"headers\": null, \"body\": null, \"multiValueHeaders\": null}", 200,
     "Content-Type: application/json\n", ""},
    {"unknown key", FN_ANSWER_V1, "{\"statusCode\": 200, \"other\": 1}", 0, NULL, NULL},
    {"error answer", FN_ANSWER_V1, "{\"errorMessage\": \"boom\", \"errorType\": \"Error\"}", 0,
     NULL, NULL},
    {"status test", FN_ANSWER_V1, "{\"statusCode\": \"test\"}", 0, NULL, NULL},
    {"status range", FN_ANSWER_V1, "{\"statusCode\": 99}", 0, NULL, NULL},
    {"bare string", FN_ANSWER_V1, "\"hello\"", 0, NULL, NULL},
    {"not JSON", FN_ANSWER_V1, "hello", 0, NULL, NULL},
    {"non-list multi", FN_ANSWER_V1, "{\"multiValueHeaders\": {\"X\": \"v\"}}", 0, NULL, NULL},
    {"number header", FN_ANSWER_V1, "{\"headers\": {\"X\": 1}}", 0, NULL, NULL},
    {"CRLF header", FN_ANSWER_V1, "{\"headers\": {\"X\": \"a\\r\\nSet-Cookie: x\"}}", 0, NULL,
     NULL},
    {"bad header name", FN_ANSWER_V1, "{\"headers\": {\"X Y\": \"a\"}}", 0, NULL, NULL},
    {"object body", FN_ANSWER_V1, "{\"body\": {\"a\": 1}}", 0, NULL, NULL},
    {"bad base64", FN_ANSWER_V1, "{\"body\": \"!!\", \"isBase64Encoded\": true}", 0, NULL, NULL},
    {"2.0 full", FN_ANSWER_V2,
     "{\"statusCode\": 202, \"headers\": {\"x-a\": \"1\"}, \"cookies\": [\"c=1\"], \"body\": "
     "\"ok\", \"extra\": 1}",
     202, "x-a: 1\nContent-Type: application/json\n", "ok"},
    {"2.0 simplified object", FN_ANSWER_V2, "{\"hello\": \"world\"}", 200,
     "Content-Type: application/json\n", "{\"hello\": \"world\"}"},
    {"2.0 simplified string", FN_ANSWER_V2, "\"hi\"", 200, "Content-Type: application/json\n",
     "\"hi\""},
    {"2.0 not JSON", FN_ANSWER_V2, "hi", 0, NULL, NULL},
    {"2.0 bad cookie", FN_ANSWER_V2, "{\"statusCode\": 200, \"cookies\": [1]}", 0, NULL, NULL},
};

static void parses_answers(void **state)
{
    for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        const answer_case_t *c = &answers[i];
        fn_answer_t a;
        char err[128] = "";
        int rc = fn_answer_parse(c->fmt, c->payload, strlen(c->payload), &a, err, sizeof(err));
        print_message("# answer: %s (%s)\n", c->name, err);
        if (c->status == 0) {
            assert_int_equal(rc, -1);
            assert_true(err[0] != '\0');
            continue;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(a.status, c->status);
        char got[1024] = "";
        for (size_t k = 0; k < a.nheaders; k++)
            snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s: %s\n", a.headers[k].name,
                     a.headers[k].value);
        assert_string_equal(got, c->headers);
        assert_int_equal(a.body_len, strlen(c->body));
        assert_memory_equal(a.body, c->body, a.body_len);
        if (strstr(c->payload, "\"isBase64Encoded\": true") != NULL) {
            assert_non_null(a.encoded);
            assert_string_equal(a.encoded, "aGk=");
        } else {
            assert_null(a.encoded);
        }
        if (c->fmt == FN_ANSWER_V2 && strstr(c->payload, "cookies") != NULL) {
            assert_int_equal(a.ncookies, 1);
            assert_string_equal(a.cookies[0], "c=1");
        }
        fn_answer_free(&a);
    }
}

static void extracts_error_messages(void **state)
{
    static const char *const cases[][2] = {
        {"{\"errorMessage\": \"bad thing\", \"errorType\": \"Error\"}", "bad thing"},
        {"{\"errorType\": \"Error\"}", "{\"errorType\": \"Error\"}"},
        {"plain", "plain"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len;
        char *m = fn_error_message(cases[i][0], strlen(cases[i][0]), &len);
        assert_string_equal(m, cases[i][1]);
        assert_int_equal(len, strlen(cases[i][1]));
        free(m);
    }
}

/* ---- WebSocket events (fn_event_ws) ---- */

static const fn_pair_t ws_headers[] = {P("Host", "abc.example.com"), P("Upgrade", "websocket"),
                                       P("Sec-WebSocket-Version", "13"), P("X-Multi", "one"),
                                       P("X-Multi", "two")};

static fn_event_in_t ws_in(const char *type)
{
    return (fn_event_in_t){
        .route_key = "$connect",
        .api_id = "abc",
        .stage = "prod",
        .request_id = "rid",
        .domain_name = "abc.example.com",
        .time_epoch_ms = 1583349317135ull,
        .source_ip = "192.0.2.1",
        .user_agent = "ua/1",
        .ws_event_type = type,
        .connection_id = "cid",
        .connected_at_ms = 1583349317000ull,
    };
}

#define WS_CONTEXT(ROUTE, TYPE, EXTRA)                                                             \
    "{\"routeKey\":\"" ROUTE "\",\"eventType\":\"" TYPE "\",\"extendedRequestId\":\"rid\","        \
    "\"requestTime\":\"04/Mar/2020:19:15:17 +0000\",\"messageDirection\":\"IN\","                  \
    "\"stage\":\"prod\",\"connectedAt\":1583349317000,\"requestTimeEpoch\":1583349317135,"         \
    "\"requestId\":\"rid\",\"domainName\":\"abc.example.com\",\"connectionId\":\"cid\","           \
    "\"apiId\":\"abc\"" EXTRA "}"

#define WS_CONNECT_IDENTITY ",\"identity\":{\"sourceIp\":\"192.0.2.1\",\"userAgent\":\"ua/1\"}"
#define WS_IDENTITY ",\"identity\":{\"sourceIp\":\"192.0.2.1\"}"
#define WS_HEADERS                                                                                 \
    "\"headers\":{\"Host\":\"abc.example.com\",\"Sec-WebSocket-Version\":\"13\","                  \
    "\"X-Multi\":\"two\"},"                                                                        \
    "\"multiValueHeaders\":{\"Host\":[\"abc.example.com\"],\"Sec-WebSocket-Version\":[\"13\"],"    \
    "\"X-Multi\":[\"one\",\"two\"]}"

static const char ws_want_connect[] = "{\"requestContext\":" WS_CONTEXT(
    "$connect", "CONNECT",
    WS_CONNECT_IDENTITY
    ",\"authorizer\":{\"principalId\":\"u\",\"n\":3}") ","
                                                       "\"isBase64Encoded\":false," WS_HEADERS ","
                                                       "\"queryStringParameters\":{\"a\":\"2\","
                                                       "\"b\":\"x\"},"
                                                       "\"multiValueQueryStringParameters\":{\"a\":"
                                                       "[\"1\",\"2\"],\"b\":[\"x\"]}}";
static const char ws_want_connect_bare[] = "{\"requestContext\":" WS_CONTEXT(
    "$connect", "CONNECT", WS_CONNECT_IDENTITY) ","
                                                "\"isBase64Encoded\":false," WS_HEADERS "}";
static const char ws_want_message[] = "{\"requestContext\":" WS_CONTEXT(
    "echo", "MESSAGE", WS_IDENTITY ",\"messageId\":\"rid-1\"") ","
                                                               "\"isBase64Encoded\":false,\"body\":"
                                                               "\"{\\\"action\\\":\\\"echo\\\"}\"}";
static const char ws_want_disconnect[] = "{\"requestContext\":" WS_CONTEXT(
    "$disconnect", "DISCONNECT",
    WS_IDENTITY ",\"authorizer\":{\"principalId\":\"u\"}") ","
                                                           "\"isBase64Encoded\":false}";

static void builds_ws_events(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        const char *type;
        const char *route;
        int headers;
        const char *query;
        const char *body;
        const char *message_id;
        const char *authorizer;
        const char *want;
    } cases[] = {
        {"connect with headers, query and authorizer", "CONNECT", "$connect", 1, "a=1&a=2&b=x",
         NULL, NULL, "{\"principalId\":\"u\",\"n\":3}", ws_want_connect},
        {"connect without query", "CONNECT", "$connect", 1, NULL, NULL, NULL, NULL,
         ws_want_connect_bare},
        {"message", "MESSAGE", "echo", 0, NULL, "{\"action\":\"echo\"}", "rid-1", NULL,
         ws_want_message},
        {"disconnect", "DISCONNECT", "$disconnect", 0, NULL, NULL, NULL, "{\"principalId\":\"u\"}",
         ws_want_disconnect},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fn_event_in_t in = ws_in(cases[i].type);
        in.route_key = cases[i].route;
        if (cases[i].headers) {
            in.headers = ws_headers;
            in.nheaders = sizeof(ws_headers) / sizeof(ws_headers[0]);
        }
        if (cases[i].query != NULL) {
            in.query = cases[i].query;
            in.query_len = strlen(cases[i].query);
        }
        if (cases[i].body != NULL) {
            in.body = cases[i].body;
            in.body_len = strlen(cases[i].body);
        }
        in.message_id = cases[i].message_id;
        in.ws_authorizer = cases[i].authorizer;
        size_t len = 0;
        char *got = fn_event_ws(&in, &len);
        print_message("case %s\n", cases[i].name);
        assert_non_null(got);
        assert_json(got, len, cases[i].want);
        free(got);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builds_v1_events),        cmocka_unit_test(builds_v1_empty_event),
        cmocka_unit_test(builds_v2_events),        cmocka_unit_test(parses_answers),
        cmocka_unit_test(extracts_error_messages), cmocka_unit_test(builds_ws_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
