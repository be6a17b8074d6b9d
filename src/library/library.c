/* library.c - the in-memory track index (by id, dense), its scanner thread (start-up scan,
 * rescans, inotify) and its reader thread (FTS search, browse, covers). */
#include "library/library.h"
#include "source/source.h"
#include "source/thumb.h"
#include "util/log.h"
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SCAN_BATCH 256  /* files per scanner transaction */
#define DEBOUNCE_MS 400 /* quiet time after inotify events before a rescan */
#define COVER_CACHE_MAX (64 * 1024 * 1024)
#define COVER_FILE_MAX (16 * 1024 * 1024)

/* ---------- owned copies of store rows (scanner -> service thread) ---------- */

typedef struct row_copy {
    struct row_copy *next;
    sr_track_row r;
    int64_t gone; /* non-zero: only "this id is gone" */
} row_copy;

static char *dup_or_null(const char *s)
{
    return s ? sr_xstrdup(s) : NULL;
}

static row_copy *row_copy_new(const sr_track_row *r)
{
    row_copy *c = sr_xcalloc(1, sizeof *c);
    c->r = *r;
    c->r.source = dup_or_null(r->source);
    c->r.ref = dup_or_null(r->ref);
    c->r.title = dup_or_null(r->title);
    c->r.artist = dup_or_null(r->artist);
    c->r.album = dup_or_null(r->album);
    c->r.album_artist = dup_or_null(r->album_artist);
    c->r.genre = dup_or_null(r->genre);
    c->r.isrc = dup_or_null(r->isrc);
    c->r.mbid = dup_or_null(r->mbid);
    c->r.identity = dup_or_null(r->identity);
    c->r.cover_ref = dup_or_null(r->cover_ref);
    return c;
}

static void row_copy_free(row_copy *c)
{
    free((char *)c->r.source);
    free((char *)c->r.ref);
    free((char *)c->r.title);
    free((char *)c->r.artist);
    free((char *)c->r.album);
    free((char *)c->r.album_artist);
    free((char *)c->r.genre);
    free((char *)c->r.isrc);
    free((char *)c->r.mbid);
    free((char *)c->r.identity);
    free((char *)c->r.cover_ref);
    free(c);
}

/* ---------- reader jobs ---------- */

enum { JOB_QUERY, JOB_COVER };

typedef struct rjob {
    struct rjob *next;
    int kind;
    /* query */
    char *what; /* "tracks", "artists", ... */
    char *text, *artist, *album, *genre;
    int year, limit;
    sr_library_done done;
    /* cover */
    int64_t id;
    int size;
    char *path, *cover_ref;
    sr_library_cover_done cover_done;
    void *ctx;
    /* result */
    int status;
    json_t *body; /* query answer; for "tracks": {"ids":[…]} until poll maps them */
    unsigned char *img;
    size_t img_len;
    char mime[32];
} rjob;

static void rjob_free(rjob *j)
{
    free(j->what);
    free(j->text);
    free(j->artist);
    free(j->album);
    free(j->genre);
    free(j->path);
    free(j->cover_ref);
    json_decref(j->body);
    free(j->img);
    free(j);
}

typedef struct cover_entry {
    int64_t id;
    int size;
    unsigned char *data;
    size_t len;
    char mime[32];
} cover_entry;

/* ---------- the library ---------- */

struct sr_library {
    sr_track **tracks; /* by id */
    int64_t ntracks;
    int64_t *playable;
    int nplayable;
    /* identity -> canonical id, open addressing on a string hash; rebuilt lazily */
    int64_t *idmap;
    size_t idcap;
    int idmap_dirty;

    /* threads (NULL / 0 until sr_library_start) */
    sr_store *scan_st, *read_st;
    char *root;
    void (*wake)(void *);
    void *wake_ud;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int mu_init;
    pthread_t scanner, reader;
    int scanner_on, reader_on;
    atomic_int stop;
    int rescan_wanted;
    int scanning, scans, first_done;
    int64_t last_found, last_probed, last_gone;
    double last_ms;
    row_copy *found_head, *found_tail; /* scanner -> service thread */
    rjob *in_head, *in_tail, *done_head, *done_tail;
    int rpending;
    int inotify_fd;

    cover_entry *covers;
    int ncovers;
    size_t cover_bytes;
};

sr_library *sr_library_new(void)
{
    sr_library *lib = sr_xcalloc(1, sizeof(sr_library));
    lib->inotify_fd = -1;
    return lib;
}

static void track_free(sr_track *t)
{
    if (!t) return;
    json_decref(t->json);
    free(t->path);
    free(t->source);
    free(t->title);
    free(t->artist);
    free(t->album);
    free(t->album_artist);
    free(t->genre);
    free(t->identity);
    free(t->cover_ref);
    free(t->hay);
    free(t);
}

static void stop_threads(sr_library *lib);

