/* library.c - the catalogue: the tracks in memory (by id, dense), the playable set, the
 * canonical copy of a song and the in-memory search. The threads build on it, not it on them. */
#include "library/library_internal.h"
#include "util/log.h"
#include "util/map.h"
#include "util/util.h"
#include "util/vec.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

void sr_library__catalogue_free(sr_library *lib)
{
    for (size_t i = 0; i < lib->ntracks; i++)
        track_free(lib->tracks[i]);
    free(lib->tracks);
    free(lib->playable);
    sr_map_free(&lib->idmap);
    free(lib->marked);
    lib->marked = NULL;
    lib->nmarked = lib->capmarked = 0;
    lib->tracks = NULL;
    lib->ntracks = 0;
    lib->playable = NULL;
    lib->nplayable = 0;
    lib->capplayable = 0;
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

void sr_library_add(sr_library *lib, const sr_track_row *r)
{
    if (r->id <= 0) return;
    if ((uint64_t)r->id >= lib->ntracks) {
        size_t had = lib->ntracks;
        SR_XGROW(lib->tracks, lib->ntracks, (size_t)r->id + 1);
        memset(lib->tracks + had, 0, (lib->ntracks - had) * sizeof *lib->tracks);
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
        SR_XGROW(lib->playable, lib->capplayable, (size_t)lib->nplayable + 1);
        lib->playable[lib->nplayable++] = t->id;
    } else if (was_playable && !is_playable(t)) {
        playable_drop(lib, t->id);
    }
}

const sr_track *sr_library_get(const sr_library *lib, int64_t id)
{
    return id > 0 && (uint64_t)id < lib->ntracks ? lib->tracks[id] : NULL;
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

static void marks_lock(sr_library *lib)
{
    if (lib->mu_init) pthread_mutex_lock(&lib->mu);
}

static void marks_unlock(sr_library *lib)
{
    if (lib->mu_init) pthread_mutex_unlock(&lib->mu);
}

/* Forgets the mark on id. Returns 1 when there was one. */
static int marks_drop(sr_library *lib, int64_t id)
{
    int was = 0;
    marks_lock(lib);
    for (size_t i = 0; i < lib->nmarked && !was; i++)
        if (lib->marked[i] == id) {
            lib->marked[i] = lib->marked[--lib->nmarked];
            was = 1;
        }
    marks_unlock(lib);
    return was;
}

void sr_library__set_gone(sr_library *lib, int64_t id)
{
    sr_track *t = id > 0 && (uint64_t)id < lib->ntracks ? lib->tracks[id] : NULL;
    marks_drop(lib, id); /* the store says so now: nothing left for a rescan to undo */
    if (!t || !t->available) return;
    if (is_playable(t)) playable_drop(lib, id);
    t->available = 0;
    lib->idmap_dirty = 1;
}

void sr_library__restore(sr_library *lib, int64_t id)
{
    sr_track *t = id > 0 && (uint64_t)id < lib->ntracks ? lib->tracks[id] : NULL;
    if (!marks_drop(lib, id) || !t || t->available) return;
    t->available = 1;
    if (is_playable(t)) {
        SR_XGROW(lib->playable, lib->capplayable, (size_t)lib->nplayable + 1);
        lib->playable[lib->nplayable++] = id;
    }
    lib->idmap_dirty = 1;
    sr_log(SR_LOG_INFO, "track available again", "id=%lld", (long long)id);
}

/* 1 when the file at path is really gone: nothing there, or not a regular file. An lstat()
 * that fails for another reason (EACCES, ENOMEM, EIO) proves nothing: 0. */
static int file_gone(const char *path, int *why)
{
    struct stat st;
    if (lstat(path, &st) == 0) {
        *why = 0;
        return !S_ISREG(st.st_mode);
    }
    *why = errno;
    return errno == ENOENT || errno == ENOTDIR;
}

int sr_library_open_failed(sr_library *lib, int64_t id, int err)
{
    sr_track *t = id > 0 && (uint64_t)id < lib->ntracks ? lib->tracks[id] : NULL;
    if (!t || strcmp(t->source, "local")) return 0;
    int why = 0, gone = file_gone(t->path, &why);
    /* at the descriptor limit every request fails the same way: one line a second, not one
     * per request */
    int64_t now = sr_mono_us();
    if (gone || now - lib->open_log_us >= 1000000) {
        sr_log(gone ? SR_LOG_WARN : SR_LOG_ERROR,
               gone ? "media file gone" : "media file could not be opened; the track stays",
               "id=%lld err=\"%s\" lstat=\"%s\" also=%d", (long long)id,
               err ? strerror(err) : "not a regular file", why ? strerror(why) : "ok",
               lib->open_log_skipped);
        if (!gone) lib->open_log_us = now, lib->open_log_skipped = 0;
    } else {
        lib->open_log_skipped++;
    }
    if (!gone || !t->available) return 0;
    sr_library__set_gone(lib, id);
    marks_lock(lib);
    SR_XGROW(lib->marked, lib->capmarked, lib->nmarked + 1);
    lib->marked[lib->nmarked++] = id;
    marks_unlock(lib);
    return 1;
}

void sr_library_mark_gone(sr_library *lib, int64_t id)
{
    sr_library_open_failed(lib, id, errno);
}

/* identity -> the lowest available id that has it */
static void idmap_build(sr_library *lib)
{
    sr_map_free(&lib->idmap);
    for (size_t id = 1; id < lib->ntracks; id++) { /* ascending: the first id wins */
        const sr_track *t = lib->tracks[id];
        if (!t || !t->identity || !t->available) continue;
        if (!sr_map_get(&lib->idmap, t->identity))
            sr_map_put(&lib->idmap, t->identity, (int64_t)id);
    }
    lib->idmap_dirty = 0;
}

int64_t sr_library_canonical(const sr_library *clib, int64_t id)
{
    sr_library *lib = (sr_library *)clib; /* the map is a cache, rebuilt on demand */
    const sr_track *t = sr_library_get(lib, id);
    if (!t || !t->identity) return id;
    if (lib->idmap_dirty) idmap_build(lib);
    int64_t best = sr_map_get(&lib->idmap, t->identity);
    /* "meta:" keys: a duration on a bucket edge may land in the next bucket; look there too */
    const char *bar = strncmp(t->identity, "meta:", 5) ? NULL : strrchr(t->identity, '|');
    if (bar) {
        long long b = atoll(bar + 1);
        size_t len = (size_t)(bar - t->identity) + 24;
        char *k = sr_xmalloc(len);
        for (int d = -1; d <= 1; d += 2) {
            snprintf(k, len, "%.*s|%lld", (int)(bar - t->identity), t->identity, b + d);
            int64_t o = sr_map_get(&lib->idmap, k);
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
    for (size_t id = 1; id < lib->ntracks && (int)json_array_size(a) < limit; id++) {
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
