/* store_sqlite.c - the embedded store: SQLite in WAL mode with numbered migrations. The SQL is
 * kept portable (ON CONFLICT upserts, no SQLite-only types) so the PostgreSQL backend can share
 * the schema. */
#include "store/store.h"
#include "util/log.h"
#include "util/util.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Numbered migrations: index i brings the schema from version i to i+1. Append only. */
static const char *const migrations[] = {
    "CREATE TABLE users (id BIGINT PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT UNIQUE,"
    " created_at DOUBLE PRECISION NOT NULL);"
    "CREATE TABLE rooms (id BIGINT PRIMARY KEY, name TEXT NOT NULL,"
    " description TEXT NOT NULL DEFAULT '', tags TEXT NOT NULL DEFAULT '[]',"
    " created_at DOUBLE PRECISION NOT NULL, np_track BIGINT, np_entry BIGINT, np_user BIGINT,"
    " np_play BIGINT, np_started_at DOUBLE PRECISION, np_from INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE tracks (id BIGINT PRIMARY KEY, source TEXT NOT NULL, ref TEXT NOT NULL,"
    " title TEXT, artist TEXT, album TEXT, duration_ms BIGINT NOT NULL, has_cover INTEGER NOT NULL,"
    " mtime BIGINT NOT NULL, size BIGINT NOT NULL, available INTEGER NOT NULL DEFAULT 1,"
    " UNIQUE (source, ref));"
    "CREATE TABLE queue_entries (id BIGINT PRIMARY KEY, room_id BIGINT NOT NULL,"
    " track_id BIGINT NOT NULL, user_id BIGINT NOT NULL, added_at DOUBLE PRECISION NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'queued');"
    "CREATE INDEX queue_entries_room ON queue_entries (room_id, state);"
    "CREATE TABLE votes (entry_id BIGINT NOT NULL, user_id BIGINT NOT NULL,"
    " value INTEGER NOT NULL, PRIMARY KEY (entry_id, user_id));"
    "CREATE TABLE chat_messages (id BIGINT PRIMARY KEY, room_id BIGINT NOT NULL,"
    " user_id BIGINT NOT NULL, text TEXT NOT NULL, ts DOUBLE PRECISION NOT NULL);"
    "CREATE INDEX chat_messages_room ON chat_messages (room_id, id);"
    "CREATE TABLE plays (id BIGINT PRIMARY KEY, room_id BIGINT NOT NULL, track_id BIGINT NOT NULL,"
    " entry_id BIGINT, user_id BIGINT, started_at DOUBLE PRECISION NOT NULL,"
    " from_queue INTEGER NOT NULL, skipped INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX plays_room_track ON plays (room_id, track_id);",
    /* accounts, sessions, follows, room ownership, roles and the audit log */
    "ALTER TABLE users ADD COLUMN username TEXT;"
    "ALTER TABLE users ADD COLUMN pw_hash TEXT;"
    "ALTER TABLE users ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE users ADD COLUMN bio TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE users ADD COLUMN hide_activity INTEGER NOT NULL DEFAULT 0;"
    "CREATE UNIQUE INDEX users_username ON users (username);"
    "CREATE TABLE sessions (token_hash TEXT PRIMARY KEY, user_id BIGINT NOT NULL,"
    " expires_at DOUBLE PRECISION NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX sessions_user ON sessions (user_id);"
    "CREATE TABLE follows (follower BIGINT NOT NULL, followee BIGINT NOT NULL,"
    " created_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (follower, followee));"
    "ALTER TABLE rooms ADD COLUMN owner_id BIGINT;"
    "ALTER TABLE rooms ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';"
    "CREATE TABLE room_roles (room_id BIGINT NOT NULL, user_id BIGINT NOT NULL,"
    " role TEXT NOT NULL, until DOUBLE PRECISION NOT NULL DEFAULT 0,"
    " PRIMARY KEY (room_id, user_id, role));"
    "CREATE TABLE audit_log (id BIGINT PRIMARY KEY, room_id BIGINT NOT NULL,"
    " actor_id BIGINT NOT NULL, action TEXT NOT NULL, target_id BIGINT,"
    " detail TEXT NOT NULL DEFAULT '', ts DOUBLE PRECISION NOT NULL);"
    "CREATE INDEX audit_log_room ON audit_log (room_id, id);",
    /* the library: richer tags, a source-agnostic identity, the cover beside the files, and
     * full-text search (FTS5 here; a PostgreSQL backend would use a tsvector column) */
    "ALTER TABLE tracks ADD COLUMN album_artist TEXT;"
    "ALTER TABLE tracks ADD COLUMN genre TEXT;"
    "ALTER TABLE tracks ADD COLUMN track_no INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE tracks ADD COLUMN disc_no INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE tracks ADD COLUMN year INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE tracks ADD COLUMN isrc TEXT;"
    "ALTER TABLE tracks ADD COLUMN mbid TEXT;"
    "ALTER TABLE tracks ADD COLUMN identity TEXT;"
    "ALTER TABLE tracks ADD COLUMN cover_ref TEXT;"
    "CREATE INDEX tracks_identity ON tracks (identity);"
    "CREATE INDEX tracks_size ON tracks (source, size);"
    "CREATE VIRTUAL TABLE tracks_fts USING fts5(title, artist, album, album_artist, genre,"
    " content='tracks', content_rowid='id', tokenize='unicode61 remove_diacritics 2',"
    " prefix='1 2 3');"
    "INSERT INTO tracks_fts (rowid, title, artist, album, album_artist, genre)"
    " SELECT id, title, artist, album, album_artist, genre FROM tracks;"
    "CREATE TRIGGER tracks_fts_ins AFTER INSERT ON tracks BEGIN"
    " INSERT INTO tracks_fts (rowid, title, artist, album, album_artist, genre)"
    " VALUES (new.id, new.title, new.artist, new.album, new.album_artist, new.genre); END;"
    "CREATE TRIGGER tracks_fts_del AFTER DELETE ON tracks BEGIN"
    " INSERT INTO tracks_fts (tracks_fts, rowid, title, artist, album, album_artist, genre)"
    " VALUES ('delete', old.id, old.title, old.artist, old.album, old.album_artist, old.genre);"
    " END;"
    "CREATE TRIGGER tracks_fts_upd AFTER UPDATE OF title, artist, album, album_artist, genre"
    " ON tracks BEGIN"
    " INSERT INTO tracks_fts (tracks_fts, rowid, title, artist, album, album_artist, genre)"
    " VALUES ('delete', old.id, old.title, old.artist, old.album, old.album_artist, old.genre);"
    " INSERT INTO tracks_fts (rowid, title, artist, album, album_artist, genre)"
    " VALUES (new.id, new.title, new.artist, new.album, new.album_artist, new.genre); END;",
    /* the life of a room: favourites, likes (per song identity), listening intervals, and the
     * indexes that keep top tracks, top fans and history off full scans */
    "CREATE TABLE favorites (user_id BIGINT NOT NULL, room_id BIGINT NOT NULL,"
    " created_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (user_id, room_id));"
    "CREATE TABLE likes (user_id BIGINT NOT NULL, track_id BIGINT NOT NULL,"
    " created_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (user_id, track_id));"
    "CREATE TABLE presence_log (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL,"
    " room_id BIGINT NOT NULL, joined_at DOUBLE PRECISION NOT NULL, left_at DOUBLE PRECISION);"
    "CREATE INDEX presence_log_room ON presence_log (room_id, joined_at);"
    "CREATE INDEX presence_log_user ON presence_log (user_id, joined_at);"
    "CREATE INDEX plays_room_time ON plays (room_id, started_at);"
    "CREATE INDEX votes_user ON votes (user_id);",
    /* avatars: the re-encoded JPEG thumbnail, one per account. BYTEA is PostgreSQL's binary
     * type; SQLite stores the blob as given whatever the declared type, so both share it. */
    ("CREATE TABLE avatars (user_id BIGINT PRIMARY KEY, image BYTEA NOT NULL,"
     " updated_at DOUBLE PRECISION NOT NULL);"),
    /* personal playlists (imported M3U/PLS/XSPF): the entries, resolved or not, are one JSON
     * array (text, so PostgreSQL can keep it as jsonb later); a list is read and written
     * whole, never queried inside */
    "CREATE TABLE playlists (id BIGINT PRIMARY KEY, user_id BIGINT NOT NULL, name TEXT NOT NULL,"
    " format TEXT NOT NULL, entries TEXT NOT NULL, created_at DOUBLE PRECISION NOT NULL);"
    "CREATE INDEX playlists_user ON playlists (user_id, id);",
    /* a closed room keeps its row (its plays, likes and fans still count) but is not loaded */
    "ALTER TABLE rooms ADD COLUMN closed_at DOUBLE PRECISION;",
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

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

static const char *const sql_text[Q_COUNT] = {
    [Q_USER] = "INSERT INTO users (id, name, token_hash, created_at) VALUES (?1, ?2, ?3, ?4)"
               " ON CONFLICT (id) DO UPDATE SET name = excluded.name",
    [Q_ROOM] = "INSERT INTO rooms (id, name, description, tags, created_at) VALUES (?1,?2,?3,?4,?5)"
               " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
               " description = excluded.description, tags = excluded.tags",
    [Q_ENTRY_ADD] = "INSERT INTO queue_entries (id, room_id, track_id, user_id, added_at)"
                    " VALUES (?1, ?2, ?3, ?4, ?5)",
    [Q_ENTRY_STATE] = "UPDATE queue_entries SET state = ?2 WHERE id = ?1",
    [Q_VOTE_SET] = "INSERT INTO votes (entry_id, user_id, value) VALUES (?1, ?2, ?3)"
                   " ON CONFLICT (entry_id, user_id) DO UPDATE SET value = excluded.value",
    [Q_VOTE_DEL] = "DELETE FROM votes WHERE entry_id = ?1 AND user_id = ?2",
    [Q_CHAT] = "INSERT INTO chat_messages (id, room_id, user_id, text, ts) VALUES (?1,?2,?3,?4,?5)",
    [Q_PLAY] = "INSERT INTO plays (id, room_id, track_id, entry_id, user_id, started_at,"
               " from_queue) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_ROOM_NP] = "UPDATE rooms SET np_track = ?2, np_entry = ?3, np_user = ?4, np_play = ?5,"
                  " np_started_at = ?6, np_from = ?7 WHERE id = ?1",
    [Q_PLAY_SKIPPED] = "UPDATE plays SET skipped = 1 WHERE id = ?1",
    [Q_TRACK_FIND] = "SELECT id FROM tracks WHERE source = ?1 AND ref = ?2",
    [Q_TRACK_INS] = "INSERT INTO tracks (id, source, ref, title, artist, album, duration_ms,"
                    " has_cover, mtime, size, available, album_artist, genre, track_no, disc_no,"
                    " year, isrc, mbid, identity, cover_ref) VALUES"
                    " ((SELECT COALESCE(MAX(id), 0) + 1 FROM tracks),?1,?2,?3,?4,?5,?6,?7,?8,?9,1,"
                    " ?10,?11,?12,?13,?14,?15,?16,?17,?18)",
    [Q_TRACK_UPD] = "UPDATE tracks SET title = ?2, artist = ?3, album = ?4, duration_ms = ?5,"
                    " has_cover = ?6, mtime = ?7, size = ?8, available = 1, album_artist = ?9,"
                    " genre = ?10, track_no = ?11, disc_no = ?12, year = ?13, isrc = ?14,"
                    " mbid = ?15, identity = ?16, cover_ref = ?17 WHERE id = ?1",
};

typedef struct sqlite_store {
    sr_store base;
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
    sqlite3_stmt *lazy[64]; /* rarely used statements, prepared on first use */
    int version;
} sqlite_store;

static int fail(sqlite_store *s, const char *what)
{
    sr_log(SR_LOG_ERROR, "sqlite error", "op=\"%s\" err=\"%s\"", what, sqlite3_errmsg(s->db));
    return SR_EIO;
}

static int exec(sqlite_store *s, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        sr_log(SR_LOG_ERROR, "sqlite exec failed", "err=\"%s\"", err ? err : "?");
        sqlite3_free(err);
        return SR_EIO;
    }
    return 0;
}