void sr_library_free(sr_library *lib)
{
    if (!lib) return;
    stop_threads(lib);
    for (int64_t i = 0; i < lib->ntracks; i++)
        track_free(lib->tracks[i]);
    free(lib->tracks);
    free(lib->playable);
    free(lib->idmap);
    for (int i = 0; i < lib->ncovers; i++)
        free(lib->covers[i].data);
    free(lib->covers);
    free(lib);
}

static char *lower_dup(const char *s)
{
    char *d = sr_xstrdup(s ? s : "");
    for (char *p = d; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return d;
}

static int is_playable(const sr_track *t)
{
    /* the fallback and the playable set hold local files only: a live stream or an external
     * reference plays when someone queues it */
    return t && t->available && t->duration_ms > 0 && !strcmp(t->source, "local");
}

static void playable_drop(sr_library *lib, int64_t id)
{
    for (int i = 0; i < lib->nplayable; i++)
        if (lib->playable[i] == id) {
            memmove(lib->playable + i, lib->playable + i + 1,
                    (size_t)(lib->nplayable - i - 1) * sizeof *lib->playable);
            lib->nplayable--;
            return;
        }
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *int_or_null(int v)
{
    return v ? json_integer(v) : json_null();
}

void sr_library_add(sr_library *lib, const sr_track_row *r)
{
    if (r->id <= 0) return;
    if (r->id >= lib->ntracks) {
        int64_t n = r->id + 1;
        if (n < 2 * lib->ntracks) n = 2 * lib->ntracks;
        lib->tracks = sr_xrealloc(lib->tracks, (size_t)n * sizeof *lib->tracks);
        memset(lib->tracks + lib->ntracks, 0, (size_t)(n - lib->ntracks) * sizeof *lib->tracks);
        lib->ntracks = n;
    }
    sr_track *t = sr_xcalloc(1, sizeof *t);
    t->id = r->id;
    t->path = sr_xstrdup(r->ref ? r->ref : "");
    t->source = sr_xstrdup(r->source ? r->source : "local");
    t->title = sr_xstrdup(r->title ? r->title : "");
    t->artist = sr_xstrdup(r->artist ? r->artist : "");
    t->album = sr_xstrdup(r->album ? r->album : "");
    t->album_artist = dup_or_null(r->album_artist);
    t->genre = dup_or_null(r->genre);
    t->identity = dup_or_null(r->identity);
    t->cover_ref = dup_or_null(r->cover_ref);
    t->track_no = r->track_no;
    t->disc_no = r->disc_no;
    t->year = r->year;
    size_t n = strlen(t->title) + strlen(t->artist) + strlen(t->album) + 3;
    char *hay = sr_xmalloc(n);
    snprintf(hay, n, "%s\n%s\n%s", t->title, t->artist, t->album);
    t->hay = lower_dup(hay);
    free(hay);
    t->duration_ms = r->duration_ms;
    t->has_cover = r->has_cover;
    t->available = r->available;
    char url[64], cover[64];
    int local = !strcmp(t->source, "local");
    snprintf(url, sizeof url, "/media/%lld", (long long)r->id);
    snprintf(cover, sizeof cover, "/api/tracks/%lld/cover", (long long)r->id);
    t->json = json_pack("{s:I,s:s,s:s,s:s,s:I,s:s,s:o,s:s}", "id", (json_int_t)r->id, "title",
                        t->title, "artist", t->artist, "album", t->album, "duration_ms",
                        (json_int_t)t->duration_ms, "url", url, "cover",
                        t->has_cover ? json_string(cover) : json_null(), "source", t->source);
    json_object_set_new(t->json, "album_artist", str_or_null(t->album_artist));
    json_object_set_new(t->json, "genre", str_or_null(t->genre));
    json_object_set_new(t->json, "year", int_or_null(t->year));
    json_object_set_new(t->json, "track_no", int_or_null(t->track_no));
    json_object_set_new(t->json, "disc_no", int_or_null(t->disc_no));
    if (!local) {
        /* a stream plays from its own URL; an external reference through a client adapter */
        int stream = !strcmp(t->source, "stream");
        json_object_set_new(t->json, "url", stream ? json_string(t->path) : json_null());
        json_object_set_new(t->json, "ref", json_string(t->path));
        json_object_set_new(t->json, "live", json_boolean(t->duration_ms <= 0));
    }
    sr_track *old = lib->tracks[r->id];
    int was_playable = is_playable(old);
    track_free(old);
    lib->tracks[r->id] = t;
    lib->idmap_dirty = 1;
    if (!was_playable && is_playable(t)) {
        lib->playable =
            sr_xrealloc(lib->playable, (size_t)(lib->nplayable + 1) * sizeof *lib->playable);
        lib->playable[lib->nplayable++] = t->id;
    } else if (was_playable && !is_playable(t)) {
        playable_drop(lib, t->id);
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

int sr_library_can_play(const sr_library *lib, int64_t id)
{
    const sr_track *t = sr_library_get(lib, id);
    return t && t->available;
}

int64_t sr_library_play_ms(const sr_track *t)
{
    return t->duration_ms > 0 ? t->duration_ms : SR_LIVE_SLOT_MS;
}

void sr_library_mark_gone(sr_library *lib, int64_t id)
{
    sr_track *t = id > 0 && id < lib->ntracks ? lib->tracks[id] : NULL;
    if (!t || !t->available) return;
    if (is_playable(t)) playable_drop(lib, id);
    t->available = 0;
    lib->idmap_dirty = 1;
}

/* FNV-1a */
static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The slot of identity s in the map: its canonical id, or an empty (0) slot. */
static size_t idmap_slot(const sr_library *lib, const char *s)
{
    size_t i = (size_t)str_hash(s) & (lib->idcap - 1);
    while (lib->idmap[i] && strcmp(lib->tracks[lib->idmap[i]]->identity, s))
        i = (i + 1) & (lib->idcap - 1);
    return i;
}

static void idmap_build(sr_library *lib)
{
    size_t n = 0;
    for (int64_t id = 1; id < lib->ntracks; id++)
        if (lib->tracks[id] && lib->tracks[id]->identity && lib->tracks[id]->available) n++;
    size_t cap = 64;
    while (cap < 2 * n + 1)
        cap *= 2;
    free(lib->idmap);
    lib->idmap = sr_xcalloc(cap, sizeof *lib->idmap);
    lib->idcap = cap;
    for (int64_t id = 1; id < lib->ntracks; id++) { /* ascending: the first id wins */
        const sr_track *t = lib->tracks[id];
        if (!t || !t->identity || !t->available) continue;
        size_t i = idmap_slot(lib, t->identity);
        if (!lib->idmap[i]) lib->idmap[i] = id;
    }
    lib->idmap_dirty = 0;
}

/* Canonical id of identity key s, or 0. */
static int64_t idmap_get(const sr_library *lib, const char *s)
{
    return lib->idcap ? lib->idmap[idmap_slot(lib, s)] : 0;
}

int64_t sr_library_canonical(const sr_library *clib, int64_t id)
{
    sr_library *lib = (sr_library *)clib; /* the map is a cache, rebuilt on demand */
    const sr_track *t = sr_library_get(lib, id);
    if (!t || !t->identity) return id;
    if (lib->idmap_dirty || !lib->idmap) idmap_build(lib);
    int64_t best = idmap_get(lib, t->identity);
    /* "meta:" keys: a duration on a bucket edge may land in the next bucket; look there too */
    const char *bar = strncmp(t->identity, "meta:", 5) ? NULL : strrchr(t->identity, '|');
    if (bar) {
        long long b = atoll(bar + 1);
        size_t len = (size_t)(bar - t->identity) + 24;
        char *k = sr_xmalloc(len);
        for (int d = -1; d <= 1; d += 2) {
            snprintf(k, len, "%.*s|%lld", (int)(bar - t->identity), t->identity, b + d);
            int64_t o = idmap_get(lib, k);
            if (o && (!best || o < best)) best = o;
        }
        free(k);
    }
    return best && best < id ? best : id;
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

/* ---------- scanning ---------- */

/* path -> what the store knows, for a rescan to skip unchanged files */
typedef struct known {
    char *ref;
    int64_t id, mtime, size;
    int available, seen;
} known;

typedef struct scan_ctx {
    sr_store *st;
    known *k; /* sorted by ref */
    size_t nk, capk;
    int64_t *seen; /* ids found this pass */
    int n, cap;
    int probed;
    row_copy *batch_head, *batch_tail; /* rows of this batch (ids filled in at flush) */
    int nbatch;
    row_copy *out_head, *out_tail; /* everything written, for the service thread */
    int keep_rows;
} scan_ctx;

static void known_row(void *ud, int64_t id, const char *ref, int64_t mtime, int64_t size,
                      int available)
{
    scan_ctx *c = ud;
    if (c->nk == c->capk) {
        c->capk = c->capk ? 2 * c->capk : 1024;
        c->k = sr_xrealloc(c->k, c->capk * sizeof *c->k);
    }
    c->k[c->nk++] = (known){sr_xstrdup(ref ? ref : ""), id, mtime, size, available, 0};
}

static int known_cmp(const void *a, const void *b)
{
    return strcmp(((const known *)a)->ref, ((const known *)b)->ref);
}

static known *known_find(scan_ctx *c, const char *path)
{
    known key = {.ref = (char *)path};
    return c->nk ? bsearch(&key, c->k, c->nk, sizeof *c->k, known_cmp) : NULL;
}

static void seen_push(scan_ctx *c, int64_t id)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 256;
        c->seen = sr_xrealloc(c->seen, (size_t)c->cap * sizeof *c->seen);
    }
    c->seen[c->n++] = id;
}

static int want_file(const char *path, int64_t mtime, int64_t size, void *ud)
{
    known *k = known_find(ud, path);
    return !(k && k->available && k->mtime == mtime && k->size == size);
}

static void seen_file(const char *path, void *ud)
{
    scan_ctx *c = ud;
    known *k = known_find(c, path);
    if (k) {
        k->seen = 1;
        seen_push(c, k->id);
    }
}

/* A moved file may take over a track whose file is no longer where the store says. */
static int keep_moved(void *ud, int64_t id, const char *ref)
{
    scan_ctx *c = ud;
    known *k = known_find(c, ref);
    if (k && k->seen) return 0; /* found this pass: a copy, not a move */
    for (int i = 0; i < c->n; i++)
        if (c->seen[i] == id) return 0;
    return access(ref, F_OK) != 0;
}

/* Writes the batch in one transaction (short, so the write worker never waits long). */
static int flush_batch(scan_ctx *c)
{
    sr_store *st = c->st;
    int rc = 0;
    if (!c->nbatch) return 0;
    if (st->ops->begin(st)) return SR_EIO;
    for (row_copy *b = c->batch_head; b && !rc; b = b->next) {
        int64_t id = 0;
        if (!known_find(c, b->r.ref) && st->ops->track_find_moved) {
            rc = st->ops->track_find_moved(st, &b->r, keep_moved, c, &id);
            if (!rc && id) {
                rc = st->ops->track_move(st, id, b->r.ref);
                sr_log(SR_LOG_INFO, "track moved", "id=%lld", (long long)id);
            }
        }
        if (!rc) rc = st->ops->upsert_track(st, &b->r, &id);
        if (!rc) {
            b->r.id = id;
            seen_push(c, id);
        }
    }
    if (rc) {
        st->ops->rollback(st);
        return rc;
    }
    rc = st->ops->commit(st);
    if (rc) return rc;
    if (c->keep_rows) {
        if (c->out_tail)
            c->out_tail->next = c->batch_head;
        else
            c->out_head = c->batch_head;
        c->out_tail = c->batch_tail;
    } else {
        while (c->batch_head) {
            row_copy *n = c->batch_head->next;
            row_copy_free(c->batch_head);
            c->batch_head = n;
        }
    }
    c->batch_head = c->batch_tail = NULL;
    c->nbatch = 0;
    return 0;
}

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
        .available = 1,
        .album_artist = m->album_artist,
        .genre = m->genre,
        .isrc = m->isrc,
        .mbid = m->mbid,
        .identity = m->identity,
        .cover_ref = m->cover_path,
        .track_no = m->track_no,
        .disc_no = m->disc_no,
        .year = m->year,
    };
    row_copy *b = row_copy_new(&r);
    if (c->batch_tail)
        c->batch_tail->next = b;
    else
        c->batch_head = b;
    c->batch_tail = b;
    c->probed++;
    if (++c->nbatch >= SCAN_BATCH) flush_batch(c);
}

static void scan_ctx_clear(scan_ctx *c)
{
    for (size_t i = 0; i < c->nk; i++)
        free(c->k[i].ref);
    free(c->k);
    free(c->seen);
    for (row_copy *b = c->batch_head, *n; b; b = n)
        n = b->next, row_copy_free(b);
    for (row_copy *b = c->out_head, *n; b; b = n)
        n = b->next, row_copy_free(b);
}

static int id_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* One pass over dir. With keep_rows, c->out_* collects the rows written and the ids that went
 * away (for the service thread). Returns the tracks found or SR_E*. */
static int scan_pass(scan_ctx *c, const char *dir, sr_scan_opts *opts)
{
    sr_store *st = c->st;
    int64_t t0 = sr_mono_us();
    if (st->ops->tracks_known) {
        if (st->ops->tracks_known(st, "local", known_row, c)) return SR_EIO;
        if (c->nk) qsort(c->k, c->nk, sizeof *c->k, known_cmp);
    }
    opts->want = want_file;
    opts->seen = seen_file;
    int n = sr_source_local.scan2(dir, on_scanned, c, opts);
    int rc = flush_batch(c);
    if (!rc && n >= 0 && !opts->stopped) {
        /* Only a scan that completed may declare missing files gone. */
        rc = st->ops->begin(st);
        if (!rc) rc = st->ops->mark_unavailable(st, "local", c->seen, c->n);
        if (!rc)
            rc = st->ops->commit(st);
        else
            st->ops->rollback(st);
        if (!rc && c->keep_rows) {
            /* the ids that were available and were not seen */
            if (c->n) qsort(c->seen, (size_t)c->n, sizeof *c->seen, id_cmp);
            for (size_t i = 0; i < c->nk; i++) {
                if (!c->k[i].available) continue;
                if (c->n && bsearch(&c->k[i].id, c->seen, (size_t)c->n, sizeof *c->seen, id_cmp))
                    continue;
                row_copy *g = sr_xcalloc(1, sizeof *g);
                g->gone = c->k[i].id;
                if (c->out_tail)
                    c->out_tail->next = g;
                else
                    c->out_head = g;
                c->out_tail = g;
            }
        }
    }
    if (rc) return rc;
    if (n >= 0)
        sr_log(SR_LOG_INFO, "library scanned", "dir=\"%s\" tracks=%d probed=%d ms=%lld", dir, n,
               c->probed, (long long)((sr_mono_us() - t0) / 1000));
    return n;
}

int sr_library_scan(sr_store *st, const char *dir)
{
    scan_ctx c = {.st = st};
    sr_scan_opts opts = {0};
    int n = scan_pass(&c, dir, &opts);
    scan_ctx_clear(&c);
    return n;
}

/* ---------- the scanner thread ---------- */

static void add_watch(const char *path, void *ud)
{
    sr_library *lib = ud;
    if (lib->inotify_fd >= 0)
        inotify_add_watch(lib->inotify_fd, path,
                          IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE |
                              IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR);
}

/* scan2's dir callback gets the scan_ctx; the library rides along in this wrapper */
typedef struct scan_with_lib {
    scan_ctx c; /* first: the callbacks cast ud to scan_ctx */
    sr_library *lib;
} scan_with_lib;

static void dir_cb(const char *path, void *ud)
{
    add_watch(path, ((scan_with_lib *)ud)->lib);
}

static void scanner_pass(sr_library *lib)
{
    scan_with_lib w = {.c = {.st = lib->scan_st, .keep_rows = 1}, .lib = lib};
    sr_scan_opts opts = {.dir = dir_cb, .stop = &lib->stop};
    int64_t t0 = sr_mono_us();
    pthread_mutex_lock(&lib->mu);
    lib->scanning = 1;
    pthread_mutex_unlock(&lib->mu);
    int n = scan_pass(&w.c, lib->root, &opts);
    pthread_mutex_lock(&lib->mu);
    int64_t gone = 0;
    for (row_copy *b = w.c.out_head; b; b = b->next)
        gone += b->gone != 0;
    if (w.c.out_head) {
        if (lib->found_tail)
            lib->found_tail->next = w.c.out_head;
        else
            lib->found_head = w.c.out_head;
        lib->found_tail = w.c.out_tail;
        w.c.out_head = w.c.out_tail = NULL;
    }
    lib->scanning = 0;
    lib->scans++;
    lib->first_done = 1;
    lib->last_found = n;
    lib->last_probed = w.c.probed;
    lib->last_gone = gone;
    lib->last_ms = (double)(sr_mono_us() - t0) / 1000.0;
    pthread_cond_broadcast(&lib->cv);
    pthread_mutex_unlock(&lib->mu);
    if (n < 0)
        sr_log(SR_LOG_WARN, "library scan failed", "dir=\"%s\" err=\"%s\"", lib->root,
               sr_strerror(n));
    scan_ctx_clear(&w.c);
}

static void *scanner_main(void *arg)
{
    sr_library *lib = arg;
    int64_t dirty_since = 0;
    scanner_pass(lib);
    while (!atomic_load(&lib->stop)) {
        struct pollfd pfd = {.fd = lib->inotify_fd, .events = POLLIN};
        int r = poll(&pfd, lib->inotify_fd >= 0 ? 1 : 0, 100);
        if (r > 0 && (pfd.revents & POLLIN)) {
            char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
            while (read(lib->inotify_fd, buf, sizeof buf) > 0) {
            }
            dirty_since = sr_mono_us();
        }
        pthread_mutex_lock(&lib->mu);
        int wanted = lib->rescan_wanted;
        lib->rescan_wanted = 0;
        pthread_mutex_unlock(&lib->mu);
        if (wanted || (dirty_since && sr_mono_us() - dirty_since > DEBOUNCE_MS * 1000)) {
            dirty_since = 0;
            scanner_pass(lib);
        }
    }
    return NULL;
}

/* ---------- the reader thread ---------- */

typedef struct browse_ctx {
    const char *kind;
    json_t *arr;
} browse_ctx;

static void browse_row(void *ud, const sr_browse_row *r)
{
    browse_ctx *b = ud;
    json_t *o;
    if (!strcmp(b->kind, "artists"))
        o = json_pack("{s:s,s:I,s:I}", "name", r->name ? r->name : "", "tracks",
                      (json_int_t)r->tracks, "albums", (json_int_t)r->albums);
    else if (!strcmp(b->kind, "albums")) {
        char cover[64];
        snprintf(cover, sizeof cover, "/api/tracks/%lld/cover", (long long)r->cover_track);
        o = json_pack("{s:s,s:o,s:o,s:I,s:o}", "name", r->name ? r->name : "", "artist",
                      str_or_null(r->artist), "year", int_or_null(r->year), "tracks",
                      (json_int_t)r->tracks, "cover",
                      r->cover_track ? json_string(cover) : json_null());
    } else if (!strcmp(b->kind, "genres"))
        o = json_pack("{s:s,s:I}", "name", r->name ? r->name : "", "tracks", (json_int_t)r->tracks);
    else
        o = json_pack("{s:i,s:I}", "year", r->year, "tracks", (json_int_t)r->tracks);
    json_array_append_new(b->arr, o);
}

static void id_row(void *ud, int64_t id)
{
    json_array_append_new(ud, json_integer(id));
}

/* Reads a whole regular file of at most max bytes (not following a final symlink). */
static int read_file(const char *path, size_t max, unsigned char **out, size_t *len)
{
    FILE *f;
    struct stat sb;
    if (lstat(path, &sb) || !S_ISREG(sb.st_mode)) return SR_ENOENT;
    if (sb.st_size <= 0 || (size_t)sb.st_size > max) return SR_EINVAL;
    if (!(f = fopen(path, "rb"))) return SR_ENOENT;
    *out = sr_xmalloc((size_t)sb.st_size);
    *len = fread(*out, 1, (size_t)sb.st_size, f);
    fclose(f);
    if (*len != (size_t)sb.st_size) {
        free(*out);
        *out = NULL;
        return SR_EIO;
    }
    return 0;
}

static const char *image_mime(const unsigned char *d, size_t n)
{
    if (n >= 3 && !memcmp(d, "\xff\xd8\xff", 3)) return "image/jpeg";
    if (n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8)) return "image/png";
    return NULL;
}

