/* source.h - the music source seam: where tracks come from and how they are read. */
#ifndef SR_SOURCE_H
#define SR_SOURCE_H

#include <stddef.h>
#include <stdint.h>

/* Metadata of one playable file, as a source reports it. All strings are owned by the struct
 * and released by sr_track_meta_clear(); any of title/artist/album may be NULL when unknown
 * (the scanner fills title from the file name when the tags have none). */
typedef struct sr_track_meta {
    char *path;          /* absolute path of the file */
    char *title;
    char *artist;
    char *album;
    int64_t duration_ms; /* > 0 for a playable file */
    int has_cover;       /* 1 when an embedded picture exists */
    int64_t mtime;       /* seconds since the epoch */
    int64_t size;        /* bytes */
} sr_track_meta;

/* Frees the strings of *m and zeroes it. Safe on a zeroed struct. */
void sr_track_meta_clear(sr_track_meta *m);

/* Called once per playable file found by a scan. *m is only valid during the call: copy what
 * you keep. */
typedef void (*sr_scan_cb)(const sr_track_meta *m, void *ud);

/* A source backend: a const table chosen by name at start-up (append fields only; bump
 * version). */
typedef struct sr_source_ops {
    int version;      /* 1 */
    const char *name; /* "local" */
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
} sr_source_ops;

/* The local-file source (libavformat). */
extern const sr_source_ops sr_source_local;

/* Looks a source up by name; NULL when unknown. */
const sr_source_ops *sr_source_find(const char *name);

/* Content-Type for an audio file path by its extension ("audio/ogg", "audio/mpeg", ...);
 * "application/octet-stream" when unknown. Never NULL; static storage. */
const char *sr_source_mime(const char *path);

/* Errors of the local source are the SR_E* codes of util/util.h (sr_strerror() describes
 * them): SR_ENOENT for a missing file or root, or (cover) no embedded picture; SR_EPERM when
 * access is denied; SR_EINVAL for an empty file, a file libavformat cannot read as audio, or a
 * scan root that is not a directory; SR_EIO for other read errors. Out of memory aborts, as
 * the sr_x* allocators do. */

#endif
