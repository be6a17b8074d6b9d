/* floor.c - the cheapest server bench/ can measure: what a process doing nothing but the sockets
 * achieves on this machine for the load generator's workloads (bench/floor.sh, docs/performance.md
 * "The physical floor").
 *
 * It speaks the subset of soundroom's protocol v1 that bench/loadgen.c uses, as bench/peer/relay.mjs
 * does (hello -> welcome, join -> snapshot, chat -> ack + delta to the room, leave -> left,
 * ping -> pong), with soundroom's JSON shapes and sizes: the snapshot carries soundroom's room
 * info, settings and now-playing (captured from build/soundroom with the demo library) and, as
 * soundroom's does, the first 100 listeners, so a join costs the same ~6.4 KB on the wire.
 * One thread (--threads 2 and --uring 1 send a large room's fan-out as soundroom's does, see
 * fan_send), level-triggered epoll, non-blocking sockets, accept4 until the queue is empty, its own
 * HTTP upgrade and WebSocket framing, no JSON library (string search), nothing durable, no rate
 * limits, no presence deltas, no chat history in snapshots, one room (id 1). A delta is encoded
 * and framed once and the same bytes go to every member with one send() each; with --batch 1 (the
 * default) the deltas of one pass of the loop go out as one JSON array frame, as soundroom batches.
 *
 * Build: cc -O2 -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -o floor floor.c -lcrypto -luring -pthread
 * usage: floor --port 18731 [--host 0.0.0.0] [--batch 1] [--threads 1] [--uring 0]
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <liburing.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HEAD 10              /* room for the largest server frame header before a payload */
#define MAX_PAYLOAD 65536    /* a client frame over this closes the connection (1009) */
#define BATCH_MAX (60 * 1024) /* a batch frame is sent early once its payload passes this */
#define SNAP_LISTENERS 100   /* soundroom's SNAPSHOT_LISTENERS */
#define LISTEN_TAG UINT64_MAX

/* soundroom's snapshot between "server_time" and "listener_count", as build/soundroom sent it
 * for the demo library's room 1 (scripts/demo-library.sh) */
static const char SNAP_STATIC[] =
    "\"info\":{\"id\":1,\"name\":\"Demo room\",\"description\":\"Everyone hears the same track. "
    "Add songs, vote, chat.\",\"tags\":[\"demo\",\"welcome\"]},\"settings\":{\"visibility\":"
    "\"public\",\"who_add\":\"everyone\",\"who_vote\":\"everyone\",\"max_per_person\":0,"
    "\"skip_ratio\":0.0,\"slow_mode_s\":0,\"locked\":false,\"mode\":\"queue\",\"owner\":null,"
    "\"artist\":null},\"now_playing\":{\"track\":{\"id\":6,\"title\":\"Through Space\","
    "\"artist\":\"Maxstack\",\"album\":\"Endgame: Singularity (Advanced Research)\","
    "\"duration_ms\":233739,\"url\":\"/media/6\",\"cover\":null,\"source\":\"local\","
    "\"album_artist\":null,\"genre\":null,\"year\":2012,\"track_no\":null,\"disc_no\":null},"
    "\"started_at\":1796438920394.5256,\"entry\":null,\"added_by\":null,\"from\":\"fallback\","
    "\"likes\":0},\"queue\":[]";

enum { S_HTTP, S_WS, S_DEAD };

typedef struct buf {
    char *p;
    size_t len, off, cap;
} buf;

typedef struct conn {
    int fd;
    uint8_t state, epout, in_room, closing;
    uint32_t user; /* 0 before hello */
    uint32_t slot; /* index in the room's member list while in_room */
    uint8_t namelen;
    char name[48]; /* as the client wrote it inside its JSON string (escapes kept) */
    buf in, out;
    struct conn *next_dead;
} conn;

static struct {
    int ep, lfd, batch;
    conn **byfd;
    size_t nfd;
    conn *dead;
    /* room 1 */
    conn **mem;
    uint32_t nmem, capmem;
    uint64_t seq, next_msg;
    uint32_t next_user;
    char epoch[17];
    buf ls; /* the snapshot's listener list, encoded; len 0 = stale */
    buf pend; /* batch: HEAD + 1 bytes of room, then deltas separated by ',' */
    uint32_t npend;
    char scratch[MAX_PAYLOAD + 4096];
    char rbuf[MAX_PAYLOAD + 16];
} F;

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint64_t rnd64(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "floor: out of memory\n");
        exit(2);
    }
    return q;
}

