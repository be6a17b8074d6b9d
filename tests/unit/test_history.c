/* test_history.c - the resume history: what a client that reconnects at seq N gets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/history.h"

static sr_msg *mk(uint64_t seq)
{
    char b[32];
    int n = snprintf(b, sizeof b, "{\"seq\":%llu}", (unsigned long long)seq);
    return sr_msg_new(b, (size_t)n);
}

static void push(sr_history *h, uint64_t seq)
{
    sr_msg *m = mk(seq);
    sr_history_push(h, seq, m);
    sr_msg_unref(m);
}

static void test_since(void **state)
{
    (void)state;
    sr_history h;
    sr_history_init(&h, 4);
    int first = -1;
    assert_int_equal(sr_history_since(&h, 0, &first), -1); /* nothing held */
    for (uint64_t s = 1; s <= 3; s++)
        push(&h, s);
    assert_int_equal(sr_history_since(&h, 3, &first), 0); /* up to date */
    assert_int_equal(sr_history_since(&h, 1, &first), 2);
    assert_string_equal(sr_msg_bytes(sr_history_at(&h, first)), "{\"seq\":2}");
    assert_string_equal(sr_msg_bytes(sr_history_at(&h, first + 1)), "{\"seq\":3}");
    assert_int_equal(sr_history_since(&h, 0, &first), 3);
    assert_int_equal(sr_history_since(&h, 4, &first), -1); /* ahead of us: never a silent gap */
    sr_history_free(&h);
}

static void test_wraps_and_forgets(void **state)
{
    (void)state;
    sr_history h;
    sr_history_init(&h, 4);
    int first;
    for (uint64_t s = 1; s <= 10; s++)
        push(&h, s);
    assert_int_equal(sr_history_last(&h), 10);
    assert_int_equal(sr_history_since(&h, 6, &first), 4); /* 7..10 held */
    assert_string_equal(sr_msg_bytes(sr_history_at(&h, first)), "{\"seq\":7}");
    assert_int_equal(sr_history_since(&h, 5, &first), -1); /* 6 is gone */
    /* a jump in seq restarts the history instead of pretending continuity */
    push(&h, 20);
    assert_int_equal(sr_history_since(&h, 10, &first), -1);
    assert_int_equal(sr_history_since(&h, 19, &first), 1);
    sr_history_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_since),
        cmocka_unit_test(test_wraps_and_forgets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
