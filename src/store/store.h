/* store.h - the system of record: an ops table with one backend per database (sqlite now),
 * chosen by name from a DSN through the registry in store.c. */
#ifndef SR_STORE_H
#define SR_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* An open store. Backends embed this first in their own struct (like sqlite3_file). */
typedef struct sr_store {
    const struct sr_store_ops *ops;
} sr_store;

/* The entities whose ids the application gives out (sr_store_reserve_ids, store/ids.h). */
typedef enum sr_id_kind {
    SR_ID_USER,     /* users (guests and accounts alike) */
    SR_ID_ROOM,     /* rooms */
    SR_ID_ENTRY,    /* queue entries */
    SR_ID_CHAT,     /* chat messages */
    SR_ID_PLAY,     /* plays */
    SR_ID_AUDIT,    /* the moderation audit log */
    SR_ID_PRESENCE, /* presence (listening) intervals */
    SR_ID_PLAYLIST, /* personal playlists */
    SR_ID_TRACK,    /* tracks: upsert_track takes these itself, inside its transaction */
    SR_ID_KINDS
} sr_id_kind;

/* The kinds of write. Fields of sr_write used by each are listed beside it, and the typed
 * constructor that fills them (store/write.h) after the arrow: new code calls the constructor,
 * and a backend reads a write through the matching sr_w_*_of() view, never by letter. */
typedef enum sr_write_kind {
    SR_W_NONE = 0,     /* nothing to write: the job only keeps its place in the delta order
                          -> sr_write_none */
    SR_W_USER,         /* a=id s1=name s2=token hash t=created -> sr_write_user */
    SR_W_ROOM,         /* a=id s1=name s2=description s3=tags (JSON array) t=created
                          -> sr_write_room */
    SR_W_ENTRY_ADD,    /* a=id b=room c=track d=user t=added_at -> sr_write_entry_add */
    SR_W_ENTRY_STATE,  /* a=id s1="played"|"removed" -> sr_write_entry_state */
    SR_W_VOTE,         /* a=entry b=user v=value (0 deletes the vote) -> sr_write_vote */
    SR_W_CHAT,         /* a=id b=room c=user s1=text t=ts -> sr_write_chat */
    SR_W_PLAY,         /* a=play id b=room c=track d=entry (0: none) e=added by (0: none) t=started
                          v=0 from queue / 1 fallback; also sets the room's now playing
                          -> sr_write_play */
    SR_W_PLAY_SKIPPED, /* a=play id -> sr_write_play_skipped */
    /* accounts, follows, rooms' owners and roles */
    SR_W_ACCOUNT,        /* a=id s1=username s2=password hash s3=display name t=created
                            -> sr_write_account */
    SR_W_PASSWORD,       /* a=id s2=password hash -> sr_write_password */
    SR_W_SESSION,        /* s1=token hash a=user t=expires -> sr_write_session */
    SR_W_SESSION_REVOKE, /* s1=token hash; or, with s1 NULL, a=user: every session of a except s2
                            -> sr_write_session_revoke, sr_write_sessions_revoke */
    SR_W_PROFILE,        /* a=id s1=display name s2=bio v=hide activity -> sr_write_profile */
    SR_W_USER_FLAGS,     /* a=id v=admin b=disabled -> sr_write_user_flags */
    SR_W_USER_DELETE,    /* a=id: credentials, sessions, follows, chat lines and playlists go
                            -> sr_write_user_delete */
    SR_W_FOLLOW,         /* a=follower b=followee v=1 follow / 0 unfollow t=when
                            -> sr_write_follow */
    SR_W_ROOM_SETTINGS,  /* a=room b=owner s1=settings (JSON object) -> sr_write_room_settings */
    SR_W_ROLE,           /* a=room b=user s1=role v=1 set / 0 clear t=until (0: no end)
                            -> sr_write_role */
    SR_W_AUDIT,          /* a=id b=room c=actor d=target s1=action s2=detail t=when
                            -> sr_write_audit */
    SR_W_CHAT_DELETE,    /* a=chat message id -> sr_write_chat_delete */
    /* the life of a room (lobby, likes, favourites, listening time) */
    SR_W_FAVORITE,       /* a=user b=room v=1 add / 0 remove t=when -> sr_write_favorite */
    SR_W_LIKE,           /* a=user b=track v=1 like / 0 unlike t=when -> sr_write_like */
    SR_W_PRESENCE_OPEN,  /* a=id b=user c=room t=joined -> sr_write_presence_open */
    SR_W_PRESENCE_CLOSE, /* a=id t=left -> sr_write_presence_close */
    SR_W_AVATAR,         /* a=user blob/blob_len=JPEG (NULL deletes the avatar) t=when
                            -> sr_write_avatar */
    /* personal playlists */
    SR_W_PLAYLIST,        /* a=id b=user s1=name s2=format s3=entries (JSON array) t=created
                             -> sr_write_playlist */
    SR_W_PLAYLIST_DELETE, /* a=id -> sr_write_playlist_delete */
    SR_W_ROOM_CLOSE,      /* a=room t=when: closed for good (its history stays for statistics)
                             -> sr_write_room_close */
    /* what another process must pick up (store ops version 2) */
    SR_W_NOTICE, /* s1=entity a=key t=when: a change made outside the server that a running
                    server should reload (notices_since) -> sr_write_notice */
    /* retried writes answered once (sr_load_sink.reply) */
    SR_W_REPLY, /* a=user v=slot s1=cid s2=answer (JSON) t=when: the first answer to a client's
                   write id, in slot v of the person's ring (replaces what was there); written
                   last in the job of the write it answers -> sr_write_reply */
} sr_write_kind;