static void buf_add(buf *b, const void *d, size_t n)
{
    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2 + 256;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, d, n);
    b->len += n;
}

/* ---- a tiny JSON writer over a char cursor ---- */
#define PUT(w, lit) (memcpy((w), (lit), sizeof(lit) - 1), (w) += sizeof(lit) - 1)
static char *put_mem(char *w, const void *s, size_t n) { return (char *)memcpy(w, s, n) + n; }
static char *put_u64(char *w, uint64_t v)
{
    char t[24];
    int n = 0;
    do
        t[n++] = (char)('0' + v % 10);
    while (v /= 10);
    while (n)
        *w++ = t[--n];
    return w;
}
static char *put_time(char *w) /* ms since the epoch with 3 decimals, like performance.now() */
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
    w = put_u64(w, us / 1000);
    *w++ = '.';
    unsigned f = (unsigned)(us % 1000);
    *w++ = (char)('0' + f / 100);
    *w++ = (char)('0' + f / 10 % 10);
    *w++ = (char)('0' + f % 10);
    return w;
}

/* ---- JSON reading by string search: the loadgen writes compact objects ---- */

/* the raw value after "key": (a number or other token, or a string with its quotes) */
static const char *jraw(const char *p, size_t n, const char *key, size_t *vlen)
{
    size_t kl = strlen(key);
    const char *e = p + n, *q = p;
    while ((q = memmem(q, (size_t)(e - q), key, kl))) {
        const char *v = q + kl;
        while (v < e && *v == ' ')
            v++;
        if (v < e && *v == ':') {
            v++;
            while (v < e && *v == ' ')
                v++;
            const char *s = v;
            if (v < e && *v == '"') {
                for (v++; v < e && *v != '"'; v++)
                    if (*v == '\\')
                        v++;
                if (v >= e)
                    return NULL;
                v++;
            } else {
                while (v < e && *v != ',' && *v != '}' && *v != ' ')
                    v++;
            }
            *vlen = (size_t)(v - s);
            return *vlen ? s : NULL;
        }
        q += kl;
    }
    return NULL;
}
/* the contents of a string value (escapes kept), or NULL if absent or not a string */
static const char *jstr(const char *p, size_t n, const char *key, size_t *len)
{
    size_t vl;
    const char *v = jraw(p, n, key, &vl);
    if (!v || *v != '"' || vl < 2)
        return NULL;
    *len = vl - 2;
    return v + 1;
}
static int jint(const char *p, size_t n, const char *key, long *out)
{
    size_t vl;
    const char *v = jraw(p, n, key, &vl);
    if (!v || vl > 18)
        return 0;
    char t[20];
    memcpy(t, v, vl);
    t[vl] = 0;
    char *end;
    *out = strtol(t, &end, 10);
    return *end == 0;
}
static size_t utf8_chars(const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

/* ---- sending ---- */

static size_t ws_head(char *h, size_t len) /* writes the header ending at h; returns its size */
{
    if (len < 126) {
        h[-2] = (char)0x81;
        h[-1] = (char)len;
        return 2;
    }
    if (len < 65536) {
        h[-4] = (char)0x81;
        h[-3] = 126;
        h[-2] = (char)(len >> 8);
        h[-1] = (char)len;
        return 4;
    }
    h[-10] = (char)0x81;
    h[-9] = 127;
    for (int i = 0; i < 8; i++)
        h[-1 - i] = (char)(len >> (8 * i));
    return 10;
}

static void conn_kill(conn *c)
{
    if (c->state == S_DEAD)
        return;
    c->state = S_DEAD;
    c->next_dead = F.dead;
    F.dead = c;
}

static void set_out(conn *c, int on)
{
    if (c->epout == on)
        return;
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.u64 = (uint64_t)c->fd};
    epoll_ctl(F.ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->epout = (uint8_t)on;
}

static void conn_flush(conn *c)
{
    while (c->out.off < c->out.len && c->state != S_DEAD) {
        ssize_t n = send(c->fd, c->out.p + c->out.off, c->out.len - c->out.off, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return set_out(c, 1);
            return conn_kill(c);
        }
        c->out.off += (size_t)n;
    }
    c->out.len = c->out.off = 0;
    if (c->out.cap > 256 * 1024) {
        free(c->out.p);
        c->out.p = NULL;
        c->out.cap = 0;
    }
    set_out(c, 0);
    if (c->closing)
        conn_kill(c);
}

/* bytes every member gets alike: sent now if nothing waits before them, else queued */
static void conn_send(conn *c, const char *d, size_t n)
{
    if (c->state == S_DEAD)
        return;
    if (c->out.len == c->out.off) {
        ssize_t k = send(c->fd, d, n, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno != EAGAIN && errno != EINTR)
                return conn_kill(c);
            k = 0;
        }
        if ((size_t)k == n)
            return;
        c->out.len = c->out.off = 0;
        buf_add(&c->out, d + k, n - (size_t)k);
        set_out(c, 1);
        return;
    }
    buf_add(&c->out, d, n);
}

