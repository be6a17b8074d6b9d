/* hub.h - the live application: rooms, people, sessions and what they do, on the service
 * thread. Decoded requests come in from net/, changes go out to store/ (through the write
 * worker) and back to sessions as encoded deltas once durable. */
#ifndef SR_HUB_H
#define SR_HUB_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "api/route.h"
#include "core/rules.h"
#include "store/store.h"
#include "util/msg.h"

typedef struct sr_hub sr_hub;
typedef struct sr_room sr_room;

/* One WebSocket connection's state. Shared by reference: the connection holds one reference
 * and each write job in flight for it holds another, so a job completing after the connection
 * has gone finds wsi == NULL instead of a freed struct. */
typedef struct sr_session {
    /* Ordered for size (one per connection: 10,000 listeners hold 10,000 of these): 144 bytes,
     * which malloc serves from a 160-byte chunk. */
    void *wsi; /* the connection (lws's, or ours when own_ws); NULL once it has closed */
    sr_hub *hub;
    int64_t user;      /* 0 until hello */
    int64_t auth_user; /* the signed-in account of this connection's session, or 0 */
    char *auth_hash;   /* hash of that session's token (to close it on logout); NULL if none */
    sr_room *room;
    /* outbound queue: a ring of shared message references */
    sr_msg **out;
    size_t out_bytes;
    const char *close_reason;
    /* inbound assembly of fragmented messages (lws sessions; ours assemble in net/wsown.c) */
    char *rx;
    /* per-connection rate limit (token bucket) */
    sr_bucket rate;
    uint32_t rx_len; /* at most SR_MAX_MESSAGE */
    /* lingering close: when it began, when input last came (the low 32 bits of sr_mono_us():
     * compared by unsigned difference, good for intervals up to 71 minutes) */
    uint32_t close_at_us, last_rx_us;
    int refs;
    int member_idx;
    int net_idx; /* position in the network layer's session list */
    int out_head, out_n, out_cap;
    unsigned topics;     /* what it subscribed to: bits modules claimed with hub_topic_new */
    uint16_t close_code; /* non-zero: close with this code at the next writable */
    unsigned char dropped; /* messages refused in a row by the rate limit (closes past 200) */
    unsigned char dirty; /* on the network layer's list of sessions to flush after this pass */
    unsigned char rx_discard;  /* an oversize message is read to its end, then we close 1009 */
    unsigned char close_ready; /* input went quiet: send the close frame at the next writable */
    unsigned char own_ws;      /* wsi is the network layer's own WebSocket (net/wsown.c), not lws */
} sr_session;

typedef struct sr_hub_config {
    double skip_ratio; /* share of present listeners needed to skip (0.5) */
    int chat_rate;     /* chat messages per person per chat_window_s */
    double chat_window_s;
    double msg_rate;      /* messages per second per connection; burst is twice that */
    size_t out_max_bytes; /* outbound bound before a slow client is dropped */
    int out_max_msgs;
    int max_queue;                         /* entries per room */
    int guest_chat, guest_add, guest_vote; /* may guests (no account) do these? */
    unsigned long long pw_ops;             /* argon2id cost */
    size_t pw_mem;
    double session_days;
    const char *bus_url;    /* "local" (default) */
    const char *public_url; /* the address links are built on (--public-url), or NULL */
    int allow_private_urls; /* streams may lead to loopback/private addresses (util/outbound.h) */
} sr_hub_config;

/* Hooks into the network layer, implemented by net/. */
typedef struct sr_hub_net {
    /* Queues m (takes a new reference) for s and asks for a writable callback. */
    void (*send)(sr_session *s, sr_msg *m);
    /* Closes s with code and a static reason at the next chance. */
    void (*close)(sr_session *s, int code, const char *reason);
    /* Calls fn(s, ud) for every open session. */
    void (*each_session)(void (*fn)(sr_session *s, void *ud), void *ud);
    /* Called from the worker thread when completions are waiting. */
    void (*wake)(void *ud);
    void *ud;
} sr_hub_net;

/* Creates the hub on an open store (borrowed; must outlive the hub). cfg and net are copied
 * (their strings borrowed for the hub's life). The caller owns the hub: sr_hub_free. */
sr_hub *sr_hub_new(const sr_hub_config *cfg, sr_store *st, const sr_hub_net *net);
struct sr_module;
/* Adds a feature module (borrowed: a const table that outlives the hub) before sr_hub_start;
 * its routes, message types and event listeners take effect. Modules run in the order they
 * were registered. Returns 0, SR_EEXIST (a module of that name is there) or SR_EINVAL. */