/* One write. Strings are owned by the write and freed by sr_write_clear(). Fill it with a
 * constructor of store/write.h; the letters are kept while call sites move over. */
typedef struct sr_write {
    sr_write_kind kind;
    int64_t a, b, c, d, e;
    double t;
    int v;
    char *s1, *s2, *s3;
    unsigned char *blob; /* binary data (avatars), owned like the strings */
    size_t blob_len;
} sr_write;

/* Frees the strings and blob of w and zeroes it (store/write.c). Safe on a zeroed write. */
void sr_write_clear(sr_write *w);

/* A track row, as scanned and as loaded. Strings borrowed for the duration of a call. */
typedef struct sr_track_row {
    int64_t id;
    const char *source, *ref; /* ref: path for "local" */
    const char *title, *artist, *album;
    int64_t duration_ms;
    int has_cover;
    int64_t mtime, size;
    int available;
    /* schema 2 (library): any string may be NULL, numbers 0 when unknown */
    const char *album_artist, *genre, *isrc, *mbid;
    const char *identity;  /* sr_track_identity(); NULL when none */
    const char *cover_ref; /* an image file standing for the cover, NULL when none/embedded */
    int track_no, disc_no, year;
} sr_track_row;

/* What a library search or browse asks for. NULL / 0 fields do not filter. */
typedef struct sr_track_query {
    const char *text;                   /* full-text words (matched as prefixes), any order */
    const char *artist, *album, *genre; /* exact, case-insensitive; artist also matches the
                                           album artist */
    int year;
    int limit; /* rows wanted (1..) */
} sr_track_query;

/* One row of a browse: kind "artists" (name, tracks, albums), "albums" (name, artist, year,
 * tracks, cover_track = a track id with a cover or 0), "genres" (name, tracks), "years" (year,
 * tracks). Strings are only valid during the call. */
typedef struct sr_browse_row {
    const char *name, *artist;
    int year;
    int64_t tracks, albums, cover_track;
} sr_browse_row;

typedef struct sr_room_row {
    int64_t id;
    const char *name, *description, *tags;
    double created;
    int64_t np_track, np_entry, np_user, np_play; /* now playing, 0 when none */
    double np_started_at;
    int np_from; /* 0 queue, 1 fallback */
} sr_room_row;

