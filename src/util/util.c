/* util.c - clocks, UTF-8 counting and error strings. */
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

double sr_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

int64_t sr_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

size_t sr_utf8_len(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
    return n;
}

const char *sr_strerror(int code)
{
    switch (code) {
    case SR_OK:
        return "ok";
    case SR_ENOMEM:
        return "out of memory";
    case SR_EIO:
        return "i/o error";
    case SR_EINVAL:
        return "invalid argument";
    case SR_ENOENT:
        return "not found";
    case SR_EEXIST:
        return "already exists";
    case SR_EPERM:
        return "not permitted";
    case SR_EFULL:
        return "full";
    case SR_EUNAVAIL:
        return "storage unavailable";
    }
    return "unknown error";
}
