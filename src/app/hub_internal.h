/* hub_internal.h - the hub's private state, shared by the files that make up the hub
 * (hub.c: rooms and sessions; accounts.c: people and sign-in; moderation.c: roles). Not for
 * use outside src/app/. */
#ifndef SR_HUB_INTERNAL_H
#define SR_HUB_INTERNAL_H

#include "app/hub.h"
#include "library/library.h"
#include "core/history.h"
#include "core/queue.h"
#include "core/ranking.h"
#include "proto/proto.h"
#include "store/worker.h"
#include "util/map.h"
#include "util/pool.h"

#define CHAT_KEEP 50
#define HISTORY 1024
#define RECENT 10
#define RANKED 50
/* Presence deltas name who came and went only in rooms up to this size; bigger rooms get the
 * count alone, so a join storm costs O(listeners) bytes per tick, not O(listeners^2). */
#define PRESENCE_DETAIL_MAX 100
#define SNAPSHOT_LISTENERS 100

typedef struct like {
    int64_t track;
    double when;
} like;

typedef struct visit {
    int64_t room, count;
} visit;

typedef struct user {
    char *name;
    char token_hash[65]; /* guest token */
    double chat_tokens;
    int64_t chat_at;
    /* accounts: NULL username means a guest */
    char *username, *pw_hash, *bio;
    int admin, disabled, hide_activity;
    int64_t *following, *followers;
    int nfollowing, nfollowers, capfollowing, capfollowers;
    sr_room *room; /* where they listen now (last joined), NULL if nowhere */
    int64_t *favorites;
    int nfavorites, capfavorites;
    like *likes; /* oldest first */
    int nlikes, caplikes;
    visit *visits;
    int nvisits, capvisits;
    /* avatar (avatars.c): a square JPEG, NULL when none; its tag names this version */
    unsigned char *avatar;
    size_t avatar_len;
    char avatar_tag[17];
    unsigned shown; /* bumped whenever the name or the picture changes (snapshot cache) */
} user;

/* Whom a cached snapshot listener list showed, and which version of them. */
typedef struct shown_ref {
    int64_t uid;
    unsigned shown;
} shown_ref;

/* A signed-in session (the token itself is never kept, only its hash). */
typedef struct auth_session {
    char hash[65];
    int64_t user;
    double expires;
} auth_session;

/* Failed sign-in attempts for one account or one address. */
typedef struct throttle {
    int failures;
    int64_t until_us;
} throttle;

typedef struct listener {
    int64_t user;
    int conns;
    double last_chat;    /* for slow mode */
    int64_t presence_id; /* the open listening interval (presence_log) */
} listener;

/* Per-room roles; one person may hold several (a muted member). */
enum { ROLE_MOD = 1, ROLE_MEMBER = 2, ROLE_BANNED = 4, ROLE_MUTED = 8 };
typedef struct room_role {
    int64_t user;
    int role;
    double until; /* 0: no end (server ms otherwise) */
} room_role;

/* What a person is in a room, by rising power. */
enum { RANK_NONE = 0, RANK_MEMBER = 1, RANK_MOD = 2, RANK_OWNER = 3, RANK_ADMIN = 4 };
/* Who may add or vote. */
enum { WHO_EVERYONE = 0, WHO_MEMBERS = 1, WHO_MODS = 2 };

#define AUDIT_KEEP 200

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
    /* the snapshot's first SNAPSHOT_LISTENERS listeners, encoded, and whom they showed: every
     * join in a big room sends the same list, and building it was half the cost of a join */
    char *ls_json;
    size_t ls_len;
    shown_ref *ls_refs;
    int ls_n;
    sr_session **members;
    int nmembers, capmembers;
    /* listeners who came or went since the last tick, flushed as one presence delta */
    int64_t *pend_join, *pend_left;
    int npend_join, npend_left, cappend_join, cappend_left;
    double presence_sent; /* when the last presence delta went out */
    json_t *chat[CHAT_KEEP];
    int chat_head, chat_n;
    sr_history history;
    uint64_t seq, published;
    char epoch[17];
    ranked rank[RANKED];
    int nrank;
    int64_t recent[RECENT];
    int nrecent;
    /* ownership, rules and roles (moderation.c) */
    int64_t owner;
    room_role *roles;
    int nroles, caproles;
    int visibility; /* 0 public, 1 unlisted, 2 private */
    int who_add, who_vote, max_per_person, slow_mode_s, locked;
    double skip_ratio; /* 0: the server's */
    char invite[33];   /* private rooms: the current invite code, "" when none */
    json_t *audit[AUDIT_KEEP];
    int audit_head, audit_n;
    int64_t pin_seq;
    /* lobby (lobby.c) */
    sr_activity activity;
    int lobby_dirty;
    char *artist; /* an artist room plays this artist when its queue is empty */
    int mode_top; /* plays its top 50 instead of the queue */
    /* how many present listeners like likes_track (canonical; 0: not counted yet), kept up
     * to date on joins, leaves and likes so a snapshot needn't look at every listener */
    int64_t likes_track;
    int likes_n;
};

