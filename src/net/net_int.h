/* net_int.h - what the files of src/net/ share, and nothing outside it includes: the server,
 * one HTTP transaction, and the calls between server.c, ws.c, http.c, static.c and media.c. */
#ifndef SR_NET_INT_H
#define SR_NET_INT_H

#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>

#include "net/fanout.h"
#include "net/reach.h"
#include "net/server.h"
#include "net/wsguard.h"
#include "util/pool.h"

/* The longest request head (request line and headers) read: lws's max_http_header_data, and
 * what front.c peeks at before handing a connection to lws. */
#define NET_HEADER_MAX 4096
#define NET_FILE_CHUNK (64 * 1024) /* the unit of file reads and of HTTP body writes */
/* The largest frame a flush writes: several queued messages as one JSON array. */
#define NET_BATCH_MAX (256 * 1024)

/* A file of the web client, read into memory at start. */
typedef struct net_static_file {
    char *path; /* URL path, e.g. "/app.js" */
    char *data;
    size_t len;
    const char *ctype; /* static string */
    char *gz;          /* a gzip copy of a text file worth compressing, or NULL */
    size_t gzlen;
    char hash[17];     /* 64-bit FNV-1a of data in hex: the ETag "hash" (gzip: "hash-gz") */
} net_static_file;

/* One HTTP transaction's response, written from HTTP_WRITEABLE. Reference-counted: the
 * connection holds one reference, an answer the application has not given yet holds another,
 * and so does a file read on the I/O pool, so a client that leaves early frees nothing still
 * in use. */
typedef struct net_req {
    int refs;
    struct lws *wsi; /* NULL once the connection has closed */
    int method;      /* 'G', 'H', 'P', 'U', 'A', 'D', '?' */
    char uri[512];
    char *post;
    size_t post_len;
    int too_large;
    size_t body_max; /* 64 KiB, or more for a signed-in upload of bytes */
    int ready, headers_sent;
    int status;
    const char *ctype;       /* static string */
    char *body;              /* owned */
    const char *static_body; /* borrowed (the web client's files) */
    size_t body_len, sent;
    int fd;                     /* a media file being sent, or -1 */
    int64_t file_pos, file_end; /* inclusive end */
    /* the next chunk of the file, read on the I/O pool (a cold disk must not stall the
     * service thread): rlen bytes after LWS_PRE in rbuf, or a read in flight */
    unsigned char *rbuf;
    size_t rlen;
    int reading, read_failed;
    unsigned rgen; /* a transaction reset while a read is out makes its result stale */
    char content_range[96];
    const char *cache; /* Cache-Control (static string or cache_buf), NULL: no-store */
    char cache_buf[64];
    int csp;
    int routed;      /* routing ran for this transaction (lws may still report a body of 0 bytes) */
    int close_after; /* the connection ends with this answer (a body framing we do not read) */
    int bad_origin;  /* a cookie-authenticated change from a page not ours (net_origin_ok) */
    char set_cookie[200];
    char allow[64];                   /* the Allow header of a 405, or "" */
    char token[160];                  /* session token from the cookie or Authorization: Bearer */
    char addr[64];                    /* the client's address (sr_reach_client_addr) */
    int loopback;                     /* sr_reach_loopback */
    int https;                        /* the client reached us by https (sr_reach_is_https) */
    char base_url[256];               /* where absolute links point (sr_reach_public_url) */
    char if_none_match[128];          /* the If-None-Match header, or "" */
    char etag[48], last_modified[40]; /* validators of a media file or cover, or "" */
    const char *encoding;             /* Content-Encoding (static string), or NULL */
    int vary_encoding;                /* Vary: Accept-Encoding (a file with a gzip copy) */
} net_req;

/* Per-connection data lws allocates: which kind of connection this is. Kept tiny because
 * every idle listener pays for it. */
typedef struct net_pss {
    sr_session *s;
    net_req *req;
} net_pss;

enum { SHUT_DRAINING = 1, SHUT_CLOSING = 2 };

struct sr_server {
    sr_server_config cfg;
    struct lws_context *ctx;
    struct ev_loop *loop; /* --event-loop libev: ours, lent to lws; NULL: lws's poll() */
    sr_hub *hub;
    lws_sorted_usec_list_t tick;
    net_static_file *files;
    int nfiles;
    sr_session **sessions;
    int nsessions, capsessions;
    int shutting; /* 0, or SHUT_DRAINING then SHUT_CLOSING (sr_server_run) */
    int64_t deadline;
    char *scratch; /* the batch of several messages to one client */
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
    int tls;     /* the port speaks TLS (cfg.tls_cert): no direct sends, no frame guard */
    struct net_front *front; /* our own listener and WebSockets (net/front.h), or NULL: lws's */
};

