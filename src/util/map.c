/* map.c - one open-addressing table (linear probing, backward-shift deletion, so no
 * tombstones) under the string-keyed and the int64-keyed map, each with its own slot layout.
 * An empty slot is one whose value is 0. */
#include "util/map.h"
#include "util/alloc.h"
#include "util/log.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

/* A string key's slot keeps its hash: probing compares hashes before strings, and growth and
 * deletion find each key's home without hashing the string again. */
struct sr_map_slot {
    uint64_t hash;
    char *key;   /* an owned copy */
    int64_t val; /* 0: empty */
};

/* An int64 key's slot is the key and value alone: its hash is cheap to compute again, and
 * maps of ids (one entry per listener) are the big ones. */
struct sr_imap_slot {
    int64_t key;
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

/* The two slot layouts, seen through one table: str tells which. */
static size_t slot_size(int str)
{
    return str ? sizeof(struct sr_map_slot) : sizeof(struct sr_imap_slot);
}

static void *slot_at(const sr_map_table *t, size_t k, int str)
{
    return (char *)t->slots + k * slot_size(str);
}

static int64_t slot_val(const void *e, int str)
{
    return str ? ((const struct sr_map_slot *)e)->val : ((const struct sr_imap_slot *)e)->val;
}

static uint64_t slot_hash(const void *e, int str)
{
    return str ? ((const struct sr_map_slot *)e)->hash
               : int_hash(((const struct sr_imap_slot *)e)->key);
}

/* The slot holding the key (s for a string map, else i) of hash h, or the empty slot where it
 * would go. The table must have a slot. */
static size_t find(const sr_map_table *t, uint64_t h, const char *s, int64_t i)
{
    size_t mask = t->cap - 1, k = (size_t)h & mask;
    for (;; k = (k + 1) & mask) {
        if (s) {
            const struct sr_map_slot *e = slot_at(t, k, 1);
            if (!e->val || (e->hash == h && !strcmp(e->key, s))) return k;
        } else {
            const struct sr_imap_slot *e = slot_at(t, k, 0);
            if (!e->val || e->key == i) return k;
        }
    }
}

/* Makes room for one more key, keeping the load at most one half. Returns 0 or SR_ENOMEM
 * (the table as it was). */
static int reserve(sr_map_table *t, int str)
{
    if ((t->n + 1) * 2 <= t->cap) return 0;
    size_t cap = t->cap ? t->cap * 2 : 16, size = slot_size(str);
    char *slots = sr_calloc(cap, size);
    if (!slots) return SR_ENOMEM;
    for (size_t k = 0; k < t->cap; k++) {
        const void *e = slot_at(t, k, str);
        if (!slot_val(e, str)) continue;
        size_t j = (size_t)slot_hash(e, str) & (cap - 1);
        while (slot_val(slots + j * size, str))
            j = (j + 1) & (cap - 1);
        memcpy(slots + j * size, e, size);
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return 0;
}

/* Empties slot k and moves later keys of the same run back into the gap (Knuth 6.4, R). */
static void remove_at(sr_map_table *t, size_t k, int str)
{
    size_t mask = t->cap - 1, j = k, size = slot_size(str);
    for (;;) {
        j = (j + 1) & mask;
        const void *e = slot_at(t, j, str);
        if (!slot_val(e, str)) break;
        size_t home = (size_t)slot_hash(e, str) & mask;
        /* e may move to k when its home is not cyclically within (k, j] */
        if ((j > k && (home <= k || home > j)) || (j < k && home <= k && home > j)) {
            memcpy(slot_at(t, k, str), e, size);
            k = j;
        }
    }
    memset(slot_at(t, k, str), 0, size);
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
    const struct sr_map_slot *e = slot_at(&m->t, find(&m->t, str_hash(key), key, 0), 1);
    return e->val;
}

int sr_map_try_put(sr_map *m, const char *key, int64_t val)
{
    if (!val) {
        sr_map_del(m, key);
        return 0;
    }
    uint64_t h = str_hash(key);
    if (m->t.n) {
        struct sr_map_slot *e = slot_at(&m->t, find(&m->t, h, key, 0), 1);
        if (e->val) {
            e->val = val;
            return 0;
        }
    }
    char *copy = sr_strdup(key);
    if (!copy) return SR_ENOMEM;
    if (reserve(&m->t, 1)) {
        free(copy);
        return SR_ENOMEM;
    }
    struct sr_map_slot *e = slot_at(&m->t, find(&m->t, h, key, 0), 1);
    *e = (struct sr_map_slot){.hash = h, .key = copy, .val = val};
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
    struct sr_map_slot *e = slot_at(&m->t, k, 1);
    int64_t v = e->val;
    if (!v) return 0;
    free(e->key);
    remove_at(&m->t, k, 1);
    return v;
}

size_t sr_map_count(const sr_map *m)
{
    return m->t.n;
}

void sr_map_free(sr_map *m)
{
    for (size_t k = 0; k < m->t.cap; k++) {
        struct sr_map_slot *e = slot_at(&m->t, k, 1);
        if (e->val) free(e->key);
    }
    free(m->t.slots);
    memset(m, 0, sizeof *m);
}

/* ---------- int64 keys ---------- */

int64_t sr_imap_get(const sr_imap *m, int64_t key)
{
    if (!m->t.n) return 0;
    return slot_val(slot_at(&m->t, find(&m->t, int_hash(key), NULL, key), 0), 0);
}

int sr_imap_try_put(sr_imap *m, int64_t key, int64_t val)
{
    if (!val) {
        sr_imap_del(m, key);
        return 0;
    }
    uint64_t h = int_hash(key);
    if (m->t.n) {
        struct sr_imap_slot *e = slot_at(&m->t, find(&m->t, h, NULL, key), 0);
        if (e->val) {
            e->val = val;
            return 0;
        }
    }
    if (reserve(&m->t, 0)) return SR_ENOMEM;
    struct sr_imap_slot *e = slot_at(&m->t, find(&m->t, h, NULL, key), 0);
    *e = (struct sr_imap_slot){.key = key, .val = val};
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
    int64_t v = slot_val(slot_at(&m->t, k, 0), 0);
    if (v) remove_at(&m->t, k, 0);
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
