/* library_internal.h - what the library's files share: the struct behind sr_library and the
 * calls between them. library_run.c starts, polls and stops the scanner (library_scan.c) and
 * the reader (library_read.c); both of those call the catalogue (library.c), which calls
 * neither. Not for use outside src/library/. */
#ifndef SR_LIBRARY_INTERNAL_H
#define SR_LIBRARY_INTERNAL_H

#include "library/library.h"
#include "util/jobq.h"
#include "util/map.h"
#include "util/util.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

struct row_copy;
struct rjob;
struct cover_entry;

struct sr_library {
    sr_track **tracks; /* by id: ntracks slots, NULL where there is no track */
    size_t ntracks;
    int64_t *playable;
    int nplayable;
    size_t capplayable;
    sr_map idmap; /* identity -> canonical id (the lowest available); rebuilt when dirty */
    int idmap_dirty;
    /* ids marked gone by sr_library_open_failed (in memory only, the store still says
     * available): the next completed scan that finds their file makes them available again.
     * Written on the service thread, read by the scanner: under mu once the threads run. */
    int64_t *marked;
    size_t nmarked, capmarked;
    int64_t open_log_us; /* when a failed open was last logged, and how many since were not */
    int open_log_skipped;

    /* threads (NULL / 0 until sr_library_start) */
    sr_store *scan_st, *read_st;
    char *root;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int mu_init;
    pthread_t scanner, reader;
    int scanner_on, reader_on;
    atomic_int stop;
    int rescan_wanted;
    int scanning, scans, first_done;
    int64_t last_found, last_probed, last_gone;
    double last_ms;
    struct row_copy *found_head, *found_tail; /* scanner -> service thread */
    sr_jobq *readq; /* reader requests, then answers; NULL until the reader starts */
    int inotify_fd;

    struct cover_entry *covers;
    int ncovers;
    size_t capcovers;
    size_t cover_bytes;
};

/* A malloc'd copy of s (the caller's), or NULL when s is NULL. */
static inline char *dup_or_null(const char *s)
{
    return s ? sr_xstrdup(s) : NULL;
}

/* New JSON references: a string or null, a non-zero integer or null. */
static inline json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static inline json_t *int_or_null(int v)
{
    return v ? json_integer(v) : json_null();
}

/* library.c: the catalogue. */

/* Frees the tracks, the playable set, the identity map and the marks (not lib). */
void sr_library__catalogue_free(sr_library *lib);
/* Service thread: the track is unavailable (the scanner did not find its file). */
void sr_library__set_gone(sr_library *lib, int64_t id);
/* Service thread: a track marked gone by sr_library_open_failed whose file a completed scan
 * found again is available again, and no longer marked. */
void sr_library__restore(sr_library *lib, int64_t id);

/* library_scan.c: the scanner thread. */

/* Starts the scanner on dir (its own connection from st's open_twin) and waits up to grace_ms
 * for its first pass. Returns 0 or SR_E*; what it started is stopped by scanner_stop. */
int sr_library__scanner_start(sr_library *lib, sr_store *st, const char *dir, int grace_ms);
/* Stops and joins the scanner and frees what it found and never delivered. */
void sr_library__scanner_stop(sr_library *lib);
/* Service thread: applies the rows the scanner found to the catalogue. */
void sr_library__scanner_poll(sr_library *lib);

/* library_read.c: the reader thread. */

/* Starts the reader on a read-only connection from st's open_twin; wake(ud) as in
 * sr_library_start. Returns 0 or SR_E*; what it started is stopped by reader_stop. */
int sr_library__reader_start(sr_library *lib, sr_store *st, void (*wake)(void *ud), void *ud);
/* Lets the reader answer what was asked, joins it and frees the answers never delivered. */
void sr_library__reader_stop(sr_library *lib);
/* Service thread: completes the reader's answers. */
void sr_library__reader_poll(sr_library *lib);
/* Frees the cover cache. */
void sr_library__covers_free(sr_library *lib);

#endif
