/* source_local.c - the "local" source: a directory tree of audio files, read with libavformat. */
#include "source/source.h"
#include "source/meta.h"

#include "util/log.h"
#include "util/map.h"
#include "util/util.h"
#include "util/vec.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libavformat/avformat.h>
#include <libavutil/log.h>

/* Demuxers we let libavformat pick (by content) for a library file. Keeping this short keeps
 * playlist-style demuxers (hls, concat, ...) from opening other files or URLs. */
#define LOCAL_FORMATS "mp3,ogg,flac,mov,mp4,m4a,aac,wav"
#define LOCAL_MAX_DEPTH 64                 /* directory nesting below the root */
#define LOCAL_MAX_COVER (16 * 1024 * 1024) /* bytes */
#define LOCAL_MAX_PACKETS 256              /* packets read looking for the first audio one */

static const char *const audio_exts[] = {"mp3", "ogg", "oga", "opus", "flac", "m4a", "aac", "wav"};

static pthread_once_t av_once = PTHREAD_ONCE_INIT;

/* libav would print its own complaints about broken files; we log the reason ourselves. */
static void av_setup(void)
{
    av_log_set_level(AV_LOG_QUIET);
}

/* ---- logging (logfmt, one write per line) ---- */

static void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", f);
            break;
        case '\\':
            fputs("\\\\", f);
            break;
        case '\n':
            fputs("\\n", f);
            break;
        case '\r':
            fputs("\\r", f);
            break;
        case '\t':
            fputs("\\t", f);
            break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* Returns s as a malloc'd logfmt quoted value, or NULL on allocation failure. */
static char *quoted(const char *s)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f) return NULL;
    put_quoted(f, s);
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* Logs `level=warn msg=<msg> path="<path>" reason="<reason>"` through sr_log (one line). */
static void log_skip(const char *msg, const char *path, const char *reason)
{
    char *qp = quoted(path), *qr = quoted(reason);
    if (qp && qr) sr_log(SR_LOG_WARN, msg, "path=%s reason=%s", qp, qr);
    free(qp);
    free(qr);
}

/* SR_E* code for an errno value. */
static int sr_err(int e)
{
    switch (e) {
    case ENOENT:
    case ENOTDIR:
    case ELOOP:
    case ENAMETOOLONG:
        return SR_ENOENT;
    case EACCES:
    case EPERM:
        return SR_EPERM;
    case ENOMEM:
        return SR_ENOMEM;
    default:
        return SR_EIO;
    }
}

/* SR_E* code for a libav error: AVERROR(errno) is -errno, anything else is bad data. */
static int av_err(int r)
{
    return (r < 0 && r > -4096) ? sr_err(-r) : SR_EINVAL;
}

static void sys_reason(int err, char *buf, size_t len)
{
    char tmp[128];
    /* GNU strerror_r (we build with _GNU_SOURCE): returns the message, maybe not in tmp */
    snprintf(buf, len, "%s", strerror_r(err, tmp, sizeof tmp));
}

/* ---- text helpers ---- */

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when it is not valid. */
static size_t utf8_seq(const unsigned char *p)
{
    if (p[0] < 0x80) return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) return (p[1] & 0xc0) == 0x80 ? 2 : 0;
    if (p[0] >= 0xe0 && p[0] <= 0xef) {
        unsigned lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;
        return (p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80) ? 3 : 0;
    }
    if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        unsigned lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;
        return (p[1] >= lo && p[1] <= hi && (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80) ? 4 : 0;
    }
    return 0;
}

/* Returns a malloc'd copy of s[0..n) that is valid UTF-8 with control characters turned into
 * spaces and surrounding white space trimmed; text that is not UTF-8 is read as Latin-1 (old
 * ID3v1 tags, file names). Returns NULL when nothing is left. */
