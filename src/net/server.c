/* server.c - libwebsockets glue. One service thread runs this loop and the hub; the store's
 * write worker wakes it with lws_cancel_service(), the only lws call made off this thread. */
#include "net/server.h"
#include "net/fanout.h"
#include "net/wsguard.h"
#include "util/pool.h"
#include "net/range.h"
#include "proto/proto.h"
#include "app/avatars.h"
#include "library/library.h"
#include "source/source.h"
#include "util/log.h"
#include "util/util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(LWS_PRE <= SR_MSG_PRE, "messages need LWS_PRE bytes of headroom");

#define TICK_US 50000
#define TICK_MAX_US 250000
#define BATCH_MAX (256 * 1024)
#define FILE_CHUNK (64 * 1024)
#define MAX_BODY 65536

/* The CSP allows only our own origin (no inline script or style anywhere), except for media:
 * stream tracks (internet radio) are played by the listener's <audio> from their own http(s)
 * URL, and media cannot run script. */
static const char CSP[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' http: https:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'";

typedef struct static_file {
    char *path; /* URL path, e.g. "/app.js" */
    char *data;
    size_t len;
    const char *ctype;
} static_file;

typedef struct cover {
    int64_t id;
    unsigned char *data;
    size_t len;
    char mime[32];
} cover;

/* One HTTP transaction's response, written from HTTP_WRITEABLE. Reference-counted because an
 * asynchronous reply (a room being created) may complete after the client went away. */
typedef struct http_req {
    int refs;
    struct lws *wsi;
    int method; /* 'G', 'H', 'P', other */
    char uri[512];
    char *post;
    size_t post_len;
    int too_large;
    size_t body_max; /* MAX_BODY, or more for a signed-in upload of bytes */
    int ready, headers_sent;
    int status;
    const char *ctype;
    char *body;              /* owned */
    const char *static_body; /* borrowed */
    size_t body_len, sent;
    int fd;
    int64_t file_pos, file_end; /* inclusive end */
    /* the next chunk of the file, read on the I/O pool (a cold disk must not stall the
     * service thread): rlen bytes after LWS_PRE in rbuf, or a read in flight */
    unsigned char *rbuf;
    size_t rlen;
    int reading, read_failed;
    unsigned rgen; /* a transaction reset while a read is out makes its result stale */
    char content_range[96];
    const char *cache;
    int csp;
    int routed; /* route() ran for this transaction (lws may still report a body of 0 bytes) */
    char set_cookie[200];
    char token[160];                  /* session token from the cookie or Authorization: Bearer */
    char addr[64];                    /* peer address */
    char etag[48], last_modified[40]; /* validators of a media file or cover, or "" */
} http_req;

/* Per-connection data lws allocates: which kind of connection this is. Kept tiny because
 * every idle listener pays for it. */
typedef struct pss {
    sr_session *s;
    http_req *req;
} pss;

struct sr_server {
    sr_server_config cfg;
    struct lws_context *ctx;
    sr_hub *hub;
    lws_sorted_usec_list_t tick;
    static_file *files;
    int nfiles;
    cover *covers;
    int ncovers;
    sr_session **sessions;
    int nsessions, capsessions;
    int shutting;
    int64_t deadline;
    char *scratch;
    size_t scratch_cap;
    size_t out_max_bytes;
    int out_max_msgs;
    sr_session **dirtyv; /* sessions that got output during this service pass */
    int ndirty, capdirty;
    /* the dirty sessions whose one message is sent directly (not through lws), and the sends */
    sr_session **directv;
    sr_send *sendv;
    int ndirect, capdirect;
    sr_fanout *fanout;
    sr_pool *io; /* file reads for /media */
};

static sr_server *g_srv;
static volatile sig_atomic_t g_stop;

/* ---------- static files ---------- */

static const char *ctype_of(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".ico", "image/x-icon"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".webmanifest", "application/manifest+json"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (!strcasecmp(dot, types[i].ext)) return types[i].type;
    return "application/octet-stream";
}

/* The client is a few small files: read them once at start so serving never touches disk. */
static void load_static(sr_server *srv, const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char path[1024], url[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        snprintf(url, sizeof url, "%s/%s", prefix, de->d_name);
        struct stat st;
        if (stat(path, &st)) continue;
        if (S_ISDIR(st.st_mode)) {
            load_static(srv, path, url);
            continue;
        }
        if (!S_ISREG(st.st_mode) || st.st_size > 32 * 1024 * 1024) continue;
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        char *data = sr_xmalloc((size_t)st.st_size + 1);
        size_t n = fread(data, 1, (size_t)st.st_size, f);
        fclose(f);
        srv->files = sr_xrealloc(srv->files, (size_t)(srv->nfiles + 1) * sizeof *srv->files);
        srv->files[srv->nfiles++] = (static_file){sr_xstrdup(url), data, n, ctype_of(url)};
    }
    closedir(d);
}

static static_file *find_static(sr_server *srv, const char *url)
{
    for (int i = 0; i < srv->nfiles; i++)
        if (!strcmp(srv->files[i].path, url)) return &srv->files[i];
    return NULL;
}

/* ---------- sessions (WebSocket) ---------- */

#define LINGER_QUIET_US 80000
#define LINGER_MAX_US 2000000

/* Closes with a code, lingering first: input is read and dropped until the client goes quiet
 * (or 2 s pass), because closing a socket with unread input makes the kernel send a reset, and
 * the client would lose our close frame with the reason in it. Queued replies still go out. */
static void net_close(sr_session *s, int code, const char *reason)
{
    if (!s->wsi || s->close_code) return;
    s->close_code = code;
    s->close_reason = reason;
    s->close_at_us = s->last_rx_us = sr_mono_us();
    lws_set_timer_usecs(s->wsi, LINGER_QUIET_US);
}

static void linger_check(struct lws *wsi, sr_session *s)
{
    int64_t now = sr_mono_us();
    if (now - s->last_rx_us >= LINGER_QUIET_US || now - s->close_at_us >= LINGER_MAX_US) {
        s->close_ready = 1;
        lws_callback_on_writable(wsi);
    } else {
        lws_set_timer_usecs(wsi, LINGER_QUIET_US);
    }
}

/* A frame lws would have let through or dropped without a word (see net/wsguard.h). */
static void guard_violation(void *owner, enum sr_ws_violation v)
{
    sr_session *s = owner;
    sr_log(SR_LOG_INFO, "closing a connection that broke RFC 6455", "code=1002 reason=\"%s\"",
           sr_wsguard_reason(v));
    net_close(s, 1002, sr_wsguard_reason(v));
}

static void guard_dropped(void *owner)
{
    ((sr_session *)owner)->last_rx_us = sr_mono_us();
}

static void out_drop_all(sr_session *s)
{
    for (int i = 0; i < s->out_n; i++)
        sr_msg_unref(s->out[(s->out_head + i) % s->out_cap]);
    s->out_n = s->out_head = 0;
    s->out_bytes = 0;
}

static void net_send(sr_session *s, sr_msg *m)
{
    sr_server *srv = g_srv;
    if (!s->wsi || s->close_code) return;
    if (s->out_n + 1 > srv->out_max_msgs || s->out_bytes + m->len > srv->out_max_bytes) {
        /* A client that cannot keep up is dropped rather than allowed to grow without bound
         * or slow the room; it can reconnect and resume. */
        sr_log(SR_LOG_INFO, "closing a slow client", "code=4001 queued_msgs=%d queued_bytes=%zu",
               s->out_n, s->out_bytes);
        out_drop_all(s);
        net_close(s, 4001, "too slow: outbound queue overflow");
        return;
    }
    if (s->out_n == s->out_cap) {
        int cap = s->out_cap ? s->out_cap * 2 : 4;
        sr_msg **o = sr_xmalloc((size_t)cap * sizeof *o);
        for (int i = 0; i < s->out_n; i++)
            o[i] = s->out[(s->out_head + i) % s->out_cap];
        free(s->out);
        s->out = o;
        s->out_cap = cap;
        s->out_head = 0;
    }
    s->out[(s->out_head + s->out_n++) % s->out_cap] = sr_msg_ref(m);
    s->out_bytes += m->len;
    if (s->out_n == 1 && !s->dirty) {
        /* flushed when this service pass ends (see flush_dirty), merged with whatever else
         * the pass queues for this client */
        s->dirty = 1;
        s->refs++;
        if (srv->ndirty == srv->capdirty) {
            srv->capdirty = srv->capdirty ? srv->capdirty * 2 : 64;
            srv->dirtyv = sr_xrealloc(srv->dirtyv, (size_t)srv->capdirty * sizeof *srv->dirtyv);
        }
        srv->dirtyv[srv->ndirty++] = s;
    }
}

static sr_msg *out_pop(sr_session *s)
{
    sr_msg *m = s->out[s->out_head];
    s->out_head = (s->out_head + 1) % s->out_cap;
    s->out_n--;
    s->out_bytes -= m->len;
    if (!s->out_n) {
        /* An idle listener keeps no queue memory. */
        free(s->out);
        s->out = NULL;
        s->out_cap = s->out_head = 0;
    }
    return m;
}

/* Writes what is queued: one message as it is, several as one JSON array in one frame, so a
 * burst costs one write and one syscall per client. Returns -1 to close. */
static int ws_writable(sr_server *srv, struct lws *wsi, sr_session *s)
{
    if (s->close_code && s->close_ready && !s->out_n) {
        lws_close_reason(wsi, (enum lws_close_status)s->close_code,
                         (unsigned char *)s->close_reason, strlen(s->close_reason));
        return -1;
    }
    if (!s->out_n) return 0;
    if (s->close_code && s->close_ready) lws_callback_on_writable(wsi); /* the close comes next */
    if (s->out_n == 1) {
        sr_msg *m = out_pop(s);
        int n = lws_write(wsi, (unsigned char *)sr_msg_bytes(m), m->len, LWS_WRITE_TEXT);
        size_t len = m->len;
        sr_msg_unref(m);
        return n < (int)len ? -1 : 0;
    }
    size_t need = LWS_PRE + 2;
    int take = 0;
    for (; take < s->out_n; take++) {
        size_t l = s->out[(s->out_head + take) % s->out_cap]->len + 1;
        if (take && need + l > BATCH_MAX) break;
        need += l;
    }
    if (need > srv->scratch_cap) {
        srv->scratch_cap = need;
        srv->scratch = sr_xrealloc(srv->scratch, need);
    }
    char *p = srv->scratch + LWS_PRE;
    *p++ = '[';
    for (int i = 0; i < take; i++) {
        sr_msg *m = out_pop(s);
        if (i) *p++ = ',';
        memcpy(p, sr_msg_bytes(m), m->len);
        p += m->len;
        sr_msg_unref(m);
    }
    *p++ = ']';
    size_t len = (size_t)(p - (srv->scratch + LWS_PRE));
    int n = lws_write(wsi, (unsigned char *)srv->scratch + LWS_PRE, len, LWS_WRITE_TEXT);
    if (n < (int)len) return -1;
    if (s->out_n) lws_callback_on_writable(wsi);
    return 0;
}

/* Puts the WebSocket header of a one-message text frame in the message's headroom; returns
 * the frame's start. Every recipient gets the same bytes (server frames are not masked). */
static const char *frame_of(sr_msg *m, size_t *flen)
{
    unsigned char *p = (unsigned char *)m->data + SR_MSG_PRE;
    size_t len = m->len, hl = len < 126 ? 2 : len < 65536 ? 4 : 10;
    unsigned char *h = p - hl;
    h[0] = 0x81; /* FIN, text */
    if (hl == 2) {
        h[1] = (unsigned char)len;
    } else if (hl == 4) {
        h[1] = 126;
        h[2] = (unsigned char)(len >> 8);
        h[3] = (unsigned char)len;
    } else {
        h[1] = 127;
        for (int i = 0; i < 8; i++)
            h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
    }
    *flen = len + hl;
    return (const char *)h;
}

static void direct_push(sr_server *srv, sr_session *s)
{
    if (srv->ndirect == srv->capdirect) {
        srv->capdirect = srv->capdirect ? srv->capdirect * 2 : 64;
        srv->directv = sr_xrealloc(srv->directv, (size_t)srv->capdirect * sizeof *srv->directv);
        srv->sendv = sr_xrealloc(srv->sendv, (size_t)srv->capdirect * sizeof *srv->sendv);
    }
    sr_msg *m = s->out[s->out_head];
    sr_send *d = &srv->sendv[srv->ndirect];
    d->fd = lws_get_socket_fd(s->wsi);
    d->buf = frame_of(m, &d->len);
    srv->directv[srv->ndirect++] = s;
}

/* After the sends: what the kernel did not take goes to lws's own output buffer (a raw write
 * behind which lws queues anything it sends later, such as a pong), and a dead socket is
 * closed by lws. */
static void direct_finish(sr_server *srv)
{
    for (int i = 0; i < srv->ndirect; i++) {
        sr_session *s = srv->directv[i];
        sr_send *d = &srv->sendv[i];
        size_t done = d->sent > 0 ? (size_t)d->sent : 0;
        int dead = d->sent < 0 && d->err != EAGAIN && d->err != EWOULDBLOCK;
        if (!dead && done < d->len &&
            lws_write(s->wsi, (unsigned char *)d->buf + done, d->len - done, LWS_WRITE_RAW) <
                (int)(d->len - done))
            dead = 1;
        if (dead) lws_set_timeout(s->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
        sr_msg_unref(out_pop(s));
        sr_session_unref(s);
    }
    srv->ndirect = 0;
}

/* Writes what this service pass queued, straight away unless lws still holds unsent bytes of an
 * earlier write for that socket (lws_partial_buffered: no syscall). Waiting for
 * POLLOUT instead costs two more epoll_ctl calls per client per message, which is most of the
 * price of a fan-out to ten thousand listeners. A choked socket waits for its writable callback
 * as usual. A client with one message waiting (a fan-out's common case) gets the message's
 * ready-made frame by a direct send (io_uring batches) on the fan-out threads; lws is idle
 * meanwhile, since this thread waits for them. Service thread, outside any lws callback. */
static void flush_dirty(sr_server *srv)
{
    int n = srv->ndirty;
    srv->ndirty = 0;
    for (int i = 0; i < n; i++) {
        sr_session *s = srv->dirtyv[i];
        s->dirty = 0;
        struct lws *wsi = s->wsi;
        if (wsi && s->out_n && !s->close_code) {
            if (lws_partial_buffered(wsi)) {
                lws_callback_on_writable(wsi);
            } else if (s->out_n == 1) {
                direct_push(srv, s); /* keeps the reference until direct_finish */
                continue;
            } else if (ws_writable(srv, wsi, s) < 0) {
                lws_set_timeout(wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
            }
        }
        sr_session_unref(s);
    }
    if (!srv->ndirect) return;
    sr_fanout_run(srv->fanout, srv->sendv, srv->ndirect);
    direct_finish(srv);
}

static void session_track(sr_server *srv, sr_session *s)
{
    if (srv->nsessions == srv->capsessions) {
        srv->capsessions = srv->capsessions ? srv->capsessions * 2 : 64;
        srv->sessions =
            sr_xrealloc(srv->sessions, (size_t)srv->capsessions * sizeof *srv->sessions);
    }
    s->net_idx = srv->nsessions;
    srv->sessions[srv->nsessions++] = s;
}

static void session_untrack(sr_server *srv, sr_session *s)
{
    int i = s->net_idx;
    srv->sessions[i] = srv->sessions[--srv->nsessions];
    srv->sessions[i]->net_idx = i;
}

static int ws_receive(sr_server *srv, struct lws *wsi, sr_session *s, const char *in, size_t len)
{
    if (lws_frame_is_binary(wsi)) {
        const char *r = "binary frames are not accepted";
        lws_close_reason(wsi, LWS_CLOSE_STATUS_UNACCEPTABLE_OPCODE, (unsigned char *)r, strlen(r));
        return -1;
    }
    size_t remaining = lws_remaining_packet_payload(wsi);
    int complete = lws_is_final_fragment(wsi) && !remaining;
    if (s->rx_discard || s->rx_len + len + remaining > SR_MAX_MESSAGE) {
        /* Read the oversize message to its end before closing: closing with unread input
         * makes the kernel answer with a reset, and the client would never see 1009. */
        free(s->rx);
        s->rx = NULL;
        s->rx_len = 0;
        s->rx_discard = 1;
        if (!complete) return 0;
        const char *r = "message over 65536 bytes";
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, (unsigned char *)r, strlen(r));
        return -1;
    }
    if (complete && !s->rx_len) {
        sr_hub_message(srv->hub, s, in, len);
        return 0;
    }
    /* Fragmented (or larger than the receive buffer): assemble, within the 64 KiB bound. */
    s->rx = sr_xrealloc(s->rx, s->rx_len + len + 1);
    memcpy(s->rx + s->rx_len, in, len);
    s->rx_len += len;
    if (complete) {
        sr_hub_message(srv->hub, s, s->rx, s->rx_len);
        free(s->rx);
        s->rx = NULL;
        s->rx_len = 0;
    }
    return 0;
}

/* Accepts a handshake with no Origin (non-browser clients), an Origin naming our own Host, or
 * one of --allow-origin. Anything else is cross-site WebSocket hijacking. */
static int origin_ok(sr_server *srv, struct lws *wsi)
{
    char origin[256], host[256];
    if (lws_hdr_total_length(wsi, WSI_TOKEN_ORIGIN) <= 0) return 1;
    if (lws_hdr_copy(wsi, origin, sizeof origin, WSI_TOKEN_ORIGIN) < 0) return 0;
    for (const char **a = srv->cfg.allow_origins; a && *a; a++)
        if (!strcmp(*a, origin)) return 1;
    if (lws_hdr_copy(wsi, host, sizeof host, WSI_TOKEN_HOST) <= 0) return 0;
    const char *o = strstr(origin, "://");
    return o && !strcasecmp(o + 3, host);
}

/* ---------- HTTP ---------- */

static void req_unref(http_req *r)
{
    if (!r || --r->refs) return;
    free(r->post);
    free(r->body);
    free(r->rbuf);
    if (r->fd >= 0) close(r->fd);
    free(r);
}

static void req_reset(http_req *r)
{
    free(r->post);
    free(r->body);
    if (r->fd >= 0) close(r->fd);
    free(r->rbuf);
    struct lws *wsi = r->wsi;
    int refs = r->refs;
    unsigned rgen = r->rgen + 1;
    memset(r, 0, sizeof *r);
    r->wsi = wsi;
    r->refs = refs;
    r->rgen = rgen;
    r->fd = -1;
}

/* ---------- file reads on the I/O pool ---------- */

typedef struct file_read {
    sr_task task;
    http_req *r; /* holds a reference */
    unsigned gen;
    int fd; /* a dup: the request may close its own while the read is out */
    int64_t pos;
    size_t want;
    unsigned char *buf; /* LWS_PRE + want */
    ssize_t got;
} file_read;

static void file_read_run(sr_task *t)
{
    file_read *f = (file_read *)t;
    size_t n = 0;
    while (n < f->want) {
        ssize_t k = pread(f->fd, f->buf + LWS_PRE + n, f->want - n, f->pos + (int64_t)n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        n += (size_t)k;
    }
    f->got = n == f->want ? (ssize_t)n : -1; /* short: the file shrank under us */
    close(f->fd);
}

static void file_read_done(sr_task *t)
{
    file_read *f = (file_read *)t;
    http_req *r = f->r;
    if (r->rgen == f->gen && r->reading) {
        r->reading = 0;
        if (f->got < 0) {
            r->read_failed = 1;
            free(f->buf);
        } else {
            free(r->rbuf);
            r->rbuf = f->buf;
            r->rlen = (size_t)f->got;
        }
        if (r->wsi) lws_callback_on_writable(r->wsi);
    } else {
        free(f->buf);
    }
    req_unref(r);
    free(f);
}

/* Starts reading the chunk at file_pos, unless one is out or waiting. */
static void file_read_next(sr_server *srv, http_req *r)
{
    if (r->reading || r->rlen || r->file_pos > r->file_end) return;
    int64_t left = r->file_end - r->file_pos + 1;
    file_read *f = sr_xcalloc(1, sizeof *f);
    f->fd = dup(r->fd);
    if (f->fd < 0) {
        free(f);
        r->read_failed = 1;
        if (r->wsi) lws_callback_on_writable(r->wsi);
        return;
    }
    f->task.run = file_read_run;
    f->task.done = file_read_done;
    f->r = r;
    r->refs++;
    f->gen = r->rgen;
    f->pos = r->file_pos;
    f->want = left < FILE_CHUNK ? (size_t)left : FILE_CHUNK;
    f->buf = sr_xmalloc(LWS_PRE + f->want);
    r->reading = 1;
    sr_pool_submit(srv->io, &f->task);
}

static void respond(http_req *r, int status, const char *ctype, char *body, size_t len)
{
    r->status = status;
    r->ctype = ctype;
    r->body = body;
    r->body_len = len;
    r->ready = 1;
    if (r->wsi) lws_callback_on_writable(r->wsi);
}

static void respond_json(http_req *r, int status, json_t *o)
{
    char *s = sr_proto_dump(o);
    respond(r, status, "application/json", s, strlen(s));
}

static void respond_error(http_req *r, int status, const char *code, const char *message)
{
    respond_json(r, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message));
}

static void room_created(void *ctx, json_t *room)
{
    http_req *r = ctx;
    if (room)
        respond_json(r, 201, json_pack("{s:o}", "room", room));
    else
        respond_error(r, 500, "internal", "the store could not record the room");
    req_unref(r);
}

static int64_t parse_id(const char *s, const char **end)
{
    int64_t v = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9' && v < (INT64_MAX - 9) / 10)
        v = v * 10 + (*p++ - '0');
    if (p == s || (*p >= '0' && *p <= '9')) return 0;
    *end = p;
    return v;
}

/* 1 when the request header tok equals val (an exact validator match). */
static int header_is(struct lws *wsi, enum lws_token_indexes tok, const char *val)
{
    char buf[128];
    return lws_hdr_total_length(wsi, tok) > 0 && lws_hdr_copy(wsi, buf, sizeof buf, tok) > 0 &&
           !strcmp(buf, val);
}

/* The media URL names a track id; the file is the one the scanner recorded, which is always
 * the real path of a regular file below the library root. It is opened without following a
 * final symlink, and refused unless it is still below the root (a directory swapped for a
 * link after the scan). A file that is gone marks the track unavailable, so the room skips
 * it with a notice. */
static void serve_media(sr_server *srv, struct lws *wsi, http_req *r, int64_t id)
{
    sr_library *lib = sr_hub_library(srv->hub);
    const sr_track *t = sr_library_get(lib, id);
    if (!t || !t->available || strcmp(t->source, "local"))
        return respond_error(r, 404, "no_such_track", "no playable track with that id");
    int fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        sr_library_mark_gone(lib, id);
        return respond_error(r, 404, "no_such_track", "the track's file is gone");
    }
    char range[128] = "";
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_RANGE) > 0)
        lws_hdr_copy(wsi, range, sizeof range, WSI_TOKEN_HTTP_RANGE);
    struct tm tm;
    time_t mt = st.st_mtime;
    snprintf(r->etag, sizeof r->etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtime);
    strftime(r->last_modified, sizeof r->last_modified, "%a, %d %b %Y %H:%M:%S GMT",
             gmtime_r(&mt, &tm));
    /* If-Range with a stale validator (entity tag or date): send the whole (new) file. */
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_IF_RANGE) > 0 &&
        !header_is(wsi, WSI_TOKEN_HTTP_IF_RANGE, r->etag) &&
        !header_is(wsi, WSI_TOKEN_HTTP_IF_RANGE, r->last_modified))
        range[0] = 0;
    int64_t start = 0, end = st.st_size - 1;
    int kind = sr_range_parse(range[0] ? range : NULL, st.st_size, &start, &end);
    if (kind == SR_RANGE_UNSATISFIABLE) {
        close(fd);
        snprintf(r->content_range, sizeof r->content_range, "bytes */%lld", (long long)st.st_size);
        return respond_error(r, 416, "bad_range", "the requested range is not satisfiable");
    }
    if (kind == SR_RANGE_NONE) start = 0, end = st.st_size - 1;
    if (kind != SR_RANGE_PARTIAL && header_is(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH, r->etag)) {
        close(fd);
        r->cache = "public, max-age=86400";
        return respond(r, 304, sr_source_mime(t->path), NULL, 0);
    }
    r->fd = fd;
    r->file_pos = start;
    r->file_end = end;
    r->status = kind == SR_RANGE_PARTIAL ? 206 : 200;
    if (kind == SR_RANGE_PARTIAL)
        snprintf(r->content_range, sizeof r->content_range, "bytes %lld-%lld/%lld",
                 (long long)start, (long long)end, (long long)st.st_size);
    r->ctype = sr_source_mime(t->path);
    r->body_len = (size_t)(end - start + 1);
    r->cache = "public, max-age=86400";
    r->ready = 1;
    lws_callback_on_writable(wsi);
}