int sr_hub_register(sr_hub *h, const struct sr_module *m);
/* Scans dir with the local source and records its tracks in the store. With a wake hook
 * (serving) the scan runs on the library's scanner thread (waiting at most 3 s for it) and
 * keeps watching dir; without (offline) it blocks. Returns the number of tracks (offline), 0,
 * or a negative error. */
int sr_hub_scan_library(sr_hub *h, const char *dir);
/* The hub's track library (for the library REST routes); borrowed, lives as long as the hub. */
struct sr_library *sr_hub_library(sr_hub *h);
/* Loads rooms, people, tracks, queues, votes and recent chat; creates the demo room when the
 * store has no room. Then starts the write worker. Returns 0 or SR_E*. */
int sr_hub_start(sr_hub *h);
/* Advances rooms whose track ended, flushes batched presence, runs the modules' ticks. Call every few
 * tens of ms with the server time. Returns when the next playing track ends (server time),
 * so the caller can wake then rather than poll for it. */
double sr_hub_tick(sr_hub *h, double now);
/* Takes the write worker's finished jobs: publishes their deltas, sends their acks. */
void sr_hub_poll(sr_hub *h);
/* on: writes submitted on the service thread wait in the worker's queue until sr_hub_kick,
 * which a service loop calls at the end of each pass: one batch (one commit, one sync) per pass
 * instead of a wake-up of the worker per write. off: each write wakes the worker again, and
 * what waited is kicked. Off by default (the admin CLI has no passes). */
void sr_hub_defer_writes(sr_hub *h, int on);
void sr_hub_kick(sr_hub *h);
/* Write jobs not yet completed. */
int sr_hub_pending(sr_hub *h);
/* Waits for every write to be durable, delivers what it can, stops the worker, frees all. */
void sr_hub_free(sr_hub *h);

/* Sessions. open returns a session with one reference (the connection's). */
sr_session *sr_hub_session_open(sr_hub *h, void *wsi);
/* The connection is gone: leaves its room and drops the connection's reference. */
void sr_hub_session_closed(sr_hub *h, sr_session *s);
/* One complete client message (valid UTF-8, at most 64 KiB; data borrowed for the call). */
void sr_hub_message(sr_hub *h, sr_session *s, const char *data, size_t len);
/* Drops one reference to s; the last one frees it (its queue and buffers with it). */
void sr_session_unref(sr_session *s);

/* Authenticates a new connection from its session token (cookie; borrowed); no-op for unknown
 * tokens. */
void sr_hub_session_auth(sr_hub *h, sr_session *s, const char *token);

/* The largest body of a route that takes bytes rather than JSON (an image upload); bigger
 * ones answer 413 too_large. */
#define SR_RAW_BODY_MAX (2 * 1024 * 1024)
/* The body limit of a request with this method and path when its route takes bytes, not JSON
 * (a route marked raw), else 0: the caller keeps its JSON limit. */
size_t sr_hub_raw_body(sr_hub *h, char method, const char *path);
/* Answers a REST request (borrowed until its answer; see sr_rest) through the route table of
 * every registered module (404, 405, 401 and 403 answered in one place, api/route.c). Always
 * returns 1: reply will be called exactly once. */
int sr_hub_rest(sr_hub *h, const sr_rest *req);
/* The signed-in user of a token (borrowed; may be NULL), or 0. */
int64_t sr_hub_token_user(sr_hub *h, const char *token);

/* REST views; return new references. */
/* Public rooms; with q, those whose name, description, tags or playing title/artist contain
 * every word of q (case-insensitive). */
json_t *sr_hub_rooms_json(sr_hub *h, const char *q);
/* NULL when unknown, or private and viewer (a user id or 0) may not enter it */
json_t *sr_hub_room_json(sr_hub *h, int64_t id, int64_t viewer);
/* {"tracks":[…]}: the library matching q (borrowed), at most limit. */
json_t *sr_hub_tracks_json(sr_hub *h, const char *q, int limit);
/* {"track":{…}}, or NULL when unknown. */
json_t *sr_hub_track_json(sr_hub *h, int64_t id);
/* The file path of a playable track (borrowed), or NULL. */
const char *sr_hub_track_path(sr_hub *h, int64_t id, int *has_cover);

/* Creates a room owned by owner from a JSON body. On a validation error returns -1 and fills
 * code/message. Otherwise returns 0 and calls done(ctx, room_json or NULL on store failure)
 * once durable; done receives a new reference. */
int sr_hub_create_room(sr_hub *h, int64_t owner, json_t *body,
                       void (*done)(void *ctx, json_t *room), void *ctx, const char **code,
                       char *message, size_t msgsize);

#endif
