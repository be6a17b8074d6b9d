/* store_sqlite_stats.c - the SQLite backend's statistics: top tracks, top fans and histories,
 * read-only queries answered as JSON rows. */
#include "store/store_sqlite_int.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

/* Runs sql with the integer/double params named in binds (from params), appending each row as
 * an array of numbers to rows. */
static int stats_rows(sqlite_store *s, const char *sql, json_t *params, const char *const *binds,
                      int nb, json_t *rows)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL)) return sr_sq_fail(s, sql);
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
    return rc == SQLITE_DONE ? 0 : sr_sq_fail(s, sql);
}

int sr_sq_stats(sr_store *st, const char *kind, json_t *params, json_t **out)
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
