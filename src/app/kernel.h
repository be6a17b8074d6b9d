/* kernel.h - the kernel's tables (rooms, people, sign-in sessions), its job pipeline to the
 * write worker, its event hooks and module registry: everything a feature module
 * (app/module.h) may use. The kernel is hub.c, people.c, rules.c, room.c, room_msgs.c and
 * views.c; it never names a feature. Not for use outside src/app/. */
#ifndef SR_KERNEL_H
#define SR_KERNEL_H

#include "app/hub.h"
#include "app/module.h"
#include "core/advance.h"
#include "core/chatring.h"
#include "core/history.h"
#include "core/policy.h"
#include "core/queue.h"
#include "core/replay.h"
#include "core/rules.h"
#include "core/skip.h"
#include "proto/jtext.h"
#include "library/library.h"
#include "proto/proto.h"
#include "store/ids.h"
#include "store/write.h"
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
/* Per-room and per-person slots a module may claim for its own state (hub_slot_new). */
#define SR_SLOTS 8
/* Modules a hub can hold. */
#define SR_MODULES_MAX 24

/* What only accounts need of a person: made on first use (hub_user_acct), NULL for guests,
 * so an idle guest does not carry it. */
typedef struct user_acct {
    char *pw_hash, *bio;
    char *token_hash; /* a guest token's hash given after the person was made, or not 64 hex
                         digits (then not in their block): its text */
    /* the follow graph (friends are mutual follows) */
    int64_t *following, *followers;
    int nfollowing, nfollowers, capfollowing, capfollowers;
} user_acct;

/* A person: a guest (no username) or an account. One allocation holds the person, the
 * modules' slots, a guest's token hash (32 bytes) and the name (while it fits): an idle guest
 * costs one block (docs/architecture.md, "Memory per idle listener"). */
typedef struct user {
    char *name;            /* in the block while it fits (namecap), else its own allocation */
    char *username;        /* accounts: NULL means a guest */
    user_acct *acct;       /* NULL until an account needs it: read it through the macros below */
    sr_room *room;         /* where they listen now (last joined), NULL if nowhere */
    sr_replay *replay;     /* their recent write ids and first answers (room_msgs.c); NULL until
                              they send one */
    sr_bucket chat;        /* chat rate limit */
    unsigned shown;        /* bumped whenever the name or what modules show of them changes (the
                              snapshot's listener cache): hub_user_touch */
    unsigned char namecap; /* bytes for the name inside the block (0: none) */
    unsigned char admin : 1, disabled : 1, hide_activity : 1;
    unsigned char token_in : 1; /* the guest token's hash is in the block, before the name */
    /* modules' own per-person state (owned by the module), one per slot claimed with
     * hub_slot_new(h, 0) before the first person was made */
    void *slot[];
} user;

/* An account's fields as values (NULL / 0 for a guest): reading them never makes acct. */
#define USER_PW_HASH(u) ((u)->acct ? (u)->acct->pw_hash : NULL)
#define USER_BIO(u) ((u)->acct ? (u)->acct->bio : NULL)
#define USER_NFOLLOWING(u) ((u)->acct ? (u)->acct->nfollowing : 0)
#define USER_NFOLLOWERS(u) ((u)->acct ? (u)->acct->nfollowers : 0)

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

typedef struct listener {
    int64_t user;
    int conns;
    double last_chat; /* for slow mode */
} listener;

/* Short names for core/policy's roles and ranks and core/rules' "who may" (the same values). */
#define ROLE_MOD SR_ROLE_MOD
#define ROLE_MEMBER SR_ROLE_MEMBER
#define ROLE_BANNED SR_ROLE_BANNED
#define ROLE_MUTED SR_ROLE_MUTED
#define RANK_NONE SR_RANK_NONE
#define RANK_MEMBER SR_RANK_MEMBER
#define RANK_MOD SR_RANK_MOD
#define RANK_OWNER SR_RANK_OWNER
#define RANK_ADMIN SR_RANK_ADMIN

