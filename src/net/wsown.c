/* wsown.c - see wsown.h. */
#include "net/wsown.h"
#include "net/wsguard.h"
#include "util/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

enum { ST_OPEN, ST_CLOSING, ST_DRAINING, ST_DEAD };

/* What a connection needs only now and then: kept apart so an idle one holds none of it. */
typedef struct wso_aux {
    unsigned char *pend; /* bytes written that the kernel has not taken yet */
    size_t pend_len, pend_off;
    unsigned char *in; /* the start of a frame not yet whole */
    size_t in_len;
    char *frag; /* the fragments of a text message so far */
    size_t frag_len;
} wso_aux;

struct net_wso {
    uint8_t kind;  /* NET_POLL_WSO: front.c's epoll events point here */
    uint8_t state; /* ST_* */
    uint8_t in_frag;       /* a fragmented text message is being assembled */
    uint8_t out_armed : 1; /* EPOLLOUT is registered */
    uint8_t close_after_flush : 1;
    uint8_t timer_internal : 1; /* the timer ends a close handshake, not the owner's */
    int fd;
    void *owner;
    wso_aux *aux;
    int idx;  /* in g_all */
    int tidx; /* in g_timers, or -1 */
};

static int g_epfd = -1;
static net_wso_hooks g_hooks;
static size_t g_max;
static int64_t g_close_wait;
static unsigned char *g_rbuf; /* input of the socket being read, after any partial frame */
static size_t g_rcap;
static net_wso **g_all;
static int g_n, g_cap;
static net_wso **g_timers;
static int64_t *g_tat;
static int g_nt, g_tcap;

void net_wso_init(int epfd, const net_wso_hooks *hooks, size_t max_message, int64_t close_wait_us)
{
    g_epfd = epfd;
    g_hooks = *hooks;
    g_max = max_message;
    g_close_wait = close_wait_us;
    /* a whole frame of the largest message (carried over from the last read) plus a read */
    g_rcap = 2 * (max_message + 14) + 4096;
    free(g_rbuf);
    g_rbuf = sr_xmalloc(g_rcap);
}

int net_wso_count(void)
{
    return g_n;
}

static void watch(net_wso *c, int op, int out)
{
    struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(g_epfd, op, c->fd, &ev);
}

net_wso *net_wso_new(int fd, void *owner)
{
    net_wso *c = sr_xcalloc(1, sizeof *c);
    c->kind = NET_POLL_WSO;
    c->fd = fd;
    c->owner = owner;
    c->tidx = -1;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(g_epfd, EPOLL_CTL_ADD, fd, &ev)) {
        close(fd);
        free(c);
        return NULL;
    }
    if (g_n == g_cap) {
        g_cap = g_cap ? g_cap * 2 : 256;
        g_all = sr_xrealloc(g_all, (size_t)g_cap * sizeof *g_all);
    }
    c->idx = g_n;
    g_all[g_n++] = c;
    return c;
}

void net_wso_set_owner(net_wso *c, void *owner)
{
    c->owner = owner;
}

int net_wso_fd(const net_wso *c)
{
    return c->fd;
}

static wso_aux *aux_of(net_wso *c)
{
    if (!c->aux) c->aux = sr_xcalloc(1, sizeof *c->aux);
    return c->aux;
}

static void aux_trim(net_wso *c)
{
    wso_aux *a = c->aux;
    if (a && !a->pend && !a->in && !a->frag) {
        free(a);
        c->aux = NULL;
    }
}

int net_wso_busy(const net_wso *c)
{
    return c->aux && c->aux->pend != NULL;
}

static void timer_drop(net_wso *c)
{
    if (c->tidx < 0) return;
    int i = c->tidx;
    g_nt--;
    if (i != g_nt) {
        g_timers[i] = g_timers[g_nt];
        g_tat[i] = g_tat[g_nt];
        g_timers[i]->tidx = i;
    }
    c->tidx = -1;
}

static void timer_set(net_wso *c, int64_t at, int internal)
{
    c->timer_internal = internal ? 1 : 0;
    if (c->tidx < 0) {
        if (g_nt == g_tcap) {
            g_tcap = g_tcap ? g_tcap * 2 : 64;
            g_timers = sr_xrealloc(g_timers, (size_t)g_tcap * sizeof *g_timers);
            g_tat = sr_xrealloc(g_tat, (size_t)g_tcap * sizeof *g_tat);
        }
        c->tidx = g_nt++;
        g_timers[c->tidx] = c;
    }
    g_tat[c->tidx] = at;
}

