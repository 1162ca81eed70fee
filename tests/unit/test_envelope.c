/* Unit tests for common/envelope.h: sealing and opening authenticated cluster messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "envelope.h"

/* ---- helpers ------------------------------------------------------------ */

static const uint8_t secret_bytes[] = "cluster-secret-of-some-length-0123456789";
static const envelope_secret_t secret = {secret_bytes, sizeof(secret_bytes) - 1};
static const uint8_t other_bytes[] = "cluster-secret-of-some-length-0123456780";
static const envelope_secret_t other_secret = {other_bytes, sizeof(other_bytes) - 1};

static const uint8_t payload[] = "a snapshot payload, binary \x00\x01\x02 included";
static const uint8_t nonce[] = {0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x80};

static envelope_t sample_envelope(void)
{
    return (envelope_t){
        .kind = PORTICO__MESSAGE_KIND__KIND_SNAPSHOT,
        .version = 42,
        .sent_at_ms = 1700000000123ULL,
        .nonce = nonce,
        .nonce_len = sizeof(nonce),
        .payload = payload,
        .payload_len = sizeof(payload),
        .sender = "node-a",
        .incarnation = 1700000000000ULL,
        .seq = 7,
    };
}

/* A sealed buffer; freed by the caller. */
typedef struct {
    uint8_t *buf;
    size_t len;
} sealed_t;

static sealed_t seal_ok(const envelope_secret_t *s, const envelope_t *env)
{
    sealed_t out = {NULL, 0};
    assert_int_equal(envelope_seal(s, env, &out.buf, &out.len), ENVELOPE_OK);
    assert_non_null(out.buf);
    return out;
}

/* Opens buf and, when it opens, frees what it returned; the result code. */
static int open_rc(const envelope_secret_t *s, const uint8_t *buf, size_t len)
{
    envelope_t env;
    Portico__Envelope *owner = NULL;
    int rc = envelope_open(s, buf, len, &env, &owner);
    if (rc == ENVELOPE_OK)
        envelope_free(owner);
    return rc;
}

/* Re-encodes a sealed envelope after mutate() changed the decoded message
 * (what an attacker on the wire could do); returns open's result. */
static int open_tampered(void (*mutate)(Portico__Envelope *))
{
    envelope_t env = sample_envelope();
    sealed_t s = seal_ok(&secret, &env);
    Portico__Envelope *msg = portico__envelope__unpack(NULL, s.len, s.buf);
    assert_non_null(msg);
    mutate(msg);
    size_t len = portico__envelope__get_packed_size(msg);
    uint8_t *buf = malloc(len + 1);
    assert_non_null(buf);
    portico__envelope__pack(msg, buf);
    int rc = open_rc(&secret, buf, len);
    free(buf);
    portico__envelope__free_unpacked(msg, NULL);
    free(s.buf);
    return rc;
}

static void flip_payload(Portico__Envelope *m)
{
    m->payload.data[3] ^= 0x01;
}

static void flip_hash(Portico__Envelope *m)
{
    m->payload_sha256.data[0] ^= 0x80;
}

static void flip_nonce(Portico__Envelope *m)
{
    m->nonce.data[0] ^= 0x01;
}

static void shorten_nonce(Portico__Envelope *m)
{
    m->nonce.len--;
}

static void bump_version(Portico__Envelope *m)
{
    m->version++;
}

static void change_kind(Portico__Envelope *m)
{
    m->kind = PORTICO__MESSAGE_KIND__KIND_ANNOUNCE;
}

static void change_sent_at(Portico__Envelope *m)
{
    m->sent_at_ms += 1;
}

static void bump_seq(Portico__Envelope *m)
{
    m->seq++;
}

static void change_incarnation(Portico__Envelope *m)
{
    m->incarnation -= 1;
}

static void change_sender(Portico__Envelope *m)
{
    m->sender[0] ^= 0x01; /* "node-a" becomes "oode-a" (unpacked, so writable) */
}

