/* route.c - matching REST paths against the route tables and the shared 404/405/401/403. */
#include "api/route.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sr_routes_add(sr_routes *rs, const sr_route *table, int n)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 16;
        rs->tables = sr_xrealloc(rs->tables, (size_t)rs->cap * sizeof *rs->tables);
        rs->counts = sr_xrealloc(rs->counts, (size_t)rs->cap * sizeof *rs->counts);
    }
    rs->tables[rs->n] = table;
    rs->counts[rs->n++] = n;
}

void sr_routes_free(sr_routes *rs)
{
    free(rs->tables);
    free(rs->counts);
    memset(rs, 0, sizeof *rs);
}

static char method_char(const char *m)
{
    if (!strcmp(m, "GET")) return 'G';
    if (!strcmp(m, "POST")) return 'P';
    if (!strcmp(m, "PUT")) return 'U';
    if (!strcmp(m, "PATCH")) return 'A';
    if (!strcmp(m, "DELETE")) return 'D';
    return 0;
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes the n bytes at s into out (size outsz, NUL-terminated); -1 when it does not
 * fit or decodes to a NUL. */
static int pct_decode(const char *s, size_t n, char *out, size_t outsz)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < n) {
            int a = hexv(s[i + 1]), b = hexv(s[i + 2]);
            if (a >= 0 && b >= 0) {
                c = (char)(a * 16 + b);
                i += 2;
            }
        } else if (c == '+') {
            c = ' ';
        }
        if (!c || o + 1 >= outsz) return -1;
        out[o++] = c;
    }
    out[o] = 0;
    return 0;
}

/* Matches path against pattern, filling a (ids and the text of each ":" segment, copied into
 * buf). 1 on a match. */
static int match(const char *pattern, const char *path, sr_route_args *a, char *buf, size_t bufsz)
{
    const char *p = pattern, *u = path;
    size_t used = 0;
    a->n = 0;
    while (*p && *u) {
        if (*p != '/' || *u != '/') return 0;
        p++, u++;
        const char *pe = strchr(p, '/'), *ue = strchr(u, '/');
        size_t pl = pe ? (size_t)(pe - p) : strlen(p), ul = ue ? (size_t)(ue - u) : strlen(u);
        if (*p == ':') {
            if (!ul || a->n >= SR_ROUTE_MAX_ARGS) return 0;
            /* the network layer has percent-decoded the path already */
            if (used + ul + 1 > bufsz) return 0;
            char *dst = buf + used;
            memcpy(dst, u, ul);
            dst[ul] = 0;
            used += ul + 1;
            int64_t id = 0;
            if (pl == 3 && !strncmp(p, ":id", 3)) {
                /* not a positive decimal id: 0, so the handler answers its own 404
                 * (no_such_room, no_such_user, ...) as for an id that does not exist */
                for (size_t i = 0; i < ul; i++) {
                    if (u[i] < '0' || u[i] > '9' || id > (INT64_MAX - 9) / 10) {
                        id = 0;
                        break;
                    }
                    id = id * 10 + (u[i] - '0');
                }
            }
            a->id[a->n] = id;
            a->str[a->n++] = dst;
        } else if (pl != ul || strncmp(p, u, pl)) {
            return 0;
        }
        p += pl, u += ul;
    }
    return !*p && !*u;
}

const sr_route *sr_routes_match(const sr_routes *rs, char method, const char *path,
                                sr_route_args *a, int *status, char *allow, size_t allow_size)
{
    char want = method == 'H' ? 'G' : method;
    int any = 0;
    size_t an = 0;
    if (allow_size) allow[0] = 0;
    for (int t = 0; t < rs->n; t++)
        for (int i = 0; i < rs->counts[t]; i++) {
            const sr_route *r = &rs->tables[t][i];
            /* a is overwritten by each pattern tried; the first whose method fits keeps it */
            if (!match(r->pattern, path, a, a->buf, sizeof a->buf)) continue;
            if (method_char(r->method) == want) return r;
            any = 1;
            if (allow_size && !strstr(allow, r->method)) {
                int k = snprintf(allow + an, allow_size - an, "%s%s", an ? ", " : "", r->method);
                if (k > 0 && an + (size_t)k < allow_size)
                    an += (size_t)k;
                else
                    allow[an] = 0; /* it did not fit: no half a method name */
                if (!strcmp(r->method, "GET") && an + 6 < allow_size && !strstr(allow, "HEAD"))
                    an += (size_t)snprintf(allow + an, allow_size - an, ", HEAD");
            }
        }
    *status = any ? 405 : 404;
    return NULL;
}

int sr_routes_raw(const sr_routes *rs, char method, const char *path)
{
    sr_route_args a;
    int status;
    const sr_route *r = sr_routes_match(rs, method, path, &a, &status, NULL, 0);
    return r && r->raw;
}

void sr_rest_error(const sr_rest *q, int status, const char *code, const char *message)
{
    q->reply(q->ctx, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message),
             NULL);
}

void sr_routes_dispatch(const sr_routes *rs, void *app, const sr_route_auth *auth, const sr_rest *q)
{
    sr_route_args a;
    memset(&a, 0, sizeof a);
    int status = 404;
    char allow[64];
    const sr_route *r = sr_routes_match(rs, q->method, q->path, &a, &status, allow, sizeof allow);
    if (!r) {
        if (status == 405 && q->reply_405) return q->reply_405(q->ctx, allow);
        if (status == 405) return sr_rest_error(q, 405, "method_not_allowed", "not allowed here");
        return sr_rest_error(q, 404, "not_found", "no such endpoint");
    }
    a.me = auth->user_of(app, q->token, a.me_hash);
    switch (r->who) {
    case SR_WHO_ANYONE:
        break;
    case SR_WHO_ACCOUNT:
        if (!a.me) return sr_rest_error(q, 401, "unauthenticated", "sign in first");
        break;
    case SR_WHO_ADMIN:
        if (!a.me) return sr_rest_error(q, 401, "unauthenticated", "sign in first");
        if (!auth->is_admin(app, a.me))
            return sr_rest_error(q, 403, "not_allowed", "only server admins may do that");
        break;
    case SR_WHO_LOOPBACK:
        if (!q->loopback)
            return sr_rest_error(q, 403, "forbidden", "only allowed from this machine");
        break;
    }
    r->handler(app, q, &a);
}

int sr_rest_limit(const sr_rest *q, int def, int max)
{
    char b[16];
    const char *v = sr_rest_arg(q, "limit", b, sizeof b);
    int n = v ? atoi(v) : def;
    return n < 1 ? -1 : n > max ? max : n;
}

const char *sr_rest_arg(const sr_rest *q, const char *name, char *buf, size_t n)
{
    if (!q->query || !n) return NULL;
    size_t nl = strlen(name);
    for (const char *p = q->query; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        if (len >= nl && !strncmp(p, name, nl) && (len == nl || p[nl] == '=')) {
            const char *v = len > nl ? p + nl + 1 : p + len;
            size_t vl = len > nl ? len - nl - 1 : 0;
            if (pct_decode(v, vl, buf, n)) return NULL;
            return buf;
        }
        p = amp ? amp + 1 : NULL;
    }
    return NULL;
}
