/* jobq.c - two intrusive FIFO lists (queued, done) under one mutex, a condition variable for
 * the consumers, and the caller's wake callback for the service thread. */
#include "util/jobq.h"
#include "util/alloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

struct sr_jobq {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    size_t link;
    void *in_head, *in_tail, *done_head, *done_tail;
    int pending, stopping;
    void (*wake)(void *);
    void *ud;
};

/* The link field of an item is a `struct T *`: copied, never read through a void **. */
static void *next_of(const sr_jobq *q, void *item)
{
    void *n;
    memcpy(&n, (char *)item + q->link, sizeof n);
    return n;
}

static void set_next(const sr_jobq *q, void *item, void *next)
{
    memcpy((char *)item + q->link, &next, sizeof next);
}

sr_jobq *sr_jobq_new(size_t link_off, void (*wake)(void *ud), void *ud)
{
    sr_jobq *q = sr_calloc(1, sizeof *q);
    if (!q) return NULL;
    if (pthread_mutex_init(&q->mu, NULL)) {
        free(q);
        return NULL;
    }
    if (pthread_cond_init(&q->cv, NULL)) {
        pthread_mutex_destroy(&q->mu);
        free(q);
        return NULL;
    }
    q->link = link_off;
    q->wake = wake;
    q->ud = ud;
    return q;
}

static void push(sr_jobq *q, void *item, int wake)
{
    set_next(q, item, NULL);
    pthread_mutex_lock(&q->mu);
    if (q->in_tail)
        set_next(q, q->in_tail, item);
    else
        q->in_head = item;
    q->in_tail = item;
    q->pending++;
    if (wake) pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

void sr_jobq_push(sr_jobq *q, void *item)
{
    push(q, item, 1);
}

void sr_jobq_push_quiet(sr_jobq *q, void *item)
{
    push(q, item, 0);
}

void sr_jobq_kick(sr_jobq *q)
{
    pthread_mutex_lock(&q->mu);
    if (q->in_head) pthread_cond_signal(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

/* Waits until something is queued or the queue stops; with the lock held. */
static void wait_for_work(sr_jobq *q)
{
    while (!q->in_head && !q->stopping)
        pthread_cond_wait(&q->cv, &q->mu);
}

void *sr_jobq_pop(sr_jobq *q)
{
    pthread_mutex_lock(&q->mu);
    wait_for_work(q);
    void *item = q->in_head;
    if (item) {
        q->in_head = next_of(q, item);
        if (!q->in_head) q->in_tail = NULL;
        set_next(q, item, NULL);
    }
    pthread_mutex_unlock(&q->mu);
    return item;
}

void *sr_jobq_pop_all(sr_jobq *q)
{
    pthread_mutex_lock(&q->mu);
    wait_for_work(q);
    void *list = q->in_head;
    q->in_head = q->in_tail = NULL;
    pthread_mutex_unlock(&q->mu);
    return list;
}

void sr_jobq_finish(sr_jobq *q, void *first)
{
    if (!first) return;
    void *last = first;
    for (void *n; (n = next_of(q, last));)
        last = n;
    pthread_mutex_lock(&q->mu);
    if (q->done_tail)
        set_next(q, q->done_tail, first);
    else
        q->done_head = first;
    q->done_tail = last;
    /* woken under the lock: once the service thread has taken every item (and so may tear
     * its event loop down), no wake from here is still on its way */
    if (q->wake) q->wake(q->ud);
    pthread_mutex_unlock(&q->mu);
}

void *sr_jobq_take_done(sr_jobq *q)
{
    pthread_mutex_lock(&q->mu);
    void *list = q->done_head;
    q->done_head = q->done_tail = NULL;
    for (void *i = list; i; i = next_of(q, i))
        q->pending--;
    pthread_mutex_unlock(&q->mu);
    return list;
}

int sr_jobq_pending(sr_jobq *q)
{
    pthread_mutex_lock(&q->mu);
    int n = q->pending;
    pthread_mutex_unlock(&q->mu);
    return n;
}

void sr_jobq_stop(sr_jobq *q)
{
    pthread_mutex_lock(&q->mu);
    q->stopping = 1;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
}

void sr_jobq_free(sr_jobq *q)
{
    if (!q) return;
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    free(q);
}