void net_wso_timer(net_wso *c, int64_t us)
{
    if (c->state != ST_OPEN) return; /* closing: the close handshake's timer rules */
    if (us <= 0) {
        timer_drop(c);
        return;
    }
    timer_set(c, sr_mono_us() + us, 0);
}

/* The end: the socket is closed, the owner told, the struct freed. */
static void finish(net_wso *c)
{
    timer_drop(c);
    close(c->fd); /* also leaves the epoll set */
    if (c->aux) {
        free(c->aux->pend);
        free(c->aux->in);
        free(c->aux->frag);
        free(c->aux);
    }
    int i = c->idx;
    g_all[i] = g_all[--g_n];
    g_all[i]->idx = i;
    void *owner = c->owner;
    free(c);
    if (owner) g_hooks.closed(owner);
}

void net_wso_kill(net_wso *c)
{
    if (c->state == ST_DEAD) return;
    c->state = ST_DEAD;
    /* ended from outside an event: finish at the next tick, never under the caller */
    shutdown(c->fd, SHUT_RDWR);
    timer_set(c, 0, 1);
}

static void pend_add(net_wso *c, const unsigned char *p, size_t len)
{
    wso_aux *a = aux_of(c);
    if (a->pend && a->pend_off) { /* keep only what is unsent */
        memmove(a->pend, a->pend + a->pend_off, a->pend_len - a->pend_off);
        a->pend_len -= a->pend_off;
        a->pend_off = 0;
    }
    a->pend = sr_xrealloc(a->pend, a->pend_len + len);
    memcpy(a->pend + a->pend_len, p, len);
    a->pend_len += len;
    if (!c->out_armed) {
        c->out_armed = 1;
        watch(c, EPOLL_CTL_MOD, 1);
    }
}

/* Writes len bytes after anything still pending; keeps what the kernel does not take. */
static int out_write(net_wso *c, const void *data, size_t len)
{
    if (c->state == ST_DEAD) return -1;
    if (net_wso_busy(c)) {
        pend_add(c, data, len);
        return 0;
    }
    ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            net_wso_kill(c);
            return -1;
        }
        n = 0;
    }
    if ((size_t)n < len) pend_add(c, (const unsigned char *)data + n, len - (size_t)n);
    return 0;
}

void net_wso_keep(net_wso *c, const void *rest, size_t len)
{
    if (len && c->state != ST_DEAD) pend_add(c, rest, len);
}

size_t net_wso_header(unsigned char *h, int op, size_t len)
{
    h[0] = (unsigned char)(0x80 | op);
    if (len < 126) {
        h[1] = (unsigned char)len;
        return 2;
    }
    if (len < 65536) {
        h[1] = 126;
        h[2] = (unsigned char)(len >> 8);
        h[3] = (unsigned char)len;
        return 4;
    }
    h[1] = 127;
    for (int i = 0; i < 8; i++)
        h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
    return 10;
}

int net_wso_text(net_wso *c, char *payload, size_t len)
{
    if (c->state != ST_OPEN) return -1;
    unsigned char h[10];
    size_t hl = net_wso_header(h, 0x1, len);
    memcpy(payload - hl, h, hl);
    return out_write(c, payload - hl, len + hl);
}

static void send_close(net_wso *c, int code, const char *reason)
{
    unsigned char f[2 + 2 + 123];
    size_t rl = reason ? strlen(reason) : 0, n = 0;
    if (rl > 121) rl = 121;
    f[0] = 0x88;
    if (code) {
        f[1] = (unsigned char)(2 + rl);
        f[2] = (unsigned char)(code >> 8);
        f[3] = (unsigned char)code;
        memcpy(f + 4, reason, rl);
        n = 4 + rl;
    } else {
        f[1] = 0;
        n = 2;
    }
    out_write(c, f, n);
}

void net_wso_close(net_wso *c, int code, const char *reason)
{
    if (c->state != ST_OPEN) return;
    send_close(c, code, reason);
    if (c->state == ST_DEAD) return;
    c->state = ST_CLOSING;
    timer_set(c, sr_mono_us() + g_close_wait, 1);
}

/* The client broke RFC 6455: the owner is told, the close frame goes out after what is
 * queued, and from now on input is read and dropped (its framing can no longer be trusted)
 * until the client hangs up or the wait ends. Dropping rather than closing at once: closing a
 * socket with unread input makes the kernel send a reset, and the client would lose the close
 * frame with its reason. */
