/* test_skip.c - the skip tally: votes, retractions, leavers, the threshold, stale votes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/skip.h"

#define PLAYING 1

static void vote_then_retract(void **state)
{
    (void)state;
    sr_skip_tally t = {0};
    assert_int_equal(sr_skip_vote(&t, 7, 1, PLAYING), 1);
    assert_true(sr_skip_has(&t, 7));
    assert_int_equal(sr_skip_count(&t), 1);
    assert_int_equal(sr_skip_vote(&t, 7, 0, PLAYING), 1);
    assert_false(sr_skip_has(&t, 7));
    assert_int_equal(sr_skip_count(&t), 0);
    /* retracting again changes nothing (no skip delta) */
    assert_int_equal(sr_skip_vote(&t, 7, 0, PLAYING), 0);
    sr_skip_free(&t);
}

static void one_person_one_vote(void **state)
{
    (void)state;
    sr_skip_tally t = {0};
    assert_int_equal(sr_skip_vote(&t, 7, 1, PLAYING), 1);
    /* a second connection of the same person voting again */
    assert_int_equal(sr_skip_vote(&t, 7, 1, PLAYING), 0);
    assert_int_equal(sr_skip_count(&t), 1);
    sr_skip_free(&t);
}

static void vote_while_silent_is_ignored_retract_is_not(void **state)
{
    (void)state;
    sr_skip_tally t = {0};
    assert_int_equal(sr_skip_vote(&t, 7, 1, 0), 0);
    assert_int_equal(sr_skip_count(&t), 0);
    assert_int_equal(sr_skip_vote(&t, 8, 1, PLAYING), 1);
    assert_int_equal(sr_skip_vote(&t, 8, 0, 0), 1);
    assert_int_equal(sr_skip_count(&t), 0);
    sr_skip_free(&t);
}

static void threshold_one_listener(void **state)
{
    (void)state;
    sr_skip_tally t = {0};
    assert_false(sr_skip_passes(&t, 1, 0.5, PLAYING));
    sr_skip_vote(&t, 1, 1, PLAYING);
    assert_true(sr_skip_passes(&t, 1, 0.5, PLAYING));
    sr_skip_free(&t);
}

static void threshold_two_listeners(void **state)
{
    (void)state;
    /* ceil(2 * 0.5) = 1: one of two is enough */
    sr_skip_tally t = {0};
    sr_skip_vote(&t, 1, 1, PLAYING);
    assert_true(sr_skip_passes(&t, 2, 0.5, PLAYING));
    sr_skip_free(&t);
}

static void threshold_three_listeners(void **state)
{
    (void)state;
    /* ceil(3 * 0.5) = 2 */
    sr_skip_tally t = {0};
    sr_skip_vote(&t, 1, 1, PLAYING);
    assert_false(sr_skip_passes(&t, 3, 0.5, PLAYING));
    sr_skip_vote(&t, 2, 1, PLAYING);
    assert_true(sr_skip_passes(&t, 3, 0.5, PLAYING));
    sr_skip_free(&t);
}

static void exactly_at_threshold_skips_one_below_does_not(void **state)
{
    (void)state;
    /* 10 listeners at 0.3: 10 * 0.3 is 3.0000000000000004 in binary, and still needs 3 */
    sr_skip_tally t = {0};
    sr_skip_vote(&t, 1, 1, PLAYING);
    sr_skip_vote(&t, 2, 1, PLAYING);
    assert_false(sr_skip_passes(&t, 10, 0.3, PLAYING));
    sr_skip_vote(&t, 3, 1, PLAYING);
    assert_true(sr_skip_passes(&t, 10, 0.3, PLAYING));
    /* ratio 1: everyone */
    assert_false(sr_skip_passes(&t, 4, 1.0, PLAYING));
    sr_skip_vote(&t, 4, 1, PLAYING);
    assert_true(sr_skip_passes(&t, 4, 1.0, PLAYING));
    sr_skip_free(&t);
}

