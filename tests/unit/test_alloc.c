/* test_alloc.c - the allocator hook and the test allocator, then real code paths under an
 * allocation failure at each point in turn: the map, the growth helper, the job queue, the
 * pool, the write worker and the library's reader requests each return SR_ENOMEM (or NULL, as
 * their contract says), leave their state as it was and leak nothing (the asan build runs this
 * under LeakSanitizer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "library/library.h"
#include "store/store.h"
#include "store/worker.h"
#include "util/alloc.h"
#include "util/jobq.h"
#include "util/map.h"
#include "util/pool.h"
#include "util/util.h"
#include "util/vec.h"

/* ---------- the hook and the test allocator ---------- */

static int counted;

static void *count_malloc(void *ud, size_t n)
{
    (void)ud;
    counted++;
    return malloc(n);
}

static void *count_calloc(void *ud, size_t n, size_t size)
{
    (void)ud;
    counted++;
    return calloc(n, size);
}

static void *count_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    counted++;
    return realloc(p, n);
}

static void test_every_allocator_goes_through_the_hook(void **state)
{
    (void)state;
    static const sr_allocator counting = {count_malloc, count_calloc, count_realloc, NULL};
    counted = 0;
    sr_alloc_set(&counting);
    assert_ptr_equal(sr_alloc_get(), &counting);
    void *a = sr_xmalloc(8), *b = sr_xcalloc(2, 8), *c = sr_malloc(8), *d = sr_calloc(1, 1);
    a = sr_xrealloc(a, 64);
    c = sr_realloc(c, 64);
    char *e = sr_xstrdup("x"), *f = sr_strdup("y"), *g = sr_xstrndup("abc", 2);
    assert_string_equal(g, "ab");
    sr_alloc_set(NULL);
    assert_int_equal(counted, 9);
    assert_ptr_not_equal(sr_alloc_get(), &counting);
    free(a), free(b), free(c), free(d), free(e), free(f), free(g);
}

static void test_fail_after_fails_the_nth_once(void **state)
{
    (void)state;
    sr_alloc_fail_after(2);
    void *a = sr_malloc(1), *b = sr_calloc(1, 1);
    assert_non_null(a);
    assert_non_null(b);
    assert_false(sr_alloc_failed());
    void *old = b;
    assert_null(sr_realloc(b, 100)); /* the third: fails, and b is still ours */
    assert_true(sr_alloc_failed());
    b = old;
    void *c = sr_malloc(1); /* later ones succeed */
    assert_non_null(c);
    assert_null(sr_strdup(NULL));
    assert_int_equal(sr_alloc_calls(), 4);
    sr_alloc_reset();
    free(a), free(b), free(c);
    /* counting only */
    sr_alloc_fail_after(-1);
    for (int i = 0; i < 5; i++)
        free(sr_malloc(1));
    assert_int_equal(sr_alloc_calls(), 5);
    assert_false(sr_alloc_failed());
    sr_alloc_reset();
}

static void *alloc_on_thread(void *arg)
{
    (void)arg;
    return sr_malloc(16); /* not the arming thread: never failed */
}

static void test_only_the_arming_thread_fails(void **state)
{
    (void)state;
    sr_alloc_fail_after(0);
    pthread_t t;
    void *p = NULL;
    assert_int_equal(pthread_create(&t, NULL, alloc_on_thread, NULL), 0);
    pthread_join(t, &p);
    assert_non_null(p);
    assert_false(sr_alloc_failed());
    assert_null(sr_malloc(16));
    sr_alloc_reset();
    free(p);
}

/* ---------- the map ---------- */

/* Puts K keys with the Nth allocation failing, for every N until none fails: the failing put
 * returns SR_ENOMEM, every earlier key is still there and the failing one is not. */
