/* test_rules.c - queue and chat rules: who may add and vote, limits, slow mode, rate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/policy.h"
#include "core/queue.h"
#include "core/rules.h"

#define ME 7
#define MAXQ 500

static void add_n(sr_queue *q, int64_t user, int n)
{
    for (int i = 0; i < n; i++)
        sr_queue_insert(q, sr_entry_new(q->n + 1, 100 + q->n, user, (double)q->n));
}

static void everyone_may_add_by_default(void **state)
{
    (void)state;
    sr_room_rules r = {0};
    sr_queue q = {0};
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_NONE, &q, ME, 1, MAXQ), SR_RULE_OK);
}

static void who_add_members_and_mods(void **state)
{
    (void)state;
    sr_queue q = {0};
    sr_room_rules r = {.who_add = SR_WHO_MEMBERS};
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_NONE, &q, ME, 1, MAXQ), SR_RULE_NOT_ALLOWED);
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_MEMBER, &q, ME, 1, MAXQ), SR_RULE_OK);
    r.who_add = SR_WHO_MODS;
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_MEMBER, &q, ME, 1, MAXQ), SR_RULE_NOT_ALLOWED);
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_MOD, &q, ME, 1, MAXQ), SR_RULE_OK);
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_ADMIN, &q, ME, 1, MAXQ), SR_RULE_OK);
}

static void locked_queue_refuses_all_but_moderators(void **state)
{
    (void)state;
    sr_queue q = {0};
    sr_room_rules r = {.locked = 1, .who_add = SR_WHO_MEMBERS};
    /* locked is told before who_add */
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_NONE, &q, ME, 1, MAXQ), SR_RULE_QUEUE_LOCKED);
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_MEMBER, &q, ME, 1, MAXQ), SR_RULE_QUEUE_LOCKED);
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_MOD, &q, ME, 1, MAXQ), SR_RULE_OK);
    assert_int_equal(sr_rules_add_gate(&r, SR_RANK_OWNER), SR_RULE_OK);
}

static void per_person_limit_boundary(void **state)
{
    (void)state;
    sr_queue q = {0};
    sr_room_rules r = {.max_per_person = 2};
    add_n(&q, ME, 1);
    add_n(&q, 8, 5); /* others' entries do not count */
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_NONE, &q, ME, 1, MAXQ), SR_RULE_OK);
    add_n(&q, ME, 1);
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_MEMBER, &q, ME, 1, MAXQ), SR_RULE_LIMIT_REACHED);
    /* moderators are not limited */
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_MOD, &q, ME, 1, MAXQ), SR_RULE_OK);
    /* the limit is told before an unknown track */
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_NONE, &q, ME, 0, MAXQ), SR_RULE_LIMIT_REACHED);
    sr_queue_clear(&q);
}

static void unknown_track_then_full_queue(void **state)
{
    (void)state;
    sr_queue q = {0};
    sr_room_rules r = {0};
    add_n(&q, 8, 3);
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_NONE, &q, ME, 0, 3), SR_RULE_NO_SUCH_TRACK);
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_NONE, &q, ME, 1, 4), SR_RULE_OK);
    /* at max_queue the queue is full, for moderators too */
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_NONE, &q, ME, 1, 3), SR_RULE_QUEUE_FULL);
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_OWNER, &q, ME, 1, 3), SR_RULE_QUEUE_FULL);
    sr_queue_clear(&q);
}

static void same_track_twice_is_allowed(void **state)
{
    (void)state;
    sr_queue q = {0};
    sr_room_rules r = {0};
    sr_queue_insert(&q, sr_entry_new(1, 100, ME, 1.0));
    assert_int_equal(sr_rules_may_add(&r, SR_RANK_NONE, &q, ME, 1, MAXQ), SR_RULE_OK);
    sr_queue_clear(&q);
}

static void who_vote(void **state)
{
    (void)state;
    sr_room_rules r = {0};
    assert_int_equal(sr_rules_may_vote(&r, SR_RANK_NONE), SR_RULE_OK);
    r.who_vote = SR_WHO_MEMBERS;
    assert_int_equal(sr_rules_may_vote(&r, SR_RANK_NONE), SR_RULE_NOT_ALLOWED);
    assert_int_equal(sr_rules_may_vote(&r, SR_RANK_MEMBER), SR_RULE_OK);
    r.who_vote = SR_WHO_MODS;
    assert_int_equal(sr_rules_may_vote(&r, SR_RANK_MEMBER), SR_RULE_NOT_ALLOWED);
    assert_int_equal(sr_rules_may_vote(&r, SR_RANK_OWNER), SR_RULE_OK);
    /* a locked queue still takes votes */
    r.who_vote = SR_WHO_EVERYONE;
    r.locked = 1;
    assert_int_equal(sr_rules_may_vote(&r, SR_RANK_NONE), SR_RULE_OK);
}

static void remove_only_own_entry(void **state)
{
    (void)state;
    assert_int_equal(sr_rules_may_remove(ME, ME), SR_RULE_OK);
    assert_int_equal(sr_rules_may_remove(8, ME), SR_RULE_NOT_ALLOWED);
}

