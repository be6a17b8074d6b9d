/* test_chatring.c - the last N chat lines: order, wrap-around, removal by user and by id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/chatring.h"

/* Each line's data is a malloc'd copy of its id; released ones are counted. */
static int released;

static void release(void *p)
{
    released++;
    free(p);
}

static void push(sr_chatring *c, int64_t id, int64_t user)
{
    int64_t *d = malloc(sizeof *d);
    *d = id;
    sr_chatring_push(c, id, user, d);
}

/* The ids held, oldest first, must be exactly want[0..n). */
static void expect(const sr_chatring *c, const int64_t *want, int n)
{
    assert_int_equal(sr_chatring_count(c), n);
    for (int i = 0; i < n; i++) {
        const sr_chat_line *l = sr_chatring_at(c, i);
        assert_int_equal(l->id, want[i]);
        assert_int_equal(*(int64_t *)l->data, want[i]);
    }
    assert_null(sr_chatring_at(c, n));
    assert_null(sr_chatring_at(c, -1));
}

static void push_below_capacity(void **state)
{
    (void)state;
    sr_chatring c;
    sr_chatring_init(&c, 4, release);
    expect(&c, NULL, 0);
    push(&c, 1, 10);
    push(&c, 2, 11);
    expect(&c, (int64_t[]){1, 2}, 2);
    released = 0;
    sr_chatring_free(&c);
    assert_int_equal(released, 2);
}

static void wrap_around_drops_the_oldest(void **state)
{
    (void)state;
    sr_chatring c;
    sr_chatring_init(&c, 3, release);
    released = 0;
    for (int64_t id = 1; id <= 7; id++)
        push(&c, id, 10);
    assert_int_equal(released, 4);
    expect(&c, (int64_t[]){5, 6, 7}, 3);
    sr_chatring_free(&c);
    assert_int_equal(released, 7);
}

static void remove_user_keeps_order_across_the_wrap(void **state)
{
    (void)state;
    sr_chatring c;
    sr_chatring_init(&c, 5, release);
    /* ids 1..8 by users alternating 10, 11, 12; the ring holds 4..8 with head in the middle */
    for (int64_t id = 1; id <= 8; id++)
        push(&c, id, 10 + (id % 3));
    expect(&c, (int64_t[]){4, 5, 6, 7, 8}, 5);
    released = 0;
    /* user 11 wrote 4 and 7 */
    assert_int_equal(sr_chatring_remove_user(&c, 11), 2);
    assert_int_equal(released, 2);
    expect(&c, (int64_t[]){5, 6, 8}, 3);
    assert_int_equal(sr_chatring_remove_user(&c, 99), 0);
    /* pushing after a removal still drops the oldest only when full */
    push(&c, 9, 10);
    push(&c, 10, 10);
    expect(&c, (int64_t[]){5, 6, 8, 9, 10}, 5);
    push(&c, 11, 10);
    expect(&c, (int64_t[]){6, 8, 9, 10, 11}, 5);
    sr_chatring_free(&c);
}

static void remove_every_line(void **state)
{
    (void)state;
    sr_chatring c;
    sr_chatring_init(&c, 3, release);
    for (int64_t id = 1; id <= 4; id++)
        push(&c, id, 10);
    assert_int_equal(sr_chatring_remove_user(&c, 10), 3);
    expect(&c, NULL, 0);
    push(&c, 5, 10);
    expect(&c, (int64_t[]){5}, 1);
    sr_chatring_free(&c);
}

static void remove_one_message_by_id(void **state)
{
    (void)state;
    sr_chatring c;
    sr_chatring_init(&c, 4, release);
    for (int64_t id = 1; id <= 6; id++) /* holds 3..6 */
        push(&c, id, 10);
    released = 0;
    assert_int_equal(sr_chatring_remove_id(&c, 4), 1); /* middle */
    expect(&c, (int64_t[]){3, 5, 6}, 3);
    assert_int_equal(sr_chatring_remove_id(&c, 3), 1); /* oldest */
    assert_int_equal(sr_chatring_remove_id(&c, 6), 1); /* newest */
    expect(&c, (int64_t[]){5}, 1);
    /* one that scrolled out, and one never sent */
    assert_int_equal(sr_chatring_remove_id(&c, 1), 0);
    assert_int_equal(sr_chatring_remove_id(&c, 99), 0);
    assert_int_equal(released, 3);
    sr_chatring_free(&c);
}

static void zero_capacity_keeps_nothing(void **state)
{
    (void)state;
    sr_chatring c;
    sr_chatring_init(&c, 0, release);
    released = 0;
    push(&c, 1, 10);
    assert_int_equal(released, 1);
    expect(&c, NULL, 0);
    sr_chatring_free(&c);
}

static void without_a_release_function(void **state)
{
    (void)state;
    static int64_t a = 1, b = 2, d = 3;
    sr_chatring c;
    sr_chatring_init(&c, 2, NULL);
    sr_chatring_push(&c, 1, 10, &a);
    sr_chatring_push(&c, 2, 10, &b);
    sr_chatring_push(&c, 3, 10, &d);
    assert_int_equal(sr_chatring_count(&c), 2);
    assert_ptr_equal(sr_chatring_at(&c, 0)->data, &b);
    sr_chatring_free(&c);
    /* reusable after free */
    sr_chatring_push(&c, 4, 10, &a);
    assert_int_equal(sr_chatring_count(&c), 1);
    sr_chatring_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(push_below_capacity),
        cmocka_unit_test(wrap_around_drops_the_oldest),
        cmocka_unit_test(remove_user_keeps_order_across_the_wrap),
        cmocka_unit_test(remove_every_line),
        cmocka_unit_test(remove_one_message_by_id),
        cmocka_unit_test(zero_capacity_keeps_nothing),
        cmocka_unit_test(without_a_release_function),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