static void cover_done(void *ctx, int status, const unsigned char *data, size_t len,
                       const char *mime)
{
    http_req *r = ctx;
    if (status) {
        respond_error(r, 404, "no_cover", "this track's cover art cannot be read");
    } else {
        /* a copy: the library's cache may drop its bytes before this response is written */
        char *b = sr_xmalloc(len ? len : 1);
        memcpy(b, data, len);
        r->cache = "public, max-age=86400";
        respond(r, 200, !strcmp(mime, "image/png") ? "image/png" : "image/jpeg", b, len);
    }
    req_unref(r);
}

/* GET /api/users/:id/avatar: the person's square JPEG. Its URL carries the picture's tag
 * (?v=), so a request naming the current tag may be cached for good; any other revalidates. */
static void serve_avatar(sr_server *srv, http_req *r, int64_t id)
{
    if (r->method != 'G' && r->method != 'H')
        return respond_error(r, 405, "method_not_allowed", "use GET");
    size_t len = 0;
    const char *tag = NULL;
    const unsigned char *img = sr_hub_avatar(srv->hub, id, &len, &tag);
    if (!img) return respond_error(r, 404, "no_avatar", "this person has no avatar");
    char vb[40];
    const char *v = r->wsi ? lws_get_urlarg_by_name(r->wsi, "v=", vb, sizeof vb) : NULL;
    r->cache = v && !strcmp(v, tag) ? "public, max-age=31536000, immutable" : "no-cache";
    snprintf(r->etag, sizeof r->etag, "\"avatar-%s\"", tag);
    if (r->wsi && header_is(r->wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH, r->etag))
        return respond(r, 304, "image/jpeg", NULL, 0);
    char *b = sr_xmalloc(len); /* a copy: the person may change it while this is written */
    memcpy(b, img, len);
    respond(r, 200, "image/jpeg", b, len);
}

