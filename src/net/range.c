/* range.c - parse an HTTP Range header for a single byte range (RFC 9110 section 14). */
#include "net/range.h"

#include <stddef.h>

/* Optional whitespace (RFC 9110 OWS): space and horizontal tab. */
static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

static int lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Reads 1*DIGIT at *pp into *out, saturating at INT64_MAX (a position that large is past any
 * entity, so saturating keeps the meaning). Returns 0 when there is no digit. */
static int read_digits(const char **pp, int64_t *out)
{
    const char *p = *pp;
    int64_t v = 0;
    if (*p < '0' || *p > '9') return 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        int d = *p - '0';
        if (v > (INT64_MAX - d) / 10)
            v = INT64_MAX;
        else
            v = v * 10 + d;
    }
    *pp = p;
    *out = v;
    return 1;
}

/* One range-spec: "first-last", "first-" or "-suffix", with OWS allowed around the dash.
 * On success sets *first (-1 for a suffix range), *last (-1 when open) and *suffix. */
static int read_spec(const char **pp, int64_t *first, int64_t *last, int64_t *suffix)
{
    const char *p = *pp;
    *first = *last = *suffix = -1;
    if (read_digits(&p, first)) {
        p = skip_ows(p);
        if (*p != '-') return 0;
        p = skip_ows(p + 1);
        if (read_digits(&p, last) && *last < *first)
            return 0; /* "5-2": invalid, the header is ignored */
    } else {
        if (*p != '-') return 0;
        p = skip_ows(p + 1);
        if (!read_digits(&p, suffix)) return 0;
    }
    *pp = p;
    return 1;
}

/* Contract in range.h. *start and *end are written on every return: the whole entity
 * [0, size-1] for SR_RANGE_NONE, the range for SR_RANGE_PARTIAL, and [0, -1] for
 * SR_RANGE_UNSATISFIABLE. A negative size is treated as an unknown entity: SR_RANGE_NONE.
 * Empty list elements ("bytes=0-9, ,") are ignored, as RFC 9110 section 5.6.1 requires;
 * more than one non-empty range-spec yields SR_RANGE_NONE. On a zero-length entity every
 * syntactically valid range is unsatisfiable. */
int sr_range_parse(const char *hdr, int64_t size, int64_t *start, int64_t *end)
{
    static const char unit[] = "bytes";
    int64_t first = -1, last = -1, suffix = -1;
    int specs = 0;
    const char *p;

    *start = 0;
    *end = size > 0 ? size - 1 : -1;
    if (!hdr || size < 0) return SR_RANGE_NONE;

    p = skip_ows(hdr);
    for (size_t i = 0; i < sizeof unit - 1; i++, p++)
        if (lower((unsigned char)*p) != unit[i]) return SR_RANGE_NONE;
    p = skip_ows(p);
    if (*p++ != '=') return SR_RANGE_NONE;

    for (;;) {
        p = skip_ows(p);
        if (*p == ',') { /* empty list element */
            p++;
            continue;
        }
        if (*p == '\0') break;
        if (specs++ > 0) return SR_RANGE_NONE; /* a second range: multipart is not supported */
        if (!read_spec(&p, &first, &last, &suffix)) return SR_RANGE_NONE;
        p = skip_ows(p);
        if (*p != ',' && *p != '\0') return SR_RANGE_NONE;
    }
    if (specs == 0) return SR_RANGE_NONE; /* "bytes=" or "bytes=," */

    if (first < 0) { /* suffix range: the last `suffix` bytes */
        if (suffix == 0 || size == 0) {
            *end = -1;
            return SR_RANGE_UNSATISFIABLE;
        }
        *start = suffix >= size ? 0 : size - suffix;
        *end = size - 1;
        return SR_RANGE_PARTIAL;
    }
    if (first >= size) {
        *end = -1;
        return SR_RANGE_UNSATISFIABLE;
    }
    *start = first;
    *end = (last < 0 || last >= size) ? size - 1 : last;
    return SR_RANGE_PARTIAL;
}
