/* reach.h - how the server is reached: the public URL that links and Origin checks use, the
 * proxies whose X-Forwarded-For / X-Forwarded-Proto are believed, and the extra allowed
 * Origins. Plain strings in, decisions out: no lws here, so every rule is unit-tested. */
#ifndef SR_REACH_H
#define SR_REACH_H

#include <stddef.h>

typedef struct sr_reach sr_reach;

/* Parses the configuration. public_url: "http(s)://host[:port][/path]" or NULL (links and
 * Origins follow each request's own Host). trusted: comma-separated IPv4/IPv6 addresses and
 * CIDRs ("127.0.0.1, 10.0.0.0/8, fd00::/8") or NULL (no proxy is believed). allow: extra
 * allowed Origins, a NULL-terminated array or NULL; the strings are copied. Returns 0 and a new
 * sr_reach in *out (the caller frees it with sr_reach_free), or SR_EINVAL with *out NULL and a
 * sentence in err (errn bytes) saying what is wrong. */
int sr_reach_new(const char *public_url, const char *trusted, const char *const *allow,
                 sr_reach **out, char *err, size_t errn);
/* Frees r (NULL is fine). */
void sr_reach_free(sr_reach *r);

/* The configured public URL, normalised ("https://example.com/sr": lower-case scheme and host,
 * no default port, no trailing slash), borrowed for r's lifetime; NULL when none is set. */
const char *sr_reach_configured_url(const sr_reach *r);

/* 1 when addr (an IPv4 or IPv6 address as text) is one of the trusted proxies. */
int sr_reach_trusted(const sr_reach *r, const char *addr);

/* The client's address, written into out (n bytes; normalised text, e.g. "203.0.113.7").
 * peer is the TCP peer; xff the X-Forwarded-For header (every occurrence, comma-joined) or
 * NULL. Only a trusted peer's header is read: the right-most address in it that is not itself
 * a trusted proxy (every hop trusted: the left-most). Anything else, and a header that does
 * not parse, gives the peer's address. */
void sr_reach_client_addr(const sr_reach *r, const char *peer, const char *xff, char *out,
                          size_t n);

/* 1 when the request is from this machine: the peer is a loopback address and either no
 * X-Forwarded-For came with it or the peer is a trusted proxy whose header names a loopback
 * client. A forwarded header from an untrusted loopback peer (a local proxy not declared)
 * means someone else may stand behind it: 0. */
int sr_reach_loopback(const sr_reach *r, const char *peer, const char *xff);

/* 1 when the client reached the proxy by https: a trusted peer's X-Forwarded-Proto (xfp, may
 * be NULL; its first value) is "https". 0 otherwise (this server itself speaks plain HTTP). */
int sr_reach_is_https(const sr_reach *r, const char *peer, const char *xfp);

/* 1 when a request from a browser page of origin may act here (a WebSocket handshake, a
 * cookie-authenticated change): origin is NULL (not a browser), equals one of the allowed
 * Origins, has the public URL's origin (scheme, host and port compared, default ports
 * implied), or is the request's own origin: the scheme the client used (https: 1 when it came
 * by https, as sr_reach_is_https says) and the request's Host header (host[:port]). */
int sr_reach_origin_ok(const sr_reach *r, const char *origin, const char *host, int https);

/* The base of absolute links: the public URL when one is set, else "http(s)://host" of the
 * request (https as sr_reach_is_https said). Writes it into out (n bytes) and returns out, or
 * NULL when neither is known or it does not fit. */
const char *sr_reach_public_url(const sr_reach *r, const char *host, int https, char *out,
                                size_t n);

#endif
