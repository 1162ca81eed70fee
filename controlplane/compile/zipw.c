/* zipw: local file headers, then the central directory and its end record
 * (APPNOTE 4.3); CRC-32 with the usual reflected 0xEDB88320 table. */
#include "zipw.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint32_t crc32_of(const char *p, size_t n)
{
    static uint32_t table[256];
    if (table[1] == 0)
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++)
        c = table[(c ^ (unsigned char)p[i]) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

static unsigned char *put16(unsigned char *o, unsigned v)
{
    o[0] = (unsigned char)v;
    o[1] = (unsigned char)(v >> 8);
    return o + 2;
}

static unsigned char *put32(unsigned char *o, uint32_t v)
{
    o = put16(o, v & 0xFFFF);
    return put16(o, v >> 16);
}

/* 1980-01-01 00:00 in DOS form: the archive does not depend on the clock */
#define DOS_TIME 0
#define DOS_DATE ((0 << 9) | (1 << 5) | 1)

int zipw_build(const zipw_entry_t *entries, size_t n, char **out, size_t *out_len)
{
    size_t size = 22;
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(entries[i].name);
        if (nl > 0xFFFF || entries[i].len > 0xFFFFFFF0u)
            return -1;
        size += 30 + 46 + 2 * nl + entries[i].len;
    }
    if (size > 0xFFFFFFF0u || n > 0xFFFF)
        return -1;
    unsigned char *buf = malloc(size), *o = buf;
    uint32_t *offsets = calloc(n + 1, sizeof(*offsets)), *crcs = calloc(n + 1, sizeof(*crcs));
    if (buf == NULL || offsets == NULL || crcs == NULL) {
        free(buf);
        free(offsets);
        free(crcs);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(entries[i].name);
        offsets[i] = (uint32_t)(o - buf);
        crcs[i] = crc32_of(entries[i].data, entries[i].len);
        o = put32(o, 0x04034b50u);
        o = put16(o, 10);       /* version needed */
        o = put16(o, 1u << 11); /* UTF-8 names */
        o = put16(o, 0);        /* stored */
        o = put16(o, DOS_TIME);
        o = put16(o, DOS_DATE);
        o = put32(o, crcs[i]);
        o = put32(o, (uint32_t)entries[i].len);
        o = put32(o, (uint32_t)entries[i].len);
        o = put16(o, (unsigned)nl);
        o = put16(o, 0);
        memcpy(o, entries[i].name, nl);
        o += nl;
        memcpy(o, entries[i].data, entries[i].len);
        o += entries[i].len;
    }
    uint32_t cd = (uint32_t)(o - buf);
    for (size_t i = 0; i < n; i++) {
        size_t nl = strlen(entries[i].name);
        o = put32(o, 0x02014b50u);
        o = put16(o, (3u << 8) | 20); /* made by Unix, 2.0 */
        o = put16(o, 10);
        o = put16(o, 1u << 11);
        o = put16(o, 0);
        o = put16(o, DOS_TIME);
        o = put16(o, DOS_DATE);
        o = put32(o, crcs[i]);
        o = put32(o, (uint32_t)entries[i].len);
        o = put32(o, (uint32_t)entries[i].len);
        o = put16(o, (unsigned)nl);
        o = put16(o, 0);              /* extra */
        o = put16(o, 0);              /* comment */
        o = put16(o, 0);              /* disk */
        o = put16(o, 0);              /* internal attributes */
        o = put32(o, 0100644u << 16); /* external: a regular file, rw-r--r-- */
        o = put32(o, offsets[i]);
        memcpy(o, entries[i].name, nl);
        o += nl;
    }
    uint32_t cd_len = (uint32_t)(o - buf) - cd;
    o = put32(o, 0x06054b50u);
    o = put16(o, 0);
    o = put16(o, 0);
    o = put16(o, (unsigned)n);
    o = put16(o, (unsigned)n);
    o = put32(o, cd_len);
    o = put32(o, cd);
    o = put16(o, 0);
    free(offsets);
    free(crcs);
    *out = (char *)buf;
    *out_len = (size_t)(o - buf);
    return 0;
}
