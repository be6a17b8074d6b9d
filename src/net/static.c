/* static.c - the web client's files: read into memory at start (with a gzip copy of each text
 * file worth compressing), served from there with a strict Content-Security-Policy, an ETag
 * and 304 on If-None-Match. */
#include "net/net_int.h"
#include "util/util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

#define GZIP_MIN 1024 /* smaller files gain too little from compression */

static const char *ctype_of(const char *path)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".ico", "image/x-icon"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".webmanifest", "application/manifest+json"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
    };
    const char *dot = strrchr(path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (!strcasecmp(dot, types[i].ext)) return types[i].type;
    return "application/octet-stream";
}

/* The text types compression pays for (the images and fonts are compressed already). */
static int compressible(const char *path)
{
    static const char *const exts[] = {".html", ".js", ".css", ".svg", ".json", ".webmanifest"};
    const char *dot = strrchr(path, '.');
    if (dot)
        for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
            if (!strcasecmp(dot, exts[i])) return 1;
    return 0;
}

/* data[0..len) gzip-compressed (deflate with the gzip wrapper, best compression) into a new
 * buffer, *out_len bytes; NULL when zlib fails or the result is not at least 10% smaller. */
static char *gzip_of(const char *data, size_t len, size_t *out_len)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return NULL;
    size_t cap = deflateBound(&z, (uLong)len) + 32; /* + the gzip header and trailer */
    char *out = sr_xmalloc(cap);
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)len;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH);
    *out_len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END || *out_len > len - len / 10) {
        free(out);
        return NULL;
    }
    return out;
}

static void hash_of(const char *data, size_t len, char out[17])
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)data[i]) * 1099511628211ULL;
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* The client is a few small files: read them once at start so serving never touches disk. */
static void load_dir(sr_server *srv, const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char path[1024], url[1024];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        snprintf(url, sizeof url, "%s/%s", prefix, de->d_name);
        struct stat st;
        if (stat(path, &st)) continue;
        if (S_ISDIR(st.st_mode)) {
            load_dir(srv, path, url);
            continue;
        }
        if (!S_ISREG(st.st_mode) || st.st_size > 32 * 1024 * 1024) continue;
        FILE *f = fopen(path, "rb");
        if (!f) continue;
        char *data = sr_xmalloc((size_t)st.st_size + 1);
        size_t n = fread(data, 1, (size_t)st.st_size, f);
        fclose(f);
        srv->files = sr_xrealloc(srv->files, (size_t)(srv->nfiles + 1) * sizeof *srv->files);
        net_static_file *sf = &srv->files[srv->nfiles++];
        *sf = (net_static_file){sr_xstrdup(url), data, n, ctype_of(url), NULL, 0, ""};
        hash_of(data, n, sf->hash);
        if (n > GZIP_MIN && compressible(url)) sf->gz = gzip_of(data, n, &sf->gzlen);
    }
    closedir(d);
}

void net_static_load(sr_server *srv, const char *dir)
{
    load_dir(srv, dir, "");
}

static net_static_file *find(const sr_server *srv, const char *url)
{
    for (int i = 0; i < srv->nfiles; i++)
        if (!strcmp(srv->files[i].path, url)) return &srv->files[i];
    return NULL;
}

int net_static_ready(const sr_server *srv)
{
    return find(srv, "/index.html") != NULL;
}

/* 1 when the Accept-Encoding value ae takes gzip: "gzip" (or "x-gzip") with a q above 0, or,
 * when gzip is not named, "*" with a q above 0. */
static int takes_gzip(const char *ae)
{
    int named = 0, ok = 0, star = 0;
    for (const char *p = ae; *p;) {
        p += strspn(p, " \t,");
        size_t n = strcspn(p, ",");
        if (!n) break;
        char item[64];
        snprintf(item, sizeof item, "%.*s", (int)(n < sizeof item ? n : sizeof item - 1), p);
        p += n;
        double q = 1;
        char *semi = strchr(item, ';');
        if (semi) {
            *semi = 0;
            char *qp = strcasestr(semi + 1, "q=");
            if (qp) q = strtod(qp + 2, NULL);
        }
        size_t k = strlen(item);
        while (k && (item[k - 1] == ' ' || item[k - 1] == '\t'))
            item[--k] = 0;
        if (!strcasecmp(item, "gzip") || !strcasecmp(item, "x-gzip"))
            named = 1, ok = q > 0;
        else if (!strcmp(item, "*"))
            star = q > 0;
    }
    return named ? ok : star;
}

/* The request's header tok into buf (n bytes), or "" when absent or too long. */
static const char *header(net_req *r, enum lws_token_indexes tok, char *buf, int n)
{
    if (!r->wsi || lws_hdr_total_length(r->wsi, tok) <= 0 || lws_hdr_copy(r->wsi, buf, n, tok) <= 0)
        buf[0] = 0;
    return buf;
}

void net_static_serve(sr_server *srv, net_req *r, const char *uri)
{
    if (r->method != 'G' && r->method != 'H') return net_respond_405(r, "GET, HEAD");
    /* the big screen: /tv/<room id> is the client's tv.html, whatever the room */
    if (!strncmp(uri, "/tv/", 4) && uri[4] && !strchr(uri + 4, '/')) uri = "/tv.html";
    net_static_file *f = find(srv, strcmp(uri, "/") ? uri : "/index.html");
    if (!f) return net_respond_error(r, 404, "not_found", "no such file");
    r->csp = 1;
    r->cache = strcmp(uri, "/") && strcmp(uri, "/index.html") && strcmp(uri, "/tv.html") ? "public, max-age=300" : "no-cache";
    char ae[256], inm[256];
    int gz = f->gz && takes_gzip(header(r, WSI_TOKEN_HTTP_ACCEPT_ENCODING, ae, sizeof ae));
    r->vary_encoding = f->gz != NULL;
    /* the two encodings are two representations, so two ETags; either one validates */
    snprintf(r->etag, sizeof r->etag, "\"%s%s\"", f->hash, gz ? "-gz" : "");
    header(r, WSI_TOKEN_HTTP_IF_NONE_MATCH, inm, sizeof inm);
    if (inm[0] && (!strcmp(inm, "*") || strstr(inm, f->hash)))
        return net_respond(r, 304, f->ctype, NULL, 0);
    if (gz) r->encoding = "gzip";
    r->static_body = gz ? f->gz : f->data;
    net_respond(r, 200, f->ctype, NULL, gz ? f->gzlen : f->len);
}

void net_static_free(sr_server *srv)
{
    for (int i = 0; i < srv->nfiles; i++)
        free(srv->files[i].path), free(srv->files[i].data), free(srv->files[i].gz);
    free(srv->files);
    srv->files = NULL;
    srv->nfiles = 0;
}
