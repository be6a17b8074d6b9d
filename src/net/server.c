/* server.c - the libwebsockets context and its one service thread: creating and freeing the
 * server, the service loop, the tick, signals, and the lws callback that hands each event to
 * ws.c or http.c. The store's write worker and the pools wake this thread with
 * lws_cancel_service(), the only lws call made off it. */
#include "net/fdlimit.h"
#include "net/front.h"
#include "net/net_int.h"
#include "proto/proto.h"
#include "util/log.h"
#include "util/util.h"

#include <ev.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TICK_US 50000
#define TICK_MAX_US 250000
#define DRAIN_MAX_US 5000000 /* at most this long for pending writes at shutdown */
#define CLOSE_MAX_US 3000000 /* then at most this long for the sockets to close */

/* For sr_server_stop(), which a signal handler calls with no arguments. */
static sr_server *g_srv;
static volatile sig_atomic_t g_stop;

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    sr_server *srv = g_srv;
    net_pss *ps = user;
    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        /* a new connection on this descriptor: whatever watched its last user is stale */
        sr_wsguard_reset((int)(intptr_t)in);
        return srv && srv->shutting ? -1 : 0;
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
    case LWS_CALLBACK_ESTABLISHED:
    case LWS_CALLBACK_RECEIVE:
    case LWS_CALLBACK_TIMER:
    case LWS_CALLBACK_SERVER_WRITEABLE:
    case LWS_CALLBACK_CLOSED:
        return net_ws_callback(srv, wsi, reason, ps, in, len);
    case LWS_CALLBACK_HTTP:
    case LWS_CALLBACK_HTTP_BODY:
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    case LWS_CALLBACK_HTTP_WRITEABLE:
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        return net_http_callback(srv, wsi, reason, ps, in, len);
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        return 0; /* the wake-up only ends the loop's wait: every pass polls (sr_server_run) */
    default:
        return 0;
    }
}

