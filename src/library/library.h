/* library.h - the tracks the server can play: an in-memory index over the store, a scanner
 * thread that keeps it in step with the music directory (start-up scan, rescans on demand,
 * inotify), and a reader thread that answers full-text searches, browsing and covers from a
 * read-only store connection, so the service thread never waits on the disk. */
#ifndef SR_LIBRARY_H
#define SR_LIBRARY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* One track. Owned by the library; valid until the next sr_library_poll() or add. */
typedef struct sr_track {
    int64_t id;
    char *path; /* the store's ref: a file path for "local", a URL for "stream", a reference
                   for an external service */
    char *source;
    char *title, *artist, *album, *album_artist, *genre, *identity, *cover_ref;
    char *hay;           /* lower-cased "title\nartist\nalbum" for the in-memory search */
    int64_t duration_ms; /* 0: a live stream (no end) */
    int has_cover, available;
    int track_no, disc_no, year;
    json_t *json; /* the protocol's track object, encoded once and shared */
} sr_track;

typedef struct sr_library sr_library;

/* How long the room plays a track of unknown length (a live stream) before moving on when
 * something else is queued: 15 minutes. */
#define SR_LIVE_SLOT_MS (15 * 60 * 1000)

/* An empty catalogue; the caller owns it (sr_library_free). */
sr_library *sr_library_new(void);
/* Stops the threads (an unfinished scan is abandoned; nothing is lost, the next scan redoes
 * it) and frees everything. */
void sr_library_free(sr_library *lib);
/* Adds (or replaces) the track of a store row; strings are copied. */
void sr_library_add(sr_library *lib, const sr_track_row *row);
/* The track with this id, or NULL. */
const sr_track *sr_library_get(const sr_library *lib, int64_t id);
/* A new reference to the track's JSON, or JSON null for an unknown id. */
json_t *sr_library_track_ref(const sr_library *lib, int64_t id);
/* The ids of every playable local track (borrowed; valid until the next add or poll). */
const int64_t *sr_library_playable(const sr_library *lib, int *n);
/* 1 when the track can be played now: known, available, and its source is not offline. */
int sr_library_can_play(const sr_library *lib, int64_t id);
/* How long the room plays the track: its duration, or SR_LIVE_SLOT_MS for a live stream. */
int64_t sr_library_play_ms(const sr_track *t);
/* The track that stands for every copy of the same song (same identity key): the available
 * one with the lowest id, else id itself. Votes, plays and likes are counted on it. */
int64_t sr_library_canonical(const sr_library *lib, int64_t id);
/* The file of local track id could not be opened for playing: err is the errno of the failed
 * open() or fstat(), or 0 when it opened but is not a regular file; it is logged (once per
 * call) so the operator sees why. The track is marked unavailable only when its file is
 * really gone, which lstat() of its path decides, not err: nothing there (ENOENT, ENOTDIR),
 * or no longer a regular file (a directory, or a link where the scanner found the file). A
 * failure that says nothing about the file (EMFILE and ENFILE at the descriptor limit,
 * ENOMEM, EACCES, EIO, or a stale errno) leaves the track available. A mark is in memory
 * only: the next completed scan records it in the store when the file is still missing, and
 * makes the track available again when the file is there. Service thread. Returns 1 when the
 * track was marked, 0 when not. */
int sr_library_open_failed(sr_library *lib, int64_t id, int err);
/* sr_library_open_failed(lib, id, errno), errno read on entry: for callers that call it right
 * after the failed open() (or the fstat() and a close()). */
void sr_library_mark_gone(sr_library *lib, int64_t id);
/* {"tracks":[…]}: playable tracks whose title, artist or album contain every word of q
 * (case-insensitive), at most limit, in id order. In memory. New reference. */
json_t *sr_library_search(const sr_library *lib, const char *q, int limit);

/* Scans dir with the local source into the store (blocking; before serving or offline): new
 * and changed files are upserted, moved files keep their id, files no longer found are marked
 * unavailable. Returns the number of tracks found or a negative SR_E* code. */
int sr_library_scan(sr_store *st, const char *dir);

/* Serving: starts the scanner thread on dir (its own store connection, from st's open_twin)
 * and the reader thread (a read-only connection). Waits up to grace_ms for the first scan so
 * a small library is complete before serving; a large one goes on in the background. wake(ud)
 * is called from the reader thread when answers are waiting (thread-safe, e.g.
 * lws_cancel_service). dir may be NULL (no scanner; the reader still starts). Returns 0 or
 * SR_E*. */
int sr_library_start(sr_library *lib, sr_store *st, const char *dir, int grace_ms,
                     void (*wake)(void *ud), void *ud);
/* Service thread: applies what the scanner found and completes the reader's answers. */
void sr_library_poll(sr_library *lib);
/* Reader requests whose answers have not been delivered yet. */
int sr_library_pending(sr_library *lib);
/* Asks the scanner for a full rescan. Returns 0, or SR_EINVAL when no scanner runs. */
int sr_library_rescan(sr_library *lib);
/* {"scanning":bool,"scans":n,"tracks":n,"last":{…}} New reference. */
json_t *sr_library_status(sr_library *lib);

/* An answer of the reader: status 0 with body (a new reference the callee owns), or a
 * negative SR_E* with body NULL. Called on the service thread from sr_library_poll(). */
typedef void (*sr_library_done)(void *ctx, int status, json_t *body);
/* Asks the reader for kind "tracks" ({"tracks":[track…]}) or "artists" / "albums" / "genres"
 * / "years" ({"<kind>":[…]}) filtered by q (borrowed: its strings are copied). Returns 0 and
 * later calls done exactly once, or returns SR_EINVAL (unknown kind, reader not started) or
 * SR_ENOMEM (out of memory) and never calls it. */
int sr_library_query(sr_library *lib, const char *kind, const sr_track_query *q,
                     sr_library_done done, void *ctx);
/* An answer with bytes: a cover image. data stays valid until the library is freed. */
typedef void (*sr_library_cover_done)(void *ctx, int status, const unsigned char *data, size_t len,
                                      const char *mime);
/* The cover of track id (embedded picture, else the image beside the file), scaled to fit
 * size x size as a JPEG when size > 0. Served from memory after the first read. Calls done
 * at once (cached or an error) or later from sr_library_poll(). Returns 0, or SR_ENOENT (no
 * such track or no cover) without calling done. */
int sr_library_cover(sr_library *lib, int64_t id, int size, sr_library_cover_done done, void *ctx);

#endif