static int migrate(sqlite_store *s)
{
    if (exec(s, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"))
        return SR_EIO;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT MAX(version) FROM schema_version", -1, &st, NULL))
        return fail(s, "schema version");
    int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (v > NMIGRATIONS) {
        sr_log(SR_LOG_ERROR, "store schema is newer than this binary", "have=%d know=%d", v,
               NMIGRATIONS);
        return SR_EINVAL;
    }
    for (; v < NMIGRATIONS; v++) {
        char bump[96];
        snprintf(bump, sizeof bump, "INSERT INTO schema_version (version) VALUES (%d)", v + 1);
        if (exec(s, "BEGIN") || exec(s, migrations[v]) || exec(s, bump) || exec(s, "COMMIT")) {
            exec(s, "ROLLBACK");
            return SR_EIO;
        }
        sr_log(SR_LOG_INFO, "store migrated", "version=%d", v + 1);
    }
    s->version = v;
    return 0;
}

static void sq_close(sr_store *st)
{
    sqlite_store *s = (sqlite_store *)st;
    if (!s) return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    for (int i = 0; i < 64; i++)
        sqlite3_finalize(s->lazy[i]);
    sqlite3_close(s->db);
    free(s);
}

static int sq_open(const char *path, sr_store **out)
{
    *out = NULL;
    sqlite_store *s = sr_xcalloc(1, sizeof *s);
    s->base.ops = &sr_store_sqlite;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)) {
        sr_log(SR_LOG_ERROR, "cannot open store", "path=\"%s\" err=\"%s\"", path,
               s->db ? sqlite3_errmsg(s->db) : "?");
        sq_close(&s->base);
        return SR_EIO;
    }
    sqlite3_busy_timeout(s->db, 5000);
    /* WAL with synchronous=FULL: a COMMIT is on disk when it returns, so an ack sent after it
     * is a promise we can keep across a power cut. Group commit pays the fsync once per batch. */
    if (exec(s, "PRAGMA journal_mode=WAL") || exec(s, "PRAGMA synchronous=FULL") ||
        exec(s, "PRAGMA foreign_keys=OFF") || migrate(s)) {
        sq_close(&s->base);
        return SR_EIO;
    }
    for (int i = 0; i < Q_COUNT; i++)
        if (sqlite3_prepare_v3(s->db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT, &s->q[i], NULL)) {
            fail(s, sql_text[i]);
            sq_close(&s->base);
            return SR_EIO;
        }
    *out = &s->base;
    return 0;
}

