/* ws.c - WebSocket connections: the handshake's Origin check, receiving and assembling
 * messages, each session's outbound ring, the end-of-pass flush (direct sends on the fan-out
 * threads), and the lingering close. */
#include "net/net_int.h"
#include "net/wsown.h"
#include "proto/proto.h"
#include "util/log.h"
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

_Static_assert(LWS_PRE <= SR_MSG_PRE, "messages need LWS_PRE bytes of headroom");
_Static_assert(sizeof(sr_session) <= 144, "sr_session: one per listener, keep it in a 160-byte chunk");

#define LINGER_QUIET_US 80000
#define LINGER_MAX_US 2000000

/* The hub's hooks carry no server: the one this process runs. */
static sr_server *ws_srv;

void net_ws_init(sr_server *srv)
{
    ws_srv = srv;
}

/* A session is carried by lws or by our own layer (s->own_ws); these few calls are all that
 * differs between the two. */
static int tx_fd(sr_session *s)
{
    return s->own_ws ? net_wso_fd(s->wsi) : lws_get_socket_fd(s->wsi);
}

static void tx_timer(sr_session *s, int64_t us)
{
    if (s->own_ws)
        net_wso_timer(s->wsi, us);
    else
        lws_set_timer_usecs(s->wsi, us);
}

static void tx_kill(sr_session *s)
{
    if (s->own_ws)
        net_wso_kill(s->wsi);
    else
        lws_set_timeout(s->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT, LWS_TO_KILL_ASYNC);
}

static void dirty_push(sr_server *srv, sr_session *s)
{
    if (s->dirty) return;
    s->dirty = 1;
    s->refs++;
    if (srv->ndirty == srv->capdirty) {
        srv->capdirty = srv->capdirty ? srv->capdirty * 2 : 64;
        srv->dirtyv = sr_xrealloc(srv->dirtyv, (size_t)srv->capdirty * sizeof *srv->dirtyv);
    }
    srv->dirtyv[srv->ndirty++] = s;
}

/* Asks for a chance to write: lws's writable callback, or for our own sessions the flush at the
 * end of this pass (or the writable hook, when earlier bytes still wait for the kernel). */
static void tx_want_write(sr_session *s)
{
    if (!s->own_ws)
        lws_callback_on_writable(s->wsi);
    else if (!net_wso_busy(s->wsi))
        dirty_push(ws_srv, s);
}

/* Closes with a code, lingering first: input is read and dropped until the client goes quiet
 * (or 2 s pass), because closing a socket with unread input makes the kernel send a reset, and
 * the client would lose our close frame with the reason in it. Queued replies still go out. */
void net_ws_close(sr_session *s, int code, const char *reason)
{
    if (!s->wsi || s->close_code) return;
    s->close_code = code;
    s->close_reason = reason;
    s->close_at_us = s->last_rx_us = (uint32_t)sr_mono_us();
    tx_timer(s, LINGER_QUIET_US);
}

static void linger_check(sr_session *s)
{
    uint32_t now = (uint32_t)sr_mono_us();
    if ((uint32_t)(now - s->last_rx_us) >= LINGER_QUIET_US ||
        (uint32_t)(now - s->close_at_us) >= LINGER_MAX_US) {
        s->close_ready = 1;
        tx_want_write(s);
    } else {
        tx_timer(s, LINGER_QUIET_US);
    }
}

/* A frame lws would have let through or dropped without a word (see net/wsguard.h). */
/* The client broke RFC 6455 (either layer): the session closes with code at once, without a
 * linger: the transport reads and drops everything the client sends from now on, so no unread
 * input can turn the close into a reset, and a client still sending (a trickled oversize body)
 * gets the close frame at once. Returns 0 when the session was closing already. */
static int mark_violation(sr_session *s, int code, const char *reason)
{
    sr_log(SR_LOG_INFO, "closing a connection that broke RFC 6455", "code=%d reason=\"%s\"", code,
           reason);
    if (!s->wsi || s->close_code) return 0;
    s->close_code = (uint16_t)code;
    s->close_reason = reason;
    s->close_at_us = s->last_rx_us = (uint32_t)sr_mono_us();
    s->close_ready = 1;
    return 1;
}

void net_ws_guard_violation(void *owner, enum sr_ws_violation v)
{
    sr_session *s = owner;
    /* lws sends the close frame at the writable callback, then waits for the client's close */
    if (mark_violation(s, sr_wsguard_code(v), sr_wsguard_reason(v)))
        lws_callback_on_writable(s->wsi);
}

