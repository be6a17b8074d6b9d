/* store.c - the store registry: the backends of this build by name, DSN dispatch, and the
 * helpers through which callers reach ops of a later version than a backend may have. */
#include "store/store.h"
#include "util/log.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

/* Every backend compiled in; sr_store_find() looks names up here (as SQLite's VFS list). */
static const sr_store_ops *const backends[] = {
    &sr_store_sqlite,
};
#define NBACKENDS (sizeof backends / sizeof backends[0])

const sr_store_ops *sr_store_find(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < NBACKENDS; i++)
        if (!strcmp(backends[i]->name, name)) return backends[i];
    return NULL;
}

char *sr_store_known(char *buf, size_t n)
{
    size_t o = 0;
    if (!n) return buf;
    buf[0] = '\0';
    for (size_t i = 0; i < NBACKENDS && o < n; i++)
        o += (size_t)snprintf(buf + o, n - o, "%s%s", i ? "," : "", backends[i]->name);
    return buf;
}

/* The length of the scheme at the start of dsn ("sqlite" in "sqlite:x.db"), or 0 when dsn
 * does not start with one (RFC 3986: a letter, then letters, digits, '+', '-' or '.'). */
static size_t scheme_len(const char *dsn)
{
    size_t i = 0;
    if (!((dsn[0] | 0x20) >= 'a' && (dsn[0] | 0x20) <= 'z')) return 0;
    while (dsn[i] && dsn[i] != ':') {
        char c = dsn[i];
        if (!(((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
              c == '-' || c == '.'))
            return 0;
        i++;
    }
    return dsn[i] == ':' ? i : 0;
}

int sr_store_open(const char *dsn, sr_store **out)
{
    *out = NULL;
    if (!dsn || !*dsn) {
        sr_log(SR_LOG_ERROR, "no store DSN", NULL);
        return SR_EINVAL;
    }
    size_t n = scheme_len(dsn);
    if (!n) return sr_store_sqlite.open(dsn, out); /* a bare path */
    char name[32], known[128];
    snprintf(name, sizeof name, "%.*s", (int)n, dsn);
    const sr_store_ops *ops = n < sizeof name ? sr_store_find(name) : NULL;
    if (!ops) {
        sr_log(SR_LOG_ERROR, "unknown store backend", "backend=\"%.*s\" dsn=\"%s\" known=\"%s\"",
               (int)n, dsn, dsn, sr_store_known(known, sizeof known));
        return SR_EINVAL;
    }
    return ops->open(dsn + n + 1, out);
}

/* ---- version-2 helpers ---- */

static int has_v2(sr_store *st, const char *op)
{
    if (st && st->ops->version >= 2) return 1;
    sr_log(SR_LOG_ERROR, "store backend too old for this op", "backend=\"%s\" version=%d op=%s",
           st ? st->ops->name : "?", st ? st->ops->version : 0, op);
    return 0;
}

int sr_store_reserve_ids(sr_store *st, sr_id_kind kind, int64_t n, int64_t *first)
{
    if ((unsigned)kind >= SR_ID_KINDS || n < 1) return SR_EINVAL;
    return has_v2(st, "reserve_ids") ? st->ops->reserve_ids(st, kind, n, first) : SR_EINVAL;
}

int sr_store_notices_since(sr_store *st, int64_t after,
                           void (*cb)(void *ud, int64_t id, const char *entity, int64_t key),
                           void *ud)
{
    return has_v2(st, "notices_since") ? st->ops->notices_since(st, after, cb, ud) : SR_EINVAL;
}

int sr_store_notices_last(sr_store *st, int64_t *id)
{
    return has_v2(st, "notices_last") ? st->ops->notices_last(st, id) : SR_EINVAL;
}

int sr_store_load_account(sr_store *st, int64_t id, const sr_load_sink *sink)
{
    return has_v2(st, "load_account") ? st->ops->load_account(st, id, sink) : SR_EINVAL;
}
