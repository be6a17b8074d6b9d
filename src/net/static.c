/* static.c - the web client's files: read into memory at start, served from there with a
 * strict Content-Security-Policy. */
#include "net/net_int.h"
#include "util/util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

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
        srv->files[srv->nfiles++] = (net_static_file){sr_xstrdup(url), data, n, ctype_of(url)};
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

void net_static_serve(sr_server *srv, net_req *r, const char *uri)
{
    if (r->method != 'G' && r->method != 'H') return net_respond_405(r, "GET, HEAD");
    /* the big screen: /tv/<room id> is the client's tv.html, whatever the room */
    if (!strncmp(uri, "/tv/", 4) && uri[4] && !strchr(uri + 4, '/')) uri = "/tv.html";
    net_static_file *f = find(srv, strcmp(uri, "/") ? uri : "/index.html");
    if (!f) return net_respond_error(r, 404, "not_found", "no such file");
    r->static_body = f->data;
    r->csp = 1;
    r->cache = strcmp(uri, "/") && strcmp(uri, "/index.html") && strcmp(uri, "/tv.html") ? "public, max-age=300" : "no-cache";
    net_respond(r, 200, f->ctype, NULL, f->len);
}

void net_static_free(sr_server *srv)
{
    for (int i = 0; i < srv->nfiles; i++)
        free(srv->files[i].path), free(srv->files[i].data);
    free(srv->files);
    srv->files = NULL;
    srv->nfiles = 0;
}
