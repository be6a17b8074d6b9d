/* map.h - the one hash map: string keys (sr_map) or int64 keys (sr_imap) to non-zero int64
 * values, open addressing with linear probing. */
#ifndef SR_MAP_H
#define SR_MAP_H

#include <stddef.h>
#include <stdint.h>

/* The table both maps share (defined in map.c). */
typedef struct sr_map_table {
    void *slots; /* struct sr_map_slot or struct sr_imap_slot, as the map's kind says */
    size_t cap, n;
} sr_map_table;

/* A map from strings to int64. Embed it zeroed: a zeroed map is empty and ready, and so is a
 * map after sr_map_free(). It keeps its own copies of the keys. Not thread-safe. */
typedef struct sr_map {
    sr_map_table t;
} sr_map;

/* A map from any int64 key to int64. Same rules. */
typedef struct sr_imap {
    sr_map_table t;
} sr_imap;

/* The value stored under key (borrowed, only read), or 0 when absent: store non-zero values. */
int64_t sr_map_get(const sr_map *m, const char *key);
/* Sets key (copied) to val. val 0 removes the key (as sr_map_del). Returns 0, or SR_ENOMEM
 * when out of memory, with the map as it was. */
int sr_map_try_put(sr_map *m, const char *key, int64_t val);
/* sr_map_try_put() under the sr_x* policy: aborts when out of memory. */
void sr_map_put(sr_map *m, const char *key, int64_t val);
/* Removes key (and its copy); returns its value, or 0 when it was absent. */
int64_t sr_map_del(sr_map *m, const char *key);
/* Keys in the map. */
size_t sr_map_count(const sr_map *m);
/* Frees every key and the table; the map is empty (zeroed) and may be used again. */
void sr_map_free(sr_map *m);

/* The same for int64 keys. */
int64_t sr_imap_get(const sr_imap *m, int64_t key);
int sr_imap_try_put(sr_imap *m, int64_t key, int64_t val);
void sr_imap_put(sr_imap *m, int64_t key, int64_t val);
int64_t sr_imap_del(sr_imap *m, int64_t key);
size_t sr_imap_count(const sr_imap *m);
void sr_imap_free(sr_imap *m);

#endif
