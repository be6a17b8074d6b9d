/* wsguard.c - see wsguard.h. */
#include "net/wsguard.h"
#include "util/log.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { ST_HDR0, ST_HDR1, ST_EXTLEN, ST_MASK, ST_PAYLOAD };

/* Once a frame's length is known: a data frame adds it to its message (a continuation) or
 * starts a new one; 1 (and the state bad) when the message is then over the limit. */
static int too_big(sr_wsguard_state *g)
{
    if (g->op & 0x08) return 0; /* control frames are not part of a message */
    if (g->op & 0x0f)
        g->msg = g->left;
    else
        g->msg = g->msg + g->left < g->msg ? UINT64_MAX : g->msg + g->left;
    if (!g->max || g->msg <= g->max) return 0;
    g->bad = SR_WS_TOO_BIG;
    return 1;
}

/* The codes a client may send (RFC 6455 §7.4): 1000-1003, 1007-1011, and 3000-4999 for
 * libraries and applications; 1004-1006 and 1015 are reserved or never sent, the rest of
 * 0-2999 unassigned, 5000 and up outside the range. lws refuses 1012-1014 too. */
int sr_wsguard_close_code_ok(unsigned c)
{
    return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1011) || (c >= 3000 && c <= 4999);
}

size_t sr_wsguard_scan(sr_wsguard_state *g, const uint8_t *p, size_t n, enum sr_ws_violation *v)
{
    *v = (enum sr_ws_violation)g->bad;
    if (g->bad) return 0;
    /* where the frame being read began within p; 0 also when it began in an earlier read */
    size_t i = 0, frame_start = 0;
    while (i < n) {
        uint8_t b = p[i];
        switch (g->st) {
        case ST_HDR0:
            frame_start = i;
            g->op = b;
            if ((b & 0x08) && !(b & 0x80)) {
                g->bad = SR_WS_CONTROL_FRAGMENTED;
                goto bad;
            }
            g->st = ST_HDR1;
            i++;
            break;
        case ST_HDR1:
            if (!(b & 0x80)) {
                g->bad = SR_WS_UNMASKED;
                goto bad;
            }
            if ((g->op & 0x08) && (b & 0x7f) > 125) {
                g->bad = SR_WS_CONTROL_TOO_LONG;
                goto bad;
            }
            g->left = b & 0x7f;
            if ((g->op & 0x0f) == 0x8 && g->left == 1) { /* a close code is two bytes */
                g->bad = SR_WS_BAD_CLOSE;
                goto bad;
            }
            if (g->left >= 126) {
                g->need = g->left == 126 ? 2 : 8;
                g->left = 0;
                g->st = ST_EXTLEN;
            } else {
                if (too_big(g)) goto bad;
                g->need = 4;
                g->st = ST_MASK;
            }
            i++;
            break;
        case ST_EXTLEN:
            g->left = (g->left << 8) | b;
            i++;
            if (!--g->need) {
                if (too_big(g)) goto bad;
                g->need = 4;
                g->st = ST_MASK;
            }
            break;
        case ST_MASK:
            g->key[4 - g->need] = b;
            i++;
            if (!--g->need) g->st = g->left ? ST_PAYLOAD : ST_HDR0;
            g->pos = 0;
            break;
        default: /* ST_PAYLOAD: skipped, but for a close frame's code; lws checks the rest */
            if ((g->op & 0x0f) == 0x8 && g->pos < 2) {
                uint8_t c = b ^ g->key[g->pos];
                i++;
                g->left--;
                if (!g->pos++) {
                    g->code0 = c;
                } else if (!sr_wsguard_close_code_ok((g->code0 << 8) | c)) {
                    g->bad = SR_WS_BAD_CLOSE;
                    goto bad;
                }
                if (!g->left) g->st = ST_HDR0;
                break;
            }
            {
                size_t take = n - i;
                if ((uint64_t)take > g->left) take = (size_t)g->left;
                i += take;
                g->left -= take;
                if (!g->left) g->st = ST_HDR0;
                break;
            }
        }
    }
    return n;
bad:
    /* lws gets the frames before this one; of a header begun in an earlier read it has the
     * start and waits for the rest, which never comes */
    *v = (enum sr_ws_violation)g->bad;
    return frame_start;
}

const char *sr_wsguard_reason(enum sr_ws_violation v)
{
    switch (v) {
    case SR_WS_UNMASKED:
        return "client frames must be masked";
    case SR_WS_CONTROL_TOO_LONG:
        return "control frame over 125 bytes";
    case SR_WS_CONTROL_FRAGMENTED:
        return "fragmented control frame";
    case SR_WS_TOO_BIG:
        return "message too big";
    case SR_WS_BAD_CLOSE:
        return "invalid close code";
    default:
        return "";
    }
}

int sr_wsguard_code(enum sr_ws_violation v)
{
    return v == SR_WS_TOO_BIG ? 1009 : 1002;
}

/* ---------- the watched sockets and the recv() lws calls ---------- */

typedef struct watch {
    void *owner;
    int tls; /* the socket carries TLS: its frames are read where SSL_read() hands them to lws */
    sr_wsguard_state g;
} watch;

