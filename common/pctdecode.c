/* pctdecode: percent-decoding (see pctdecode.h). */
#include "pctdecode.h"

int pct_hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

size_t pct_decode(const char *s, size_t len, int plus, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < len && (hi = pct_hexval((unsigned char)s[i + 1])) >= 0 &&
            (lo = pct_hexval((unsigned char)s[i + 2])) >= 0) {
            out[n++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[n++] = plus && s[i] == '+' ? ' ' : s[i];
        }
    }
    return n;
}
