/* pool.c - a fixed set of threads over one locked queue; results come back through a second
 * queue that the service thread drains when woken. */
#include "util/pool.h"
#include "util/util.h"

#include <pthread.h>
#include <stdlib.h>

#define MAX_THREADS 8

struct sr_pool {
    pthread_t threads[MAX_THREADS];
    int nthreads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    sr_task *in_head, *in_tail, *done_head, *done_tail;
    int pending, stopping;
    void (*wake)(void *);
    void *ud;
};

static void *pool_main(void *arg)
{
    sr_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->in_head && !p->stopping)
            pthread_cond_wait(&p->cv, &p->mu);
        sr_task *t = p->in_head;
        if (!t) break;
        p->in_head = t->next;
        if (!p->in_head) p->in_tail = NULL;
        pthread_mutex_unlock(&p->mu);
        t->run(t);
        pthread_mutex_lock(&p->mu);
        t->next = NULL;
        if (p->done_tail)
            p->done_tail->next = t;
        else
            p->done_head = t;
        p->done_tail = t;
        pthread_mutex_unlock(&p->mu);
        if (p->wake) p->wake(p->ud);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

sr_pool *sr_pool_start(int nthreads, void (*wake)(void *ud), void *ud)
{
    sr_pool *p = sr_xcalloc(1, sizeof *p);
    p->wake = wake;
    p->ud = ud;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (nthreads < 1) nthreads = 1;
    if (nthreads > MAX_THREADS) nthreads = MAX_THREADS;
    for (int i = 0; i < nthreads; i++) {
        if (pthread_create(&p->threads[i], NULL, pool_main, p)) break;
        pthread_setname_np(p->threads[i], "sr-pool");
        p->nthreads++;
    }
    if (!p->nthreads) {
        free(p);
        return NULL;
    }
    return p;
}

void sr_pool_submit(sr_pool *p, sr_task *t)
{
    t->next = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->in_tail)
        p->in_tail->next = t;
    else
        p->in_head = t;
    p->in_tail = t;
    p->pending++;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void sr_pool_poll(sr_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    sr_task *t = p->done_head;
    p->done_head = p->done_tail = NULL;
    pthread_mutex_unlock(&p->mu);
    while (t) {
        sr_task *next = t->next;
        pthread_mutex_lock(&p->mu);
        p->pending--;
        pthread_mutex_unlock(&p->mu);
        t->done(t);
        t = next;
    }
}

int sr_pool_pending(sr_pool *p)
{
    pthread_mutex_lock(&p->mu);
    int n = p->pending;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void sr_pool_stop(sr_pool *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    sr_pool_poll(p);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}