/* Callbacks that receive the state at start-up. Strings are only valid during the call. */
typedef struct sr_load_sink {
    void *ud;
    void (*user)(void *ud, int64_t id, const char *name, const char *token_hash);
    void (*room)(void *ud, const sr_room_row *r);
    void (*track)(void *ud, const sr_track_row *t);
    /* queued entries only, in id order */
    void (*entry)(void *ud, int64_t id, int64_t room, int64_t track, int64_t user, double added_at);
    void (*vote)(void *ud, int64_t entry, int64_t user, int value);
    /* the last `chat_limit` messages of each room, oldest first */
    void (*chat)(void *ud, int64_t id, int64_t room, int64_t user, const char *text, double ts);
    /* each room's most played tracks, best first (at most 50 per room) */
    void (*ranked)(void *ud, int64_t room, int64_t track, int64_t plays);
    /* each room's last 10 plays, newest first */
    void (*recent)(void *ud, int64_t room, int64_t track);
    /* the highest id in use per table, so new ids continue from there. Only right for one
     * process: with a CLI or a second node beside it, take ids from store/ids.h instead */
    void (*max_ids)(void *ud, int64_t user, int64_t room, int64_t entry, int64_t chat,
                    int64_t play);
    int chat_limit;
    /* accounts, sessions, follows, room settings and roles (may be NULL) */
    void (*account)(void *ud, int64_t id, const char *username, const char *pw_hash, int admin,
                    int disabled, const char *bio, int hide_activity);
    void (*session)(void *ud, const char *token_hash, int64_t user, double expires);
    void (*follow)(void *ud, int64_t follower, int64_t followee);
    void (*room_settings)(void *ud, int64_t room, int64_t owner, const char *settings);
    void (*role)(void *ud, int64_t room, int64_t user, const char *role, double until);
    void (*max_audit)(void *ud, int64_t audit);
    /* favourites, likes, visits per room, and the highest presence id (may be NULL) */
    void (*favorite)(void *ud, int64_t user, int64_t room);
    void (*like)(void *ud, int64_t user, int64_t track, double when);
    void (*visits)(void *ud, int64_t user, int64_t room, int64_t count);
    void (*max_presence)(void *ud, int64_t id);
    /* each account's avatar (a JPEG), may be NULL */
    void (*avatar)(void *ud, int64_t user, const unsigned char *jpeg, size_t len);
    /* personal playlists, in id order (may be NULL); entries is their JSON array */
    void (*playlist)(void *ud, int64_t id, int64_t user, const char *name, const char *format,
                     const char *entries, double created);
    /* the remembered answers to client write ids (SR_W_REPLY), oldest first (may be NULL) */
    void (*reply)(void *ud, int64_t user, int slot, const char *cid, const char *answer);
} sr_load_sink;

/* A store backend: a const table chosen by name (the scheme of the DSN) at start-up.
 *
 * Versions. `version` says which fields the table has. Fields are only ever appended; whoever
 * appends one bumps the version and writes it in the list below, and every backend sets the
 * version it implements in full. Callers never test a field for NULL: they call the helpers
 * below (sr_store_reserve_ids ...), which answer SR_EINVAL for a backend too old for the op.
 *   1  open ... stats: the state, writes, the library and statistics
 *   2  reserve_ids, notices_since, notices_last, load_account: several processes on one store
 *
 * Ownership. The store is the backend's: callers close it with close() and nothing else. Every
 * pointer passed in is borrowed for the call unless said otherwise; every string or row handed
 * to a callback is the backend's and valid only during that callback.
 *
 * Threads. One connection is used by one thread at a time. A thread of its own opens a twin
 * (open_twin). */