struct sr_room {
    int64_t id;
    char *name, *description;
    json_t *tags;
    double created;
    sr_queue queue;
    int64_t np_track, np_entry, np_user, np_play;
    double np_started_at;
    int np_from;
    sr_skip_tally skips;
    listener *listeners;
    int nlisteners, caplisteners;
    sr_imap listener_at; /* a listener's user id -> their index in listeners + 1: joins, leaves and
                            chats find theirs without walking a room of thousands */
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
    sr_chatring chat;     /* the last CHAT_KEEP lines (chat_line *, room.c) */
    sr_history history;
    uint64_t seq, published;
    char epoch[17];
    sr_top_track rank[RANKED];
    int nrank;
    int64_t recent[RECENT];
    int nrecent;
    /* ownership, rules and roles (rules.c) */
    int64_t owner;
    sr_roles roles;
    int visibility;      /* SR_VIS_*: 0 public, 1 unlisted, 2 private */
    sr_room_rules rules; /* who may add and vote, limits, slow mode, lock, skip ratio */
    char invite[33];     /* private rooms: the current invite code, "" when none */
    int64_t pin_seq;
    /* what plays when the queue is empty */
    char *artist;         /* an artist room plays this artist's tracks */
    int mode_top;         /* plays its top 50 instead of the queue */
    int closed;           /* closed for good: out of the rooms table, kept while jobs point at it */
    json_t *ext;          /* modules' own settings, by module name, kept in the settings column
                             (hub_room_ext); NULL when none */
    void *slot[SR_SLOTS]; /* modules' own per-room state (owned by the module) */
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

/* A registered module and its state. */
typedef struct hub_mod {
    const sr_module *m;
    void *self;
} hub_mod;

struct sr_hub {
    sr_hub_config cfg;
    sr_store *st;
    sr_worker *wk;
    int defer_writes; /* sr_hub_defer_writes: writes wait for sr_hub_kick (the pass's end) */
    sr_hub_net net;
    sr_library *lib;
    struct sr_bus *bus;
    user **users; /* by id */
    int64_t nusers, capusers;
    /* guest tokens: the first 8 bytes of a token's hash -> user id, the whole hash checked
     * against the one in the person's block; a hash that is not 64 hex digits, or whose first
     * 8 bytes another guest's has (a 2^-64 chance per pair), goes in guests_more by its text */
    sr_imap guests;
    sr_map guests_more;
    sr_map usernames; /* account username -> user id */
    sr_room **rooms;
    int nrooms, caprooms;
    /* closed rooms: out of rooms[], kept until the hub is freed (jobs in flight point at them) */
    sr_room **closed;
    int nclosed;
    int64_t max_room, max_entry, max_chat, max_play; /* the highest ids in memory */
    sr_ids *ids;         /* ids from blocks reserved in the store: unique across processes */
    sr_store *notice_st; /* a read-only twin: what another process (the CLI) changed */
    int64_t notice_last; /* the newest notice applied */
    double notice_at;    /* when notices were last read (server ms) */
    int notice_busy;     /* a read of the notices is on the pool */
    uint64_t rng;
    /* sign-in sessions */
    sr_map sessions; /* token hash -> index + 1 into auth */
    auth_session *auth;
    int nauth, capauth;
    sr_pool *pool; /* slow CPU work off the service thread: password hashing, image decoding */
    /* modules, their routes, message hooks and event listeners */
    hub_mod mods[SR_MODULES_MAX];
    int nmods;
    int nslots_room, nslots_user, ntopics;
    sr_routes routes;
    int finishing;   /* the status of the job whose done callback runs (hub_write_error) */
    double probe_at; /* when the last probe of a refusing disk was sent (server ms) */
};

/* ---- modules ---- */

/* The state of module m (what its create returned), or NULL when m is not registered. */
void *hub_module_self(sr_hub *h, const sr_module *m);
/* Claims a per-room (room = 1) or per-person slot for a module; returns its index, or -1 when
 * all SR_SLOTS are taken or (a per-person slot) a person was made already: modules claim them
 * in create. The module owns what it keeps there and frees it on
 * SR_EV_ROOM_FREED / SR_EV_USER_FREED. */
int hub_slot_new(sr_hub *h, int room);
/* Claims a bit of sr_session.topics for a module (what a session subscribed to); returns the
 * bit, or 0 when all are taken. */
unsigned hub_topic_new(sr_hub *h);
/* Tells every module that listens to ev->type (ev borrowed; fields as app/events.h says). */
void hub_emit(sr_hub *h, const sr_event *ev);

/* ---- sending ---- */

/* Sends o (taking the reference) to s, if it is still connected. */
void hub_send_json(sr_hub *h, sr_session *s, json_t *o);
/* Sends {"type":"error","code","message","ref"} to s; ref borrowed, may be NULL. */
void hub_send_error(sr_hub *h, sr_session *s, const char *code, const char *message, json_t *ref);
/* Sends o (new reference, taken) to every open session of uid. */
void hub_send_user(sr_hub *h, int64_t uid, json_t *o);

/* ---- people (people.c) ---- */

/* The person with this id (borrowed, lives as long as the hub), or NULL. */
user *hub_user_get(sr_hub *h, int64_t id);
/* u's account fields (borrowed, lives as long as u), made empty on first use: call it to
 * change them; read them with USER_PW_HASH and the like. */
user_acct *hub_user_acct(user *u);
/* {"id","name"} of a user, with "guest": true when they have no account, or JSON null. New
 * reference. */
json_t *hub_user_json(sr_hub *h, int64_t id);
/* The same object as hub_user_json, written as JSON text (the chat line's hot path). */
void hub_user_jtext(sr_hub *h, int64_t id, sr_jtext *t);
/* Sets (or replaces) a user's display name (copied); creates the user record when missing;
 * guest_hash (copied, may be NULL) is the hash of a guest's token. Returns the user (borrowed). */
user *hub_user_set(sr_hub *h, int64_t id, const char *name, const char *guest_hash);
/* A new id of kind (SR_ID_ROOM, SR_ID_CHAT, ...), never handed out before, also not by another
 * process on the same store (blocks reserved ahead: no request waits for the disk). 0 when the
 * store could not reserve (logged): the caller answers "internal" and writes nothing. */
int64_t hub_id_new(sr_hub *h, sr_id_kind kind);
/* A new person's id (hub_id_new of SR_ID_USER). */
int64_t hub_user_id_new(sr_hub *h);
/* Deletes the account uid in memory: sessions revoked, username, password, bio, picture and
 * follows gone, name "deleted user", chat lines forgotten. The caller writes the deletion. */
void hub_account_forget(sr_hub *h, int64_t uid);
/* 1 when the user is a guest (no account). */
int hub_is_guest(sr_hub *h, int64_t uid);
/* The person whose guest token hashes to hash, or 0. */
int64_t hub_guest_by_token(sr_hub *h, const char *hash);
/* BLAKE2b-256 of a token, as 64 hex digits: what the store keeps instead of the token. */
void hub_token_hash(const char *token, char out[65]);
/* The signed-in account of a session token (0: none, expired, disabled); hash_out (may be
 * NULL) receives the token's hash. */
int64_t hub_session_user(sr_hub *h, const char *token, char hash_out[65]);
/* Records a sign-in session in memory (hash copied). */
void hub_session_add(sr_hub *h, const char *hash, int64_t uid, double expires);
/* Forgets sign-in sessions in memory and closes the WebSockets that used them: the one with
 * hash, or (hash NULL) every one of uid except keep (may be NULL). */
void hub_session_revoke(sr_hub *h, const char *hash, int64_t uid, const char *keep);
/* {"id","name"} and what modules add (person_json hooks, e.g. a picture): a person as rooms
 * list them. New reference; JSON null for an unknown id. */
json_t *hub_listener_json(sr_hub *h, int64_t uid);
/* Lets every module add its members to o (borrowed), a view of person uid. */
void hub_person_json_hooks(sr_hub *h, int64_t uid, json_t *o);
/* Something shown of u changed (a module's part of their JSON): cached lists show it anew. */
void hub_user_touch(user *u);
/* Adds or removes the follow follower -> followee in memory. */
void hub_follow_set(sr_hub *h, int64_t follower, int64_t followee, int on);
/* 1 when a follows b. */
int hub_follows(sr_hub *h, int64_t a, int64_t b);
/* The account with this username, or 0. */
int64_t hub_user_by_name(sr_hub *h, const char *username);
/* Sets or clears u's username (copied) and keeps the username index. */
void hub_user_set_username(sr_hub *h, int64_t uid, const char *username);
/* The rooms table (borrowed): *n rooms, open ones only. */
sr_room **hub_rooms(sr_hub *h, int *n);

/* ---- rooms ---- */

sr_room *hub_room_get(sr_hub *h, int64_t id);
/* Takes a closed room out of the rooms table (it stays in memory for jobs in flight). */
void hub_room_detach(sr_hub *h, sr_room *r);
/* Starts the next track: the queue's top entry, else a fallback (skipped: the current one did
 * not play to its end). */
void hub_advance(sr_hub *h, sr_room *r, double now, int skipped);
/* The session leaves its room. */
void hub_member_remove(sr_hub *h, sr_session *s);
/* The share of present listeners whose votes skip a track in r (the room's, else the server's). */
double hub_skip_ratio(sr_hub *h, sr_room *r);
/* {"id","name","description","tags"}. New reference. */
json_t *hub_room_info_json(sr_room *r);
/* Queues track tid for uid in r under the room's rules; returns the entry id, or 0 with *code
 * set (a static protocol error code). */
int64_t hub_queue_track(sr_hub *h, sr_room *r, int64_t uid, int64_t tid, const char **code);
/* Checks a room's name (required when creating), description and tags against the limits of
 * docs/protocol.md; -1 with code/message when one is wrong. */
int hub_room_fields_check(json_t *body, int creating, const char **code, char *message,
                          size_t msgsize);
/* Creates a room in memory and submits its writes (no reply); NULL with code/message when the
 * body is not valid. The room is borrowed (the hub owns it). */
sr_room *hub_create_room_now(sr_hub *h, int64_t owner, json_t *body, const char **code,
                             char *message, size_t msgsize);
/* Adds the room's row (name, description, tags) to j. */
void hub_room_write(job *j, sr_room *r);
/* A track as lists show it (the library's reference), or {"id"} when the library no longer
 * knows it (a history may name a track that left). New reference. */
json_t *hub_track_or_id(sr_hub *h, int64_t id);
/* Drops uid's chat lines from every room's recent history (account deletion). */
void hub_forget_chat_of(sr_hub *h, int64_t uid);
/* uid's entry among r's listeners, or NULL when they are not listening there. Borrowed: valid
 * until someone joins or leaves r. */
listener *hub_listener_of(sr_room *r, int64_t uid);
/* A chat line as the protocol shows it, {"id":…,"user":{…},"text":…,"ts":…}, written to t. */
void hub_chat_line(sr_hub *h, int64_t id, int64_t uid, const char *text, size_t len, double ts,
                   sr_jtext *t);
/* Keeps a copy of the line (from hub_chat_line) in r's ring for the snapshots of later joiners. */
void hub_chat_keep(sr_room *r, int64_t id, int64_t uid, const sr_jtext *line);


/* ---- room rules and roles (rules.c) ---- */

/* What uid is in r now (RANK_*). */
int hub_rank(sr_hub *h, sr_room *r, int64_t uid);
/* 1 when uid holds role in r now (timed roles lapse by themselves). */
int hub_has_role(sr_room *r, int64_t uid, int role, double now);
/* Whether uid may see / enter r (private rooms: members, invite holders, moderators); invite
 * may be NULL. */
int hub_may_enter(sr_hub *h, sr_room *r, int64_t uid, const char *invite);
/* The room's rules as JSON (new reference). */
json_t *hub_room_settings_json(sr_room *r);
/* Applies the "visibility" and "rules" members of o to r; -1 with code/msg when invalid (r is
 * then unchanged). */
int hub_room_apply_settings(sr_room *r, json_t *o, const char **code, char *msg, size_t msz);
/* Adds the room's settings row to j. */
void hub_room_write_settings(job *j, sr_room *r);
/* What module name keeps in r's settings (borrowed until the next hub_room_ext_set), or NULL.
 * Loaded with the room, so a module reads it back in its start hook. */
json_t *hub_room_ext(sr_room *r, const char *name);
/* Sets (taking v) or, with v NULL, clears what module name keeps in r's settings; written with
 * the next hub_room_write_settings. Never sent to clients. */
void hub_room_ext_set(sr_room *r, const char *name, json_t *v);
/* Sets (on) or clears role for uid in r in memory, with until (0: no end). */
void hub_role_set(sr_room *r, int64_t uid, int role, double until, int on);
/* Adds a write of that role change to j. */
void hub_role_write(job *j, sr_room *r, int64_t uid, int role, double until, int on);
/* The role's name as the protocol spells it ("moderator", "member", "banned", "muted"). */
const char *hub_role_name(int role);

/* ---- the write pipeline ---- */

/* A write job for room r (NULL for writes that belong to no room). The caller owns it until it
 * hands it to hub_submit*. */
job *hub_job_new(sr_room *r);
/* Appends an empty write to j and returns it (owned by j) for one of store/write.h's typed
 * constructors to fill: sr_write_chat(hub_job_add(j), id, room, user, text, ts). */
sr_write *hub_job_add(job *j);
/* Gives the delta o (taking the reference; may be NULL) the room's next seq and submits j
 * (taken). */
void hub_submit(sr_hub *h, job *j, json_t *o);
/* hub_submit for a delta already written as text: d holds its start, "{\"type\":…" without
 * the closing brace; the room, epoch and seq are appended to it. j must belong to a room. */
void hub_submit_text(sr_hub *h, job *j, sr_jtext *d);
/* {"type":type}: the start of a delta. New reference. */
json_t *hub_delta(const char *type);
/* Makes j answer s with {"type":"ack","ref":ref, ...extra} once durable (takes extra). */
void hub_job_ack(job *j, sr_session *s, json_t *ref, json_t *extra);
/* Submits j (with delta, which may be NULL) and, once it is durable, answers through reply(ctx)
 * with status, body (taken) and set_cookie (copied; may be NULL); a failed write answers as
 * hub_write_error says instead (503 unavailable or 500 internal). */
void hub_submit_reply(sr_hub *h, job *j, json_t *delta,
                      void (*reply)(void *ctx, int status, json_t *body, const char *set_cookie),
                      void *ctx, int status, json_t *body, const char *set_cookie);
/* The same, and settle(arg, ok) runs first, once the write is durable (ok 1) or failed (ok 0):
 * to finish or undo what the request changed in memory. settle frees arg. */
void hub_submit_settle(sr_hub *h, job *j, json_t *delta,
                       void (*reply)(void *ctx, int status, json_t *body, const char *set_cookie),
                       void *ctx, int status, json_t *body, const char *set_cookie,
                       void (*settle)(void *arg, int ok), void *arg);

/* What a failed write answers (the store's status SR_E*; 0 inside a done callback given NULL:
 * the failing job's): "unavailable" with *http 503 when the disk refused (full or failing:
 * nothing was kept, the client may retry), else "internal" with *http 500. Static strings. */
const char *hub_write_error(sr_hub *h, int status, int *http, const char **message);
/* The same as a REST body {"error":{"code","message"}}. New reference. */
json_t *hub_write_error_json(sr_hub *h, int status, int *http);

/* ---- REST helpers ---- */

/* Answers q with {"error":{code,message}} and status. */
#define hub_rest_error sr_rest_error

#endif
