/* map.c - FNV-1a hashed open addressing; tombstones are reclaimed on growth. */
#include "util/map.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

#define TOMB ((char *)1)

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static size_t find(const sr_map *m, const char *key)
{
    size_t mask = m->cap - 1, i = (size_t)hash(key) & mask;
    for (;;) {
        char *k = m->keys[i];
        if (!k || (k != TOMB && !strcmp(k, key))) return i;
        i = (i + 1) & mask;
    }
}

int64_t sr_map_get(const sr_map *m, const char *key)
{
    if (!m->cap) return 0;
    size_t i = find(m, key);
    return m->keys[i] ? m->vals[i] : 0;
}

static void grow(sr_map *m)
{
    sr_map old = *m;
    m->cap = old.cap ? old.cap * 2 : 64;
    m->keys = sr_xcalloc(m->cap, sizeof *m->keys);
    m->vals = sr_xcalloc(m->cap, sizeof *m->vals);
    m->n = m->used = 0;
    for (size_t i = 0; i < old.cap; i++)
        if (old.keys[i] && old.keys[i] != TOMB) {
            size_t j = find(m, old.keys[i]);
            m->keys[j] = old.keys[i];
            m->vals[j] = old.vals[i];
            m->n++, m->used++;
        }
    free(old.keys);
    free(old.vals);
}

void sr_map_put(sr_map *m, const char *key, int64_t val)
{
    if ((m->used + 1) * 2 > m->cap) grow(m);
    size_t i = find(m, key);
    if (!m->keys[i]) {
        m->keys[i] = sr_xstrdup(key);
        m->n++, m->used++;
    }
    m->vals[i] = val;
}

int64_t sr_map_del(sr_map *m, const char *key)
{
    if (!m->cap) return 0;
    size_t i = find(m, key);
    if (!m->keys[i]) return 0;
    int64_t v = m->vals[i];
    free(m->keys[i]);
    m->keys[i] = TOMB;
    m->n--;
    return v;
}

void sr_map_free(sr_map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i] && m->keys[i] != TOMB) free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}