/* a reply to one client, queued behind what it already has; flushed once its read is handled */
static void reply(conn *c, char *payload, size_t n) /* payload has HEAD bytes before it */
{
    size_t h = ws_head(payload, n);
    buf_add(&c->out, payload - h, n + h);
}

static void reply_error(conn *c, const char *code, const char *msg, const char *ref, size_t rl)
{
    char *p = F.scratch + HEAD, *w = p;
    PUT(w, "{\"type\":\"error\",\"code\":\"");
    w = put_mem(w, code, strlen(code));
    PUT(w, "\",\"message\":\"");
    w = put_mem(w, msg, strlen(msg));
    *w++ = '"';
    if (ref) {
        PUT(w, ",\"ref\":");
        w = put_mem(w, ref, rl);
    }
    *w++ = '}';
    reply(c, p, (size_t)(w - p));
}

static void close_frame(conn *c, unsigned code)
{
    char f[4] = {(char)0x88, 2, (char)(code >> 8), (char)code};
    buf_add(&c->out, f, 4);
    c->closing = 1;
}

/* ---- sending to the whole room: send() per member, or faster ----
 * By default the main thread send()s the frame to each member in turn. Two options give the floor
 * of what soundroom's src/net/fanout.c does: --uring 1 hands the sends to the kernel 64 at a time
 * through io_uring (one system call per 64 sends), --threads 2 adds a second thread, pinned to the
 * other CPU the process may use, the two taking chunks of 64 members from a shared counter. The
 * sending threads only call send() on sockets with nothing queued and note the outcome per member;
 * the main thread, which owns every connection's state, settles the outcomes afterwards. */
