/* import_resolve.c - resolving an import's entries: playlist locations to paths, paths to
 * the library's tracks (on the pool, with the task's own store connection), and artist + title
 * to a full-text candidate. */
#include "app/import_int.h"
#include "source/source.h"
#include "util/map.h"
#include "util/outbound.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------- locations to paths (pure) ---------- */

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Normalises a playlist location to path components joined by '/': a file:// URL's path
 * (percent-decoded, as are XSPF's relative URIs when decode), '\' read as '/', a drive letter,
 * empty, "." and leading ".." components dropped, "x/.." folded. Sets *absolute. Returns a
 * malloc'd string, or NULL when nothing (or a NUL byte) is left. */
char *sr_import_normalise_path(const char *loc, int decode, int *absolute)
{
    if (!strncasecmp(loc, "file://", 7)) {
        loc += 7;
        if (!strncasecmp(loc, "localhost/", 10)) loc += 9;
        decode = 1;
    }
    size_t n = strlen(loc);
    char *s = sr_xmalloc(n + 1), *o = s;
    for (size_t i = 0; i < n; i++) {
        if (decode && loc[i] == '%' && i + 2 < n + 1 && hexval(loc[i + 1]) >= 0 &&
            hexval(loc[i + 2]) >= 0) {
            char c = (char)(hexval(loc[i + 1]) * 16 + hexval(loc[i + 2]));
            if (!c) {
                free(s);
                return NULL;
            }
            *o++ = c;
            i += 2;
        } else {
            *o++ = loc[i] == '\\' ? '/' : loc[i];
        }
    }
    *o = 0;
    char *p = s;
    if (((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':') p += 2;
    *absolute = *p == '/';
    /* fold the components */
    char *out = sr_xmalloc(strlen(p) + 1);
    size_t on = 0;
    for (char *save = NULL, *c = strtok_r(p, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (!strcmp(c, ".")) continue;
        if (!strcmp(c, "..")) {
            while (on && out[on - 1] != '/')
                on--;
            if (on) on--;
            continue;
        }
        if (on) out[on++] = '/';
        size_t k = strlen(c);
        memcpy(out + on, c, k);
        on += k;
    }
    out[on] = 0;
    free(s);
    if (!on) {
        free(out);
        return NULL;
    }
    return out;
}

/* ---------- the pool side: resolve and record ---------- */

typedef struct known_ref {
    const char *base; /* the file name inside ref */
    char *ref;
    int64_t id;
} known_ref;

typedef struct refs {
    known_ref *v;
    size_t n, cap;
} refs;

static void known_cb(void *ud, int64_t id, const char *ref, int64_t mtime, int64_t size,
                     int available)
{
    refs *k = ud;
    if (!available || !ref) return;
    if (k->n == k->cap) {
        k->cap = k->cap ? 2 * k->cap : 1024;
        k->v = sr_xrealloc(k->v, k->cap * sizeof *k->v);
    }
    char *r = sr_xstrdup(ref);
    const char *slash = strrchr(r, '/');
    k->v[k->n++] = (known_ref){slash ? slash + 1 : r, r, id};
}

static int base_cmp(const void *a, const void *b)
{
    const known_ref *x = a, *y = b;
    int c = strcmp(x->base, y->base);
    return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* How many trailing components of ref equal those of path ("a/b/c"). */
static int tail_match(const char *ref, const char *path)
{
    const char *r = ref + strlen(ref), *p = path + strlen(path);
    int k = 0;
    for (;;) {
        const char *rs = r, *ps = p;
        while (rs > ref && rs[-1] != '/')
            rs--;
        while (ps > path && ps[-1] != '/')
            ps--;
        if (r - rs != p - ps || memcmp(rs, ps, (size_t)(r - rs))) return k;
        k++;
        if (ps == path || rs == ref) return k;
        r = rs - 1;
        p = ps - 1;
    }
}

/* The library track a path names: for a relative path, a track whose path ends with all its
 * components (the one nearest the library root when several do); for an absolute one, the
 * same file, else the track sharing the most trailing components (at least the directory
 * and the file name) - a playlist made on another machine. 0 when none. */
static int64_t resolve_path(const refs *k, const char *path, int absolute)
{
    const char *bn = strrchr(path, '/');
    bn = bn ? bn + 1 : path;
    known_ref key = {.base = bn, .id = INT64_MIN};
    /* the first entry with this base name */
    size_t lo = 0, hi = k->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (base_cmp(&k->v[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    int ncomp = 1;
    for (const char *c = path; *c; c++)
        ncomp += *c == '/';
    int64_t best = 0;
    int best_k = 0;
    size_t best_len = 0;
    for (size_t i = lo; i < k->n && !strcmp(k->v[i].base, bn); i++) {
        const char *ref = k->v[i].ref;
        if (absolute && ref[0] == '/' && !strcmp(ref + 1, path)) return k->v[i].id;
        int m = tail_match(ref, path);
        if (absolute ? m < 2 : m < ncomp) continue;
        size_t len = strlen(ref);
        if (m > best_k || (m == best_k && len < best_len))
            best = k->v[i].id, best_k = m, best_len = len;
    }
    return best;
}

static void cand_cb(void *ud, int64_t id)
{
    item *it = ud;
    if (it->ncand < MAX_CAND) it->cand[it->ncand++] = id;
}

/* Runs on a pool thread: touches only the task and its own store connections. */

/* The track row an entry to record becomes (id 0 until the store gives it one). */
sr_track_row sr_import_item_row(const item *it)
{
    return (sr_track_row){.id = it->id,
                          .source = it->source,
                          .ref = it->location,
                          .title = it->rec_title,
                          .artist = it->artist,
                          .duration_ms = it->duration_ms,
                          .available = 1,
                          .identity = it->identity};
}

/* At most this many distinct hosts are looked up per import: a name that does not answer
 * can hold a lookup for seconds, and a playlist may name 10,000 of them. */
#define MAX_HOSTS 64

/* Applies the outbound policy to every stream to record (see util/outbound.h): one lookup per
 * distinct host; a refused stream becomes IT_BAD with the policy's code as its reason. */
static void check_streams(imp_task *t)
{
    sr_map seen = {0}; /* host -> verdict + 1 */
    int looked_up = 0;
    for (size_t i = 0; i < t->n; i++) {
        item *it = &t->items[i];
        if (it->kind != IT_RECORD || strcmp(it->source, "stream")) continue;
        char host[SR_OUTBOUND_HOST_MAX];
        int v = sr_outbound_url_host(it->location, host, sizeof host);
        if (!v) {
            int64_t known = sr_map_get(&seen, host);
            if (known)
                v = (int)known - 1;
            else if (!t->allow_private && looked_up >= MAX_HOSTS)
                v = SR_OUTBOUND_UNKNOWN;
            else {
                looked_up += !t->allow_private;
                v = sr_outbound_check_host(host, t->allow_private);
                sr_map_put(&seen, host, v + 1);
            }
        }
        if (v) {
            it->kind = IT_BAD;
            it->refused = v;
            it->reason = sr_outbound_code(v);
        }
    }
    sr_map_free(&seen);
}

void sr_import_run(sr_task *base)
{
    imp_task *t = (imp_task *)base;
    sr_store *main_st = t->h->st, *st = NULL;
    check_streams(t);
    int paths = 0, streams = 0, metas = 0;
    for (size_t i = 0; i < t->n; i++) {
        paths += t->items[i].kind == IT_PATH;
        streams += t->items[i].kind == IT_RECORD;
        metas += t->items[i].kind == IT_PATH && t->items[i].title != NULL;
    }
    if (!paths && !streams) return;
    int rc = main_st->ops->open_twin(main_st, !streams, &st);
    if (rc) {
        t->status = rc;
        return;
    }
    refs k = {0};
    if (paths && (rc = st->ops->tracks_known(st, "local", known_cb, &k)) == 0 && k.n)
        qsort(k.v, k.n, sizeof *k.v, base_cmp);
    for (size_t i = 0; i < t->n && !rc; i++) {
        item *it = &t->items[i];
        if (it->kind != IT_PATH) continue;
        if (it->path) it->id = resolve_path(&k, it->path, it->absolute);
        if (it->id || !it->title || !metas) continue;
        /* by artist and title: full-text candidates, checked on the service thread */
        size_t n = strlen(it->title) + (it->artist ? strlen(it->artist) : 0) + 2;
        char *text = sr_xmalloc(n);
        snprintf(text, n, "%s %s", it->artist ? it->artist : "", it->title);
        sr_track_query q = {.text = text, .limit = MAX_CAND};
        rc = st->ops->track_search(st, &q, cand_cb, it);
        free(text);
    }
    for (size_t i = 0; i < k.n; i++)
        free(k.v[i].ref);
    free(k.v);
    if (!rc && streams) {
        rc = st->ops->begin(st);
        for (size_t i = 0; i < t->n && !rc; i++) {
            item *it = &t->items[i];
            if (it->kind != IT_RECORD) continue;
            sr_track_row row = sr_import_item_row(it);
            rc = st->ops->upsert_track(st, &row, &it->id);
        }
        if (rc)
            st->ops->rollback(st);
        else
            rc = st->ops->commit(st);
    }
    st->ops->close(st);
    t->status = rc;
}

/* ---------- back on the service thread ---------- */

/* 1 when the normalised forms of a and b are equal and not empty. */
static int same_norm(const char *a, const char *b)
{
    if (!a || !b || !*a || !*b) return 0;
    char *x = sr_identity_norm(a), *y = sr_identity_norm(b);
    int eq = *x && !strcmp(x, y);
    free(x);
    free(y);
    return eq;
}

/* Picks the candidate whose artist (or album artist) and title are the entry's once
 * normalised (see "Track identity" in docs/sources.md); without an artist in the entry, the
 * title alone must name one song. Prefers the closest duration when the entry has one. */
int64_t sr_import_pick_candidate(sr_library *lib, const item *it)
{
    int64_t best = 0, best_d = INT64_MAX, best_canon = 0;
    int songs = 0;
    for (int i = 0; i < it->ncand; i++) {
        const sr_track *t = sr_library_get(lib, it->cand[i]);
        if (!t || !t->available || !same_norm(t->title, it->title)) continue;
        if (it->artist && !same_norm(t->artist, it->artist) &&
            !same_norm(t->album_artist, it->artist))
            continue;
        int64_t canon = sr_library_canonical(lib, t->id);
        if (canon != best_canon) songs++;
        int64_t d = it->duration_ms > 0 ? llabs(t->duration_ms - it->duration_ms) : 0;
        if (!best || d < best_d) best = t->id, best_d = d, best_canon = canon;
    }
    return !it->artist && songs > 1 ? 0 : best;
}
