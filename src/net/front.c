/* front.c - the plain-HTTP port when our own WebSocket layer carries the sessions (see front.h):
 * accepting, looking at each new connection's first request without reading it, and handing
 * the connection either to wsown.c (a WebSocket handshake we answer ourselves) or to lws
 * (everything else, which lws then serves exactly as if it had accepted it). */
#include "net/front.h"
#include "net/fdlimit.h"
#include "net/net_int.h"
#include "net/wsown.h"
#include "util/log.h"
#include "util/util.h"

#include <ev.h>
#include <openssl/evp.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define TICK_S 0.02   /* timers: the close handshakes' waits, lingering closes, header deadlines */
#define CLOSE_WAIT_US 3000000

/* A connection accepted whose first request has not all come yet. */
typedef struct pend {
    uint8_t kind; /* NET_POLL_PENDING */
    int fd;
    int64_t deadline;
    struct pend *prev, *next; /* in accept order, so deadlines are in order too */
} pend;

struct net_front {
    uint8_t kind; /* NET_POLL_LISTEN: the listening socket's epoll events point here */
    int lfd, epfd;
    sr_server *srv;
    ev_io io;
    ev_timer timer;
    pend *head, *tail;
    int64_t header_us;
};

static void pend_free(net_front *f, pend *p, int close_fd)
{
    if (p->prev) p->prev->next = p->next;
    else f->head = p->next;
    if (p->next) p->next->prev = p->prev;
    else f->tail = p->prev;
    if (close_fd) {
        /* what was only peeked is still unread, and closing over unread input makes the
         * kernel send a reset instead of an orderly end: read it first */
        char sink[4096];
        for (int i = 0; i < 4 && recv(p->fd, sink, sizeof sink, MSG_DONTWAIT) > 0; i++)
            ;
        close(p->fd); /* also leaves the epoll set */
    } else {
        epoll_ctl(f->epfd, EPOLL_CTL_DEL, p->fd, NULL);
    }
    free(p);
}

/* Everything but a plain WebSocket handshake: lws reads the request from the start. */
static void hand_to_lws(net_front *f, pend *p)
{
    int fd = p->fd;
    pend_free(f, p, 0);
    if (!lws_adopt_socket(f->srv->ctx, fd)) /* closes fd on failure */
        sr_log(SR_LOG_WARN, "lws did not take a connection", NULL);
}

/* The headers a handshake is decided on: pointers into the request head, NUL-terminated. */
typedef struct head {
    const char *upgrade, *connection, *version, *key, *protocol, *origin, *host, *site, *xfp,
        *cookie, *authz;
} head;

static int has_token(const char *list, const char *tok)
{
    size_t n = strlen(tok);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        size_t k = strcspn(p, ", \t");
        if (k == n && !strncasecmp(p, tok, n)) return 1;
        p += k;
    }
    return 0;
}

/* Parses the head (text, its "\r\n\r\n" included, NUL after) in place. Returns 0 when it is a
 * GET over HTTP/1.1 whose headers we could read (each named once), -1 otherwise. */
static int parse_head(char *text, head *h)
{
    memset(h, 0, sizeof *h);
    char *line = text, *eol = strstr(line, "\r\n");
    if (!eol) return -1;
    *eol = 0;
    size_t ll = strlen(line);
    if (strncmp(line, "GET /", 5) || ll < 14 || strcmp(line + ll - 9, " HTTP/1.1")) return -1;
    static const struct {
        const char *name;
        size_t off;
    } want[] = {
        {"upgrade", offsetof(head, upgrade)},
        {"connection", offsetof(head, connection)},
        {"sec-websocket-version", offsetof(head, version)},
        {"sec-websocket-key", offsetof(head, key)},
        {"sec-websocket-protocol", offsetof(head, protocol)},
        {"origin", offsetof(head, origin)},
        {"host", offsetof(head, host)},
        {"sec-fetch-site", offsetof(head, site)},
        {"x-forwarded-proto", offsetof(head, xfp)},
        {"cookie", offsetof(head, cookie)},
        {"authorization", offsetof(head, authz)},
    };
    for (line = eol + 2; *line && strncmp(line, "\r\n", 2); line = eol + 2) {
        eol = strstr(line, "\r\n");
        if (!eol) return -1;
        *eol = 0;
        char *colon = strchr(line, ':');
        if (!colon || colon == line) return -1;
        *colon = 0;
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        for (char *e = eol; e > v && (e[-1] == ' ' || e[-1] == '\t');)
            *--e = 0;
        for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
            if (strcasecmp(line, want[i].name)) continue;
            const char **slot = (const char **)((char *)h + want[i].off);
            if (*slot) return -1; /* named twice: lws's rules, not a guess of ours */
            *slot = v;
        }
    }
    return 0;
}