static void run_job(sr_library *lib, rjob *j)
{
    if (j->kind == JOB_QUERY) {
        sr_track_query q = {.text = j->text,
                            .artist = j->artist,
                            .album = j->album,
                            .genre = j->genre,
                            .year = j->year,
                            .limit = j->limit};
        sr_store *st = lib->read_st;
        if (!strcmp(j->what, "tracks")) {
            json_t *ids = json_array();
            j->status = st->ops->track_search(st, &q, id_row, ids);
            j->body = ids;
        } else {
            browse_ctx b = {j->what, json_array()};
            j->status = st->ops->track_browse(st, j->what, &q, browse_row, &b);
            j->body = json_pack("{s:o}", j->what, b.arr);
        }
        return;
    }
    /* a cover: the embedded picture, else the image beside the file */
    unsigned char *buf = NULL;
    size_t len = 0;
    char mime[32] = "";
    int rc = j->path ? sr_source_local.cover(j->path, &buf, &len, mime) : SR_ENOENT;
    if (rc && j->cover_ref) {
        rc = read_file(j->cover_ref, COVER_FILE_MAX, &buf, &len);
        const char *m = rc ? NULL : image_mime(buf, len);
        if (!rc && !m) {
            free(buf);
            buf = NULL;
            rc = SR_EINVAL;
        }
        if (m) snprintf(mime, sizeof mime, "%s", m);
    }
    if (!rc && j->size > 0) {
        unsigned char *small = NULL;
        size_t slen = 0;
        if (sr_thumb_jpeg(buf, len, j->size, &small, &slen) == 0) {
            free(buf);
            buf = small;
            len = slen;
            snprintf(mime, sizeof mime, "image/jpeg");
        } /* else: an image we cannot decode is served as it is */
    }
    j->status = rc;
    j->img = buf;
    j->img_len = len;
    snprintf(j->mime, sizeof j->mime, "%s", mime);
}