static struct lws_protocols protocols[] = {
    {"soundroom", callback, sizeof(net_pss), 0, 0, NULL, 0},
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
    /* before any thread of ours starts */
    sr_wsguard_init(SR_MAX_MESSAGE, net_ws_guard_violation, net_ws_guard_dropped);
    sr_fdlimit_init();
    sr_fdlimit_set_burst(cfg->accept_burst);
    srv->fanout = sr_fanout_new(cfg->send_threads, cfg->pin_threads, cfg->io_uring);
    srv->io = sr_pool_start(2, wake_ctx, srv);
    g_srv = srv;
    net_ws_init(srv);
    lws_set_log_level(LLL_ERR | LLL_WARN, lws_logger);
    if (cfg->rx_buffer > 0) protocols[0].rx_buffer_size = (size_t)cfg->rx_buffer;
    /* lws 4.1.6 sends at most tx_packet_size bytes per send(), or rx_buffer_size when it is 0,
     * and queues the rest for later POLLOUTs in pieces of that size: a 56 KiB batch to a
     * client went out as 54 sends of 1,044 bytes, each waking the reader (perf: 123,000
     * sends/s in a chat burst). One send per batch frame; the kernel takes what it can. */
    protocols[0].tx_packet_size = NET_BATCH_MAX + 16;

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
    /* Slowloris: a connection holds a header buffer (about 5 KiB, allocated on demand) from
     * accept until its request's headers are in, and lws queues the rest behind it. With 256 of
     * them, 260 slow or idle half-requests made every page load, handshake and /media request
     * wait 10 s (lws's default hold). Now each connection may have one (lws's own default:
     * the buffers only exist while headers are read; WebSocket sessions and idle keep-alive
     * connections give theirs back), and must send its headers within a short deadline, counted
     * from accept however it trickles: 2,000 half-requests cost about 10 MiB for 3 s each,
     * and nobody waits behind them (see docs/reliability.md). */
    info.max_http_header_data = NET_HEADER_MAX;
    info.max_http_header_pool2 = cfg->header_pool > 0 ? (unsigned)cfg->header_pool : 0;
    info.timeout_secs_ah_idle = cfg->header_timeout > 0 ? cfg->header_timeout : 3;
    if (cfg->tls_cert || cfg->tls_key) {
        /* https and wss on the one port (plain HTTP on it is refused). HTTP/1.1 only: http.c
         * and ws.c speak lws's HTTP/1 transactions, and WebSockets over HTTP/2 are another
         * handshake. */
        const char *files[2] = {cfg->tls_cert, cfg->tls_key};
        for (int i = 0; i < 2; i++) {
            FILE *f = files[i] ? fopen(files[i], "r") : NULL;
            if (!f) {
                sr_log(SR_LOG_ERROR, "cannot read the TLS files", "%s=\"%s\" hint=\"%s\"",
                       i ? "key" : "cert", files[i] ? files[i] : "",
                       files[i] ? strerror(errno) : "give both --tls-cert and --tls-key");
                sr_server_free(srv);
                return NULL;
            }
            fclose(f);
        }
        srv->tls = 1;
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = cfg->tls_cert;
        info.ssl_private_key_filepath = cfg->tls_key;
        info.alpn = "http/1.1";
    }
    /* Our own listener and WebSocket layer (net/front.h) on a plain port with the libev loop:
     * lws then listens on nothing and serves what front.c hands it. */
    if (cfg->own_ws && !srv->tls && cfg->libev) {
        srv->front = net_front_open(srv);
        if (srv->front == (net_front *)-1) {
            srv->front = NULL;
            sr_server_free(srv);
            return NULL;
        }
        if (srv->front) info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
    }
    void *loops[1];
    if (cfg->libev) {
        /* lws's own loop calls poll() over every socket on each pass: 20% of the server's CPU
         * while 10,000 listeners joined. epoll (through libev, lws's plugin) costs what is
         * ready, not what is open. The loop is ours (a foreign loop to lws) so that each pass
         * still ends with our flush (sr_server_run). */
        srv->loop = ev_loop_new(EVBACKEND_EPOLL);
        if (!srv->loop) {
            sr_log(SR_LOG_ERROR, "cannot create the libev loop", NULL);
            sr_server_free(srv);
            return NULL;
        }
        loops[0] = srv->loop;
        info.foreign_loops = loops;
        info.options |= LWS_SERVER_OPTION_LIBEV;
    }
    srv->ctx = lws_create_context(&info);
    if (!srv->ctx && srv->loop) {
        /* the plugin (libwebsockets-evlib-ev) is missing or refused the loop: serve anyway */
        sr_log(SR_LOG_WARN, "libev loop unavailable: using lws's poll() loop",
               "hint=\"install libwebsockets-evlib-ev\"");
        ev_loop_destroy(srv->loop);
        srv->loop = NULL;
        info.foreign_loops = NULL;
        info.options &= ~(uint64_t)LWS_SERVER_OPTION_LIBEV;
        if (srv->front) { /* ours runs in the libev loop only: lws keeps the port */
            net_front_close(srv->front);
            srv->front = NULL;
            info.port = cfg->port;
        }
        srv->ctx = lws_create_context(&info);
    }
    if (!srv->ctx) {
        sr_log(SR_LOG_ERROR, srv->tls ? "cannot listen (or load the TLS certificate and key)"
                                      : "cannot listen",
               "host=\"%s\" port=%d", cfg->host ? cfg->host : "*", cfg->port);
        sr_server_free(srv);
        return NULL;
    }
    if (srv->front && net_front_start(srv->front)) {
        sr_log(SR_LOG_ERROR, "cannot start the listener", NULL);
        sr_server_free(srv);
        return NULL;
    }
    sr_hub_net net = {.send = net_ws_send,
                      .close = net_ws_close,
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
    if (cfg->web_dir) net_static_load(srv, cfg->web_dir);
    if (cfg->web_dir && !net_static_ready(srv))
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
    sr_hub_defer_writes(srv->hub, 1); /* kicked at the end of every pass below */
    sr_hub_tick(srv->hub, sr_now_ms());
    lws_sul_schedule(srv->ctx, 0, &srv->tick, on_tick, TICK_US);
    sr_log(SR_LOG_INFO, "listening", "host=\"%s\" port=%d scheme=%s",
           srv->cfg.host ? srv->cfg.host : "*", srv->cfg.port, srv->tls ? "https" : "http");
    for (;;) {
        if (srv->loop)
            ev_run(srv->loop, EVRUN_ONCE);
        else if (lws_service(srv->ctx, 0) < 0)
            break;
        sr_fdlimit_pass();
        sr_pool_poll(srv->io);
        /* Under load a pass lasts milliseconds. Writes that became durable during it are
         * answered in this pass's flush instead of waiting for the next pass to notice the
         * worker's wake-up: in a chat burst the mean time from durable to answered fell from
         * 4.3 to 2.9 ms (docs/performance.md). The worker is kicked after the flush: kicked
         * before it, it took the core from the deliveries (it shares it), and steady chat's
         * delivery p99 rose from 0.70 to 1.21 ms. */
        sr_hub_poll(srv->hub);
        net_ws_flush(srv);
        sr_hub_kick(srv->hub); /* this pass's writes, as one batch */
        /* Shutdown, in order: refuse new connections and stop handling messages (one not
         * handled is not acknowledged, so its sender sends it again after reconnecting); wait
         * for the writes already made to reach the disk and send their acknowledgements; only
         * then close every socket with 1001 (what is queued goes out before the close frame).
         * Closing first lost the acks of writes that were stored. */
        if (g_stop && !srv->shutting) {
            srv->shutting = SHUT_DRAINING;
            srv->deadline = sr_mono_us() + DRAIN_MAX_US;
            sr_log(SR_LOG_INFO, "shutting down", "sessions=%d pending=%d", srv->nsessions,
                   sr_hub_pending(srv->hub));
        }
        if (srv->shutting == SHUT_DRAINING) {
            sr_hub_poll(srv->hub); /* queues the acks of writes now durable */
            net_ws_flush(srv);
            if (!sr_hub_pending(srv->hub) || sr_mono_us() > srv->deadline) {
                if (sr_hub_pending(srv->hub))
                    sr_log(SR_LOG_WARN, "closing with writes still pending", "pending=%d",
                           sr_hub_pending(srv->hub));
                srv->shutting = SHUT_CLOSING;
                srv->deadline = sr_mono_us() + CLOSE_MAX_US;
                for (int i = 0; i < srv->nsessions; i++) {
                    sr_session *s = srv->sessions[i];
                    s->close_code = 0;
                    net_ws_close(s, 1001, "server shutting down");
                }
            }
        } else if (srv->shutting == SHUT_CLOSING) {
            sr_hub_poll(srv->hub);
            if ((!srv->nsessions && !sr_hub_pending(srv->hub)) || sr_mono_us() > srv->deadline)
                break;
        }
    }
    net_ws_flush(srv); /* drops the references the list still holds */
    sr_hub_defer_writes(srv->hub, 0); /* no passes from here on */
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
    net_front_close(srv->front); /* our sessions close while the hub still exists */
    srv->front = NULL;
    if (srv->ctx) lws_context_destroy(srv->ctx);
    if (srv->loop) ev_loop_destroy(srv->loop);
    srv->ctx = NULL;
    if (srv->io) sr_pool_stop(srv->io); /* after the requests closed: no read can complete */
    sr_hub_free(srv->hub);
    net_static_free(srv);
    free(srv->sessions);
    free(srv->dirtyv);
    free(srv->directv);
    free(srv->sendv);
    sr_fanout_free(srv->fanout);
    free(srv->scratch);
    free(srv);
    g_srv = NULL;
}