/* GET /api/tracks/:id/cover[?size=N]: the embedded picture, else the image beside the file,
 * scaled to fit N x N (16..1024) as a JPEG when size is given. Read on the library's reader
 * thread, then kept in memory. */
static void serve_cover(sr_server *srv, http_req *r, int64_t id)
{
    char sb[32];
    const char *sz = r->wsi ? lws_get_urlarg_by_name(r->wsi, "size=", sb, sizeof sb) : NULL;
    int size = sz && *sz ? atoi(sz) : 0;
    if (sz && (size < 16 || size > 1024))
        return respond_error(r, 400, "bad_field", "size must be 16 to 1024");
    sr_library *lib = sr_hub_library(srv->hub);
    if (!sr_library_get(lib, id))
        return respond_error(r, 404, "no_such_track", "no track with that id");
    snprintf(r->etag, sizeof r->etag, "\"cover-%lld-%d\"", (long long)id, size);
    if (r->wsi && header_is(r->wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH, r->etag)) {
        r->cache = "public, max-age=86400";
        return respond(r, 304, "image/jpeg", NULL, 0);
    }
    r->refs++;
    if (sr_library_cover(lib, id, size, cover_done, r)) {
        r->refs--;
        r->etag[0] = 0;
        return respond_error(r, 404, "no_cover", "this track has no cover art");
    }
}