static char *clean_text(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *e;
    char *out, *o;
    int utf8 = 1;

    while (n > 0 && (*p <= 0x20 || *p == 0x7f))
        p++, n--;
    while (n > 0 && (p[n - 1] <= 0x20 || p[n - 1] == 0x7f))
        n--;
    if (n == 0) return NULL;
    e = p + n;
    for (const unsigned char *q = p; q < e;) {
        size_t k = utf8_seq(q);
        if (k == 0 || k > (size_t)(e - q)) {
            utf8 = 0;
            break;
        }
        q += k;
    }
    out = sr_xmalloc(2 * n + 1);
    o = out;
    for (const unsigned char *q = p; q < e; q++) {
        if (*q < 0x20 || *q == 0x7f) {
            *o++ = ' ';
        } else if (*q < 0x80 || utf8) {
            *o++ = (char)*q;
        } else {
            *o++ = (char)(0xc0 | (*q >> 6));
            *o++ = (char)(0x80 | (*q & 0x3f));
        }
    }
    *o = '\0';
    return out;
}

static const char *ext_of(const char *path)
{
    const char *base = strrchr(path, '/'), *dot;
    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    return (dot && dot != base) ? dot + 1 : NULL;
}

static int is_audio_name(const char *name)
{
    const char *ext = ext_of(name);
    if (!ext) return 0;
    for (size_t i = 0; i < sizeof audio_exts / sizeof audio_exts[0]; i++)
        if (strcasecmp(ext, audio_exts[i]) == 0) return 1;
    return 0;
}

/* Title from the file name: the base name without its extension. */
static char *title_from_name(const char *path)
{
    const char *base = strrchr(path, '/'), *dot;
    base = base ? base + 1 : path;
    dot = strrchr(base, '.');
    if (!dot || dot == base) dot = base + strlen(base);
    return clean_text(base, (size_t)(dot - base));
}

/* ---- libavformat ---- */

/* Opens path for reading with the demuxers in LOCAL_FORMATS, and reads stream info when
 * find_info. On success *out owns the context (avformat_close_input() it). On failure writes
 * a reason to why and returns an SR_E* code. */
static int open_media(const char *path, int find_info, AVFormatContext **out, char *why,
                      size_t whylen)
{
    AVFormatContext *fc = NULL;
    AVDictionary *opts = NULL;
    char *url = NULL;
    char err[AV_ERROR_MAX_STRING_SIZE];
    int r;

    *out = NULL;
    url = sr_xmalloc(strlen(path) + sizeof "file:");
    strcpy(url, "file:");
    strcat(url, path);
    if (av_dict_set(&opts, "format_whitelist", LOCAL_FORMATS, 0) < 0 ||
        av_dict_set(&opts, "protocol_whitelist", "file", 0) < 0) {
        av_dict_free(&opts);
        free(url);
        snprintf(why, whylen, "out of memory");
        return SR_ENOMEM;
    }
    r = avformat_open_input(&fc, url, NULL, &opts);
    av_dict_free(&opts);
    free(url);
    if (r < 0) {
        av_strerror(r, err, sizeof err);
        snprintf(why, whylen, "cannot open: %s", err);
        return av_err(r);
    }
    if (find_info) {
        r = avformat_find_stream_info(fc, NULL);
        if (r < 0) {
            av_strerror(r, err, sizeof err);
            snprintf(why, whylen, "no stream info: %s", err);
            avformat_close_input(&fc);
            return av_err(r);
        }
    }
    *out = fc;
    return 0;
}

static const char *cover_mime(const AVStream *st)
{
    const AVPacket *pic = &st->attached_pic;
    switch (st->codecpar->codec_id) {
    case AV_CODEC_ID_MJPEG:
        return "image/jpeg";
    case AV_CODEC_ID_PNG:
        return "image/png";
    case AV_CODEC_ID_GIF:
        return "image/gif";
    case AV_CODEC_ID_WEBP:
        return "image/webp";
    case AV_CODEC_ID_BMP:
        return "image/bmp";
    default:
        break;
    }
    /* unknown codec id: trust the bytes */
    if (pic->size >= 3 && memcmp(pic->data, "\xff\xd8\xff", 3) == 0) return "image/jpeg";
    if (pic->size >= 8 && memcmp(pic->data, "\x89PNG\r\n\x1a\n", 8) == 0) return "image/png";
    return NULL;
}

