/* test_ids.c - the id allocator: allocators on one file (as two processes) never hand out the
 * same id, each one's ids only increase, and ids keep increasing across a reopen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/ids.h"
#include "store/store.h"
#include "util/util.h"

#define N 3000

static void temp_db(char path[64])
{
    snprintf(path, 64, "/tmp/sr_ids_XXXXXX");
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
}

static void remove_db(const char *path)
{
    char aux[128];
    unlink(path);
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Asserts that the n ids in v (sorted here) are all distinct and positive. */
static void assert_distinct(int64_t *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp64);
    assert_true(v[0] > 0);
    for (int i = 1; i < n; i++)
        if (v[i] == v[i - 1]) fail_msg("id %lld handed out twice", (long long)v[i]);
}

static void test_two_allocators_interleaved(void **state)
{
    (void)state;
    char path[64];
    temp_db(path);
    sr_store *s1, *s2;
    assert_int_equal(sr_store_open(path, &s1), 0);
    assert_int_equal(sr_store_open(path, &s2), 0);
    sr_ids *a = sr_ids_new_block(s1, 16), *b = sr_ids_new_block(s2, 16);
    assert_non_null(a);
    assert_non_null(b);
    static int64_t all[2 * N];
    int64_t last_a = 0, last_b = 0;
    for (int i = 0; i < N; i++) {
        int64_t x = sr_ids_next(a, SR_ID_USER), y = sr_ids_next(b, SR_ID_USER);
        assert_true(x > last_a); /* each allocator's ids only increase */
        assert_true(y > last_b);
        last_a = x, last_b = y;
        all[2 * i] = x, all[2 * i + 1] = y;
    }
    assert_distinct(all, 2 * N);
    /* kinds are separate sequences */
    assert_true(sr_ids_next(a, SR_ID_ROOM) <= 32);
    assert_true(sr_ids_next(a, SR_ID_KINDS) < 0);
    sr_ids_free(a);
    sr_ids_free(b);

    /* a reopen: new ids are past every id handed out before */
    s1->ops->close(s1);
    s2->ops->close(s2);
    assert_int_equal(sr_store_open(path, &s1), 0);
    a = sr_ids_new(s1);
    assert_non_null(a);
    int64_t next = sr_ids_next(a, SR_ID_USER);
    assert_true(next > all[2 * N - 1]);
    sr_ids_free(a);
    s1->ops->close(s1);
    remove_db(path);
}

typedef struct runner {
    sr_ids *ids;
    int64_t got[N];
} runner;

static void *run(void *arg)
{
    runner *r = arg;
    for (int i = 0; i < N; i++)
        r->got[i] = sr_ids_next(r->ids, SR_ID_CHAT);
    return NULL;
}

static void test_two_allocators_concurrent(void **state)
{
    (void)state;
    char path[64];
    temp_db(path);
    sr_store *s1, *s2;
    assert_int_equal(sr_store_open(path, &s1), 0);
    assert_int_equal(sr_store_open(path, &s2), 0);
    static runner r[2];
    r[0].ids = sr_ids_new_block(s1, 8); /* small blocks: many reservations race */
    r[1].ids = sr_ids_new_block(s2, 8);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, run, &r[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    static int64_t all[2 * N];
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < N; k++) {
            if (k) assert_true(r[i].got[k] > r[i].got[k - 1]);
            all[i * N + k] = r[i].got[k];
        }
    assert_distinct(all, 2 * N);
    sr_ids_free(r[0].ids);
    sr_ids_free(r[1].ids);
    s1->ops->close(s1);
    s2->ops->close(s2);
    remove_db(path);
}

static void test_ids_and_single_reservations(void **state)
{
    (void)state;
    /* the admin CLI reserves one id at a time beside a running allocator */
    char path[64];
    temp_db(path);
    sr_store *server, *cli;
    assert_int_equal(sr_store_open(path, &server), 0);
    sr_ids *ids = sr_ids_new_block(server, 4);
    static int64_t all[400];
    int n = 0;
    for (int i = 0; i < 100; i++) {
        all[n++] = sr_ids_next(ids, SR_ID_USER);
        assert_int_equal(sr_store_open(path, &cli), 0);
        assert_int_equal(sr_store_reserve_ids(cli, SR_ID_USER, 1, &all[n++]), 0);
        cli->ops->close(cli);
        all[n++] = sr_ids_next(ids, SR_ID_USER);
    }
    assert_distinct(all, n);
    sr_ids_free(ids);
    server->ops->close(server);
    remove_db(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_allocators_interleaved),
        cmocka_unit_test(test_two_allocators_concurrent),
        cmocka_unit_test(test_ids_and_single_reservations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
