/* picohttp: the parts of picohttpparser (bundled and exported by Debian's
 * libh2o 2.2.5, whose headers do not install picohttpparser.h) that the
 * upstream client uses; declarations as in h2o 2.2.5's
 * deps/picohttpparser/picohttpparser.h (MIT). */
#ifndef PORTICO_PICOHTTP_H
#define PORTICO_PICOHTTP_H

#include <stddef.h>
#include <sys/types.h>

struct phr_header {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
};

int phr_parse_response(const char *buf, size_t len, int *minor_version, int *status,
                       const char **msg, size_t *msg_len, struct phr_header *headers,
                       size_t *num_headers, size_t last_len);

struct phr_chunked_decoder {
    size_t bytes_left_in_chunk;
    char consume_trailer;
    char _hex_count;
    char _state;
};

ssize_t phr_decode_chunked(struct phr_chunked_decoder *decoder, char *buf, size_t *bufsz);
int phr_decode_chunked_is_in_data(struct phr_chunked_decoder *decoder);

#endif
