/* admin_gate: a small HTTP/1 head scanner (request line and header names
 * only); h2o parses the request again, properly, once the gate lets it by. */
#include "admin_gate.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"

typedef struct {
    cp_t *cp;
    h2o_accept_ctx_t *ctx;
    h2o_socket_t *sock;
    h2o_timeout_t *timeout;
    h2o_timeout_entry_t entry;
} admin_gate_t;

static const char gate_denied[] =
    "HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\n"
    "x-amzn-errortype: MissingAuthenticationTokenException\r\ncontent-length: 42\r\n"
    "connection: close\r\n\r\n{\"message\":\"Missing Authentication Token\"}";
static const char gate_bad_token[] =
    "HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\n"
    "x-amzn-errortype: UnauthorizedException\r\ncontent-length: 26\r\nconnection: close\r\n\r\n"
    "{\"message\":\"Unauthorized\"}";
static const char gate_unknown_key[] =
    "HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\n"
    "x-amzn-errortype: UnrecognizedClientException\r\ncontent-length: 68\r\n"
    "connection: close\r\n\r\n"
    "{\"message\":\"The security token included in the request is invalid.\"}";
static const char gate_incomplete[] =
    "HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\n"
    "x-amzn-errortype: IncompleteSignatureException\r\ncontent-length: 103\r\n"
    "connection: close\r\n\r\n"
    "{\"message\":\"Authorization header requires 'Credential', 'SignedHeaders' and 'Signature', "
    "well formed.\"}";
static const char gate_health[] =
    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 15\r\n"
    "connection: close\r\n\r\n{\"status\":\"ok\"}";
static const char gate_too_large[] =
    "HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: application/json\r\n"
    "x-amzn-errortype: BadRequestException\r\ncontent-length: 39\r\nconnection: close\r\n\r\n"
    "{\"message\":\"Request headers too large\"}";

static int gate_token_ok(const char *v, size_t n, const char *token, size_t token_len)
{
    static const char prefix[] = "Bearer ";
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        n--;
    if (n < sizeof(prefix) - 1 || strncasecmp(v, prefix, sizeof(prefix) - 1) != 0)
        return 0;
    return crypto_equal(v + sizeof(prefix) - 1, n - (sizeof(prefix) - 1), token, token_len);
}

/* The access key id a SigV4 credential names ("AKID/20240101/...", the
 * separator possibly percent-encoded in a presigned query). */
static int gate_key_known(const char *cred, const char *end, const admin_gate_keys_t *keys)
{
    size_t n = 0;
    while (cred + n < end && cred[n] != '/' && cred[n] != '%' && cred[n] != '&' && cred[n] != ',' &&
           cred[n] != ' ' && cred[n] != '\r')
        n++;
    return n > 0 && n < 128 && keys != NULL && keys->known != NULL &&
           keys->known(keys->ctx, cred, n);
}

/* The verdict of the first Authorization header (or, without one, of a
 * presigned query's X-Amz-Credential); ADMIN_GATE_DENY when neither is there. */
static int gate_credentials(const char *line, const char *eol, const char *p, const char *end,
                            const char *token, size_t token_len, const admin_gate_keys_t *keys)
{
    static const char name[] = "authorization:", sigv4[] = "AWS4-HMAC-SHA256 ";
    while (p < end) {
        const char *next = memchr(p, '\n', (size_t)(end - p));
        next = next != NULL ? next : end;
        if ((size_t)(next - p) >= sizeof(name) - 1 && strncasecmp(p, name, sizeof(name) - 1) == 0) {
            const char *v = p + sizeof(name) - 1;
            while (v < next && (*v == ' ' || *v == '\t'))
                v++;
            size_t n = (size_t)(next - v);
            if (n > 0 && v[n - 1] == '\r')
                n--;
            if (n >= sizeof(sigv4) - 1 && memcmp(v, sigv4, sizeof(sigv4) - 1) == 0) {
                const char *cred = memmem(v, n, "Credential=", 11);
                if (cred == NULL || memmem(v, n, "SignedHeaders=", 14) == NULL ||
                    memmem(v, n, "Signature=", 10) == NULL)
                    return ADMIN_GATE_DENY_SIG;
                return gate_key_known(cred + 11, v + n, keys) ? ADMIN_GATE_PASS
                                                              : ADMIN_GATE_DENY_KEY;
            }
            return gate_token_ok(v, n, token, token_len) ? ADMIN_GATE_PASS : ADMIN_GATE_DENY_TOKEN;
        }
        p = next + 1;
    }
    const char *cred = memmem(line, (size_t)(eol - line), "X-Amz-Credential=", 17);
    if (cred != NULL)
        return gate_key_known(cred + 17, eol, keys) ? ADMIN_GATE_PASS : ADMIN_GATE_DENY_KEY;
    return ADMIN_GATE_DENY;
}

static int gate_is_health(const char *line, const char *eol)
{
    const char *target = memchr(line, ' ', (size_t)(eol - line));
    if (target == NULL || (size_t)(target - line) != 3 || memcmp(line, "GET", 3) != 0)
        return 0;
    target++;
    size_t n = strcspn(target, " ?\r\n");
    return n == 8 && memcmp(target, "/healthz", 8) == 0;
}

/* A request for the console's static files ("/console..." in any method, or
 * GET "/") with no body and no credentials (a browser fetching the page): it
 * may pass without a token, since admin_console.c answers it without data
 * (405 for other methods) and then closes the connection. */
