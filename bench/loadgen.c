/* loadgen.c - WebSocket load generator for soundroom's benchmarks (burst chat, fan-out latency,
 * idle-listener memory, steady-chat delivery latency, join storms); speaks the protocol v1 subset
 * hello/join/chat over its own client.
 *
 * One parent process forks worker processes (each under the per-process file limit); every
 * worker runs one epoll loop over non-blocking sockets bound to 127.0.0.x source addresses.
 * Parent and workers talk over pipes in text lines:
 *   worker -> parent: READY <joined> <failed> <join_ms> | SENT | GOTALL | stat lines... | END
 *   parent -> worker: GO | STOP
 * The parent prints one "RESULT key=value ..." line on stdout; progress goes to stderr.
 *
 * Build: cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o loadgen loadgen.c
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

/* ---------------------------------------------------------------------------------------------
 * Small utilities */

enum { MODE_BURST, MODE_FANOUT, MODE_IDLE, MODE_STEADY, MODE_STORM };
enum { ROLE_CHATTER, ROLE_LISTENER, ROLE_PACER, ROLE_STEADY };

#define MAX_WORKERS 32
#define MAX_MSGS 64         /* fan-out messages tracked per listener (a bit mask) */
#define SCRATCH (256 * 1024) /* shared read buffer of a worker */
#define HIST_FINE 10000      /* 10 us buckets up to 100 ms */
#define HIST_COARSE 9900     /* then 1 ms buckets up to 10 s */
#define HIST_N (HIST_FINE + HIST_COARSE + 1)
#define SENT_RING 1024       /* send times kept per chatter, by ref, for ack latency */
#define STEADY_SEQ_MAX 2048  /* steady: per-sender order is checked up to this many clients */
#define EV_CTL UINT64_MAX
#define EV_TIMER (UINT64_MAX - 1)

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("loadgen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* Allocation wrappers: out of memory ends the process (a load generator has no better policy). */
static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die("out of memory (%zu bytes)", n);
    return q;
}

static uint64_t rng_state = 88172645463325252ull;
static uint32_t rnd32(void)
{
    uint64_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    rng_state = x;
    return (uint32_t)(x >> 16);
}

/* A tally of named counters (error codes, close codes, protocol violations). */
#define TALLY_MAX 24
typedef struct tally {
    int n;
    char name[TALLY_MAX][40];
    uint64_t count[TALLY_MAX];
} tally;

static void tally_add(tally *t, const char *name, size_t len, uint64_t k)
{
    if (len > 39)
        len = 39;
    for (int i = 0; i < t->n; i++)
        if (strlen(t->name[i]) == len && memcmp(t->name[i], name, len) == 0) {
            t->count[i] += k;
            return;
        }
    int i = t->n < TALLY_MAX ? t->n++ : TALLY_MAX - 1; /* the last slot absorbs overflow */
    memcpy(t->name[i], name, len);
    t->name[i][len] = 0;
    for (size_t j = 0; j < len; j++) /* keep the RESULT line parseable */
        if (t->name[i][j] == ' ' || t->name[i][j] == ',' || t->name[i][j] == ':' ||
            t->name[i][j] == '=')
            t->name[i][j] = '_';
    t->count[i] += k;
}

static void tally_str(const tally *t, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = 0;
    for (int i = 0; i < t->n && o + 1 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%s:%" PRIu64, i ? "," : "", t->name[i],
                              t->count[i]);
    if (!t->n)
        snprintf(out, cap, "none");
}

/* ---------------------------------------------------------------------------------------------
 * SHA-1 and base64, only to check Sec-WebSocket-Accept. */

typedef struct sha1 {
    uint32_t h[5];
    uint64_t len;
    uint8_t buf[64];
    size_t blen;
} sha1;

static uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static void sha1_block(sha1 *s, const uint8_t *p)
{
    uint32_t w[80], a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20)
            f = (b & c) | (~b & d), k = 0x5A827999;
        else if (i < 40)
            f = b ^ c ^ d, k = 0x6ED9EBA1;
        else if (i < 60)
            f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
        else
            f = b ^ c ^ d, k = 0xCA62C1D6;
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d, d = c, c = rol(b, 30), b = a, a = t;
    }
    s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e;
}

static void sha1_update(sha1 *s, const void *data, size_t n)
{
    const uint8_t *p = data;
    s->len += n;
    while (n--) {
        s->buf[s->blen++] = *p++;
        if (s->blen == 64) {
            sha1_block(s, s->buf);
            s->blen = 0;
        }
    }
}

static void sha1_digest(const void *data, size_t n, uint8_t out[20])
{
    sha1 s = {{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0}, 0, {0}, 0};
    sha1_update(&s, data, n);
    uint64_t bits = s.len * 8;
    uint8_t pad = 0x80, zero = 0, lenb[8];
    sha1_update(&s, &pad, 1);
    while (s.blen != 56)
        sha1_update(&s, &zero, 1);
    for (int i = 0; i < 8; i++)
        lenb[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha1_update(&s, lenb, 8);
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++)
            out[4 * i + j] = (uint8_t)(s.h[i] >> (24 - 8 * j));
}

static void base64(const uint8_t *in, size_t n, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) |
                     (i + 2 < n ? in[i + 2] : 0);
        out[o++] = tab[v >> 18 & 63];
        out[o++] = tab[v >> 12 & 63];
        out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[o] = 0;
}

/* ---------------------------------------------------------------------------------------------
 * Configuration */

typedef struct config {
    int mode;
    const char *host;
    int port;
    int room;
    int clients;       /* burst: chatters; fanout/idle: listeners */
    int window;        /* burst: outstanding chats per client */
    double warmup, duration, drain; /* burst, seconds */
    int messages;      /* fanout */
    int interval_ms;   /* fanout */
    double grace;      /* fanout: wait for stragglers after the last send, seconds */
    int per_proc;      /* connections per worker process */
    int src_ips;       /* 127.0.0.1 .. 127.0.0.N */
    int pid;           /* server pid for RSS/CPU, 0 = none */
    int settle_ms;     /* after all joined: idle reads RSS, fanout sends, after this wait */
    int join_timeout;  /* seconds */
    int max_inflight;  /* connections being set up at once, per worker */
    int text_len;      /* burst, steady: chat text length (at least) */
    double rate;       /* steady: chats per second per client */
    double connect_rate; /* storm: connection starts per second, over all worker processes */
    const char *path;
    /* set by the parent before it forks, shared by the workers */
    int nworkers;      /* worker processes holding clients */
    uint64_t storm_t0; /* storm: when the first connection starts (CLOCK_MONOTONIC) */
} config;

static config G = {
    .mode = MODE_BURST, .host = "127.0.0.1", .port = 8080, .room = 1, .clients = 100,
    .window = 8, .warmup = 1.0, .duration = 10.0, .drain = 5.0, .messages = 20,
    .interval_ms = 200, .grace = 10.0, .per_proc = 10000, .src_ips = 8, .pid = 0,
    .settle_ms = 2000, .join_timeout = 120, .max_inflight = 256, .text_len = 16, .rate = 10,
    .connect_rate = 20000, .path = "/ws",
};
static uint32_t g_runid;

static void usage(void)
{
    fprintf(stderr,
            "usage: loadgen --mode burst|fanout|idle|steady|storm [--host 127.0.0.1] [--port 8080]\n"
            "  [--room 1] [--clients N] [--window 8] [--warmup 1] [--duration 10] [--drain 5]\n"
            "  [--messages 20] [--interval-ms 200] [--grace 10] [--rate 10 (steady, per client)]\n"
            "  [--connect-rate 20000 (storm, per second)]\n"
            "  [--per-proc 10000] [--src-ips 8] [--pid SERVER_PID] [--settle-ms 2000]\n"
            "  [--join-timeout 120] [--max-inflight 256] [--text-len 16] [--path /ws]\n");
    exit(2);
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            usage();
        const char *v = argv[++i];
        if (!strcmp(a, "--mode")) {
            if (!strcmp(v, "burst"))
                G.mode = MODE_BURST;
            else if (!strcmp(v, "fanout"))
                G.mode = MODE_FANOUT;
            else if (!strcmp(v, "idle"))
                G.mode = MODE_IDLE;
            else if (!strcmp(v, "steady"))
                G.mode = MODE_STEADY;
            else if (!strcmp(v, "storm"))
                G.mode = MODE_STORM;
            else
                usage();
        } else if (!strcmp(a, "--host"))
            G.host = v;
        else if (!strcmp(a, "--path"))
            G.path = v;
        else if (!strcmp(a, "--port"))
            G.port = atoi(v);
        else if (!strcmp(a, "--room"))
            G.room = atoi(v);
        else if (!strcmp(a, "--clients"))
            G.clients = atoi(v);
        else if (!strcmp(a, "--window"))
            G.window = atoi(v);
        else if (!strcmp(a, "--warmup"))
            G.warmup = atof(v);
        else if (!strcmp(a, "--duration"))
            G.duration = atof(v);
        else if (!strcmp(a, "--drain"))
            G.drain = atof(v);
        else if (!strcmp(a, "--messages"))
            G.messages = atoi(v);
        else if (!strcmp(a, "--interval-ms"))
            G.interval_ms = atoi(v);
        else if (!strcmp(a, "--grace"))
            G.grace = atof(v);
        else if (!strcmp(a, "--per-proc"))
            G.per_proc = atoi(v);
        else if (!strcmp(a, "--src-ips"))
            G.src_ips = atoi(v);
        else if (!strcmp(a, "--pid"))
            G.pid = atoi(v);
        else if (!strcmp(a, "--settle-ms"))
            G.settle_ms = atoi(v);
        else if (!strcmp(a, "--join-timeout"))
            G.join_timeout = atoi(v);
        else if (!strcmp(a, "--max-inflight"))
            G.max_inflight = atoi(v);
        else if (!strcmp(a, "--text-len"))
            G.text_len = atoi(v);
        else if (!strcmp(a, "--rate"))
            G.rate = atof(v);
        else if (!strcmp(a, "--connect-rate"))
            G.connect_rate = atof(v);
        else
            usage();
    }
    if (G.clients < 1 || G.per_proc < 1 || G.window < 1 || G.src_ips < 1 || G.src_ips > 250 ||
        G.messages < 1 || G.messages > MAX_MSGS || G.window > 64 || G.max_inflight < 1 || G.text_len < 8 ||
        G.text_len > 400 || G.port < 1 || G.port > 65535 || !(G.rate > 0 && G.rate <= 10000) ||
        !(G.connect_rate > 0 && G.connect_rate <= 1e6))
        usage();
    /* steady: one worker, so that one schedule spaces every send evenly and the per-sender order
     * check sees every client */
    if (G.mode == MODE_STEADY && G.clients > G.per_proc)
        die("--mode steady runs its clients in one process: --clients %d exceeds --per-proc %d",
            G.clients, G.per_proc);
}

/* ---------------------------------------------------------------------------------------------
 * Worker state: one per process, hence a file-level singleton. */

enum { ST_IDLE, ST_CONNECTING, ST_HANDSHAKE, ST_HELLO, ST_JOIN, ST_JOINED, ST_DEAD };