/* Index of the first stream holding a usable embedded picture, or -1. */
static int find_cover(const AVFormatContext *fc)
{
    for (unsigned i = 0; i < fc->nb_streams; i++) {
        const AVStream *st = fc->streams[i];
        if ((st->disposition & AV_DISPOSITION_ATTACHED_PIC) && st->attached_pic.data &&
            st->attached_pic.size > 0 && st->attached_pic.size <= LOCAL_MAX_COVER && cover_mime(st))
            return (int)i;
    }
    return -1;
}

/* The tag key from the container's metadata, else from the audio stream's (Ogg keeps its
 * Vorbis comments on the stream). Returns a malloc'd cleaned string or NULL. */
static char *get_tag(const AVFormatContext *fc, const AVStream *st, const char *key)
{
    const AVDictionaryEntry *t = av_dict_get(fc->metadata, key, NULL, 0);
    char *v = t && t->value ? clean_text(t->value, strlen(t->value)) : NULL;
    if (!v && st) {
        t = av_dict_get(st->metadata, key, NULL, 0);
        v = t && t->value ? clean_text(t->value, strlen(t->value)) : NULL;
    }
    return v;
}

/* The leading number of a tag such as "3/12" or "2007-05-01"; 0 when absent or silly. */
static int tag_number(const AVFormatContext *fc, const AVStream *st, const char *key, int max)
{
    char *v = get_tag(fc, st, key);
    long n = 0;
    if (v) {
        const char *p = v;
        while (*p == ' ' || *p == '0')
            p++;
        n = strtol(p, NULL, 10);
        if (n < 0 || n > max) n = 0;
    }
    free(v);
    return (int)n;
}

/* The first of several tag names that is present (keys are matched case-insensitively). */
static char *get_tag_any(const AVFormatContext *fc, const AVStream *st, const char *const *keys)
{
    char *v = NULL;
    for (; *keys && !v; keys++)
        v = get_tag(fc, st, *keys);
    return v;
}

/* ISRC: two letters, three alphanumerics, seven digits, separators dropped; else NULL. */
static char *clean_isrc(char *v)
{
    char out[13];
    size_t o = 0;
    if (!v) return NULL;
    for (const char *p = v; *p && o < 13; p++)
        if (isalnum((unsigned char)*p))
            out[o++] = (char)toupper((unsigned char)*p);
        else if (*p != '-' && *p != ' ')
            o = 13;
    free(v);
    if (o != 12 || !isalpha((unsigned char)out[0]) || !isalpha((unsigned char)out[1])) return NULL;
    for (int i = 7; i < 12; i++)
        if (!isdigit((unsigned char)out[i])) return NULL;
    return sr_xstrndup(out, 12);
}

/* A MusicBrainz id is a UUID: 36 characters, hex and dashes; lower-cased, else NULL. */
static char *clean_mbid(char *v)
{
    if (!v) return NULL;
    size_t n = strlen(v);
    int ok = n == 36;
    for (size_t i = 0; ok && i < n; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        ok = dash ? v[i] == '-' : isxdigit((unsigned char)v[i]) != 0;
        v[i] = (char)tolower((unsigned char)v[i]);
    }
    if (!ok) {
        free(v);
        return NULL;
    }
    return v;
}

static void read_tags(const AVFormatContext *fc, const AVStream *st, sr_track_meta *out)
{
    static const char *const aa[] = {"album_artist", "albumartist", "album artist", "TPE2", NULL};
    static const char *const isrc[] = {"isrc", "TSRC", NULL};
    static const char *const mbid[] = {"musicbrainz_trackid", "MusicBrainz Track Id",
                                       "MUSICBRAINZ_TRACKID", "musicbrainz_recordingid", NULL};
    out->title = get_tag(fc, st, "title");
    out->artist = get_tag(fc, st, "artist");
    out->album = get_tag(fc, st, "album");
    out->album_artist = get_tag_any(fc, st, aa);
    out->genre = get_tag(fc, st, "genre");
    out->track_no = tag_number(fc, st, "track", 9999);
    out->disc_no = tag_number(fc, st, "disc", 999);
    out->year = tag_number(fc, st, "date", 9999);
    if (!out->year) out->year = tag_number(fc, st, "year", 9999);
    if (out->year < 1000) out->year = 0;
    out->isrc = clean_isrc(get_tag_any(fc, st, isrc));
    out->mbid = clean_mbid(get_tag_any(fc, st, mbid));
}

