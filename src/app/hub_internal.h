/* hub_internal.h - the hub's private state, shared by the files that make up the hub
 * (hub.c: rooms and sessions; accounts.c: people and sign-in; moderation.c: roles). Not for
 * use outside src/app/. */
#ifndef SR_HUB_INTERNAL_H
#define SR_HUB_INTERNAL_H

#include "app/hub.h"
#include "app/library.h"
#include "core/history.h"
#include "core/queue.h"
#include "store/worker.h"
#include "util/pool.h"

#define CHAT_KEEP 50
#define HISTORY 1024
#define RECENT 10
#define RANKED 50
/* Presence deltas name who came and went only in rooms up to this size; bigger rooms get the
 * count alone, so a join storm costs O(listeners) bytes per tick, not O(listeners^2). */
#define PRESENCE_DETAIL_MAX 100
#define SNAPSHOT_LISTENERS 100

typedef struct user {
    char *name;
    char token_hash[65];
    double chat_tokens;
    int64_t chat_at;
} user;

typedef struct listener {
    int64_t user;
    int conns;
} listener;

typedef struct ranked {
    int64_t track, plays;
} ranked;

struct sr_room {
    int64_t id;
    char *name, *description;
    json_t *tags;
    double created;
    sr_queue queue;
    int64_t np_track, np_entry, np_user, np_play;
    double np_started_at;
    int np_from;
    int64_t *skips;
    int nskips, capskips;
    listener *listeners;
    int nlisteners, caplisteners;
    sr_session **members;
    int nmembers, capmembers;
    /* listeners who came or went since the last tick, flushed as one presence delta */
    int64_t *pend_join, *pend_left;
    int npend_join, npend_left, cappend_join, cappend_left;
    json_t *chat[CHAT_KEEP];
    int chat_head, chat_n;
    sr_history history;
    uint64_t seq, published;
    char epoch[17];
    ranked rank[RANKED];
    int nrank;
    int64_t recent[RECENT];
    int nrecent;
};

/* A write job with what to do once it is durable. */
typedef struct job {
    sr_job base; /* first: the worker sees only this */
    sr_room *room;
    sr_msg *delta; /* published at completion, with seq */
    uint64_t seq;
    sr_session *s; /* reference held; may have closed meanwhile */
    json_t *ack;   /* sent to s after the delta */
    void (*done)(void *ctx, json_t *room);
    void *ctx;
} job;

struct sr_hub {
    sr_hub_config cfg;
    sr_store *st;
    sr_worker *wk;
    sr_hub_net net;
    sr_library *lib;
    user **users; /* by id */
    int64_t nusers, capusers;
    /* token hash -> user id, open addressing */
    int64_t *tokmap;
    size_t tokcap, tokn;
    sr_room **rooms;
    int nrooms, caprooms;
    int64_t max_room, max_entry, max_chat, max_play;
    uint64_t rng;
};


/* Sends o (taking the reference) to s, if it is still connected. */
void hub_send_json(sr_hub *h, sr_session *s, json_t *o);
void hub_send_error(sr_hub *h, sr_session *s, const char *code, const char *message, json_t *ref);
user *hub_user_get(sr_hub *h, int64_t id);
/* {"id","name"} of a user, or JSON null. New reference. */
json_t *hub_user_json(sr_hub *h, int64_t id);
sr_room *hub_room_get(sr_hub *h, int64_t id);
/* A write job for room r (NULL for writes that belong to no room). */
job *hub_job_new(sr_room *r);
/* Appends a write of this kind to j and returns it for filling in. */
sr_write *hub_job_write(job *j, sr_write_kind kind);
/* Gives the delta o (taking the reference; may be NULL) the room's next seq and submits j. */
void hub_submit(sr_hub *h, job *j, json_t *o);
/* {"type":type}: the start of a delta. */
json_t *hub_delta(const char *type);
/* Makes j answer s with {"type":"ack","ref":ref, ...extra} once durable (takes extra). */
void hub_job_ack(job *j, sr_session *s, json_t *ref, json_t *extra);

#endif
