/* jtext.c - see jtext.h. */
#include "proto/jtext.h"
#include "util/alloc.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sr_jtext_init(sr_jtext *t, char *buf, size_t cap)
{
    t->b = buf;
    t->n = 0;
    t->cap = cap;
    t->heap = 0;
    t->b[0] = 0;
}

void sr_jtext_free(sr_jtext *t)
{
    if (t->heap) free(t->b);
    t->heap = 0;
}

/* Room for need more bytes and the NUL. */
static void reserve(sr_jtext *t, size_t need)
{
    if (t->n + need < t->cap) return;
    size_t cap = (t->n + need + 1) * 2;
    if (t->heap) {
        t->b = sr_xrealloc(t->b, cap);
    } else {
        char *b = sr_xmalloc(cap);
        memcpy(b, t->b, t->n);
        t->b = b;
        t->heap = 1;
    }
    t->cap = cap;
}

void sr_jtext_raw(sr_jtext *t, const char *s, size_t len)
{
    reserve(t, len);
    memcpy(t->b + t->n, s, len);
    t->n += len;
    t->b[t->n] = 0;
}

void sr_jtext_str(sr_jtext *t, const char *s, size_t len)
{
    reserve(t, len * 6 + 2); /* the worst case: every byte a \u00XX escape */
    char *o = t->b + t->n;
    *o++ = '"';
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            *o++ = (char)c; /* UTF-8 goes as it is, as jansson writes it without ENSURE_ASCII */
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '"':
            *o++ = '"';
            break;
        case '\\':
            *o++ = '\\';
            break;
        case '\b':
            *o++ = 'b';
            break;
        case '\f':
            *o++ = 'f';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\t':
            *o++ = 't';
            break;
        default:
            o += sprintf(o, "u%04X", c);
            break;
        }
    }
    *o++ = '"';
    *o = 0;
    t->n = (size_t)(o - t->b);
}

void sr_jtext_int(sr_jtext *t, int64_t v)
{
    reserve(t, 24);
    char d[24], *p = d + sizeof d;
    /* by the magnitude as unsigned, so INT64_MIN has one */
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0) *--p = '-';
    size_t k = (size_t)(d + sizeof d - p);
    memcpy(t->b + t->n, p, k);
    t->n += k;
    t->b[t->n] = 0;
}

void sr_jtext_real(sr_jtext *t, double v)
{
    /* A whole number below 2^53 is exact: %.17g would print its digits, jansson adds ".0".
     * (Chat times are whole milliseconds, and printf's float path was a tenth of a chat.) */
    if (v > -9007199254740992.0 && v < 9007199254740992.0 && v == (double)(int64_t)v &&
        (v != 0 || !signbit(v))) {
        sr_jtext_int(t, (int64_t)v);
        sr_jtext_lit(t, ".0");
        return;
    }
    reserve(t, 32);
    char *o = t->b + t->n;
    int k = snprintf(o, 32, "%.17g", v);
    char *e = strchr(o, 'e');
    if (e) { /* jansson writes 1e+21 as 1e21 and 1e-07 as 1e-7 */
        char *d = e + 1, *w = e + 1;
        if (*d == '+')
            d++;
        else if (*d == '-')
            *w++ = *d++;
        while (*d == '0' && d[1])
            d++;
        while (*d)
            *w++ = *d++;
        *w = 0;
        k = (int)(w - o);
    }
    /* jansson marks a real as one: 3.0, never 3 */
    if (!strpbrk(o, ".eE") && k < 30) {
        o[k++] = '.';
        o[k++] = '0';
        o[k] = 0;
    }
    t->n += (size_t)k;
}