static int64_t duration_ms(const AVFormatContext *fc, const AVStream *st)
{
    if (fc->duration != AV_NOPTS_VALUE && fc->duration > 0)
        return av_rescale(fc->duration, 1000, AV_TIME_BASE);
    if (st->duration != AV_NOPTS_VALUE && st->duration > 0 && st->time_base.num > 0 &&
        st->time_base.den > 0)
        return av_rescale_q(st->duration, st->time_base, (AVRational){1, 1000});
    return 0;
}

/* Reads packets until one of stream `audio` arrives: a file whose header parses but that
 * holds no audio (truncated after the header) is not playable. */
static int has_audio_packet(AVFormatContext *fc, int audio, char *why, size_t whylen)
{
    AVPacket *pkt = av_packet_alloc();
    char err[AV_ERROR_MAX_STRING_SIZE];
    int r = 0;

    if (!pkt) {
        snprintf(why, whylen, "out of memory");
        return SR_ENOMEM;
    }
    for (int i = 0; i < LOCAL_MAX_PACKETS; i++) {
        r = av_read_frame(fc, pkt);
        if (r < 0) break;
        int mine = pkt->stream_index == audio && pkt->size > 0;
        av_packet_unref(pkt);
        if (mine) {
            av_packet_free(&pkt);
            return 0;
        }
    }
    av_packet_free(&pkt);
    if (r < 0) {
        av_strerror(r, err, sizeof err);
        snprintf(why, whylen, "no audio data: %s", err);
    } else {
        snprintf(why, whylen, "no audio data in the first %d packets", LOCAL_MAX_PACKETS);
    }
    return SR_EINVAL;
}

