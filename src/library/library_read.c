/* library_read.c - the reader: a thread with a read-only store connection that answers
 * full-text searches, browsing and covers (with their cache), so the service thread never
 * waits on the disk. */
#include "library/library_internal.h"
#include "source/source.h"
#include "source/thumb.h"
#include "util/jobq.h"
#include "util/util.h"
#include "util/vec.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define COVER_CACHE_MAX (64 * 1024 * 1024)
#define COVER_FILE_MAX (16 * 1024 * 1024)

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
    rjob *j;
    /* after a stop, what was asked is still answered; the answers are freed undelivered */
    while ((j = sr_jobq_pop(lib->readq))) {
        run_job(lib, j);
        sr_jobq_finish(lib->readq, j);
    }
    return NULL;
}

int sr_library__reader_start(sr_library *lib, sr_store *st, void (*wake)(void *ud), void *ud)
{
    lib->readq = sr_jobq_new(offsetof(rjob, next), wake, ud);
    if (!lib->readq) return SR_ENOMEM;
    int rc = st->ops->open_twin(st, 1, &lib->read_st);
    if (rc) return rc;
    if (pthread_create(&lib->reader, NULL, reader_main, lib)) return SR_ENOMEM;
    pthread_setname_np(lib->reader, "sr-libread");
    lib->reader_on = 1;
    return 0;
}

void sr_library__reader_stop(sr_library *lib)
{
    if (!lib->readq) return;
    sr_jobq_stop(lib->readq);
    if (lib->reader_on) pthread_join(lib->reader, NULL);
    lib->reader_on = 0;
    /* answers never delivered: their requesters are gone with the server */
    for (rjob *j = sr_jobq_take_done(lib->readq), *n; j; j = n)
        n = j->next, rjob_free(j);
    sr_jobq_free(lib->readq);
    lib->readq = NULL;
    if (lib->read_st) lib->read_st->ops->close(lib->read_st);
    lib->read_st = NULL;
}

void sr_library__covers_free(sr_library *lib)
{
    for (int i = 0; i < lib->ncovers; i++)
        free(lib->covers[i].data);
    free(lib->covers);
    lib->covers = NULL;
    lib->ncovers = 0;
    lib->capcovers = 0;
    lib->cover_bytes = 0;
}

static void cover_keep(sr_library *lib, rjob *j)
{
    if (lib->cover_bytes + j->img_len > COVER_CACHE_MAX) { /* full: start again */
        for (int i = 0; i < lib->ncovers; i++)
            free(lib->covers[i].data);
        lib->ncovers = 0;
        lib->cover_bytes = 0;
    }
    SR_XGROW(lib->covers, lib->capcovers, (size_t)lib->ncovers + 1);
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

void sr_library__reader_poll(sr_library *lib)
{
    if (!lib->readq) return;
    for (rjob *j = sr_jobq_take_done(lib->readq), *n; j; j = n) {
        n = j->next;
        finish_job(lib, j);
    }
}

int sr_library_pending(sr_library *lib)
{
    return lib->readq ? sr_jobq_pending(lib->readq) : 0;
}

/* A copy of s (the caller's), or NULL when s is NULL; *oom set when out of memory. */
static char *try_dup(const char *s, int *oom)
{
    char *d = sr_strdup(s);
    if (s && !d) *oom = 1;
    return d;
}

int sr_library_query(sr_library *lib, const char *kind, const sr_track_query *q,
                     sr_library_done done, void *ctx)
{
    static const char *const kinds[] = {"tracks", "artists", "albums", "genres", "years"};
    int ok = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        ok |= !strcmp(kind, kinds[i]);
    if (!ok || !lib->reader_on) return SR_EINVAL;
    /* the non-aborting allocators: a request the server cannot afford is answered 503 */
    rjob *j = sr_calloc(1, sizeof *j);
    if (!j) return SR_ENOMEM;
    int oom = 0;
    j->kind = JOB_QUERY;
    j->what = try_dup(kind, &oom);
    j->text = try_dup(q->text, &oom);
    j->artist = try_dup(q->artist, &oom);
    j->album = try_dup(q->album, &oom);
    j->genre = try_dup(q->genre, &oom);
    if (oom) {
        rjob_free(j);
        return SR_ENOMEM;
    }
    j->year = q->year;
    j->limit = q->limit;
    j->done = done;
    j->ctx = ctx;
    sr_jobq_push(lib->readq, j);
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
    sr_jobq_push(lib->readq, j);
    return 0;
}