typedef struct sr_store_ops {
    int version;      /* 1 or 2, see above */
    const char *name; /* the DSN scheme: "sqlite" */
    /* Opens (creating if needed) and migrates the store at dsn: the text after "name:" (for
     * sqlite a file path; for a URL scheme such as postgres://h/db it is "//h/db"). dsn is
     * borrowed. On success *out is the store (close it with close); on failure *out is NULL
     * and the reason is logged. Returns 0 or SR_E*. */
    int (*open)(const char *dsn, sr_store **out);
    /* Closes st and frees it; st may be NULL. */
    void (*close)(sr_store *st);
    /* A write transaction: begin takes the write lock (waiting for another process that holds
     * it), commit makes the writes durable. Each returns 0 or SR_E*. SR_EUNAVAIL from begin,
     * write or commit means the disk refused (full or failing): the whole transaction is lost,
     * the caller rolls back, and the connection stays usable for a later transaction. rollback
     * with no transaction open (the backend may have ended it on such an error) is a no-op. */
    int (*begin)(sr_store *st);
    int (*commit)(sr_store *st);
    int (*rollback)(sr_store *st);
    /* Applies one write inside the current transaction. w is borrowed. Another error than
     * SR_EUNAVAIL is this write's own (a bug): the transaction goes on without it. */
    int (*write)(sr_store *st, const sr_write *w);
    /* Inserts or updates a track by (source, ref), keeping its id when it exists; sets
     * *id to the track's id (a new one is taken from the SR_ID_TRACK sequence). Marks it
     * available. */
    int (*upsert_track)(sr_store *st, const sr_track_row *t, int64_t *id);
    /* Marks every track of source not seen since scan_started (mtime of the scan pass) as
     * unavailable: tracks with an id not in seen[] (n ids, borrowed). */
    int (*mark_unavailable)(sr_store *st, const char *source, const int64_t *seen, int n);
    /* Streams the whole state into sink (borrowed). */
    int (*load)(sr_store *st, const sr_load_sink *sink);
    /* The schema version after migration. */
    int (*schema_version)(sr_store *st);
    /* Opens a second connection to the same database, for a thread of its own: read-only when
     * readonly (no writes, no migration). Close it with close. Returns 0 or SR_E*. */
    int (*open_twin)(sr_store *st, int readonly, sr_store **out);
    /* Calls row for every track of source: (id, ref, mtime, size, available). */
    int (*tracks_known)(sr_store *st, const char *source,
                        void (*row)(void *ud, int64_t id, const char *ref, int64_t mtime,
                                    int64_t size, int available),
                        void *ud);
    /* Finds the track of t->source that t (a file seen for the first time) may be a moved
     * copy of: the same identity (or both none), size and duration. Each candidate is offered
     * to keep(ud, id, ref) in id order until it returns 1; *id is that one, or 0. Returns 0 or
     * SR_E*. */
    int (*track_find_moved)(sr_store *st, const sr_track_row *t,
                            int (*keep)(void *ud, int64_t id, const char *ref), void *ud,
                            int64_t *id);
    /* Points track id at a new ref (a moved file), keeping its id and so its plays and votes. */
    int (*track_move)(sr_store *st, int64_t id, const char *ref);
    /* Available tracks matching q, best first (full-text rank when q->text, else artist,
     * album, disc, track, title); calls row(ud, id) for each, at most q->limit. */
    int (*track_search)(sr_store *st, const sr_track_query *q, void (*row)(void *ud, int64_t id),
                        void *ud);
    /* Groups of available tracks by kind ("artists", "albums", "genres", "years"), filtered
     * by q (text and limit ignored), in name (or year) order. SR_EINVAL for another kind. */
    int (*track_browse)(sr_store *st, const char *kind, const sr_track_query *q,
                        void (*row)(void *ud, const sr_browse_row *r), void *ud);
    /* Answers a statistics query (read-only; use a twin connection off the service thread).
     * kind and params (all integers; "since" and "now" in server ms):
     *   "top_tracks"   room, since, limit, by (0 plays, 1 upvotes)
     *                  -> {"rows":[[track, plays, upvotes]...]}
     *   "top_fans"     room, since, now, limit
     *                  -> {"rows":[[user, listening_ms, tracks_played, votes]...]}
     *   "history"      room, limit
     *                  -> {"rows":[[track, started_at, added_by, skipped, from_queue, up,
     * down]...]} "user_history" user, now, limit -> {"rows":[[track, room, started_at]...]} params
     * is borrowed; *out is a new reference the caller owns. Returns 0 or SR_E* (SR_EINVAL for an
     * unknown kind). */
    int (*stats)(sr_store *st, const char *kind, json_t *params, json_t **out);

    /* ---- version 2: several processes on one store ---- */

    /* Reserves n (>= 1) consecutive ids of kind for the caller alone, in a transaction of its
     * own that is committed before it returns: no other process or connection is ever given
     * any of them. *first is the first of the block (the block is first .. first + n - 1).
     * Waits for the write lock when another process holds it (sqlite: busy_timeout). Call it
     * on a connection with no transaction open. Returns 0 or SR_E* (*first then unchanged). */
    int (*reserve_ids)(sr_store *st, sr_id_kind kind, int64_t n, int64_t *first);
    /* Calls cb(ud, id, entity, key) for every notice (SR_W_NOTICE) with an id above after, in
     * id order. entity is the backend's, valid during the call. Read-only: a read-only twin
     * serves. Returns 0 or SR_E*. */
    int (*notices_since)(sr_store *st, int64_t after,
                         void (*cb)(void *ud, int64_t id, const char *entity, int64_t key),
                         void *ud);
    /* Sets *id to the id of the newest notice, 0 when none. Read-only. */
    int (*notices_last)(sr_store *st, int64_t *id);
    /* Loads one user by id into sink (borrowed), through the same callbacks as load: user(),
     * then account() when it has one, then session() for each of its live sessions (each only
     * when the sink has it), all read in one snapshot. Nothing is called for an unknown id,
     * which returns SR_ENOENT. Read-only; call it on a connection with no transaction open (a
     * read-only twin). Returns 0 or SR_E*. */
    int (*load_account)(sr_store *st, int64_t id, const sr_load_sink *sink);
} sr_store_ops;

