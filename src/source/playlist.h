/* playlist.h - playlist files in: M3U/M3U8 (with #EXTINF), PLS and XSPF, parsed into entries.
 * Pure functions: no I/O, no globals; safe from any thread. */
#ifndef SR_PLAYLIST_H
#define SR_PLAYLIST_H

#include <stddef.h>
#include <stdint.h>

/* Limits: more entries, or a longer field, is an SR_PL_ELIMIT error (never a silent cut). */
#define SR_PL_MAX_ENTRIES 10000
#define SR_PL_MAX_FIELD 4096 /* bytes of one location, title, artist or album */
#define SR_PL_MAX_DEPTH 64   /* XSPF element nesting */

typedef enum sr_pl_format {
    SR_PL_AUTO = 0, /* sr_playlist_parse(): guess from the content */
    SR_PL_M3U,      /* M3U and M3U8 */
    SR_PL_PLS,
    SR_PL_XSPF,
} sr_pl_format;

/* What went wrong, by kind. */
typedef enum sr_pl_code {
    SR_PL_OK = 0,
    SR_PL_EFORMAT, /* not a playlist of this format (no [playlist] section, root not <playlist>) */
    SR_PL_ESYNTAX, /* a malformed line, or XML that is not well formed */
    SR_PL_EBINARY, /* a NUL byte: not a text file */
    SR_PL_ELIMIT,  /* too many entries, a field too long, elements nested too deep */
} sr_pl_code;

/* A parse error, in the manner of yyjson_read_err: code, a static message, and the byte offset
 * in the input where the problem was found. */
typedef struct sr_pl_err {
    sr_pl_code code;
    const char *msg;
    size_t pos;
} sr_pl_err;

/* One entry. Strings are valid UTF-8 (M3U and PLS text that is not UTF-8 is read as Latin-1),
 * trimmed, owned by the playlist and freed by sr_playlist_clear(). */
typedef struct sr_pl_entry {
    char *location;      /* as written: a path (relative or absolute), a file:// or http(s) URL */
    char *title;         /* NULL when unknown */
    char *artist;        /* NULL when unknown */
    char *album;         /* NULL when unknown (XSPF only) */
    int64_t duration_ms; /* 0 when unknown (or -1 in the file: a live stream) */
    size_t pos;          /* byte offset of the entry in the input */
} sr_pl_entry;

typedef struct sr_playlist {
    sr_pl_entry *v; /* in playlist order */
    size_t n, cap;
    char *title; /* the playlist's own name (#PLAYLIST:, XSPF <title>), or NULL */
} sr_playlist;

/* Frees every string and the array, and zeroes *pl. Safe on a zeroed struct. */
void sr_playlist_clear(sr_playlist *pl);

/* Parse buf (len bytes, need not be NUL-terminated) into *out, which must be zeroed. On
 * success returns 0 and out holds the entries (possibly none). On failure returns SR_EINVAL,
 * fills *err, and leaves *out empty. A UTF-8 byte order mark and CRLF or CR line ends are
 * accepted everywhere.
 *
 * M3U: lines; '#' starts a comment except #EXTINF:<seconds>[ attrs],[<artist> - ]<title>
 * (describing the next location) and #PLAYLIST:<name>. Blank lines are skipped. */
int sr_playlist_parse_m3u(const char *buf, size_t len, sr_playlist *out, sr_pl_err *err);
/* PLS: an INI file whose [playlist] section holds FileN=, TitleN=, LengthN= (N from 1);
 * entries in N order; a TitleN or LengthN without its FileN is dropped. Lines starting with
 * ';' or '#' are comments. A line that is not a section, a comment or key=value is an error. */
int sr_playlist_parse_pls(const char *buf, size_t len, sr_playlist *out, sr_pl_err *err);
/* XSPF: <playlist><trackList><track> with <location>, <title>, <creator>, <album>,
 * <duration> (ms). Namespaces are matched by local name. Comments, CDATA, the five named
 * entities and numeric character references are understood; a DOCTYPE is refused (no entity
 * expansion). */
int sr_playlist_parse_xspf(const char *buf, size_t len, sr_playlist *out, sr_pl_err *err);

/* Guesses the format from the content (an XML start means XSPF, a [playlist] line PLS,
 * anything else M3U), or from name's extension (.m3u, .m3u8, .pls, .xspf; may be NULL) when
 * it has one. Never returns SR_PL_AUTO. */
sr_pl_format sr_playlist_detect(const char *buf, size_t len, const char *name);
/* Parses with the given format (SR_PL_AUTO: sr_playlist_detect(buf, len, NULL)). */
int sr_playlist_parse(sr_pl_format fmt, const char *buf, size_t len, sr_playlist *out,
                      sr_pl_err *err);
/* "m3u", "pls", "xspf" (static). */
const char *sr_playlist_format_name(sr_pl_format fmt);
/* The format of a name as the REST API takes it ("m3u", "m3u8", "pls", "xspf"; any case), or
 * SR_PL_AUTO when unknown or NULL. */
sr_pl_format sr_playlist_format_parse(const char *name);

#endif
