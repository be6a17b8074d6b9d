/* store_sqlite_sql.c - the SQLite backend's statement helpers (run, bind, lazy statements,
 * errors) and its id reservation: what every part of the backend stands on. */
#include "store/store_sqlite_int.h"
#include "util/log.h"
#include "util/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The disk refused (full, or failing to write or sync): no fault of the statement, and it
 * lasts until space returns, so the caller answers "try again" and the worker logs the change
 * of state once instead of one line per failed write here. */
static int disk_refused(int rc)
{
    rc &= 0xff;
    return rc == SQLITE_FULL || rc == SQLITE_IOERR || rc == SQLITE_CANTOPEN;
}

int sr_sq_fail(sqlite_store *s, const char *what)
{
    int disk = disk_refused(sqlite3_extended_errcode(s->db));
    sr_log(disk ? SR_LOG_DEBUG : SR_LOG_ERROR, "sqlite error", "op=\"%s\" err=\"%s\"", what,
           sqlite3_errmsg(s->db));
    return disk ? SR_EUNAVAIL : SR_EIO;
}

int sr_sq_exec(sqlite_store *s, const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) {
        sr_log(disk_refused(rc) ? SR_LOG_DEBUG : SR_LOG_ERROR, "sqlite exec failed", "err=\"%s\"",
               err ? err : "?");
        sqlite3_free(err);
        return disk_refused(rc) ? SR_EUNAVAIL : SR_EIO;
    }
    return 0;
}

void sr_sq_bind_text(sqlite3_stmt *q, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, i);
}

void sr_sq_bind_id(sqlite3_stmt *q, int i, int64_t v)
{
    if (v)
        sqlite3_bind_int64(q, i, v);
    else
        sqlite3_bind_null(q, i);
}

int sr_sq_run(sqlite_store *s, sqlite3_stmt *q, const char *what)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : sr_sq_fail(s, what);
}

/* Statement slot i, prepared from sql on first use (NULL on error). Two statements given the
 * same slot would run each other's SQL, so a slot that holds other SQL is refused loudly. */
sqlite3_stmt *sr_sq_lazy(sqlite_store *s, int i, const char *sql)
{
    if (s->lazy[i] && strcmp(sqlite3_sql(s->lazy[i]), sql)) {
        sr_log(SR_LOG_ERROR, "store: statement slot taken twice", "slot=%d sql=\"%s\"", i, sql);
        return NULL;
    }
    if (!s->lazy[i] &&
        sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->lazy[i], NULL)) {
        sr_sq_fail(s, sql);
        return NULL;
    }
    return s->lazy[i];
}

/* Runs a lazily prepared statement with up to six binds: 'i' int64, 'd' double, 't' text (NULL
 * binds NULL), given as a format string and a list of values. */
int sr_sq_exec_bound(sqlite_store *s, int slot, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *q = sr_sq_lazy(s, slot, sql);
    if (!q) return SR_EIO;
    va_list ap;
    va_start(ap, fmt);
    for (int i = 0; fmt[i]; i++) {
        if (fmt[i] == 'i')
            sqlite3_bind_int64(q, i + 1, va_arg(ap, int64_t));
        else if (fmt[i] == 'd')
            sqlite3_bind_double(q, i + 1, va_arg(ap, double));
        else
            sr_sq_bind_text(q, i + 1, va_arg(ap, const char *));
    }
    va_end(ap);
    return sr_sq_run(s, q, sql);
}

const char *sr_sq_text(sqlite3_stmt *q, int i)
{
    return (const char *)sqlite3_column_text(q, i);
}

/* The table whose ids each kind numbers (for the sequence to stay past them). */
static const char *const id_tables[SR_ID_KINDS] = {
    [SR_ID_USER] = "users",
    [SR_ID_ROOM] = "rooms",
    [SR_ID_ENTRY] = "queue_entries",
    [SR_ID_CHAT] = "chat_messages",
    [SR_ID_PLAY] = "plays",
    [SR_ID_AUDIT] = "audit_log",
    [SR_ID_PRESENCE] = "presence_log",
    [SR_ID_PLAYLIST] = "playlists",
    [SR_ID_TRACK] = "tracks",
};

int sr_sq_take_id(sqlite_store *s, sr_id_kind kind, int64_t n, int64_t *first)
{
    /* One statement moves the row on by n and returns where the block starts. It also stays
     * past the highest id in the table (a primary-key lookup), so rows written by something
     * that does not reserve (an older binary) are never handed out again. */
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO id_seq (kind, next) VALUES ('%s',"
             " (SELECT COALESCE(MAX(id), 0) + 1 FROM %s) + ?1) ON CONFLICT (kind) DO UPDATE"
             " SET next = MAX(id_seq.next + ?1, excluded.next) RETURNING next - ?1",
             sr_id_kind_name(kind), id_tables[kind]);
    sqlite3_stmt *q = sr_sq_lazy(s, L_RESERVE + (int)kind, sql);
    if (!q) return SR_EIO;
    sqlite3_bind_int64(q, 1, n);
    int rc = sqlite3_step(q);
    int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (rc != SQLITE_DONE || v < 1) return sr_sq_fail(s, "reserve ids");
    *first = v;
    return 0;
}