#define SPLIT_MIN 256 /* rooms smaller than this are sent to by the main thread alone */
#define CHUNK 64
enum { R_QUEUE = -2, R_AGAIN = -1, R_DEAD = -3 };
static struct {
    int threads, uring;
    pthread_t t;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned gen, done;
    const char *d;
    size_t n;
    uint32_t nmem;
    _Atomic uint32_t next;
    ssize_t *res; /* per member: bytes sent, or R_* */
    struct io_uring ring[2];
} H = {.threads = 1, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void send_chunk(int who, uint32_t from, uint32_t to)
{
    struct io_uring *r = H.uring ? &H.ring[who] : NULL;
    int queued = 0;
    for (uint32_t i = from; i < to; i++) {
        conn *c = F.mem[i];
        if (c->state == S_DEAD || c->out.len != c->out.off) {
            H.res[i] = c->state == S_DEAD ? R_DEAD : R_QUEUE;
        } else if (r) {
            struct io_uring_sqe *q = io_uring_get_sqe(r);
            io_uring_prep_send(q, c->fd, H.d, H.n, MSG_DONTWAIT | MSG_NOSIGNAL);
            io_uring_sqe_set_data64(q, i);
            queued++;
        } else {
            ssize_t k = send(c->fd, H.d, H.n, MSG_DONTWAIT | MSG_NOSIGNAL);
            H.res[i] = k >= 0 ? k : errno == EAGAIN || errno == EINTR ? R_AGAIN : R_DEAD;
        }
    }
    if (!queued)
        return;
    while (io_uring_submit_and_wait(r, (unsigned)queued) == -EINTR)
        ;
    for (int got = 0; got < queued;) {
        struct io_uring_cqe *cq;
        if (io_uring_wait_cqe(r, &cq) < 0)
            continue;
        int res = cq->res;
        H.res[io_uring_cqe_get_data64(cq)] =
            res >= 0 ? res : res == -EAGAIN || res == -EINTR ? R_AGAIN : R_DEAD;
        io_uring_cqe_seen(r, cq);
        got++;
    }
}

static void take_chunks(int who)
{
    for (;;) {
        uint32_t i = atomic_fetch_add(&H.next, CHUNK);
        if (i >= H.nmem)
            return;
        send_chunk(who, i, i + CHUNK < H.nmem ? i + CHUNK : H.nmem);
    }
}

static void *helper_main(void *arg)
{
    (void)arg;
    unsigned seen = 0;
    for (;;) {
        pthread_mutex_lock(&H.mu);
        while (H.gen == seen)
            pthread_cond_wait(&H.cv, &H.mu);
        seen = H.gen;
        pthread_mutex_unlock(&H.mu);
        take_chunks(1);
        pthread_mutex_lock(&H.mu);
        H.done = seen;
        pthread_cond_broadcast(&H.cv);
        pthread_mutex_unlock(&H.mu);
    }
    return NULL;
}

static void fan_send(const char *d, size_t n)
{
    if (!H.uring && (H.threads < 2 || F.nmem < SPLIT_MIN)) {
        for (uint32_t i = 0; i < F.nmem; i++)
            conn_send(F.mem[i], d, n);
        return;
    }
    H.res = xrealloc(H.res, (F.nmem + 1) * sizeof *H.res);
    H.d = d, H.n = n, H.nmem = F.nmem;
    atomic_store(&H.next, 0);
    int split = H.threads == 2 && F.nmem >= SPLIT_MIN;
    if (split) {
        pthread_mutex_lock(&H.mu);
        H.gen++;
        pthread_cond_broadcast(&H.cv);
        pthread_mutex_unlock(&H.mu);
    }
    take_chunks(0);
    if (split) {
        pthread_mutex_lock(&H.mu);
        while (H.done != H.gen)
            pthread_cond_wait(&H.cv, &H.mu);
        pthread_mutex_unlock(&H.mu);
    }
    for (uint32_t i = 0; i < H.nmem; i++) {
        conn *c = F.mem[i];
        ssize_t k = H.res[i];
        if (k == (ssize_t)n)
            continue;
        if (k == R_DEAD) {
            conn_kill(c);
        } else if (k == R_QUEUE) {
            buf_add(&c->out, d, n);
        } else {
            size_t sent = k < 0 ? 0 : (size_t)k;
            c->out.len = c->out.off = 0;
            buf_add(&c->out, d + sent, n - sent);
            set_out(c, 1);
        }
    }
}

static void fan_init(void)
{
    for (int i = 0; H.uring && i < H.threads; i++)
        if (io_uring_queue_init(CHUNK, &H.ring[i], 0) < 0) {
            fprintf(stderr, "floor: io_uring unavailable; using send()\n");
            H.uring = 0;
        }
    if (H.threads < 2)
        return;
    if (pthread_create(&H.t, NULL, helper_main, NULL) != 0) {
        fprintf(stderr, "floor: no second thread\n");
        exit(1);
    }
    cpu_set_t set, one;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 1) {
        int k = 0;
        for (int cpu = 0; cpu < CPU_SETSIZE && k < 2; cpu++)
            if (CPU_ISSET(cpu, &set)) {
                CPU_ZERO(&one);
                CPU_SET(cpu, &one);
                pthread_setaffinity_np(k++ ? H.t : pthread_self(), sizeof one, &one);
            }
    }
}

/* ---- the room ---- */

