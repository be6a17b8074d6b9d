/* test_ranking.c - trending decay and recommendation scores, with hand-computed cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "core/ranking.h"

#define H SR_TRENDING_HALF_LIFE_MS

static void test_decay(void **state)
{
    (void)state;
    sr_activity a = {0, 0};
    sr_activity_add(&a, 0, 8, H);
    assert_float_equal(sr_activity_value(&a, 0, H), 8, 1e-9);
    assert_float_equal(sr_activity_value(&a, H, H), 4, 1e-9);     /* one half-life */
    assert_float_equal(sr_activity_value(&a, 2 * H, H), 2, 1e-9); /* two */
    sr_activity_add(&a, H, 3, H);                                 /* 4 + 3 */
    assert_float_equal(sr_activity_value(&a, H, H), 7, 1e-9);
    assert_float_equal(sr_activity_value(&a, 2 * H, H), 3.5, 1e-9);
    /* leaving never drives the score below zero */
    sr_activity_add(&a, 2 * H, -10, H);
    assert_float_equal(sr_activity_value(&a, 2 * H, H), 0, 1e-9);
}

static void test_growth_beats_size(void **state)
{
    (void)state;
    /* Room 1: 50 people joined an hour ago (6 half-lives), quiet since.
     * Room 2: 5 people joined in the last minute. */
    double now = 60 * 60 * 1000.0;
    sr_activity big = {0, 0}, small = {0, 0};
    for (int i = 0; i < 50; i++)
        sr_activity_add(&big, 0, SR_TREND_JOIN, H);
    for (int i = 0; i < 5; i++)
        sr_activity_add(&small, now - 60000, SR_TREND_JOIN, H);
    double vb = sr_activity_value(&big, now, H), vs = sr_activity_value(&small, now, H);
    assert_float_equal(vb, 150.0 / 64, 1e-9);                /* 2.34 */
    assert_float_equal(vs, 15.0 * exp2(-60000.0 / H), 1e-9); /* 14.0 */
    sr_ranked_room rr[2] = {{1, vb, 50}, {2, vs, 5}};
    sr_rank_rooms(rr, 2);
    assert_int_equal(rr[0].id, 2);
}

static void test_rank_ties(void **state)
{
    (void)state;
    sr_ranked_room rr[4] = {{4, 1.0, 3}, {2, 1.0, 3}, {3, 1.0, 9}, {1, 0.5, 100}};
    sr_rank_rooms(rr, 4);
    assert_int_equal(rr[0].id, 3); /* same score: more listeners */
    assert_int_equal(rr[1].id, 2); /* same score and listeners: lower id */
    assert_int_equal(rr[2].id, 4);
    assert_int_equal(rr[3].id, 1);
    sr_rank_rooms(rr, 0); /* empty is fine */
}

static void test_recommend(void **state)
{
    (void)state;
    sr_rec_features f = {
        .friends_present = 2, .shared_tags = 1, .liked_artists = 3, .visits = 9, .listeners = 7};
    /* 10 + 3 + 6 + 5 (visits capped) + log2(8) = 27 */
    assert_float_equal(sr_recommend_score(&f), 27.0, 1e-9);
    assert_true(sr_recommend_relevant(&f));
    sr_rec_features only_size = {.listeners = 1000};
    assert_false(sr_recommend_relevant(&only_size));
    sr_rec_features none = {0};
    assert_float_equal(sr_recommend_score(&none), 0.0, 1e-9);
    /* a friend present outweighs a shared tag */
    sr_rec_features a = {.friends_present = 1}, b = {.shared_tags = 1};
    assert_true(sr_recommend_score(&a) > sr_recommend_score(&b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decay),
        cmocka_unit_test(test_growth_beats_size),
        cmocka_unit_test(test_rank_ties),
        cmocka_unit_test(test_recommend),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
