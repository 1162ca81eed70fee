/* envelope: MAC layout is fixed by envelope_mac(); changing it is a protocol break. */
#include "envelope.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"

#define ENVELOPE_DOMAIN "portico-envelope-v2"

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

/* The MAC input: every header field, each fixed-size or length-prefixed. */
static void envelope_mac(const envelope_secret_t *secret, uint32_t kind, uint64_t version,
                         uint64_t sent_at_ms, const uint8_t *nonce, size_t nonce_len,
                         const char *sender, uint64_t incarnation, uint64_t seq,
                         const uint8_t hash[32], uint8_t mac[32])
{
    uint8_t
        buf[sizeof(ENVELOPE_DOMAIN) + 4 + 8 + 8 + 8 + 64 + 8 + ENVELOPE_MAX_SENDER + 8 + 8 + 32];
    size_t n = 0, sender_len = sender != NULL ? strlen(sender) : 0;
    memcpy(buf, ENVELOPE_DOMAIN, sizeof(ENVELOPE_DOMAIN));
    n += sizeof(ENVELOPE_DOMAIN);
    uint8_t k[8];
    put_u64(k, kind);
    memcpy(buf + n, k + 4, 4);
    n += 4;
    put_u64(buf + n, version);
    n += 8;
    put_u64(buf + n, sent_at_ms);
    n += 8;
    if (nonce_len > 64)
        nonce_len = 64;
    put_u64(buf + n, nonce_len);
    n += 8;
    if (nonce_len > 0)
        memcpy(buf + n, nonce, nonce_len);
    n += nonce_len;
    if (sender_len > ENVELOPE_MAX_SENDER)
        sender_len = ENVELOPE_MAX_SENDER;
    put_u64(buf + n, sender_len);
    n += 8;
    memcpy(buf + n, sender != NULL ? sender : "", sender_len);
    n += sender_len;
    put_u64(buf + n, incarnation);
    n += 8;
    put_u64(buf + n, seq);
    n += 8;
    memcpy(buf + n, hash, 32);
    n += 32;
    crypto_hmac_sha256(secret->data, secret->len, buf, n, mac);
}

int envelope_seal(const envelope_secret_t *secret, const envelope_t *env, uint8_t **out,
                  size_t *out_len)
{
    Portico__Envelope msg = PORTICO__ENVELOPE__INIT;
    uint8_t hash[32], mac[32];
    if (env->nonce_len > 64 || (env->sender != NULL && strlen(env->sender) > ENVELOPE_MAX_SENDER))
        return ENVELOPE_EDECODE;
    crypto_sha256(env->payload, env->payload_len, hash);
    envelope_mac(secret, (uint32_t)env->kind, env->version, env->sent_at_ms, env->nonce,
                 env->nonce_len, env->sender, env->incarnation, env->seq, hash, mac);
    msg.kind = env->kind;
    msg.version = env->version;
    msg.sent_at_ms = env->sent_at_ms;
    msg.nonce = (ProtobufCBinaryData){.len = env->nonce_len, .data = (uint8_t *)env->nonce};
    msg.payload_sha256 = (ProtobufCBinaryData){.len = 32, .data = hash};
    msg.payload = (ProtobufCBinaryData){.len = env->payload_len, .data = (uint8_t *)env->payload};
    msg.mac = (ProtobufCBinaryData){.len = 32, .data = mac};
    msg.sender = (char *)(env->sender != NULL ? env->sender : "");
    msg.incarnation = env->incarnation;
    msg.seq = env->seq;
    size_t len = portico__envelope__get_packed_size(&msg);
    uint8_t *buf = malloc(len == 0 ? 1 : len);
    if (buf == NULL)
        return ENVELOPE_ENOMEM;
    portico__envelope__pack(&msg, buf);
    *out = buf;
    *out_len = len;
    return ENVELOPE_OK;
}

int envelope_open(const envelope_secret_t *secret, const uint8_t *buf, size_t len, envelope_t *env,
                  Portico__Envelope **owner)
{
    Portico__Envelope *msg = portico__envelope__unpack(NULL, len, buf);
    uint8_t mac[32], hash[32];
    int rc = ENVELOPE_EDECODE;
    if (msg == NULL)
        return ENVELOPE_EDECODE;
    if (msg->payload_sha256.len != 32 || msg->nonce.len > 64 ||
        strlen(msg->sender) > ENVELOPE_MAX_SENDER)
        goto fail;
    rc = ENVELOPE_EMAC;
    envelope_mac(secret, (uint32_t)msg->kind, msg->version, msg->sent_at_ms, msg->nonce.data,
                 msg->nonce.len, msg->sender, msg->incarnation, msg->seq, msg->payload_sha256.data,
                 mac);
    if (!crypto_equal(mac, sizeof(mac), msg->mac.data, msg->mac.len))
        goto fail;
    rc = ENVELOPE_EHASH;
    crypto_sha256(msg->payload.data, msg->payload.len, hash);
    if (!crypto_equal(hash, sizeof(hash), msg->payload_sha256.data, 32))
        goto fail;
    *env = (envelope_t){
        .kind = msg->kind,
        .version = msg->version,
        .sent_at_ms = msg->sent_at_ms,
        .nonce = msg->nonce.len ? msg->nonce.data : NULL,
        .nonce_len = msg->nonce.len,
        .payload = msg->payload.data,
        .payload_len = msg->payload.len,
        .sender = msg->sender,
        .incarnation = msg->incarnation,
        .seq = msg->seq,
    };
    memcpy(env->payload_sha256, hash, 32);
    *owner = msg;
    return ENVELOPE_OK;
fail:
    portico__envelope__free_unpacked(msg, NULL);
    return rc;
}

void envelope_free(Portico__Envelope *owner)
{
    if (owner != NULL)
        portico__envelope__free_unpacked(owner, NULL);
}

const char *envelope_strerror(int err)
{
    static const char *const messages[] = {
        [-ENVELOPE_OK] = "ok",
        [-ENVELOPE_EDECODE] = "malformed envelope",
        [-ENVELOPE_EMAC] = "authentication failed (wrong cluster secret or tampered message)",
        [-ENVELOPE_EHASH] = "payload hash mismatch",
        [-ENVELOPE_ENOMEM] = "out of memory",
    };
    if (err > 0 || -err >= (int)(sizeof(messages) / sizeof(messages[0])))
        return "unknown envelope error";
    return messages[-err];
}