/* A write job with what to do once it is durable. */
typedef struct job {
    sr_job base; /* first: the worker sees only this */
    sr_room *room;
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
    struct sr_bus *bus;
    user **users; /* by id */
    int64_t nusers, capusers;
    /* token hash -> user id, open addressing */
    int64_t *tokmap;
    size_t tokcap, tokn;
    sr_room **rooms;
    int nrooms, caprooms;
    /* closed rooms: out of rooms[], kept until the hub is freed (jobs in flight point at them);
     * lobby_gone lists their ids until the next lobby_update says they are removed */
    sr_room **closed;
    int nclosed;
    int64_t *lobby_gone;
    int nlobby_gone;
    int64_t max_room, max_entry, max_chat, max_play, max_audit;
    uint64_t rng;
    /* accounts */
    sr_pool *pool;
    sr_map usernames; /* username -> user id */
    sr_map sessions;  /* token hash -> index + 1 into auth */
    auth_session *auth;
    int nauth, capauth;
    sr_map throttles; /* "u:name" / "a:addr" -> index + 1 into thr */
    throttle *thr;
    int nthr, capthr;
    char *dummy_hash; /* verified against for unknown users, so both cost the same */
    /* lobby and statistics */
    sr_map likeset; /* "user:track" -> 1 */
    int64_t max_presence;
    sr_pool *stats_pool; /* one thread with its own read-only store connection */
    sr_store *stats_st;
    double lobby_sent, trending_sent;
    int avatar_jobs;                /* avatar decodes on the pool now (bounded) */
    struct sr_playlists *playlists; /* personal playlists (playlists.c) */
};

/* Sends o (taking the reference) to s, if it is still connected. */
void hub_send_json(sr_hub *h, sr_session *s, json_t *o);
void hub_send_error(sr_hub *h, sr_session *s, const char *code, const char *message, json_t *ref);
user *hub_user_get(sr_hub *h, int64_t id);
/* {"id","name"} of a user, or JSON null. New reference. */
json_t *hub_user_json(sr_hub *h, int64_t id);
sr_room *hub_room_get(sr_hub *h, int64_t id);
/* Takes a closed room out of the hub's rooms (see moderation.c). */
void hub_room_detach(sr_hub *h, sr_room *r);
json_t *hub_admin_rooms_json(sr_hub *h);
/* A write job for room r (NULL for writes that belong to no room). */
job *hub_job_new(sr_room *r);
/* Appends a write of this kind to j and returns it for filling in. */
sr_write *hub_job_write(job *j, sr_write_kind kind);
/* Gives the delta o (taking the reference; may be NULL) the room's next seq and submits j. */
void hub_submit(sr_hub *h, job *j, json_t *o);
/* {"type":type}: the start of a delta. */
json_t *hub_delta(const char *type);
/* BLAKE2b-256 of a token, as 64 hex digits: what the store keeps instead of the token. */
void hub_token_hash(const char *token, char out[65]);

/* Accounts (accounts.c). */
void hub_accounts_start(sr_hub *h);
void hub_accounts_free(sr_hub *h);
int hub_accounts_rest(sr_hub *h, const sr_rest *req);
/* 1 when the user is a guest (no account). */
int hub_is_guest(sr_hub *h, int64_t uid);
/* The user whose friends see them move: tells mutual followers (unless hidden). */
void hub_friends_notify(sr_hub *h, int64_t uid);
/* Drops uid's chat lines from every room's recent history (account deletion). */
void hub_forget_chat_of(sr_hub *h, int64_t uid);
/* Moderation endpoints (moderation.c); 0 when the path is not theirs. */
int hub_moderation_rest(sr_hub *h, const sr_rest *req);
/* Moderation (moderation.c). */
int hub_rank(sr_hub *h, sr_room *r, int64_t uid);
/* 1 when uid holds role in r now (timed roles lapse by themselves). */
int hub_has_role(sr_room *r, int64_t uid, int role, double now);
/* The room's rules as JSON (new reference). */
json_t *hub_room_settings_json(sr_room *r);
/* Decodes and runs a "mod" or "set_role" message. */
void hub_on_mod(sr_hub *h, sr_session *s, sr_cmsg *m, sr_room *r);
/* Whether uid may see / enter r (private rooms: members, invite holders, moderators). */
int hub_may_enter(sr_hub *h, sr_room *r, int64_t uid, const char *invite);
void hub_room_free_moderation(sr_room *r);
void hub_ld_room_settings(void *ud, int64_t room, int64_t owner, const char *settings);
void hub_ld_role(void *ud, int64_t room, int64_t user, const char *role, double until);
void hub_ld_max_audit(void *ud, int64_t audit);
/* Shared with moderation.c. */
void hub_advance(sr_hub *h, sr_room *r, double now, int skipped);
void hub_member_remove(sr_hub *h, sr_session *s);
double hub_skip_ratio(sr_hub *h, sr_room *r);
json_t *hub_room_info_json(sr_room *r);
/* Lobby and the life of a room (lobby.c). */
void hub_lobby_start(sr_hub *h);
void hub_lobby_free(sr_hub *h);
/* Every tick: pushes coalesced lobby updates to subscribers. */
void hub_lobby_tick(sr_hub *h, double now);
int hub_lobby_rest(sr_hub *h, const sr_rest *req);
void hub_on_lobby(sr_hub *h, sr_session *s, sr_cmsg *m);
void hub_on_like(sr_hub *h, sr_session *s, sr_cmsg *m);
/* Adds a trending event to r and marks it for the next lobby update. */
void hub_activity(sr_hub *h, sr_room *r, double weight);
/* How many present listeners of r like track. */
int hub_room_likes(sr_hub *h, sr_room *r, int64_t track);
void hub_room_likes_presence(sr_hub *h, sr_room *r, int64_t uid, int joined);
/* A listener came or went: logs the listening interval, counts the visit. */
void hub_presence_log(sr_hub *h, sr_room *r, listener *l, int joined);
int hub_likes(sr_hub *h, int64_t uid, int64_t track);
void hub_user_free_lobby(user *u);
void hub_room_free_lobby(sr_room *r);
void hub_ld_favorite(void *ud, int64_t user, int64_t room);
void hub_ld_like(void *ud, int64_t user, int64_t track, double when);
void hub_ld_visits(void *ud, int64_t user, int64_t room, int64_t count);
void hub_ld_max_presence(void *ud, int64_t id);
/* GET /api/users/:id/likes for viewer (0: a guest); uid is an account. */
void hub_ep_user_likes(sr_hub *h, const sr_rest *q, int64_t uid, int64_t viewer);
/* Checks a room's name (required when creating), description and tags against the limits of
 * docs/protocol.md; -1 with code/message when one is wrong. */