static void retracted_vote_falls_below_threshold(void **state)
{
    (void)state;
    sr_skip_tally t = {0};
    sr_skip_vote(&t, 1, 1, PLAYING);
    sr_skip_vote(&t, 2, 1, PLAYING);
    assert_true(sr_skip_passes(&t, 4, 0.5, PLAYING));
    sr_skip_vote(&t, 1, 0, PLAYING);
    assert_false(sr_skip_passes(&t, 4, 0.5, PLAYING));
    assert_true(sr_skip_has(&t, 2));
    sr_skip_free(&t);
}

static void listener_leaving_mid_tally(void **state)
{
    (void)state;
    sr_skip_tally t = {0};
    /* 5 listeners need 3; 1 and 2 voted */
    sr_skip_vote(&t, 1, 1, PLAYING);
    sr_skip_vote(&t, 2, 1, PLAYING);
    assert_false(sr_skip_passes(&t, 5, 0.5, PLAYING));
    /* a voter leaves: their vote goes with them (4 listeners need 2, 1 vote left) */
    assert_int_equal(sr_skip_leave(&t, 1), 1);
    assert_false(sr_skip_has(&t, 1));
    assert_false(sr_skip_passes(&t, 4, 0.5, PLAYING));
    /* a non-voter leaves: nothing to remove, but the threshold drops (3 need 2: still no) */
    assert_int_equal(sr_skip_leave(&t, 9), 0);
    assert_false(sr_skip_passes(&t, 3, 0.5, PLAYING));
    /* another non-voter leaves: 2 listeners need 1, and the one vote left passes */
    assert_true(sr_skip_passes(&t, 2, 0.5, PLAYING));
    sr_skip_free(&t);
}

static void nobody_listening_never_passes(void **state)
{
    (void)state;
    sr_skip_tally t = {0};
    sr_skip_vote(&t, 1, 1, PLAYING);
    assert_false(sr_skip_passes(&t, 0, 0.5, PLAYING));
    /* and nothing playing never passes either */
    assert_false(sr_skip_passes(&t, 1, 0.5, 0));
    sr_skip_free(&t);
}

static void reset_on_track_change(void **state)
{
    (void)state;
    sr_skip_tally t = {0};
    for (int64_t u = 1; u <= 20; u++)
        sr_skip_vote(&t, u, 1, PLAYING);
    assert_int_equal(sr_skip_count(&t), 20);
    sr_skip_reset(&t);
    assert_int_equal(sr_skip_count(&t), 0);
    assert_false(sr_skip_has(&t, 5));
    assert_int_equal(sr_skip_vote(&t, 5, 1, PLAYING), 1);
    sr_skip_free(&t);
    assert_int_equal(sr_skip_count(&t), 0);
}

static void stale_vote_names_another_track(void **state)
{
    (void)state;
    assert_false(sr_skip_is_stale(0, 42)); /* no track named: about whatever plays */
    assert_false(sr_skip_is_stale(42, 42));
    assert_true(sr_skip_is_stale(41, 42));
    assert_true(sr_skip_is_stale(41, 0));
    assert_false(sr_skip_is_stale(0, 0));
}

static void room_ratio_or_server_ratio(void **state)
{
    (void)state;
    assert_true(sr_skip_ratio(0, 0.5) == 0.5);
    assert_true(sr_skip_ratio(0.25, 0.5) == 0.25);
    assert_true(sr_skip_ratio(1.0, 0.5) == 1.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vote_then_retract),
        cmocka_unit_test(one_person_one_vote),
        cmocka_unit_test(vote_while_silent_is_ignored_retract_is_not),
        cmocka_unit_test(threshold_one_listener),
        cmocka_unit_test(threshold_two_listeners),
        cmocka_unit_test(threshold_three_listeners),
        cmocka_unit_test(exactly_at_threshold_skips_one_below_does_not),
        cmocka_unit_test(retracted_vote_falls_below_threshold),
        cmocka_unit_test(listener_leaving_mid_tally),
        cmocka_unit_test(nobody_listening_never_passes),
        cmocka_unit_test(reset_on_track_change),
        cmocka_unit_test(stale_vote_names_another_track),
        cmocka_unit_test(room_ratio_or_server_ratio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
