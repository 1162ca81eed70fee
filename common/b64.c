/* b64: standard base64 (see b64.h). */
#include "b64.h"

static const char b64_digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t b64_encode(const void *src, size_t n, char *out)
{
    const unsigned char *p = src;
    size_t k = 0;
    for (size_t j = 0; j < n; j += 3) {
        unsigned v = (unsigned)p[j] << 16 | (j + 1 < n ? (unsigned)p[j + 1] << 8 : 0) |
                     (j + 2 < n ? p[j + 2] : 0);
        out[k++] = b64_digits[v >> 18];
        out[k++] = b64_digits[(v >> 12) & 63];
        out[k++] = j + 1 < n ? b64_digits[(v >> 6) & 63] : '=';
        out[k++] = j + 2 < n ? b64_digits[v & 63] : '=';
    }
    return k;
}

int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
}
