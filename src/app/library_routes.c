/* library_routes.c - the library module's REST routes: tracks (search and filters), one track,
 * its cover, and the library's status, rescan and browsing. Searches, browsing and covers are
 * answered by the library's reader thread; the rest from memory. */
#include "app/hub.h"
#include "library/library.h"
#include "app/modules.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COVER_CACHE "public, max-age=86400"

/* Where an answer of the reader thread goes: the request's hooks, kept until it comes. */
typedef struct pending {
    void (*reply)(void *ctx, int status, json_t *body, const char *set_cookie);
    void (*reply_cached)(void *ctx, int status, const char *ctype, char *body, size_t len,
                         const char *etag, const char *cache_control);
    void *ctx;
    char etag[48];
} pending;

/* A copy of q's hooks for an answer that comes later; the caller frees it if none will. */
static pending *pending_new(const sr_rest *q)
{
    pending *p = sr_xcalloc(1, sizeof *p);
    p->reply = q->reply;
    p->reply_cached = q->reply_cached;
    p->ctx = q->ctx;
    return p;
}

static void pending_error(pending *p, int status, const char *code, const char *message)
{
    p->reply(p->ctx, status, json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message),
             NULL);
}

/* Library REST answers from the reader thread. */
static void library_done(void *ctx, int status, json_t *body)
{
    pending *p = ctx;
    if (status)
        pending_error(p, 500, "internal", "the library could not answer");
    else
        p->reply(p->ctx, 200, body, NULL);
    free(p);
}

/* Reads artist=, album=, genre=, year= into tq (bufs hold the strings). Returns 0, or -1
 * after answering 400. */
static int library_filters(const sr_rest *q, sr_track_query *tq, char bufs[4][256])
{
    tq->artist = sr_rest_arg(q, "artist", bufs[0], 256);
    tq->album = sr_rest_arg(q, "album", bufs[1], 256);
    tq->genre = sr_rest_arg(q, "genre", bufs[2], 256);
    const char *y = sr_rest_arg(q, "year", bufs[3], 256);
    if (tq->artist && !*tq->artist) tq->artist = NULL;
    if (tq->album && !*tq->album) tq->album = NULL;
    if (tq->genre && !*tq->genre) tq->genre = NULL;
    tq->year = y && *y ? atoi(y) : 0;
    if (y && *y && (tq->year < 1 || tq->year > 9999)) {
        sr_rest_error(q, 400, "bad_field", "year must be 1 to 9999");
        return -1;
    }
    return 0;
}

/* GET /api/tracks[?q=words&limit=N&artist=&album=&genre=&year=] */
static void ep_tracks(void *app, const sr_rest *q, const sr_route_args *a)
{
    char qb[256], lb[32], bufs[4][256];
    const char *text = sr_rest_arg(q, "q", qb, sizeof qb);
    const char *lim = sr_rest_arg(q, "limit", lb, sizeof lb);
    int limit = lim && *lim ? atoi(lim) : 50;
    if (limit < 1 || limit > 500)
        return sr_rest_error(q, 400, "bad_field", "limit must be 1 to 500");
    sr_track_query tq = {.text = text && *text ? text : NULL, .limit = limit};
    if (library_filters(q, &tq, bufs)) return;
    if (tq.text || tq.artist || tq.album || tq.genre || tq.year) {
        /* full-text search and filters: SQLite FTS5 on the library's reader thread */
        pending *p = pending_new(q);
        if (!sr_library_query(sr_hub_library(app), "tracks", &tq, library_done, p)) return;
        free(p);
    }
    q->reply(q->ctx, 200, sr_hub_tracks_json(app, text ? text : "", limit), NULL);
}

/* GET /api/tracks/:id */
static void ep_track(void *app, const sr_rest *q, const sr_route_args *a)
{
    json_t *o = a->id[0] ? sr_hub_track_json(app, a->id[0]) : NULL;
    if (!o) return sr_rest_error(q, 404, "no_such_track", "no track with that id");
    q->reply(q->ctx, 200, o, NULL);
}