typedef struct conn {
    int fd;
    uint8_t state;
    uint8_t epout;    /* EPOLLOUT registered */
    uint8_t dirty;    /* in the flush list */
    uint8_t in_frag;  /* inside a fragmented message */
    uint8_t attempts; /* connection attempts so far */
    uint64_t retry_at;
    uint64_t t_first; /* start of the first connection attempt */
    uint32_t gid;     /* global index: name, source address */
    uint32_t outstanding;
    uint32_t latcount;
    uint64_t latmask;
    uint64_t next_ref;
    uint64_t *sent_at; /* chatters: send time by ref % SENT_RING, for ack latency */
    uint64_t last_seq;
    uint8_t has_seq;
    uint8_t seq_from_snapshot; /* last_seq came from the snapshot */
    char key[25];     /* Sec-WebSocket-Key */
    uint8_t *rbuf;    /* unparsed input, only while a frame is incomplete */
    size_t rlen, rcap;
    uint8_t *mbuf;    /* fragmented message being assembled */
    size_t mlen, mcap;
    uint8_t *wbuf;    /* output not yet written */
    size_t wlen, woff, wcap;
} conn;

typedef struct stats {
    uint64_t joined, failed, lost_after_join, tx_chats, acks, acks_win, chats_rx, chats_win;
    uint64_t presence_rx, other_rx, errors_rx, msgs_rx, frames_rx, arrays_rx, bytes_rx;
    uint64_t seq_gaps, seq_backwards, pings_rx, deliveries, join_ns_max, retries;
    /* steady */
    uint64_t tx_win, self_rx, deliv_win, skipped, ack_ns_max, deliv_ns_max, lag_ns_max;
    /* storm */
    uint64_t launched, first_launch, last_launch, last_join, join1_ns_max;
} stats;

static struct worker {
    int idx, role;
    uint32_t base, n;
    int ep, ctl_in, res_out;
    conn *c;
    uint32_t next_launch, inflight, complete;
    int ready_sent, go, stop, sending, gotall_sent, sent_reported, drained_sent;
    uint64_t t_start, t_go, win_s, win_e, next_pace, join_deadline;
    int paced;
    stats st;
    tally errs, closes, viol, others, cerr, retry_why, seqbad;
    uint32_t *retryq;
    uint32_t nretry;
    uint64_t lat_max[MAX_MSGS], lat_sum[MAX_MSGS];
    uint32_t lat_cnt[MAX_MSGS];
    uint32_t *hist;  /* burst: ack; fanout: delivery; steady: delivery; storm: join time */
    uint32_t *hist2; /* steady: ack */
    int tfd;         /* timerfd: steady sends and storm connects run on a schedule finer than 1 ms */
    uint64_t timer_at, next_due;
    uint64_t slot, step_ns, sched_t0; /* steady: send number slot goes at sched_t0 + slot * step_ns */
    uint64_t *steady_last; /* steady: [receiver * n + sender] last seq + 1 seen */
    uint32_t *dirty;
    uint32_t ndirty;
    uint8_t *scratch;
    char ctl[256];
    size_t ctllen;
} W;

static void viol(const char *what) { tally_add(&W.viol, what, strlen(what), 1); }

static void want_out(conn *c, int on)
{
    if (c->fd < 0 || c->epout == on)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.u64 = c - W.c};
    if (epoll_ctl(W.ep, EPOLL_CTL_MOD, c->fd, &ev) == 0)
        c->epout = (uint8_t)on;
}

static void conn_free_bufs(conn *c)
{
    free(c->rbuf), free(c->mbuf), free(c->wbuf), free(c->sent_at);
    c->rbuf = c->mbuf = c->wbuf = NULL;
    c->sent_at = NULL;
    c->rlen = c->rcap = c->mlen = c->mcap = c->wlen = c->woff = c->wcap = 0;
}