static int sq_begin(sr_store *st)
{
    return exec((sqlite_store *)st, "BEGIN IMMEDIATE");
}

static int sq_commit(sr_store *st)
{
    return exec((sqlite_store *)st, "COMMIT");
}

static int sq_rollback(sr_store *st)
{
    return exec((sqlite_store *)st, "ROLLBACK");
}

static void bind_text_or_null(sqlite3_stmt *q, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, i);
}

static void bind_id_or_null(sqlite3_stmt *q, int i, int64_t v)
{
    if (v)
        sqlite3_bind_int64(q, i, v);
    else
        sqlite3_bind_null(q, i);
}

static int run(sqlite_store *s, sqlite3_stmt *q, const char *what)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : fail(s, what);
}

/* Statement slot i, prepared from sql on first use (NULL on error). Two statements given the
 * same slot would run each other's SQL, so a slot that holds other SQL is refused loudly. */
static sqlite3_stmt *lazy(sqlite_store *s, int i, const char *sql)
{
    if (s->lazy[i] && strcmp(sqlite3_sql(s->lazy[i]), sql)) {
        sr_log(SR_LOG_ERROR, "store: statement slot taken twice", "slot=%d sql=\"%s\"", i, sql);
        return NULL;
    }
    if (!s->lazy[i] &&
        sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->lazy[i], NULL)) {
        fail(s, sql);
        return NULL;
    }
    return s->lazy[i];
}

/* Runs a lazily prepared statement with up to six binds: 'i' int64, 'd' double, 't' text (NULL
 * binds NULL), given as a format string and a list of values. */
static int exec_bound(sqlite_store *s, int slot, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *q = lazy(s, slot, sql);
    if (!q) return SR_EIO;
    va_list ap;
    va_start(ap, fmt);
    for (int i = 0; fmt[i]; i++) {
        if (fmt[i] == 'i')
            sqlite3_bind_int64(q, i + 1, va_arg(ap, int64_t));
        else if (fmt[i] == 'd')
            sqlite3_bind_double(q, i + 1, va_arg(ap, double));
        else
            bind_text_or_null(q, i + 1, va_arg(ap, const char *));
    }
    va_end(ap);
    return run(s, q, sql);
}

/* SR_W_AVATAR: the image is a blob, which exec_bound does not bind. */
static int write_avatar(sqlite_store *s, const sr_write *w)
{
    if (!w->blob) return exec_bound(s, 28, "DELETE FROM avatars WHERE user_id = ?1", "i", w->a);
    sqlite3_stmt *q = lazy(s, 29,
                           "INSERT INTO avatars (user_id, image, updated_at) VALUES (?1, ?2, ?3)"
                           " ON CONFLICT (user_id) DO UPDATE SET image = excluded.image,"
                           " updated_at = excluded.updated_at");
    if (!q) return SR_EIO;
    sqlite3_bind_int64(q, 1, w->a);
    sqlite3_bind_blob64(q, 2, w->blob, w->blob_len, SQLITE_STATIC);
    sqlite3_bind_double(q, 3, w->t);
    return run(s, q, "avatar");
}

static int write_account(sqlite_store *s, const sr_write *w)
{
    int rc;
    switch (w->kind) {
    case SR_W_ACCOUNT:
        return exec_bound(s, 0,
                          "INSERT INTO users (id, name, username, pw_hash, created_at)"
                          " VALUES (?1, ?4, ?2, ?3, ?5) ON CONFLICT (id) DO UPDATE SET"
                          " username = excluded.username, pw_hash = excluded.pw_hash,"
                          " name = excluded.name",
                          "itttd", w->a, w->s1, w->s2, w->s3, w->t);
    case SR_W_PASSWORD:
        return exec_bound(s, 1, "UPDATE users SET pw_hash = ?2 WHERE id = ?1", "it", w->a, w->s2);
    case SR_W_SESSION:
        return exec_bound(
            s, 2, "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?1,?2,?3)", "tid",
            w->s1, w->a, w->t);
    case SR_W_SESSION_REVOKE:
        if (w->s1)
            return exec_bound(s, 3, "UPDATE sessions SET revoked = 1 WHERE token_hash = ?1", "t",
                              w->s1);
        return exec_bound(s, 4,
                          "UPDATE sessions SET revoked = 1 WHERE user_id = ?1 AND token_hash <> ?2",
                          "it", w->a, w->s2 ? w->s2 : "");
    case SR_W_PROFILE:
        return exec_bound(s, 5,
                          "UPDATE users SET name = ?2, bio = ?3, hide_activity = ?4 WHERE id = ?1",
                          "itti", w->a, w->s1, w->s2 ? w->s2 : "", (int64_t)w->v);
    case SR_W_USER_FLAGS:
        return exec_bound(s, 6, "UPDATE users SET admin = ?2, disabled = ?3 WHERE id = ?1", "iii",
                          w->a, (int64_t)w->v, w->b);
    case SR_W_USER_DELETE:
        rc = exec_bound(s, 7,
                        "UPDATE users SET username = NULL, pw_hash = NULL, token_hash = NULL,"
                        " name = 'deleted user', bio = '', disabled = 1 WHERE id = ?1",
                        "i", w->a);
        if (!rc) rc = exec_bound(s, 8, "DELETE FROM sessions WHERE user_id = ?1", "i", w->a);
        if (!rc)
            rc = exec_bound(s, 9, "DELETE FROM follows WHERE follower = ?1 OR followee = ?1", "i",
                            w->a);
        if (!rc) rc = exec_bound(s, 10, "DELETE FROM chat_messages WHERE user_id = ?1", "i", w->a);
        if (!rc) rc = exec_bound(s, 11, "DELETE FROM room_roles WHERE user_id = ?1", "i", w->a);
        if (!rc) rc = exec_bound(s, 25, "DELETE FROM likes WHERE user_id = ?1", "i", w->a);
        if (!rc) rc = exec_bound(s, 26, "DELETE FROM favorites WHERE user_id = ?1", "i", w->a);
        if (!rc) rc = exec_bound(s, 27, "DELETE FROM avatars WHERE user_id = ?1", "i", w->a);
        if (!rc) rc = exec_bound(s, 30, "DELETE FROM playlists WHERE user_id = ?1", "i", w->a);
        return rc;
    case SR_W_AVATAR:
        return write_avatar(s, w);
    case SR_W_FOLLOW:
        if (w->v)
            return exec_bound(
                s, 12,
                "INSERT INTO follows (follower, followee, created_at) VALUES (?1,?2,?3)"
                " ON CONFLICT (follower, followee) DO NOTHING",
                "iid", w->a, w->b, w->t);
        return exec_bound(s, 13, "DELETE FROM follows WHERE follower = ?1 AND followee = ?2", "ii",
                          w->a, w->b);
    case SR_W_ROOM_SETTINGS:
        return exec_bound(s, 14, "UPDATE rooms SET owner_id = ?2, settings = ?3 WHERE id = ?1",
                          "iit", w->a, w->b, w->s1 ? w->s1 : "{}");
    case SR_W_ROLE:
        if (w->v)
            return exec_bound(s, 15,
                              "INSERT INTO room_roles (room_id, user_id, role, until) VALUES"
                              " (?1,?2,?3,?4) ON CONFLICT (room_id, user_id, role) DO UPDATE SET"
                              " until = excluded.until",
                              "iitd", w->a, w->b, w->s1, w->t);
        return exec_bound(
            s, 16, "DELETE FROM room_roles WHERE room_id = ?1 AND user_id = ?2 AND role = ?3",
            "iit", w->a, w->b, w->s1);
    case SR_W_AUDIT:
        return exec_bound(
            s, 17,
            "INSERT INTO audit_log (id, room_id, actor_id, action, target_id, detail, ts)"
            " VALUES (?1,?2,?3,?4,?5,?6,?7)",
            "iiitit"
            "d",
            w->a, w->b, w->c, w->s1, w->d, w->s2 ? w->s2 : "", w->t);
    case SR_W_CHAT_DELETE:
        return exec_bound(s, 18, "DELETE FROM chat_messages WHERE id = ?1", "i", w->a);
    case SR_W_FAVORITE:
        if (w->v)
            return exec_bound(
                s, 19,
                "INSERT INTO favorites (user_id, room_id, created_at) VALUES (?1,?2,?3)"
                " ON CONFLICT (user_id, room_id) DO NOTHING",
                "iid", w->a, w->b, w->t);
        return exec_bound(s, 20, "DELETE FROM favorites WHERE user_id = ?1 AND room_id = ?2", "ii",
                          w->a, w->b);
    case SR_W_LIKE:
        if (w->v)
            return exec_bound(s, 21,
                              "INSERT INTO likes (user_id, track_id, created_at) VALUES (?1,?2,?3)"
                              " ON CONFLICT (user_id, track_id) DO NOTHING",
                              "iid", w->a, w->b, w->t);
        return exec_bound(s, 22, "DELETE FROM likes WHERE user_id = ?1 AND track_id = ?2", "ii",
                          w->a, w->b);
    case SR_W_PRESENCE_OPEN:
        return exec_bound(
            s, 23,
            "INSERT INTO presence_log (id, user_id, room_id, joined_at) VALUES (?1,?2,?3,?4)",
            "iiid", w->a, w->b, w->c, w->t);
    case SR_W_PRESENCE_CLOSE:
        return exec_bound(s, 24, "UPDATE presence_log SET left_at = ?2 WHERE id = ?1", "id", w->a,
                          w->t);
    case SR_W_PLAYLIST:
        return exec_bound(s, 31,
                          "INSERT INTO playlists (id, user_id, name, format, entries, created_at)"
                          " VALUES (?1,?2,?3,?4,?5,?6)",
                          "iitttd", w->a, w->b, w->s1, w->s2, w->s3 ? w->s3 : "[]", w->t);
    case SR_W_PLAYLIST_DELETE:
        return exec_bound(s, 32, "DELETE FROM playlists WHERE id = ?1", "i", w->a);
    case SR_W_ROOM_CLOSE:
        return exec_bound(s, 33, "UPDATE rooms SET closed_at = ?2 WHERE id = ?1", "id", w->a, w->t);
    default:
        return SR_EINVAL;
    }
}

