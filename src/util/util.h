/* util.h - error codes, clocks and UTF-8 counting shared by every module (and, for the files
 * that include only this, the allocators of util/alloc.h). */
#ifndef SR_UTIL_H
#define SR_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "util/alloc.h"

#ifndef SR_VERSION
#define SR_VERSION "0.1.0"
#endif

/* Wall-clock time in milliseconds since the Unix epoch, with sub-millisecond fraction. */
double sr_now_ms(void);
/* Monotonic time in microseconds, for intervals. */
int64_t sr_mono_us(void);

/* Number of Unicode code points in the valid UTF-8 string s of len bytes. */
size_t sr_utf8_len(const char *s, size_t len);

/* 1 when s (len bytes) is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF), as RFC 6455 wants of every text message. */
int sr_utf8_valid(const unsigned char *s, size_t len);

/* Error codes: 0 is success, negatives are these. */
enum {
    SR_OK = 0,
    SR_ENOMEM = -1,
    SR_EIO = -2,
    SR_EINVAL = -3,
    SR_ENOENT = -4,
    SR_EEXIST = -5,
    SR_EPERM = -6,
    SR_EFULL = -7,
    SR_EUNAVAIL = -8, /* the store cannot write now (disk full or failing); retry later */
};
/* A static description of an SR_E* code. */
const char *sr_strerror(int code);

#endif
