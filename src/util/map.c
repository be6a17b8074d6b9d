/* map.c - one open-addressing table (linear probing, backward-shift deletion, so no
 * tombstones) under the string-keyed and the int64-keyed map. A slot keeps its key's hash:
 * probing compares hashes before strings, and deletion finds each key's home without
 * hashing again. An empty slot is one whose value is 0. */
#include "util/map.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

struct sr_map_slot {
    uint64_t hash;
    union {
        char *s; /* sr_map: an owned copy */
        int64_t i;
    } key;
    int64_t val; /* 0: empty */
};

/* FNV-1a */
static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* splitmix64's finaliser: ids 1, 2, 3... spread over the whole table */
static uint64_t int_hash(int64_t k)
{
    uint64_t z = (uint64_t)k + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The slot holding the key (str: s, else i) of hash h, or the empty slot where it would go.
 * The table must have a slot. */
static size_t find(const sr_map_table *t, uint64_t h, const char *s, int64_t i)
{
    size_t mask = t->cap - 1, k = (size_t)h & mask;
    for (;; k = (k + 1) & mask) {
        const struct sr_map_slot *e = &t->slots[k];
        if (!e->val) return k;
        if (e->hash == h && (s ? !strcmp(e->key.s, s) : e->key.i == i)) return k;
    }
}

/* Makes room for one more key, keeping the load at most one half. Returns 0 or SR_ENOMEM
 * (the table as it was). */
static int reserve(sr_map_table *t)
{
    if ((t->n + 1) * 2 <= t->cap) return 0;
    size_t cap = t->cap ? t->cap * 2 : 16;
    struct sr_map_slot *slots = sr_calloc(cap, sizeof *slots);
    if (!slots) return SR_ENOMEM;
    for (size_t k = 0; k < t->cap; k++) {
        const struct sr_map_slot *e = &t->slots[k];
        if (!e->val) continue;
        size_t j = (size_t)e->hash & (cap - 1);
        while (slots[j].val)
            j = (j + 1) & (cap - 1);
        slots[j] = *e;
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return 0;
}

/* Empties slot k and moves later keys of the same run back into the gap (Knuth 6.4, R). */
static void remove_at(sr_map_table *t, size_t k)
{
    size_t mask = t->cap - 1, j = k;
    for (;;) {
        j = (j + 1) & mask;
        const struct sr_map_slot *e = &t->slots[j];
        if (!e->val) break;
        size_t home = (size_t)e->hash & mask;
        /* e may move to k when its home is not cyclically within (k, j] */
        if ((j > k && (home <= k || home > j)) || (j < k && home <= k && home > j)) {
            t->slots[k] = *e;
            k = j;
        }
    }
    t->slots[k].val = 0;
    t->slots[k].key.s = NULL;
    t->n--;
}

static void oom(void)
{
    sr_log(SR_LOG_ERROR, "out of memory", "in=map");
    abort();
}

/* ---------- string keys ---------- */

int64_t sr_map_get(const sr_map *m, const char *key)
{
    if (!m->t.n) return 0;
    return m->t.slots[find(&m->t, str_hash(key), key, 0)].val;
}

int sr_map_try_put(sr_map *m, const char *key, int64_t val)
{
    if (!val) {
        sr_map_del(m, key);
        return 0;
    }
    uint64_t h = str_hash(key);
    if (m->t.n) {
        struct sr_map_slot *e = &m->t.slots[find(&m->t, h, key, 0)];
        if (e->val) {
            e->val = val;
            return 0;
        }
    }
    char *copy = m->borrow ? (char *)key : sr_strdup(key);
    if (!copy) return SR_ENOMEM;
    if (reserve(&m->t)) {
        if (!m->borrow) free(copy);
        return SR_ENOMEM;
    }
    struct sr_map_slot *e = &m->t.slots[find(&m->t, h, key, 0)];
    *e = (struct sr_map_slot){.hash = h, .key.s = copy, .val = val};
    m->t.n++;
    return 0;
}

void sr_map_put(sr_map *m, const char *key, int64_t val)
{
    if (sr_map_try_put(m, key, val)) oom();
}

int64_t sr_map_del(sr_map *m, const char *key)
{
    if (!m->t.n) return 0;
    size_t k = find(&m->t, str_hash(key), key, 0);
    int64_t v = m->t.slots[k].val;
    if (!v) return 0;
    if (!m->borrow) free(m->t.slots[k].key.s);
    remove_at(&m->t, k);
    return v;
}

size_t sr_map_count(const sr_map *m)
{
    return m->t.n;
}

void sr_map_free(sr_map *m)
{
    for (size_t k = 0; k < m->t.cap && !m->borrow; k++)
        if (m->t.slots[k].val) free(m->t.slots[k].key.s);
    free(m->t.slots);
    memset(&m->t, 0, sizeof m->t);
}

/* ---------- int64 keys ---------- */

int64_t sr_imap_get(const sr_imap *m, int64_t key)
{
    if (!m->t.n) return 0;
    return m->t.slots[find(&m->t, int_hash(key), NULL, key)].val;
}

int sr_imap_try_put(sr_imap *m, int64_t key, int64_t val)
{
    if (!val) {
        sr_imap_del(m, key);
        return 0;
    }
    uint64_t h = int_hash(key);
    if (m->t.n) {
        struct sr_map_slot *e = &m->t.slots[find(&m->t, h, NULL, key)];
        if (e->val) {
            e->val = val;
            return 0;
        }
    }
    if (reserve(&m->t)) return SR_ENOMEM;
    struct sr_map_slot *e = &m->t.slots[find(&m->t, h, NULL, key)];
    *e = (struct sr_map_slot){.hash = h, .key.i = key, .val = val};
    m->t.n++;
    return 0;
}

void sr_imap_put(sr_imap *m, int64_t key, int64_t val)
{
    if (sr_imap_try_put(m, key, val)) oom();
}

int64_t sr_imap_del(sr_imap *m, int64_t key)
{
    if (!m->t.n) return 0;
    size_t k = find(&m->t, int_hash(key), NULL, key);
    int64_t v = m->t.slots[k].val;
    if (v) remove_at(&m->t, k);
    return v;
}

size_t sr_imap_count(const sr_imap *m)
{
    return m->t.n;
}

void sr_imap_free(sr_imap *m)
{
    free(m->t.slots);
    memset(m, 0, sizeof *m);
}