static int sq_write(sr_store *st, const sr_write *w)
{
    sqlite_store *s = (sqlite_store *)st;
    sqlite3_stmt *q;
    switch (w->kind) {
    case SR_W_NONE:
        return 0;
    case SR_W_USER:
        q = s->q[Q_USER];
        sqlite3_bind_int64(q, 1, w->a);
        bind_text_or_null(q, 2, w->s1);
        bind_text_or_null(q, 3, w->s2);
        sqlite3_bind_double(q, 4, w->t);
        return run(s, q, "user");
    case SR_W_ROOM:
        q = s->q[Q_ROOM];
        sqlite3_bind_int64(q, 1, w->a);
        bind_text_or_null(q, 2, w->s1);
        sqlite3_bind_text(q, 3, w->s2 ? w->s2 : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(q, 4, w->s3 ? w->s3 : "[]", -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(q, 5, w->t);
        return run(s, q, "room");
    case SR_W_ENTRY_ADD:
        q = s->q[Q_ENTRY_ADD];
        sqlite3_bind_int64(q, 1, w->a);
        sqlite3_bind_int64(q, 2, w->b);
        sqlite3_bind_int64(q, 3, w->c);
        sqlite3_bind_int64(q, 4, w->d);
        sqlite3_bind_double(q, 5, w->t);
        return run(s, q, "entry add");
    case SR_W_ENTRY_STATE:
        q = s->q[Q_ENTRY_STATE];
        sqlite3_bind_int64(q, 1, w->a);
        bind_text_or_null(q, 2, w->s1);
        return run(s, q, "entry state");
    case SR_W_VOTE:
        q = s->q[w->v ? Q_VOTE_SET : Q_VOTE_DEL];
        sqlite3_bind_int64(q, 1, w->a);
        sqlite3_bind_int64(q, 2, w->b);
        if (w->v) sqlite3_bind_int(q, 3, w->v);
        return run(s, q, "vote");
    case SR_W_CHAT:
        q = s->q[Q_CHAT];
        sqlite3_bind_int64(q, 1, w->a);
        sqlite3_bind_int64(q, 2, w->b);
        sqlite3_bind_int64(q, 3, w->c);
        bind_text_or_null(q, 4, w->s1);
        sqlite3_bind_double(q, 5, w->t);
        return run(s, q, "chat");
    case SR_W_PLAY:
        q = s->q[Q_PLAY];
        sqlite3_bind_int64(q, 1, w->a);
        sqlite3_bind_int64(q, 2, w->b);
        sqlite3_bind_int64(q, 3, w->c);
        bind_id_or_null(q, 4, w->d);
        bind_id_or_null(q, 5, w->e);
        sqlite3_bind_double(q, 6, w->t);
        sqlite3_bind_int(q, 7, w->v == 0);
        if (run(s, q, "play")) return SR_EIO;
        q = s->q[Q_ROOM_NP];
        sqlite3_bind_int64(q, 1, w->b);
        sqlite3_bind_int64(q, 2, w->c);
        bind_id_or_null(q, 3, w->d);
        bind_id_or_null(q, 4, w->e);
        sqlite3_bind_int64(q, 5, w->a);
        sqlite3_bind_double(q, 6, w->t);
        sqlite3_bind_int(q, 7, w->v);
        return run(s, q, "now playing");
    case SR_W_PLAY_SKIPPED:
        q = s->q[Q_PLAY_SKIPPED];
        sqlite3_bind_int64(q, 1, w->a);
        return run(s, q, "play skipped");
    default:
        return write_account(s, w);
    }
    return SR_EINVAL;
}

/* Binds the schema-2 track columns from parameter i on: album_artist, genre, track_no,
 * disc_no, year, isrc, mbid, identity, cover_ref. */
static void bind_track_v2(sqlite3_stmt *q, int i, const sr_track_row *t)
{
    bind_text_or_null(q, i, t->album_artist);
    bind_text_or_null(q, i + 1, t->genre);
    sqlite3_bind_int(q, i + 2, t->track_no);
    sqlite3_bind_int(q, i + 3, t->disc_no);
    sqlite3_bind_int(q, i + 4, t->year);
    bind_text_or_null(q, i + 5, t->isrc);
    bind_text_or_null(q, i + 6, t->mbid);
    bind_text_or_null(q, i + 7, t->identity);
    bind_text_or_null(q, i + 8, t->cover_ref);
}

static int sq_upsert_track(sr_store *st, const sr_track_row *t, int64_t *id)
{
    sqlite_store *s = (sqlite_store *)st;
    sqlite3_stmt *q = s->q[Q_TRACK_FIND];
    sqlite3_bind_text(q, 1, t->source, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, t->ref, -1, SQLITE_TRANSIENT);
    int64_t found = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (found) {
        q = s->q[Q_TRACK_UPD];
        sqlite3_bind_int64(q, 1, found);
        bind_text_or_null(q, 2, t->title);
        bind_text_or_null(q, 3, t->artist);
        bind_text_or_null(q, 4, t->album);
        sqlite3_bind_int64(q, 5, t->duration_ms);
        sqlite3_bind_int(q, 6, t->has_cover);
        sqlite3_bind_int64(q, 7, t->mtime);
        sqlite3_bind_int64(q, 8, t->size);
        bind_track_v2(q, 9, t);
        *id = found;
        return run(s, q, "track update");
    }
    q = s->q[Q_TRACK_INS];
    sqlite3_bind_text(q, 1, t->source, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, t->ref, -1, SQLITE_TRANSIENT);
    bind_text_or_null(q, 3, t->title);
    bind_text_or_null(q, 4, t->artist);
    bind_text_or_null(q, 5, t->album);
    sqlite3_bind_int64(q, 6, t->duration_ms);
    sqlite3_bind_int(q, 7, t->has_cover);
    sqlite3_bind_int64(q, 8, t->mtime);
    sqlite3_bind_int64(q, 9, t->size);
    bind_track_v2(q, 10, t);
    if (run(s, q, "track insert")) return SR_EIO;
    return sq_upsert_track(st, t, id);
}

static int sq_mark_unavailable(sr_store *st, const char *source, const int64_t *seen, int n)
{
    sqlite_store *s = (sqlite_store *)st;
    if (exec(s, "CREATE TEMP TABLE IF NOT EXISTS seen_tracks (id BIGINT PRIMARY KEY)") ||
        exec(s, "DELETE FROM seen_tracks"))
        return SR_EIO;
    sqlite3_stmt *ins, *upd;
    if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO seen_tracks (id) VALUES (?1)", -1, &ins,
                           NULL))
        return fail(s, "seen");
    for (int i = 0; i < n; i++) {
        sqlite3_bind_int64(ins, 1, seen[i]);
        sqlite3_step(ins);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE tracks SET available = 0 WHERE source = ?1 AND id NOT IN"
                           " (SELECT id FROM seen_tracks)",
                           -1, &upd, NULL))
        return fail(s, "unavailable");
    sqlite3_bind_text(upd, 1, source, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(upd);
    sqlite3_finalize(upd);
    return rc == SQLITE_DONE ? 0 : fail(s, "unavailable");
}

