/* reach.c - the public URL, trusted proxies and allowed Origins, and what they decide about a
 * request: its client address, whether it is local, whether its Origin may connect. */
#include "net/reach.h"
#include "util/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* An address as 16 bytes: IPv4 as IPv4-mapped IPv6 (::ffff:a.b.c.d), so one compare serves
 * both families and "::ffff:127.0.0.1" is the same client as "127.0.0.1". */
typedef struct ip16 {
    unsigned char b[16];
} ip16;

typedef struct cidr {
    ip16 net;
    int bits; /* prefix length over the 128 bits (an IPv4 /8 is 96 + 8) */
} cidr;

struct sr_reach {
    char *url;    /* normalised public URL or NULL */
    char *scheme; /* "http" / "https" of the public URL */
    char *host;   /* its host, lower-case (IPv6 inside brackets) */
    int port;     /* its port, explicit or default */
    cidr *trusted;
    int ntrusted;
    char **allow;
    int nallow;
};

static const unsigned char V4_PREFIX[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* Parses an address as text (no port, no brackets) into *ip. 0, or -1 when it is not one. */
static int ip_parse(const char *s, ip16 *ip)
{
    struct in_addr a4;
    if (inet_pton(AF_INET, s, &a4) == 1) {
        memcpy(ip->b, V4_PREFIX, 12);
        memcpy(ip->b + 12, &a4, 4);
        return 0;
    }
    return inet_pton(AF_INET6, s, ip->b) == 1 ? 0 : -1;
}

static int ip_is_v4(const ip16 *ip)
{
    return !memcmp(ip->b, V4_PREFIX, 12);
}

static void ip_format(const ip16 *ip, char *out, size_t n)
{
    if (!inet_ntop(ip_is_v4(ip) ? AF_INET : AF_INET6, ip_is_v4(ip) ? ip->b + 12 : ip->b, out,
                   (socklen_t)n) &&
        n)
        out[0] = 0;
}

static int ip_loopback(const ip16 *ip)
{
    static const unsigned char v6_loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return ip_is_v4(ip) ? ip->b[12] == 127 : !memcmp(ip->b, v6_loopback, 16);
}

static int cidr_has(const cidr *c, const ip16 *ip)
{
    int full = c->bits / 8, rest = c->bits % 8;
    if (memcmp(c->net.b, ip->b, (size_t)full)) return 0;
    if (!rest) return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (c->net.b[full] & mask) == (ip->b[full] & mask);
}

static int trusted_ip(const sr_reach *r, const ip16 *ip)
{
    for (int i = 0; r && i < r->ntrusted; i++)
        if (cidr_has(&r->trusted[i], ip)) return 1;
    return 0;
}

/* Copies the n bytes at s into buf (size bn) with surrounding blanks trimmed. -1 when empty or
 * too long. */
static int trimmed(const char *s, size_t n, char *buf, size_t bn)
{
    while (n && isspace((unsigned char)*s))
        s++, n--;
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (!n || n >= bn) return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    return 0;
}

/* One X-Forwarded-For element: "a.b.c.d", "a.b.c.d:port", "v6", "[v6]" or "[v6]:port". */
static int xff_elem(const char *s, size_t n, ip16 *ip)
{
    char buf[64];
    if (trimmed(s, n, buf, sizeof buf)) return -1;
    char *p = buf;
    if (*p == '[') {
        char *e = strchr(p, ']');
        if (!e || (e[1] && e[1] != ':')) return -1;
        *e = 0;
        p++;
    } else {
        char *c = strchr(p, ':');
        if (c && !strchr(c + 1, ':')) *c = 0; /* IPv4 with a port */
    }
    return ip_parse(p, ip);
}

static int fail(char *err, size_t errn, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (errn) vsnprintf(err, errn, fmt, ap);
    va_end(ap);
    return SR_EINVAL;
}

/* One --trusted-proxies element: an address, or address/prefix. */
static int parse_cidr(const char *s, size_t n, cidr *c)
{
    char buf[80];
    if (trimmed(s, n, buf, sizeof buf)) return -1;
    char *slash = strchr(buf, '/');
    if (slash) *slash = 0;
    if (ip_parse(buf, &c->net)) return -1;
    int v4 = ip_is_v4(&c->net) && !strchr(buf, ':'), max = v4 ? 32 : 128;
    int bits = max;
    if (slash) {
        char *end;
        long v = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || v < 0 || v > max) return -1;
        bits = (int)v;
    }
    c->bits = v4 ? 96 + bits : bits;
    /* the host bits of the network address are ignored: 10.1.2.3/8 means 10.0.0.0/8 */
    for (int i = c->bits; i < 128; i++)
        c->net.b[i / 8] &= (unsigned char)~(0x80 >> (i % 8));
    return 0;
}