/* ---- ws.c: WebSocket sessions ---- */

/* Remembers srv for the hub's hooks below (which carry no server). Before any session. */
void net_ws_init(sr_server *srv);
/* The hub's send hook: queues m for s (takes a new reference to m) to go out when this
 * service pass ends; closes a client whose queue is over its bound with 4001. */
void net_ws_send(sr_session *s, sr_msg *m);
/* The hub's close hook: closes s with code and reason (static) after lingering. */
void net_ws_close(sr_session *s, int code, const char *reason);
/* The frame guard's hooks (net/wsguard.h); owner is the sr_session. */
void net_ws_guard_violation(void *owner, enum sr_ws_violation v);
/* The frame guard dropped input of owner (a session) after a violation. */
void net_ws_guard_dropped(void *owner);
/* The lws callback's WebSocket reasons. ps is lws's per-connection data (borrowed). */
int net_ws_callback(sr_server *srv, struct lws *wsi, enum lws_callback_reasons reason, net_pss *ps,
                    void *in, size_t len);
/* Writes what this service pass queued (service thread, outside any lws callback). */
void net_ws_flush(sr_server *srv);
/* Sessions on our own WebSocket layer (net/wsown.h, whose sockets epfd watches): once. */
void net_ws_own_init(sr_server *srv, int epfd, int64_t close_wait_us);
/* A handshake front.c answered on fd: a new session on our own layer, signed in with token
 * ("" or NULL: none) as a handshake's credentials sign in an lws session. */
void net_ws_open_own(sr_server *srv, int fd, const char *token);

/* ---- http.c: HTTP transactions ---- */

/* The lws callback's HTTP reasons. */
int net_http_callback(sr_server *srv, struct lws *wsi, enum lws_callback_reasons reason,
                      net_pss *ps, void *in, size_t len);
enum { NET_CRED_NONE, NET_CRED_COOKIE, NET_CRED_BEARER };
/* The session token a request or handshake carries (Authorization: Bearer, else the
 * sr_session cookie), into out (n bytes; "" when none). Returns where it came from
 * (NET_CRED_*): a browser sends a cookie by itself, a Bearer token only when told to. */
int net_read_credentials(struct lws *wsi, char *out, size_t n);
/* The same from the header values (NULL: absent): what net_read_credentials reads. */
int net_credentials_parse(const char *authorization, const char *cookie, char *out, size_t n);
/* 1 when the client reached us by https: over our own TLS, or by a trusted proxy's
 * X-Forwarded-Proto. */
int net_read_https(sr_server *srv, struct lws *wsi);
/* 1 when the request may come from a page of ours: its Origin passes sr_reach_origin_ok (https
 * as net_read_https said), or without an Origin its Sec-Fetch-Site is same-origin or none, or
 * it carries neither (not a browser). */
int net_origin_ok(sr_server *srv, struct lws *wsi, int https);
/* The same decision from the header values (NULL: absent): Origin, Host, Sec-Fetch-Site. */
int net_origin_decide(sr_server *srv, const char *origin, const char *host, const char *site,
                      int https);
/* Answers r: takes body (malloc'd, may be NULL); ctype is a static string. */
void net_respond(net_req *r, int status, const char *ctype, char *body, size_t len);
/* Answers r with the JSON o (taken) and status. */
void net_respond_json(net_req *r, int status, json_t *o);
/* Answers r with {"error":{code,message}} (static strings). */
void net_respond_error(net_req *r, int status, const char *code, const char *message);
/* Answers r with 405 method_not_allowed and an Allow header (allow is copied). */
void net_respond_405(net_req *r, const char *allow);
/* Drops a reference to r; the last one frees it. */
void net_req_unref(net_req *r);

/* ---- static.c: the web client ---- */

/* Reads every file below dir into srv (at start: serving never touches the disk). */
void net_static_load(sr_server *srv, const char *dir);
/* 1 when the client has an index.html. */
int net_static_ready(const sr_server *srv);
/* Answers r for the URL path uri (GET/HEAD of a client file, 404, 405). */
void net_static_serve(sr_server *srv, net_req *r, const char *uri);
/* Frees the web client files read by net_static_load. */
void net_static_free(sr_server *srv);

/* ---- media.c: audio files ---- */

/* Answers r for /media/ID (id is the text after "/media/"): the track's file with Range,
 * If-Range and If-None-Match, read on the I/O pool. */
void net_media_serve(sr_server *srv, struct lws *wsi, net_req *r, const char *id);
/* After the headers: sends the next chunk of r's file when it has been read and starts the
 * read of the one after. Returns 1 when the file is done, 0 to wait for the next callback, -1
 * to drop the connection. */
int net_media_write(sr_server *srv, struct lws *wsi, net_req *r);

#endif