static const char *col_text(sqlite3_stmt *q, int i)
{
    return (const char *)sqlite3_column_text(q, i);
}

/* Runs sql and calls row(q, ud) for each row. */
static int each_row(sqlite_store *s, const char *sql,
                    void (*row)(sqlite3_stmt *, const sr_load_sink *), const sr_load_sink *sink,
                    int bind_limit)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL)) return fail(s, sql);
    if (bind_limit) sqlite3_bind_int(q, 1, bind_limit);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        row(q, sink);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : fail(s, sql);
}

static void row_user(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->user(k->ud, sqlite3_column_int64(q, 0), col_text(q, 1), col_text(q, 2));
}

static void row_room(sqlite3_stmt *q, const sr_load_sink *k)
{
    sr_room_row r = {
        .id = sqlite3_column_int64(q, 0),
        .name = col_text(q, 1),
        .description = col_text(q, 2),
        .tags = col_text(q, 3),
        .created = sqlite3_column_double(q, 4),
        .np_track = sqlite3_column_int64(q, 5),
        .np_entry = sqlite3_column_int64(q, 6),
        .np_user = sqlite3_column_int64(q, 7),
        .np_play = sqlite3_column_int64(q, 8),
        .np_started_at = sqlite3_column_double(q, 9),
        .np_from = sqlite3_column_int(q, 10),
    };
    k->room(k->ud, &r);
}

static void row_track(sqlite3_stmt *q, const sr_load_sink *k)
{
    sr_track_row t = {
        .id = sqlite3_column_int64(q, 0),
        .source = col_text(q, 1),
        .ref = col_text(q, 2),
        .title = col_text(q, 3),
        .artist = col_text(q, 4),
        .album = col_text(q, 5),
        .duration_ms = sqlite3_column_int64(q, 6),
        .has_cover = sqlite3_column_int(q, 7),
        .mtime = sqlite3_column_int64(q, 8),
        .size = sqlite3_column_int64(q, 9),
        .available = sqlite3_column_int(q, 10),
        .album_artist = col_text(q, 11),
        .genre = col_text(q, 12),
        .track_no = sqlite3_column_int(q, 13),
        .disc_no = sqlite3_column_int(q, 14),
        .year = sqlite3_column_int(q, 15),
        .isrc = col_text(q, 16),
        .mbid = col_text(q, 17),
        .identity = col_text(q, 18),
        .cover_ref = col_text(q, 19),
    };
    k->track(k->ud, &t);
}

static void row_entry(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->entry(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
             sqlite3_column_int64(q, 2), sqlite3_column_int64(q, 3), sqlite3_column_double(q, 4));
}

static void row_vote(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->vote(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
            sqlite3_column_int(q, 2));
}

static void row_chat(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->chat(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
            sqlite3_column_int64(q, 2), col_text(q, 3), sqlite3_column_double(q, 4));
}

static void row_ranked(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->ranked(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
              sqlite3_column_int64(q, 2));
}

static void row_recent(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->recent(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1));
}

static void row_max(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->max_ids(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
               sqlite3_column_int64(q, 2), sqlite3_column_int64(q, 3), sqlite3_column_int64(q, 4));
}

static void row_account(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->account(k->ud, sqlite3_column_int64(q, 0), col_text(q, 1), col_text(q, 2),
               sqlite3_column_int(q, 3), sqlite3_column_int(q, 4), col_text(q, 5),
               sqlite3_column_int(q, 6));
}

static void row_session(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->session(k->ud, col_text(q, 0), sqlite3_column_int64(q, 1), sqlite3_column_double(q, 2));
}

static void row_follow(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->follow(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1));
}

static void row_room_settings(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->room_settings(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1), col_text(q, 2));
}

static void row_role(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->role(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1), col_text(q, 2),
            sqlite3_column_double(q, 3));
}

static void row_max_audit(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->max_audit(k->ud, sqlite3_column_int64(q, 0));
}

static void row_favorite(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->favorite(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1));
}

static void row_like(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->like(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
            sqlite3_column_double(q, 2));
}