void net_ws_guard_dropped(void *owner)
{
    ((sr_session *)owner)->last_rx_us = (uint32_t)sr_mono_us();
}

static void out_drop_all(sr_session *s)
{
    for (int i = 0; i < s->out_n; i++)
        sr_msg_unref(s->out[(s->out_head + i) & (s->out_cap - 1)]);
    s->out_n = s->out_head = 0;
    s->out_bytes = 0;
}

void net_ws_send(sr_session *s, sr_msg *m)
{
    sr_server *srv = ws_srv;
    if (!s->wsi || s->close_code) return;
    if (s->out_n + 1 > srv->out_max_msgs || s->out_bytes + m->len > srv->out_max_bytes) {
        /* A client that cannot keep up is dropped rather than allowed to grow without bound
         * or slow the room; it can reconnect and resume. */
        sr_log(SR_LOG_INFO, "closing a slow client", "code=4001 queued_msgs=%d queued_bytes=%zu",
               s->out_n, s->out_bytes);
        out_drop_all(s);
        net_ws_close(s, 4001, "too slow: outbound queue overflow");
        return;
    }
    if (s->out_n == s->out_cap) {
        int cap = s->out_cap ? s->out_cap * 2 : 4;
        sr_msg **o = sr_xmalloc((size_t)cap * sizeof *o);
        for (int i = 0; i < s->out_n; i++)
            o[i] = s->out[(s->out_head + i) & (s->out_cap - 1)];
        free(s->out);
        s->out = o;
        s->out_cap = cap;
        s->out_head = 0;
    }
    /* the ring's size is a power of two (4, 8, ...): a mask, not a division, per message */
    s->out[(s->out_head + s->out_n++) & (s->out_cap - 1)] = sr_msg_ref(m);
    s->out_bytes += m->len;
    /* flushed when this service pass ends (see net_ws_flush), merged with whatever else the
     * pass queues for this client */
    if (s->out_n == 1) dirty_push(srv, s);
}

