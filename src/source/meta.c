/* meta.c - what every source shares: track metadata, the identity key of a song and audio
 * MIME types. A leaf: the backends call it, it calls none of them. */
#include "source/meta.h"
#include "util/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void sr_track_meta_clear(sr_track_meta *m)
{
    if (!m) return;
    free(m->path);
    free(m->title);
    free(m->artist);
    free(m->album);
    free(m->album_artist);
    free(m->genre);
    free(m->isrc);
    free(m->mbid);
    free(m->cover_path);
    free(m->identity);
    memset(m, 0, sizeof *m);
}

const char *sr_source_mime(const char *path)
{
    static const struct {
        const char *ext;
        const char *mime;
    } types[] = {
        {"mp3", "audio/mpeg"},  {"ogg", "audio/ogg"}, {"oga", "audio/ogg"}, {"opus", "audio/ogg"},
        {"flac", "audio/flac"}, {"m4a", "audio/mp4"}, {"aac", "audio/aac"}, {"wav", "audio/wav"},
    };
    const char *base, *dot;

    if (!path) return "application/octet-stream";
    base = strrchr(path, '/');
    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    if (dot && dot != base)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcasecmp(dot + 1, types[i].ext) == 0) return types[i].mime;
    return "application/octet-stream";
}

/* ---- identity ---- */

/* ASCII folding of U+00C0..U+017F (Latin-1 Supplement and Latin Extended-A); "" = drop. */
static const char *fold_latin(unsigned cp)
{
    static const char *const l1[64] = {
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
        "d", "n", "o", "o", "o", "o", "o",  " ", "o", "u", "u", "u", "u", "y", "th", "ss",
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i",  "i",
        "d", "n", "o", "o", "o", "o", "o",  " ", "o", "u", "u", "u", "u", "y", "th", "y"};
    /* the base letter of each of U+0100..U+017F */
    static const char ext_a[] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkklllllll"
                                "lllnnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
    static const char az[] =
        "a\0b\0c\0d\0e\0f\0g\0h\0i\0j\0k\0l\0m\0n\0o\0p\0q\0r\0s\0t\0u\0v\0w\0x\0y\0z";
    if (cp >= 0xc0 && cp <= 0xff) return l1[cp - 0xc0];
    if (cp >= 0x100 && cp <= 0x17f) {
        int c = ext_a[cp - 0x100];
        return c == 'x' ? NULL : az + 2 * (c - 'a');
    }
    return NULL;
}

/* Decodes one UTF-8 sequence at p (n bytes left); returns its length (1 for a stray byte). */
static size_t utf8_next(const unsigned char *p, size_t n, unsigned *cp)
{
    if (p[0] < 0x80 || n < 2) return *cp = p[0], 1;
    if ((p[0] & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80)
        return *cp = ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu), 2;
    if ((p[0] & 0xf0) == 0xe0 && n >= 3 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80)
        return *cp = ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu), 3;
    if ((p[0] & 0xf8) == 0xf0 && n >= 4 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80 &&
        (p[3] & 0xc0) == 0x80)
        return *cp = 0x10000, 4; /* outside the BMP: kept as is, the value does not matter */
    return *cp = 0xfffd, 1;
}

char *sr_identity_norm(const char *s)
{
    size_t n = s ? strlen(s) : 0, o = 0;
    char *out = sr_xmalloc(4 * n + 2);
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    int space = 1; /* suppress leading space */

    while (n > 0) {
        unsigned cp;
        size_t k = utf8_next(p, n, &cp);
        const char *f = NULL;
        if (cp < 0x80) {
            if (isalnum((int)cp)) {
                out[o++] = (char)tolower((int)cp);
                space = 0;
            } else if (cp == '\'') {
                /* don't == dont */
            } else if (cp == '&') {
                if (!space) out[o++] = ' ';
                memcpy(out + o, "and ", 4), o += 4;
                space = 1;
            } else if (!space) {
                out[o++] = ' ';
                space = 1;
            }
        } else if (cp == 0x2019 || cp == 0x2018) {
            /* typographic apostrophes, as ' */
        } else if ((f = fold_latin(cp)) != NULL) {
            if (strcmp(f, " ") == 0) {
                if (!space) out[o++] = ' ';
                space = 1;
            } else {
                size_t fl = strlen(f);
                memcpy(out + o, f, fl), o += fl;
                space = 0;
            }
        } else if (cp >= 0x2000 && cp <= 0x206f) { /* general punctuation: dashes, quotes */
            if (!space) out[o++] = ' ';
            space = 1;
        } else {
            memcpy(out + o, p, k), o += k; /* other scripts: kept as written */
            space = 0;
        }
        p += k;
        n -= k;
    }
    while (o > 0 && out[o - 1] == ' ')
        o--;
    out[o] = '\0';
    /* drop " feat ..." / " ft ..." / " featuring ..." (and the same in brackets, now spaces) */
    static const char *const feats[] = {" feat ", " ft ", " featuring ", " with "};
    for (size_t i = 0; i < sizeof feats / sizeof feats[0]; i++) {
        char *at = strstr(out, feats[i]);
        if (at) *at = '\0';
    }
    if (strncmp(out, "the ", 4) == 0) memmove(out, out + 4, strlen(out + 4) + 1);
    return out;
}

int64_t sr_identity_bucket(int64_t duration_ms)
{
    return (duration_ms + 2000) / 4000;
}

char *sr_track_identity(const char *artist, const char *title, int64_t duration_ms,
                        const char *isrc, const char *mbid)
{
    char *out = NULL;
    if (mbid && *mbid) {
        out = sr_xmalloc(strlen(mbid) + 6);
        sprintf(out, "mbid:%s", mbid);
        return out;
    }
    if (isrc && *isrc) {
        out = sr_xmalloc(strlen(isrc) + 6);
        sprintf(out, "isrc:%s", isrc);
        return out;
    }
    if (!artist || !title || duration_ms <= 0) return NULL;
    char *a = sr_identity_norm(artist), *t = sr_identity_norm(title);
    if (*a && *t) {
        size_t len = strlen(a) + strlen(t) + 32;
        out = sr_xmalloc(len);
        snprintf(out, len, "meta:%s|%s|%lld", a, t, (long long)sr_identity_bucket(duration_ms));
    }
    free(a);
    free(t);
    return out;
}