/* ---- the registry (store.c) ---- */

/* The backend named name ("sqlite"), or NULL when this build has none by that name. The table
 * is static: never freed. */
const sr_store_ops *sr_store_find(const char *name);
/* Writes the names of every backend of this build, comma-separated, into buf (n bytes, always
 * NUL-terminated when n > 0); for messages. Returns buf. */
char *sr_store_known(char *buf, size_t n);
/* Opens a store from a DSN "scheme:rest", the scheme naming a backend ("sqlite:data/x.db"); a
 * DSN with no scheme is a path for sqlite. dsn is borrowed. An unknown scheme is logged with
 * the known ones and returns SR_EINVAL. Returns 0 or SR_E*; on failure *out is NULL. */
int sr_store_open(const char *dsn, sr_store **out);

/* ---- version-2 ops through the registry's helpers: SR_EINVAL on an older backend ---- */

/* The name of kind as stored ("users", "rooms", ...): static, for logs and for backends. */
const char *sr_id_kind_name(sr_id_kind kind);
/* st->ops->reserve_ids, see above. SR_EINVAL also for n < 1 or a bad kind. */
int sr_store_reserve_ids(sr_store *st, sr_id_kind kind, int64_t n, int64_t *first);
/* st->ops->notices_since, see above. */
int sr_store_notices_since(sr_store *st, int64_t after,
                           void (*cb)(void *ud, int64_t id, const char *entity, int64_t key),
                           void *ud);
/* st->ops->notices_last, see above. */
int sr_store_notices_last(sr_store *st, int64_t *id);
/* st->ops->load_account, see above. */
int sr_store_load_account(sr_store *st, int64_t id, const sr_load_sink *sink);

/* The notice entity the admin CLI records for a user it changed (key: the user id). */
#define SR_NOTICE_ACCOUNT "account"

/* The backends of this build (one file each). */
extern const sr_store_ops sr_store_sqlite;

#endif