static void room_flush(void)
{
    if (!F.npend)
        return;
    char *payload = F.pend.p + HEAD + 1;
    size_t n = F.pend.len - HEAD - 1;
    if (F.npend > 1) {
        buf_add(&F.pend, "]", 1);
        payload = F.pend.p + HEAD;
        payload[0] = '[';
        n += 2;
    }
    size_t h = ws_head(payload, n);
    fan_send(payload - h, n + h);
    F.pend.len = HEAD + 1;
    F.npend = 0;
}

static void room_publish(const char *d, size_t n)
{
    if (F.batch) {
        if (F.npend)
            buf_add(&F.pend, ",", 1);
        buf_add(&F.pend, d, n);
        F.npend++;
        if (F.pend.len > BATCH_MAX)
            room_flush();
        return;
    }
    char *payload = (char *)d; /* has HEAD bytes before it */
    size_t h = ws_head(payload, n);
    fan_send(payload - h, n + h);
}

static void room_enter(conn *c)
{
    room_flush(); /* deltas numbered before this join go to the members before it */
    if (F.nmem == F.capmem) {
        F.capmem = F.capmem ? F.capmem * 2 : 1024;
        F.mem = xrealloc(F.mem, F.capmem * sizeof *F.mem);
    }
    c->slot = F.nmem;
    F.mem[F.nmem++] = c;
    c->in_room = 1;
    if (c->slot < SNAP_LISTENERS)
        F.ls.len = 0;
}

static void room_exit(conn *c)
{
    if (!c->in_room)
        return;
    room_flush();
    conn *last = F.mem[--F.nmem];
    F.mem[c->slot] = last;
    last->slot = c->slot;
    if (c->slot < SNAP_LISTENERS || F.nmem < SNAP_LISTENERS)
        F.ls.len = 0;
    c->in_room = 0;
}

static void listeners_encode(void)
{
    if (F.ls.len)
        return;
    char t[160];
    buf_add(&F.ls, "[", 1);
    for (uint32_t i = 0; i < F.nmem && i < SNAP_LISTENERS; i++) {
        conn *m = F.mem[i];
        char *w = t;
        if (i)
            *w++ = ',';
        PUT(w, "{\"id\":");
        w = put_u64(w, m->user);
        PUT(w, ",\"name\":\"");
        w = put_mem(w, m->name, m->namelen);
        PUT(w, "\",\"guest\":true,\"avatar\":null}");
        buf_add(&F.ls, t, (size_t)(w - t));
    }
    buf_add(&F.ls, "]", 1);
}

/* ---- messages ---- */

