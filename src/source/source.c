/* source.c - the source registry: every backend compiled in, looked up by name. */
#include "source/source.h"

#include <stddef.h>
#include <string.h>

/* Every backend compiled in; sr_source_find() looks names up here. */
static const sr_source_ops *const sources[] = {
    &sr_source_local,
    &sr_source_tone,
};

const sr_source_ops *sr_source_find(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof sources / sizeof sources[0]; i++)
        if (strcmp(sources[i]->name, name) == 0) return sources[i];
    return NULL;
}
