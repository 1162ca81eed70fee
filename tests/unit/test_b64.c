/* test_b64: the shared base64 encoder and digit table (common/b64.h), with
 * RFC 4648's test vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "b64.h"

static const struct {
    const char *in, *out;
} vectors[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
    {"\xff\xfe", "//4="},
};

static void encodes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        char out[32];
        size_t n = b64_encode(vectors[i].in, strlen(vectors[i].in), out);
        assert_int_equal(n, B64_ENCODED_LEN(strlen(vectors[i].in)));
        assert_memory_equal(out, vectors[i].out, strlen(vectors[i].out));
        assert_int_equal(n, strlen(vectors[i].out));
    }
}

static void digits_round_trip(void **state)
{
    (void)state;
    const char *digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int seen = 0;
    for (int c = 0; c < 256; c++) {
        int v = b64_value((unsigned char)c);
        if (v >= 0) {
            assert_int_equal(digits[v], c);
            seen++;
        }
    }
    assert_int_equal(seen, 64);
    assert_int_equal(b64_value('='), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(encodes),
                                       cmocka_unit_test(digits_round_trip)};
    return cmocka_run_group_tests_name("b64", tests, NULL, NULL);
}