static void row_avatar(sqlite3_stmt *q, const sr_load_sink *k)
{
    const void *data = sqlite3_column_blob(q, 1);
    int len = sqlite3_column_bytes(q, 1);
    if (data && len > 0) k->avatar(k->ud, sqlite3_column_int64(q, 0), data, (size_t)len);
}

static void row_visits(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->visits(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
              sqlite3_column_int64(q, 2));
}

static void row_playlist(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->playlist(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1), col_text(q, 2),
                col_text(q, 3), col_text(q, 4), sqlite3_column_double(q, 5));
}

static void row_max_presence(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->max_presence(k->ud, sqlite3_column_int64(q, 0));
}

/* Runs sql with the integer/double params named in binds (from params), appending each row as
 * an array of numbers to rows. */
static int stats_rows(sqlite_store *s, const char *sql, json_t *params, const char *const *binds,
                      int nb, json_t *rows)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL)) return fail(s, sql);
    for (int i = 0; i < nb; i++) {
        json_t *v = json_object_get(params, binds[i]);
        if (json_is_integer(v))
            sqlite3_bind_int64(q, i + 1, json_integer_value(v));
        else
            sqlite3_bind_double(q, i + 1, json_number_value(v));
    }
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        json_t *row = json_array();
        for (int c = 0; c < sqlite3_column_count(q); c++)
            json_array_append_new(row, sqlite3_column_type(q, c) == SQLITE_FLOAT
                                           ? json_real(sqlite3_column_double(q, c))
                                           : json_integer(sqlite3_column_int64(q, c)));
        json_array_append_new(rows, row);
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : fail(s, sql);
}

static int sq_stats(sr_store *st, const char *kind, json_t *params, json_t **out)
{
    sqlite_store *s = (sqlite_store *)st;
    json_t *rows = json_array();
    int rc;
    *out = NULL;
    if (!strcmp(kind, "top_tracks")) {
        static const char *const b[] = {"room", "since", "limit"};
        int by_votes = json_integer_value(json_object_get(params, "by")) == 1;
        char sql[900];
        snprintf(
            sql, sizeof sql,
            "SELECT p.track_id, COUNT(*) AS plays, COALESCE(SUM(v.up), 0) AS upvotes"
            " FROM plays p LEFT JOIN (SELECT entry_id, SUM(CASE WHEN value > 0 THEN 1 ELSE 0 END)"
            " AS up FROM votes GROUP BY entry_id) v ON v.entry_id = p.entry_id"
            " WHERE p.room_id = ?1 AND p.skipped = 0 AND p.started_at >= ?2"
            " GROUP BY p.track_id ORDER BY %s, p.track_id LIMIT ?3",
            by_votes ? "upvotes DESC, plays DESC" : "plays DESC, upvotes DESC");
        rc = stats_rows(s, sql, params, b, 3, rows);
    } else if (!strcmp(kind, "top_fans")) {
        static const char *const b[] = {"room", "since", "now"};
        rc = stats_rows(
            s,
            "SELECT uid, SUM(ms), SUM(tp), SUM(vt) FROM ("
            " SELECT user_id AS uid, SUM(COALESCE(left_at, ?3) - joined_at) AS ms, 0 AS tp,"
            " 0 AS vt FROM presence_log WHERE room_id = ?1 AND joined_at >= ?2 GROUP BY user_id"
            " UNION ALL SELECT user_id, 0, COUNT(*), 0 FROM plays WHERE room_id = ?1"
            " AND user_id IS NOT NULL AND skipped = 0 AND started_at >= ?2 GROUP BY user_id"
            " UNION ALL SELECT v.user_id, 0, 0, COUNT(*) FROM votes v JOIN queue_entries e"
            " ON e.id = v.entry_id WHERE e.room_id = ?1 AND e.added_at >= ?2 GROUP BY v.user_id"
            ") x GROUP BY uid",
            params, b, 3, rows);
    } else if (!strcmp(kind, "history")) {
        static const char *const b[] = {"room", "limit"};
        rc = stats_rows(
            s,
            "SELECT p.track_id, p.started_at, COALESCE(p.user_id, 0), p.skipped,"
            " p.from_queue, COALESCE(SUM(CASE WHEN v.value > 0 THEN 1 ELSE 0 END), 0),"
            " COALESCE(SUM(CASE WHEN v.value < 0 THEN 1 ELSE 0 END), 0)"
            /* the newest plays first (by index), then their votes: never the whole room */
            " FROM (SELECT * FROM plays WHERE room_id = ?1 ORDER BY started_at DESC"
            " LIMIT ?2) p LEFT JOIN votes v ON v.entry_id = p.entry_id"
            " GROUP BY p.id ORDER BY p.started_at DESC, p.id DESC",
            params, b, 2, rows);
    } else if (!strcmp(kind, "user_history")) {
        static const char *const b[] = {"user", "now", "limit"};
        rc =
            stats_rows(s,
                       "SELECT p.track_id, p.room_id, p.started_at FROM presence_log l JOIN plays p"
                       " ON p.room_id = l.room_id AND p.started_at >= l.joined_at"
                       " AND p.started_at < COALESCE(l.left_at, ?2) WHERE l.user_id = ?1"
                       " ORDER BY p.started_at DESC LIMIT ?3",
                       params, b, 3, rows);
    } else {
        json_decref(rows);
        return SR_EINVAL;
    }
    if (rc) {
        json_decref(rows);
        return rc;
    }
    *out = json_pack("{s:o}", "rows", rows);
    return 0;
}

