/* import_int.h - what the import module's two files share: a playlist entry on its way to
 * the queue and the task that carries a whole import through the pool. */
#ifndef SR_IMPORT_INT_H
#define SR_IMPORT_INT_H

#include "app/import.h"
#include "app/kernel.h"

#define MAX_CAND 10 /* full-text candidates checked per artist + title */

typedef void (*reply_fn)(void *ctx, int status, json_t *body, const char *set_cookie);

enum { IT_PATH, IT_RECORD, IT_BAD }; /* IT_RECORD: a stream or external track to record */

/* One playlist entry on its way to the queue. */
typedef struct item {
    int index; /* in the playlist */
    char *location, *title, *artist;
    int64_t duration_ms;
    int kind;
    char *path;   /* IT_PATH: normalised components "a/b/c.mp3" */
    int absolute; /* IT_PATH: the location was an absolute path */
    int64_t id;   /* the track found (by path) or recorded; 0 when none */
    int64_t cand[MAX_CAND];
    int ncand;          /* artist + title candidates from full-text search */
    const char *reason; /* why it has no track (static) */
    char *identity;     /* IT_RECORD: sr_track_identity(), may be NULL */
    char *rec_title;    /* IT_RECORD: the title recorded */
    const char *source; /* IT_RECORD: "stream" or an external source's name (static) */
    int refused;        /* a stream the outbound policy refused: SR_OUTBOUND_*, kind IT_BAD */
} item;

typedef struct imp_task {
    sr_task base; /* first: the pool sees only this */
    sr_hub *h;
    int64_t room, user;
    int single;   /* one track to record (and maybe queue), not a playlist */
    int personal; /* a playlist into the person's own lists (pl_title: its name), not a room */
    int allow_private; /* --allow-private-urls: streams may lead to private addresses */
    const char *format;
    char *pl_title;
    item *items;
    size_t n;
    int status; /* the store failed: SR_E* */
    reply_fn reply;
    void *ctx;
    sr_import_keep keep; /* personal: records the list (the playlists module's) */
} imp_task;

/* Normalises a playlist location to path components joined by '/' (malloc'd; see
 * import_resolve.c). Sets *absolute. */
char *sr_import_normalise_path(const char *loc, int decode, int *absolute);
/* The track row an entry to record becomes (strings borrowed from it). */
sr_track_row sr_import_item_row(const item *it);
/* Runs on a pool thread: resolves paths against the store and records tracks (touches only the
 * task and its own store connection). */
void sr_import_run(sr_task *base);
/* The best full-text candidate of it whose title (and artist) match, or 0 (service thread). */
int64_t sr_import_pick_candidate(sr_library *lib, const item *it);

#endif