static int default_port(const char *scheme)
{
    return !strcmp(scheme, "https") ? 443 : 80;
}

/* Splits "scheme://host[:port]rest" into lower-case scheme and host, the port (the scheme's
 * default when none is given) and a pointer to the rest. Only http and https. 0 or -1. */
static int split_origin(const char *u, char *scheme, size_t sn, char *host, size_t hn, int *port,
                        const char **rest)
{
    const char *sep = strstr(u, "://");
    if (!sep || (size_t)(sep - u) >= sn) return -1;
    for (size_t i = 0; u + i < sep; i++)
        scheme[i] = (char)tolower((unsigned char)u[i]);
    scheme[sep - u] = 0;
    if (strcmp(scheme, "http") && strcmp(scheme, "https")) return -1;
    const char *h = sep + 3, *e;
    if (*h == '[') {
        e = strchr(h, ']');
        if (!e) return -1;
        e++;
    } else {
        e = h + strcspn(h, ":/?#");
    }
    if (e == h || (size_t)(e - h) >= hn) return -1;
    for (size_t i = 0; h + i < e; i++)
        host[i] = (char)tolower((unsigned char)h[i]);
    host[e - h] = 0;
    if (strchr(host, '@')) return -1; /* no user info */
    *port = default_port(scheme);
    if (*e == ':') {
        char *end;
        long v = strtol(e + 1, &end, 10);
        if (end == e + 1 || v < 1 || v > 65535) return -1;
        *port = (int)v;
        e = end;
    }
    *rest = e;
    return 0;
}

int sr_reach_new(const char *public_url, const char *trusted, const char *const *allow,
                 sr_reach **out, char *err, size_t errn)
{
    *out = NULL;
    sr_reach *r = sr_xcalloc(1, sizeof *r);
    if (public_url && *public_url) {
        char scheme[8], host[256];
        const char *rest;
        if (split_origin(public_url, scheme, sizeof scheme, host, sizeof host, &r->port, &rest) ||
            (*rest && *rest != '/') || strpbrk(rest, "?# \t")) {
            sr_reach_free(r);
            return fail(err, errn,
                        "bad --public-url '%s' (want http(s)://host[:port][/path], no query)",
                        public_url);
        }
        size_t rl = strlen(rest);
        while (rl && rest[rl - 1] == '/')
            rl--;
        size_t n = strlen(scheme) + strlen(host) + rl + 16;
        r->url = sr_xmalloc(n);
        if (r->port == default_port(scheme))
            snprintf(r->url, n, "%s://%s%.*s", scheme, host, (int)rl, rest);
        else
            snprintf(r->url, n, "%s://%s:%d%.*s", scheme, host, r->port, (int)rl, rest);
        r->scheme = sr_xstrdup(scheme);
        r->host = sr_xstrdup(host);
    }
    for (const char *p = trusted; p && *p;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        cidr c;
        if (parse_cidr(p, len, &c)) {
            int bad = fail(err, errn, "bad --trusted-proxies entry '%.*s' (want an IP or a CIDR)",
                           (int)len, p);
            sr_reach_free(r);
            return bad;
        }
        r->trusted = sr_xrealloc(r->trusted, (size_t)(r->ntrusted + 1) * sizeof *r->trusted);
        r->trusted[r->ntrusted++] = c;
        p = comma ? comma + 1 : NULL;
    }
    for (const char *const *a = allow; a && *a; a++) {
        r->allow = sr_xrealloc(r->allow, (size_t)(r->nallow + 1) * sizeof *r->allow);
        r->allow[r->nallow++] = sr_xstrdup(*a);
    }
    *out = r;
    return 0;
}