static int sq_load(sr_store *st, const sr_load_sink *k)
{
    sqlite_store *s = (sqlite_store *)st;
    int rc = 0;
    rc |= each_row(s, "SELECT id, name, token_hash FROM users ORDER BY id", row_user, k, 0);
    rc |= each_row(s,
                   "SELECT id, source, ref, title, artist, album, duration_ms, has_cover, mtime,"
                   " size, available, album_artist, genre, track_no, disc_no, year, isrc, mbid,"
                   " identity, cover_ref FROM tracks ORDER BY id",
                   row_track, k, 0);
    rc |= each_row(
        s,
        "SELECT id, name, description, tags, created_at, COALESCE(np_track, 0),"
        " COALESCE(np_entry, 0), COALESCE(np_user, 0), COALESCE(np_play, 0),"
        " COALESCE(np_started_at, 0), np_from FROM rooms WHERE closed_at IS NULL ORDER BY id",
        row_room, k, 0);
    rc |= each_row(s,
                   "SELECT id, room_id, track_id, user_id, added_at FROM queue_entries"
                   " WHERE state = 'queued' ORDER BY id",
                   row_entry, k, 0);
    rc |= each_row(s,
                   "SELECT v.entry_id, v.user_id, v.value FROM votes v JOIN queue_entries e"
                   " ON e.id = v.entry_id WHERE e.state = 'queued'",
                   row_vote, k, 0);
    rc |= each_row(s,
                   "SELECT id, room_id, user_id, text, ts FROM (SELECT c.*, ROW_NUMBER() OVER"
                   " (PARTITION BY room_id ORDER BY id DESC) AS rn FROM chat_messages c) x"
                   " WHERE rn <= ?1 ORDER BY room_id, id",
                   row_chat, k, k->chat_limit > 0 ? k->chat_limit : 50);
    rc |= each_row(s,
                   "SELECT room_id, track_id, n FROM (SELECT room_id, track_id, COUNT(*) AS n,"
                   " ROW_NUMBER() OVER (PARTITION BY room_id ORDER BY COUNT(*) DESC,"
                   " MAX(id) DESC) AS rn FROM plays WHERE skipped = 0 GROUP BY room_id, track_id) x"
                   " WHERE rn <= 50 ORDER BY room_id, n DESC",
                   row_ranked, k, 0);
    rc |= each_row(s,
                   "SELECT room_id, track_id FROM (SELECT room_id, track_id, id, ROW_NUMBER() OVER"
                   " (PARTITION BY room_id ORDER BY id DESC) AS rn FROM plays) x WHERE rn <= 10"
                   " ORDER BY room_id, id DESC",
                   row_recent, k, 0);
    rc |= each_row(s,
                   "SELECT (SELECT COALESCE(MAX(id),0) FROM users),"
                   " (SELECT COALESCE(MAX(id),0) FROM rooms),"
                   " (SELECT COALESCE(MAX(id),0) FROM queue_entries),"
                   " (SELECT COALESCE(MAX(id),0) FROM chat_messages),"
                   " (SELECT COALESCE(MAX(id),0) FROM plays)",
                   row_max, k, 0);
    if (k->account)
        rc |=
            each_row(s,
                     "SELECT id, username, pw_hash, admin, disabled, bio, hide_activity FROM users"
                     " WHERE username IS NOT NULL OR admin <> 0 OR disabled <> 0 OR bio <> ''"
                     " OR hide_activity <> 0 ORDER BY id",
                     row_account, k, 0);
    if (k->session)
        rc |= each_row(s, "SELECT token_hash, user_id, expires_at FROM sessions WHERE revoked = 0",
                       row_session, k, 0); /* the hub drops expired ones */
    if (k->follow) rc |= each_row(s, "SELECT follower, followee FROM follows", row_follow, k, 0);
    if (k->room_settings)
        rc |= each_row(s, "SELECT id, COALESCE(owner_id, 0), settings FROM rooms ORDER BY id",
                       row_room_settings, k, 0);
    if (k->role)
        rc |= each_row(s, "SELECT room_id, user_id, role, until FROM room_roles", row_role, k, 0);
    if (k->max_audit)
        rc |= each_row(s, "SELECT COALESCE(MAX(id), 0) FROM audit_log", row_max_audit, k, 0);
    if (k->favorite)
        rc |= each_row(s, "SELECT user_id, room_id FROM favorites", row_favorite, k, 0);
    if (k->like)
        rc |= each_row(s, "SELECT user_id, track_id, created_at FROM likes ORDER BY created_at",
                       row_like, k, 0);
    if (k->avatar) rc |= each_row(s, "SELECT user_id, image FROM avatars", row_avatar, k, 0);
    if (k->visits)
        rc |= each_row(
            s, "SELECT user_id, room_id, COUNT(*) FROM presence_log GROUP BY user_id, room_id",
            row_visits, k, 0);
    if (k->max_presence) {
        /* intervals left open by a crash end where they began: their time is unknown */
        exec(s, "UPDATE presence_log SET left_at = joined_at WHERE left_at IS NULL");
        rc |= each_row(s, "SELECT COALESCE(MAX(id), 0) FROM presence_log", row_max_presence, k, 0);
    }
    if (k->playlist)
        rc |= each_row(s,
                       "SELECT id, user_id, name, format, entries, created_at FROM playlists"
                       " ORDER BY id",
                       row_playlist, k, 0);
    return rc ? SR_EIO : 0;
}

static int sq_schema_version(sr_store *st)
{
    return ((sqlite_store *)st)->version;
}

/* ---- the library's queries (schema 2) ---- */

static int sq_open_twin(sr_store *st, int readonly, sr_store **out)
{
    sqlite_store *s = (sqlite_store *)st;
    const char *path = sqlite3_db_filename(s->db, "main");
    *out = NULL;
    if (!path || !*path) return SR_EINVAL;
    if (!readonly) return sq_open(path, out);
    sqlite_store *r = sr_xcalloc(1, sizeof *r);
    r->base.ops = &sr_store_sqlite;
    r->version = s->version;
    if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY, NULL)) {
        sr_log(SR_LOG_ERROR, "cannot open store read-only", "path=\"%s\"", path);
        sq_close(&r->base);
        return SR_EIO;
    }
    sqlite3_busy_timeout(r->db, 5000);
    *out = &r->base;
    return 0;
}

static int sq_tracks_known(sr_store *st, const char *source,
                           void (*row)(void *ud, int64_t id, const char *ref, int64_t mtime,
                                       int64_t size, int available),
                           void *ud)
{
    sqlite_store *s = (sqlite_store *)st;
    sqlite3_stmt *q;
    int rc;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, ref, mtime, size, available FROM tracks WHERE source = ?1",
                           -1, &q, NULL))
        return fail(s, "tracks known");
    sqlite3_bind_text(q, 1, source, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        row(ud, sqlite3_column_int64(q, 0), col_text(q, 1), sqlite3_column_int64(q, 2),
            sqlite3_column_int64(q, 3), sqlite3_column_int(q, 4));
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : fail(s, "tracks known");
}

static int sq_track_find_moved(sr_store *st, const sr_track_row *t,
                               int (*keep)(void *ud, int64_t id, const char *ref), void *ud,
                               int64_t *id)
{
    sqlite_store *s = (sqlite_store *)st;
    sqlite3_stmt *q;
    int rc;
    *id = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, ref FROM tracks WHERE source = ?1 AND size = ?2 AND"
                           " duration_ms = ?3 AND (identity = ?4 OR (identity IS NULL AND ?4 IS"
                           " NULL)) AND ref <> ?5 ORDER BY id",
                           -1, &q, NULL))
        return fail(s, "find moved");
    sqlite3_bind_text(q, 1, t->source, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, t->size);
    sqlite3_bind_int64(q, 3, t->duration_ms);
    bind_text_or_null(q, 4, t->identity);
    sqlite3_bind_text(q, 5, t->ref, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (keep(ud, sqlite3_column_int64(q, 0), col_text(q, 1))) {
            *id = sqlite3_column_int64(q, 0);
            rc = SQLITE_DONE;
            break;
        }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : fail(s, "find moved");
}

static int sq_track_move(sr_store *st, int64_t id, const char *ref)
{
    sqlite_store *s = (sqlite_store *)st;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "UPDATE tracks SET ref = ?2 WHERE id = ?1", -1, &q, NULL))
        return fail(s, "track move");
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_text(q, 2, ref, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : fail(s, "track move");
}

/* Appends the filters of q as " AND ..." with parameters from ?10 on (see bind_filters). */
static void filter_sql(char *sql, size_t n, const sr_track_query *q, const char *t)
{
    size_t l = strlen(sql);
    if (q->artist)
        l += (size_t)snprintf(sql + l, n - l,
                              " AND (%s.artist = ?10 COLLATE NOCASE OR %s.album_artist = ?10"
                              " COLLATE NOCASE)",
                              t, t);
    if (q->album && l < n)
        l += (size_t)snprintf(sql + l, n - l, " AND %s.album = ?11 COLLATE NOCASE", t);
    if (q->genre && l < n)
        l += (size_t)snprintf(sql + l, n - l, " AND %s.genre = ?12 COLLATE NOCASE", t);
    if (q->year && l < n) snprintf(sql + l, n - l, " AND %s.year = ?13", t);
}

