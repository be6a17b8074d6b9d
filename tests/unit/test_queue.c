/* test_queue.c - vote-ordered queue: ordering, vote changes, retraction, removal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/queue.h"
#include "util/util.h"

static int64_t ids(const sr_queue *q, int i)
{
    return q->items[i]->id;
}

static void test_order_by_score_then_time(void **state)
{
    (void)state;
    sr_queue q = {0};
    sr_queue_insert(&q, sr_entry_new(1, 10, 100, 1000.0));
    sr_queue_insert(&q, sr_entry_new(2, 11, 100, 2000.0));
    sr_queue_insert(&q, sr_entry_new(3, 12, 101, 3000.0));
    assert_int_equal(q.n, 3);
    /* all score 0: oldest first */
    assert_int_equal(ids(&q, 0), 1);
    assert_int_equal(ids(&q, 1), 2);
    assert_int_equal(ids(&q, 2), 3);
    /* an upvote on the newest lifts it to the top */
    assert_int_equal(sr_queue_vote(&q, 3, 200, 1), 1);
    assert_int_equal(ids(&q, 0), 3);
    assert_int_equal(ids(&q, 1), 1);
    /* a downvote sinks the oldest below the zero-score one */
    assert_int_equal(sr_queue_vote(&q, 1, 200, -1), 1);
    assert_int_equal(ids(&q, 0), 3);
    assert_int_equal(ids(&q, 1), 2);
    assert_int_equal(ids(&q, 2), 1);
    sr_queue_clear(&q);
}

static void test_same_time_ties_break_by_id(void **state)
{
    (void)state;
    sr_queue q = {0};
    sr_queue_insert(&q, sr_entry_new(9, 1, 1, 500.0));
    sr_queue_insert(&q, sr_entry_new(4, 1, 1, 500.0));
    assert_int_equal(ids(&q, 0), 4);
    assert_int_equal(ids(&q, 1), 9);
    sr_queue_clear(&q);
}

static void test_vote_change_and_retract(void **state)
{
    (void)state;
    sr_queue q = {0};
    sr_queue_insert(&q, sr_entry_new(1, 10, 100, 1.0));
    sr_entry *e = sr_queue_find(&q, 1);
    assert_int_equal(sr_queue_vote(&q, 1, 7, 1), 1);
    assert_int_equal(sr_queue_vote(&q, 1, 7, 1), 0); /* same vote again: no change */
    assert_int_equal(e->up, 1);
    assert_int_equal(sr_entry_vote_of(e, 7), 1);
    assert_int_equal(sr_queue_vote(&q, 1, 7, -1), 1); /* change: one person, one vote */
    assert_int_equal(e->up, 0);
    assert_int_equal(e->down, 1);
    assert_int_equal(sr_entry_score(e), -1);
    assert_int_equal(sr_queue_vote(&q, 1, 8, -1), 1);
    assert_int_equal(sr_entry_score(e), -2);
    assert_int_equal(sr_queue_vote(&q, 1, 7, 0), 1); /* retract */
    assert_int_equal(e->down, 1);
    assert_int_equal(sr_entry_vote_of(e, 7), 0);
    assert_int_equal(sr_queue_vote(&q, 1, 7, 0), 0);
    assert_int_equal(sr_queue_vote(&q, 2, 7, 1), SR_ENOENT);
    assert_int_equal(sr_queue_vote(&q, 1, 7, 2), SR_EINVAL);
    sr_queue_clear(&q);
}

static void test_pop_and_remove(void **state)
{
    (void)state;
    sr_queue q = {0};
    for (int i = 1; i <= 20; i++)
        sr_queue_insert(&q, sr_entry_new(i, i, i % 3, (double)i));
    sr_queue_vote(&q, 15, 1, 1);
    sr_queue_vote(&q, 15, 2, 1);
    sr_queue_vote(&q, 7, 1, 1);
    assert_int_equal(sr_queue_count_by(&q, 0), 6);
    sr_entry *top = sr_queue_pop(&q);
    assert_int_equal(top->id, 15);
    sr_entry_free(top);
    top = sr_queue_pop(&q);
    assert_int_equal(top->id, 7);
    sr_entry_free(top);
    sr_entry *r = sr_queue_remove(&q, 3);
    assert_non_null(r);
    sr_entry_free(r);
    assert_null(sr_queue_remove(&q, 3));
    assert_int_equal(q.n, 17);
    for (int i = 1; i < q.n; i++)
        assert_true(sr_entry_cmp(q.items[i - 1], q.items[i]) < 0);
    sr_queue_clear(&q);
    assert_null(sr_queue_pop(&q));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_by_score_then_time),
        cmocka_unit_test(test_same_time_ties_break_by_id),
        cmocka_unit_test(test_vote_change_and_retract),
        cmocka_unit_test(test_pop_and_remove),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
