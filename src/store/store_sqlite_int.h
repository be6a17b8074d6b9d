/* store_sqlite_int.h - private to the SQLite backend: its connection struct and the helpers its
 * files share. Nothing outside src/store/store_sqlite*.c includes this. */
#ifndef SR_STORE_SQLITE_INT_H
#define SR_STORE_SQLITE_INT_H

#include "store/store.h"

#include <sqlite3.h>

/* Statements prepared when a writable connection opens (store_sqlite.c holds their SQL). */
enum {
    Q_USER,
    Q_ROOM,
    Q_ENTRY_ADD,
    Q_ENTRY_STATE,
    Q_VOTE_SET,
    Q_VOTE_DEL,
    Q_CHAT,
    Q_PLAY,
    Q_ROOM_NP,
    Q_PLAY_SKIPPED,
    Q_TRACK_FIND,
    Q_TRACK_INS,
    Q_TRACK_UPD,
    Q_COUNT
};

/* Slots of the statements prepared on first use (sr_sq_lazy). One slot, one SQL text: each is
 * named here so that two files cannot take the same number. */
enum {
    L_ACCOUNT,
    L_PASSWORD,
    L_SESSION,
    L_SESSION_REVOKE,
    L_SESSION_REVOKE_OTHERS,
    L_PROFILE,
    L_USER_FLAGS,
    L_USER_DELETE,
    L_USER_DELETE_SESSIONS,
    L_USER_DELETE_FOLLOWS,
    L_USER_DELETE_CHAT,
    L_USER_DELETE_ROLES,
    L_USER_DELETE_LIKES,
    L_USER_DELETE_FAVORITES,
    L_USER_DELETE_AVATAR,
    L_USER_DELETE_PLAYLISTS,
    L_USER_DELETE_REPLIES,
    L_REPLY,
    L_FOLLOW,
    L_UNFOLLOW,
    L_ROOM_SETTINGS,
    L_ROLE_SET,
    L_ROLE_CLEAR,
    L_AUDIT,
    L_CHAT_DELETE,
    L_FAVORITE,
    L_UNFAVORITE,
    L_LIKE,
    L_UNLIKE,
    L_PRESENCE_OPEN,
    L_PRESENCE_CLOSE,
    L_AVATAR_DELETE,
    L_AVATAR_SET,
    L_PLAYLIST,
    L_PLAYLIST_DELETE,
    L_ROOM_CLOSE,
    L_NOTICE,
    L_NOTICES_SINCE,
    L_NOTICES_LAST,
    L_LOAD_USER,
    L_LOAD_ACCOUNT,
    L_LOAD_SESSIONS,
    L_RESERVE, /* one slot per id kind from here on */
    L_COUNT = L_RESERVE + SR_ID_KINDS
};

/* One connection. The ops table comes first, as sqlite3_file's methods do. */
typedef struct sqlite_store {
    sr_store base;
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];    /* NULL on a read-only twin */
    sqlite3_stmt *lazy[L_COUNT]; /* prepared on first use */
    int version;                 /* schema version after migration */
} sqlite_store;

/* ---- helpers (store_sqlite.c) ---- */

/* Logs sqlite's last error on s for what; returns SR_EUNAVAIL when the disk refused (full or
 * failing; logged at debug level only), else SR_EIO. */
int sr_sq_fail(sqlite_store *s, const char *what);
/* Runs sql (no parameters, no rows wanted). Returns 0, SR_EUNAVAIL or SR_EIO (as sr_sq_fail). */
int sr_sq_exec(sqlite_store *s, const char *sql);
/* Steps q once, then resets it and clears its bindings. Returns 0 or the error of sr_sq_fail
 * (logged as what). */
int sr_sq_run(sqlite_store *s, sqlite3_stmt *q, const char *what);
/* The statement in slot i, prepared from sql on first use; owned by s (NULL on error, logged).
 * A slot that already holds other SQL is refused. */
sqlite3_stmt *sr_sq_lazy(sqlite_store *s, int slot, const char *sql);
/* Runs the statement of slot with binds given by fmt ('i' int64_t, 'd' double, 't' const char *,
 * NULL binding NULL), one argument each. Strings are copied by SQLite. Returns 0 or SR_EIO. */
int sr_sq_exec_bound(sqlite_store *s, int slot, const char *sql, const char *fmt, ...);
/* Binds s (copied), or NULL when s is NULL. */
void sr_sq_bind_text(sqlite3_stmt *q, int i, const char *s);
/* Binds v, or NULL when v is 0 (an optional reference). */
void sr_sq_bind_id(sqlite3_stmt *q, int i, int64_t v);
/* Column i of the current row as text, valid until the next step, reset or finalize. */
const char *sr_sq_text(sqlite3_stmt *q, int i);
/* The next id of kind from the id_seq table, inside the caller's transaction (no BEGIN), for
 * ids the store gives out itself (tracks). Returns 0 or SR_EIO. */
int sr_sq_take_id(sqlite_store *s, sr_id_kind kind, int64_t n, int64_t *first);

/* ---- ops, one file each group ---- */

/* store_sqlite_write.c */
int sr_sq_write(sr_store *st, const sr_write *w);
/* store_sqlite_library.c: the ops of the same names in store.h (sr_store_ops), with the same
 * contracts on ownership (everything passed in borrowed for the call; rows handed to callbacks
 * valid only during the callback). */
int sr_sq_upsert_track(sr_store *st, const sr_track_row *t, int64_t *id);
int sr_sq_mark_unavailable(sr_store *st, const char *source, const int64_t *seen, int n);
int sr_sq_tracks_known(sr_store *st, const char *source,
                       void (*row)(void *ud, int64_t id, const char *ref, int64_t mtime,
                                   int64_t size, int available),
                       void *ud);
int sr_sq_track_find_moved(sr_store *st, const sr_track_row *t,
                           int (*keep)(void *ud, int64_t id, const char *ref), void *ud,
                           int64_t *id);
int sr_sq_track_move(sr_store *st, int64_t id, const char *ref);
int sr_sq_track_search(sr_store *st, const sr_track_query *q, void (*row)(void *ud, int64_t id),
                       void *ud);
int sr_sq_track_browse(sr_store *st, const char *kind, const sr_track_query *q,
                       void (*row)(void *ud, const sr_browse_row *r), void *ud);
/* store_sqlite_load.c: load and load_account of sr_store_ops (same contracts). */
int sr_sq_load(sr_store *st, const sr_load_sink *sink);
int sr_sq_load_account(sr_store *st, int64_t id, const sr_load_sink *sink);
/* store_sqlite_stats.c */
int sr_sq_stats(sr_store *st, const char *kind, json_t *params, json_t **out);

#endif
