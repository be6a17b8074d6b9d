/* store.h - the system of record: an ops table with one backend per database (sqlite now). */
#ifndef SR_STORE_H
#define SR_STORE_H

#include <jansson.h>
#include <stdint.h>

/* An open store. Backends embed this first in their own struct (like sqlite3_file). */
typedef struct sr_store {
    const struct sr_store_ops *ops;
} sr_store;

/* The kinds of write. Fields of sr_write used by each are listed beside it. */
typedef enum sr_write_kind {
    SR_W_NONE = 0,     /* nothing to write: the job only keeps its place in the delta order */
    SR_W_USER,         /* a=id s1=name s2=token hash t=created */
    SR_W_ROOM,         /* a=id s1=name s2=description s3=tags (JSON array) t=created */
    SR_W_ENTRY_ADD,    /* a=id b=room c=track d=user t=added_at */
    SR_W_ENTRY_STATE,  /* a=id s1="played"|"removed" */
    SR_W_VOTE,         /* a=entry b=user v=value (0 deletes the vote) */
    SR_W_CHAT,         /* a=id b=room c=user s1=text t=ts */
    SR_W_PLAY,         /* a=play id b=room c=track d=entry (0: none) e=added by (0: none) t=started
                          v=0 from queue / 1 fallback; also sets the room's now playing */
    SR_W_PLAY_SKIPPED, /* a=play id */
    /* accounts, follows, rooms' owners and roles */
    SR_W_ACCOUNT,        /* a=id s1=username s2=password hash s3=display name t=created */
    SR_W_PASSWORD,       /* a=id s2=password hash */
    SR_W_SESSION,        /* s1=token hash a=user t=expires */
    SR_W_SESSION_REVOKE, /* s1=token hash; or, with s1 NULL, a=user: every session of a except s2 */
    SR_W_PROFILE,        /* a=id s1=display name s2=bio v=hide activity */
    SR_W_USER_FLAGS,     /* a=id v=admin b=disabled */
    SR_W_USER_DELETE,    /* a=id: credentials, sessions, follows, chat lines and playlists go */
    SR_W_FOLLOW,         /* a=follower b=followee v=1 follow / 0 unfollow t=when */
    SR_W_ROOM_SETTINGS,  /* a=room b=owner s1=settings (JSON object) */
    SR_W_ROLE,           /* a=room b=user s1=role v=1 set / 0 clear t=until (0: no end) */
    SR_W_AUDIT,          /* a=id b=room c=actor d=target s1=action s2=detail t=when */
    SR_W_CHAT_DELETE,    /* a=chat message id */
    /* the life of a room (lobby, likes, favourites, listening time) */
    SR_W_FAVORITE,       /* a=user b=room v=1 add / 0 remove t=when */
    SR_W_LIKE,           /* a=user b=track v=1 like / 0 unlike t=when */
    SR_W_PRESENCE_OPEN,  /* a=id b=user c=room t=joined */
    SR_W_PRESENCE_CLOSE, /* a=id t=left */
    SR_W_AVATAR,         /* a=user blob/blob_len=JPEG (NULL deletes the avatar) t=when */
    /* personal playlists */
    SR_W_PLAYLIST,        /* a=id b=user s1=name s2=format s3=entries (JSON array) t=created */
    SR_W_PLAYLIST_DELETE, /* a=id */
    SR_W_ROOM_CLOSE,      /* a=room t=when: closed for good (its history stays for statistics) */
} sr_write_kind;

/* One write. Strings are owned by the write and freed by sr_write_clear(). */
typedef struct sr_write {
    sr_write_kind kind;
    int64_t a, b, c, d, e;
    double t;
    int v;
    char *s1, *s2, *s3;
    unsigned char *blob; /* binary data (avatars), owned like the strings */
    size_t blob_len;
} sr_write;

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
    /* the highest id in use per table, so new ids continue from there */
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
} sr_load_sink;

typedef struct sr_store_ops {
    int version;      /* 1 */
    const char *name; /* "sqlite" */
    /* Opens (creating if needed) and migrates the store at dsn (for sqlite: a file path).
     * On success *out is the store (close it with close). Returns 0 or SR_E*. */
    int (*open)(const char *dsn, sr_store **out);
    void (*close)(sr_store *st);
    int (*begin)(sr_store *st);
    int (*commit)(sr_store *st);
    int (*rollback)(sr_store *st);
    /* Applies one write inside the current transaction. */
    int (*write)(sr_store *st, const sr_write *w);
    /* Inserts or updates a track by (source, ref), keeping its id when it exists; sets
     * *id to the track's id. Marks it available. */
    int (*upsert_track)(sr_store *st, const sr_track_row *t, int64_t *id);
    /* Marks every track of source not seen since scan_started (mtime of the scan pass) as
     * unavailable: tracks with an id not in seen[] (n ids). */
    int (*mark_unavailable)(sr_store *st, const char *source, const int64_t *seen, int n);
    /* Streams the whole state into sink. */
    int (*load)(sr_store *st, const sr_load_sink *sink);
    /* The schema version after migration. */
    int (*schema_version)(sr_store *st);
    /* ---- appended for the library (schema 2) ---- */
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
    /* ---- appended for rooms' statistics ---- */
    /* Answers a statistics query (read-only; use a twin connection off the service thread).
     * kind and params (all integers; "since" and "now" in server ms):
     *   "top_tracks"   room, since, limit, by (0 plays, 1 upvotes) → {"rows":[[track, plays,
     * upvotes]…]} "top_fans"     room, since, now, limit → {"rows":[[user, listening_ms,
     * tracks_played, votes]…]} "history"      room, limit → {"rows":[[track, started_at, added_by,
     * skipped, from_queue, up, down]…]} "user_history" user, now, limit → {"rows":[[track, room,
     * started_at]…]} *out is a new reference. Returns 0 or SR_E* (SR_EINVAL for an unknown kind).
     */
    int (*stats)(sr_store *st, const char *kind, json_t *params, json_t **out);
} sr_store_ops;

/* Opens a store from a DSN such as "sqlite:data/soundroom.db" (a bare path means sqlite).
 * Returns 0 or SR_E*; on failure *out is NULL. */
int sr_store_open(const char *dsn, sr_store **out);

extern const sr_store_ops sr_store_sqlite;

#endif
