/* server.h - the network front (libwebsockets): WebSocket sessions, HTTP with /api/ handed to
 * the application, audio files and the web client. */
#ifndef SR_SERVER_H
#define SR_SERVER_H

#include <stddef.h>

#include "app/hub.h"
#include "net/reach.h"

typedef struct sr_server_config {
    const char *host; /* interface to bind, NULL for all */
    int port;
    const char *web_dir;   /* static client files, may be NULL */
    const sr_reach *reach; /* public URL, trusted proxies, extra Origins (borrowed: it must
                              outlive the server); NULL: none of them */
    int rx_buffer;         /* lws receive buffer per connection (bytes) */
    int header_timeout;    /* seconds a connection may hold a header buffer; <= 0: 3 */
    int header_pool;       /* header buffers at most; <= 0: one per open-file slot */
    int accept_burst;      /* connections accepted per service pass at most; <= 0: all queued */
    int send_threads;      /* threads helping with fan-out sends; < 0: by CPU count */
    int pin_threads;       /* 1: service thread and send helpers each on their own CPU */
    int io_uring;          /* 1: fan-out sends in io_uring batches where available */
    int libev;             /* 1: lws runs on a libev (epoll) loop; 0: lws's own poll() loop */
    int own_ws;            /* 1: on a plain port with libev, WebSockets are carried by our own
                              layer (net/wsown.h) and lws serves only HTTP; 0: lws carries all */
    const char *tls_cert;  /* PEM certificate (chain) and its key: the port speaks https and */
    const char *tls_key;   /* wss; both NULL: plain HTTP (both or neither) */
    /* the feature modules to run, NULL-terminated (borrowed: const tables); the network layer
     * only hands them to the hub */
    const struct sr_module *const *modules;
} sr_server_config;

typedef struct sr_server sr_server;

/* Creates the listening server. cfg is copied (the strings and reach it points to are
 * borrowed); hub_cfg and store are handed to the hub it creates; store is borrowed. library may
 * be NULL. Returns a server the caller frees with sr_server_free, or NULL on failure (logged). */
sr_server *sr_server_new(const sr_server_config *cfg, const sr_hub_config *hub_cfg, sr_store *store,
                         const char *library);
/* Serves until sr_server_stop() (or SIGTERM/SIGINT, which call it); then stops handling
 * messages, waits (at most 5 s) for pending writes to be durable and their acks sent, closes
 * every socket with 1001, and returns 0. */
int sr_server_run(sr_server *srv);
/* Async-signal-safe: asks the running server to shut down. */
void sr_server_stop(void);
/* Frees srv (NULL is fine) after sr_server_run returned or instead of it. */
void sr_server_free(sr_server *srv);

#endif