/* Library REST answers from the reader thread. */
static void library_done(void *ctx, int status, json_t *body)
{
    http_req *r = ctx;
    if (status)
        respond_error(r, 500, "internal", "the library could not answer");
    else
        respond_json(r, 200, body);
    req_unref(r);
}

/* Reads artist=, album=, genre=, year= into q (buffers hold the strings). Returns 0, or -1
 * after answering 400. */
static int library_filters(struct lws *wsi, http_req *r, sr_track_query *q, char bufs[4][256])
{
    q->artist = lws_get_urlarg_by_name(wsi, "artist=", bufs[0], 256);
    q->album = lws_get_urlarg_by_name(wsi, "album=", bufs[1], 256);
    q->genre = lws_get_urlarg_by_name(wsi, "genre=", bufs[2], 256);
    const char *y = lws_get_urlarg_by_name(wsi, "year=", bufs[3], 256);
    if (q->artist && !*q->artist) q->artist = NULL;
    if (q->album && !*q->album) q->album = NULL;
    if (q->genre && !*q->genre) q->genre = NULL;
    q->year = y && *y ? atoi(y) : 0;
    if (y && *y && (q->year < 1 || q->year > 9999)) {
        respond_error(r, 400, "bad_field", "year must be 1 to 9999");
        return -1;
    }
    return 0;
}

