/* library.c - in-memory track index (by id, dense) over what the store holds. */
#include "app/library.h"
#include "source/source.h"
#include "util/log.h"
#include "util/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct sr_library {
    sr_track **tracks; /* by id */
    int64_t ntracks;
    int64_t *playable;
    int nplayable;
};

sr_library *sr_library_new(void)
{
    return sr_xcalloc(1, sizeof(sr_library));
}

static void track_free(sr_track *t)
{
    if (!t) return;
    json_decref(t->json);
    free(t->path);
    free(t->title);
    free(t->artist);
    free(t->album);
    free(t->hay);
    free(t);
}

void sr_library_free(sr_library *lib)
{
    if (!lib) return;
    for (int64_t i = 0; i < lib->ntracks; i++)
        track_free(lib->tracks[i]);
    free(lib->tracks);
    free(lib->playable);
    free(lib);
}

static char *lower_dup(const char *s)
{
    char *d = sr_xstrdup(s ? s : "");
    for (char *p = d; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

void sr_library_add(sr_library *lib, const sr_track_row *r)
{
    if (r->id <= 0) return;
    if (r->id >= lib->ntracks) {
        int64_t n = r->id + 1;
        lib->tracks = sr_xrealloc(lib->tracks, (size_t)n * sizeof *lib->tracks);
        memset(lib->tracks + lib->ntracks, 0, (size_t)(n - lib->ntracks) * sizeof *lib->tracks);
        lib->ntracks = n;
    }
    sr_track *t = sr_xcalloc(1, sizeof *t);
    t->id = r->id;
    t->path = sr_xstrdup(r->ref);
    t->title = sr_xstrdup(r->title ? r->title : "");
    t->artist = sr_xstrdup(r->artist ? r->artist : "");
    t->album = sr_xstrdup(r->album ? r->album : "");
    size_t n = strlen(t->title) + strlen(t->artist) + strlen(t->album) + 3;
    char *hay = sr_xmalloc(n);
    snprintf(hay, n, "%s\n%s\n%s", t->title, t->artist, t->album);
    t->hay = lower_dup(hay);
    free(hay);
    t->duration_ms = r->duration_ms;
    t->has_cover = r->has_cover;
    t->available = r->available;
    char url[64], cover[64];
    snprintf(url, sizeof url, "/media/%lld", (long long)r->id);
    snprintf(cover, sizeof cover, "/api/tracks/%lld/cover", (long long)r->id);
    t->json = json_pack("{s:I,s:s,s:s,s:s,s:I,s:s,s:o,s:s}", "id", (json_int_t)r->id, "title",
                        t->title, "artist", t->artist, "album", t->album, "duration_ms",
                        (json_int_t)t->duration_ms, "url", url, "cover",
                        t->has_cover ? json_string(cover) : json_null(), "source",
                        r->source ? r->source : "local");
    int was_playable = lib->tracks[r->id] && lib->tracks[r->id]->available &&
                       lib->tracks[r->id]->duration_ms > 0;
    track_free(lib->tracks[r->id]);
    lib->tracks[r->id] = t;
    if (!was_playable && t->available && t->duration_ms > 0) {
        lib->playable = sr_xrealloc(lib->playable, (size_t)(lib->nplayable + 1) * sizeof *lib->playable);
        lib->playable[lib->nplayable++] = t->id;
    }
}

const sr_track *sr_library_get(const sr_library *lib, int64_t id)
{
    return id > 0 && id < lib->ntracks ? lib->tracks[id] : NULL;
}

json_t *sr_library_track_ref(const sr_library *lib, int64_t id)
{
    const sr_track *t = sr_library_get(lib, id);
    return t ? json_incref(t->json) : json_null();
}

const int64_t *sr_library_playable(const sr_library *lib, int *n)
{
    *n = lib->nplayable;
    return lib->playable;
}

json_t *sr_library_search(const sr_library *lib, const char *q, int limit)
{
    char *lq = lower_dup(q ? q : "");
    char *words[16], *save = NULL;
    int nw = 0;
    for (char *p = strtok_r(lq, " \t", &save); p && nw < 16; p = strtok_r(NULL, " \t", &save))
        words[nw++] = p;
    json_t *a = json_array();
    for (int64_t id = 1; id < lib->ntracks && (int)json_array_size(a) < limit; id++) {
        const sr_track *t = lib->tracks[id];
        if (!t || !t->available) continue;
        int ok = 1;
        for (int k = 0; k < nw && ok; k++)
            ok = strstr(t->hay, words[k]) != NULL;
        if (ok) json_array_append(a, t->json);
    }
    free(lq);
    return json_pack("{s:o}", "tracks", a);
}

typedef struct scan_ctx {
    sr_store *st;
    int64_t *seen;
    int n, cap;
} scan_ctx;

static void on_scanned(const sr_track_meta *m, void *ud)
{
    scan_ctx *c = ud;
    sr_track_row r = {
        .source = "local",
        .ref = m->path,
        .title = m->title,
        .artist = m->artist,
        .album = m->album,
        .duration_ms = m->duration_ms,
        .has_cover = m->has_cover,
        .mtime = m->mtime,
        .size = m->size,
    };
    int64_t id;
    if (c->st->ops->upsert_track(c->st, &r, &id)) return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->seen = sr_xrealloc(c->seen, (size_t)c->cap * sizeof *c->seen);
    }
    c->seen[c->n++] = id;
}

int sr_library_scan(sr_store *st, const char *dir)
{
    scan_ctx c = {.st = st};
    if (st->ops->begin(st)) return SR_EIO;
    int n = sr_source_local.scan(dir, on_scanned, &c);
    /* Only a scan that completed may declare missing files gone. */
    if (n >= 0) st->ops->mark_unavailable(st, "local", c.seen, c.n);
    int rc = st->ops->commit(st);
    free(c.seen);
    if (rc) return rc;
    if (n < 0) return n;
    sr_log(SR_LOG_INFO, "library scanned", "dir=\"%s\" tracks=%d", dir, n);
    return n;
}