static void *reader_main(void *arg)
{
    sr_library *lib = arg;
    pthread_mutex_lock(&lib->mu);
    for (;;) {
        while (!lib->in_head && !atomic_load(&lib->stop))
            pthread_cond_wait(&lib->cv, &lib->mu);
        if (!lib->in_head) break;
        rjob *j = lib->in_head;
        lib->in_head = j->next;
        if (!lib->in_head) lib->in_tail = NULL;
        j->next = NULL;
        pthread_mutex_unlock(&lib->mu);
        run_job(lib, j);
        pthread_mutex_lock(&lib->mu);
        if (lib->done_tail)
            lib->done_tail->next = j;
        else
            lib->done_head = j;
        lib->done_tail = j;
        /* woken under the lock: once the service thread has taken every answer (and so may
         * tear the event loop down), no wake from here is still on its way */
        if (lib->wake) lib->wake(lib->wake_ud);
    }
    pthread_mutex_unlock(&lib->mu);
    return NULL;
}

/* ---------- start, poll, stop ---------- */

int sr_library_start(sr_library *lib, sr_store *st, const char *dir, int grace_ms,
                     void (*wake)(void *ud), void *ud)
{
    if (!st->ops->open_twin) return SR_EINVAL;
    pthread_mutex_init(&lib->mu, NULL);
    pthread_cond_init(&lib->cv, NULL);
    lib->mu_init = 1;
    lib->wake = wake;
    lib->wake_ud = ud;
    int rc = st->ops->open_twin(st, 1, &lib->read_st);
    if (rc) return rc;
    if (pthread_create(&lib->reader, NULL, reader_main, lib)) return SR_ENOMEM;
    pthread_setname_np(lib->reader, "sr-libread");
    lib->reader_on = 1;
    if (!dir) return 0;
    char *real = realpath(dir, NULL);
    if (!real) {
        sr_log(SR_LOG_WARN, "library directory not found", "dir=\"%s\"", dir);
        return SR_ENOENT;
    }
    lib->root = real;
    rc = st->ops->open_twin(st, 0, &lib->scan_st);
    if (rc) return rc;
    lib->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (lib->inotify_fd < 0)
        sr_log(SR_LOG_WARN, "no inotify: changes are picked up by rescans only", "err=\"%s\"",
               strerror(errno));
    if (pthread_create(&lib->scanner, NULL, scanner_main, lib)) return SR_ENOMEM;
    pthread_setname_np(lib->scanner, "sr-scan");
    lib->scanner_on = 1;
    /* a small library is ready before serving; a big one goes on in the background */
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += grace_ms / 1000;
    until.tv_nsec += (long)(grace_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) until.tv_sec++, until.tv_nsec -= 1000000000L;
    pthread_mutex_lock(&lib->mu);
    while (!lib->first_done)
        if (pthread_cond_timedwait(&lib->cv, &lib->mu, &until) == ETIMEDOUT) break;
    int done = lib->first_done;
    pthread_mutex_unlock(&lib->mu);
    if (!done)
        sr_log(SR_LOG_INFO, "library scan continues in the background", "dir=\"%s\"", lib->root);
    return 0;
}