static void violation(net_wso *c, int code, const char *reason)
{
    if (c->state != ST_OPEN) {
        c->state = ST_DRAINING;
        return;
    }
    if (c->owner) g_hooks.violation(c->owner, code, reason);
    send_close(c, code, reason);
    if (c->state == ST_DEAD) return;
    c->state = ST_DRAINING;
    timer_set(c, sr_mono_us() + g_close_wait, 1);
}

/* A close frame from the client: echo it (RFC 6455 §5.5.1), then close the socket once the
 * echo is out; in a close we began, it is the answer we waited for. */
static void peer_close(net_wso *c, const unsigned char *p, size_t len)
{
    if (c->state == ST_CLOSING) {
        if (net_wso_busy(c))
            c->close_after_flush = 1;
        else
            finish(c);
        return;
    }
    unsigned code = len >= 2 ? (unsigned)p[0] << 8 | p[1] : 0;
    if (len == 1 || (len >= 2 && !sr_wsguard_close_code_ok(code))) {
        violation(c, 1002, sr_wsguard_reason(SR_WS_BAD_CLOSE));
        return;
    }
    send_close(c, (int)code, "");
    if (c->state == ST_DEAD) return;
    c->state = ST_CLOSING;
    if (net_wso_busy(c)) {
        c->close_after_flush = 1;
        timer_set(c, sr_mono_us() + g_close_wait, 1);
    } else {
        finish(c);
    }
}

/* One data frame's payload (unmasked). Returns 1 when c was freed. */
static int data_frame(net_wso *c, int op, int fin, char *p, size_t len)
{
    if (op == 0x2) {
        violation(c, 1003, "binary frames are not accepted");
        return 0;
    }
    wso_aux *a = c->aux;
    if (op == 0x0 && !c->in_frag) {
        violation(c, 1002, "continuation frame with no message to continue");
        return 0;
    }
    if (op == 0x1 && c->in_frag) {
        violation(c, 1002, "a new message began before the last one ended");
        return 0;
    }
    if (op == 0x1 && fin) {
        if (!sr_utf8_valid((const unsigned char *)p, len)) {
            violation(c, 1007, "invalid UTF-8 in a text message");
            return 0;
        }
        if (c->state == ST_OPEN && c->owner) g_hooks.message(c->owner, p, len);
        return 0;
    }
    a = aux_of(c);
    a->frag = sr_xrealloc(a->frag, a->frag_len + len + 1);
    memcpy(a->frag + a->frag_len, p, len);
    a->frag_len += len;
    c->in_frag = 1;
    if (!fin) return 0;
    c->in_frag = 0;
    char *m = a->frag;
    size_t ml = a->frag_len;
    a->frag = NULL;
    a->frag_len = 0;
    aux_trim(c);
    if (!sr_utf8_valid((const unsigned char *)m, ml))
        violation(c, 1007, "invalid UTF-8 in a text message");
    else if (c->state == ST_OPEN && c->owner)
        g_hooks.message(c->owner, m, ml);
    free(m);
    return 0;
}