static void cover_done(void *ctx, int status, const unsigned char *data, size_t len,
                       const char *mime)
{
    pending *p = ctx;
    if (status) {
        pending_error(p, 404, "no_cover", "this track's cover art cannot be read");
    } else {
        /* a copy: the library's cache may drop its bytes before this response is written */
        char *b = sr_xmalloc(len ? len : 1);
        memcpy(b, data, len);
        p->reply_cached(p->ctx, 200, !strcmp(mime, "image/png") ? "image/png" : "image/jpeg", b,
                        len, p->etag, COVER_CACHE);
    }
    free(p);
}

/* GET /api/tracks/:id/cover[?size=N]: the embedded picture, else the image beside the file,
 * scaled to fit N x N (16..1024) as a JPEG when size is given. Read on the library's reader
 * thread, then kept in memory. */
static void ep_cover(void *app, const sr_rest *q, const sr_route_args *a)
{
    char sb[32], etag[48];
    const char *sz = sr_rest_arg(q, "size", sb, sizeof sb);
    int size = sz && *sz ? atoi(sz) : 0;
    if (sz && (size < 16 || size > 1024))
        return sr_rest_error(q, 400, "bad_field", "size must be 16 to 1024");
    sr_library *lib = sr_hub_library(app);
    if (!a->id[0] || !sr_library_get(lib, a->id[0]))
        return sr_rest_error(q, 404, "no_such_track", "no track with that id");
    snprintf(etag, sizeof etag, "\"cover-%lld-%d\"", (long long)a->id[0], size);
    if (q->if_none_match && !strcmp(q->if_none_match, etag))
        return q->reply_cached(q->ctx, 304, "image/jpeg", NULL, 0, etag, COVER_CACHE);
    pending *p = pending_new(q);
    snprintf(p->etag, sizeof p->etag, "%s", etag);
    if (sr_library_cover(lib, a->id[0], size, cover_done, p)) {
        free(p);
        sr_rest_error(q, 404, "no_cover", "this track has no cover art");
    }
}

/* GET /api/library: {"scanning","scans","tracks","last"} */
static void ep_status(void *app, const sr_rest *q, const sr_route_args *a)
{
    q->reply(q->ctx, 200, sr_library_status(sr_hub_library(app)), NULL);
}

/* POST /api/library/rescan: from this machine only, until accounts bring an admin role */
static void ep_rescan(void *app, const sr_rest *q, const sr_route_args *a)
{
    if (sr_library_rescan(sr_hub_library(app)))
        return sr_rest_error(q, 409, "no_library", "the server runs without --library");
    q->reply(q->ctx, 202, json_pack("{s:b}", "scanning", 1), NULL);
}

/* GET /api/library/{artists,albums,genres,years}[?artist=&album=&genre=&year=] */
static void ep_browse(void *app, const sr_rest *q, const sr_route_args *a)
{
    char bufs[4][256];
    sr_track_query tq = {0};
    if (library_filters(q, &tq, bufs)) return;
    pending *p = pending_new(q);
    if (sr_library_query(sr_hub_library(app), strrchr(q->path, '/') + 1, &tq, library_done, p)) {
        free(p);
        sr_rest_error(q, 503, "unavailable", "the library reader is not running");
    }
}

static const sr_route routes[] = {
    {"GET", "/api/tracks", SR_WHO_ANYONE, ep_tracks, 0},
    {"GET", "/api/tracks/:id", SR_WHO_ANYONE, ep_track, 0},
    {"GET", "/api/tracks/:id/cover", SR_WHO_ANYONE, ep_cover, 0},
    {"GET", "/api/library", SR_WHO_ANYONE, ep_status, 0},
    {"POST", "/api/library/rescan", SR_WHO_LOOPBACK, ep_rescan, 0},
    {"GET", "/api/library/artists", SR_WHO_ANYONE, ep_browse, 0},
    {"GET", "/api/library/albums", SR_WHO_ANYONE, ep_browse, 0},
    {"GET", "/api/library/genres", SR_WHO_ANYONE, ep_browse, 0},
    {"GET", "/api/library/years", SR_WHO_ANYONE, ep_browse, 0},
};

const sr_module sr_module_library = {
    .version = SR_MODULE_VERSION,
    .name = "library",
    .routes = routes,
    .nroutes = SR_COUNT(routes),
};
