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
    sr_jobq *q; /* jobs linked by next; the done side is what take_done returns */
};

static void run_batch(sr_worker *wk, sr_job *batch)
{
    for (int attempt = 0;; attempt++) {
        int rc = wk->st->ops->begin(wk->st);
        for (sr_job *j = batch; j && !rc; j = j->next) {
            j->status = 0;
            for (int i = 0; i < j->nw && !j->status; i++)
                j->status = wk->st->ops->write(wk->st, &j->w[i]);
            /* A write that fails on its own (a bug, not the disk) fails only its job. */
        }
        if (!rc) rc = wk->st->ops->commit(wk->st);
        if (!rc) return;
        wk->st->ops->rollback(wk->st);
        /* The disk is failing: keep the batch and retry; nothing is acknowledged meanwhile. */
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