static void stop_threads(sr_library *lib)
{
    if (!lib->mu_init) return;
    pthread_mutex_lock(&lib->mu);
    atomic_store(&lib->stop, 1);
    pthread_cond_broadcast(&lib->cv);
    pthread_mutex_unlock(&lib->mu);
    if (lib->scanner_on) pthread_join(lib->scanner, NULL);
    if (lib->reader_on) pthread_join(lib->reader, NULL);
    lib->scanner_on = lib->reader_on = 0;
    for (row_copy *b = lib->found_head, *n; b; b = n)
        n = b->next, row_copy_free(b);
    lib->found_head = lib->found_tail = NULL;
    /* answers never delivered: their requesters are gone with the server */
    for (rjob *j = lib->in_head, *n; j; j = n)
        n = j->next, rjob_free(j);
    for (rjob *j = lib->done_head, *n; j; j = n)
        n = j->next, rjob_free(j);
    lib->in_head = lib->done_head = NULL;
    if (lib->inotify_fd >= 0) close(lib->inotify_fd);
    lib->inotify_fd = -1;
    if (lib->scan_st) lib->scan_st->ops->close(lib->scan_st);
    if (lib->read_st) lib->read_st->ops->close(lib->read_st);
    lib->scan_st = lib->read_st = NULL;
    free(lib->root);
    lib->root = NULL;
    pthread_mutex_destroy(&lib->mu);
    pthread_cond_destroy(&lib->cv);
    lib->mu_init = 0;
}

