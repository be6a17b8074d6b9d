/* store_sqlite.c - the embedded store: SQLite in WAL mode with numbered migrations; this file
 * opens, migrates and closes connections, runs transactions and reserves ids. The other ops
 * live in store_sqlite_{write,load,library,stats}.c. */
#include "store/store_sqlite_int.h"
#include "util/log.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    /* several processes on one file: ids are reserved in blocks from one row per kind (each
     * seeded past the highest id in use), and what a CLI changes is noted for running servers
     * to reload. notices.id is SQLite's rowid (PostgreSQL: BIGINT GENERATED ... AS IDENTITY). */
    "CREATE TABLE id_seq (kind TEXT PRIMARY KEY, next BIGINT NOT NULL);"
    "INSERT INTO id_seq (kind, next) SELECT 'users', COALESCE(MAX(id), 0) + 1 FROM users;"
    "INSERT INTO id_seq (kind, next) SELECT 'rooms', COALESCE(MAX(id), 0) + 1 FROM rooms;"
    "INSERT INTO id_seq (kind, next) SELECT 'entries', COALESCE(MAX(id), 0) + 1"
    " FROM queue_entries;"
    "INSERT INTO id_seq (kind, next) SELECT 'chat', COALESCE(MAX(id), 0) + 1 FROM chat_messages;"
    "INSERT INTO id_seq (kind, next) SELECT 'plays', COALESCE(MAX(id), 0) + 1 FROM plays;"
    "INSERT INTO id_seq (kind, next) SELECT 'audit', COALESCE(MAX(id), 0) + 1 FROM audit_log;"
    "INSERT INTO id_seq (kind, next) SELECT 'presence', COALESCE(MAX(id), 0) + 1"
    " FROM presence_log;"
    "INSERT INTO id_seq (kind, next) SELECT 'playlists', COALESCE(MAX(id), 0) + 1 FROM playlists;"
    "INSERT INTO id_seq (kind, next) SELECT 'tracks', COALESCE(MAX(id), 0) + 1 FROM tracks;"
    "CREATE TABLE notices (id INTEGER PRIMARY KEY, entity TEXT NOT NULL, key BIGINT NOT NULL,"
    " at DOUBLE PRECISION NOT NULL);",
    /* retried writes: each person's last client write ids and the first answer to each, one
     * row per slot of a fixed ring, written in the transaction of the write it answers */
    "CREATE TABLE replies (user_id BIGINT NOT NULL, slot INTEGER NOT NULL, cid TEXT NOT NULL,"
    " answer TEXT NOT NULL, at DOUBLE PRECISION NOT NULL, PRIMARY KEY (user_id, slot));",
};
#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

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
                    " (?19,?1,?2,?3,?4,?5,?6,?7,?8,?9,1,?10,?11,?12,?13,?14,?15,?16,?17,?18)",
    [Q_TRACK_UPD] = "UPDATE tracks SET title = ?2, artist = ?3, album = ?4, duration_ms = ?5,"
                    " has_cover = ?6, mtime = ?7, size = ?8, available = 1, album_artist = ?9,"
                    " genre = ?10, track_no = ?11, disc_no = ?12, year = ?13, isrc = ?14,"
                    " mbid = ?15, identity = ?16, cover_ref = ?17 WHERE id = ?1",
};