static sr_msg *out_pop(sr_session *s)
{
    sr_msg *m = s->out[s->out_head];
    s->out_head = (s->out_head + 1) & (s->out_cap - 1);
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

static int tx_text(sr_session *s, char *payload, size_t len)
{
    if (s->own_ws) return net_wso_text(s->wsi, payload, len);
    return lws_write(s->wsi, (unsigned char *)payload, len, LWS_WRITE_TEXT) < (int)len ? -1 : 0;
}

/* Writes what is queued: one message as it is, several as one JSON array in one frame, so a
 * burst costs one write and one syscall per client; then, once a lingering close is ready and
 * nothing is left, the close frame. Returns -1 to close (an lws session). */
static int ws_writable(sr_server *srv, sr_session *s)
{
    for (;;) {
        if (s->close_code && s->close_ready && !s->out_n) {
            if (s->own_ws) {
                net_wso_close(s->wsi, s->close_code, s->close_reason);
                return 0;
            }
            lws_close_reason(s->wsi, (enum lws_close_status)s->close_code,
                             (unsigned char *)s->close_reason, strlen(s->close_reason));
            return -1;
        }
        if (!s->out_n) return 0;
        if (s->out_n == 1) {
            sr_msg *m = out_pop(s);
            int r = tx_text(s, (char *)sr_msg_bytes(m), m->len);
            sr_msg_unref(m);
            if (r < 0) return -1;
        } else {
            size_t need = LWS_PRE + 2;
            int take = 0;
            for (; take < s->out_n; take++) {
                size_t l = s->out[(s->out_head + take) & (s->out_cap - 1)]->len + 1;
                if (take && need + l > NET_BATCH_MAX) break;
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
            if (tx_text(s, srv->scratch + LWS_PRE, len) < 0) return -1;
        }
        if (!s->out_n && !(s->close_code && s->close_ready)) return 0;
        if (!s->own_ws) { /* the rest, or the close, at lws's next writable callback */
            lws_callback_on_writable(s->wsi);
            return 0;
        }
        if (net_wso_busy(s->wsi)) return 0; /* the writable hook brings us back */
    }
}

/* Puts the WebSocket header of a one-message text frame in the message's headroom; returns
 * the frame's start. Every recipient gets the same bytes (server frames are not masked). */
static const char *frame_of(sr_msg *m, size_t *flen)
{
    unsigned char h[10], *p = (unsigned char *)m->data + SR_MSG_PRE;
    size_t hl = net_wso_header(h, 0x1, m->len);
    memcpy(p - hl, h, hl);
    *flen = m->len + hl;
    return (const char *)(p - hl);
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
    d->fd = tx_fd(s);
    d->buf = frame_of(m, &d->len);
    srv->directv[srv->ndirect++] = s;
}

/* After the sends: what the kernel did not take goes to the transport's output buffer (for lws a
 * raw write, behind which lws queues anything it sends later, such as a pong), and a dead
 * socket is closed. */
static void direct_finish(sr_server *srv)
{
    for (int i = 0; i < srv->ndirect; i++) {
        sr_session *s = srv->directv[i];
        sr_send *d = &srv->sendv[i];
        size_t done = d->sent > 0 ? (size_t)d->sent : 0;
        int dead = d->sent < 0 && d->err != EAGAIN && d->err != EWOULDBLOCK;
        if (!dead && done < d->len) {
            if (s->own_ws)
                net_wso_keep(s->wsi, d->buf + done, d->len - done);
            else if (lws_write(s->wsi, (unsigned char *)d->buf + done, d->len - done,
                               LWS_WRITE_RAW) < (int)(d->len - done))
                dead = 1;
        }
        if (dead) tx_kill(s);
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
void net_ws_flush(sr_server *srv)
{
    int n = srv->ndirty;
    srv->ndirty = 0;
    for (int i = 0; i < n; i++) {
        sr_session *s = srv->dirtyv[i];
        s->dirty = 0;
        if (s->wsi && s->own_ws) {
            /* a choked socket waits for its writable hook; a closing one may be ready to close */
            if (!net_wso_busy(s->wsi) && (s->out_n || s->close_ready)) {
                if (s->out_n == 1 && !s->close_code) {
                    direct_push(srv, s); /* keeps the reference until direct_finish */
                    continue;
                }
                if (ws_writable(srv, s) < 0) tx_kill(s);
            }
        } else if (s->wsi && s->out_n && !s->close_code) {
            struct lws *wsi = s->wsi;
            if (lws_partial_buffered(wsi)) {
                lws_callback_on_writable(wsi);
            } else if (s->out_n == 1 && !srv->tls) { /* TLS: every byte goes through lws */
                direct_push(srv, s); /* keeps the reference until direct_finish */
                continue;
            } else if (ws_writable(srv, s) < 0) {
                tx_kill(s);
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
    s->rx_len += (uint32_t)len;
    if (complete) {
        sr_hub_message(srv->hub, s, s->rx, s->rx_len);
        free(s->rx);
        s->rx = NULL;
        s->rx_len = 0;
    }
    return 0;
}

/* Accepts a handshake with no Origin (non-browser clients), the public URL's origin, our own
 * scheme and Host, or one of --allow-origin (net/reach.h). Anything else is cross-site
 * WebSocket hijacking: 403. */
static int origin_ok(sr_server *srv, struct lws *wsi)
{
    return net_origin_ok(srv, wsi, net_read_https(srv, wsi));
}

/* Answers an upgrade request lws would take or drop without a word, as plain HTTP: status,
 * a JSON error {code, message} (static strings), and Sec-WebSocket-Version: 13 with a 426.
 * Returns -1: LWS_CALLBACK_HTTP_CONFIRM_UPGRADE then closes the connection (the answer, a few
 * hundred bytes on a fresh socket, has gone out whole). */
static int handshake_refuse(struct lws *wsi, unsigned status, const char *code, const char *msg)
{
    unsigned char buf[LWS_PRE + 640], *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf;
    char body[256], clen[16];
    int n =
        snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}", code, msg);
    int cl = snprintf(clen, sizeof clen, "%d", n);
    if (lws_add_http_header_status(wsi, status, &p, end) ||
        (status == 426 &&
         lws_add_http_header_by_name(wsi, (const unsigned char *)"sec-websocket-version:",
                                     (const unsigned char *)"13", 2, &p, end)) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                     (const unsigned char *)"application/json", 16, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH,
                                     (const unsigned char *)clen, cl, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close", 5,
                                     &p, end) ||
        lws_finalize_http_header(wsi, &p, end) || end - p < n)
        return -1;
    memcpy(p, body, (size_t)n);
    p += n;
    int len = (int)(p - start);
    lws_write(wsi, start, (size_t)len, LWS_WRITE_HTTP);
    return -1; /* nothing more on this connection: lws closes it (the answer is out) */
}

/* RFC 6455 §4.2: a handshake must carry Sec-WebSocket-Version 13 (else 426 naming the one we
 * speak) and a Sec-WebSocket-Key (else 400). lws 4.1.6 takes a missing or unknown version for
 * 13 and drops a request without a key without a word. in is the Upgrade header's value. */
static int confirm_upgrade(struct lws *wsi, const char *up)
{
    char v[16];
    if (!up || strcasecmp(up, "websocket")) return 0;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_VERSION) <= 0 ||
        lws_hdr_copy(wsi, v, sizeof v, WSI_TOKEN_VERSION) <= 0 || strcmp(v, "13"))
        return handshake_refuse(wsi, 426, "bad_version", "Sec-WebSocket-Version must be 13");
    int klen = lws_hdr_total_length(wsi, WSI_TOKEN_KEY);
    if (klen <= 0 || klen >= 100)
        return handshake_refuse(wsi, 400, "bad_handshake", "Sec-WebSocket-Key is missing");
    return 0;
}

int net_ws_callback(sr_server *srv, struct lws *wsi, enum lws_callback_reasons reason, net_pss *ps,
                    void *in, size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return confirm_upgrade(wsi, in);
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
        /* over TLS the guard reads what SSL_read() decrypts, not the socket */
        sr_wsguard_watch(lws_get_socket_fd(wsi), ps->s, srv->tls);
        session_track(srv, ps->s);
        {
            char tok[160];
            net_read_credentials(wsi, tok, sizeof tok);
            if (tok[0]) sr_hub_session_auth(srv->hub, ps->s, tok);
        }
        if (srv->shutting) net_ws_close(ps->s, 1001, "server shutting down");
        return 0;
    case LWS_CALLBACK_RECEIVE:
        if (ps->s && ps->s->close_code) { /* closing: drop input while we linger */
            ps->s->last_rx_us = (uint32_t)sr_mono_us();
            return 0;
        }
        if (srv->shutting) return 0; /* shutting down: not handled, so never acknowledged */
        return ps->s ? ws_receive(srv, wsi, ps->s, in, len) : -1;
    case LWS_CALLBACK_TIMER:
        if (ps && ps->s && ps->s->close_code) linger_check(ps->s);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return ps->s ? ws_writable(srv, ps->s) : 0;
    case LWS_CALLBACK_CLOSED:
        if (ps->s) {
            sr_wsguard_forget(lws_get_socket_fd(wsi), ps->s);
            session_untrack(srv, ps->s);
            sr_hub_session_closed(srv->hub, ps->s);
            ps->s = NULL;
        }
        return 0;
    default:
        return 0;
    }
}

/* ---- sessions on our own WebSocket layer (net/wsown.h) ---- */

static void own_message(void *owner, const char *data, size_t len)
{
    sr_session *s = owner;
    if (s->close_code) { /* closing: drop input while we linger */
        s->last_rx_us = (uint32_t)sr_mono_us();
        return;
    }
    if (ws_srv->shutting) return; /* shutting down: not handled, so never acknowledged */
    sr_hub_message(ws_srv->hub, s, data, len);
}

static void own_writable(void *owner)
{
    sr_session *s = owner;
    if (ws_writable(ws_srv, s) < 0) tx_kill(s);
}

static void own_timer(void *owner)
{
    sr_session *s = owner;
    if (s->close_code) linger_check(s);
}

static void own_violation(void *owner, int code, const char *reason)
{
    sr_session *s = owner;
    /* the transport sends the close frame itself, now: nothing queued goes out after it */
    s->close_code = 0; /* a lingering close gives way to the violation's code */
    mark_violation(s, code, reason);
    out_drop_all(s);
}

static void own_closed(void *owner)
{
    sr_session *s = owner;
    session_untrack(ws_srv, s);
    sr_hub_session_closed(ws_srv->hub, s);
}

void net_ws_own_init(sr_server *srv, int epfd, int64_t close_wait_us)
{
    static const net_wso_hooks hooks = {.message = own_message,
                                        .writable = own_writable,
                                        .timer = own_timer,
                                        .violation = own_violation,
                                        .closed = own_closed};
    net_wso_init(epfd, &hooks, SR_MAX_MESSAGE, close_wait_us);
}

void net_ws_open_own(sr_server *srv, int fd, const char *token)
{
    net_wso *c = net_wso_new(fd, NULL);
    if (!c) return;
    sr_session *s = sr_hub_session_open(srv->hub, c);
    s->own_ws = 1;
    net_wso_set_owner(c, s);
    session_track(srv, s);
    if (token && token[0]) sr_hub_session_auth(srv->hub, s, token);
    if (srv->shutting) net_ws_close(s, 1001, "server shutting down");
}
