/* test_playback.c - clock maths, positions, skip threshold, fallback choice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/playback.h"

static void test_clock_offset(void **state)
{
    (void)state;
    /* client is 100 ms behind the server; 20 ms each way; server holds it 2 ms */
    double t0 = 1000, t1 = 1000 + 100 + 20, t2 = t1 + 2, t3 = t0 + 20 + 2 + 20;
    assert_float_equal(sr_clock_offset(t0, t1, t2, t3), 100.0, 1e-9);
    assert_float_equal(sr_clock_rtt(t0, t1, t2, t3), 40.0, 1e-9);
    /* asymmetric paths: 30 ms out, 10 ms back: the offset error is half the asymmetry */
    t1 = 1000 + 100 + 30, t2 = t1, t3 = 1000 + 30 + 10;
    assert_float_equal(sr_clock_offset(1000, t1, t2, t3), 110.0, 1e-9);
    assert_float_equal(sr_clock_rtt(1000, t1, t2, t3), 40.0, 1e-9);
}

static void test_position(void **state)
{
    (void)state;
    assert_float_equal(sr_play_position(10500, 10000, 3000), 500, 1e-9);
    assert_float_equal(sr_play_position(9000, 10000, 3000), 0, 1e-9);
    assert_float_equal(sr_play_position(20000, 10000, 3000), 3000, 1e-9);
    assert_false(sr_play_ended(12999.9, 10000, 3000));
    assert_true(sr_play_ended(13000, 10000, 3000));
}

static void test_skip_needed(void **state)
{
    (void)state;
    assert_int_equal(sr_skip_needed(0, 0.5), 1);
    assert_int_equal(sr_skip_needed(1, 0.5), 1);
    assert_int_equal(sr_skip_needed(2, 0.5), 1);
    assert_int_equal(sr_skip_needed(3, 0.5), 2);
    assert_int_equal(sr_skip_needed(4, 0.5), 2);
    assert_int_equal(sr_skip_needed(5, 0.5), 3);
    assert_int_equal(sr_skip_needed(10, 1.0), 10);
    assert_int_equal(sr_skip_needed(10, 0.25), 3);
}

static void test_fallback(void **state)
{
    (void)state;
    int64_t lib[] = {1, 2, 3, 4, 5};
    int64_t ranked[] = {4, 2};
    int64_t recent1[] = {4};
    /* best ranked not played recently */
    assert_int_equal(sr_fallback_pick(ranked, 2, lib, 5, NULL, 0, 0), 4);
    assert_int_equal(sr_fallback_pick(ranked, 2, lib, 5, recent1, 1, 0), 2);
    /* all ranked recent: a fresh library track chosen by seed */
    int64_t recent2[] = {2, 4};
    int64_t fresh[] = {1, 3, 5};
    for (uint64_t seed = 0; seed < 6; seed++)
        assert_int_equal(sr_fallback_pick(ranked, 2, lib, 5, recent2, 2, seed), fresh[seed % 3]);
    /* everything recent: the one played longest ago */
    int64_t recent3[] = {3, 1, 5, 2, 4};
    assert_int_equal(sr_fallback_pick(ranked, 2, lib, 5, recent3, 5, 7), 4);
    /* empty library */
    assert_int_equal(sr_fallback_pick(NULL, 0, NULL, 0, NULL, 0, 0), 0);
    /* a one-track library repeats rather than going silent */
    int64_t one[] = {9}, r9[] = {9};
    assert_int_equal(sr_fallback_pick(NULL, 0, one, 1, r9, 1, 3), 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_offset),
        cmocka_unit_test(test_position),
        cmocka_unit_test(test_skip_needed),
        cmocka_unit_test(test_fallback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
