/* source.h - the music source seam: where tracks come from and how they are read. */
#ifndef SR_SOURCE_H
#define SR_SOURCE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "source/meta.h"

/* Called once per playable file found by a scan. *m is only valid during the call: copy what
 * you keep. */
typedef void (*sr_scan_cb)(const sr_track_meta *m, void *ud);

/* Options of a version-2 scan (all optional). */
typedef struct sr_scan_opts {
    /* Asked before probing a file: return 0 to skip the probe because the caller already knows
     * this (path, mtime, size); the file then counts as seen through `seen`. */
    int (*want)(const char *path, int64_t mtime, int64_t size, void *ud);
    void (*seen)(const char *path, void *ud);
    /* Called for each directory entered (the root first), e.g. to watch it with inotify. */
    void (*dir)(const char *path, void *ud);
    /* Polled between files (may be NULL): when *stop becomes non-zero the scan ends early,
     * returns the count so far and sets stopped. */
    const atomic_int *stop;
    int stopped;
} sr_scan_opts;

/* A source backend: a const table chosen by name at start-up (append fields only; bump
 * version). */
typedef struct sr_source_ops {
    int version;      /* 1, 2 or 3: which of the fields below it has */
    const char *name; /* "local", "tone" */
    /* Walks root recursively, probes each audio file (mp3, ogg, opus, flac, m4a, wav) and calls
     * cb for each playable one. Unreadable or corrupt files are skipped with a logged reason.
     * Returns the number of tracks reported, or a negative error. Blocking: call from a worker
     * or before serving, never from the service thread. */
    int (*scan)(const char *root, sr_scan_cb cb, void *ud);
    /* Probes one file into *out (caller clears it). Returns 0 or a negative error. */
    int (*probe)(const char *path, sr_track_meta *out);
    /* Reads the embedded cover art of path. On success returns 0, *buf is malloc'd (caller
     * frees), *len its size and mime a NUL-terminated type such as "image/jpeg". Returns
     * a negative error when there is no picture. Blocking. */
    int (*cover)(const char *path, unsigned char **buf, size_t *len, char mime[32]);
    /* version 2 */
    /* scan() with options (may be NULL). A scan stopped through opts->stop returns the count
     * so far with opts->stopped set: the caller must not treat unseen files as gone. */
    int (*scan2)(const char *root, sr_scan_cb cb, void *ud, sr_scan_opts *opts);
    /* version 3: sources of references (external services) */
    /* Checks ref[0..len), a reference of this source as a client names it, and fills in *out
     * what the source knows of it (for now duration_ms, 0 when it does not know), without
     * network and without blocking, so it may run on the service thread. Returns 0, or
     * SR_EINVAL with *why set to a static reason. NULL for sources whose tracks are files. A
     * source with resolve and no scan is played by a client-side adapter of the same name
     * (sdk/adapters.js): the server records its tracks but never serves their audio. */
    int (*resolve)(const char *ref, size_t len, sr_track_meta *out, const char **why);
} sr_source_ops;

/* The local-file source (libavformat). */
extern const sr_source_ops sr_source_local;
/* Tones synthesised by the client ("440+660/sine@5000"): the example external service. */
extern const sr_source_ops sr_source_tone;

/* Looks a source up by name; NULL when unknown. */
const sr_source_ops *sr_source_find(const char *name);

/* Errors of the local source are the SR_E* codes of util/util.h (sr_strerror() describes
 * them): SR_ENOENT for a missing file or root, or (cover) no embedded picture; SR_EPERM when
 * access is denied; SR_EINVAL for an empty file, a file libavformat cannot read as audio, or a
 * scan root that is not a directory; SR_EIO for other read errors. Out of memory aborts, as
 * the sr_x* allocators do. */

#endif