/* Loopback only, and not through a proxy, until accounts bring an admin role. */
static int from_loopback(struct lws *wsi, http_req *r)
{
    return (!strncmp(r->addr, "127.", 4) || !strcmp(r->addr, "::1")) &&
           lws_hdr_total_length(wsi, WSI_TOKEN_X_FORWARDED_FOR) <= 0;
}

/* /api/library/... */
static void route_library(sr_server *srv, struct lws *wsi, http_req *r, const char *p)
{
    sr_library *lib = sr_hub_library(srv->hub);
    int get = r->method == 'G' || r->method == 'H';
    if (!*p) {
        if (!get) return respond_error(r, 405, "method_not_allowed", "use GET");
        return respond_json(r, 200, sr_library_status(lib));
    }
    if (!strcmp(p, "/rescan")) {
        if (r->method != 'P') return respond_error(r, 405, "method_not_allowed", "use POST");
        if (!from_loopback(wsi, r))
            return respond_error(r, 403, "forbidden",
                                 "rescans are only accepted from this machine");
        if (sr_library_rescan(lib))
            return respond_error(r, 409, "no_library", "the server runs without --library");
        return respond_json(r, 202, json_pack("{s:b}", "scanning", 1));
    }
    if (!strcmp(p, "/artists") || !strcmp(p, "/albums") || !strcmp(p, "/genres") ||
        !strcmp(p, "/years")) {
        if (!get) return respond_error(r, 405, "method_not_allowed", "use GET");
        char bufs[4][256];
        sr_track_query q = {0};
        if (library_filters(wsi, r, &q, bufs)) return;
        r->refs++;
        if (sr_library_query(lib, p + 1, &q, library_done, r)) {
            r->refs--;
            return respond_error(r, 503, "unavailable", "the library reader is not running");
        }
        return;
    }
    return respond_error(r, 404, "not_found", "no such endpoint");
}

/* The session token a request carries: "Authorization: Bearer T" (SDK clients) or the
 * sr_session cookie (browsers). Never taken from the URL. */
static void read_credentials(struct lws *wsi, char *out, size_t n)
{
    char buf[1024];
    out[0] = 0;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_AUTHORIZATION) > 0 &&
        lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_AUTHORIZATION) > 0 &&
        !strncasecmp(buf, "Bearer ", 7)) {
        snprintf(out, n, "%.*s", (int)(n - 1), buf + 7);
        return;
    }
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_COOKIE) <= 0 ||
        lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_COOKIE) <= 0)
        return;
    for (char *p = buf; (p = strstr(p, "sr_session=")); p++) {
        if (p != buf && p[-1] != ' ' && p[-1] != ';') continue;
        p += 11;
        size_t k = strcspn(p, "; ");
        if (k >= n) k = n - 1;
        snprintf(out, n, "%.*s", (int)k, p);
        return;
    }
}

static void rest_reply_raw(void *ctx, int status, const char *ctype, char *body, size_t len)
{
    http_req *r = ctx;
    respond(r, status, ctype, body, len);
    req_unref(r);
}

static void rest_reply(void *ctx, int status, json_t *body, const char *set_cookie)
{
    http_req *r = ctx;
    if (set_cookie) snprintf(r->set_cookie, sizeof r->set_cookie, "%s", set_cookie);
    respond_json(r, status, body);
    req_unref(r);
}