static void slow_mode_boundaries(void **state)
{
    (void)state;
    sr_room_rules r = {.slow_mode_s = 5};
    double last = 0; /* never chatted: the first line passes */
    assert_int_equal(sr_rules_may_chat(&r, 0, SR_RANK_NONE, &last, 100000), SR_RULE_OK);
    assert_true(last == 100000);
    /* one millisecond short of 5 s: refused, and the wait does not restart */
    assert_int_equal(sr_rules_may_chat(&r, 0, SR_RANK_NONE, &last, 104999), SR_RULE_SLOW_MODE);
    assert_true(last == 100000);
    /* exactly 5 s: passes */
    assert_int_equal(sr_rules_may_chat(&r, 0, SR_RANK_MEMBER, &last, 105000), SR_RULE_OK);
    assert_true(last == 105000);
}

static void slow_mode_exempts_moderators_and_non_listeners(void **state)
{
    (void)state;
    sr_room_rules r = {.slow_mode_s = 60};
    double last = 1000;
    assert_int_equal(sr_rules_may_chat(&r, 0, SR_RANK_MOD, &last, 1001), SR_RULE_OK);
    assert_true(last == 1001); /* recorded all the same */
    assert_int_equal(sr_rules_may_chat(&r, 0, SR_RANK_NONE, NULL, 1002), SR_RULE_OK);
    /* off: no wait at all */
    r.slow_mode_s = 0;
    assert_int_equal(sr_rules_may_chat(&r, 0, SR_RANK_NONE, &last, 1001), SR_RULE_OK);
}

static void muted_beats_everything(void **state)
{
    (void)state;
    sr_room_rules r = {.slow_mode_s = 60};
    double last = 0;
    assert_int_equal(sr_rules_may_chat(&r, 1, SR_RANK_NONE, &last, 1e6), SR_RULE_MUTED);
    assert_int_equal(sr_rules_may_chat(&r, 1, SR_RANK_MOD, &last, 1e6), SR_RULE_MUTED);
    assert_true(last == 0);
}

static void token_bucket_burst_then_refill(void **state)
{
    (void)state;
    /* 10 lines per 10 s: burst 10, 1 per second */
    sr_bucket b;
    sr_bucket_init(&b, 10, 0);
    for (int i = 0; i < 10; i++)
        assert_int_equal(sr_bucket_take(&b, 0, 1.0, 10), 1);
    assert_int_equal(sr_bucket_take(&b, 0, 1.0, 10), 0);
    /* 0.999 s later: not yet a whole token */
    assert_int_equal(sr_bucket_take(&b, 999000, 1.0, 10), 0);
    /* at 1 s: one */
    assert_int_equal(sr_bucket_take(&b, 1000000, 1.0, 10), 1);
    assert_int_equal(sr_bucket_take(&b, 1000000, 1.0, 10), 0);
    /* a long pause refills to the burst, never beyond */
    assert_int_equal(sr_bucket_take(&b, 3600000000LL, 1.0, 10), 1);
    assert_float_equal(b.tokens, 9.0, 1e-9);
}

static void token_bucket_fractional_rate(void **state)
{
    (void)state;
    /* 40 messages per second, burst 80 (the per-connection limit) */
    sr_bucket b;
    sr_bucket_init(&b, 80, 5000);
    int taken = 0;
    for (int i = 0; i < 100; i++)
        taken += sr_bucket_take(&b, 5000, 40, 80);
    assert_int_equal(taken, 80);
    /* 25 ms later, exactly one more */
    assert_int_equal(sr_bucket_take(&b, 5000 + 25000, 40, 80), 1);
    assert_int_equal(sr_bucket_take(&b, 5000 + 25000, 40, 80), 0);
}

static void codes(void **state)
{
    (void)state;
    assert_null(sr_rule_code(SR_RULE_OK));
    assert_string_equal(sr_rule_code(SR_RULE_QUEUE_LOCKED), "queue_locked");
    assert_string_equal(sr_rule_code(SR_RULE_NOT_ALLOWED), "not_allowed");
    assert_string_equal(sr_rule_code(SR_RULE_LIMIT_REACHED), "limit_reached");
    assert_string_equal(sr_rule_code(SR_RULE_NO_SUCH_TRACK), "no_such_track");
    assert_string_equal(sr_rule_code(SR_RULE_QUEUE_FULL), "queue_full");
    assert_string_equal(sr_rule_code(SR_RULE_MUTED), "muted");
    assert_string_equal(sr_rule_code(SR_RULE_SLOW_MODE), "slow_mode");
    assert_string_equal(sr_rule_code(SR_RULE_RATE_LIMITED), "rate_limited");
    assert_int_equal(sr_who_min_rank(SR_WHO_EVERYONE), SR_RANK_NONE);
    assert_int_equal(sr_who_min_rank(SR_WHO_MEMBERS), SR_RANK_MEMBER);
    assert_int_equal(sr_who_min_rank(SR_WHO_MODS), SR_RANK_MOD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(everyone_may_add_by_default),
        cmocka_unit_test(who_add_members_and_mods),
        cmocka_unit_test(locked_queue_refuses_all_but_moderators),
        cmocka_unit_test(per_person_limit_boundary),
        cmocka_unit_test(unknown_track_then_full_queue),
        cmocka_unit_test(same_track_twice_is_allowed),
        cmocka_unit_test(who_vote),
        cmocka_unit_test(remove_only_own_entry),
        cmocka_unit_test(slow_mode_boundaries),
        cmocka_unit_test(slow_mode_exempts_moderators_and_non_listeners),
        cmocka_unit_test(muted_beats_everything),
        cmocka_unit_test(token_bucket_burst_then_refill),
        cmocka_unit_test(token_bucket_fractional_rate),
        cmocka_unit_test(codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