int hub_room_fields_check(json_t *body, int creating, const char **code, char *message,
                          size_t msgsize);
/* Creates a room in memory and submits its writes (no reply); NULL with code/message when the
 * body is not valid. */
sr_room *hub_create_room_now(sr_hub *h, int64_t owner, json_t *body, const char **code,
                             char *message, size_t msgsize);
/* Adds the room's row (name, description, tags) to j. */
void hub_room_write(job *j, sr_room *r);
/* Adds the room's settings row to j. */
void hub_room_write_settings(job *j, sr_room *r);
/* Load callbacks. */
void hub_ld_account(void *ud, int64_t id, const char *username, const char *pw_hash, int admin,
                    int disabled, const char *bio, int hide_activity);
void hub_ld_session(void *ud, const char *token_hash, int64_t user, double expires);
void hub_ld_follow(void *ud, int64_t follower, int64_t followee);
/* Sets (or replaces) a user's display name; creates the user record when missing. */
user *hub_user_set(sr_hub *h, int64_t id, const char *name, const char *guest_hash);
/* Sends o (new reference, taken) to every open session of uid. */
void hub_send_user(sr_hub *h, int64_t uid, json_t *o);

/* Avatars (avatars.c). */
int hub_avatars_rest(sr_hub *h, const sr_rest *req);
/* "/api/users/ID/avatar?v=TAG" when uid has an avatar, else JSON null. New reference. */
json_t *hub_avatar_url(sr_hub *h, int64_t uid);
/* {"id","name","avatar"}: a listener as rooms list them. New reference. */
json_t *hub_listener_json(sr_hub *h, int64_t uid);
/* Forgets uid's avatar in memory (account deletion; the store row goes with the account). */
void hub_avatar_forget(user *u);
void hub_ld_avatar(void *ud, int64_t uid, const unsigned char *jpeg, size_t len);

/* REST helpers shared by accounts.c, moderation.c and lobby.c. */
/* Answers q with {"error":{code,message}} and status. */
void hub_rest_error(const sr_rest *q, int status, const char *code, const char *message);
/* Reads the decimal id at the start of p; returns 0 when there is none, else sets *rest to what
 * follows it. */
int64_t hub_path_id(const char *p, const char **rest);
/* Submits j (with delta, which may be NULL) and, once it is durable, answers through reply(ctx)
 * with status, body (taken) and set_cookie (copied; may be NULL); a failed write answers 500
 * internal instead. */
void hub_submit_reply(sr_hub *h, job *j, json_t *delta,
                      void (*reply)(void *ctx, int status, json_t *body, const char *set_cookie),
                      void *ctx, int status, json_t *body, const char *set_cookie);
/* The same, and settle(arg, ok) runs first, once the write is durable (ok 1) or failed (ok 0):
 * to finish or undo what the request changed in memory. settle frees arg. */
void hub_submit_settle(sr_hub *h, job *j, json_t *delta,
                       void (*reply)(void *ctx, int status, json_t *body, const char *set_cookie),
                       void *ctx, int status, json_t *body, const char *set_cookie,
                       void (*settle)(void *arg, int ok), void *arg);

/* Makes j answer s with {"type":"ack","ref":ref, ...extra} once durable (takes extra). */
void hub_job_ack(job *j, sr_session *s, json_t *ref, json_t *extra);

#endif