static void cover_keep(sr_library *lib, rjob *j)
{
    if (lib->cover_bytes + j->img_len > COVER_CACHE_MAX) { /* full: start again */
        for (int i = 0; i < lib->ncovers; i++)
            free(lib->covers[i].data);
        lib->ncovers = 0;
        lib->cover_bytes = 0;
    }
    lib->covers = sr_xrealloc(lib->covers, (size_t)(lib->ncovers + 1) * sizeof *lib->covers);
    cover_entry *c = &lib->covers[lib->ncovers++];
    c->id = j->id;
    c->size = j->size;
    c->data = j->img;
    c->len = j->img_len;
    snprintf(c->mime, sizeof c->mime, "%s", j->mime);
    lib->cover_bytes += j->img_len;
    j->img = NULL;
}

static void finish_job(sr_library *lib, rjob *j)
{
    if (j->kind == JOB_COVER) {
        if (j->status) {
            j->cover_done(j->ctx, j->status, NULL, 0, NULL);
        } else {
            cover_keep(lib, j);
            const cover_entry *c = &lib->covers[lib->ncovers - 1];
            j->cover_done(j->ctx, 0, c->data, c->len, c->mime);
        }
        rjob_free(j);
        return;
    }
    if (j->status) {
        j->done(j->ctx, j->status, NULL);
    } else if (!strcmp(j->what, "tracks")) {
        /* ids -> the shared track objects, dropping any that went away meanwhile */
        json_t *a = json_array(), *v;
        size_t i;
        json_array_foreach(j->body, i, v)
        {
            const sr_track *t = sr_library_get(lib, json_integer_value(v));
            if (t && t->available) json_array_append(a, t->json);
        }
        j->done(j->ctx, 0, json_pack("{s:o}", "tracks", a));
    } else {
        j->done(j->ctx, 0, json_incref(j->body));
    }
    rjob_free(j);
}