/* Ends a connection; reason is tallied when it had not joined yet. */
static void conn_kill(conn *c, const char *reason)
{
    if (c->state == ST_DEAD)
        return;
    if (c->state == ST_IDLE) { /* never launched */
        W.st.failed++;
        tally_add(&W.cerr, reason, strlen(reason), 1);
        c->state = ST_DEAD;
        return;
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    conn_free_bufs(c);
    if (c->state < ST_JOINED) {
        W.st.failed++;
        W.inflight--;
        tally_add(&W.cerr, reason, strlen(reason), 1);
    } else {
        W.st.lost_after_join++;
        tally_add(&W.cerr, reason, strlen(reason), 1);
    }
    c->state = ST_DEAD;
}

/* A transport failure while connecting or upgrading: retried a few times with a back-off, as a
 * real client would; later failures end the connection. */
static void conn_drop(conn *c, const char *reason)
{
    if ((c->state != ST_CONNECTING && c->state != ST_HANDSHAKE) || c->attempts >= 4) {
        conn_kill(c, reason);
        return;
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    conn_free_bufs(c);
    c->epout = 0;
    c->state = ST_IDLE;
    W.inflight--;
    W.st.retries++;
    tally_add(&W.retry_why, reason, strlen(reason), 1);
    c->retry_at = mono_ns() + 100000000ull * c->attempts * c->attempts;
    W.retryq[W.nretry++] = (uint32_t)(c - W.c);
}

static void wbuf_reserve(conn *c, size_t more)
{
    if (c->wlen + more <= c->wcap)
        return;
    size_t cap = c->wcap ? c->wcap : 512;
    while (cap < c->wlen + more)
        cap *= 2;
    c->wbuf = xrealloc(c->wbuf, cap);
    c->wcap = cap;
}

static void mark_dirty(conn *c)
{
    if (!c->dirty) {
        c->dirty = 1;
        W.dirty[W.ndirty++] = (uint32_t)(c - W.c);
    }
}

static void conn_flush(conn *c)
{
    while (c->woff < c->wlen) {
        ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
        if (n > 0) {
            c->woff += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            want_out(c, 1);
            return;
        } else {
            conn_drop(c, n < 0 ? strerror(errno) : "send_returned_0");
            return;
        }
    }
    c->woff = c->wlen = 0;
    if (c->wcap > 65536) {
        free(c->wbuf);
        c->wbuf = NULL;
        c->wcap = 0;
    }
    want_out(c, 0);
}

/* Queues one masked client frame. */
static void ws_send(conn *c, int opcode, const void *data, size_t len)
{
    uint8_t hdr[14];
    size_t h = 0;
    hdr[h++] = (uint8_t)(0x80 | opcode);
    if (len < 126) {
        hdr[h++] = (uint8_t)(0x80 | len);
    } else if (len < 65536) {
        hdr[h++] = 0x80 | 126;
        hdr[h++] = (uint8_t)(len >> 8);
        hdr[h++] = (uint8_t)len;
    } else {
        hdr[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            hdr[h++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    uint32_t m32 = rnd32();
    uint8_t mask[4];
    memcpy(mask, &m32, 4);
    memcpy(hdr + h, mask, 4);
    h += 4;
    wbuf_reserve(c, h + len);
    memcpy(c->wbuf + c->wlen, hdr, h);
    uint8_t *dst = c->wbuf + c->wlen + h;
    const uint8_t *src = data;
    for (size_t i = 0; i < len; i++)
        dst[i] = src[i] ^ mask[i & 3];
    c->wlen += h + len;
    mark_dirty(c);
}

static void ws_send_text(conn *c, const char *s, size_t len) { ws_send(c, 1, s, len); }

static void send_chat(conn *c)
{
    char buf[600], text[420];
    int tl = snprintf(text, sizeof text, "m%u.%" PRIu64 ".", c->gid, c->next_ref);
    while (tl < G.text_len)
        text[tl++] = 'x';
    text[tl] = 0;
    int n = snprintf(buf, sizeof buf, "{\"type\":\"chat\",\"room\":%d,\"text\":\"%s\",\"ref\":%" PRIu64 "}",
                     G.room, text, c->next_ref++);
    ws_send_text(c, buf, (size_t)n);
    if (!c->sent_at)
        c->sent_at = xrealloc(NULL, SENT_RING * sizeof *c->sent_at);
    c->sent_at[(c->next_ref - 1) % SENT_RING] = mono_ns();
    c->outstanding++;
    W.st.tx_chats++;
}

/* Steady: one chat whose text names the run, the sender, its ref, the send time and whether its
 * slot in the schedule falls in the window (a loadgen running late must not move warm-up chats
 * into the window), so that every other client can time its delivery. Written at once: the stamp
 * is the moment it leaves. */
static void send_steady(conn *c, int in_win)
{
    char buf[600], text[420];
    uint64_t ref = c->next_ref++, t = mono_ns();
    int tl = snprintf(text, sizeof text, "ST:%u:%u:%" PRIu64 ":%" PRIu64 ":%d:", g_runid, c->gid,
                      ref, t, in_win);
    while (tl < G.text_len)
        text[tl++] = 'x';
    text[tl] = 0;
    int n = snprintf(buf, sizeof buf, "{\"type\":\"chat\",\"room\":%d,\"text\":\"%s\",\"ref\":%" PRIu64 "}",
                     G.room, text, ref);
    ws_send_text(c, buf, (size_t)n);
    conn_flush(c);
    if (!c->sent_at)
        c->sent_at = xrealloc(NULL, SENT_RING * sizeof *c->sent_at);
    /* the ack is timed from t; 0 marks a chat outside the window */
    c->sent_at[ref % SENT_RING] = in_win ? t : 0;
    c->outstanding++;
    W.st.tx_chats++;
    if (in_win)
        W.st.tx_win++;
}

/* Steady: sends what is due. The sends of all clients form one evenly spaced sequence (client
 * slot % n sends number slot), so the server sees a constant rate, never bursts; a loadgen that
 * falls behind catches up rather than skipping, and says by how much (lag_ns_max). */
static void steady_tick(uint64_t now)
{
    while (W.sending) {
        uint64_t due = W.sched_t0 + W.slot * W.step_ns;
        if (due >= W.win_e) {
            W.sending = 0;
            break;
        }
        if (now < due) {
            W.next_due = due;
            return;
        }
        if (now - due > W.st.lag_ns_max)
            W.st.lag_ns_max = now - due;
        conn *c = &W.c[W.slot % W.n];
        if (c->state == ST_JOINED)
            send_steady(c, due >= W.win_s);
        else
            W.st.skipped++;
        W.slot++;
        now = mono_ns();
    }
    W.next_due = 0;
}

static void chatter_fill(conn *c)
{
    while (W.sending && c->state == ST_JOINED && c->outstanding < (uint32_t)G.window)
        send_chat(c);
}

/* ---------------------------------------------------------------------------------------------
 * Minimal JSON scanning: only what is needed to find each message's top-level "type", "ref",
 * "seq" and "code". Anything else is skipped without being decoded. */

static const char *skip_ws(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static const char *skip_string(const char *p, const char *e) /* p at the opening quote */
{
    p++;
    while (p < e) {
        const char *q = memchr(p, '"', (size_t)(e - p));
        if (!q)
            return NULL;
        /* count the backslashes right before the quote */
        const char *b = q;
        while (b > p && b[-1] == '\\')
            b--;
        if (((q - b) & 1) == 0)
            return q + 1;
        p = q + 1;
    }
    return NULL;
}

static const char *skip_value(const char *p, const char *e)
{
    if (p >= e)
        return NULL;
    if (*p == '"')
        return skip_string(p, e);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < e) {
            char ch = *p;
            if (ch == '"') {
                p = skip_string(p, e);
                if (!p)
                    return NULL;
                continue;
            }
            if (ch == '{' || ch == '[')
                depth++;
            else if (ch == '}' || ch == ']') {
                if (--depth == 0)
                    return p + 1;
            }
            p++;
        }
        return NULL;
    }
    const char *s = p;
    while (p < e && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n' &&
           *p != '\t' && *p != '\r')
        p++;
    return p > s ? p : NULL;
}

typedef struct jobj {
    const char *b, *e;          /* the object's bytes */
    const char *type, *code;    /* string contents (unescaped assumed) */
    size_t tlen, clen;
    int has_ref, has_seq;
    uint64_t seq, ref;
} jobj;

static int key_is(const char *k, size_t klen, const char *lit)
{
    return strlen(lit) == klen && memcmp(k, lit, klen) == 0;
}

static const char *scan_object(const char *p, const char *e, jobj *o)
{
    memset(o, 0, sizeof *o);
    o->b = p;
    if (p >= e || *p != '{')
        return NULL;
    p = skip_ws(p + 1, e);
    if (p < e && *p == '}')
        return o->e = p + 1;
    for (;;) {
        p = skip_ws(p, e);
        if (p >= e || *p != '"')
            return NULL;
        const char *k = p + 1, *ke = skip_string(p, e);
        if (!ke)
            return NULL;
        size_t klen = (size_t)(ke - 1 - k);
        p = skip_ws(ke, e);
        if (p >= e || *p != ':')
            return NULL;
        p = skip_ws(p + 1, e);
        const char *v = p, *ve = skip_value(p, e);
        if (!ve)
            return NULL;
        if (key_is(k, klen, "type") && *v == '"') {
            o->type = v + 1;
            o->tlen = (size_t)(ve - v - 2);
        } else if (key_is(k, klen, "code") && *v == '"') {
            o->code = v + 1;
            o->clen = (size_t)(ve - v - 2);
        } else if (key_is(k, klen, "ref")) {
            o->has_ref = 1;
            if (*v >= '0' && *v <= '9')
                o->ref = strtoull(v, NULL, 10);
        } else if (key_is(k, klen, "seq") && *v >= '0' && *v <= '9') {
            o->has_seq = 1;
            o->seq = strtoull(v, NULL, 10);
        }
        p = skip_ws(ve, e);
        if (p >= e)
            return NULL;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '}')
            return o->e = p + 1;
        return NULL;
    }
}

static int type_is(const jobj *o, const char *lit) { return o->type && key_is(o->type, o->tlen, lit); }

/* ---------------------------------------------------------------------------------------------
 * Protocol handling */

static void hist_add(uint32_t *h, uint64_t ns)
{
    uint64_t us = ns / 1000;
    size_t i;
    if (us < 100000)
        i = (size_t)(us / 10);
    else if (us < 10000000)
        i = HIST_FINE + (size_t)((us - 100000) / 1000);
    else
        i = HIST_N - 1;
    h[i]++;
}

static void send_result(const char *fmt, ...)
{
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf) {
        n = sizeof buf - 1;
        buf[n - 1] = '\n';
    }
    for (size_t o = 0; o < (size_t)n;) {
        ssize_t w = write(W.res_out, buf + o, (size_t)n - o);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            _exit(3);
        o += (size_t)w;
    }
}

static void check_seq(conn *c, const jobj *o)
{
    if (!o->has_seq) {
        viol("delta_without_seq");
        return;
    }
    if (c->has_seq) {
        if (o->seq <= c->last_seq) {
            char what[64];
            snprintf(what, sizeof what, "%.*s_seq_%s_%s", (int)(o->tlen > 20 ? 20 : o->tlen),
                     o->type, o->seq == c->last_seq ? "equal_to" : "below",
                     c->seq_from_snapshot ? "snapshot" : "previous_delta");
            tally_add(&W.seqbad, what, strlen(what), 1);
            W.st.seq_backwards++;
        }
        else if (o->seq > c->last_seq + 1)
            W.st.seq_gaps++;
    }
    if (!c->has_seq || o->seq > c->last_seq) {
        c->last_seq = o->seq;
        c->seq_from_snapshot = 0;
    }
    c->has_seq = 1;
}

static void on_latency(conn *c, const jobj *o, uint64_t now)
{
    const char *m = memmem(o->b, (size_t)(o->e - o->b), "LAT:", 4);
    if (!m)
        return;
    char *end;
    unsigned long runid = strtoul(m + 4, &end, 10);
    if (*end != ':' || runid != g_runid)
        return;
    unsigned long k = strtoul(end + 1, &end, 10);
    if (*end != ':' || k >= (unsigned long)G.messages)
        return;
    uint64_t t = strtoull(end + 1, &end, 10);
    if (c->latmask & (1ull << k)) {
        viol("duplicate_chat_delivery");
        return;
    }
    c->latmask |= 1ull << k;
    uint64_t lat = now > t ? now - t : 0;
    W.st.deliveries++;
    W.lat_cnt[k]++;
    W.lat_sum[k] += lat;
    if (lat > W.lat_max[k])
        W.lat_max[k] = lat;
    hist_add(W.hist, lat);
    if (++c->latcount == (uint32_t)G.messages)
        W.complete++;
}

/* Steady: a chat from another client: its delivery latency, if it was sent in the window. */
static void on_steady_chat(conn *c, const jobj *o, uint64_t now)
{
    const char *m = memmem(o->b, (size_t)(o->e - o->b), "ST:", 3);
    if (!m)
        return;
    char *end;
    unsigned long runid = strtoul(m + 3, &end, 10);
    if (*end != ':' || runid != g_runid)
        return;
    unsigned long from = strtoul(end + 1, &end, 10);
    if (*end != ':')
        return;
    uint64_t ref = strtoull(end + 1, &end, 10);
    if (*end != ':')
        return;
    uint64_t t = strtoull(end + 1, &end, 10);
    if (*end != ':' || (end[1] != '0' && end[1] != '1') || end[2] != ':') {
        viol("steady_chat_text_mangled");
        return;
    }
    int in_win = end[1] == '1';
    if (from == c->gid) { /* its own chat coming back: not a delivery to another client */
        W.st.self_rx++;
        return;
    }
    if (W.steady_last && from < W.n) {
        uint64_t *last = &W.steady_last[(size_t)(c - W.c) * W.n + from];
        if (ref + 1 <= *last)
            viol("steady_chat_repeated_or_reordered");
        else
            *last = ref + 1;
    }
    if (!in_win)
        return;
    uint64_t lat = now > t ? now - t : 0;
    W.st.deliv_win++;
    if (lat > W.st.deliv_ns_max)
        W.st.deliv_ns_max = lat;
    hist_add(W.hist, lat);
}

static void on_joined(conn *c, uint64_t now)
{
    c->state = ST_JOINED;
    W.st.joined++;
    W.inflight--;
    uint64_t took = now - W.t_start;
    if (took > W.st.join_ns_max)
        W.st.join_ns_max = took;
    if (G.mode == MODE_STORM) {
        uint64_t t1 = now - c->t_first;
        hist_add(W.hist, t1);
        if (t1 > W.st.join1_ns_max)
            W.st.join1_ns_max = t1;
        if (now > W.st.last_join)
            W.st.last_join = now;
    }
    if (W.role == ROLE_CHATTER)
        chatter_fill(c);
}

static void on_object(conn *c, const jobj *o, uint64_t now)
{
    W.st.msgs_rx++;
    if (!o->type) {
        viol("message_without_type");
        return;
    }
    int in_win = now >= W.win_s && now < W.win_e;
    if (type_is(o, "chat")) {
        W.st.chats_rx++;
        if (in_win)
            W.st.chats_win++;
        check_seq(c, o);
        if (W.role == ROLE_LISTENER && G.mode == MODE_FANOUT)
            on_latency(c, o, now);
        else if (W.role == ROLE_STEADY)
            on_steady_chat(c, o, now);
    } else if (type_is(o, "ack")) {
        W.st.acks++;
        if (!o->has_ref)
            viol("ack_without_ref");
        if (W.role == ROLE_CHATTER) {
            if (in_win) {
                W.st.acks_win++;
                if (o->has_ref && c->sent_at && o->ref + SENT_RING >= c->next_ref &&
                    o->ref < c->next_ref)
                    hist_add(W.hist, now - c->sent_at[o->ref % SENT_RING]);
            }
            if (c->outstanding)
                c->outstanding--;
            chatter_fill(c);
        } else if (W.role == ROLE_STEADY) {
            /* by send time: the window's chats, however late their ack */
            if (o->has_ref && c->sent_at && o->ref + SENT_RING >= c->next_ref &&
                o->ref < c->next_ref) {
                uint64_t t = c->sent_at[o->ref % SENT_RING];
                if (t) {
                    W.st.acks_win++;
                    hist_add(W.hist2, now - t);
                    if (now - t > W.st.ack_ns_max)
                        W.st.ack_ns_max = now - t;
                }
            }
            if (c->outstanding)
                c->outstanding--;
        }
    } else if (type_is(o, "presence")) {
        W.st.presence_rx++;
        check_seq(c, o);
    } else if (type_is(o, "welcome")) {
        if (c->state != ST_HELLO) {
            viol("unexpected_welcome");
            return;
        }
        c->state = ST_JOIN;
        char buf[64];
        int n = snprintf(buf, sizeof buf, "{\"type\":\"join\",\"room\":%d,\"ref\":2}", G.room);
        ws_send_text(c, buf, (size_t)n);
    } else if (type_is(o, "snapshot")) {
        if (c->state != ST_JOIN) {
            viol("unexpected_snapshot");
            return;
        }
        if (o->has_seq) {
            c->last_seq = o->seq;
            c->has_seq = 1;
            c->seq_from_snapshot = 1;
        } else {
            viol("snapshot_without_seq");
        }
        on_joined(c, now);
    } else if (type_is(o, "error")) {
        W.st.errors_rx++;
        if (o->code)
            tally_add(&W.errs, o->code, o->clen, 1);
        else
            tally_add(&W.errs, "(no code)", 9, 1);
        if (c->state == ST_HELLO || c->state == ST_JOIN) {
            conn_kill(c, "error_reply_during_setup");
            return;
        }
        if (W.role == ROLE_CHATTER || W.role == ROLE_STEADY) {
            /* every message a chatter sends carries a ref, so every reply must echo one */
            if (!o->has_ref)
                viol("error_reply_without_ref");
            if (c->outstanding)
                c->outstanding--;
            if (W.role == ROLE_CHATTER)
                chatter_fill(c);
        }
    } else if (type_is(o, "pong")) {
        W.st.pings_rx++;
    } else {
        W.st.other_rx++;
        tally_add(&W.others, o->type, o->tlen, 1);
        if (o->has_seq && !type_is(o, "resumed") && !type_is(o, "left"))
            check_seq(c, o);
    }
}

static void on_message(conn *c, const uint8_t *data, size_t len, uint64_t now)
{
    const char *p = (const char *)data, *e = p + len;
    jobj o;
    p = skip_ws(p, e);
    if (p < e && *p == '[') {
        W.st.arrays_rx++;
        p = skip_ws(p + 1, e);
        if (p < e && *p == ']') {
            viol("empty_array_frame");
            return;
        }
        for (;;) {
            p = skip_ws(p, e);
            const char *q = scan_object(p, e, &o);
            if (!q) {
                viol("unparseable_array_element");
                return;
            }
            on_object(c, &o, now);
            if (c->state == ST_DEAD)
                return;
            p = skip_ws(q, e);
            if (p < e && *p == ',') {
                p++;
                continue;
            }
            if (p < e && *p == ']')
                break;
            viol("unparseable_array");
            return;
        }
        p++;
    } else {
        const char *q = scan_object(p, e, &o);
        if (!q) {
            viol("unparseable_message");
            return;
        }
        on_object(c, &o, now);
        p = q;
    }
    if (skip_ws(p, e) != e)
        viol("trailing_bytes_after_json");
}

/* Parses complete frames in d[0..len); returns the bytes consumed. */
static size_t ws_frames(conn *c, uint8_t *d, size_t len, uint64_t now)
{
    size_t off = 0;
    while (c->fd >= 0 && len - off >= 2) {
        uint8_t *p = d + off;
        size_t avail = len - off, hdr = 2;
        int fin = p[0] & 0x80, rsv = p[0] & 0x70, op = p[0] & 0x0f, masked = p[1] & 0x80;
        uint64_t plen = p[1] & 0x7f;
        if (plen == 126) {
            if (avail < 4)
                break;
            plen = (uint64_t)p[2] << 8 | p[3];
            hdr = 4;
            if (plen < 126)
                viol("non_minimal_length");
        } else if (plen == 127) {
            if (avail < 10)
                break;
            plen = 0;
            for (int i = 0; i < 8; i++)
                plen = plen << 8 | p[2 + i];
            hdr = 10;
            if (plen < 65536)
                viol("non_minimal_length");
            if (plen >> 63) {
                viol("length_msb_set");
                conn_kill(c, "protocol_error");
                return off;
            }
        }
        if (masked)
            hdr += 4;
        if (plen > (256u << 20)) {
            viol("frame_over_256MiB");
            conn_kill(c, "protocol_error");
            return off;
        }
        if (avail < hdr + plen)
            break; /* incomplete: conn_read keeps the rest and grows its buffer */
        uint8_t *pl = p + hdr;
        if (masked) {
            viol("masked_server_frame");
            for (uint64_t i = 0; i < plen; i++)
                pl[i] ^= p[hdr - 4 + (i & 3)];
        }
        if (rsv)
            viol("reserved_bits_set");
        W.st.frames_rx++;
        switch (op) {
        case 0x0: /* continuation */
            if (!c->in_frag) {
                viol("continuation_without_start");
                break;
            }
            if (c->mlen + plen > c->mcap) {
                c->mcap = (c->mlen + plen) * 2;
                c->mbuf = xrealloc(c->mbuf, c->mcap);
            }
            memcpy(c->mbuf + c->mlen, pl, plen);
            c->mlen += plen;
            if (fin) {
                c->in_frag = 0;
                on_message(c, c->mbuf, c->mlen, now);
                if (c->state != ST_DEAD) {
                    free(c->mbuf);
                    c->mbuf = NULL;
                    c->mlen = c->mcap = 0;
                }
            }
            break;
        case 0x1:
        case 0x2:
            if (op == 0x2)
                viol("binary_frame");
            if (c->in_frag) {
                viol("new_message_inside_fragmented");
                c->in_frag = 0;
                c->mlen = 0;
            }
            if (fin) {
                on_message(c, pl, plen, now);
            } else {
                c->in_frag = 1;
                c->mcap = plen * 2 + 64;
                c->mbuf = xrealloc(c->mbuf, c->mcap);
                memcpy(c->mbuf, pl, plen);
                c->mlen = plen;
            }
            break;
        case 0x8: { /* close */
            char code[16] = "none";
            if (plen >= 2)
                snprintf(code, sizeof code, "%u", (unsigned)(pl[0] << 8 | pl[1]));
            tally_add(&W.closes, code, strlen(code), 1);
            if (plen >= 2) {
                uint8_t reply[2] = {pl[0], pl[1]};
                ws_send(c, 8, reply, 2);
                conn_flush(c);
            }
            if (c->state != ST_DEAD) {
                char why[32];
                snprintf(why, sizeof why, "server_close_%s", code);
                conn_kill(c, why);
            }
            return off + hdr + plen;
        }
        case 0x9: /* ping */
            if (!fin || plen > 125)
                viol("bad_control_frame");
            ws_send(c, 0xA, pl, plen);
            break;
        case 0xA:
            break;
        default:
            viol("reserved_opcode");
            break;
        }
        off += hdr + plen;
    }
    return off;
}

static const char *ci_find(const char *h, size_t hlen, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= hlen; i++)
        if (strncasecmp(h + i, needle, n) == 0)
            return h + i;
    return NULL;
}

/* Handles the HTTP upgrade response; returns bytes consumed, 0 if incomplete, SIZE_MAX if the
 * connection was killed. */
static size_t ws_handshake(conn *c, uint8_t *d, size_t len)
{
    const char *s = (const char *)d;
    const char *end = memmem(s, len, "\r\n\r\n", 4);
    if (!end) {
        if (len > 16384) {
            conn_kill(c, "handshake_too_long");
            return SIZE_MAX;
        }
        return 0;
    }
    size_t hlen = (size_t)(end - s) + 4;
    if (len < 12 || memcmp(s, "HTTP/1.1 101", 12) != 0) {
        char why[32] = "http_status_";
        memcpy(why + 12, len >= 12 ? s + 9 : "???", 3);
        why[15] = 0;
        conn_kill(c, why);
        return SIZE_MAX;
    }
    char cat[64], want[32];
    uint8_t dig[20];
    snprintf(cat, sizeof cat, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", c->key);
    sha1_digest(cat, strlen(cat), dig);
    base64(dig, 20, want);
    const char *a = ci_find(s, hlen, "\r\nsec-websocket-accept:");
    int ok = 0;
    if (a) {
        a += 23;
        while (*a == ' ' || *a == '\t')
            a++;
        ok = strncmp(a, want, 28) == 0;
    }
    if (!ok) {
        viol("bad_sec_websocket_accept");
        conn_kill(c, "bad_sec_websocket_accept");
        return SIZE_MAX;
    }
    c->state = ST_HELLO;
    char buf[96];
    int n = snprintf(buf, sizeof buf, "{\"type\":\"hello\",\"v\":1,\"name\":\"b%u\",\"ref\":1}", c->gid);
    ws_send_text(c, buf, (size_t)n);
    return hlen;
}

static size_t conn_process(conn *c, uint8_t *d, size_t len, uint64_t now)
{
    size_t off = 0;
    if (c->state == ST_HANDSHAKE) {
        off = ws_handshake(c, d, len);
        if (off == SIZE_MAX || off == 0)
            return off == SIZE_MAX ? len : 0;
    }
    return off + ws_frames(c, d + off, len - off, now);
}

static void conn_read(conn *c)
{
    for (int round = 0; round < 8 && c->fd >= 0; round++) {
        uint8_t *buf;
        size_t cap, have;
        if (c->rlen) {
            if (c->rcap - c->rlen < 65536) {
                c->rcap = (c->rlen + 65536) * 2;
                c->rbuf = xrealloc(c->rbuf, c->rcap);
            }
            buf = c->rbuf, have = c->rlen, cap = c->rcap;
        } else {
            buf = W.scratch, have = 0, cap = SCRATCH;
        }
        ssize_t n = recv(c->fd, buf + have, cap - have, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                conn_drop(c, strerror(errno));
            return;
        }
        if (n == 0) {
            conn_drop(c, "eof_without_close_frame");
            return;
        }
        W.st.bytes_rx += (uint64_t)n;
        uint64_t now = mono_ns();
        size_t total = have + (size_t)n;
        size_t used = conn_process(c, buf, total, now);
        if (c->fd < 0)
            return;
        size_t rem = total - used;
        if (buf == W.scratch) {
            if (rem) {
                c->rcap = rem < 4096 ? 4096 : rem * 2;
                c->rbuf = xrealloc(c->rbuf, c->rcap);
                memcpy(c->rbuf, buf + used, rem);
            }
        } else if (rem && used) {
            memmove(c->rbuf, c->rbuf + used, rem);
        }
        c->rlen = rem;
        if (!rem && c->rbuf) {
            free(c->rbuf);
            c->rbuf = NULL;
            c->rcap = 0;
        }
        if ((size_t)n < cap - have)
            return; /* drained */
    }
}

static void conn_launch(conn *c)
{
    struct sockaddr_in src = {.sin_family = AF_INET}, dst = {.sin_family = AF_INET};
    src.sin_addr.s_addr = htonl(0x7f000001u + c->gid % (uint32_t)G.src_ips);
    dst.sin_port = htons((uint16_t)G.port);
    if (inet_pton(AF_INET, G.host, &dst.sin_addr) != 1)
        die("bad --host %s (IPv4 address expected)", G.host);
    W.inflight++;
    if (!c->attempts)
        c->t_first = mono_ns();
    c->attempts++;
    c->state = ST_CONNECTING;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        conn_drop(c, strerror(errno));
        return;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (bind(c->fd, (struct sockaddr *)&src, sizeof src) < 0) {
        conn_drop(c, strerror(errno));
        return;
    }
    if (connect(c->fd, (struct sockaddr *)&dst, sizeof dst) < 0 && errno != EINPROGRESS) {
        conn_drop(c, strerror(errno));
        return;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u64 = c - W.c};
    if (epoll_ctl(W.ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
        conn_drop(c, strerror(errno));
        return;
    }
    c->epout = 1;
}

static void conn_connected(conn *c)
{
    int err = 0;
    socklen_t el = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
    if (err) {
        conn_drop(c, strerror(err));
        return;
    }
    uint8_t raw[16];
    for (int i = 0; i < 16; i += 4) {
        uint32_t r = rnd32();
        memcpy(raw + i, &r, 4);
    }
    base64(raw, 16, c->key);
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\nUser-Agent: soundroom-loadgen\r\n\r\n",
                     G.path, G.host, G.port, c->key);
    wbuf_reserve(c, (size_t)n);
    memcpy(c->wbuf + c->wlen, req, (size_t)n);
    c->wlen += (size_t)n;
    c->state = ST_HANDSHAKE;
    conn_flush(c);
}

/* ---------------------------------------------------------------------------------------------
 * Worker loop */

/* Storm: starts the connections that are due. Connection i of worker w starts at
 * storm_t0 + (i * nworkers + w) / connect_rate, so the workers take turns and the server sees one
 * evenly paced stream; a worker that falls behind starts the overdue ones at once and notes its lag. */
static void storm_launch(uint64_t now)
{
    double step = 1e9 / G.connect_rate;
    while (W.next_launch < W.n) {
        uint64_t due = G.storm_t0 +
                       (uint64_t)(((double)W.next_launch * G.nworkers + W.idx) * step + 0.5);
        if (now < due) {
            W.next_due = due;
            return;
        }
        if (now - due > W.st.lag_ns_max)
            W.st.lag_ns_max = now - due;
        conn *c = &W.c[W.next_launch++];
        conn_launch(c);
        W.st.launched++;
        if (!W.st.first_launch)
            W.st.first_launch = c->t_first;
        W.st.last_launch = c->t_first;
        now = mono_ns();
    }
    W.next_due = 0;
}

/* Arms the timerfd for the next scheduled action, if it moved. */
static void timer_arm(void)
{
    if (W.tfd < 0 || !W.next_due || W.next_due == W.timer_at)
        return;
    struct itimerspec its = {.it_value = {.tv_sec = (time_t)(W.next_due / 1000000000ull),
                                          .tv_nsec = (long)(W.next_due % 1000000000ull)}};
    if (timerfd_settime(W.tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
        W.timer_at = W.next_due;
}

static void pacer_tick(uint64_t now)
{
    conn *c = &W.c[0];
    while (W.paced < G.messages && now >= W.next_pace) {
        if (c->state == ST_JOINED) {
            char buf[160];
            uint64_t t = mono_ns();
            int n = snprintf(buf, sizeof buf,
                             "{\"type\":\"chat\",\"room\":%d,\"text\":\"LAT:%u:%d:%" PRIu64
                             "\",\"ref\":%d}",
                             G.room, g_runid, W.paced, t, W.paced);
            ws_send_text(c, buf, (size_t)n);
            conn_flush(c);
            W.st.tx_chats++;
        }
        W.paced++;
        W.next_pace += (uint64_t)G.interval_ms * 1000000ull;
    }
    if (W.paced >= G.messages && !W.sent_reported) {
        W.sent_reported = 1;
        send_result("SENT\n");
    }
}

static void worker_ctl(void)
{
    ssize_t n = read(W.ctl_in, W.ctl + W.ctllen, sizeof W.ctl - 1 - W.ctllen);
    if (n <= 0) {
        W.stop = 1; /* the parent went away */
        return;
    }
    W.ctllen += (size_t)n;
    W.ctl[W.ctllen] = 0;
    char *nl;
    while ((nl = strchr(W.ctl, '\n'))) {
        *nl = 0;
        if (!strcmp(W.ctl, "GO")) {
            uint64_t now = mono_ns();
            W.go = 1;
            W.t_go = now;
            if (G.mode == MODE_BURST) {
                W.win_s = now + (uint64_t)(G.warmup * 1e9);
                W.win_e = W.win_s + (uint64_t)(G.duration * 1e9);
                W.sending = 1;
                for (uint32_t i = 0; i < W.n; i++)
                    chatter_fill(&W.c[i]);
            } else if (G.mode == MODE_STEADY) {
                W.win_s = now + (uint64_t)(G.warmup * 1e9);
                W.win_e = W.win_s + (uint64_t)(G.duration * 1e9);
                W.sched_t0 = now;
                W.step_ns = (uint64_t)(1e9 / (G.rate * W.n) + 0.5);
                if (!W.step_ns)
                    W.step_ns = 1;
                W.slot = 0;
                W.sending = 1;
            } else if (W.role == ROLE_PACER) {
                W.next_pace = now;
            }
        } else if (!strcmp(W.ctl, "STOP")) {
            W.stop = 1;
        }
        size_t used = (size_t)(nl - W.ctl) + 1;
        memmove(W.ctl, nl + 1, W.ctllen - used + 1);
        W.ctllen -= used;
    }
}

static void worker_report(void)
{
    char e[1024], cl[1024], v[1024], ot[1024], ce[1024], rw[1024], sb[1024];
    tally_str(&W.errs, e, sizeof e);
    tally_str(&W.closes, cl, sizeof cl);
    tally_str(&W.viol, v, sizeof v);
    tally_str(&W.others, ot, sizeof ot);
    tally_str(&W.cerr, ce, sizeof ce);
    tally_str(&W.retry_why, rw, sizeof rw);
    tally_str(&W.seqbad, sb, sizeof sb);
    const stats *s = &W.st;
    send_result("C joined=%" PRIu64 " failed=%" PRIu64 " lost_after_join=%" PRIu64
                " tx_chats=%" PRIu64 " acks=%" PRIu64 " acks_win=%" PRIu64 " chats_rx=%" PRIu64
                " chats_win=%" PRIu64 " presence_rx=%" PRIu64 " other_rx=%" PRIu64
                " errors_rx=%" PRIu64 " msgs_rx=%" PRIu64 " frames_rx=%" PRIu64
                " arrays_rx=%" PRIu64 " bytes_rx=%" PRIu64 " seq_gaps=%" PRIu64
                " seq_backwards=%" PRIu64 " deliveries=%" PRIu64 " join_ns_max=%" PRIu64
                " complete=%u retries=%" PRIu64 "\n",
                s->joined, s->failed, s->lost_after_join, s->tx_chats, s->acks, s->acks_win,
                s->chats_rx, s->chats_win, s->presence_rx, s->other_rx, s->errors_rx, s->msgs_rx,
                s->frames_rx, s->arrays_rx, s->bytes_rx, s->seq_gaps, s->seq_backwards,
                s->deliveries, s->join_ns_max, W.complete, s->retries);
    send_result("T errors=%s closes=%s violations=%s other_types=%s conn_errors=%s retried=%s"
                " seq_not_increasing=%s\n",
                e, cl, v, ot, ce, rw, sb);
    if (G.mode == MODE_FANOUT && W.role == ROLE_LISTENER)
        for (int k = 0; k < G.messages; k++)
            send_result("L %d %u %" PRIu64 " %" PRIu64 "\n", k, W.lat_cnt[k], W.lat_max[k],
                        W.lat_sum[k]);
    if (G.mode == MODE_STEADY || G.mode == MODE_STORM)
        send_result("S tx_win=%" PRIu64 " self_rx=%" PRIu64 " deliv_win=%" PRIu64
                    " skipped=%" PRIu64 " ack_ns_max=%" PRIu64 " deliv_ns_max=%" PRIu64
                    " lag_ns_max=%" PRIu64 " launched=%" PRIu64 " first_launch=%" PRIu64
                    " last_launch=%" PRIu64 " last_join=%" PRIu64 " join1_ns_max=%" PRIu64 "\n",
                    s->tx_win, s->self_rx, s->deliv_win, s->skipped, s->ack_ns_max,
                    s->deliv_ns_max, s->lag_ns_max, s->launched, s->first_launch,
                    s->last_launch, s->last_join, s->join1_ns_max);
    if ((G.mode == MODE_FANOUT && W.role == ROLE_LISTENER) || G.mode == MODE_BURST ||
        G.mode == MODE_STEADY || G.mode == MODE_STORM) {
        for (size_t i = 0; i < HIST_N; i++)
            if (W.hist[i])
                send_result("H %zu %u\n", i, W.hist[i]);
    }
    if (G.mode == MODE_STEADY)
        for (size_t i = 0; i < HIST_N; i++)
            if (W.hist2[i])
                send_result("A %zu %u\n", i, W.hist2[i]);
    send_result("END\n");
}

static void worker_main(void)
{
    W.ep = epoll_create1(EPOLL_CLOEXEC);
    if (W.ep < 0)
        die("epoll_create1: %s", strerror(errno));
    W.c = calloc(W.n, sizeof *W.c);
    W.dirty = calloc(W.n, sizeof *W.dirty);
    W.retryq = calloc(W.n, sizeof *W.retryq);
    W.scratch = malloc(SCRATCH);
    W.hist = calloc(HIST_N, sizeof *W.hist);
    W.hist2 = calloc(HIST_N, sizeof *W.hist2);
    if (!W.c || !W.dirty || !W.retryq || !W.scratch || !W.hist || !W.hist2)
        die("out of memory");
    if (G.mode == MODE_STEADY && W.n <= STEADY_SEQ_MAX) {
        W.steady_last = calloc((size_t)W.n * W.n, sizeof *W.steady_last);
        if (!W.steady_last)
            die("out of memory");
    }
    W.tfd = -1;
    if (G.mode == MODE_STEADY || G.mode == MODE_STORM) {
        prctl(PR_SET_TIMERSLACK, 1UL); /* wake-ups on the schedule, not up to 50 us late */
        W.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
        if (W.tfd < 0)
            die("timerfd_create: %s", strerror(errno));
    }
    for (uint32_t i = 0; i < W.n; i++) {
        W.c[i].fd = -1;
        W.c[i].gid = W.base + i;
        W.c[i].next_ref = 100;
    }
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = EV_CTL};
    epoll_ctl(W.ep, EPOLL_CTL_ADD, W.ctl_in, &ev);
    if (W.tfd >= 0) {
        struct epoll_event tev = {.events = EPOLLIN, .data.u64 = EV_TIMER};
        epoll_ctl(W.ep, EPOLL_CTL_ADD, W.tfd, &tev);
    }
    W.t_start = mono_ns();
    W.join_deadline = W.t_start + (uint64_t)G.join_timeout * 1000000000ull;
    W.win_s = W.win_e = UINT64_MAX;

    struct epoll_event evs[512];
    while (!W.stop) {
        uint64_t now = mono_ns();
        /* a storm retries at once whatever is in flight: the back-off is the only pacing */
        for (uint32_t i = 0;
             i < W.nretry && (G.mode == MODE_STORM || W.inflight < (uint32_t)G.max_inflight);) {
            conn *c = &W.c[W.retryq[i]];
            if (c->state == ST_IDLE && now >= c->retry_at) {
                W.retryq[i] = W.retryq[--W.nretry];
                conn_launch(c);
            } else if (c->state != ST_IDLE) {
                W.retryq[i] = W.retryq[--W.nretry];
            } else {
                i++;
            }
        }
        if (G.mode == MODE_STORM)
            storm_launch(now);
        else
            while (W.next_launch < W.n && W.inflight < (uint32_t)G.max_inflight)
                conn_launch(&W.c[W.next_launch++]);
        if (!W.ready_sent && (W.st.joined + W.st.failed == W.n || now > W.join_deadline)) {
            if (W.st.joined + W.st.failed < W.n) { /* give up on the stragglers */
                for (uint32_t i = 0; i < W.n; i++)
                    if (W.c[i].state < ST_JOINED)
                        conn_kill(&W.c[i], "join_timeout");
            }
            W.ready_sent = 1;
            send_result("READY %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", W.st.joined, W.st.failed,
                        W.st.join_ns_max / 1000000);
        }
        if (W.go && W.role == ROLE_PACER)
            pacer_tick(now);
        if (W.go && G.mode == MODE_STEADY)
            steady_tick(now);
        if (W.go && G.mode == MODE_BURST && W.sending && now >= W.win_e)
            W.sending = 0;
        if (W.go && (G.mode == MODE_BURST || G.mode == MODE_STEADY) && !W.sending &&
            !W.drained_sent) {
            uint32_t out = 0;
            for (uint32_t i = 0; i < W.n; i++)
                if (W.c[i].state == ST_JOINED)
                    out += W.c[i].outstanding;
            /* steady: the window's chats must also have reached every other client (its only
             * worker holds them all), since a delta may trail its ack */
            uint64_t alive = W.st.joined - W.st.lost_after_join;
            if (G.mode == MODE_STEADY && alive > 1 && W.st.deliv_win < W.st.tx_win * (alive - 1))
                out++;
            if (!out) {
                W.drained_sent = 1;
                send_result("DRAINED\n");
            }
        }
        if (G.mode == MODE_FANOUT && W.role == ROLE_LISTENER && W.go && !W.gotall_sent &&
            W.complete >= W.st.joined - W.st.lost_after_join) {
            W.gotall_sent = 1;
            send_result("GOTALL\n");
        }
        int timeout = 20;
        if (W.role == ROLE_PACER && W.go && W.paced < G.messages) {
            int64_t d = (int64_t)(W.next_pace - mono_ns()) / 1000000;
            timeout = d < 0 ? 0 : d < 20 ? (int)d : 20;
        }
        timer_arm();
        int n = epoll_wait(W.ep, evs, 512, timeout);
        if (n < 0 && errno != EINTR)
            die("epoll_wait: %s", strerror(errno));
        for (int i = 0; i < n; i++) {
            if (evs[i].data.u64 == EV_CTL) {
                worker_ctl();
                continue;
            }
            if (evs[i].data.u64 == EV_TIMER) {
                uint64_t ticks;
                if (read(W.tfd, &ticks, sizeof ticks) < 0 && errno != EAGAIN)
                    die("timerfd read: %s", strerror(errno));
                W.timer_at = 0;
                continue;
            }
            conn *c = &W.c[evs[i].data.u64];
            uint32_t e = evs[i].events;
            if (c->fd < 0)
                continue;
            if (c->state == ST_CONNECTING) {
                conn_connected(c);
                continue;
            }
            if (e & EPOLLOUT)
                conn_flush(c);
            if (c->fd >= 0 && (e & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                conn_read(c);
        }
        for (uint32_t i = 0; i < W.ndirty; i++) {
            conn *c = &W.c[W.dirty[i]];
            c->dirty = 0;
            if (c->fd >= 0 && c->wlen > c->woff && !c->epout)
                conn_flush(c);
        }
        W.ndirty = 0;
    }
    worker_report();
    _exit(0);
}

/* ---------------------------------------------------------------------------------------------
 * Parent: forks workers, coordinates phases, aggregates. */

typedef struct wproc {
    pid_t pid;
    int ctl_out, res_in;
    int role;
    uint32_t n;
    int ready, gotall, sent, drained, ended, dead;
    char buf[65536];
    size_t blen;
    uint64_t joined, failed, join_ms;
} wproc;

static wproc P[MAX_WORKERS];
static int NP;

/* aggregate */
static stats AG;
static uint64_t AG_complete;
static tally AG_errs, AG_closes, AG_viol, AG_others, AG_cerr, AG_retry, AG_seqbad;
static uint32_t AG_lat_cnt[MAX_MSGS];
static uint64_t AG_lat_max[MAX_MSGS], AG_lat_sum[MAX_MSGS];
static uint64_t *AG_hist, *AG_hist2;

static long read_status_kb(int pid, const char *field)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    long v = -1;
    size_t fl = strlen(field);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, field, fl) && line[fl] == ':') {
            v = strtol(line + fl + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

/* CPU time (user+system) of a process in seconds, or -1; *sys_s (if not NULL) gets the
 * system part. */
static double read_cpu2(int pid, double *sys_s)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long ut = 0, st = 0;
    /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
        return -1;
    double tck = (double)sysconf(_SC_CLK_TCK);
    if (sys_s)
        *sys_s = (double)st / tck;
    return (double)(ut + st) / tck;
}

static double read_cpu_s(int pid) { return read_cpu2(pid, NULL); }

/* Seconds the threads of a process have spent runnable but waiting for a CPU (the second field
 * of /proc/PID/task/TID/schedstat, summed), or -1: what other work on the machine took from it. */
static double read_runq_wait_s(int pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    double sum = 0;
    int any = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char p2[320], buf[128];
        snprintf(p2, sizeof p2, "/proc/%d/task/%s/schedstat", pid, e->d_name);
        int fd = open(p2, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t n = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (n <= 0)
            continue;
        buf[n] = 0;
        unsigned long long run_ns, wait_ns;
        if (sscanf(buf, "%llu %llu", &run_ns, &wait_ns) == 2) {
            sum += (double)wait_ns / 1e9;
            any = 1;
        }
    }
    closedir(d);
    return any ? sum : -1;
}

/* A TcpExt counter of /proc/net/netstat (machine-wide), or -1. A storm uses ListenOverflows: a
 * SYN that finds the server's accept queue full is dropped and retried by the client's kernel
 * only after 1 s, which is then the join time's tail. */
static long long read_tcpext(const char *name)
{
    FILE *f = fopen("/proc/net/netstat", "r");
    if (!f)
        return -1;
    static char head[8192], vals[8192];
    long long v = -1;
    while (v < 0 && fgets(head, sizeof head, f) && fgets(vals, sizeof vals, f)) {
        if (strncmp(head, "TcpExt:", 7) != 0)
            continue;
        char *s1 = NULL, *s2 = NULL;
        char *h = strtok_r(head + 7, " \n", &s1), *x = strtok_r(vals + 7, " \n", &s2);
        for (; h && x; h = strtok_r(NULL, " \n", &s1), x = strtok_r(NULL, " \n", &s2))
            if (!strcmp(h, name)) {
                v = strtoll(x, NULL, 10);
                break;
            }
    }
    fclose(f);
    return v;
}

static double loadgen_cpu_s(void)
{
    double s = 0;
    for (int i = 0; i < NP; i++) {
        double v = read_cpu_s(P[i].pid);
        if (v > 0)
            s += v;
    }
    return s;
}

static void tally_merge(tally *dst, char *spec)
{
    if (!strcmp(spec, "none"))
        return;
    for (char *tok = strtok(spec, ","); tok; tok = strtok(NULL, ",")) {
        char *colon = strrchr(tok, ':');
        if (!colon)
            continue;
        *colon = 0;
        tally_add(dst, tok, strlen(tok), strtoull(colon + 1, NULL, 10));
    }
}

static void parse_counters(char *line)
{
    struct {
        const char *k;
        uint64_t *v;
    } map[] = {
        {"joined", &AG.joined}, {"failed", &AG.failed}, {"lost_after_join", &AG.lost_after_join},
        {"tx_chats", &AG.tx_chats}, {"acks", &AG.acks}, {"acks_win", &AG.acks_win},
        {"chats_rx", &AG.chats_rx}, {"chats_win", &AG.chats_win}, {"presence_rx", &AG.presence_rx},
        {"other_rx", &AG.other_rx}, {"errors_rx", &AG.errors_rx}, {"msgs_rx", &AG.msgs_rx},
        {"frames_rx", &AG.frames_rx}, {"arrays_rx", &AG.arrays_rx}, {"bytes_rx", &AG.bytes_rx},
        {"seq_gaps", &AG.seq_gaps}, {"seq_backwards", &AG.seq_backwards},
        {"deliveries", &AG.deliveries}, {"complete", &AG_complete}, {"retries", &AG.retries},
    };
    char *save = NULL;
    for (char *tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            continue;
        *eq = 0;
        uint64_t v = strtoull(eq + 1, NULL, 10);
        if (!strcmp(tok, "join_ns_max")) {
            if (v > AG.join_ns_max)
                AG.join_ns_max = v;
            continue;
        }
        for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
            if (!strcmp(tok, map[i].k))
                *map[i].v += v;
    }
}

static void parse_tallies(char *line)
{
    char *save = NULL;
    for (char *tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            continue;
        *eq = 0;
        tally *t = !strcmp(tok, "errors")        ? &AG_errs
                   : !strcmp(tok, "closes")      ? &AG_closes
                   : !strcmp(tok, "violations")  ? &AG_viol
                   : !strcmp(tok, "other_types") ? &AG_others
                   : !strcmp(tok, "conn_errors") ? &AG_cerr
                   : !strcmp(tok, "retried")     ? &AG_retry
                   : !strcmp(tok, "seq_not_increasing") ? &AG_seqbad
                                                 : NULL;
        if (t)
            tally_merge(t, eq + 1);
    }
}

/* "S" lines: steady and storm figures; counts add up, times take the extreme. */
static void parse_sched(char *line)
{
    char *save = NULL;
    for (char *tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq)
            continue;
        *eq = 0;
        uint64_t v = strtoull(eq + 1, NULL, 10);
        if (!strcmp(tok, "tx_win"))
            AG.tx_win += v;
        else if (!strcmp(tok, "self_rx"))
            AG.self_rx += v;
        else if (!strcmp(tok, "deliv_win"))
            AG.deliv_win += v;
        else if (!strcmp(tok, "skipped"))
            AG.skipped += v;
        else if (!strcmp(tok, "launched"))
            AG.launched += v;
        else if (!strcmp(tok, "first_launch")) {
            if (v && (!AG.first_launch || v < AG.first_launch))
                AG.first_launch = v;
        } else {
            uint64_t *mx = !strcmp(tok, "ack_ns_max")     ? &AG.ack_ns_max
                           : !strcmp(tok, "deliv_ns_max") ? &AG.deliv_ns_max
                           : !strcmp(tok, "lag_ns_max")   ? &AG.lag_ns_max
                           : !strcmp(tok, "last_launch")  ? &AG.last_launch
                           : !strcmp(tok, "last_join")    ? &AG.last_join
                           : !strcmp(tok, "join1_ns_max") ? &AG.join1_ns_max
                                                          : NULL;
            if (mx && v > *mx)
                *mx = v;
        }
    }
}

static void on_worker_line(wproc *w, char *line)
{
    if (!strncmp(line, "READY ", 6)) {
        w->ready = 1;
        sscanf(line + 6, "%" SCNu64 " %" SCNu64 " %" SCNu64, &w->joined, &w->failed, &w->join_ms);
    } else if (!strcmp(line, "GOTALL")) {
        w->gotall = 1;
    } else if (!strcmp(line, "DRAINED")) {
        w->drained = 1;
    } else if (!strcmp(line, "SENT")) {
        w->sent = 1;
    } else if (!strcmp(line, "END")) {
        w->ended = 1;
    } else if (!strncmp(line, "C ", 2)) {
        parse_counters(line + 2);
    } else if (!strncmp(line, "T ", 2)) {
        parse_tallies(line + 2);
    } else if (!strncmp(line, "S ", 2)) {
        parse_sched(line + 2);
    } else if (line[0] == 'L' && line[1] == ' ') {
        int k;
        unsigned cnt;
        uint64_t mx, sum;
        if (sscanf(line + 2, "%d %u %" SCNu64 " %" SCNu64, &k, &cnt, &mx, &sum) == 4 && k >= 0 &&
            k < MAX_MSGS) {
            AG_lat_cnt[k] += cnt;
            AG_lat_sum[k] += sum;
            if (mx > AG_lat_max[k])
                AG_lat_max[k] = mx;
        }
    } else if ((line[0] == 'H' || line[0] == 'A') && line[1] == ' ') {
        size_t i;
        unsigned cnt;
        if (sscanf(line + 2, "%zu %u", &i, &cnt) == 2 && i < HIST_N)
            (line[0] == 'H' ? AG_hist : AG_hist2)[i] += cnt;
    }
}

/* Reads whatever the workers wrote, waiting at most ms milliseconds. */
static void pump(int ms)
{
    struct pollfd pf[MAX_WORKERS];
    int map[MAX_WORKERS], n = 0;
    for (int i = 0; i < NP; i++)
        if (!P[i].dead) {
            pf[n].fd = P[i].res_in;
            pf[n].events = POLLIN;
            map[n++] = i;
        }
    if (!n) {
        if (ms > 0)
            usleep((useconds_t)ms * 1000);
        return;
    }
    if (poll(pf, (nfds_t)n, ms) <= 0)
        return;
    for (int j = 0; j < n; j++) {
        if (!(pf[j].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        wproc *w = &P[map[j]];
        ssize_t r = read(w->res_in, w->buf + w->blen, sizeof w->buf - 1 - w->blen);
        if (r <= 0) {
            if (!w->ended)
                fprintf(stderr, "loadgen: worker %d (pid %d) exited without a report\n", map[j],
                        (int)w->pid);
            w->dead = 1;
            w->ended = 1;
            w->ready = 1;
            continue;
        }
        w->blen += (size_t)r;
        w->buf[w->blen] = 0;
        char *s = w->buf, *nl;
        while ((nl = strchr(s, '\n'))) {
            *nl = 0;
            on_worker_line(w, s);
            s = nl + 1;
        }
        w->blen -= (size_t)(s - w->buf);
        memmove(w->buf, s, w->blen);
    }
}

static void pump_until(uint64_t t)
{
    for (uint64_t now = mono_ns(); now < t; now = mono_ns()) {
        uint64_t ms = (t - now) / 1000000 + 1;
        pump(ms > 100 ? 100 : (int)ms);
    }
}

static void tell_all(const char *msg)
{
    for (int i = 0; i < NP; i++)
        if (!P[i].dead && write(P[i].ctl_out, msg, strlen(msg)) < 0)
            P[i].dead = 1;
}

static int all(int field_offset)
{
    for (int i = 0; i < NP; i++)
        if (!*(int *)((char *)&P[i] + field_offset))
            return 0;
    return 1;
}

static int u64cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of a sorted array. */
static uint64_t pct(const uint64_t *v, size_t n, double p)
{
    size_t r = (size_t)(p * (double)n + 0.999999);
    if (r < 1)
        r = 1;
    if (r > n)
        r = n;
    return v[r - 1];
}

static double hist_pct_ms_of(const uint64_t *h, double p)
{
    uint64_t total = 0;
    for (size_t i = 0; i < HIST_N; i++)
        total += h[i];
    if (!total)
        return -1;
    uint64_t want = (uint64_t)(p * (double)total + 0.999999), acc = 0;
    for (size_t i = 0; i < HIST_N; i++) {
        acc += h[i];
        if (acc >= want) { /* upper edge of the bucket */
            if (i < HIST_FINE)
                return (double)(i + 1) * 0.01;
            return 100.0 + (double)(i - HIST_FINE + 1);
        }
    }
    return -1;
}

static double hist_pct_ms(double p) { return hist_pct_ms_of(AG_hist, p); }

static void spawn(int idx, int role, uint32_t base, uint32_t n)
{
    int ctl[2], res[2];
    if (pipe2(ctl, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0)
        die("pipe: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive the coordinator */
        if (getppid() == 1)
            _exit(1);
        for (int i = 0; i < idx; i++) {
            close(P[i].ctl_out);
            close(P[i].res_in);
        }
        close(ctl[1]);
        close(res[0]);
        memset(&W, 0, sizeof W);
        W.idx = idx;
        W.role = role;
        W.base = base;
        W.n = n;
        W.ctl_in = ctl[0];
        W.res_out = res[1];
        rng_state ^= (uint64_t)getpid() * 0x9E3779B97F4A7C15ull ^ mono_ns();
        worker_main();
    }
    close(ctl[0]);
    close(res[1]);
    P[idx] = (wproc){.pid = pid, .ctl_out = ctl[1], .res_in = res[0], .role = role, .n = n};
    NP = idx + 1;
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    rng_state ^= mono_ns() ^ (uint64_t)getpid() << 32;
    g_runid = rnd32() % 1000000000u;
    AG_hist = calloc(HIST_N, sizeof *AG_hist);
    AG_hist2 = calloc(HIST_N, sizeof *AG_hist2);
    if (!AG_hist || !AG_hist2)
        die("out of memory");

    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if ((rlim_t)G.per_proc + 64 > rl.rlim_cur)
        fprintf(stderr, "loadgen: warning: --per-proc %d exceeds the open-file limit %llu\n",
                G.per_proc, (unsigned long long)rl.rlim_cur);

    static const char *const mnames[] = {"burst", "fanout", "idle", "steady", "storm"};
    const char *mname = mnames[G.mode];
    long rss0 = G.pid ? read_status_kb(G.pid, "VmRSS") : -1;
    double cpu0 = G.pid ? read_cpu_s(G.pid) : -1;
    double rq0 = G.pid ? read_runq_wait_s(G.pid) : -1;
    uint64_t t0 = mono_ns();

    int role = G.mode == MODE_BURST    ? ROLE_CHATTER
               : G.mode == MODE_STEADY ? ROLE_STEADY
                                       : ROLE_LISTENER;
    int nw = (G.clients + G.per_proc - 1) / G.per_proc;
    if (nw + (G.mode == MODE_FANOUT) > MAX_WORKERS)
        die("too many worker processes (%d); raise --per-proc", nw);
    G.nworkers = nw;
    /* the storm's schedule starts once every worker is surely forked and ready */
    G.storm_t0 = mono_ns() + 200000000ull;
    uint32_t base = 0;
    for (int i = 0; i < nw; i++) {
        uint32_t n = (uint32_t)(G.clients / nw + (i < G.clients % nw));
        spawn(i, role, base, n);
        base += n;
    }
    if (G.mode == MODE_FANOUT)
        spawn(nw, ROLE_PACER, base, 1);
    fprintf(stderr, "loadgen: %s: %d connections in %d worker process(es), port %d\n", mname,
            G.clients + (G.mode == MODE_FANOUT), NP, G.port);
    long long ovf0 = read_tcpext("ListenOverflows"), cookies0 = read_tcpext("SyncookiesSent");
    if (G.mode == MODE_STORM) { /* the join phase is the storm: measure from its first connect */
        pump_until(G.storm_t0);
        t0 = G.storm_t0;
        cpu0 = G.pid ? read_cpu_s(G.pid) : -1;
        rq0 = G.pid ? read_runq_wait_s(G.pid) : -1;
    }

    /* phase 1: everybody joins */
    uint64_t hard = t0 + (uint64_t)(G.join_timeout + 15) * 1000000000ull;
    while (!all(offsetof(wproc, ready)) && mono_ns() < hard)
        pump(100);
    double join_s = (double)(mono_ns() - t0) / 1e9;
    uint64_t joined = 0, failed = 0;
    for (int i = 0; i < NP; i++)
        if (P[i].role != ROLE_PACER)
            joined += P[i].joined, failed += P[i].failed;
    fprintf(stderr, "loadgen: %" PRIu64 " joined, %" PRIu64 " failed in %.2f s\n", joined, failed,
            join_s);
    long rss_joined = G.pid ? read_status_kb(G.pid, "VmRSS") : -1;
    double cpu_joined = G.pid ? read_cpu_s(G.pid) : -1;
    double join_cpu_pct = cpu0 >= 0 && cpu_joined >= 0 && join_s > 0
                              ? (cpu_joined - cpu0) / join_s * 100.0
                              : -1;
    /* the workers were spawned after t0, so their whole CPU time so far is the join phase's */
    double join_lg_cpu_pct = join_s > 0 ? loadgen_cpu_s() / join_s * 100.0 : -1;
    double rq_joined = G.pid ? read_runq_wait_s(G.pid) : -1;
    double join_wait_pct = rq0 >= 0 && rq_joined >= 0 && join_s > 0
                               ? (rq_joined - rq0) / join_s * 100.0
                               : -1;
    double srv_wait = -1; /* the server's run-queue wait in the window, % of the window */
    long rss_settled = -1;
    double srv_cpu = -1, srv_sys = -1, lg_cpu = -1, win_s = 0;
    int pacer_joined = 1;
    if (G.mode == MODE_FANOUT)
        pacer_joined = P[NP - 1].joined == 1;

    long long ovf1 = read_tcpext("ListenOverflows"), cookies1 = read_tcpext("SyncookiesSent");
    /* phase 2: the workload (a storm has none: its figures are the join phase's) */
    if (G.mode == MODE_STORM) {
        rss_settled = G.pid ? read_status_kb(G.pid, "VmRSS") : -1;
    } else if (G.mode == MODE_IDLE) {
        pump_until(mono_ns() + (uint64_t)G.settle_ms * 1000000ull);
        rss_settled = G.pid ? read_status_kb(G.pid, "VmRSS") : -1;
    } else if (G.mode == MODE_BURST || G.mode == MODE_STEADY) {
        tell_all("GO\n");
        uint64_t go = mono_ns();
        uint64_t ws = go + (uint64_t)(G.warmup * 1e9), we = ws + (uint64_t)(G.duration * 1e9);
        uint64_t end = we + (uint64_t)(G.drain * 1e9);
        pump_until(ws);
        double s0 = 0, s1 = 0;
        double c0 = G.pid ? read_cpu2(G.pid, &s0) : -1, l0 = loadgen_cpu_s();
        double w0 = G.pid ? read_runq_wait_s(G.pid) : -1;
        uint64_t m0 = mono_ns();
        pump_until(we);
        double c1 = G.pid ? read_cpu2(G.pid, &s1) : -1, l1 = loadgen_cpu_s();
        double w1 = G.pid ? read_runq_wait_s(G.pid) : -1;
        win_s = (double)(mono_ns() - m0) / 1e9;
        if (w0 >= 0 && w1 >= 0)
            srv_wait = (w1 - w0) / win_s * 100.0;
        if (c0 >= 0 && c1 >= 0) {
            srv_cpu = (c1 - c0) / win_s * 100.0;
            srv_sys = (s1 - s0) / win_s * 100.0;
        }
        lg_cpu = (l1 - l0) / win_s * 100.0;
        rss_settled = G.pid ? read_status_kb(G.pid, "VmRSS") : -1;
        /* drain: until every chat is acked (then a little longer for the last deltas) */
        while (mono_ns() < end) {
            pump(20);
            int d = 1;
            for (int i = 0; i < NP; i++)
                if (!P[i].drained && !P[i].dead)
                    d = 0;
            if (d) {
                pump_until(mono_ns() + 300000000ull);
                break;
            }
        }
    } else {
        pump_until(mono_ns() + (uint64_t)G.settle_ms * 1000000ull);
        tell_all("GO\n");
        uint64_t go = mono_ns();
        double s0 = 0, s1 = 0;
        double c0 = G.pid ? read_cpu2(G.pid, &s0) : -1, l0 = loadgen_cpu_s();
        double w0 = G.pid ? read_runq_wait_s(G.pid) : -1;
        uint64_t sent_at = 0,
                 cap = go + (uint64_t)G.messages * (uint64_t)G.interval_ms * 1000000ull +
                       (uint64_t)(G.grace * 1e9) + 5000000000ull;
        for (;;) {
            pump(50);
            uint64_t now = mono_ns();
            int listeners_done = 1, pacer_done = 0;
            for (int i = 0; i < NP; i++) {
                if (P[i].role == ROLE_PACER)
                    pacer_done = P[i].sent || P[i].dead;
                else if (!P[i].gotall && !P[i].dead)
                    listeners_done = 0;
            }
            if (pacer_done && !sent_at)
                sent_at = now;
            if (pacer_done && listeners_done)
                break;
            if (sent_at && now - sent_at > (uint64_t)(G.grace * 1e9))
                break;
            if (now > cap)
                break;
        }
        win_s = (double)(mono_ns() - go) / 1e9;
        double c1 = G.pid ? read_cpu2(G.pid, &s1) : -1, l1 = loadgen_cpu_s();
        double w1 = G.pid ? read_runq_wait_s(G.pid) : -1;
        if (w0 >= 0 && w1 >= 0)
            srv_wait = (w1 - w0) / win_s * 100.0;
        if (c0 >= 0 && c1 >= 0) {
            srv_cpu = (c1 - c0) / win_s * 100.0;
            srv_sys = (s1 - s0) / win_s * 100.0;
        }
        lg_cpu = (l1 - l0) / win_s * 100.0;
        rss_settled = G.pid ? read_status_kb(G.pid, "VmRSS") : -1;
    }
    long hwm = G.pid ? read_status_kb(G.pid, "VmHWM") : -1;
    int server_alive = G.pid ? kill(G.pid, 0) == 0 : -1;

    /* phase 3: collect */
    tell_all("STOP\n");
    uint64_t stop_cap = mono_ns() + 10000000000ull;
    while (!all(offsetof(wproc, ended)) && mono_ns() < stop_cap)
        pump(100);
    for (int i = 0; i < NP; i++) {
        if (!P[i].ended)
            kill(P[i].pid, SIGKILL);
        waitpid(P[i].pid, NULL, 0);
    }

    char errs[1024], closes[1024], vio[1024], others[1024], cerr[1024], retr[1024], sbad[1024];
    tally_str(&AG_errs, errs, sizeof errs);
    tally_str(&AG_closes, closes, sizeof closes);
    tally_str(&AG_viol, vio, sizeof vio);
    tally_str(&AG_others, others, sizeof others);
    tally_str(&AG_cerr, cerr, sizeof cerr);
    tally_str(&AG_retry, retr, sizeof retr);
    tally_str(&AG_seqbad, sbad, sizeof sbad);

    printf("RESULT mode=%s port=%d requested=%d joined=%" PRIu64 " failed=%" PRIu64
           " join_s=%.2f join_server_cpu_pct=%.1f join_loadgen_cpu_pct=%.1f join_server_wait_pct=%.1f"
           " lost_after_join=%" PRIu64,
           mname, G.port, G.clients, joined, failed, join_s, join_cpu_pct, join_lg_cpu_pct,
           join_wait_pct, AG.lost_after_join);
    if (G.mode == MODE_BURST) {
        double rate = win_s > 0 ? (double)AG.chats_win / win_s : 0;
        double arate = win_s > 0 ? (double)AG.acks_win / win_s : 0;
        /* after the drain, every acked chat should have reached every member */
        uint64_t expected = AG.tx_chats * (joined - AG.lost_after_join);
        printf(" window_s=%.2f delivered_win=%" PRIu64 " delivered_per_s=%.0f acked_per_s=%.0f"
               " ack_p50_ms=%.2f ack_p99_ms=%.2f"
               " sent=%" PRIu64 " acked=%" PRIu64 " unanswered=%" PRId64
               " delivered_total=%" PRIu64 " expected_total=%" PRIu64,
               win_s, AG.chats_win, rate, arate, hist_pct_ms(0.50), hist_pct_ms(0.99), AG.tx_chats, AG.acks,
               (int64_t)AG.tx_chats - (int64_t)AG.acks - (int64_t)AG.errors_rx, AG.chats_rx, expected);
    } else if (G.mode == MODE_FANOUT) {
        uint64_t last[MAX_MSGS];
        size_t nl = 0;
        int incomplete = 0;
        uint64_t want = joined - 0; /* listeners that joined */
        for (int k = 0; k < G.messages; k++) {
            if (AG_lat_cnt[k] < want || !want)
                incomplete++;
            if (AG_lat_cnt[k])
                last[nl++] = AG_lat_max[k];
        }
        qsort(last, nl, sizeof last[0], u64cmp);
        double p50 = nl ? (double)pct(last, nl, 0.50) / 1e6 : -1;
        double p99 = nl ? (double)pct(last, nl, 0.99) / 1e6 : -1;
        double mx = nl ? (double)last[nl - 1] / 1e6 : -1;
        uint64_t sum = 0;
        for (int k = 0; k < G.messages; k++)
            sum += AG_lat_sum[k];
        printf(" pacer_joined=%d messages=%d sent=%" PRIu64 " last_p50_ms=%.2f last_p99_ms=%.2f"
               " last_max_ms=%.2f incomplete_msgs=%d deliveries=%" PRIu64
               " expected_deliveries=%" PRIu64 " all_p50_ms=%.2f all_p99_ms=%.2f"
               " all_mean_ms=%.2f",
               pacer_joined, G.messages, AG.tx_chats, p50, p99, mx, incomplete, AG.deliveries,
               want * (uint64_t)G.messages, hist_pct_ms(0.50), hist_pct_ms(0.99),
               AG.deliveries ? (double)sum / (double)AG.deliveries / 1e6 : -1.0);
        printf(" last_ms_by_msg=");
        for (int k = 0; k < G.messages; k++)
            printf("%s%.1f", k ? "," : "", AG_lat_cnt[k] ? (double)AG_lat_max[k] / 1e6 : -1.0);
    } else if (G.mode == MODE_STEADY) {
        uint64_t alive = joined - AG.lost_after_join;
        uint64_t expected = alive > 1 ? AG.tx_win * (alive - 1) : 0;
        printf(" rate_per_client=%g window_s=%.2f sent_win=%" PRIu64 " sent_per_s=%.0f"
               " deliveries_win=%" PRIu64 " expected_win=%" PRIu64 " missing_win=%" PRId64
               " deliveries_per_s=%.0f delivery_p50_ms=%.2f delivery_p99_ms=%.2f"
               " delivery_max_ms=%.3f acked_win=%" PRIu64 " ack_p50_ms=%.2f ack_p99_ms=%.2f"
               " ack_max_ms=%.3f send_lag_max_ms=%.2f skipped_sends=%" PRIu64
               " sent=%" PRIu64 " acked=%" PRIu64 " unanswered=%" PRId64 " self_rx=%" PRIu64,
               G.rate, win_s, AG.tx_win, win_s > 0 ? (double)AG.tx_win / win_s : 0, AG.deliv_win,
               expected, (int64_t)expected - (int64_t)AG.deliv_win,
               win_s > 0 ? (double)AG.deliv_win / win_s : 0, hist_pct_ms(0.50), hist_pct_ms(0.99),
               AG.deliv_win ? (double)AG.deliv_ns_max / 1e6 : -1.0, AG.acks_win,
               hist_pct_ms_of(AG_hist2, 0.50), hist_pct_ms_of(AG_hist2, 0.99),
               AG.acks_win ? (double)AG.ack_ns_max / 1e6 : -1.0, (double)AG.lag_ns_max / 1e6,
               AG.skipped, AG.tx_chats, AG.acks,
               (int64_t)AG.tx_chats - (int64_t)AG.acks - (int64_t)AG.errors_rx, AG.self_rx);
    } else if (G.mode == MODE_STORM) {
        double span = AG.last_launch > AG.first_launch
                          ? (double)(AG.last_launch - AG.first_launch) / 1e9 : 0;
        double storm_s = AG.last_join > AG.first_launch
                             ? (double)(AG.last_join - AG.first_launch) / 1e9 : -1;
        printf(" connect_rate_asked=%.0f launched=%" PRIu64 " connect_rate=%.0f"
               " launch_lag_max_ms=%.2f storm_s=%.3f join_rate=%.0f join_p50_ms=%.2f"
               " join_p99_ms=%.2f join_max_ms=%.3f all_joined=%d listen_overflows=%lld"
               " syncookies_sent=%lld",
               G.connect_rate, AG.launched,
               span > 0 && AG.launched > 1 ? (double)(AG.launched - 1) / span : -1.0,
               (double)AG.lag_ns_max / 1e6, storm_s,
               storm_s > 0 ? (double)joined / storm_s : -1.0, hist_pct_ms(0.50),
               hist_pct_ms(0.99), joined ? (double)AG.join1_ns_max / 1e6 : -1.0,
               joined == (uint64_t)G.clients && AG.lost_after_join == 0,
               ovf0 >= 0 && ovf1 >= 0 ? ovf1 - ovf0 : -1LL,
               cookies0 >= 0 && cookies1 >= 0 ? cookies1 - cookies0 : -1LL);
    }
    printf(" rss_before_kb=%ld rss_joined_kb=%ld rss_after_kb=%ld vmhwm_kb=%ld", rss0, rss_joined,
           rss_settled, hwm);
    if (G.mode == MODE_IDLE && rss0 > 0 && rss_settled > 0 && joined > 0)
        printf(" bytes_per_listener=%.0f",
               (double)(rss_settled - rss0) * 1024.0 / (double)joined);
    printf(" server_cpu_pct=%.1f server_sys_pct=%.1f server_wait_pct=%.1f loadgen_cpu_pct=%.1f"
           " server_alive=%d",
           srv_cpu, srv_sys, srv_wait, lg_cpu, server_alive);
    printf(" msgs_rx=%" PRIu64 " frames_rx=%" PRIu64 " arrays_rx=%" PRIu64 " bytes_rx=%" PRIu64
           " presence_rx=%" PRIu64 " errors_rx=%" PRIu64 " seq_gaps=%" PRIu64
           " seq_backwards=%" PRIu64,
           AG.msgs_rx, AG.frames_rx, AG.arrays_rx, AG.bytes_rx, AG.presence_rx, AG.errors_rx,
           AG.seq_gaps, AG.seq_backwards);
    printf(" retries=%" PRIu64 " retried=%s errors=%s closes=%s violations=%s other_types=%s"
           " conn_errors=%s seq_not_increasing=%s\n",
           AG.retries, retr, errs, closes, vio, others, cerr, sbad);
    return 0;
}