/* RFC 6455 §4.2.2: base64(SHA-1(key + the GUID)). */
static int accept_key(const char *key, char out[32])
{
    char in[160];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    int n = snprintf(in, sizeof in, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
    if (n <= 0 || (size_t)n >= sizeof in ||
        !EVP_Digest(in, (size_t)n, md, &mdlen, EVP_sha1(), NULL) || mdlen != 20)
        return -1;
    return lws_b64_encode_string((const char *)md, 20, out, 32) == 28 ? 0 : -1;
}

/* A handshake we answer: reads the head off the socket, sends 101 and opens the session. */
static void take(net_front *f, pend *p, const head *h, size_t headlen)
{
    char acc[32], buf[NET_HEADER_MAX + 1], tok[160];
    int fd = p->fd;
    if (accept_key(h->key, acc)) {
        hand_to_lws(f, p);
        return;
    }
    net_credentials_parse(h->authz, h->cookie, tok, sizeof tok);
    pend_free(f, p, 0);
    if (recv(fd, buf, headlen, MSG_DONTWAIT) != (ssize_t)headlen) {
        close(fd);
        return;
    }
    char res[160];
    int n = snprintf(res, sizeof res,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                     acc);
    /* a fresh socket's send buffer takes these 129 bytes whole */
    if (send(fd, res, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n) {
        close(fd);
        return;
    }
    net_ws_open_own(f->srv, fd, tok);
}

/* Looks at what has come of p's first request. Returns when it waits for more. */
static void classify(net_front *f, pend *p)
{
    char buf[NET_HEADER_MAX + 1];
    ssize_t n = recv(p->fd, buf, NET_HEADER_MAX, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        pend_free(f, p, 1);
        return;
    }
    if (n < 0) return;
    if (f->srv->shutting) { /* refused, as lws refuses new connections then */
        pend_free(f, p, 1);
        return;
    }
    size_t k = (size_t)n < 4 ? (size_t)n : 4;
    if (memcmp(buf, "GET ", k)) {
        hand_to_lws(f, p);
        return;
    }
    buf[n] = 0;
    char *end = k == 4 ? strstr(buf, "\r\n\r\n") : NULL;
    if (!end) {
        if (n >= NET_HEADER_MAX || memchr(buf, 0, (size_t)n)) hand_to_lws(f, p);
        return; /* the rest is still on its way (an edge wakes us when it comes) */
    }
    size_t headlen = (size_t)(end + 4 - buf);
    end[2] = 0; /* the head's last line ends; the blank line is cut off */
    head h;
    if (parse_head(buf, &h) || !h.upgrade || strcasecmp(h.upgrade, "websocket") ||
        !h.connection || !has_token(h.connection, "upgrade") || !h.version ||
        strcmp(h.version, "13") || !h.key || !*h.key || strlen(h.key) >= 100 || h.protocol) {
        hand_to_lws(f, p); /* lws answers, refuses or upgrades it as before */
        return;
    }
    char peer[64] = "";
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (!getpeername(p->fd, (struct sockaddr *)&ss, &sl))
        getnameinfo((struct sockaddr *)&ss, sl, peer, sizeof peer, NULL, 0, NI_NUMERICHOST);
    int https = sr_reach_is_https(f->srv->cfg.reach, peer, h.xfp);
    if (!net_origin_decide(f->srv, h.origin, h.host, h.origin ? NULL : h.site, https)) {
        hand_to_lws(f, p); /* lws refuses it with 403 and logs the origin */
        return;
    }
    take(f, p, &h, headlen);
}

/* Set once on the listening socket: Linux copies these to every socket accepted from it (and
 * starts the keepalive timer of each), which saves five system calls per connection. */
static void tune(int fd)
{
    int one = 1, idle = 60, intvl = 10, cnt = 4;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    /* dead peers are found by keepalive, as lws was told (server.c) */
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
}

static void on_listen(net_front *f)
{
    for (;;) {
        /* fdlimit.c's accept: at most --accept-burst a pass (unless the kernel's queue is
         * filling), and a connection refused rather than a spin at the open-file limit */
        int fd = sr_fdlimit_accept(f->lfd, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        sr_wsguard_reset(fd); /* whatever watched this descriptor's last user is stale */
        if (f->srv->shutting) {
            close(fd);
            continue;
        }
        pend *p = sr_xcalloc(1, sizeof *p);
        p->kind = NET_POLL_PENDING;
        p->fd = fd;
        p->deadline = sr_mono_us() + f->header_us;
        p->prev = f->tail;
        if (f->tail) f->tail->next = p;
        else f->head = p;
        f->tail = p;
        /* edge-triggered: a peek leaves the bytes in place, so level would wake us forever */
        struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = p};
        if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev)) {
            pend_free(f, p, 1);
            continue;
        }
        classify(f, p); /* in a storm the request is often there already */
    }
}

