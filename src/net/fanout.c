/* fanout.c - see fanout.h. Workers sleep on a condition variable between batches and take
 * chunks of the batch from a shared counter, so a worker that the scheduler delays (the
 * load generator of a benchmark shares the cores) leaves its share to the others. */
#include "net/fanout.h"
#include "util/log.h"
#include "util/util.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Below this many sends, waking the workers costs more than it saves. */
#define PARALLEL_MIN 256
#define CHUNK 64
#define MAX_THREADS 3

struct sr_fanout {
    int nthreads;
    pthread_t *threads;
    pthread_mutex_t mu;
    pthread_cond_t go, done;
    unsigned gen; /* a new batch when it changes */
    int busy;     /* workers still inside the current batch */
    int quit;
    sr_send *v;
    int n;
    atomic_int next;
};

static void send_one(sr_send *s)
{
    for (;;) {
        ssize_t k = send(s->fd, s->buf, s->len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) continue;
        s->sent = k;
        s->err = k < 0 ? errno : 0;
        return;
    }
}

static void take_chunks(sr_fanout *f)
{
    for (;;) {
        int i = atomic_fetch_add_explicit(&f->next, CHUNK, memory_order_relaxed);
        if (i >= f->n) return;
        int end = i + CHUNK < f->n ? i + CHUNK : f->n;
        for (; i < end; i++)
            send_one(&f->v[i]);
    }
}

static void *worker(void *arg)
{
    sr_fanout *f = arg;
    unsigned seen = 0;
    pthread_mutex_lock(&f->mu);
    for (;;) {
        while (!f->quit && f->gen == seen)
            pthread_cond_wait(&f->go, &f->mu);
        if (f->quit) break;
        seen = f->gen;
        pthread_mutex_unlock(&f->mu);
        take_chunks(f);
        pthread_mutex_lock(&f->mu);
        if (--f->busy == 0) pthread_cond_signal(&f->done);
    }
    pthread_mutex_unlock(&f->mu);
    return NULL;
}

static int cpus_allowed(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set)) return 1;
    return CPU_COUNT(&set);
}

/* The n-th CPU (wrapping) of those this process may run on, or -1. */
static int nth_allowed(const cpu_set_t *set, int n)
{
    int count = CPU_COUNT(set);
    if (count < 1) return -1;
    n %= count;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, set) && n-- == 0) return c;
    return -1;
}

static void pin_to(pthread_t t, int cpu)
{
    if (cpu < 0) return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    int rc = pthread_setaffinity_np(t, sizeof one, &one);
    if (rc)
        sr_log(SR_LOG_WARN, "could not pin a thread", "cpu=%d err=\"%s\"", cpu, strerror(rc));
}

sr_fanout *sr_fanout_new(int threads, int pin)
{
    sr_fanout *f = sr_xcalloc(1, sizeof *f);
    if (threads < 0) threads = cpus_allowed() - 1;
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->go, NULL);
    pthread_cond_init(&f->done, NULL);
    f->threads = sr_xcalloc((size_t)(threads > 0 ? threads : 1), sizeof *f->threads);
    for (int i = 0; i < threads; i++) {
        if (pthread_create(&f->threads[i], NULL, worker, f)) break;
        pthread_setname_np(f->threads[i], "sr-send");
        f->nthreads++;
    }
    cpu_set_t set;
    if (pin && !sched_getaffinity(0, sizeof set, &set) && CPU_COUNT(&set) > 1) {
        pin_to(pthread_self(), nth_allowed(&set, 0));
        for (int i = 0; i < f->nthreads; i++)
            pin_to(f->threads[i], nth_allowed(&set, i + 1));
    }
    return f;
}

int sr_fanout_threads(const sr_fanout *f)
{
    return f->nthreads;
}

void sr_fanout_run(sr_fanout *f, sr_send *v, int n)
{
    if (n < PARALLEL_MIN || !f->nthreads) {
        for (int i = 0; i < n; i++)
            send_one(&v[i]);
        return;
    }
    pthread_mutex_lock(&f->mu);
    f->v = v;
    f->n = n;
    atomic_store(&f->next, 0);
    f->busy = f->nthreads;
    f->gen++;
    pthread_cond_broadcast(&f->go);
    pthread_mutex_unlock(&f->mu);
    take_chunks(f);
    pthread_mutex_lock(&f->mu);
    while (f->busy)
        pthread_cond_wait(&f->done, &f->mu);
    f->v = NULL;
    pthread_mutex_unlock(&f->mu);
}

void sr_fanout_free(sr_fanout *f)
{
    if (!f) return;
    pthread_mutex_lock(&f->mu);
    f->quit = 1;
    pthread_cond_broadcast(&f->go);
    pthread_mutex_unlock(&f->mu);
    for (int i = 0; i < f->nthreads; i++)
        pthread_join(f->threads[i], NULL);
    pthread_cond_destroy(&f->go);
    pthread_cond_destroy(&f->done);
    pthread_mutex_destroy(&f->mu);
    free(f->threads);
    free(f);
}