static void on_text(conn *c, const char *p, size_t n)
{
    size_t tl, rl = 0;
    const char *type = jstr(p, n, "\"type\"", &tl);
    const char *ref = jraw(p, n, "\"ref\"", &rl);
    char *out = F.scratch + HEAD, *w = out;
    if (!type)
        return reply_error(c, "bad_message", "expected an object with a string \\\"type\\\"", NULL, 0);
#define IS(lit) (tl == sizeof(lit) - 1 && memcmp(type, lit, tl) == 0)
    if (IS("ping")) {
        size_t t0l;
        const char *t0 = jraw(p, n, "\"t0\"", &t0l);
        PUT(w, "{\"type\":\"pong\",\"t0\":");
        w = t0 ? put_mem(w, t0, t0l) : put_mem(w, "null", 4);
        PUT(w, ",\"t1\":");
        w = put_time(w);
        PUT(w, ",\"t2\":");
        w = put_time(w);
        *w++ = '}';
        return reply(c, out, (size_t)(w - out));
    }
    if (IS("hello")) {
        size_t nl;
        const char *name = jstr(p, n, "\"name\"", &nl);
        if (!name || !nl)
            return reply_error(c, "missing_field", "field 'name' is required", ref, rl);
        if (nl > sizeof c->name || utf8_chars(name, nl) > 40)
            return reply_error(c, "too_long", "name over 40 characters", ref, rl);
        if (!c->user)
            c->user = ++F.next_user;
        memcpy(c->name, name, nl);
        c->namelen = (uint8_t)nl;
        if (c->in_room && c->slot < SNAP_LISTENERS)
            F.ls.len = 0;
        PUT(w, "{\"type\":\"welcome\",\"ref\":");
        w = ref ? put_mem(w, ref, rl) : put_mem(w, "null", 4);
        PUT(w, ",\"v\":1,\"user\":{\"id\":");
        w = put_u64(w, c->user);
        PUT(w, ",\"name\":\"");
        w = put_mem(w, c->name, c->namelen);
        PUT(w, "\",\"guest\":true},\"server_time\":");
        w = put_time(w);
        PUT(w, ",\"token\":\"");
        for (int i = 0; i < 2; i++) {
            uint64_t r = rnd64();
            for (int k = 0; k < 16; k++, r >>= 4)
                *w++ = "0123456789abcdef"[r & 15];
        }
        PUT(w, "\"}");
        return reply(c, out, (size_t)(w - out));
    }
    if (!c->user)
        return reply_error(c, "hello_required", "send hello first", ref, rl);
    long room = 0;
    int has_room = jint(p, n, "\"room\"", &room);
    if (IS("join")) {
        if (!has_room || room != 1)
            return reply_error(c, "no_such_room", "no such room", ref, rl);
        if (!c->in_room)
            room_enter(c);
        listeners_encode();
        PUT(w, "{\"type\":\"snapshot\",\"ref\":");
        w = ref ? put_mem(w, ref, rl) : put_mem(w, "null", 4);
        PUT(w, ",\"room\":1,\"epoch\":\"");
        w = put_mem(w, F.epoch, 16);
        PUT(w, "\",\"seq\":");
        w = put_u64(w, F.seq);
        PUT(w, ",\"server_time\":");
        w = put_time(w);
        *w++ = ',';
        w = put_mem(w, SNAP_STATIC, sizeof SNAP_STATIC - 1);
        PUT(w, ",\"listener_count\":");
        w = put_u64(w, F.nmem);
        PUT(w, ",\"chat\":[],\"skip\":{\"votes\":0,\"needed\":1},\"party\":null,\"sync\":"
               "{\"error_ms\":null,\"reporting\":0,\"listeners\":[]},\"your_role\":\"listener\","
               "\"listeners\":");
        w = put_mem(w, F.ls.p, F.ls.len);
        *w++ = '}';
        return reply(c, out, (size_t)(w - out));
    }
    if (IS("leave")) {
        if (!c->in_room || !has_room || room != 1)
            return reply_error(c, "not_in_room", "not in that room", ref, rl);
        room_exit(c);
        PUT(w, "{\"type\":\"left\",\"room\":1}");
        return reply(c, out, (size_t)(w - out));
    }
    if (IS("chat")) {
        if (!c->in_room || !has_room || room != 1)
            return reply_error(c, "not_in_room", "not in that room", ref, rl);
        size_t xl;
        const char *text = jstr(p, n, "\"text\"", &xl);
        if (!text || !xl)
            return reply_error(c, "bad_field", "field 'text' must be a non-empty string", ref, rl);
        if (utf8_chars(text, xl) > 500)
            return reply_error(c, "too_long", "chat text over 500 characters", ref, rl);
        uint64_t id = ++F.next_msg;
        PUT(w, "{\"type\":\"ack\",\"ref\":");
        w = ref ? put_mem(w, ref, rl) : put_mem(w, "null", 4);
        PUT(w, ",\"id\":");
        w = put_u64(w, id);
        *w++ = '}';
        reply(c, out, (size_t)(w - out));
        /* the delta, as soundroom encodes it */
        char *d = w + HEAD, *v = d;
        PUT(v, "{\"type\":\"chat\",\"msg\":{\"id\":");
        v = put_u64(v, id);
        PUT(v, ",\"user\":{\"id\":");
        v = put_u64(v, c->user);
        PUT(v, ",\"name\":\"");
        v = put_mem(v, c->name, c->namelen);
        PUT(v, "\",\"guest\":true},\"text\":\"");
        v = put_mem(v, text, xl);
        PUT(v, "\",\"ts\":");
        v = put_time(v);
        PUT(v, "},\"room\":1,\"epoch\":\"");
        v = put_mem(v, F.epoch, 16);
        PUT(v, "\",\"seq\":");
        v = put_u64(v, ++F.seq);
        *v++ = '}';
        return room_publish(d, (size_t)(v - d));
    }
    char m[96];
    snprintf(m, sizeof m, "unknown type '%.*s'", (int)(tl > 40 ? 40 : tl), type);
    reply_error(c, "unknown_type", m, ref, rl);
#undef IS
}