void sr_reach_free(sr_reach *r)
{
    if (!r) return;
    free(r->url);
    free(r->scheme);
    free(r->host);
    free(r->trusted);
    for (int i = 0; i < r->nallow; i++)
        free(r->allow[i]);
    free(r->allow);
    free(r);
}

const char *sr_reach_configured_url(const sr_reach *r)
{
    return r ? r->url : NULL;
}

int sr_reach_trusted(const sr_reach *r, const char *addr)
{
    ip16 ip;
    return addr && !ip_parse(addr, &ip) && trusted_ip(r, &ip);
}

/* The forwarded client of a trusted peer into *ip: 0, or -1 when the header does not parse. */
static int forwarded_client(const sr_reach *r, const char *xff, ip16 *ip)
{
    const char *end = xff + strlen(xff);
    int any = 0;
    /* right to left: each hop appends the address it saw */
    while (end > xff) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        if (xff_elem(start, (size_t)(end - start), ip)) return -1;
        any = 1;
        if (!trusted_ip(r, ip)) return 0;
        end = start > xff ? start - 1 : xff;
    }
    return any ? 0 : -1; /* every hop trusted: *ip is the left-most */
}

void sr_reach_client_addr(const sr_reach *r, const char *peer, const char *xff, char *out, size_t n)
{
    ip16 p, c;
    if (!n) return;
    if (!peer || ip_parse(peer, &p)) {
        snprintf(out, n, "%s", peer ? peer : "");
        return;
    }
    if (xff && *xff && trusted_ip(r, &p) && !forwarded_client(r, xff, &c))
        ip_format(&c, out, n);
    else
        ip_format(&p, out, n);
}

int sr_reach_loopback(const sr_reach *r, const char *peer, const char *xff)
{
    ip16 p, c;
    if (!peer || ip_parse(peer, &p) || !ip_loopback(&p)) return 0;
    if (!xff) return 1;
    return trusted_ip(r, &p) && !forwarded_client(r, xff, &c) && ip_loopback(&c);
}

int sr_reach_is_https(const sr_reach *r, const char *peer, const char *xfp)
{
    ip16 p;
    if (!xfp || !peer || ip_parse(peer, &p) || !trusted_ip(r, &p)) return 0;
    char first[16];
    return !trimmed(xfp, strcspn(xfp, ","), first, sizeof first) && !strcasecmp(first, "https");
}

int sr_reach_origin_ok(const sr_reach *r, const char *origin, const char *host, int https)
{
    if (!origin) return 1;
    for (int i = 0; r && i < r->nallow; i++)
        if (!strcmp(r->allow[i], origin)) return 1;
    if (r && r->url) {
        char scheme[8], h[256];
        int port;
        const char *rest;
        if (!split_origin(origin, scheme, sizeof scheme, h, sizeof h, &port, &rest) && !*rest &&
            !strcmp(scheme, r->scheme) && !strcmp(h, r->host) && port == r->port)
            return 1;
    }
    /* the request's own scheme and Host, as browsers send them for a page this server served
     * (an http page must not act on the https site of the same host) */
    const char *scheme = https ? "https://" : "http://";
    size_t sl = strlen(scheme);
    return host && *host && !strncasecmp(origin, scheme, sl) && !strcasecmp(origin + sl, host);
}

const char *sr_reach_public_url(const sr_reach *r, const char *host, int https, char *out, size_t n)
{
    int k;
    if (r && r->url)
        k = snprintf(out, n, "%s", r->url);
    else if (host && *host && !strpbrk(host, "/?#@ \t"))
        k = snprintf(out, n, "%s://%s", https ? "https" : "http", host);
    else
        return NULL;
    return k > 0 && (size_t)k < n ? out : NULL;
}
