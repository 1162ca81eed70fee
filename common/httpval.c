/* httpval: byte classes as tables, one pass per value. */
#include "httpval.h"

#include <stdint.h>
#include <string.h>

/* RFC 9110 tchar */
static const unsigned char tchar[256] = {
    ['a' ... 'z'] = 1, ['A' ... 'Z'] = 1, ['0' ... '9'] = 1, ['!'] = 1, ['#'] = 1, ['$'] = 1,
    ['%'] = 1,         ['&'] = 1,         ['\''] = 1,        ['*'] = 1, ['+'] = 1, ['-'] = 1,
    ['.'] = 1,         ['^'] = 1,         ['_'] = 1,         ['`'] = 1, ['|'] = 1, ['~'] = 1,
};

/* unreserved, sub-delims, ':', '[', ']' and '%' (RFC 3986 authority) */
static const unsigned char authority_char[256] = {
    ['a' ... 'z'] = 1, ['A' ... 'Z'] = 1, ['0' ... '9'] = 1, ['-'] = 1, ['.'] = 1,  ['_'] = 1,
    ['~'] = 1,         ['!'] = 1,         ['$'] = 1,         ['&'] = 1, ['\''] = 1, ['('] = 1,
    [')'] = 1,         ['*'] = 1,         ['+'] = 1,         [','] = 1, [';'] = 1,  ['='] = 1,
    [':'] = 1,         ['['] = 1,         [']'] = 1,         ['%'] = 1,
};

static int is_tchar(unsigned char c)
{
    return tchar[c];
}

static int token(const char *s, size_t len)
{
    if (len == 0 || len > HTTPVAL_NAME_MAX)
        return HTTPVAL_INVALID;
    for (size_t i = 0; i < len; i++)
        if (!is_tchar((unsigned char)s[i]))
            return HTTPVAL_INVALID;
    return 0;
}

int httpval_method(const char *s, size_t len)
{
    return token(s, len);
}

int httpval_header_name(const char *s, size_t len)
{
    return token(s, len);
}

static int value_byte_ok(unsigned char c)
{
    return (c >= 0x20 || c == '\t') && c != 0x7f;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* A word none of whose bytes is below 0x20 or 0x7f (the bit tricks of
 * "has a byte less than n" and "has a zero byte"): most values pass eight
 * bytes at a time; a word that may hold a tab is checked byte by byte. */
static int value_word_plain(uint64_t w)
{
    uint64_t del = w ^ (0x7f * ONES);
    return (((w - 0x20 * ONES) & ~w) | ((del - ONES) & ~del)) & HIGHS ? 0 : 1;
}

int httpval_header_value(const char *s, size_t len)
{
    if (len > HTTPVAL_VALUE_MAX)
        return HTTPVAL_INVALID;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (value_word_plain(w))
            continue;
        for (size_t k = i; k < i + 8; k++)
            if (!value_byte_ok((unsigned char)s[k]))
                return HTTPVAL_INVALID;
    }
    for (; i < len; i++)
        if (!value_byte_ok((unsigned char)s[i]))
            return HTTPVAL_INVALID;
    return 0;
}

int httpval_header(const char *name, size_t name_len, const char *value, size_t value_len)
{
    return httpval_header_name(name, name_len) != 0 ? HTTPVAL_INVALID
                                                    : httpval_header_value(value, value_len);
}

int httpval_query(const char *s, size_t len)
{
    if (len > HTTPVAL_VALUE_MAX)
        return HTTPVAL_INVALID;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7f || c == '#')
            return HTTPVAL_INVALID;
    }
    return 0;
}

int httpval_target(const char *s, size_t len)
{
    if (len == 0 || s[0] != '/')
        return HTTPVAL_INVALID;
    return httpval_query(s, len);
}

static int is_authority_char(unsigned char c)
{
    return authority_char[c];
}

int httpval_authority(const char *s, size_t len)
{
    if (len == 0 || len > 1024)
        return HTTPVAL_INVALID;
    for (size_t i = 0; i < len; i++)
        if (!is_authority_char((unsigned char)s[i]))
            return HTTPVAL_INVALID;
    return 0;
}

int httpval_status(int status)
{
    return status >= 100 && status <= 599 ? 0 : HTTPVAL_INVALID;
}