static void route(sr_server *srv, struct lws *wsi, http_req *r)
{
    if (r->routed) return;
    r->routed = 1;
    const char *u = r->uri, *end;
    int get = r->method == 'G' || r->method == 'H';
    if (!strncmp(u, "/api/", 5)) {
        const char *p = u + 5;
        size_t raw_max = sr_hub_raw_body(srv->hub, (char)r->method, u);
        if (r->too_large && raw_max && !sr_hub_token_user(srv->hub, r->token))
            return respond_error(r, 401, "unauthenticated", "sign in first");
        if (r->too_large)
            return respond_error(r, 413, "too_large",
                                 raw_max ? "the image is over 2 MiB" : "the body is over 64 KiB");
        if (!strncmp(p, "users/", 6)) {
            int64_t id = parse_id(p + 6, &end);
            if (id && !strcmp(end, "/avatar")) return serve_avatar(srv, r, id);
        }
        char query[512] = "";
        /* lws keeps each "name=value" as its own fragment: join them back with '&' */
        size_t qn = 0;
        for (int f = 0; qn + 2 < sizeof query; f++) {
            int k = lws_hdr_copy_fragment(wsi, query + qn + (qn ? 1 : 0),
                                          (int)(sizeof query - qn - 1), WSI_TOKEN_HTTP_URI_ARGS, f);
            if (k <= 0) break;
            if (qn) query[qn] = '&';
            qn += (size_t)k + (qn ? 1 : 0);
        }
        query[qn < sizeof query ? qn : sizeof query - 1] = 0;
        if (!strcmp(p, "health")) {
            if (!get) return respond_error(r, 405, "method_not_allowed", "use GET");
            return respond_json(r, 200, json_pack("{s:b,s:s}", "ok", 1, "version", SR_VERSION));
        }
        if (!strcmp(p, "time")) {
            if (!get) return respond_error(r, 405, "method_not_allowed", "use GET");
            return respond_json(r, 200, json_pack("{s:f}", "server_time", sr_now_ms()));
        }
        if (!strcmp(p, "rooms")) {
            if (get) {
                char qb[256];
                const char *q = lws_get_urlarg_by_name(wsi, "q=", qb, sizeof qb);
                return respond_json(r, 200, sr_hub_rooms_json(srv->hub, q));
            }
            if (r->method != 'P')
                return respond_error(r, 405, "method_not_allowed", "use GET or POST");
            int64_t owner = sr_hub_token_user(srv->hub, r->token);
            if (!owner) return respond_error(r, 401, "unauthenticated", "sign in to create a room");
            json_error_t je;
            json_t *rb = json_loadb(r->post ? r->post : "", r->post_len, 0, &je);
            if (!rb) return respond_error(r, 400, "bad_json", "the body is not valid JSON");
            const char *code = NULL;
            char msg[160];
            r->refs++;
            if (sr_hub_create_room(srv->hub, owner, rb, room_created, r, &code, msg, sizeof msg)) {
                r->refs--;
                respond_error(r, 400, code, msg);
            }
            json_decref(rb);
            return;
        }
        if (!strncmp(p, "rooms/", 6) && get && (end = "", parse_id(p + 6, &end), !*end)) {
            int64_t id = parse_id(p + 6, &end);
            json_t *o = id && !*end
                            ? sr_hub_room_json(srv->hub, id, sr_hub_token_user(srv->hub, r->token))
                            : NULL;
            if (!o) return respond_error(r, 404, "no_such_room", "no room with that id");
            return respond_json(r, 200, o);
        }
        if (!strcmp(p, "tracks")) {
            if (!get) return respond_error(r, 405, "method_not_allowed", "use GET");
            char qb[256], lb[32];
            /* lws copies "name=value" into the buffer and returns where the value starts */
            const char *q = lws_get_urlarg_by_name(wsi, "q=", qb, sizeof qb);
            const char *lim = lws_get_urlarg_by_name(wsi, "limit=", lb, sizeof lb);
            int limit = lim && *lim ? atoi(lim) : 50;
            if (limit < 1 || limit > 500)
                return respond_error(r, 400, "bad_field", "limit must be 1 to 500");
            char bufs[4][256];
            sr_track_query tq = {.text = q && *q ? q : NULL, .limit = limit};
            if (library_filters(wsi, r, &tq, bufs)) return;
            if (tq.text || tq.artist || tq.album || tq.genre || tq.year) {
                /* full-text search and filters: SQLite FTS5 on the library's reader thread */
                r->refs++;
                if (!sr_library_query(sr_hub_library(srv->hub), "tracks", &tq, library_done, r))
                    return;
                r->refs--;
            }
            return respond_json(r, 200, sr_hub_tracks_json(srv->hub, q ? q : "", limit));
        }
        if (!strncmp(p, "library", 7) && (!p[7] || p[7] == '/') && strcmp(p, "library/streams") &&
            strcmp(p, "library/external"))
            return route_library(srv, wsi, r, p + 7);
        if (!strncmp(p, "tracks/", 7)) {
            if (!get) return respond_error(r, 405, "method_not_allowed", "use GET");
            int64_t id = parse_id(p + 7, &end);
            if (id && !strcmp(end, "/cover")) return serve_cover(srv, r, id);
            json_t *o = id && !*end ? sr_hub_track_json(srv->hub, id) : NULL;
            if (!o) return respond_error(r, 404, "no_such_track", "no track with that id");
            return respond_json(r, 200, o);
        }
        /* everything else: the modules' route table */
        json_t *body = NULL;
        if (r->post_len && !raw_max) {
            json_error_t je;
            body = json_loadb(r->post, r->post_len, 0, &je);
            if (!body) return respond_error(r, 400, "bad_json", "the body is not valid JSON");
        }
        sr_rest rq = {.method = r->method,
                      .path = u,
                      .body = body,
                      .token = r->token[0] ? r->token : NULL,
                      .addr = r->addr,
                      .reply = rest_reply,
                      .reply_raw = rest_reply_raw,
                      .ctx = r,
                      .query = query[0] ? query : NULL,
                      .raw = raw_max ? (const unsigned char *)r->post : NULL,
                      .raw_len = raw_max ? r->post_len : 0};
        r->refs++;
        sr_hub_rest(srv->hub, &rq);
        json_decref(body);
        return;
    }
    if (!strncmp(u, "/media/", 7)) {
        if (!get) return respond_error(r, 405, "method_not_allowed", "use GET or HEAD");
        int64_t id = parse_id(u + 7, &end);
        if (!id || *end) return respond_error(r, 404, "no_such_track", "no track with that id");
        return serve_media(srv, wsi, r, id);
    }
    if (!get) return respond_error(r, 405, "method_not_allowed", "use GET");
    static_file *f = find_static(srv, strcmp(u, "/") ? u : "/index.html");
    if (!f) return respond_error(r, 404, "not_found", "no such file");
    r->static_body = f->data;
    r->csp = 1;
    r->cache = strcmp(u, "/") && strcmp(u, "/index.html") ? "public, max-age=300" : "no-cache";
    respond(r, 200, f->ctype, NULL, f->len);
}