/* probe() with the reason for a failure written to why. */
static int local_probe_why(const char *path, sr_track_meta *out, char *why, size_t whylen)
{
    AVFormatContext *fc = NULL;
    const AVStream *st;
    struct stat sb;
    int r, audio;

    pthread_once(&av_once, av_setup);
    memset(out, 0, sizeof *out);
    if (stat(path, &sb) != 0) {
        int e = errno;
        sys_reason(e, why, whylen);
        return sr_err(e);
    }
    if (!S_ISREG(sb.st_mode)) {
        snprintf(why, whylen, "not a regular file");
        return SR_EINVAL;
    }
    if (sb.st_size == 0) {
        snprintf(why, whylen, "empty file");
        return SR_EINVAL;
    }
    r = open_media(path, 1, &fc, why, whylen);
    if (r < 0) return r;

    audio = av_find_best_stream(fc, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
    if (audio < 0) {
        snprintf(why, whylen, "no audio stream");
        r = SR_EINVAL;
        goto out;
    }
    st = fc->streams[audio];
    out->duration_ms = duration_ms(fc, st);
    if (out->duration_ms <= 0) {
        snprintf(why, whylen, "unknown duration");
        r = SR_EINVAL;
        goto out;
    }
    out->has_cover = find_cover(fc) >= 0;
    out->size = (int64_t)sb.st_size;
    out->mtime = (int64_t)sb.st_mtime;
    read_tags(fc, st, out);
    if (!out->title) out->title = title_from_name(path);
    if (!out->title) out->title = sr_xstrdup("?"); /* a file name of white space only */
    out->path = path[0] == '/' ? sr_xstrdup(path) : realpath(path, NULL);
    if (!out->path) {
        int e = errno;
        sys_reason(e, why, whylen);
        r = sr_err(e);
        goto out;
    }
    r = has_audio_packet(fc, audio, why, whylen);
    if (r == 0)
        out->identity =
            sr_track_identity(out->artist, out->title, out->duration_ms, out->isrc, out->mbid);
out:
    avformat_close_input(&fc);
    if (r < 0) sr_track_meta_clear(out);
    return r;
}

/* Contract in source.h; errors are SR_E* codes (see the note at the end of source.h). */
static int local_probe(const char *path, sr_track_meta *out)
{
    char why[256];
    return local_probe_why(path, out, why, sizeof why);
}

static int local_cover(const char *path, unsigned char **buf, size_t *len, char mime[32])
{
    AVFormatContext *fc = NULL;
    const AVStream *st;
    char why[256];
    int r, idx;

    pthread_once(&av_once, av_setup);
    *buf = NULL;
    *len = 0;
    mime[0] = '\0';
    r = open_media(path, 0, &fc, why, sizeof why);
    if (r < 0) return r;
    idx = find_cover(fc);
    if (idx < 0) {
        r = SR_ENOENT;
        goto out;
    }
    st = fc->streams[idx];
    *buf = sr_xmalloc((size_t)st->attached_pic.size);
    memcpy(*buf, st->attached_pic.data, (size_t)st->attached_pic.size);
    *len = (size_t)st->attached_pic.size;
    snprintf(mime, 32, "%s", cover_mime(st));
out:
    avformat_close_input(&fc);
    return r;
}

/* ---- scanning ---- */

typedef struct walk {
    sr_scan_cb cb;
    void *ud;
    const char *root; /* realpath of the root */
    size_t root_len;
    sr_map seen; /* "dev:ino" of the directories entered, against symlink loops */
    int count;
    sr_scan_opts *opts; /* may be NULL */
} walk;

/* Returns malloc'd "dir/name". */
static char *join_path(const char *dir, const char *name)
{
    size_t dl = strcmp(dir, "/") == 0 ? 0 : strlen(dir), nl = strlen(name);
    char *p = sr_xmalloc(dl + nl + 2);
    memcpy(p, dir, dl);
    p[dl] = '/';
    memcpy(p + dl + 1, name, nl + 1);
    return p;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 1 when the directory (dev, ino) was entered already, else records it and returns 0. */
static int seen_before(walk *w, const struct stat *sb)
{
    char key[48];
    snprintf(key, sizeof key, "%jx:%jx", (uintmax_t)sb->st_dev, (uintmax_t)sb->st_ino);
    if (sr_map_get(&w->seen, key)) return 1;
    sr_map_put(&w->seen, key, 1);
    return 0;
}

/* 1 when the real location of path is the root or below it. */
static int inside_root(const walk *w, const char *path)
{
    char *real = realpath(path, NULL);
    int in;
    if (!real) return 0;
    in = strcmp(w->root, "/") == 0 || (strncmp(real, w->root, w->root_len) == 0 &&
                                       (real[w->root_len] == '\0' || real[w->root_len] == '/'));
    free(real);
    return in;
}

static int stopped(walk *w)
{
    if (w->opts && w->opts->stop && atomic_load(w->opts->stop)) w->opts->stopped = 1;
    return w->opts && w->opts->stopped;
}

static void scan_file(walk *w, const char *path, const struct stat *sb, const char *cover)
{
    sr_track_meta m;
    char why[256];
    if (w->opts && w->opts->want &&
        !w->opts->want(path, (int64_t)sb->st_mtime, (int64_t)sb->st_size, w->ud)) {
        if (w->opts->seen) w->opts->seen(path, w->ud);
        w->count++;
        return;
    }
    if (local_probe_why(path, &m, why, sizeof why) < 0) {
        log_skip("skip file", path, why);
        return;
    }
    if (!m.has_cover && cover) {
        m.cover_path = sr_xstrdup(cover);
        m.has_cover = 1;
    }
    w->cb(&m, w->ud);
    w->count++;
    sr_track_meta_clear(&m);
}

/* Reads the names in dir (dotfiles left out) into a sorted malloc'd array. Returns 0 or a
 * negative errno. */
static int list_dir(const char *dir, char ***names_out, size_t *n_out)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int r = 0;

    *names_out = NULL;
    *n_out = 0;
    if (!d) return -errno;
    while ((errno = 0, de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') continue;
        SR_XGROW(names, cap, n + 1);
        names[n++] = sr_xstrdup(de->d_name);
    }
    if (!de && errno != 0 && r == 0) r = -errno;
    closedir(d);
    if (r < 0) {
        for (size_t i = 0; i < n; i++)
            free(names[i]);
        free(names);
        return r;
    }
    if (n > 1) qsort(names, n, sizeof *names, cmp_names);
    *names_out = names;
    *n_out = n;
    return 0;
}

/* The image in dir that stands for the album when a file has no embedded picture: the first
 * of these names (any case) that is a regular file, not a symlink, of at most 16 MiB.
 * Returns a malloc'd path or NULL. */
static char *dir_cover(const char *dir, char *const *names, size_t n)
{
    static const char *const pics[] = {"cover.jpg",   "cover.jpeg", "cover.png", "folder.jpg",
                                       "folder.jpeg", "folder.png", "front.jpg", "front.png",
                                       "album.jpg",   "album.png"};
    for (size_t k = 0; k < sizeof pics / sizeof pics[0]; k++)
        for (size_t i = 0; i < n; i++) {
            struct stat sb;
            if (strcasecmp(names[i], pics[k])) continue;
            char *p = join_path(dir, names[i]);
            if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 &&
                sb.st_size <= LOCAL_MAX_COVER)
                return p;
            free(p);
        }
    return NULL;
}

/* Walks dir (already checked and recorded in w->seen). Problems are logged and skipped. */
static void walk_dir(walk *w, const char *dir, int depth)
{
    char why[256];
    char **names;
    size_t n;
    int r = list_dir(dir, &names, &n);

    if (r < 0) {
        sys_reason(-r, why, sizeof why);
        log_skip("skip dir", dir, why);
        return;
    }
    if (w->opts && w->opts->dir) w->opts->dir(dir, w->ud);
    char *cover = dir_cover(dir, names, n);
    for (size_t i = 0; i < n && !stopped(w); i++) {
        struct stat lsb, sb;
        char *path = join_path(dir, names[i]);
        if (lstat(path, &lsb) != 0) {
            if (is_audio_name(names[i])) {
                sys_reason(errno, why, sizeof why);
                log_skip("skip file", path, why);
            }
        } else if (stat(path, &sb) != 0) { /* a dangling symlink */
            if (is_audio_name(names[i])) {
                sys_reason(errno, why, sizeof why);
                log_skip("skip file", path, why);
            }
        } else if (S_ISDIR(sb.st_mode)) {
            if (S_ISLNK(lsb.st_mode) && !inside_root(w, path))
                log_skip("skip dir", path, "symlink leads outside the library root");
            else if (depth >= LOCAL_MAX_DEPTH)
                log_skip("skip dir", path, "nested too deep");
            else if (!seen_before(w, &sb))
                walk_dir(w, path, depth + 1);
        } else if (S_ISREG(sb.st_mode) && is_audio_name(names[i])) {
            if (!S_ISLNK(lsb.st_mode)) {
                scan_file(w, path, &sb, cover);
            } else if (!inside_root(w, path)) {
                log_skip("skip file", path, "symlink leads outside the library root");
            } else { /* a link inside the root: record where it really is */
                char *real = realpath(path, NULL);
                if (real) scan_file(w, real, &sb, cover);
                free(real);
            }
        }
        free(path);
    }
    free(cover);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int local_scan2(const char *root, sr_scan_cb cb, void *ud, sr_scan_opts *opts)
{
    walk w = {.cb = cb, .ud = ud, .opts = opts};
    struct stat sb;
    char *real;
    int r;

    if (!root || !cb) return SR_EINVAL;
    pthread_once(&av_once, av_setup);
    real = realpath(root, NULL);
    if (!real) return sr_err(errno);
    if (stat(real, &sb) != 0) {
        r = sr_err(errno);
        goto out;
    }
    if (!S_ISDIR(sb.st_mode)) {
        r = SR_EINVAL;
        goto out;
    }
    w.root = real;
    w.root_len = strlen(real);
    seen_before(&w, &sb);
    DIR *d = opendir(real); /* the root itself must be readable: an error, not a skip */
    if (!d) {
        r = sr_err(errno);
        goto out;
    }
    closedir(d);
    walk_dir(&w, real, 0);
    r = w.count;
out:
    sr_map_free(&w.seen);
    free(real);
    return r;
}

static int local_scan(const char *root, sr_scan_cb cb, void *ud)
{
    return local_scan2(root, cb, ud, NULL);
}

const sr_source_ops sr_source_local = {
    .version = 2,
    .name = "local",
    .scan = local_scan,
    .probe = local_probe,
    .cover = local_cover,
    .scan2 = local_scan2,
};
