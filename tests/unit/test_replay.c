/* test_replay.c - a person's recent write ids: the first answer is kept, the oldest of
 * SR_REPLAY_KEEP goes first, slots match what the store reloads, a failed write is forgotten. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "core/replay.h"

static void first_answer_is_found(void **state)
{
    (void)state;
    sr_replay *r = sr_replay_new();
    assert_null(sr_replay_find(r, "a"));
    assert_int_equal(sr_replay_put(r, "a", "{\"id\":1}"), 0);
    assert_int_equal(sr_replay_put(r, "b", "{\"id\":2}"), 1);
    assert_string_equal(sr_replay_find(r, "a"), "{\"id\":1}");
    assert_string_equal(sr_replay_find(r, "b"), "{\"id\":2}");
    assert_null(sr_replay_find(r, "c"));
    sr_replay_free(r);
}

static void the_oldest_goes_after_keep(void **state)
{
    (void)state;
    sr_replay *r = sr_replay_new();
    char cid[16];
    for (int i = 0; i < SR_REPLAY_KEEP + 3; i++) {
        snprintf(cid, sizeof cid, "c%d", i);
        assert_int_equal(sr_replay_put(r, cid, cid), i % SR_REPLAY_KEEP);
    }
    for (int i = 0; i < 3; i++) {
        snprintf(cid, sizeof cid, "c%d", i);
        assert_null(sr_replay_find(r, cid)); /* replaced */
    }
    for (int i = 3; i < SR_REPLAY_KEEP + 3; i++) {
        snprintf(cid, sizeof cid, "c%d", i);
        assert_string_equal(sr_replay_find(r, cid), cid);
    }
    sr_replay_free(r);
}

static void reloaded_slots_continue_the_ring(void **state)
{
    (void)state;
    sr_replay *r = sr_replay_new();
    /* the store's rows, oldest first: slot 62 then 63 then 0 (the ring had wrapped) */
    sr_replay_set(r, 62, "x", "1");
    sr_replay_set(r, 63, "y", "2");
    sr_replay_set(r, 0, "z", "3");
    sr_replay_set(r, SR_REPLAY_KEEP, "bad", "4"); /* out of range: ignored */
    sr_replay_set(r, -1, "bad", "4");
    assert_null(sr_replay_find(r, "bad"));
    assert_int_equal(sr_replay_put(r, "next", "5"), 1); /* after the newest, not over it */
    assert_string_equal(sr_replay_find(r, "x"), "1");
    assert_string_equal(sr_replay_find(r, "z"), "3");
    sr_replay_free(r);
}

static void a_forgotten_id_is_new_again(void **state)
{
    (void)state;
    sr_replay *r = sr_replay_new();
    sr_replay_put(r, "a", "1");
    sr_replay_forget(r, "a");
    sr_replay_forget(r, "never");
    assert_null(sr_replay_find(r, "a"));
    sr_replay_put(r, "a", "2");
    assert_string_equal(sr_replay_find(r, "a"), "2");
    sr_replay_free(r);
    sr_replay_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_answer_is_found),
        cmocka_unit_test(the_oldest_goes_after_keep),
        cmocka_unit_test(reloaded_slots_continue_the_ring),
        cmocka_unit_test(a_forgotten_id_is_new_again),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