static int http_writable(struct lws *wsi, http_req *r)
{
    unsigned char buf[LWS_PRE + 2048], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf;
    if (!r || !r->ready) return 0;
    if (!r->headers_sent) {
        if (lws_add_http_header_status(wsi, (unsigned)r->status, &p, end) ||
            lws_add_http_header_by_name(wsi,
                                        (unsigned char *)"content-type:", (unsigned char *)r->ctype,
                                        (int)strlen(r->ctype), &p, end) ||
            lws_add_http_header_content_length(wsi, r->body_len, &p, end) ||
            lws_add_http_header_by_name(wsi, (unsigned char *)"x-content-type-options:",
                                        (unsigned char *)"nosniff", 7, &p, end) ||
            lws_add_http_header_by_name(wsi, (unsigned char *)"referrer-policy:",
                                        (unsigned char *)"no-referrer", 11, &p, end))
            return -1;
        if (r->csp &&
            (lws_add_http_header_by_name(wsi, (unsigned char *)"content-security-policy:",
                                         (unsigned char *)CSP, (int)strlen(CSP), &p, end) ||
             lws_add_http_header_by_name(
                 wsi, (unsigned char *)"x-frame-options:", (unsigned char *)"DENY", 4, &p, end)))
            return -1;
        const char *cache = r->cache ? r->cache : "no-store";
        if (lws_add_http_header_by_name(wsi, (unsigned char *)"cache-control:",
                                        (unsigned char *)cache, (int)strlen(cache), &p, end))
            return -1;
        if (r->fd >= 0 || !strncmp(r->uri, "/media/", 7)) {
            if (lws_add_http_header_by_name(
                    wsi, (unsigned char *)"accept-ranges:", (unsigned char *)"bytes", 5, &p, end))
                return -1;
        }
        if (r->etag[0] &&
            lws_add_http_header_by_name(wsi, (unsigned char *)"etag:", (unsigned char *)r->etag,
                                        (int)strlen(r->etag), &p, end))
            return -1;
        if (r->last_modified[0] &&
            lws_add_http_header_by_name(
                wsi, (unsigned char *)"last-modified:", (unsigned char *)r->last_modified,
                (int)strlen(r->last_modified), &p, end))
            return -1;
        if (r->content_range[0] &&
            lws_add_http_header_by_name(
                wsi, (unsigned char *)"content-range:", (unsigned char *)r->content_range,
                (int)strlen(r->content_range), &p, end))
            return -1;
        if (r->set_cookie[0] && lws_add_http_header_by_name(wsi, (unsigned char *)"set-cookie:",
                                                            (unsigned char *)r->set_cookie,
                                                            (int)strlen(r->set_cookie), &p, end))
            return -1;
        if (lws_finalize_write_http_header(wsi, start, &p, end)) return -1;
        r->headers_sent = 1;
        if (r->method == 'H' || !r->body_len) goto done;
        if (r->fd >= 0) {
            file_read_next(g_srv, r); /* its completion asks for the next callback */
            return 0;
        }
        lws_callback_on_writable(wsi);
        return 0;
    }
    if (r->fd >= 0) {
        /* The chunk read on the I/O pool goes out, and the next one is read meanwhile; the
         * read's completion asks for this callback again. */
        if (r->read_failed) return -1;
        if (!r->rlen) {
            file_read_next(g_srv, r);
            return 0;
        }
        size_t n = r->rlen;
        r->rlen = 0;
        r->file_pos += (int64_t)n;
        int last = r->file_pos > r->file_end;
        if (lws_write(wsi, r->rbuf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
            (int)n)
            return -1;
        if (!last) {
            file_read_next(g_srv, r);
            return 0;
        }
        goto done;
    }
    {
        const char *body = r->body ? r->body : r->static_body;
        size_t left = r->body_len - r->sent, want = left < FILE_CHUNK ? left : FILE_CHUNK;
        unsigned char *out = sr_xmalloc(LWS_PRE + want);
        memcpy(out + LWS_PRE, body + r->sent, want);
        int last = r->sent + want == r->body_len;
        int n = lws_write(wsi, out + LWS_PRE, want, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
        free(out);
        if (n != (int)want) return -1;
        r->sent += want;
        if (!last) {
            lws_callback_on_writable(wsi);
            return 0;
        }
    }
done:
    req_reset(r);
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int http_begin(sr_server *srv, struct lws *wsi, pss *ps, const char *uri)
{
    if (!ps->req) {
        ps->req = sr_xcalloc(1, sizeof *ps->req);
        ps->req->refs = 1;
        ps->req->fd = -1;
        ps->req->wsi = wsi;
    } else {
        req_reset(ps->req);
    }
    http_req *r = ps->req;
    snprintf(r->uri, sizeof r->uri, "%s", uri);
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0)
        r->method = 'G';
    else if (lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0)
        r->method = 'H';
    else if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0)
        r->method = 'P';
    else if (lws_hdr_total_length(wsi, WSI_TOKEN_PUT_URI) > 0)
        r->method = 'U';
    else if (lws_hdr_total_length(wsi, WSI_TOKEN_PATCH_URI) > 0)
        r->method = 'A';
    else if (lws_hdr_total_length(wsi, WSI_TOKEN_DELETE_URI) > 0)
        r->method = 'D';
    else
        r->method = '?';
    read_credentials(wsi, r->token, sizeof r->token);
    lws_get_peer_simple(wsi, r->addr, sizeof r->addr);
    /* uploads of bytes (avatars) may be bigger, but only for someone signed in */
    size_t raw_max = sr_hub_raw_body(srv->hub, (char)r->method, r->uri);
    r->body_max = raw_max && sr_hub_token_user(srv->hub, r->token) ? raw_max : MAX_BODY;
    char cl[24] = "";
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0)
        lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    if (strchr("PUAD", r->method) && atol(cl) > 0) return 0; /* answered at BODY_COMPLETION */
    route(srv, wsi, r);
    return 0;
}

/* ---------- the lws callback ---------- */

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    sr_server *srv = g_srv;
    pss *ps = user;
    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        /* a new connection on this descriptor: whatever watched its last user is stale */
        sr_wsguard_reset((int)(intptr_t)in);
        return srv && srv->shutting ? -1 : 0;
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        if (srv->shutting) return -1;
        if (!origin_ok(srv, wsi)) {
            char o[128] = "";
            lws_hdr_copy(wsi, o, sizeof o, WSI_TOKEN_ORIGIN);
            sr_log(SR_LOG_WARN, "refused foreign origin", "origin=\"%s\"", o);
            lws_return_http_status(wsi, HTTP_STATUS_FORBIDDEN, "foreign origin");
            return -1;
        }
        return 0;
    case LWS_CALLBACK_ESTABLISHED:
        ps->s = sr_hub_session_open(srv->hub, wsi);
        sr_wsguard_watch(lws_get_socket_fd(wsi), ps->s);
        session_track(srv, ps->s);
        {
            char tok[160];
            read_credentials(wsi, tok, sizeof tok);
            if (tok[0]) sr_hub_session_auth(srv->hub, ps->s, tok);
        }
        if (srv->shutting) net_close(ps->s, 1001, "server shutting down");
        return 0;
    case LWS_CALLBACK_RECEIVE:
        if (ps->s && ps->s->close_code) { /* closing: drop input while we linger */
            ps->s->last_rx_us = sr_mono_us();
            return 0;
        }
        return ps->s ? ws_receive(srv, wsi, ps->s, in, len) : -1;
    case LWS_CALLBACK_TIMER:
        if (ps && ps->s && ps->s->close_code) linger_check(wsi, ps->s);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return ps->s ? ws_writable(srv, wsi, ps->s) : 0;
    case LWS_CALLBACK_CLOSED:
        if (ps->s) {
            sr_wsguard_forget(lws_get_socket_fd(wsi), ps->s);
            session_untrack(srv, ps->s);
            sr_hub_session_closed(srv->hub, ps->s);
            ps->s = NULL;
        }
        return 0;
    case LWS_CALLBACK_HTTP:
        return http_begin(srv, wsi, ps, in);
    case LWS_CALLBACK_HTTP_BODY:
        if (ps->req && !ps->req->too_large) {
            http_req *r = ps->req;
            if (r->post_len + len > r->body_max) {
                r->too_large = 1;
            } else {
                r->post = sr_xrealloc(r->post, r->post_len + len + 1);
                if (len)
                    memcpy(r->post + r->post_len, in, len); /* lws may report 0 bytes, in NULL */
                r->post_len += len;
            }
        }
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (ps->req) route(srv, wsi, ps->req);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return http_writable(wsi, ps->req);
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (ps && ps->req) {
            ps->req->wsi = NULL;
            req_unref(ps->req);
            ps->req = NULL;
        }
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (srv && srv->hub) sr_hub_poll(srv->hub);
        return 0;
    default:
        return 0;
    }
}