/* OpenSSL's SSL_read() and SSL_get_fd(), found behind our own SSL_read() (NULL: no OpenSSL in
 * the process, so no TLS socket to watch). SSL is opaque here: no OpenSSL header is needed. */
static int (*g_ssl_read)(void *ssl, void *buf, int num);
static int (*g_ssl_get_fd)(const void *ssl);

static watch *g_tab; /* by fd; sized once, before any thread starts, and never moved */
static size_t g_cap;
static void (*g_on_violation)(void *owner, enum sr_ws_violation v);
static void (*g_on_dropped)(void *owner);
static uint64_t g_max;

void sr_wsguard_init(uint64_t max_message,
                     void (*on_violation)(void *owner, enum sr_ws_violation v),
                     void (*on_dropped)(void *owner))
{
    g_max = max_message;
    g_on_violation = on_violation;
    g_on_dropped = on_dropped;
    /* looked up once, before any thread starts */
    if (!g_ssl_read) {
        *(void **)&g_ssl_read = dlsym(RTLD_NEXT, "SSL_read");
        *(void **)&g_ssl_get_fd = dlsym(RTLD_NEXT, "SSL_get_fd");
    }
    if (g_tab) return;
    struct rlimit rl;
    size_t cap = 1024;
    if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur > cap)
        cap = (size_t)rl.rlim_cur;
    if (cap > (1u << 22)) cap = 1u << 22;
    /* calloc of this size maps zero pages: only the entries of fds in use cost memory */
    g_tab = calloc(cap, sizeof *g_tab);
    g_cap = g_tab ? cap : 0;
}

void sr_wsguard_watch(int fd, void *owner, int tls)
{
    if (fd < 0 || (size_t)fd >= g_cap) {
        if (g_cap)
            sr_log(SR_LOG_WARN, "socket above the open-file limit is not checked", "fd=%d", fd);
        return;
    }
    if (tls && !(g_ssl_read && g_ssl_get_fd)) {
        sr_log(SR_LOG_WARN, "TLS socket not checked: SSL_read not found", "fd=%d", fd);
        return;
    }
    g_tab[fd] = (watch){.owner = owner, .tls = tls, .g = {.max = g_max}};
}

void sr_wsguard_forget(int fd, void *owner)
{
    if (fd >= 0 && (size_t)fd < g_cap && g_tab[fd].owner == owner) g_tab[fd] = (watch){0};
}

void sr_wsguard_reset(int fd)
{
    if (fd >= 0 && (size_t)fd < g_cap) g_tab[fd] = (watch){0};
}

/* Called instead of libc's recv() by everything in the process, lws included (the executable's
 * definition comes first in symbol lookup). The system call is made directly. */
ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    ssize_t n = syscall(SYS_recvfrom, fd, buf, len, flags, NULL, NULL);
    if (n <= 0 || (flags & MSG_PEEK) || fd < 0 || (size_t)fd >= g_cap) return n;
    watch *w = &g_tab[fd];
    if (!w->owner || w->tls) return n; /* TLS: ciphertext here, the frames are in SSL_read() */
    if (w->g.bad) { /* closing: input is dropped, as in any linger */
        if (g_on_dropped) g_on_dropped(w->owner);
        errno = EAGAIN;
        return -1;
    }
    enum sr_ws_violation v;
    size_t ok = sr_wsguard_scan(&w->g, buf, (size_t)n, &v);
    if (v == SR_WS_OK) return n;
    if (g_on_violation) g_on_violation(w->owner, v);
    if (ok) return (ssize_t)ok;
    errno = EAGAIN;
    return -1;
}

/* Called instead of OpenSSL's SSL_read() by lws (again the executable's definition comes first):
 * the same tracker as recv()'s, on the bytes TLS decrypted. One difference: a TLS read cannot say
 * "nothing, try later" unless the record layer really has nothing, or lws takes the error for a
 * dead connection. So where recv() answers EAGAIN, this reads on, dropping what it decrypts,
 * until OpenSSL itself answers "want read" (or the end), and returns that. A client that keeps
 * the socket full past DRAIN_READS reads (it had its violation and is still pouring) gets a
 * failed read: lws drops the connection without waiting for the close frame to go out. */
enum { DRAIN_READS = 1024 };

int SSL_read(void *ssl, void *buf, int num)
{
    if (!g_ssl_read) {
        errno = ENOSYS;
        return -1;
    }
    int fd = g_ssl_get_fd ? g_ssl_get_fd(ssl) : -1;
    watch *w = fd >= 0 && (size_t)fd < g_cap ? &g_tab[fd] : NULL;
    if (!w || !w->owner || !w->tls) return g_ssl_read(ssl, buf, num);
    for (int reads = 0;; reads++) {
        if (reads == DRAIN_READS) {
            errno = ECONNRESET;
            return -1;
        }
        int n = g_ssl_read(ssl, buf, num);
        if (n <= 0) return n;
        if (w->g.bad) { /* closing: input is dropped, as in any linger */
            if (g_on_dropped) g_on_dropped(w->owner);
            continue;
        }
        enum sr_ws_violation v;
        size_t ok = sr_wsguard_scan(&w->g, buf, (size_t)n, &v);
        if (v == SR_WS_OK) return n;
        if (g_on_violation) g_on_violation(w->owner, v);
        if (ok) return (int)ok;
    }
}