static int migrate(sqlite_store *s)
{
    if (sr_sq_exec(s, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"))
        return SR_EIO;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, "SELECT MAX(version) FROM schema_version", -1, &st, NULL))
        return sr_sq_fail(s, "schema version");
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
        if (sr_sq_exec(s, "BEGIN") || sr_sq_exec(s, migrations[v]) || sr_sq_exec(s, bump) ||
            sr_sq_exec(s, "COMMIT")) {
            sr_sq_exec(s, "ROLLBACK");
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
    for (int i = 0; i < L_COUNT; i++)
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
    if (sr_sq_exec(s, "PRAGMA journal_mode=WAL") || sr_sq_exec(s, "PRAGMA synchronous=FULL") ||
        sr_sq_exec(s, "PRAGMA foreign_keys=OFF") || migrate(s)) {
        sq_close(&s->base);
        return SR_EIO;
    }
    for (int i = 0; i < Q_COUNT; i++)
        if (sqlite3_prepare_v3(s->db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT, &s->q[i], NULL)) {
            sr_sq_fail(s, sql_text[i]);
            sq_close(&s->base);
            return SR_EIO;
        }
    *out = &s->base;
    return 0;
}

static int sq_begin(sr_store *st)
{
    return sr_sq_exec((sqlite_store *)st, "BEGIN IMMEDIATE");
}

static int sq_commit(sr_store *st)
{
    return sr_sq_exec((sqlite_store *)st, "COMMIT");
}

static int sq_rollback(sr_store *st)
{
    sqlite_store *s = (sqlite_store *)st;
    /* after SQLITE_FULL or an I/O error SQLite may have rolled back already */
    if (sqlite3_get_autocommit(s->db)) return 0;
    return sr_sq_exec(s, "ROLLBACK");
}

/* ---- ids and notices (ops version 2) ---- */

static int sq_reserve_ids(sr_store *st, sr_id_kind kind, int64_t n, int64_t *first)
{
    sqlite_store *s = (sqlite_store *)st;
    int64_t v = 0;
    if ((unsigned)kind >= SR_ID_KINDS || n < 1) return SR_EINVAL;
    /* BEGIN IMMEDIATE takes the write lock at once, waiting (busy_timeout) for a process that
     * holds it, so the block is ours however many processes ask together. */
    int rc = sr_sq_exec(s, "BEGIN IMMEDIATE");
    if (!rc) rc = sr_sq_take_id(s, kind, n, &v);
    if (!rc) rc = sr_sq_exec(s, "COMMIT");
    if (rc) {
        if (!sqlite3_get_autocommit(s->db)) sr_sq_exec(s, "ROLLBACK");
        return rc;
    }
    *first = v;
    return 0;
}

static int sq_notices_since(sr_store *st, int64_t after,
                            void (*cb)(void *ud, int64_t id, const char *entity, int64_t key),
                            void *ud)
{
    sqlite_store *s = (sqlite_store *)st;
    sqlite3_stmt *q = sr_sq_lazy(s, L_NOTICES_SINCE,
                                 "SELECT id, entity, key FROM notices WHERE id > ?1 ORDER BY id");
    if (!q) return SR_EIO;
    sqlite3_bind_int64(q, 1, after);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        cb(ud, sqlite3_column_int64(q, 0), sr_sq_text(q, 1), sqlite3_column_int64(q, 2));
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc == SQLITE_DONE ? 0 : sr_sq_fail(s, "notices since");
}

static int sq_notices_last(sr_store *st, int64_t *id)
{
    sqlite_store *s = (sqlite_store *)st;
    sqlite3_stmt *q = sr_sq_lazy(s, L_NOTICES_LAST, "SELECT COALESCE(MAX(id), 0) FROM notices");
    if (!q) return SR_EIO;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) *id = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return rc == SQLITE_ROW ? 0 : sr_sq_fail(s, "notices last");
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

const sr_store_ops sr_store_sqlite = {
    .version = 2,
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .write = sr_sq_write,
    .upsert_track = sr_sq_upsert_track,
    .mark_unavailable = sr_sq_mark_unavailable,
    .load = sr_sq_load,
    .schema_version = sq_schema_version,
    .open_twin = sq_open_twin,
    .tracks_known = sr_sq_tracks_known,
    .track_find_moved = sr_sq_track_find_moved,
    .track_move = sr_sq_track_move,
    .track_search = sr_sq_track_search,
    .track_browse = sr_sq_track_browse,
    .stats = sr_sq_stats,
    .reserve_ids = sq_reserve_ids,
    .notices_since = sq_notices_since,
    .notices_last = sq_notices_last,
    .load_account = sr_sq_load_account,
};
