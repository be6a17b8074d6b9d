/* map.h - a string-keyed hash map to int64 values (open addressing, linear probing). */
#ifndef SR_MAP_H
#define SR_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct sr_map {
    char **keys; /* owned copies; NULL = empty, (char *)1 = deleted */
    int64_t *vals;
    size_t cap, n, used;
} sr_map;

/* The value stored under key, or 0 when absent (store non-zero values only). */
int64_t sr_map_get(const sr_map *m, const char *key);
/* Sets key (copied) to val (non-zero). */
void sr_map_put(sr_map *m, const char *key, int64_t val);
/* Removes key; returns its value or 0. */
int64_t sr_map_del(sr_map *m, const char *key);
void sr_map_free(sr_map *m);

#endif
