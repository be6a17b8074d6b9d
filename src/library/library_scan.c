/* library_scan.c - the scanner: a pass over the music directory into the store (new and
 * changed files probed, moved files keep their id, missing ones marked unavailable), and the
 * thread that runs it at start, on request and after inotify events. */
#include "library/library_internal.h"
#include "source/source.h"
#include "util/log.h"
#include "util/map.h"
#include "util/util.h"
#include "util/vec.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#define SCAN_BATCH 256  /* files per scanner transaction */
#define DEBOUNCE_MS 400 /* quiet time after inotify events before a rescan */

/* ---------- owned copies of store rows (scanner -> service thread) ---------- */

typedef struct row_copy {
    struct row_copy *next;
    sr_track_row r;
    int64_t gone; /* non-zero: only "this id is gone" */
    int64_t back; /* non-zero: only "this id, marked gone while playing, has its file again" */
} row_copy;

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
    int64_t *seen; /* ids found this pass, for the store */
    int n;
    size_t cap;
    sr_imap seenset; /* the same ids, to ask whether one was found */
    int probed;
    row_copy *batch_head, *batch_tail; /* rows of this batch (ids filled in at flush) */
    int nbatch;
    row_copy *out_head, *out_tail; /* everything written, for the service thread */
    int keep_rows;
    int completed; /* the pass saw the whole directory: what it did not see is gone */
} scan_ctx;

static void known_row(void *ud, int64_t id, const char *ref, int64_t mtime, int64_t size,
                      int available)
{
    scan_ctx *c = ud;
    SR_XGROW(c->k, c->capk, c->nk + 1);
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
    SR_XGROW(c->seen, c->cap, (size_t)c->n + 1);
    c->seen[c->n++] = id;
    sr_imap_put(&c->seenset, id, 1);
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
    if (sr_imap_get(&c->seenset, id)) return 0;
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
    sr_imap_free(&c->seenset);
    for (row_copy *b = c->batch_head, *n; b; b = n)
        n = b->next, row_copy_free(b);
    for (row_copy *b = c->out_head, *n; b; b = n)
        n = b->next, row_copy_free(b);
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
        c->completed = !rc;
        if (!rc && c->keep_rows) {
            /* the ids that were available and were not seen */
            for (size_t i = 0; i < c->nk; i++) {
                if (!c->k[i].available || sr_imap_get(&c->seenset, c->k[i].id)) continue;
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
    /* a track marked gone while playing (sr_library_open_failed) whose file this complete pass
     * found is available again: the store never stopped saying so */
    for (size_t i = 0; w.c.completed && i < lib->nmarked; i++) {
        if (!sr_imap_get(&w.c.seenset, lib->marked[i])) continue;
        row_copy *b = sr_xcalloc(1, sizeof *b);
        b->back = lib->marked[i];
        if (w.c.out_tail)
            w.c.out_tail->next = b;
        else
            w.c.out_head = b;
        w.c.out_tail = b;
    }
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

int sr_library__scanner_start(sr_library *lib, sr_store *st, const char *dir, int grace_ms)
{
    char *real = realpath(dir, NULL);
    if (!real) {
        sr_log(SR_LOG_WARN, "library directory not found", "dir=\"%s\"", dir);
        return SR_ENOENT;
    }
    lib->root = real;
    int rc = st->ops->open_twin(st, 0, &lib->scan_st);
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

void sr_library__scanner_stop(sr_library *lib)
{
    atomic_store(&lib->stop, 1); /* an unfinished pass is abandoned: the next one redoes it */
    if (lib->scanner_on) pthread_join(lib->scanner, NULL);
    lib->scanner_on = 0;
    for (row_copy *b = lib->found_head, *n; b; b = n)
        n = b->next, row_copy_free(b);
    lib->found_head = lib->found_tail = NULL;
    if (lib->inotify_fd >= 0) close(lib->inotify_fd);
    lib->inotify_fd = -1;
    if (lib->scan_st) lib->scan_st->ops->close(lib->scan_st);
    lib->scan_st = NULL;
    free(lib->root);
    lib->root = NULL;
}

void sr_library__scanner_poll(sr_library *lib)
{
    pthread_mutex_lock(&lib->mu);
    row_copy *found = lib->found_head;
    lib->found_head = lib->found_tail = NULL;
    pthread_mutex_unlock(&lib->mu);
    for (row_copy *b = found, *n; b; b = n) {
        n = b->next;
        if (b->gone)
            sr_library__set_gone(lib, b->gone);
        else if (b->back)
            sr_library__restore(lib, b->back);
        else
            sr_library_add(lib, &b->r);
        row_copy_free(b);
    }
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
