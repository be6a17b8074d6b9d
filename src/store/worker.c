/* worker.c - group commit: the worker takes everything queued, writes it in one transaction
 * and pays one fsync for the lot, so a burst of a thousand chat lines costs one disk flush. */
#include "store/worker.h"
#include "util/jobq.h"
#include "util/log.h"
#include "util/util.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

struct sr_worker {
    sr_store *st;
    pthread_t thread;
    sr_jobq *q;   /* jobs linked by next; the done side is what take_done returns */
    int refusing; /* the disk refused the last transaction (atomic: read by other threads) */
    double since; /* worker thread: when refusing began (monotonic seconds) */
    long refused; /* worker thread: jobs answered SR_EUNAVAIL since then */
};

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A job that only keeps its place in the order of answers: what it answers for (a skip, a
 * welcome) happened in memory and needs no disk, so a refused batch does not fail it. */
static int nothing_to_write(const sr_job *j)
{
    for (int i = 0; i < j->nw; i++)
        if (j->w[i].kind != SR_W_NONE) return 0;
    return 1;
}

/* One attempt at the batch in one transaction: 0 when committed, else the error (rolled back).
 * *wrote is set when the batch had a write that reached the disk's pages. */
static int attempt_batch(sr_worker *wk, sr_job *batch, int *wrote)
{
    /* the batch before this one was refused: a barrier here cannot vouch for it (a barrier is
     * submitted right after what it answers for, so that is the batch that matters) */
    int refused_before = __atomic_load_n(&wk->refusing, __ATOMIC_RELAXED);
    int rc = wk->st->ops->begin(wk->st);
    for (sr_job *j = batch; j && !rc; j = j->next) {
        j->status = 0;
        if (j->barrier && refused_before) {
            j->status = SR_EUNAVAIL;
            continue;
        }
        if (!nothing_to_write(j)) *wrote = 1;
        for (int i = 0; i < j->nw && !j->status; i++)
            j->status = wk->st->ops->write(wk->st, &j->w[i]);
        /* A write that fails on its own (a bug, not the disk) fails only its job; the disk
         * refusing takes the whole transaction with it. */
        if (j->status == SR_EUNAVAIL) rc = SR_EUNAVAIL;
    }
    if (!rc) rc = wk->st->ops->commit(wk->st);
    if (rc) wk->st->ops->rollback(wk->st);
    return rc;
}

/* The disk's state changes are logged once each, not once per refused write. */
static void set_refusing(sr_worker *wk, int on, int njobs)
{
    int was = __atomic_load_n(&wk->refusing, __ATOMIC_RELAXED);
    if (on) {
        if (!was) {
            wk->since = mono_s();
            wk->refused = 0;
            sr_log(SR_LOG_ERROR, "disk full or failing: writes refused",
                   "hint=\"free space in the data directory; writes resume by themselves\"");
        }
        wk->refused += njobs;
    } else if (was) {
        sr_log(SR_LOG_INFO, "writes resumed", "after_s=%.1f refused=%ld", mono_s() - wk->since,
               wk->refused);
    }
    __atomic_store_n(&wk->refusing, on, __ATOMIC_RELEASE);
}

/* While the disk refuses, the writes that would tell us it is back are refused before they
 * reach us: a probe reserves one id (a one-row transaction) to find out. */
static void probe(sr_worker *wk, sr_job *batch)
{
    for (sr_job *j = batch; j; j = j->next)
        if (j->probe) {
            int64_t first;
            int rc = sr_store_reserve_ids(wk->st, SR_ID_AUDIT, 1, &first);
            if (!rc) set_refusing(wk, 0, 0);
            return;
        }
}

static void run_batch(sr_worker *wk, sr_job *batch)
{
    if (__atomic_load_n(&wk->refusing, __ATOMIC_RELAXED)) probe(wk, batch);
    for (int attempt = 0;; attempt++) {
        int wrote = 0;
        int rc = attempt_batch(wk, batch, &wrote);
        if (!rc) {
            /* an empty transaction commits on a full disk too: it proves nothing */
            if (wrote) set_refusing(wk, 0, 0);
            return;
        }
        if (rc == SR_EUNAVAIL) {
            /* Full or failing disk: answer the batch "unavailable" now (none of it is
             * acknowledged) instead of holding everyone behind it for as long as the disk stays
             * full. The next batch tries the disk again, so service returns by itself. */
            int n = 0;
            for (sr_job *j = batch; j; j = j->next)
                if (j->barrier || !nothing_to_write(j)) {
                    j->status = SR_EUNAVAIL;
                    n++;
                }
            set_refusing(wk, 1, n);
            return;
        }
        /* Anything else (a lock another process holds past the busy timeout): keep the batch
         * and retry; nothing is acknowledged meanwhile. */
        if (attempt % 25 == 0)
            sr_log(SR_LOG_ERROR, "store commit failed, retrying", "attempt=%d", attempt + 1);
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

static void *worker_main(void *arg)
{
    sr_worker *wk = arg;
    sr_job *batch;
    /* everything queued since the last pass is one batch; after a stop, until none is left */
    while ((batch = sr_jobq_pop_all(wk->q))) {
        run_batch(wk, batch);
        sr_jobq_finish(wk->q, batch);
    }
    return NULL;
}

sr_worker *sr_worker_start(sr_store *st, void (*wake)(void *ud), void *ud)
{
    sr_worker *wk = sr_calloc(1, sizeof *wk);
    if (!wk) return NULL;
    wk->st = st;
    wk->q = sr_jobq_new(offsetof(sr_job, next), wake, ud);
    if (!wk->q) {
        free(wk);
        return NULL;
    }
    if (pthread_create(&wk->thread, NULL, worker_main, wk)) {
        sr_jobq_free(wk->q);
        free(wk);
        return NULL;
    }
    pthread_setname_np(wk->thread, "sr-write");
    return wk;
}

void sr_worker_submit(sr_worker *wk, sr_job *job)
{
    sr_jobq_push(wk->q, job);
}

void sr_worker_submit_quiet(sr_worker *wk, sr_job *job)
{
    sr_jobq_push_quiet(wk->q, job);
}

void sr_worker_kick(sr_worker *wk)
{
    sr_jobq_kick(wk->q);
}

int sr_worker_refusing(sr_worker *wk)
{
    return __atomic_load_n(&wk->refusing, __ATOMIC_ACQUIRE);
}

sr_job *sr_worker_take_done(sr_worker *wk)
{
    return sr_jobq_take_done(wk->q);
}

int sr_worker_pending(sr_worker *wk)
{
    return sr_jobq_pending(wk->q);
}

void sr_worker_stop(sr_worker *wk)
{
    if (!wk) return;
    sr_jobq_stop(wk->q); /* the thread commits what is queued, then returns */
    pthread_join(wk->thread, NULL);
    sr_jobq_free(wk->q);
    free(wk);
}