void sr_library_poll(sr_library *lib)
{
    if (!lib->mu_init) return;
    pthread_mutex_lock(&lib->mu);
    row_copy *found = lib->found_head;
    lib->found_head = lib->found_tail = NULL;
    rjob *done = lib->done_head;
    lib->done_head = lib->done_tail = NULL;
    pthread_mutex_unlock(&lib->mu);
    for (row_copy *b = found, *n; b; b = n) {
        n = b->next;
        if (b->gone)
            sr_library_mark_gone(lib, b->gone);
        else
            sr_library_add(lib, &b->r);
        row_copy_free(b);
    }
    for (rjob *j = done, *n; j; j = n) {
        n = j->next;
        pthread_mutex_lock(&lib->mu);
        lib->rpending--;
        pthread_mutex_unlock(&lib->mu);
        finish_job(lib, j);
    }
}

int sr_library_pending(sr_library *lib)
{
    if (!lib->mu_init) return 0;
    pthread_mutex_lock(&lib->mu);
    int n = lib->rpending;
    pthread_mutex_unlock(&lib->mu);
    return n;
}

int sr_library_rescan(sr_library *lib)
{
    if (!lib->mu_init || !lib->scanner_on) return SR_EINVAL;
    pthread_mutex_lock(&lib->mu);
    lib->rescan_wanted = 1;
    pthread_mutex_unlock(&lib->mu);
    return 0;
}

