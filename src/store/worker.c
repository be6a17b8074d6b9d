/* worker.c - group commit: the worker takes everything queued, writes it in one transaction
 * and pays one fsync for the lot, so a burst of a thousand chat lines costs one disk flush. */
#include "store/worker.h"
#include "util/log.h"
#include "util/util.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct sr_worker {
    sr_store *st;
    void (*wake)(void *);
    void *ud;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sr_job *in_head, *in_tail;
    sr_job *done_head, *done_tail;
    int pending; /* submitted, not yet taken back */
    int stopping;
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
    pthread_mutex_lock(&wk->mu);
    for (;;) {
        while (!wk->in_head && !wk->stopping)
            pthread_cond_wait(&wk->cv, &wk->mu);
        if (!wk->in_head && wk->stopping) break;
        sr_job *batch = wk->in_head, *tail = wk->in_tail;
        wk->in_head = wk->in_tail = NULL;
        pthread_mutex_unlock(&wk->mu);

        run_batch(wk, batch);

        pthread_mutex_lock(&wk->mu);
        if (wk->done_tail)
            wk->done_tail->next = batch;
        else
            wk->done_head = batch;
        wk->done_tail = tail;
        pthread_mutex_unlock(&wk->mu);
        if (wk->wake) wk->wake(wk->ud);
        pthread_mutex_lock(&wk->mu);
    }
    pthread_mutex_unlock(&wk->mu);
    return NULL;
}

sr_worker *sr_worker_start(sr_store *st, void (*wake)(void *ud), void *ud)
{
    sr_worker *wk = sr_xcalloc(1, sizeof *wk);
    wk->st = st;
    wk->wake = wake;
    wk->ud = ud;
    pthread_mutex_init(&wk->mu, NULL);
    pthread_cond_init(&wk->cv, NULL);
    if (pthread_create(&wk->thread, NULL, worker_main, wk)) {
        free(wk);
        return NULL;
    }
    pthread_setname_np(wk->thread, "sr-write");
    return wk;
}

void sr_worker_submit(sr_worker *wk, sr_job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&wk->mu);
    if (wk->in_tail)
        wk->in_tail->next = job;
    else
        wk->in_head = job;
    wk->in_tail = job;
    wk->pending++;
    pthread_cond_signal(&wk->cv);
    pthread_mutex_unlock(&wk->mu);
}

sr_job *sr_worker_take_done(sr_worker *wk)
{
    pthread_mutex_lock(&wk->mu);
    sr_job *j = wk->done_head;
    wk->done_head = wk->done_tail = NULL;
    for (sr_job *k = j; k; k = k->next)
        wk->pending--;
    pthread_mutex_unlock(&wk->mu);
    return j;
}

int sr_worker_pending(sr_worker *wk)
{
    pthread_mutex_lock(&wk->mu);
    int n = wk->pending;
    pthread_mutex_unlock(&wk->mu);
    return n;
}

void sr_worker_stop(sr_worker *wk)
{
    if (!wk) return;
    pthread_mutex_lock(&wk->mu);
    wk->stopping = 1;
    pthread_cond_signal(&wk->cv);
    pthread_mutex_unlock(&wk->mu);
    pthread_join(wk->thread, NULL);
    pthread_mutex_destroy(&wk->mu);
    pthread_cond_destroy(&wk->cv);
    free(wk);
}