static int gate_is_console(const char *line, const char *eol, const char *p, const char *end)
{
    const char *target = memchr(line, ' ', (size_t)(eol - line));
    if (target == NULL)
        return 0;
    target++;
    size_t n = strcspn(target, " ?\r\n");
    int wanted = (n == 1 && target[0] == '/' && memcmp(line, "GET ", 4) == 0) ||
                 (n >= 8 && memcmp(target, "/console", 8) == 0 && (n == 8 || target[8] == '/'));
    while (wanted && p < end) {
        if (strncasecmp(p, "content-length:", 15) == 0 ||
            strncasecmp(p, "transfer-encoding:", 18) == 0 ||
            strncasecmp(p, "authorization:", 14) == 0)
            return 0;
        const char *next = memchr(p, '\n', (size_t)(end - p));
        p = next != NULL ? next + 1 : end;
    }
    return wanted;
}

int admin_gate_check(const char *head, size_t len, const char *token, size_t token_len,
                     const admin_gate_keys_t *keys)
{
    const char *end = NULL;
    for (size_t i = 3; i < len && end == NULL; i++)
        if (head[i] == '\n' && head[i - 1] == '\r' && head[i - 2] == '\n' && head[i - 3] == '\r')
            end = head + i + 1;
    if (end == NULL)
        return ADMIN_GATE_MORE;
    const char *eol = memchr(head, '\n', (size_t)(end - head));
    int verdict = gate_credentials(head, eol, eol + 1, end, token, token_len, keys);
    if (verdict == ADMIN_GATE_PASS || gate_is_console(head, eol, eol + 1, end))
        return ADMIN_GATE_PASS;
    return gate_is_health(head, eol) ? ADMIN_GATE_HEALTH : verdict;
}

/* ---- the connection's first request ---------------------------------------- */

static size_t gate_pending; /* connections whose first head is being read (loop thread) */

static void gate_free(admin_gate_t *g)
{
    gate_pending--;
    if (h2o_timeout_is_linked(&g->entry))
        h2o_timeout_unlink(&g->entry);
    free(g);
}

static void gate_on_written(h2o_socket_t *sock, const char *err)
{
    (void)err;
    h2o_socket_close(sock);
}

/* Answers with a static response and closes; the body is never read. */
static void gate_refuse(admin_gate_t *g, const char *response, size_t len)
{
    h2o_socket_t *sock = g->sock;
    h2o_socket_read_stop(sock);
    sock->data = NULL;
    gate_free(g);
    h2o_iovec_t buf = h2o_iovec_init(response, len);
    h2o_socket_write(sock, &buf, 1, gate_on_written);
}

static void gate_on_timeout(h2o_timeout_entry_t *entry)
{
    admin_gate_t *g = H2O_STRUCT_FROM_MEMBER(admin_gate_t, entry, entry);
    h2o_socket_t *sock = g->sock;
    gate_free(g);
    h2o_socket_close(sock);
}

static void gate_on_read(h2o_socket_t *sock, const char *err)
{
    admin_gate_t *g = sock->data;
    if (err != NULL) {
        gate_free(g);
        h2o_socket_close(sock);
        return;
    }
    cp_t *cp = g->cp;
    const admin_gate_keys_t keys = {cp->access_key_known, cp};
    int verdict = admin_gate_check(sock->input->bytes, sock->input->size, cp->admin_token,
                                   cp->admin_token_len, &keys);
    if (verdict == ADMIN_GATE_MORE && sock->input->size <= ADMIN_GATE_MAX_HEAD)
        return;
    if (verdict == ADMIN_GATE_MORE)
        gate_refuse(g, gate_too_large, sizeof(gate_too_large) - 1);
    else if (verdict == ADMIN_GATE_HEALTH)
        gate_refuse(g, gate_health, sizeof(gate_health) - 1);
    else if (verdict == ADMIN_GATE_DENY)
        gate_refuse(g, gate_denied, sizeof(gate_denied) - 1);
    else if (verdict == ADMIN_GATE_DENY_TOKEN)
        gate_refuse(g, gate_bad_token, sizeof(gate_bad_token) - 1);
    else if (verdict == ADMIN_GATE_DENY_KEY)
        gate_refuse(g, gate_unknown_key, sizeof(gate_unknown_key) - 1);
    else if (verdict == ADMIN_GATE_DENY_SIG)
        gate_refuse(g, gate_incomplete, sizeof(gate_incomplete) - 1);
    else {
        h2o_accept_ctx_t *ctx = g->ctx;
        h2o_socket_read_stop(sock);
        sock->data = NULL;
        gate_free(g);
        h2o_accept(ctx, sock); /* h2o parses what was read so far */
    }
}

void admin_gate_accept(cp_t *cp, h2o_accept_ctx_t *ctx, h2o_socket_t *sock)
{
    static h2o_timeout_t timeout;
    static int timeout_ready;
    admin_gate_t *g = gate_pending < ADMIN_GATE_MAX_PENDING ? calloc(1, sizeof(*g)) : NULL;
    if (g == NULL) {
        h2o_socket_close(sock); /* too many heads on their way: the oldest time out */
        return;
    }
    gate_pending++;
    if (!timeout_ready) {
        h2o_timeout_init(cp->loop, &timeout, ADMIN_GATE_TIMEOUT_MS);
        timeout_ready = 1;
    }
    *g = (admin_gate_t){.cp = cp, .ctx = ctx, .sock = sock, .timeout = &timeout};
    g->entry.cb = gate_on_timeout;
    h2o_timeout_link(cp->loop, &timeout, &g->entry);
    sock->data = g;
    h2o_socket_read_start(sock, gate_on_read);
}