/* ---- HTTP and WebSocket input ---- */

static const char *ci_find(const char *h, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (strncasecmp(h + i, needle, k) == 0)
            return h + i;
    return NULL;
}

static void http_text(conn *c, const char *status, const char *body)
{
    char t[512];
    int n = snprintf(t, sizeof t,
                     "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s",
                     status, strlen(body), body);
    buf_add(&c->out, t, (size_t)n);
    c->closing = 1;
}

/* returns the bytes used, 0 while the request is incomplete */
static size_t on_http(conn *c, char *d, size_t n)
{
    char *end = memmem(d, n, "\r\n\r\n", 4);
    if (!end) {
        if (n > 8192)
            conn_kill(c);
        return 0;
    }
    size_t hl = (size_t)(end - d) + 4;
    if (n >= 16 && memcmp(d, "GET /api/health ", 16) == 0) {
        http_text(c, "200 OK", "{\"ok\":true,\"version\":\"floor\"}");
        return hl;
    }
    const char *k = ci_find(d, hl, "\r\nsec-websocket-key:");
    if (n < 8 || memcmp(d, "GET /ws ", 8) != 0 || !k) {
        http_text(c, "404 Not Found", "{\"error\":{\"code\":\"not_found\",\"message\":\"not found\"}}");
        return hl;
    }
    k += 20;
    while (*k == ' ' || *k == '\t')
        k++;
    const char *ke = k;
    while (ke < end && *ke != '\r' && *ke != ' ')
        ke++;
    char cat[128];
    size_t kl = (size_t)(ke - k);
    if (kl > 60)
        kl = 60;
    memcpy(cat, k, kl);
    memcpy(cat + kl, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 36);
    unsigned char dig[20];
    SHA1((const unsigned char *)cat, kl + 36, dig);
    char acc[32];
    EVP_EncodeBlock((unsigned char *)acc, dig, 20);
    char t[160];
    int m = snprintf(t, sizeof t,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                     acc);
    buf_add(&c->out, t, (size_t)m);
    c->state = S_WS;
    return hl;
}

/* returns the bytes used: whole frames only */
static size_t on_frames(conn *c, char *d, size_t n)
{
    size_t off = 0;
    while (c->state == S_WS && !c->closing && n - off >= 2) {
        unsigned char *p = (unsigned char *)d + off;
        size_t avail = n - off, hl = 2;
        int fin = p[0] & 0x80, op = p[0] & 0x0f;
        uint64_t len = p[1] & 0x7f;
        if (!(p[1] & 0x80)) {
            close_frame(c, 1002); /* clients must mask */
            break;
        }
        if (len == 126) {
            if (avail < 4)
                break;
            len = (uint64_t)p[2] << 8 | p[3];
            hl = 4;
        } else if (len == 127) {
            if (avail < 10)
                break;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = len << 8 | p[2 + i];
            hl = 10;
        }
        if (len > MAX_PAYLOAD) {
            close_frame(c, 1009);
            break;
        }
        if (avail < hl + 4 + len)
            break;
        unsigned char *mask = p + hl, *pl = p + hl + 4;
        for (uint64_t i = 0; i < len; i++)
            pl[i] ^= mask[i & 3];
        off += hl + 4 + (size_t)len;
        if (op == 1 && fin) {
            on_text(c, (char *)pl, (size_t)len);
        } else if (op == 8) {
            close_frame(c, len >= 2 ? (unsigned)(pl[0] << 8 | pl[1]) : 1000);
        } else if (op == 9) {
            char f[HEAD + 125];
            memcpy(f + HEAD, pl, (size_t)len);
            size_t h = ws_head(f + HEAD, (size_t)len);
            f[HEAD - h] = (char)0x8A;
            buf_add(&c->out, f + HEAD - h, (size_t)len + h);
        } else if (op != 10) {
            close_frame(c, 1003); /* binary or fragmented: not in the subset */
        }
    }
    return off;
}