/* Parses the frames in p[0..n); keeps an unfinished one for the next read. */
static void parse(net_wso *c, unsigned char *p, size_t n)
{
    size_t off = 0;
    while (n - off >= 2 && (c->state == ST_OPEN || c->state == ST_CLOSING)) {
        unsigned char *f = p + off;
        size_t avail = n - off;
        int fin = f[0] & 0x80, op = f[0] & 0x0f, len7 = f[1] & 0x7f;
        if (f[0] & 0x70) {
            violation(c, 1002, "reserved bits set");
            return;
        }
        if (!(f[1] & 0x80)) {
            violation(c, 1002, sr_wsguard_reason(SR_WS_UNMASKED));
            return;
        }
        if (op >= 0x8) {
            if (!fin) {
                violation(c, 1002, sr_wsguard_reason(SR_WS_CONTROL_FRAGMENTED));
                return;
            }
            if (len7 > 125) {
                violation(c, 1002, sr_wsguard_reason(SR_WS_CONTROL_TOO_LONG));
                return;
            }
            if (op > 0xa) {
                violation(c, 1002, "reserved opcode");
                return;
            }
        } else if (op > 0x2) {
            violation(c, 1002, "reserved opcode");
            return;
        }
        size_t hl = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;
        if (avail < hl) break;
        uint64_t plen = (uint64_t)len7;
        if (len7 == 126) {
            plen = (uint64_t)f[2] << 8 | f[3];
        } else if (len7 == 127) {
            plen = 0;
            for (int i = 0; i < 8; i++)
                plen = plen << 8 | f[2 + i];
        }
        if (op < 0x8 && op != 0x2) {
            uint64_t sofar = op == 0x0 && c->aux ? c->aux->frag_len : 0;
            if (plen > g_max || sofar + plen > g_max) {
                /* said before the body comes: no need to read it */
                violation(c, 1009, sr_wsguard_reason(SR_WS_TOO_BIG));
                return;
            }
        } else if (op == 0x2 && plen > g_max) {
            violation(c, 1003, "binary frames are not accepted");
            return;
        }
        if (avail - hl < plen) break;
        unsigned char *mask = f + hl - 4, *pl = f + hl;
        for (size_t i = 0; i < plen; i++)
            pl[i] ^= mask[i & 3];
        off += hl + (size_t)plen;
        if (c->state == ST_CLOSING) { /* waiting for the client's close: the rest is dropped */
            if (op == 0x8) {
                peer_close(c, pl, (size_t)plen);
                return; /* c may be gone */
            }
            continue;
        }
        if (op == 0x8) {
            peer_close(c, pl, (size_t)plen);
            return; /* nothing after a close counts, and c may be gone */
        }
        if (op == 0x9) {
            unsigned char pong[2 + 125];
            pong[0] = 0x8a;
            pong[1] = (unsigned char)plen;
            memcpy(pong + 2, pl, (size_t)plen);
            out_write(c, pong, 2 + (size_t)plen);
            continue;
        }
        if (op == 0xa) continue;
        data_frame(c, op, fin, (char *)pl, (size_t)plen);
    }
    if (off < n && (c->state == ST_OPEN || c->state == ST_CLOSING)) {
        wso_aux *a = aux_of(c);
        a->in = sr_xmalloc(n - off);
        memcpy(a->in, p + off, n - off);
        a->in_len = n - off;
    }
}

static void on_read(net_wso *c)
{
    size_t have = c->aux ? c->aux->in_len : 0;
    ssize_t r = recv(c->fd, g_rbuf + have, g_rcap - have, MSG_DONTWAIT);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        finish(c);
        return;
    }
    if (r < 0) return;
    if (c->state == ST_DRAINING) return; /* dropped: framing is lost after a violation */
    if (have) {
        memcpy(g_rbuf, c->aux->in, have);
        free(c->aux->in);
        c->aux->in = NULL;
        c->aux->in_len = 0;
        aux_trim(c);
    }
    parse(c, g_rbuf, have + (size_t)r);
}

/* Returns 1 when c was freed. */
static int on_write(net_wso *c)
{
    wso_aux *a = c->aux;
    if (a && a->pend) {
        ssize_t n = send(c->fd, a->pend + a->pend_off, a->pend_len - a->pend_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
            finish(c);
            return 1;
        }
        a->pend_off += (size_t)n;
        if (a->pend_off < a->pend_len) return 0;
        free(a->pend);
        a->pend = NULL;
        a->pend_len = a->pend_off = 0;
        aux_trim(c);
    }
    if (c->out_armed) {
        c->out_armed = 0;
        watch(c, EPOLL_CTL_MOD, 0);
    }
    if (c->close_after_flush) {
        finish(c);
        return 1;
    }
    if (c->state == ST_OPEN && c->owner) g_hooks.writable(c->owner);
    return 0;
}

void net_wso_event(net_wso *c, uint32_t events)
{
    if (c->state == ST_DEAD || (events & EPOLLERR)) {
        finish(c);
        return;
    }
    if ((events & EPOLLOUT) && on_write(c)) return;
    /* EPOLLHUP: the reads below find the end of the stream once the input is consumed */
    if (events & (EPOLLIN | EPOLLHUP)) on_read(c);
}

void net_wso_tick(int64_t now_us)
{
    for (int i = 0; i < g_nt;) {
        if (g_tat[i] > now_us) {
            i++;
            continue;
        }
        net_wso *c = g_timers[i];
        int internal = c->timer_internal;
        timer_drop(c); /* moves the last timer into slot i, looked at next */
        if (internal || c->state != ST_OPEN)
            finish(c); /* the close handshake's wait ran out, or a kill */
        else if (c->owner)
            g_hooks.timer(c->owner);
    }
}

void net_wso_close_all(void)
{
    while (g_n)
        finish(g_all[g_n - 1]);
    free(g_all);
    free(g_timers);
    free(g_tat);
    free(g_rbuf);
    g_all = NULL;
    g_timers = NULL;
    g_tat = NULL;
    g_rbuf = NULL;
    g_n = g_cap = g_nt = g_tcap = 0;
}
