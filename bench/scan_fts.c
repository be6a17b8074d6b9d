/* scan_fts.c - library search benchmark: inserts N synthetic tracks into a fresh SQLite store
 * (through the store's upsert, so the FTS5 triggers index them) and times full-text queries the
 * way the library's reader thread runs them (a read-only connection, track_search, limit 50).
 * Usage: bench-fts DB_PATH [TRACKS=100000] [QUERIES=2000]. Prints key=value lines. Built by
 * `make bench-library`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"
#include "util/util.h"

static const char *const words[] = {
    "amber",   "blue",   "cedar",  "dawn",    "ember",   "fern",     "glass",   "harbour",
    "indigo",  "juniper", "kelp",  "lantern", "meadow",  "night",    "ocean",   "pine",
    "quartz",  "river",  "salt",   "tide",    "umber",   "velvet",   "willow",  "yarrow",
    "zephyr",  "echo",   "falling", "rising", "silent",  "golden",   "hollow",  "distant",
    "northern", "paper", "electric", "winter", "summer", "broken",   "static",  "crystal",
    "shadow",  "morning", "city",  "garden",  "signal",  "thunder",  "velour",  "marble",
    "copper",  "violet", "canyon", "delta",   "fjord",   "glacier",  "horizon", "island",
};
#define NWORDS (sizeof words / sizeof words[0])

static uint64_t rng = 88172645463325252ULL;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return (unsigned)(rng % n);
}

/* A made-up word: a real one, or two glued with a number so the vocabulary is large. */
static void word(char *out, size_t n)
{
    if (rnd(3)) snprintf(out, n, "%s", words[rnd(NWORDS)]);
    else snprintf(out, n, "%s%s%u", words[rnd(NWORDS)], words[rnd(NWORDS)], rnd(100));
}

static void phrase(char *out, size_t n, int k)
{
    size_t at = 0;
    out[0] = 0;
    for (int i = 0; i < k && at < n; i++) {
        char w[64];
        word(w, sizeof w);
        at += (size_t)snprintf(out + at, n - at, "%s%s", i ? " " : "", w);
    }
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int dcmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void count_row(void *ud, int64_t id)
{
    (void)id;
    (*(long *)ud)++;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DB_PATH [TRACKS] [QUERIES]\n", argv[0]);
        return 2;
    }
    int ntracks = argc > 2 ? atoi(argv[2]) : 100000, nq = argc > 3 ? atoi(argv[3]) : 2000;
    sr_store *st, *ro;
    if (sr_store_open(argv[1], &st)) return 1;
    double t0 = now_us();
    for (int i = 0; i < ntracks; i++) {
        if (i % 10000 == 0 && (i ? st->ops->commit(st) : 0, st->ops->begin(st))) return 1;
        char title[200], artist[120], album[160], ref[64];
        phrase(title, sizeof title, 2 + (int)rnd(3));
        phrase(artist, sizeof artist, 1 + (int)rnd(2));
        phrase(album, sizeof album, 1 + (int)rnd(3));
        snprintf(ref, sizeof ref, "/bench/%07d.flac", i);
        sr_track_row r = {.source = "local", .ref = ref, .title = title, .artist = artist,
                          .album = album, .duration_ms = 60000 + rnd(240000), .available = 1,
                          .genre = words[rnd(12)], .year = 1960 + (int)rnd(60)};
        int64_t id;
        if (st->ops->upsert_track(st, &r, &id)) return 1;
    }
    if (st->ops->commit(st)) return 1;
    double insert_s = (now_us() - t0) / 1e6;
    if (st->ops->open_twin(st, 1, &ro)) return 1;
    double *lat = sr_xmalloc((size_t)nq * sizeof *lat);
    long rows = 0;
    for (int i = 0; i < nq; i++) {
        /* what a person types: one or two words, the last one maybe unfinished */
        char q[160], w1[64], w2[64];
        word(w1, sizeof w1);
        word(w2, sizeof w2);
        size_t cut = 3 + rnd(4);
        if (strlen(w2) > cut) w2[cut] = 0;
        if (rnd(2)) snprintf(q, sizeof q, "%s", w2);
        else snprintf(q, sizeof q, "%s %s", w1, w2);
        sr_track_query tq = {.text = q, .limit = 50};
        double a = now_us();
        if (ro->ops->track_search(ro, &tq, count_row, &rows)) return 1;
        lat[i] = (now_us() - a) / 1000.0;
    }
    qsort(lat, (size_t)nq, sizeof *lat, dcmp);
    double sum = 0;
    for (int i = 0; i < nq; i++)
        sum += lat[i];
    printf("tracks=%d insert_s=%.2f queries=%d rows_per_query=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f "
           "max_ms=%.3f mean_ms=%.3f\n",
           ntracks, insert_s, nq, (double)rows / nq, lat[nq / 2], lat[nq * 9 / 10], lat[nq * 99 / 100],
           lat[nq - 1], sum / nq);
    free(lat);
    ro->ops->close(ro);
    st->ops->close(st);
    return 0;
}
