/* Validation cost of a 1 KiB JSON body against a 20-property draft-4
 * schema (common/jsonschema): the schema is compiled once; each round
 * validates the body already parsed (what the schema walk costs) and
 * parses + validates + frees it (what step_validate pays per request).
 * Prints the median of ROUNDS rounds of N validations, in µs of CPU time
 * per body.
 * Build: ninja -C build tests/bench/bench_jsonschema; run it on an idle
 * machine with an optimized build (not part of tests/run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jsonschema.h"

#define N 20000
#define ROUNDS 7

static const char schema_text[] =
    "{\"$schema\":\"http://json-schema.org/draft-04/schema#\",\"type\":\"object\","
    "\"required\":[\"id\",\"name\",\"email\",\"age\",\"price\",\"status\",\"tags\",\"address\","
    "\"created\",\"active\"],\"additionalProperties\":false,\"properties\":{"
    "\"id\":{\"type\":\"string\",\"pattern\":\"^[a-f0-9-]{36}$\"},"
    "\"name\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":100},"
    "\"email\":{\"type\":\"string\",\"pattern\":\"^[^@]+@[^@]+\\\\.[a-z]+$\"},"
    "\"age\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":150},"
    "\"price\":{\"type\":\"number\",\"minimum\":0,\"exclusiveMinimum\":true},"
    "\"status\":{\"enum\":[\"new\",\"active\",\"suspended\",\"closed\"]},"
    "\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"maxLength\":20},"
    "\"maxItems\":10,\"uniqueItems\":true},"
    "\"address\":{\"type\":\"object\",\"required\":[\"street\",\"city\",\"zip\"],\"properties\":{"
    "\"street\":{\"type\":\"string\"},\"city\":{\"type\":\"string\"},"
    "\"zip\":{\"type\":\"string\",\"pattern\":\"^[0-9]{5}$\"}}},"
    "\"created\":{\"type\":\"string\",\"format\":\"date-time\"},"
    "\"active\":{\"type\":\"boolean\"},"
    "\"score\":{\"type\":\"number\",\"multipleOf\":0.5},"
    "\"notes\":{\"type\":[\"string\",\"null\"],\"maxLength\":500},"
    "\"rating\":{\"type\":\"integer\",\"enum\":[1,2,3,4,5]},"
    "\"currency\":{\"type\":\"string\",\"minLength\":3,\"maxLength\":3},"
    "\"quantity\":{\"type\":\"integer\",\"minimum\":1},"
    "\"discount\":{\"type\":\"number\",\"maximum\":1},"
    "\"category\":{\"type\":\"string\"},"
    "\"priority\":{\"oneOf\":[{\"type\":\"integer\"},{\"type\":\"string\"}]},"
    "\"metadata\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}},"
    "\"parent\":{\"anyOf\":[{\"type\":\"null\"},{\"type\":\"string\"}]}}}";

static const char body_text[] =
    "{\"id\":\"3f2b8c1e-9a7d-4e6f-8b2a-1c3d5e7f9a0b\",\"name\":\"Rex the Very Good Dog\","
    "\"email\":\"owner.of.rex@example.com\",\"age\":7,\"price\":1249.99,\"status\":\"active\","
    "\"tags\":[\"dog\",\"good\",\"brown\",\"small\",\"friendly\",\"vaccinated\"],"
    "\"address\":{\"street\":\"1234 Long Street Name Avenue, Apartment 56\",\"city\":"
    "\"Springfield\",\"zip\":\"12345\"},\"created\":\"2026-11-30T10:00:00Z\",\"active\":true,"
    "\"score\":4.5,\"notes\":\"Likes long walks in the park and chasing squirrels; allergic to "
    "chicken; needs a blue leash and a quiet room at night. Very friendly with children and "
    "other dogs, less so with cats. Eats twice a day, sleeps most of the afternoon, and barks at "
    "the postman every single morning at eight, rain or shine, all year "
    "long.\",\"rating\":5,\"currency\":\"EUR\",\"quantity\":2,"
    "\"discount\":0.15,\"category\":\"pets/dogs/small-breeds/terriers\",\"priority\":\"high\","
    "\"metadata\":{\"source\":\"web\",\"campaign\":\"winter-2026\",\"referrer\":"
    "\"https://example.com/landing/page?utm_source=newsletter\",\"ab\":\"variant-b\","
    "\"session\":\"0123456789abcdef0123456789abcdef\"},\"parent\":null}";

/* CPU time of this thread: preemption on a busy machine does not count. */
static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    arena_t *a = arena_create(65536);
    json_t *schema = json_loads(schema_text, 0, NULL);
    json_t *body = json_loads(body_text, 0, NULL);
    const jsonschema_t *js;
    char err[512];
    if (schema == NULL || body == NULL ||
        jsonschema_compile(a, schema, "", NULL, NULL, &js, err, sizeof(err)) != 0) {
        fprintf(stderr, "setup failed: %s\n", err);
        return 1;
    }
    if (jsonschema_validate(js, body, err, sizeof(err)) != 0) {
        fprintf(stderr, "the body does not validate: %s\n", err);
        return 1;
    }
    double walk[ROUNDS], full[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        double t0 = now_us();
        for (int i = 0; i < N; i++)
            if (jsonschema_validate(js, body, NULL, 0) != 0)
                return 1;
        double t1 = now_us();
        for (int i = 0; i < N; i++) {
            json_t *doc = json_loadb(body_text, sizeof(body_text) - 1, 0, NULL);
            if (doc == NULL || jsonschema_validate(js, doc, NULL, 0) != 0)
                return 1;
            json_decref(doc);
        }
        double t2 = now_us();
        walk[r] = (t1 - t0) / N;
        full[r] = (t2 - t1) / N;
    }
    qsort(walk, ROUNDS, sizeof(double), dcmp);
    qsort(full, ROUNDS, sizeof(double), dcmp);
    printf("body %zu bytes, 20-property schema, CPU time, median of %d x %d\n",
           sizeof(body_text) - 1, ROUNDS, N);
    printf("validate (parsed body):      %.2f us\n", walk[ROUNDS / 2]);
    printf("parse + validate + free:     %.2f us\n", full[ROUNDS / 2]);
    json_decref(schema);
    json_decref(body);
    arena_destroy(a);
    return 0;
}
