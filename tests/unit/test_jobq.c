/* test_jobq.c - the job queue: FIFO order, pending counts, group batches, drain on stop, the
 * wake callback, many consumers, and the pool and write worker built on it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "util/jobq.h"
#include "util/pool.h"
#include "util/util.h"

typedef struct item {
    int payload;
    struct item *next; /* not first: the link may be anywhere in the struct */
    int done_by;
} item;

static atomic_int wakes;

static void count_wake(void *ud)
{
    (void)ud;
    atomic_fetch_add(&wakes, 1);
}

/* Takes done items until n have come back; returns them as a list in order. */
static item *take_n(sr_jobq *q, int n)
{
    item *head = NULL, *tail = NULL;
    int got = 0;
    while (got < n) {
        item *l = sr_jobq_take_done(q);
        if (!l) {
            struct timespec ts = {0, 100000};
            nanosleep(&ts, NULL);
            continue;
        }
        if (tail)
            tail->next = l;
        else
            head = l;
        for (tail = l, got++; tail->next; tail = tail->next)
            got++;
    }
    return head;
}

typedef struct consumer {
    sr_jobq *q;
    int id, batches, all;
} consumer;

static void *consume(void *arg)
{
    consumer *c = arg;
    for (;;) {
        item *l = c->all ? sr_jobq_pop_all(c->q) : sr_jobq_pop(c->q);
        if (!l) return NULL;
        c->batches++;
        for (item *i = l; i; i = i->next)
            i->done_by = c->id;
        sr_jobq_finish(c->q, l);
    }
}

static void test_fifo_pending_and_wake(void **state)
{
    (void)state;
    enum { N = 1000 };
    atomic_store(&wakes, 0);
    sr_jobq *q = sr_jobq_new(offsetof(item, next), count_wake, NULL);
    assert_non_null(q);
    item *v = calloc(N, sizeof *v);
    consumer c = {.q = q, .id = 1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, consume, &c), 0);
    for (int i = 0; i < N; i++) {
        v[i].payload = i;
        sr_jobq_push(q, &v[i]);
    }
    item *l = take_n(q, N);
    for (int i = 0; i < N; i++, l = l->next) { /* one consumer: finished in pushed order */
        assert_non_null(l);
        assert_int_equal(l->payload, i);
        assert_int_equal(l->done_by, 1);
    }
    assert_null(l);
    assert_int_equal(sr_jobq_pending(q), 0);
    assert_true(atomic_load(&wakes) >= 1);
    assert_int_equal(atomic_load(&wakes), c.batches); /* one wake per finish */
    sr_jobq_stop(q);
    pthread_join(t, NULL);
    sr_jobq_free(q);
    free(v);
}

static void test_pop_all_takes_one_batch_and_stop_drains(void **state)
{
    (void)state;
    sr_jobq *q = sr_jobq_new(offsetof(item, next), NULL, NULL);
    item v[5] = {{0}};
    for (int i = 0; i < 5; i++) {
        v[i].payload = i;
        sr_jobq_push(q, &v[i]);
    }
    assert_int_equal(sr_jobq_pending(q), 5);
    /* stopped before the consumer even started: what was queued is still handed out, as one
     * batch, and then the consumer is told to return */
    sr_jobq_stop(q);
    consumer c = {.q = q, .id = 2, .all = 1};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, consume, &c), 0);
    pthread_join(t, NULL);
    assert_int_equal(c.batches, 1);
    assert_int_equal(sr_jobq_pending(q), 5); /* finished, not yet taken back */
    item *l = sr_jobq_take_done(q);
    for (int i = 0; i < 5; i++, l = l->next)
        assert_int_equal(l->payload, i);
    assert_null(l);
    assert_int_equal(sr_jobq_pending(q), 0);
    assert_null(sr_jobq_take_done(q));
    assert_null(sr_jobq_pop(q)); /* stopped and empty: no waiting */
    sr_jobq_free(q);
}

static void test_many_consumers(void **state)
{
    (void)state;
    enum { N = 20000, T = 4 };
    sr_jobq *q = sr_jobq_new(offsetof(item, next), count_wake, NULL);
    item *v = calloc(N, sizeof *v);
    consumer c[T];
    pthread_t t[T];
    for (int i = 0; i < T; i++) {
        c[i] = (consumer){.q = q, .id = i + 1, .all = i % 2};
        assert_int_equal(pthread_create(&t[i], NULL, consume, &c[i]), 0);
    }
    for (int i = 0; i < N; i++) {
        v[i].payload = i;
        sr_jobq_push(q, &v[i]);
    }
    item *l = take_n(q, N);
    int n = 0;
    for (; l; l = l->next, n++)
        assert_true(l->done_by >= 1 && l->done_by <= T);
    assert_int_equal(n, N); /* each exactly once */
    assert_int_equal(sr_jobq_pending(q), 0);
    sr_jobq_stop(q);
    for (int i = 0; i < T; i++)
        pthread_join(t[i], NULL);
    sr_jobq_free(q);
    free(v);
}

/* ---------- the pool on top ---------- */

typedef struct task {
    sr_task base;
    int ran, done;
} task;

static int pool_done;

static void task_run(sr_task *t)
{
    ((task *)t)->ran = 1;
}

static void task_done(sr_task *t)
{
    assert_int_equal(((task *)t)->ran, 1);
    ((task *)t)->done = 1;
    pool_done++;
}

static void test_pool_runs_and_stop_finishes(void **state)
{
    (void)state;
    enum { N = 200 };
    sr_pool *p = sr_pool_start(3, NULL, NULL);
    assert_non_null(p);
    task *v = calloc(N, sizeof *v);
    pool_done = 0;
    for (int i = 0; i < N; i++) {
        v[i].base.run = task_run;
        v[i].base.done = task_done;
        sr_pool_submit(p, &v[i].base);
    }
    while (sr_pool_pending(p) > N / 2)
        sr_pool_poll(p);
    assert_true(pool_done >= N / 2);
    sr_pool_stop(p); /* runs the rest and their done() */
    assert_int_equal(pool_done, N);
    for (int i = 0; i < N; i++)
        assert_int_equal(v[i].done, 1);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_pending_and_wake),
        cmocka_unit_test(test_pop_all_takes_one_batch_and_stop_drains),
        cmocka_unit_test(test_many_consumers),
        cmocka_unit_test(test_pool_runs_and_stop_finishes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