static void test_map_put_fails_cleanly_at_each_allocation(void **state)
{
    (void)state;
    enum { K = 40 };
    char key[16];
    int failures = 0;
    for (long n = 0;; n++) {
        sr_map m = {0};
        sr_map_put(&m, "before", 7); /* made with memory to spare */
        sr_alloc_fail_after(n);
        int rc = 0, i = 0;
        for (; i < K && !rc; i++) {
            snprintf(key, sizeof key, "key%d", i);
            rc = sr_map_try_put(&m, key, i + 1);
        }
        int failed = sr_alloc_failed();
        sr_alloc_reset();
        if (!failed) {
            assert_int_equal(rc, 0);
            assert_int_equal(sr_map_count(&m), K + 1);
            sr_map_free(&m);
            break;
        }
        failures++;
        assert_int_equal(rc, SR_ENOMEM);
        int put = i - 1; /* keys 0 .. put-1 went in, key put did not */
        assert_int_equal(sr_map_count(&m), put + 1);
        assert_int_equal(sr_map_get(&m, "before"), 7);
        for (int j = 0; j <= put; j++) {
            snprintf(key, sizeof key, "key%d", j);
            assert_int_equal(sr_map_get(&m, key), j < put ? j + 1 : 0);
        }
        sr_map_free(&m);
    }
    assert_true(failures > K); /* one per key copy, and the growths */
}

static void test_imap_put_fails_cleanly_at_each_allocation(void **state)
{
    (void)state;
    enum { K = 200 };
    for (long n = 0;; n++) {
        sr_imap m = {0};
        sr_alloc_fail_after(n);
        int rc = 0, i = 0;
        for (; i < K && !rc; i++)
            rc = sr_imap_try_put(&m, i * 7, i + 1);
        int failed = sr_alloc_failed();
        sr_alloc_reset();
        if (!failed) {
            assert_int_equal(sr_imap_count(&m), K);
            sr_imap_free(&m);
            assert_true(n > 0);
            break;
        }
        assert_int_equal(rc, SR_ENOMEM);
        assert_int_equal(sr_imap_count(&m), i - 1);
        for (int j = 0; j < i; j++)
            assert_int_equal(sr_imap_get(&m, j * 7), j < i - 1 ? j + 1 : 0);
        sr_imap_free(&m);
    }
}

/* ---------- the growth helper ---------- */

static void test_grow_fails_without_losing_the_array(void **state)
{
    (void)state;
    int *v = NULL;
    size_t cap = 0;
    assert_int_equal(SR_GROW(v, cap, 3), 0);
    assert_int_equal(cap, 8);
    for (int i = 0; i < 8; i++)
        v[i] = i;
    assert_int_equal(SR_GROW(v, cap, 8), 0); /* fits: nothing to do */
    assert_int_equal(cap, 8);
    int *was = v;
    sr_alloc_fail_after(0);
    assert_int_equal(SR_GROW(v, cap, 9), SR_ENOMEM);
    sr_alloc_reset();
    assert_ptr_equal(v, was);
    assert_int_equal(cap, 8);
    assert_int_equal(v[7], 7);
    assert_int_equal(SR_GROW(v, cap, 9), 0);
    assert_int_equal(cap, 16);
    assert_int_equal(v[7], 7);
    assert_int_equal(SR_GROW(v, cap, 100), 0); /* more than double: exactly what is needed */
    assert_int_equal(cap, 100);
    assert_int_equal(SR_GROW(v, cap, SIZE_MAX / 2), SR_ENOMEM); /* size overflows */
    assert_int_equal(cap, 100);
    free(v);
}

/* ---------- the job queue, the pool and the write worker ---------- */

typedef struct node {
    struct node *next;
} node;

