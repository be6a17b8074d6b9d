/* outbound.c - which addresses may be fetched on a user's word (see outbound.h). */
#include "util/outbound.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

int sr_outbound_private_v4(const unsigned char a[4])
{
    return a[0] == 0 || a[0] == 10 || a[0] == 127 || (a[0] == 100 && (a[1] & 0xC0) == 64) ||
           (a[0] == 169 && a[1] == 254) || (a[0] == 172 && (a[1] & 0xF0) == 16) ||
           (a[0] == 192 && a[1] == 0 && a[2] == 0) || (a[0] == 192 && a[1] == 168) ||
           (a[0] == 198 && (a[1] & 0xFE) == 18) || a[0] >= 224;
}

static int zeros(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

int sr_outbound_private_v6(const unsigned char a[16])
{
    if (zeros(a, 10) && a[10] == 0xff && a[11] == 0xff) /* ::ffff:a.b.c.d, mapped */
        return sr_outbound_private_v4(a + 12);
    if (zeros(a, 12)) /* ::, ::1 and the deprecated ::a.b.c.d (0.x.x.x covers the first two) */
        return sr_outbound_private_v4(a + 12);
    static const unsigned char nat64[12] = {0x00, 0x64, 0xff, 0x9b};
    if (!memcmp(a, nat64, 12)) return sr_outbound_private_v4(a + 12);
    if (a[0] == 0x20 && a[1] == 0x02) return sr_outbound_private_v4(a + 2); /* 6to4 */
    return (a[0] & 0xFE) == 0xFC                      /* fc00::/7, unique local */
           || (a[0] == 0xFE && (a[1] & 0x80) == 0x80) /* fe80::/10 link-local, fec0::/10 */
           || a[0] == 0xFF;                           /* multicast */
}

int sr_outbound_private_sa(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return sr_outbound_private_v4(
            (const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr);
    if (sa->sa_family == AF_INET6)
        return sr_outbound_private_v6(
            (const unsigned char *)&((const struct sockaddr_in6 *)sa)->sin6_addr);
    return 1;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

int sr_outbound_url_host(const char *url, char *buf, size_t cap)
{
    const char *p = strstr(url, "://");
    if (!p || !cap) return SR_OUTBOUND_BAD;
    p += 3;
    size_t n = strcspn(p, "/?#");
    const char *at = memchr(p, '@', n); /* refused by the stream check; skip it all the same */
    if (at) n -= (size_t)(at + 1 - p), p = at + 1;
    const char *end = p + n;
    int v6 = p < end && *p == '[';
    if (v6) { /* an IPv6 literal: up to ']', without a zone */
        const char *rb = memchr(p, ']', n);
        if (!rb) return SR_OUTBOUND_BAD;
        p++;
        end = rb;
        const char *zone = memchr(p, '%', (size_t)(end - p));
        if (zone) end = zone;
    } else {
        const char *colon = memchr(p, ':', n);
        if (colon) end = colon;
    }
    size_t o = 0;
    for (const char *c = p; c < end; c++) {
        unsigned char ch = (unsigned char)*c;
        if (ch == '%' && end - c > 2 && hexval(c[1]) >= 0 && hexval(c[2]) >= 0) {
            ch = (unsigned char)(hexval(c[1]) * 16 + hexval(c[2]));
            c += 2;
        }
        /* what WHATWG's host parser refuses after decoding: the lookup would never happen */
        if (ch <= 0x20 || ch == 0x7f || (ch == ':' && !v6) || strchr("#%/<>?@[\\]^|", ch))
            return SR_OUTBOUND_BAD;
        if (o + 1 >= cap) return SR_OUTBOUND_BAD;
        buf[o++] = (char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
    }
    if (!o) return SR_OUTBOUND_BAD;
    buf[o] = 0;
    return 0;
}

/* "localhost", "localhost." and names under it: loopback in browsers whatever DNS says. */
static int is_localhost(const char *host)
{
    size_t n = strlen(host);
    if (n && host[n - 1] == '.') n--;
    return (n == 9 && !strncmp(host, "localhost", 9)) ||
           (n > 10 && !strncmp(host + n - 10, ".localhost", 10));
}

int sr_outbound_check_host(const char *host, int allow_private)
{
    if (!host || !*host) return SR_OUTBOUND_BAD;
    if (allow_private) return SR_OUTBOUND_OK;
    if (is_localhost(host)) return SR_OUTBOUND_PRIVATE;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(host, NULL, &hints, &res) || !res) return SR_OUTBOUND_UNKNOWN;
    int verdict = SR_OUTBOUND_OK;
    for (const struct addrinfo *ai = res; ai && !verdict; ai = ai->ai_next)
        if (sr_outbound_private_sa(ai->ai_addr)) verdict = SR_OUTBOUND_PRIVATE;
    freeaddrinfo(res);
    return verdict;
}

int sr_outbound_check_url(const char *url, int allow_private)
{
    char host[SR_OUTBOUND_HOST_MAX];
    if (!url || sr_outbound_url_host(url, host, sizeof host)) return SR_OUTBOUND_BAD;
    return sr_outbound_check_host(host, allow_private);
}

const char *sr_outbound_code(int verdict)
{
    return verdict == SR_OUTBOUND_PRIVATE   ? "private_address"
           : verdict == SR_OUTBOUND_UNKNOWN ? "unknown_host"
           : verdict == SR_OUTBOUND_BAD     ? "bad_url"
                                            : NULL;
}

const char *sr_outbound_message(int verdict)
{
    return verdict == SR_OUTBOUND_PRIVATE
               ? "the URL's host is a loopback, private or link-local address (or its name "
                 "resolves to one); this server does not allow those"
           : verdict == SR_OUTBOUND_UNKNOWN
               ? "the URL's host name does not resolve, so the server cannot check where it leads"
           : verdict == SR_OUTBOUND_BAD ? "the URL has no host that could be looked up"
                                        : "";
}
