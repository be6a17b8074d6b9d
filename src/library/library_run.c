/* library_run.c - the library as a running thing: its scanner (library_scan.c) and reader
 * (library_read.c) threads started, polled and stopped together, and the whole freed. */
#include "library/library_internal.h"
#include "util/util.h"

#include <pthread.h>
#include <stdlib.h>

int sr_library_start(sr_library *lib, sr_store *st, const char *dir, int grace_ms,
                     void (*wake)(void *ud), void *ud)
{
    if (!st->ops->open_twin) return SR_EINVAL;
    pthread_mutex_init(&lib->mu, NULL);
    pthread_cond_init(&lib->cv, NULL);
    lib->mu_init = 1;
    int rc = sr_library__reader_start(lib, st, wake, ud);
    if (rc || !dir) return rc;
    return sr_library__scanner_start(lib, st, dir, grace_ms);
}

static void stop_threads(sr_library *lib)
{
    if (!lib->mu_init) return;
    sr_library__scanner_stop(lib);
    sr_library__reader_stop(lib);
    pthread_mutex_destroy(&lib->mu);
    pthread_cond_destroy(&lib->cv);
    lib->mu_init = 0;
}

void sr_library_poll(sr_library *lib)
{
    if (!lib->mu_init) return;
    sr_library__scanner_poll(lib);
    sr_library__reader_poll(lib);
}

void sr_library_free(sr_library *lib)
{
    if (!lib) return;
    stop_threads(lib);
    sr_library__covers_free(lib);
    sr_library__catalogue_free(lib);
    free(lib);
}
