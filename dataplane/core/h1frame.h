/* h1frame: the pure parts of the data plane's HTTP/1.1 server (h1conn.c),
 * kept apart from the socket so that unit tests and the fuzzer drive them:
 * the request head (picohttpparser as libh2o exports it, with h2o 2.2.5's
 * limits), the entity framing (Content-Length or chunked, with h2o's 400 and
 * 413 answers) and the response head, written without sprintf but byte for
 * byte as h2o's lib/http1.c flatten_headers writes it.
 *
 * Nothing here allocates: the caller owns every buffer. Any thread. */
#ifndef PORTICO_H1FRAME_H
#define PORTICO_H1FRAME_H

#include <h2o.h>

#include "picohttp.h"

/* h2o 2.2.5's limits (H2O_MAX_HEADERS, H2O_MAX_REQLEN) */
#define H1FRAME_MAX_HEADERS 100
#define H1FRAME_MAX_REQLEN 8192

int phr_parse_request(const char *buf, size_t len, const char **method, size_t *method_len,
                      const char **path, size_t *path_len, int *minor_version,
                      struct phr_header *headers, size_t *num_headers, size_t last_len);

/* A parsed request head; the pointers point into the parsed bytes. */
typedef struct {
    h2o_iovec_t method;
    h2o_iovec_t path;
    int minor_version;
    size_t num_headers;
    struct phr_header headers[H1FRAME_MAX_HEADERS];
} h1frame_head_t;

enum {
    H1FRAME_BROKEN = -1,     /* not HTTP/1: 400, or the HTTP/2 preface, or CR/LF only */
    H1FRAME_INCOMPLETE = -2, /* read more */
    H1FRAME_TOO_LARGE = -3,  /* no complete head in H1FRAME_MAX_REQLEN bytes: 400 */
};

/* Parses the head at the start of buf[0, len); prevlen is the length given
 * to the previous call on the same head (0 at first). Returns the head's
 * length (> 0) or one of the codes above. */
int h1frame_parse_head(const char *buf, size_t len, size_t prevlen, h1frame_head_t *head);

/* What the bytes a parse refused are: 1 when they start with "PRI * HTTP/2"
 * (HTTP/2 with prior knowledge), 2 when they are at most 4 CR/LF (a client
 * closing quietly: no answer), 0 otherwise (400). */
int h1frame_classify_broken(const char *buf, size_t len);

/* The entity a request announces, from its Content-Length or (the last)
 * Transfer-Encoding header. */
typedef struct {
    int chunked;
    size_t content_length;
    int status;         /* 0, or the error to answer: 400 or 413 */
    const char *reason; /* the error's reason phrase and body, as h2o gives them */
    const char *body;
} h1frame_entity_t;

/* Sets *out from the entity header (name and value as parsed; the name is
 * either content-length or transfer-encoding, in any case). */
void h1frame_entity(const struct phr_header *entity_header, size_t max_entity,
                    h1frame_entity_t *out);

/* A chunked entity decoded in place, as h2o does it. */
typedef struct {
    struct phr_chunked_decoder decoder;
    size_t decoded; /* bytes of buf already decoded (from the head's end) */
} h1frame_chunked_t;

void h1frame_chunked_init(h1frame_chunked_t *c, size_t head_len);

/* Feeds the bytes that arrived: buf[0, *size) holds the head (head_len bytes)
 * and the entity as received. Returns 0 while incomplete, 1 when complete
 * (the decoded entity is buf[head_len, *entity_end), *size still counts the
 * bytes after it: the next request), or 400/413 (the entity reached
 * max_entity). */
int h1frame_chunked_feed(h1frame_chunked_t *c, char *buf, size_t *size, size_t head_len,
                         size_t max_entity, size_t *entity_end);

/* A response head as h2o's flatten_headers writes it. */
typedef struct {
    int status; /* 100..999 */
    const char *reason;
    const char *date;       /* H2O_TIMESTR_RFC1123_LEN characters */
    h2o_iovec_t connection; /* "keep-alive", "close" or "upgrade" */
    size_t content_length;  /* SIZE_MAX: none written */
    h2o_iovec_t server_name;
    const h2o_header_t *headers;
    size_t num_headers;
    int msie; /* the client is MSIE: Vary becomes Cache-Control: private */
} h1frame_res_t;

/* An upper bound of h1frame_write_head's length. */
size_t h1frame_head_size(const h1frame_res_t *res);

/* Writes the head into dst (h1frame_head_size bytes); returns its length. */
size_t h1frame_write_head(char *dst, const h1frame_res_t *res);

#endif