static struct lws_protocols protocols[] = {
    {"soundroom", callback, sizeof(pss), 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---------- lifecycle ---------- */

/* Every lws pass polls every socket (about 0.7 ms per thousand here), so a 50 ms tick cost an
 * idle server with 10,000 listeners 14% of a core. The tick only batches presence and lobby
 * news, so it slows as connections grow: 50 ms up to 2,000 of them, then 25 ms more per
 * thousand, at most 250 ms. A track's end gets a wake-up of its own, so transitions stay on
 * time (hub_advance starts the next track at the scheduled end in any case). */
static int64_t tick_us(const sr_server *srv, double next_end)
{
    int64_t us = TICK_US;
    if (srv->nsessions > 2000) us += (int64_t)(srv->nsessions - 2000) / 1000 * 25000;
    if (us > TICK_MAX_US) us = TICK_MAX_US;
    double until_end = (next_end - sr_now_ms()) * 1000.0 + 1000.0; /* 1 ms past the end */
    if (until_end < (double)us) us = until_end < 1000.0 ? 1000 : (int64_t)until_end;
    return us;
}

static void on_tick(lws_sorted_usec_list_t *sul)
{
    sr_server *srv = lws_container_of(sul, sr_server, tick);
    sr_hub_poll(srv->hub);
    double next_end = sr_now_ms() + 3600e3;
    if (!srv->shutting) next_end = sr_hub_tick(srv->hub, sr_now_ms());
    lws_sul_schedule(srv->ctx, 0, &srv->tick, on_tick, tick_us(srv, next_end));
}

static void each_session(void (*fn)(sr_session *s, void *ud), void *ud)
{
    sr_server *srv = g_srv;
    /* fn may close sessions, which only marks them: the list does not change under us */
    for (int i = 0; i < srv->nsessions; i++)
        fn(srv->sessions[i], ud);
}

static void wake(void *ud)
{
    lws_cancel_service(ud);
}

/* The I/O pool starts before the lws context exists. */
static void wake_ctx(void *ud)
{
    sr_server *srv = ud;
    if (srv->ctx) lws_cancel_service(srv->ctx);
}

static void on_signal(int sig)
{
    (void)sig;
    sr_server_stop();
}

void sr_server_stop(void)
{
    g_stop = 1;
    if (g_srv && g_srv->ctx) lws_cancel_service(g_srv->ctx);
}

static void lws_logger(int level, const char *line)
{
    size_t n = strlen(line);
    char buf[512];
    snprintf(buf, sizeof buf, "%.*s", (int)(n && line[n - 1] == '\n' ? n - 1 : n), line);
    sr_log(level == LLL_ERR ? SR_LOG_ERROR : SR_LOG_WARN, "lws", "detail=\"%s\"", buf);
}

sr_server *sr_server_new(const sr_server_config *cfg, const sr_hub_config *hub_cfg, sr_store *store,
                         const char *library)
{
    sr_server *srv = sr_xcalloc(1, sizeof *srv);
    srv->cfg = *cfg;
    srv->out_max_bytes = hub_cfg->out_max_bytes;
    srv->out_max_msgs = hub_cfg->out_max_msgs;
    sr_wsguard_init(guard_violation, guard_dropped); /* before any thread of ours starts */
    srv->fanout = sr_fanout_new(cfg->send_threads, cfg->pin_threads, cfg->io_uring);
    srv->io = sr_pool_start(2, wake_ctx, srv);
    g_srv = srv;
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_logger);
    if (cfg->rx_buffer > 0) protocols[0].rx_buffer_size = (size_t)cfg->rx_buffer;
    protocols[0].tx_packet_size = 0;

    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = cfg->port;
    info.iface = cfg->host && *cfg->host ? cfg->host : NULL;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8 | LWS_SERVER_OPTION_DISABLE_IPV6;
    info.pt_serv_buf_size = 64 * 1024;
    /* No lws validity timer per connection: lws files each one in a sorted list, and a new
     * connection's expiry is the latest, so each join walked every listener's timer. Dead
     * peers are found by TCP keepalive instead (probes after 60 s idle, gone after 100 s). */
    static const lws_retry_bo_t no_validity_timer = {0};
    info.retry_and_idle_policy = &no_validity_timer;
    info.ka_time = 60;
    info.ka_probes = 4;
    info.ka_interval = 10;
    info.timeout_secs = 30;
    /* Keep lws' own per-connection allocations small; idle listeners are the common case. */
    info.max_http_header_data = 4096;
    info.max_http_header_pool = 256;
    srv->ctx = lws_create_context(&info);
    if (!srv->ctx) {
        sr_log(SR_LOG_ERROR, "cannot listen", "host=\"%s\" port=%d", cfg->host ? cfg->host : "*",
               cfg->port);
        sr_server_free(srv);
        return NULL;
    }
    sr_hub_net net = {.send = net_send,
                      .close = net_close,
                      .each_session = each_session,
                      .wake = wake,
                      .ud = srv->ctx};
    srv->hub = sr_hub_new(hub_cfg, store, &net);
    for (int i = 0; cfg->modules && cfg->modules[i]; i++)
        if (sr_hub_register(srv->hub, cfg->modules[i])) {
            sr_log(SR_LOG_ERROR, "cannot register a module", "index=%d", i);
            sr_server_free(srv);
            return NULL;
        }
    if (library && sr_hub_scan_library(srv->hub, library) < 0)
        sr_log(SR_LOG_WARN, "library scan failed", "dir=\"%s\"", library);
    if (sr_hub_start(srv->hub)) {
        sr_server_free(srv);
        return NULL;
    }
    if (cfg->web_dir) load_static(srv, cfg->web_dir, "");
    if (cfg->web_dir && !find_static(srv, "/index.html"))
        sr_log(SR_LOG_WARN, "no web client found", "dir=\"%s\" hint=\"run make web\"",
               cfg->web_dir);
    return srv;
}

int sr_server_run(sr_server *srv)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sr_hub_tick(srv->hub, sr_now_ms());
    lws_sul_schedule(srv->ctx, 0, &srv->tick, on_tick, TICK_US);
    sr_log(SR_LOG_INFO, "listening", "host=\"%s\" port=%d", srv->cfg.host ? srv->cfg.host : "*",
           srv->cfg.port);
    for (;;) {
        if (lws_service(srv->ctx, 0) < 0) break;
        sr_pool_poll(srv->io);
        flush_dirty(srv);
        if (g_stop && !srv->shutting) {
            srv->shutting = 1;
            srv->deadline = sr_mono_us() + 3000000;
            sr_log(SR_LOG_INFO, "shutting down", "sessions=%d", srv->nsessions);
            for (int i = 0; i < srv->nsessions; i++) {
                sr_session *s = srv->sessions[i];
                s->close_code = 0;
                net_close(s, 1001, "server shutting down");
            }
        }
        if (srv->shutting) {
            sr_hub_poll(srv->hub);
            if ((!srv->nsessions && !sr_hub_pending(srv->hub)) || sr_mono_us() > srv->deadline)
                break;
        }
    }
    flush_dirty(srv); /* drops the references the list still holds */
    lws_sul_cancel(&srv->tick);
    return 0;
}

void sr_server_free(sr_server *srv)
{
    if (!srv) return;
    if (srv->hub) {
        while (sr_hub_pending(srv->hub)) {
            sr_hub_poll(srv->hub);
            usleep(1000);
        }
        sr_hub_poll(srv->hub);
    }
    if (srv->ctx) lws_context_destroy(srv->ctx);
    srv->ctx = NULL;
    if (srv->io) sr_pool_stop(srv->io); /* after the requests closed: no read can complete */
    sr_hub_free(srv->hub);
    for (int i = 0; i < srv->nfiles; i++)
        free(srv->files[i].path), free(srv->files[i].data);
    free(srv->files);
    for (int i = 0; i < srv->ncovers; i++)
        free(srv->covers[i].data);
    free(srv->covers);
    free(srv->sessions);
    free(srv->dirtyv);
    free(srv->directv);
    free(srv->sendv);
    sr_fanout_free(srv->fanout);
    free(srv->scratch);
    free(srv);
    g_srv = NULL;
}