static void conn_read(conn *c)
{
    for (int round = 0; round < 4 && c->state != S_DEAD && !c->closing; round++) {
        ssize_t k = recv(c->fd, F.rbuf, sizeof F.rbuf, 0);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                conn_kill(c);
            break;
        }
        if (k == 0) {
            conn_kill(c);
            break;
        }
        char *d = F.rbuf;
        size_t n = (size_t)k;
        if (c->in.len) {
            buf_add(&c->in, F.rbuf, n);
            d = c->in.p;
            n = c->in.len;
        }
        size_t used = 0;
        if (c->state == S_HTTP)
            used = on_http(c, d, n);
        if (c->state == S_WS)
            used += on_frames(c, d + used, n - used);
        size_t rest = n - used;
        if (!rest)
            c->in.len = 0;
        else if (d == c->in.p)
            memmove(c->in.p, c->in.p + used, rest), c->in.len = rest;
        else
            c->in.len = 0, buf_add(&c->in, d + used, rest);
        if ((size_t)k < sizeof F.rbuf)
            break;
    }
    if (c->state != S_DEAD)
        conn_flush(c);
}

/* ---- the loop ---- */

static void accept_all(void)
{
    for (;;) {
        int fd = accept4(F.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return; /* EAGAIN, or out of files: the rest wait in the queue */
        if ((size_t)fd >= F.nfd) {
            close(fd);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->state = S_HTTP;
        F.byfd[fd] = c;
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)fd};
        epoll_ctl(F.ep, EPOLL_CTL_ADD, fd, &ev);
    }
}

static void reap(void)
{
    while (F.dead) {
        conn *c = F.dead;
        F.dead = c->next_dead;
        room_exit(c);
        close(c->fd);
        F.byfd[c->fd] = NULL;
        free(c->in.p);
        free(c->out.p);
        free(c);
    }
}

int main(int argc, char **argv)
{
    const char *host = "0.0.0.0";
    int port = 18731;
    F.batch = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--port"))
            port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--host"))
            host = argv[i + 1];
        else if (!strcmp(argv[i], "--batch"))
            F.batch = atoi(argv[i + 1]) != 0;
        else if (!strcmp(argv[i], "--threads"))
            H.threads = atoi(argv[i + 1]) == 2 ? 2 : 1;
        else if (!strcmp(argv[i], "--uring"))
            H.uring = atoi(argv[i + 1]) != 0;
        else {
            fprintf(stderr, "usage: floor --port N [--host 0.0.0.0] [--batch 0|1] [--threads 1|2] [--uring 0|1]\n");
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    fan_init();
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    F.nfd = rl.rlim_cur > 1048576 ? 1048576 : (size_t)rl.rlim_cur;
    F.byfd = calloc(F.nfd, sizeof *F.byfd);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    rng ^= (uint64_t)ts.tv_nsec * 0x2545F4914F6CDD1Dull ^ (uint64_t)getpid();
    uint64_t e = rnd64();
    for (int k = 0; k < 16; k++, e >>= 4)
        F.epoch[k] = "0123456789abcdef"[e & 15];
    buf_add(&F.pend, "\0\0\0\0\0\0\0\0\0\0\0", HEAD + 1);

    F.lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(F.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1 ||
        bind(F.lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(F.lfd, 65535) < 0) {
        perror("floor: cannot listen");
        return 1;
    }
    F.ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.u64 = LISTEN_TAG};
    epoll_ctl(F.ep, EPOLL_CTL_ADD, F.lfd, &lev);
    fprintf(stderr, "floor: listening on %s:%d (batch %d, threads %d, io_uring %d)\n", host, port,
            F.batch, H.threads, H.uring);

    static struct epoll_event evs[1024];
    for (;;) {
        int n = epoll_wait(F.ep, evs, 1024, -1);
        for (int i = 0; i < n; i++) {
            if (evs[i].data.u64 == LISTEN_TAG) {
                accept_all();
                continue;
            }
            conn *c = F.byfd[evs[i].data.u64];
            if (!c || c->state == S_DEAD)
                continue;
            if (evs[i].events & EPOLLOUT)
                conn_flush(c);
            if (c->state != S_DEAD && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                conn_read(c);
        }
        room_flush();
        reap();
    }
}