static void bind_filters(sqlite3_stmt *st, const sr_track_query *q)
{
    if (q->artist) sqlite3_bind_text(st, 10, q->artist, -1, SQLITE_TRANSIENT);
    if (q->album) sqlite3_bind_text(st, 11, q->album, -1, SQLITE_TRANSIENT);
    if (q->genre) sqlite3_bind_text(st, 12, q->genre, -1, SQLITE_TRANSIENT);
    if (q->year) sqlite3_bind_int(st, 13, q->year);
}

/* The FTS5 query for free text: each word (letters and digits, UTF-8 kept) as a quoted
 * prefix, all required. Returns a malloc'd string, or NULL when there is no word. */
static char *fts_query(const char *text)
{
    size_t n = strlen(text), o = 0;
    char *out = sr_xmalloc(2 * n + 8);
    int in = 0, words = 0;
    for (const unsigned char *p = (const unsigned char *)text;; p++) {
        int word = *p && (*p >= 0x80 || (*p >= '0' && *p <= '9') ||
                          ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'));
        if (word && !in) {
            if (words++) out[o++] = ' ';
            out[o++] = '"';
            in = 1;
        } else if (!word && in) {
            out[o++] = '"';
            out[o++] = '*';
            in = 0;
        }
        if (!*p) break;
        if (word) out[o++] = (char)*p;
    }
    out[o] = '\0';
    if (!words) {
        free(out);
        return NULL;
    }
    return out;
}

static int sq_track_search(sr_store *st, const sr_track_query *q, void (*row)(void *ud, int64_t id),
                           void *ud)
{
    sqlite_store *s = (sqlite_store *)st;
    char sql[1024];
    char *match = q->text ? fts_query(q->text) : NULL;
    sqlite3_stmt *stmt;
    int rc;
    if (q->text && !match) return 0; /* only punctuation: nothing can match */
    if (match)
        snprintf(sql, sizeof sql,
                 "SELECT t.id FROM tracks_fts f JOIN tracks t ON t.id = f.rowid"
                 " WHERE tracks_fts MATCH ?1 AND t.available = 1");
    else
        snprintf(sql, sizeof sql, "SELECT t.id FROM tracks t WHERE t.available = 1");
    filter_sql(sql, sizeof sql, q, "t");
    size_t l = strlen(sql);
    snprintf(sql + l, sizeof sql - l, "%s LIMIT ?2",
             match ? " ORDER BY f.rank"
                   : " ORDER BY COALESCE(t.album_artist, t.artist) COLLATE NOCASE, t.album"
                     " COLLATE NOCASE, t.disc_no, t.track_no, t.title COLLATE NOCASE, t.id");
    if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL)) {
        free(match);
        return fail(s, "track search");
    }
    if (match) sqlite3_bind_text(stmt, 1, match, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(stmt, 2, q->limit > 0 ? q->limit : 50);
    bind_filters(stmt, q);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        row(ud, sqlite3_column_int64(stmt, 0));
    sqlite3_finalize(stmt);
    free(match);
    return rc == SQLITE_DONE ? 0 : fail(s, "track search");
}

static int sq_track_browse(sr_store *st, const char *kind, const sr_track_query *q,
                           void (*row)(void *ud, const sr_browse_row *r), void *ud)
{
    sqlite_store *s = (sqlite_store *)st;
    const char *head, *tail;
    char sql[1024];
    sqlite3_stmt *stmt;
    int rc, k;
    if (!strcmp(kind, "artists")) {
        k = 0;
        head = "SELECT t.artist, NULL, 0, COUNT(*), COUNT(DISTINCT t.album), 0 FROM tracks t"
               " WHERE t.available = 1 AND t.artist IS NOT NULL";
        tail = " GROUP BY t.artist COLLATE NOCASE ORDER BY t.artist COLLATE NOCASE";
    } else if (!strcmp(kind, "albums")) {
        k = 1;
        head = "SELECT t.album, COALESCE(t.album_artist, t.artist), MAX(t.year), COUNT(*), 1,"
               " COALESCE(MIN(CASE WHEN t.has_cover THEN t.id END), 0) FROM tracks t"
               " WHERE t.available = 1 AND t.album IS NOT NULL";
        tail = " GROUP BY t.album COLLATE NOCASE, COALESCE(t.album_artist, t.artist) COLLATE"
               " NOCASE ORDER BY t.album COLLATE NOCASE, 2 COLLATE NOCASE";
    } else if (!strcmp(kind, "genres")) {
        k = 2;
        head = "SELECT t.genre, NULL, 0, COUNT(*), COUNT(DISTINCT t.album), 0 FROM tracks t"
               " WHERE t.available = 1 AND t.genre IS NOT NULL";
        tail = " GROUP BY t.genre COLLATE NOCASE ORDER BY t.genre COLLATE NOCASE";
    } else if (!strcmp(kind, "years")) {
        k = 3;
        head = "SELECT NULL, NULL, t.year, COUNT(*), COUNT(DISTINCT t.album), 0 FROM tracks t"
               " WHERE t.available = 1 AND t.year > 0";
        tail = " GROUP BY t.year ORDER BY t.year";
    } else {
        return SR_EINVAL;
    }
    (void)k;
    snprintf(sql, sizeof sql, "%s", head);
    filter_sql(sql, sizeof sql, q, "t");
    size_t l = strlen(sql);
    snprintf(sql + l, sizeof sql - l, "%s", tail);
    if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL)) return fail(s, "track browse");
    bind_filters(stmt, q);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        sr_browse_row r = {
            .name = col_text(stmt, 0),
            .artist = col_text(stmt, 1),
            .year = sqlite3_column_int(stmt, 2),
            .tracks = sqlite3_column_int64(stmt, 3),
            .albums = sqlite3_column_int64(stmt, 4),
            .cover_track = sqlite3_column_int64(stmt, 5),
        };
        row(ud, &r);
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? 0 : fail(s, "track browse");
}

const sr_store_ops sr_store_sqlite = {
    .version = 1,
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .write = sq_write,
    .upsert_track = sq_upsert_track,
    .mark_unavailable = sq_mark_unavailable,
    .load = sq_load,
    .schema_version = sq_schema_version,
    .stats = sq_stats,
    .open_twin = sq_open_twin,
    .tracks_known = sq_tracks_known,
    .track_find_moved = sq_track_find_moved,
    .track_move = sq_track_move,
    .track_search = sq_track_search,
    .track_browse = sq_track_browse,
};

void sr_write_clear(sr_write *w)
{
    free(w->s1);
    free(w->s2);
    free(w->s3);
    free(w->blob);
    memset(w, 0, sizeof *w);
}

int sr_store_open(const char *dsn, sr_store **out)
{
    *out = NULL;
    if (!strncmp(dsn, "sqlite:", 7)) return sr_store_sqlite.open(dsn + 7, out);
    if (strstr(dsn, "://")) {
        sr_log(SR_LOG_ERROR, "unknown store backend", "dsn=\"%s\"", dsn);
        return SR_EINVAL;
    }
    return sr_store_sqlite.open(dsn, out);
}
