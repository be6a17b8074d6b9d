/* library.h - the tracks the server can play: loaded from the store, searched in memory, and
 * scanned into the store from a music directory through the local source. */
#ifndef SR_LIBRARY_H
#define SR_LIBRARY_H

#include <jansson.h>
#include <stdint.h>

#include "store/store.h"

/* One track. Owned by the library; valid until the library is freed. */
typedef struct sr_track {
    int64_t id;
    char *path;
    char *title, *artist, *album;
    char *hay; /* lower-cased "title\nartist\nalbum" for search */
    int64_t duration_ms;
    int has_cover, available;
    json_t *json; /* the protocol's track object, encoded once and shared */
} sr_track;

typedef struct sr_library sr_library;

sr_library *sr_library_new(void);
void sr_library_free(sr_library *lib);
/* Adds (or replaces) the track of a store row; strings are copied. */
void sr_library_add(sr_library *lib, const sr_track_row *row);
/* The track with this id, or NULL. */
const sr_track *sr_library_get(const sr_library *lib, int64_t id);
/* A new reference to the track's JSON, or JSON null for an unknown id. */
json_t *sr_library_track_ref(const sr_library *lib, int64_t id);
/* The ids of every playable track (borrowed; valid until the next add). */
const int64_t *sr_library_playable(const sr_library *lib, int *n);
/* {"tracks":[…]}: playable tracks whose title, artist or album contain every word of q
 * (case-insensitive), at most limit, in id order. New reference. */
json_t *sr_library_search(const sr_library *lib, const char *q, int limit);
/* Scans dir with the local source into the store (blocking; before serving or on a worker):
 * new and changed files are upserted, files no longer found are marked unavailable. Returns the
 * number of tracks found or a negative SR_E* code. */
int sr_library_scan(sr_store *st, const char *dir);

#endif