json_t *sr_library_status(sr_library *lib)
{
    int n;
    sr_library_playable(lib, &n);
    if (!lib->mu_init) return json_pack("{s:b,s:i,s:i}", "scanning", 0, "scans", 0, "tracks", n);
    pthread_mutex_lock(&lib->mu);
    json_t *o = json_pack("{s:b,s:b,s:i,s:i,s:{s:I,s:I,s:I,s:f}}", "scanning",
                          lib->scanning || lib->rescan_wanted, "watching", lib->inotify_fd >= 0,
                          "scans", lib->scans, "tracks", n, "last", "found",
                          (json_int_t)lib->last_found, "probed", (json_int_t)lib->last_probed,
                          "gone", (json_int_t)lib->last_gone, "ms", lib->last_ms);
    pthread_mutex_unlock(&lib->mu);
    return o;
}

static void submit_job(sr_library *lib, rjob *j)
{
    pthread_mutex_lock(&lib->mu);
    if (lib->in_tail)
        lib->in_tail->next = j;
    else
        lib->in_head = j;
    lib->in_tail = j;
    lib->rpending++;
    pthread_cond_broadcast(&lib->cv);
    pthread_mutex_unlock(&lib->mu);
}

int sr_library_query(sr_library *lib, const char *kind, const sr_track_query *q,
                     sr_library_done done, void *ctx)
{
    static const char *const kinds[] = {"tracks", "artists", "albums", "genres", "years"};
    int ok = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        ok |= !strcmp(kind, kinds[i]);
    if (!ok || !lib->reader_on) return SR_EINVAL;
    rjob *j = sr_xcalloc(1, sizeof *j);
    j->kind = JOB_QUERY;
    j->what = sr_xstrdup(kind);
    j->text = dup_or_null(q->text);
    j->artist = dup_or_null(q->artist);
    j->album = dup_or_null(q->album);
    j->genre = dup_or_null(q->genre);
    j->year = q->year;
    j->limit = q->limit;
    j->done = done;
    j->ctx = ctx;
    submit_job(lib, j);
    return 0;
}

int sr_library_cover(sr_library *lib, int64_t id, int size, sr_library_cover_done done, void *ctx)
{
    const sr_track *t = sr_library_get(lib, id);
    if (!t || !t->has_cover || strcmp(t->source, "local")) return SR_ENOENT;
    for (int i = 0; i < lib->ncovers; i++)
        if (lib->covers[i].id == id && lib->covers[i].size == size) {
            done(ctx, 0, lib->covers[i].data, lib->covers[i].len, lib->covers[i].mime);
            return 0;
        }
    if (!lib->reader_on) return SR_ENOENT;
    rjob *j = sr_xcalloc(1, sizeof *j);
    j->kind = JOB_COVER;
    j->id = id;
    j->size = size;
    j->path = sr_xstrdup(t->path);
    j->cover_ref = dup_or_null(t->cover_ref);
    j->cover_done = done;
    j->ctx = ctx;
    submit_job(lib, j);
    return 0;
}
