/* range.h - parse an HTTP Range header for a single byte range (RFC 9110 section 14). */
#ifndef SR_RANGE_H
#define SR_RANGE_H

#include <stdint.h>

enum {
    SR_RANGE_NONE = 0,           /* no usable Range: send the whole entity with 200 */
    SR_RANGE_PARTIAL = 1,        /* send [*start, *end] inclusive with 206 */
    SR_RANGE_UNSATISFIABLE = -1, /* answer 416 with Content-Range: bytes * / size */
};

/* Parses hdr (the Range header value, or NULL when absent) against an entity of size bytes.
 * Supports "bytes=a-b", "bytes=a-" and "bytes=-n". A syntactically invalid header or a
 * multi-range request yields SR_RANGE_NONE (the whole entity), as RFC 9110 allows.
 * A range starting at or after size, or a zero-length suffix, yields SR_RANGE_UNSATISFIABLE. */
int sr_range_parse(const char *hdr, int64_t size, int64_t *start, int64_t *end);

#endif
