/* store_sqlite_load.c - the SQLite backend's reads at start-up: the whole state streamed into
 * a load sink, and one account again when another process changed it. */
#include "store/store_sqlite_int.h"
#include "util/util.h"

/* Runs sql and calls row(q, ud) for each row. */
static int each_row(sqlite_store *s, const char *sql,
                    void (*row)(sqlite3_stmt *, const sr_load_sink *), const sr_load_sink *sink,
                    int bind_limit)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL)) return sr_sq_fail(s, sql);
    if (bind_limit) sqlite3_bind_int(q, 1, bind_limit);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        row(q, sink);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : sr_sq_fail(s, sql);
}

static void row_user(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->user(k->ud, sqlite3_column_int64(q, 0), sr_sq_text(q, 1), sr_sq_text(q, 2));
}

static void row_room(sqlite3_stmt *q, const sr_load_sink *k)
{
    sr_room_row r = {
        .id = sqlite3_column_int64(q, 0),
        .name = sr_sq_text(q, 1),
        .description = sr_sq_text(q, 2),
        .tags = sr_sq_text(q, 3),
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
        .source = sr_sq_text(q, 1),
        .ref = sr_sq_text(q, 2),
        .title = sr_sq_text(q, 3),
        .artist = sr_sq_text(q, 4),
        .album = sr_sq_text(q, 5),
        .duration_ms = sqlite3_column_int64(q, 6),
        .has_cover = sqlite3_column_int(q, 7),
        .mtime = sqlite3_column_int64(q, 8),
        .size = sqlite3_column_int64(q, 9),
        .available = sqlite3_column_int(q, 10),
        .album_artist = sr_sq_text(q, 11),
        .genre = sr_sq_text(q, 12),
        .track_no = sqlite3_column_int(q, 13),
        .disc_no = sqlite3_column_int(q, 14),
        .year = sqlite3_column_int(q, 15),
        .isrc = sr_sq_text(q, 16),
        .mbid = sr_sq_text(q, 17),
        .identity = sr_sq_text(q, 18),
        .cover_ref = sr_sq_text(q, 19),
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
            sqlite3_column_int64(q, 2), sr_sq_text(q, 3), sqlite3_column_double(q, 4));
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
    k->account(k->ud, sqlite3_column_int64(q, 0), sr_sq_text(q, 1), sr_sq_text(q, 2),
               sqlite3_column_int(q, 3), sqlite3_column_int(q, 4), sr_sq_text(q, 5),
               sqlite3_column_int(q, 6));
}

static void row_session(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->session(k->ud, sr_sq_text(q, 0), sqlite3_column_int64(q, 1), sqlite3_column_double(q, 2));
}

static void row_follow(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->follow(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1));
}

static void row_room_settings(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->room_settings(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1),
                     sr_sq_text(q, 2));
}

static void row_role(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->role(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1), sr_sq_text(q, 2),
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
    k->playlist(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int64(q, 1), sr_sq_text(q, 2),
                sr_sq_text(q, 3), sr_sq_text(q, 4), sqlite3_column_double(q, 5));
}

static void row_max_presence(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->max_presence(k->ud, sqlite3_column_int64(q, 0));
}

static void row_reply(sqlite3_stmt *q, const sr_load_sink *k)
{
    k->reply(k->ud, sqlite3_column_int64(q, 0), sqlite3_column_int(q, 1), sr_sq_text(q, 2),
             sr_sq_text(q, 3));
}

int sr_sq_load(sr_store *st, const sr_load_sink *k)
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
        sr_sq_exec(s, "UPDATE presence_log SET left_at = joined_at WHERE left_at IS NULL");
        rc |= each_row(s, "SELECT COALESCE(MAX(id), 0) FROM presence_log", row_max_presence, k, 0);
    }
    if (k->playlist)
        rc |= each_row(s,
                       "SELECT id, user_id, name, format, entries, created_at FROM playlists"
                       " ORDER BY id",
                       row_playlist, k, 0);
    if (k->reply)
        rc |= each_row(s, "SELECT user_id, slot, cid, answer FROM replies ORDER BY user_id, at",
                       row_reply, k, 0);
    return rc ? SR_EIO : 0;
}

/* Runs the statement of slot (sql) with ?1 = id and calls row for each row. */
static int each_row_of(sqlite_store *s, int slot, const char *sql, int64_t id,
                       void (*row)(sqlite3_stmt *, const sr_load_sink *), const sr_load_sink *sink,
                       int *rows)
{
    sqlite3_stmt *q = sr_sq_lazy(s, slot, sql);
    if (!q) return SR_EIO;
    sqlite3_bind_int64(q, 1, id);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        row(q, sink);
        if (rows) (*rows)++;
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc == SQLITE_DONE ? 0 : sr_sq_fail(s, sql);
}

int sr_sq_load_account(sr_store *st, int64_t id, const sr_load_sink *k)
{
    sqlite_store *s = (sqlite_store *)st;
    int found = 0, rc = 0;
    /* read in one snapshot, so the user, account and sessions agree */
    if (sr_sq_exec(s, "BEGIN")) return SR_EIO;
    if (k->user)
        rc = each_row_of(s, L_LOAD_USER, "SELECT id, name, token_hash FROM users WHERE id = ?1", id,
                         row_user, k, &found);
    if (!rc && k->account)
        rc = each_row_of(s, L_LOAD_ACCOUNT,
                         "SELECT id, username, pw_hash, admin, disabled, bio, hide_activity"
                         " FROM users WHERE id = ?1 AND (username IS NOT NULL OR admin <> 0 OR"
                         " disabled <> 0 OR bio <> '' OR hide_activity <> 0)",
                         id, row_account, k, k->user ? NULL : &found);
    if (!rc && k->session && (found || !k->user))
        rc = each_row_of(s, L_LOAD_SESSIONS,
                         "SELECT token_hash, user_id, expires_at FROM sessions"
                         " WHERE user_id = ?1 AND revoked = 0",
                         id, row_session, k, NULL);
    sr_sq_exec(s, "COMMIT");
    if (rc) return rc;
    return found ? 0 : SR_ENOENT;
}
