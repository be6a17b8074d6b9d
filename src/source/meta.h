/* meta.h - what every source shares: the metadata of a track, the identity key of a song and
 * audio MIME types. Pure functions; the source backends and the registry build on it. */
#ifndef SR_SOURCE_META_H
#define SR_SOURCE_META_H

#include <stddef.h>
#include <stdint.h>

/* Metadata of one playable file, as a source reports it. All strings are owned by the struct
 * and released by sr_track_meta_clear(); any of title/artist/album may be NULL when unknown
 * (the scanner fills title from the file name when the tags have none). */
typedef struct sr_track_meta {
    char *path; /* absolute path of the file */
    char *title;
    char *artist;
    char *album;
    int64_t duration_ms; /* > 0 for a playable file */
    int has_cover;       /* 1 when an embedded picture exists */
    int64_t mtime;       /* seconds since the epoch */
    int64_t size;        /* bytes */
    /* version 2 */
    char *album_artist;
    char *genre;
    char *isrc;       /* upper case, no separators (12 characters), or NULL */
    char *mbid;       /* MusicBrainz recording id, lower-case UUID, or NULL */
    int track_no;     /* 0 when unknown */
    int disc_no;      /* 0 when unknown */
    int year;         /* 0 when unknown */
    char *cover_path; /* an image beside the file (folder.jpg, cover.png...) when no picture is
                         embedded; has_cover is then 1 too */
    char *identity;   /* sr_track_identity() of the tags; NULL when there is not enough */
} sr_track_meta;

/* Frees the strings of *m and zeroes it. Safe on a zeroed struct. */
void sr_track_meta_clear(sr_track_meta *m);

/* The identity key of a song, the same for the same recording whatever the source or file:
 * "mbid:<uuid>" when a MusicBrainz recording id is known, else "isrc:<ISRC>", else
 * "meta:<artist>|<title>|<duration bucket>" with artist and title normalised (see
 * docs/sources.md) and the duration in 4-second buckets (sr_identity_bucket). NULL (no
 * identity) without an artist and title or a duration. Returns a malloc'd string, the
 * caller's to free. */
char *sr_track_identity(const char *artist, const char *title, int64_t duration_ms,
                        const char *isrc, const char *mbid);
/* Duration bucket of the identity key: (duration_ms + 2000) / 4000. */
int64_t sr_identity_bucket(int64_t duration_ms);
/* Writes the normalised form of s (lower case, accents and punctuation folded, "feat. ..."
 * and a leading "the " dropped, runs of space collapsed) to a malloc'd string, the caller's
 * to free. s is only read (NULL reads as ""). */
char *sr_identity_norm(const char *s);

/* Content-Type for an audio file path by its extension ("audio/ogg", "audio/mpeg", ...);
 * "application/octet-stream" when unknown. Never NULL; static storage. */
const char *sr_source_mime(const char *path);

#endif