static void flip_mac(Portico__Envelope *m)
{
    m->mac.data[31] ^= 0x01;
}

static void drop_mac(Portico__Envelope *m)
{
    m->mac.len = 0;
}

static void truncate_mac(Portico__Envelope *m)
{
    m->mac.len = 16;
}

static void drop_hash(Portico__Envelope *m)
{
    m->payload_sha256.len = 0;
}

static void lengthen_nonce(Portico__Envelope *m)
{
    /* unpacked without an allocator, the message's fields are malloc'd */
    uint8_t *longer = calloc(1, 65);
    assert_non_null(longer);
    free(m->nonce.data);
    m->nonce.data = longer;
    m->nonce.len = 65;
}

/* ---- cases -------------------------------------------------------------- */

static void seal_open_round_trip(void **state)
{
    envelope_t in = sample_envelope(), out;
    Portico__Envelope *owner = NULL;
    uint8_t hash[32];
    sealed_t s = seal_ok(&secret, &in);
    assert_int_equal(envelope_open(&secret, s.buf, s.len, &out, &owner), ENVELOPE_OK);
    assert_non_null(owner);
    assert_int_equal(out.kind, in.kind);
    assert_int_equal(out.version, in.version);
    assert_int_equal(out.sent_at_ms, in.sent_at_ms);
    assert_int_equal(out.nonce_len, sizeof(nonce));
    assert_memory_equal(out.nonce, nonce, sizeof(nonce));
    assert_int_equal(out.payload_len, sizeof(payload));
    assert_memory_equal(out.payload, payload, sizeof(payload));
    crypto_sha256(payload, sizeof(payload), hash);
    assert_memory_equal(out.payload_sha256, hash, 32);
    envelope_free(owner);
    free(s.buf);
}

static void empty_payload_round_trip(void **state)
{
    envelope_t in = sample_envelope(), out;
    Portico__Envelope *owner = NULL;
    uint8_t hash[32];
    in.payload = NULL;
    in.payload_len = 0;
    sealed_t s = seal_ok(&secret, &in);
    assert_int_equal(envelope_open(&secret, s.buf, s.len, &out, &owner), ENVELOPE_OK);
    assert_int_equal(out.payload_len, 0);
    crypto_sha256("", 0, hash);
    assert_memory_equal(out.payload_sha256, hash, 32);
    envelope_free(owner);
    free(s.buf);
}

static void absent_nonce_round_trip(void **state)
{
    envelope_t in = sample_envelope(), out;
    Portico__Envelope *owner = NULL;
    in.nonce = NULL;
    in.nonce_len = 0;
    sealed_t s = seal_ok(&secret, &in);
    assert_int_equal(envelope_open(&secret, s.buf, s.len, &out, &owner), ENVELOPE_OK);
    assert_null(out.nonce);
    assert_int_equal(out.nonce_len, 0);
    envelope_free(owner);
    free(s.buf);
}

static void wrong_secret_is_emac(void **state)
{
    envelope_t in = sample_envelope();
    sealed_t s = seal_ok(&secret, &in);
    assert_int_equal(open_rc(&other_secret, s.buf, s.len), ENVELOPE_EMAC);
    free(s.buf);
}

static void tampered_payload_is_rejected(void **state)
{
    /* the MAC covers the payload's hash, so a changed payload fails the hash check */
    int rc = open_tampered(flip_payload);
    assert_true(rc == ENVELOPE_EHASH || rc == ENVELOPE_EMAC);
}

static void tampered_hash_is_emac(void **state)
{
    assert_int_equal(open_tampered(flip_hash), ENVELOPE_EMAC);
}

static void tampered_header_is_emac(void **state)
{
    static void (*const mutations[])(Portico__Envelope *) = {
        flip_nonce,     shorten_nonce, bump_version,       change_kind,
        change_sent_at, bump_seq,      change_incarnation, change_sender,
    };
    for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
        int rc = open_tampered(mutations[i]);
        if (rc != ENVELOPE_EMAC)
            fail_msg("header mutation %zu: open = %d, want ENVELOPE_EMAC", i, rc);
    }
}

