/* source.c - the source registry, track metadata helpers and audio MIME types. */
#include "source/source.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Every backend compiled in; sr_source_find() looks names up here. */
static const sr_source_ops *const sources[] = {
    &sr_source_local,
};

void sr_track_meta_clear(sr_track_meta *m)
{
    if (!m) return;
    free(m->path);
    free(m->title);
    free(m->artist);
    free(m->album);
    memset(m, 0, sizeof *m);
}

const sr_source_ops *sr_source_find(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++)
        if (strcmp(sources[i]->name, name) == 0) return sources[i];
    return NULL;
}

const char *sr_source_mime(const char *path)
{
    static const struct {
        const char *ext;
        const char *mime;
    } types[] = {
        {"mp3", "audio/mpeg"},  {"ogg", "audio/ogg"}, {"oga", "audio/ogg"}, {"opus", "audio/ogg"},
        {"flac", "audio/flac"}, {"m4a", "audio/mp4"}, {"aac", "audio/mp4"}, {"wav", "audio/wav"},
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
