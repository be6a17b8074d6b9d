/* stream.c - checks for stream URLs and their titles (the "stream" source). */
#include "source/stream.h"
#include "util/util.h"

#include <string.h>
#include <strings.h>

int sr_stream_url_check(const char *url, size_t len, const char **why)
{
#define NO(m) return (*why = (m), SR_EINVAL)
    if (!url || !len) NO("the URL is empty");
    if (len > SR_STREAM_URL_MAX) NO("the URL is longer than 2048 bytes");
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f)
            NO("the URL must be printable ASCII without spaces (percent-encode the rest)");
    size_t skip;
    if (len > 7 && !strncasecmp(url, "http://", 7))
        skip = 7;
    else if (len > 8 && !strncasecmp(url, "https://", 8))
        skip = 8;
    else
        NO("only http:// and https:// URLs can be played");
    const char *host = url + skip, *end = url + len;
    const char *auth_end = host;
    while (auth_end < end && *auth_end != '/' && *auth_end != '?' && *auth_end != '#')
        auth_end++;
    if (memchr(host, '@', (size_t)(auth_end - host)))
        NO("the URL must not carry a user name or password");
    const char *port = NULL;
    if (host < auth_end && *host == '[') { /* an IPv6 literal */
        const char *rb = memchr(host, ']', (size_t)(auth_end - host));
        if (!rb || rb == host + 1) NO("the URL has a bad IPv6 address");
        if (rb + 1 < auth_end) {
            if (rb[1] != ':') NO("the URL has a bad host");
            port = rb + 2;
        }
    } else {
        const char *colon = memchr(host, ':', (size_t)(auth_end - host));
        if (colon) port = colon + 1;
        if ((colon ? colon : auth_end) == host) NO("the URL has no host");
        for (const char *p = host; p < (colon ? colon : auth_end); p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' || *p == '_' || *p == '%'))
                NO("the URL has a bad host");
    }
    if (port) {
        long v = 0;
        if (port == auth_end) NO("the URL has an empty port");
        for (const char *p = port; p < auth_end; p++) {
            if (*p < '0' || *p > '9' || v > 65535) NO("the URL has a bad port");
            v = v * 10 + (*p - '0');
        }
        if (v < 1 || v > 65535) NO("the URL has a bad port");
    }
    return 0;
#undef NO
}

int sr_stream_text_check(const char *s, size_t len, const char **why)
{
    if (!s || !len) return (*why = "must not be empty", SR_EINVAL);
    /* sr_utf8_len counts code points of valid UTF-8; check validity and controls here */
    size_t chars = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80             ? 1
                   : (c & 0xE0) == 0xC0 ? 2
                   : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 ? 4
                                        : 0;
        if (!k || i + k > len) return (*why = "must be UTF-8", SR_EINVAL);
        for (size_t j = 1; j < k; j++)
            if (((unsigned char)s[i + j] & 0xC0) != 0x80)
                return (*why = "must be UTF-8", SR_EINVAL);
        if (c < 0x20 || c == 0x7f) return (*why = "must not contain control characters", SR_EINVAL);
        i += k;
        chars++;
    }
    if (chars > SR_STREAM_TEXT_MAX) return (*why = "is longer than 200 characters", SR_EINVAL);
    return 0;
}

char *sr_stream_default_title(const char *url)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n = strcspn(p, "?#");
    while (n > 1 && p[n - 1] == '/')
        n--;
    return sr_xstrndup(p, n);
}
