/* test_map.c - the one hash map: string and int64 keys, growth, deletion inside probe runs
 * (checked against a plain array under random operations), and the value-0 rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/map.h"
#include "util/util.h"

static void test_string_keys(void **state)
{
    (void)state;
    sr_map m = {0};
    assert_int_equal(sr_map_get(&m, "a"), 0);
    assert_int_equal(sr_map_del(&m, "a"), 0);
    sr_map_put(&m, "a", 1);
    assert_int_equal(sr_map_try_put(&m, "b", 2), 0);
    char key[8] = "c"; /* the map keeps its own copy */
    sr_map_put(&m, key, 3);
    key[0] = 'z';
    assert_int_equal(sr_map_get(&m, "c"), 3);
    assert_int_equal(sr_map_get(&m, "z"), 0);
    sr_map_put(&m, "a", 10); /* replaces */
    assert_int_equal(sr_map_get(&m, "a"), 10);
    assert_int_equal(sr_map_count(&m), 3);
    assert_int_equal(sr_map_del(&m, "b"), 2);
    assert_int_equal(sr_map_get(&m, "b"), 0);
    assert_int_equal(sr_map_count(&m), 2);
    sr_map_put(&m, "a", 0); /* value 0 removes */
    assert_int_equal(sr_map_get(&m, "a"), 0);
    assert_int_equal(sr_map_count(&m), 1);
    sr_map_free(&m);
    assert_int_equal(sr_map_count(&m), 0);
    sr_map_put(&m, "again", 5); /* a freed map is ready again */
    assert_int_equal(sr_map_get(&m, "again"), 5);
    sr_map_free(&m);
}

/* Random puts and deletes on a small key space (so probe runs are long and deletions land in
 * their middle), checked against a plain array after every step. */
static void test_string_random_against_array(void **state)
{
    (void)state;
    enum { KEYS = 300, STEPS = 20000 };
    int64_t ref[KEYS] = {0};
    sr_map m = {0};
    char k[16];
    srand(7);
    for (int step = 0; step < STEPS; step++) {
        int i = rand() % KEYS;
        snprintf(k, sizeof k, "k%d", i);
        if (rand() % 3) {
            int64_t v = 1 + rand() % 1000;
            sr_map_put(&m, k, v);
            ref[i] = v;
        } else {
            assert_int_equal(sr_map_del(&m, k), ref[i]);
            ref[i] = 0;
        }
        if (step % 997 == 0) {
            size_t n = 0;
            for (int j = 0; j < KEYS; j++) {
                snprintf(k, sizeof k, "k%d", j);
                assert_int_equal(sr_map_get(&m, k), ref[j]);
                n += ref[j] != 0;
            }
            assert_int_equal(sr_map_count(&m), n);
        }
    }
    sr_map_free(&m);
}

static void test_int_keys(void **state)
{
    (void)state;
    sr_imap m = {0};
    enum { N = 5000 };
    /* any int64 is a key, 0 and negatives included */
    sr_imap_put(&m, 0, 7);
    sr_imap_put(&m, -1, 8);
    sr_imap_put(&m, INT64_MAX, 9);
    for (int64_t i = 1; i <= N; i++)
        assert_int_equal(sr_imap_try_put(&m, i * 1000, i), 0);
    assert_int_equal(sr_imap_count(&m), N + 3);
    assert_int_equal(sr_imap_get(&m, 0), 7);
    assert_int_equal(sr_imap_get(&m, -1), 8);
    assert_int_equal(sr_imap_get(&m, INT64_MAX), 9);
    for (int64_t i = 1; i <= N; i++)
        assert_int_equal(sr_imap_get(&m, i * 1000), i);
    assert_int_equal(sr_imap_get(&m, 1001), 0);
    for (int64_t i = 1; i <= N; i += 2)
        assert_int_equal(sr_imap_del(&m, i * 1000), i);
    for (int64_t i = 1; i <= N; i++)
        assert_int_equal(sr_imap_get(&m, i * 1000), i % 2 ? 0 : i);
    assert_int_equal(sr_imap_count(&m), N / 2 + 3);
    sr_imap_free(&m);
    assert_int_equal(sr_imap_get(&m, 0), 0);
}

static void test_int_random_against_array(void **state)
{
    (void)state;
    enum { KEYS = 257, STEPS = 20000 };
    int64_t ref[KEYS] = {0};
    sr_imap m = {0};
    srand(11);
    for (int step = 0; step < STEPS; step++) {
        int i = rand() % KEYS;
        if (rand() % 3) {
            int64_t v = 1 + rand() % 1000;
            sr_imap_put(&m, i - 100, v);
            ref[i] = v;
        } else {
            assert_int_equal(sr_imap_del(&m, i - 100), ref[i]);
            ref[i] = 0;
        }
        if (step % 499 == 0)
            for (int j = 0; j < KEYS; j++)
                assert_int_equal(sr_imap_get(&m, j - 100), ref[j]);
    }
    sr_imap_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_string_keys),
        cmocka_unit_test(test_string_random_against_array),
        cmocka_unit_test(test_int_keys),
        cmocka_unit_test(test_int_random_against_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