static void on_events(struct ev_loop *loop, ev_io *w, int revents)
{
    net_front *f = (net_front *)((char *)w - offsetof(net_front, io));
    struct epoll_event evs[256];
    int n = epoll_wait(f->epfd, evs, 256, 0);
    for (int i = 0; i < n; i++) {
        uint8_t kind = *(uint8_t *)evs[i].data.ptr;
        if (kind == NET_POLL_LISTEN)
            on_listen(f);
        else if (kind == NET_POLL_PENDING)
            classify(f, evs[i].data.ptr);
        else
            net_wso_event(evs[i].data.ptr, evs[i].events);
    }
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    net_front *f = (net_front *)((char *)w - offsetof(net_front, timer));
    int64_t now = sr_mono_us();
    while (f->head && f->head->deadline <= now) /* too slow to send its headers */
        pend_free(f, f->head, 1);
    net_wso_tick(now);
}

net_front *net_front_open(sr_server *srv)
{
    const sr_server_config *cfg = &srv->cfg;
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV},
                    *ai = NULL;
    char port[16];
    snprintf(port, sizeof port, "%d", cfg->port);
    if (getaddrinfo(cfg->host && *cfg->host ? cfg->host : NULL, port, &hints, &ai) || !ai) {
        /* not an address (an interface name lws knows how to bind): lws keeps the port */
        sr_log(SR_LOG_WARN, "own WebSocket layer off: cannot resolve the host to bind",
               "host=\"%s\"", cfg->host ? cfg->host : "");
        return NULL;
    }
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
    if (lfd >= 0) {
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        tune(lfd);
    }
    if (lfd < 0 || bind(lfd, ai->ai_addr, ai->ai_addrlen) || listen(lfd, SOMAXCONN)) {
        sr_log(SR_LOG_ERROR, "cannot listen", "host=\"%s\" port=%d error=\"%s\"",
               cfg->host ? cfg->host : "*", cfg->port, strerror(errno));
        if (lfd >= 0) close(lfd);
        freeaddrinfo(ai);
        return (net_front *)-1;
    }
    freeaddrinfo(ai);
    net_front *f = sr_xcalloc(1, sizeof *f);
    f->kind = NET_POLL_LISTEN;
    f->srv = srv;
    f->lfd = lfd;
    f->epfd = -1;
    f->header_us = (int64_t)(cfg->header_timeout > 0 ? cfg->header_timeout : 3) * 1000000;
    return f;
}

int net_front_start(net_front *f)
{
    f->epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = f};
    if (f->epfd < 0 || epoll_ctl(f->epfd, EPOLL_CTL_ADD, f->lfd, &ev)) return -1;
    net_ws_own_init(f->srv, f->epfd, CLOSE_WAIT_US);
    /* our epoll set sits in the loop's as one descriptor: no libev watcher per connection */
    ev_io_init(&f->io, on_events, f->epfd, EV_READ);
    ev_io_start(f->srv->loop, &f->io);
    ev_timer_init(&f->timer, on_timer, TICK_S, TICK_S);
    ev_timer_start(f->srv->loop, &f->timer);
    return 0;
}

void net_front_close(net_front *f)
{
    if (!f) return;
    if (f->epfd >= 0) {
        ev_io_stop(f->srv->loop, &f->io);
        ev_timer_stop(f->srv->loop, &f->timer);
    }
    close(f->lfd);
    while (f->head)
        pend_free(f, f->head, 1);
    if (f->epfd >= 0) {
        net_wso_close_all();
        close(f->epfd);
    }
    free(f);
}
