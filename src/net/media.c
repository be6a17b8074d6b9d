/* media.c - audio files under /media/:id: Range, If-Range and If-None-Match, and the reads
 * done on the I/O pool so a cold disk delays only that download, never the rooms. */
#include "net/net_int.h"
#include "net/range.h"
#include "library/library.h"
#include "source/source.h"
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* One chunk read on the I/O pool. */
typedef struct file_read {
    sr_task task;
    net_req *r; /* holds a reference */
    unsigned gen;
    int fd; /* a dup: the request may close its own while the read is out */
    int64_t pos;
    size_t want;
    unsigned char *buf; /* LWS_PRE + want */
    ssize_t got;
} file_read;

static void file_read_run(sr_task *t)
{
    file_read *f = (file_read *)t;
    size_t n = 0;
    while (n < f->want) {
        ssize_t k = pread(f->fd, f->buf + LWS_PRE + n, f->want - n, f->pos + (int64_t)n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        n += (size_t)k;
    }
    f->got = n == f->want ? (ssize_t)n : -1; /* short: the file shrank under us */
    close(f->fd);
}

static void file_read_done(sr_task *t)
{
    file_read *f = (file_read *)t;
    net_req *r = f->r;
    if (r->rgen == f->gen && r->reading) {
        r->reading = 0;
        if (f->got < 0) {
            r->read_failed = 1;
            free(f->buf);
        } else {
            free(r->rbuf);
            r->rbuf = f->buf;
            r->rlen = (size_t)f->got;
        }
        if (r->wsi) lws_callback_on_writable(r->wsi);
    } else {
        free(f->buf);
    }
    net_req_unref(r);
    free(f);
}

/* Starts reading the chunk at file_pos, unless one is out or waiting. */
static void file_read_next(sr_server *srv, net_req *r)
{
    if (r->reading || r->rlen || r->file_pos > r->file_end) return;
    int64_t left = r->file_end - r->file_pos + 1;
    file_read *f = sr_xcalloc(1, sizeof *f);
    f->fd = dup(r->fd);
    if (f->fd < 0) {
        free(f);
        r->read_failed = 1;
        if (r->wsi) lws_callback_on_writable(r->wsi);
        return;
    }
    f->task.run = file_read_run;
    f->task.done = file_read_done;
    f->r = r;
    r->refs++;
    f->gen = r->rgen;
    f->pos = r->file_pos;
    f->want = left < NET_FILE_CHUNK ? (size_t)left : NET_FILE_CHUNK;
    f->buf = sr_xmalloc(LWS_PRE + f->want);
    r->reading = 1;
    sr_pool_submit(srv->io, &f->task);
}

int net_media_write(sr_server *srv, struct lws *wsi, net_req *r)
{
    /* The chunk read on the I/O pool goes out, and the next one is read meanwhile; the
     * read's completion asks for this callback again. */
    if (r->read_failed) return -1;
    if (!r->rlen) {
        file_read_next(srv, r);
        return 0;
    }
    size_t n = r->rlen;
    r->rlen = 0;
    r->file_pos += (int64_t)n;
    int last = r->file_pos > r->file_end;
    if (lws_write(wsi, r->rbuf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
        (int)n)
        return -1;
    if (last) return 1;
    file_read_next(srv, r);
    return 0;
}

/* 1 when the request header tok equals val (an exact validator match). */
static int header_is(struct lws *wsi, enum lws_token_indexes tok, const char *val)
{
    char buf[128];
    return lws_hdr_total_length(wsi, tok) > 0 && lws_hdr_copy(wsi, buf, sizeof buf, tok) > 0 &&
           !strcmp(buf, val);
}

static int64_t parse_id(const char *s)
{
    int64_t v = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9' && v < (INT64_MAX - 9) / 10)
        v = v * 10 + (*p++ - '0');
    return p == s || *p ? 0 : v;
}

/* The media URL names a track id; the file is the one the scanner recorded, which is always
 * the real path of a regular file below the library root. It is opened without following a
 * final symlink, and refused unless it is still below the root (a directory swapped for a
 * link after the scan). A file that is gone marks the track unavailable, so the room skips
 * it with a notice. */
void net_media_serve(sr_server *srv, struct lws *wsi, net_req *r, const char *ids)
{
    if (r->method != 'G' && r->method != 'H') return net_respond_405(r, "GET, HEAD");
    int64_t id = parse_id(ids);
    if (!id) return net_respond_error(r, 404, "no_such_track", "no track with that id");
    sr_library *lib = sr_hub_library(srv->hub);
    const sr_track *t = sr_library_get(lib, id);
    if (!t || !t->available || strcmp(t->source, "local"))
        return net_respond_error(r, 404, "no_such_track", "no playable track with that id");
    int fd = open(t->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    struct stat st;
    int err = 0;
    if (fd < 0 || fstat(fd, &st)) err = errno;
    if (err || !S_ISREG(st.st_mode)) {
        if (fd >= 0) close(fd);
        /* only a file that is really gone is marked so; out of descriptors is not "gone" */
        if (sr_library_open_failed(lib, id, err))
            return net_respond_error(r, 404, "no_such_track", "the track's file is gone");
        return net_respond_error(r, 503, "unavailable", "the file cannot be opened now; retry");
    }
    char range[128] = "";
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_RANGE) > 0)
        lws_hdr_copy(wsi, range, sizeof range, WSI_TOKEN_HTTP_RANGE);
    struct tm tm;
    time_t mt = st.st_mtime;
    snprintf(r->etag, sizeof r->etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtime);
    strftime(r->last_modified, sizeof r->last_modified, "%a, %d %b %Y %H:%M:%S GMT",
             gmtime_r(&mt, &tm));
    /* If-Range with a stale validator (entity tag or date): send the whole (new) file. */
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_IF_RANGE) > 0 &&
        !header_is(wsi, WSI_TOKEN_HTTP_IF_RANGE, r->etag) &&
        !header_is(wsi, WSI_TOKEN_HTTP_IF_RANGE, r->last_modified))
        range[0] = 0;
    int64_t start = 0, end = st.st_size - 1;
    int kind = sr_range_parse(range[0] ? range : NULL, st.st_size, &start, &end);
    if (kind == SR_RANGE_UNSATISFIABLE) {
        close(fd);
        snprintf(r->content_range, sizeof r->content_range, "bytes */%lld", (long long)st.st_size);
        return net_respond_error(r, 416, "bad_range", "the requested range is not satisfiable");
    }
    if (kind == SR_RANGE_NONE) start = 0, end = st.st_size - 1;
    if (kind != SR_RANGE_PARTIAL && header_is(wsi, WSI_TOKEN_HTTP_IF_NONE_MATCH, r->etag)) {
        close(fd);
        r->cache = "public, max-age=86400";
        return net_respond(r, 304, sr_source_mime(t->path), NULL, 0);
    }
    r->fd = fd;
    r->file_pos = start;
    r->file_end = end;
    r->status = kind == SR_RANGE_PARTIAL ? 206 : 200;
    if (kind == SR_RANGE_PARTIAL)
        snprintf(r->content_range, sizeof r->content_range, "bytes %lld-%lld/%lld",
                 (long long)start, (long long)end, (long long)st.st_size);
    r->ctype = sr_source_mime(t->path);
    r->body_len = (size_t)(end - start + 1);
    r->cache = "public, max-age=86400";
    r->ready = 1;
    lws_callback_on_writable(wsi);
}
