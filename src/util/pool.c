/* pool.c - a fixed set of threads over one job queue (util/jobq); results come back through
 * its done side, which the service thread drains when woken. */
#include "util/pool.h"
#include "util/jobq.h"
#include "util/util.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>

#define MAX_THREADS 8

struct sr_pool {
    pthread_t threads[MAX_THREADS];
    int nthreads;
    sr_jobq *q;
};

static void *pool_main(void *arg)
{
    sr_pool *p = arg;
    sr_task *t;
    while ((t = sr_jobq_pop(p->q))) {
        t->run(t);
        sr_jobq_finish(p->q, t);
    }
    return NULL;
}

sr_pool *sr_pool_start(int nthreads, void (*wake)(void *ud), void *ud)
{
    sr_pool *p = sr_calloc(1, sizeof *p);
    if (!p) return NULL;
    p->q = sr_jobq_new(offsetof(sr_task, next), wake, ud);
    if (!p->q) {
        free(p);
        return NULL;
    }
    if (nthreads < 1) nthreads = 1;
    if (nthreads > MAX_THREADS) nthreads = MAX_THREADS;
    for (int i = 0; i < nthreads; i++) {
        if (pthread_create(&p->threads[i], NULL, pool_main, p)) break;
        pthread_setname_np(p->threads[i], "sr-pool");
        p->nthreads++;
    }
    if (!p->nthreads) {
        sr_jobq_free(p->q);
        free(p);
        return NULL;
    }
    return p;
}

void sr_pool_submit(sr_pool *p, sr_task *t)
{
    sr_jobq_push(p->q, t);
}

void sr_pool_poll(sr_pool *p)
{
    if (!p) return;
    for (sr_task *t = sr_jobq_take_done(p->q), *next; t; t = next) {
        next = t->next;
        t->done(t);
    }
}

int sr_pool_pending(sr_pool *p)
{
    return sr_jobq_pending(p->q);
}

void sr_pool_stop(sr_pool *p)
{
    if (!p) return;
    sr_jobq_stop(p->q); /* the threads finish what is queued first */
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    sr_pool_poll(p);
    sr_jobq_free(p->q);
    free(p);
}
