/* httpval: byte classes as tables, one pass per value. */
#include "httpval.h"

#include <string.h>

static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
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

int httpval_header_value(const char *s, size_t len)
{
    if (len > HTTPVAL_VALUE_MAX)
        return HTTPVAL_INVALID;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return HTTPVAL_INVALID;
    }
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
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("-._~!$&'()*+,;=:[]%", c) != NULL);
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
