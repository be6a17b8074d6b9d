/* fanout.c - see fanout.h. Workers sleep on a condition variable between batches and take
 * chunks of the batch from a shared counter, so a worker that the scheduler delays (the
 * load generator of a benchmark shares the cores) leaves its share to the others. */
#include "net/fanout.h"
#include "util/log.h"
#include "util/util.h"

#include <errno.h>
#include <liburing.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Below this many sends, waking the workers costs more than it saves. */
#define PARALLEL_MIN 256
#define CHUNK 64
#define MAX_THREADS 3

/* One thread's ring; a ring that failed once is not used again (its unsubmitted entries must
 * never go out later). */
typedef struct sr_ring {
    struct io_uring ring;
    int broken;
} sr_ring;

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
    sr_ring **rings; /* [0] the caller's, [1 + i] helper i's; NULL: plain send() */
    int nrings;
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

/* Up to CHUNK sends as one io_uring submission: one system call instead of one per send,
 * which on the test VM cut the kernel time of a loopback send by 30% (bench/RESULTS.md).
 * MSG_DONTWAIT makes a full socket complete at once with -EAGAIN, as send() would, instead of
 * waiting in the ring; every operation has completed when this returns. */
static void send_ring(sr_ring *sr, sr_send *v, int n)
{
    struct io_uring *r = &sr->ring;
    for (int i = 0; i < n; i++) {
        struct io_uring_sqe *q = io_uring_get_sqe(r);
        io_uring_prep_send(q, v[i].fd, v[i].buf, v[i].len, MSG_DONTWAIT | MSG_NOSIGNAL);
        io_uring_sqe_set_data64(q, (uint64_t)i);
        v[i].sent = -2; /* not completed yet */
    }
    int submitted = 0, completed = 0, rc = 0;
    while (submitted < n) {
        rc = io_uring_submit(r);
        if (rc > 0)
            submitted += rc;
        else if (rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
            break;
    }
    while (completed < submitted) {
        struct io_uring_cqe *c;
        rc = io_uring_wait_cqe(r, &c);
        if (rc == -EINTR) continue;
        if (rc < 0) break;
        sr_send *s = &v[io_uring_cqe_get_data64(c)];
        if (c->res == -EINTR) {
            send_one(s);
        } else {
            s->sent = c->res < 0 ? -1 : c->res;
            s->err = c->res < 0 ? -c->res : 0;
        }
        io_uring_cqe_seen(r, c);
        completed++;
    }
    if (completed == n) return;
    /* The ring failed under us (not seen in practice). What did not complete is reported as
     * failed, never sent again: a frame sent twice would corrupt the stream, a failed one only
     * closes that client, which reconnects and resumes. */
    sr_log(SR_LOG_ERROR, "io_uring send failed: this thread uses send() from now on", "err=\"%s\"",
           strerror(rc < 0 ? -rc : EIO));
    sr->broken = 1;
    for (int i = 0; i < n; i++)
        if (v[i].sent == -2) {
            v[i].sent = -1;
            v[i].err = EIO;
        }
}

static void send_many(sr_ring *r, sr_send *v, int n)
{
    if (r && !r->broken && n > 1) {
        send_ring(r, v, n);
        return;
    }
    for (int i = 0; i < n; i++)
        send_one(&v[i]);
}

static void take_chunks(sr_fanout *f, sr_ring *r)
{
    for (;;) {
        int i = atomic_fetch_add_explicit(&f->next, CHUNK, memory_order_relaxed);
        if (i >= f->n) return;
        int end = i + CHUNK < f->n ? i + CHUNK : f->n;
        send_many(r, f->v + i, end - i);
    }
}

typedef struct helper {
    sr_fanout *f;
    int index;
} helper;

static void *worker(void *arg)
{
    helper *h = arg;
    sr_fanout *f = h->f;
    sr_ring *r = f->rings ? f->rings[h->index + 1] : NULL;
    free(h);
    unsigned seen = 0;
    pthread_mutex_lock(&f->mu);
    for (;;) {
        while (!f->quit && f->gen == seen)
            pthread_cond_wait(&f->go, &f->mu);
        if (f->quit) break;
        seen = f->gen;
        pthread_mutex_unlock(&f->mu);
        take_chunks(f, r);
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
    if (rc) sr_log(SR_LOG_WARN, "could not pin a thread", "cpu=%d err=\"%s\"", cpu, strerror(rc));
}

/* One ring per sending thread (a ring is not shared between threads), or none at all. */
static void rings_open(sr_fanout *f, int n)
{
    f->rings = sr_xcalloc((size_t)n, sizeof *f->rings);
    for (int i = 0; i < n; i++) {
        f->rings[i] = sr_xcalloc(1, sizeof **f->rings);
        int rc = io_uring_queue_init(CHUNK, &f->rings[i]->ring, 0);
        if (rc) {
            sr_log(SR_LOG_INFO, "io_uring unavailable: fan-out uses send()", "err=\"%s\"",
                   strerror(-rc));
            for (int j = 0; j < i; j++)
                io_uring_queue_exit(&f->rings[j]->ring);
            for (int j = 0; j <= i; j++)
                free(f->rings[j]);
            free(f->rings);
            f->rings = NULL;
            return;
        }
    }
    f->nrings = n;
}

sr_fanout *sr_fanout_new(int threads, int pin, int uring)
{
    sr_fanout *f = sr_xcalloc(1, sizeof *f);
    if (threads < 0) threads = cpus_allowed() - 1;
    if (threads > MAX_THREADS) threads = MAX_THREADS;
    if (threads < 0) threads = 0;
    if (uring) rings_open(f, threads + 1);
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->go, NULL);
    pthread_cond_init(&f->done, NULL);
    f->threads = sr_xcalloc((size_t)(threads > 0 ? threads : 1), sizeof *f->threads);
    for (int i = 0; i < threads; i++) {
        helper *h = sr_xmalloc(sizeof *h);
        *h = (helper){f, i};
        if (pthread_create(&f->threads[i], NULL, worker, h)) {
            free(h);
            break;
        }
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

int sr_fanout_uses_uring(const sr_fanout *f)
{
    return f->rings != NULL;
}

void sr_fanout_run(sr_fanout *f, sr_send *v, int n)
{
    sr_ring *mine = f->rings ? f->rings[0] : NULL;
    if (n < PARALLEL_MIN || !f->nthreads) {
        for (int i = 0; i < n; i += CHUNK)
            send_many(mine, v + i, n - i < CHUNK ? n - i : CHUNK);
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
    take_chunks(f, mine);
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
    if (f->rings) {
        for (int i = 0; i < f->nrings; i++) {
            io_uring_queue_exit(&f->rings[i]->ring);
            free(f->rings[i]);
        }
        free(f->rings);
    }
    free(f->threads);
    free(f);
}
