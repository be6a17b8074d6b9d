/* store_sqlite_library.c - the SQLite backend's music library: tracks by (source, ref), moved
 * files, full-text search (FTS5) and browsing by artist, album, genre and year. */
#include "store/store_sqlite_int.h"
#include "util/log.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Binds the schema-2 track columns from parameter i on: album_artist, genre, track_no,
 * disc_no, year, isrc, mbid, identity, cover_ref. */
static void bind_track_v2(sqlite3_stmt *q, int i, const sr_track_row *t)
{
    sr_sq_bind_text(q, i, t->album_artist);
    sr_sq_bind_text(q, i + 1, t->genre);
    sqlite3_bind_int(q, i + 2, t->track_no);
    sqlite3_bind_int(q, i + 3, t->disc_no);
    sqlite3_bind_int(q, i + 4, t->year);
    sr_sq_bind_text(q, i + 5, t->isrc);
    sr_sq_bind_text(q, i + 6, t->mbid);
    sr_sq_bind_text(q, i + 7, t->identity);
    sr_sq_bind_text(q, i + 8, t->cover_ref);
}

int sr_sq_upsert_track(sr_store *st, const sr_track_row *t, int64_t *id)
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
        sr_sq_bind_text(q, 2, t->title);
        sr_sq_bind_text(q, 3, t->artist);
        sr_sq_bind_text(q, 4, t->album);
        sqlite3_bind_int64(q, 5, t->duration_ms);
        sqlite3_bind_int(q, 6, t->has_cover);
        sqlite3_bind_int64(q, 7, t->mtime);
        sqlite3_bind_int64(q, 8, t->size);
        bind_track_v2(q, 9, t);
        *id = found;
        return sr_sq_run(s, q, "track update");
    }
    /* a new track takes the next id of its sequence, in the caller's transaction */
    int64_t nid;
    if (sr_sq_take_id(s, SR_ID_TRACK, 1, &nid)) return SR_EIO;
    q = s->q[Q_TRACK_INS];
    sqlite3_bind_int64(q, 19, nid);
    sqlite3_bind_text(q, 1, t->source, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 2, t->ref, -1, SQLITE_TRANSIENT);
    sr_sq_bind_text(q, 3, t->title);
    sr_sq_bind_text(q, 4, t->artist);
    sr_sq_bind_text(q, 5, t->album);
    sqlite3_bind_int64(q, 6, t->duration_ms);
    sqlite3_bind_int(q, 7, t->has_cover);
    sqlite3_bind_int64(q, 8, t->mtime);
    sqlite3_bind_int64(q, 9, t->size);
    bind_track_v2(q, 10, t);
    if (sr_sq_run(s, q, "track insert")) return SR_EIO;
    return sr_sq_upsert_track(st, t, id);
}

int sr_sq_mark_unavailable(sr_store *st, const char *source, const int64_t *seen, int n)
{
    sqlite_store *s = (sqlite_store *)st;
    if (sr_sq_exec(s, "CREATE TEMP TABLE IF NOT EXISTS seen_tracks (id BIGINT PRIMARY KEY)") ||
        sr_sq_exec(s, "DELETE FROM seen_tracks"))
        return SR_EIO;
    sqlite3_stmt *ins, *upd;
    if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO seen_tracks (id) VALUES (?1)", -1, &ins,
                           NULL))
        return sr_sq_fail(s, "seen");
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
        return sr_sq_fail(s, "unavailable");
    sqlite3_bind_text(upd, 1, source, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(upd);
    sqlite3_finalize(upd);
    return rc == SQLITE_DONE ? 0 : sr_sq_fail(s, "unavailable");
}

int sr_sq_tracks_known(sr_store *st, const char *source,
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
        return sr_sq_fail(s, "tracks known");
    sqlite3_bind_text(q, 1, source, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        row(ud, sqlite3_column_int64(q, 0), sr_sq_text(q, 1), sqlite3_column_int64(q, 2),
            sqlite3_column_int64(q, 3), sqlite3_column_int(q, 4));
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : sr_sq_fail(s, "tracks known");
}

int sr_sq_track_find_moved(sr_store *st, const sr_track_row *t,
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
        return sr_sq_fail(s, "find moved");
    sqlite3_bind_text(q, 1, t->source, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(q, 2, t->size);
    sqlite3_bind_int64(q, 3, t->duration_ms);
    sr_sq_bind_text(q, 4, t->identity);
    sqlite3_bind_text(q, 5, t->ref, -1, SQLITE_TRANSIENT);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (keep(ud, sqlite3_column_int64(q, 0), sr_sq_text(q, 1))) {
            *id = sqlite3_column_int64(q, 0);
            rc = SQLITE_DONE;
            break;
        }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : sr_sq_fail(s, "find moved");
}

int sr_sq_track_move(sr_store *st, int64_t id, const char *ref)
{
    sqlite_store *s = (sqlite_store *)st;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "UPDATE tracks SET ref = ?2 WHERE id = ?1", -1, &q, NULL))
        return sr_sq_fail(s, "track move");
    sqlite3_bind_int64(q, 1, id);
    sqlite3_bind_text(q, 2, ref, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : sr_sq_fail(s, "track move");
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

int sr_sq_track_search(sr_store *st, const sr_track_query *q, void (*row)(void *ud, int64_t id),
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
        return sr_sq_fail(s, "track search");
    }
    if (match) sqlite3_bind_text(stmt, 1, match, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(stmt, 2, q->limit > 0 ? q->limit : 50);
    bind_filters(stmt, q);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        row(ud, sqlite3_column_int64(stmt, 0));
    sqlite3_finalize(stmt);
    free(match);
    return rc == SQLITE_DONE ? 0 : sr_sq_fail(s, "track search");
}

int sr_sq_track_browse(sr_store *st, const char *kind, const sr_track_query *q,
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
    if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL)) return sr_sq_fail(s, "track browse");
    bind_filters(stmt, q);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        sr_browse_row r = {
            .name = sr_sq_text(stmt, 0),
            .artist = sr_sq_text(stmt, 1),
            .year = sqlite3_column_int(stmt, 2),
            .tracks = sqlite3_column_int64(stmt, 3),
            .albums = sqlite3_column_int64(stmt, 4),
            .cover_track = sqlite3_column_int64(stmt, 5),
        };
        row(ud, &r);
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_DONE ? 0 : sr_sq_fail(s, "track browse");
}
