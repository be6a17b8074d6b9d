/* outbound.h - the one policy for addresses that the server, or its listeners' players, will
 * fetch on someone's word (stream URLs today, webhooks later): a URL whose host is, or
 * resolves to, a loopback, private, link-local, shared (CGNAT), unspecified, multicast or
 * reserved address is refused unless the operator allows those (--allow-private-urls 1).
 * Otherwise anyone who may add a stream could make every listener's browser (or the server)
 * reach into the machines behind them: a router's admin page, a metadata service.
 *
 * It lives in util/ rather than net/ because the application's modules call it, and arrows go
 * net -> app -> ... -> util. Everything but sr_outbound_check_* is pure; those resolve the
 * name (getaddrinfo) and so may block for seconds: call them on a pool thread, never on the
 * service thread. */
#ifndef SR_OUTBOUND_H
#define SR_OUTBOUND_H

#include <stddef.h>
#include <sys/socket.h>

#define SR_OUTBOUND_HOST_MAX 256 /* bytes of a host name, with its NUL */

/* What a check answers: 0 (the address may be fetched), or a refusal. */
enum {
    SR_OUTBOUND_OK = 0,
    SR_OUTBOUND_PRIVATE = 1, /* private_address: the host is or resolves to a refused address */
    SR_OUTBOUND_UNKNOWN = 2, /* unknown_host: the name does not resolve, so it cannot be judged */
    SR_OUTBOUND_BAD = 3,     /* bad_url: no host can be read from the URL */
};

/* 1 when the IPv4 address (4 bytes, network order) is not a public unicast address: 0/8,
 * 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.168/16, 198.18/15, 224/4
 * (multicast) and 240/4 (reserved, broadcast). */
int sr_outbound_private_v4(const unsigned char a[4]);
/* 1 when the IPv6 address (16 bytes) is not a public unicast address: ::, ::1, fc00::/7,
 * fe80::/10, fec0::/10, ff00::/8, and any IPv4 address carried inside one (::ffff:a.b.c.d
 * mapped, ::a.b.c.d compatible, 64:ff9b::/96 NAT64, 2002::/16 6to4) that is refused. */
int sr_outbound_private_v6(const unsigned char a[16]);
/* The same for a socket address (AF_INET or AF_INET6; any other family is refused: 1). */
int sr_outbound_private_sa(const struct sockaddr *sa);

/* Copies the host of an http:// or https:// URL (as sr_stream_url_check accepts) into
 * buf[cap]: percent-decoded and lower-cased the way a browser reads it, an IPv6 literal without
 * its brackets or zone. Returns 0, or SR_OUTBOUND_BAD when there is no host or it does not fit,
 * or decodes to something no browser would look up (a control byte, a space, '/', '@'). */
int sr_outbound_url_host(const char *url, char *buf, size_t cap);

/* The policy for a host name or literal: with allow_private every host passes unresolved;
 * otherwise "localhost" and names under ".localhost" (browsers send those to loopback whatever
 * DNS says) are SR_OUTBOUND_PRIVATE, and every address the name resolves to must be public.
 * Blocks while resolving. */
int sr_outbound_check_host(const char *host, int allow_private);
/* sr_outbound_check_host on the host of url (SR_OUTBOUND_BAD when it has none). */
int sr_outbound_check_url(const char *url, int allow_private);

/* The protocol's error code for a refusal ("private_address", "unknown_host", "bad_url"), NULL
 * for SR_OUTBOUND_OK, and a sentence saying why. Static strings. */
const char *sr_outbound_code(int verdict);
const char *sr_outbound_message(int verdict);

#endif