static void test_jobq_pool_worker_start_fail_cleanly(void **state)
{
    (void)state;
    char dir[] = "/tmp/sr-test-alloc-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char db[128];
    snprintf(db, sizeof db, "%s/db.sqlite", dir);
    sr_store *st;
    assert_int_equal(sr_store_open(db, &st), 0);
    int seen[3] = {0};
    for (int what = 0; what < 3; what++)
        for (long n = 0;; n++) {
            sr_alloc_fail_after(n);
            void *made = what == 0   ? (void *)sr_jobq_new(offsetof(node, next), NULL, NULL)
                         : what == 1 ? (void *)sr_pool_start(2, NULL, NULL)
                                     : (void *)sr_worker_start(st, NULL, NULL);
            int failed = sr_alloc_failed();
            sr_alloc_reset();
            if (failed) {
                assert_null(made);
                seen[what]++;
                continue;
            }
            assert_non_null(made);
            if (what == 0) {
                node x;
                sr_jobq_push(made, &x);
                assert_int_equal(sr_jobq_pending(made), 1);
                assert_ptr_equal(sr_jobq_pop(made), &x);
                sr_jobq_finish(made, &x);
                assert_ptr_equal(sr_jobq_take_done(made), &x);
                sr_jobq_free(made);
            } else if (what == 1) {
                sr_pool_stop(made);
            } else {
                sr_worker_stop(made);
            }
            break;
        }
    assert_int_equal(seen[0], 1); /* the queue */
    assert_int_equal(seen[1], 2); /* the pool, its queue */
    assert_int_equal(seen[2], 2); /* the worker, its queue */
    st->ops->close(st);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---------- the library's reader requests ---------- */

typedef struct answer {
    int calls, status;
} answer;

static void on_answer(void *ctx, int status, json_t *body)
{
    answer *a = ctx;
    a->calls++;
    a->status = status;
    json_decref(body);
}

static void no_wake(void *ud)
{
    (void)ud;
}

static void test_library_query_fails_cleanly_at_each_allocation(void **state)
{
    (void)state;
    char dir[] = "/tmp/sr-test-alloc-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char db[128];
    snprintf(db, sizeof db, "%s/db.sqlite", dir);
    sr_store *st;
    assert_int_equal(sr_store_open(db, &st), 0);
    sr_library *lib = sr_library_new();
    assert_int_equal(sr_library_start(lib, st, NULL, 0, no_wake, NULL), 0);
    sr_track_query q = {.text = "a", .artist = "b", .album = "c", .genre = "d", .limit = 5};
    answer got[16] = {{0}};
    long n = 0;
    for (;; n++) {
        assert_true(n < 16);
        sr_alloc_fail_after(n);
        int rc = sr_library_query(lib, "tracks", &q, on_answer, &got[n]);
        int failed = sr_alloc_failed();
        sr_alloc_reset();
        if (!failed) {
            assert_int_equal(rc, 0);
            break;
        }
        assert_int_equal(rc, SR_ENOMEM); /* and done is never called: checked below */
        assert_int_equal(sr_library_pending(lib), 0);
    }
    assert_int_equal(n, 6); /* the request and its five strings */
    for (int i = 0; i < 10000 && sr_library_pending(lib); i++) {
        sr_library_poll(lib);
        usleep(1000);
    }
    sr_library_poll(lib);
    for (long i = 0; i < n; i++)
        assert_int_equal(got[i].calls, 0);
    assert_int_equal(got[n].calls, 1);
    assert_int_equal(got[n].status, 0);
    sr_library_free(lib);
    st->ops->close(st);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_allocator_goes_through_the_hook),
        cmocka_unit_test(test_fail_after_fails_the_nth_once),
        cmocka_unit_test(test_only_the_arming_thread_fails),
        cmocka_unit_test(test_map_put_fails_cleanly_at_each_allocation),
        cmocka_unit_test(test_imap_put_fails_cleanly_at_each_allocation),
        cmocka_unit_test(test_grow_fails_without_losing_the_array),
        cmocka_unit_test(test_jobq_pool_worker_start_fail_cleanly),
        cmocka_unit_test(test_library_query_fails_cleanly_at_each_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