static void bad_mac_is_emac(void **state)
{
    assert_int_equal(open_tampered(flip_mac), ENVELOPE_EMAC);
    assert_int_equal(open_tampered(drop_mac), ENVELOPE_EMAC);
    assert_int_equal(open_tampered(truncate_mac), ENVELOPE_EMAC);
}

static void missing_hash_is_edecode(void **state)
{
    assert_int_equal(open_tampered(drop_hash), ENVELOPE_EDECODE);
}

static void garbage_is_edecode(void **state)
{
    static const uint8_t not_protobuf[] = "definitely not an envelope";
    static const uint8_t high_bytes[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_int_equal(open_rc(&secret, not_protobuf, sizeof(not_protobuf) - 1), ENVELOPE_EDECODE);
    assert_int_equal(open_rc(&secret, high_bytes, sizeof(high_bytes)), ENVELOPE_EDECODE);
    /* zero bytes decode as an empty message, which has no payload hash */
    assert_int_equal(open_rc(&secret, not_protobuf, 0), ENVELOPE_EDECODE);
}

static void truncated_is_edecode(void **state)
{
    envelope_t in = sample_envelope();
    sealed_t s = seal_ok(&secret, &in);
    /* cutting the last fields either breaks decoding or loses what the MAC covers */
    for (size_t cut = 1; cut <= 20; cut++) {
        int rc = open_rc(&secret, s.buf, s.len - cut);
        if (rc != ENVELOPE_EDECODE && rc != ENVELOPE_EMAC)
            fail_msg("cut %zu bytes: open = %d", cut, rc);
    }
    free(s.buf);
}

static void nonce_limit(void **state)
{
    uint8_t big[65] = {0};
    envelope_t in = sample_envelope();
    uint8_t *buf = NULL;
    size_t len = 0;
    in.nonce = big;
    in.nonce_len = 64;
    sealed_t s = seal_ok(&secret, &in);
    assert_int_equal(open_rc(&secret, s.buf, s.len), ENVELOPE_OK);
    free(s.buf);
    in.nonce_len = 65;
    assert_int_not_equal(envelope_seal(&secret, &in, &buf, &len), ENVELOPE_OK);
    assert_null(buf);
}

static void long_nonce_on_the_wire_is_refused(void **state)
{
    int rc = open_tampered(lengthen_nonce);
    assert_true(rc == ENVELOPE_EDECODE || rc == ENVELOPE_EMAC);
}

static void strerror_names_every_code(void **state)
{
    static const int codes[] = {ENVELOPE_OK, ENVELOPE_EDECODE, ENVELOPE_EMAC, ENVELOPE_EHASH,
                                ENVELOPE_ENOMEM};
    const char *unknown = envelope_strerror(-100);
    assert_non_null(unknown);
    assert_string_equal(envelope_strerror(1), unknown);
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        const char *msg = envelope_strerror(codes[i]);
        assert_non_null(msg);
        assert_string_not_equal(msg, unknown);
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(msg, envelope_strerror(codes[k]));
    }
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(seal_open_round_trip),
        cmocka_unit_test(empty_payload_round_trip),
        cmocka_unit_test(absent_nonce_round_trip),
        cmocka_unit_test(wrong_secret_is_emac),
        cmocka_unit_test(tampered_payload_is_rejected),
        cmocka_unit_test(tampered_hash_is_emac),
        cmocka_unit_test(tampered_header_is_emac),
        cmocka_unit_test(bad_mac_is_emac),
        cmocka_unit_test(missing_hash_is_edecode),
        cmocka_unit_test(garbage_is_edecode),
        cmocka_unit_test(truncated_is_edecode),
        cmocka_unit_test(nonce_limit),
        cmocka_unit_test(long_nonce_on_the_wire_is_refused),
        cmocka_unit_test(strerror_names_every_code),
    };
    return cmocka_run_group_tests_name("envelope", tests, NULL, NULL);
}
