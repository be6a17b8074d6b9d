/* test_policy.c - roles, timed roles, rank, private rooms, who may moderate whom. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/policy.h"

#define OWNER 1
#define ALICE 2
#define BOB 3

static void timed_role_lapses_exactly_at_until(void **state)
{
    (void)state;
    sr_roles t = {0};
    sr_roles_set(&t, ALICE, SR_ROLE_MUTED, 5000);
    assert_true(sr_roles_has(&t, ALICE, SR_ROLE_MUTED, 4999.999));
    assert_false(sr_roles_has(&t, ALICE, SR_ROLE_MUTED, 5000));
    assert_false(sr_roles_has(&t, ALICE, SR_ROLE_MUTED, 5001));
    /* the lapsed row stays in the table until cleared */
    assert_int_equal(t.n, 1);
    assert_false(sr_role_active(&t.items[0], 5000));
    sr_roles_free(&t);
}

static void role_without_end_never_lapses(void **state)
{
    (void)state;
    sr_roles t = {0};
    sr_roles_set(&t, ALICE, SR_ROLE_BANNED, 0);
    assert_true(sr_roles_has(&t, ALICE, SR_ROLE_BANNED, 1e15));
    sr_roles_free(&t);
}

static void set_again_replaces_until(void **state)
{
    (void)state;
    sr_roles t = {0};
    sr_roles_set(&t, ALICE, SR_ROLE_BANNED, 1000);
    sr_roles_set(&t, ALICE, SR_ROLE_BANNED, 0); /* made permanent */
    assert_int_equal(t.n, 1);
    assert_true(sr_roles_has(&t, ALICE, SR_ROLE_BANNED, 2000));
    sr_roles_set(&t, ALICE, SR_ROLE_BANNED, 3000); /* and shortened again */
    assert_false(sr_roles_has(&t, ALICE, SR_ROLE_BANNED, 3000));
    sr_roles_free(&t);
}

static void roles_are_rows_not_a_mask(void **state)
{
    (void)state;
    sr_roles t = {0};
    sr_roles_set(&t, ALICE, SR_ROLE_MEMBER, 0);
    sr_roles_set(&t, ALICE, SR_ROLE_MUTED, 100);
    sr_roles_set(&t, BOB, SR_ROLE_MUTED, 0);
    assert_int_equal(t.n, 3);
    assert_true(sr_roles_has(&t, ALICE, SR_ROLE_MEMBER, 500));
    assert_false(sr_roles_has(&t, ALICE, SR_ROLE_MUTED, 500));
    assert_false(sr_roles_has(&t, ALICE, SR_ROLE_MEMBER | SR_ROLE_MUTED, 0));
    assert_int_equal(sr_roles_clear(&t, ALICE, SR_ROLE_MUTED), 1);
    assert_int_equal(sr_roles_clear(&t, ALICE, SR_ROLE_MUTED), 0);
    assert_true(sr_roles_has(&t, ALICE, SR_ROLE_MEMBER, 500));
    assert_true(sr_roles_has(&t, BOB, SR_ROLE_MUTED, 500));
    sr_roles_free(&t);
}

static void rank_order(void **state)
{
    (void)state;
    sr_roles t = {0};
    assert_int_equal(sr_policy_rank(&t, OWNER, ALICE, 0, 0), SR_RANK_NONE);
    sr_roles_set(&t, ALICE, SR_ROLE_MEMBER, 0);
    assert_int_equal(sr_policy_rank(&t, OWNER, ALICE, 0, 0), SR_RANK_MEMBER);
    sr_roles_set(&t, ALICE, SR_ROLE_MOD, 0);
    assert_int_equal(sr_policy_rank(&t, OWNER, ALICE, 0, 0), SR_RANK_MOD);
    assert_int_equal(sr_policy_rank(&t, OWNER, OWNER, 0, 0), SR_RANK_OWNER);
    /* a server admin outranks the owner, even in the owner's own room */
    assert_int_equal(sr_policy_rank(&t, OWNER, OWNER, 1, 0), SR_RANK_ADMIN);
    assert_int_equal(sr_policy_rank(&t, OWNER, BOB, 1, 0), SR_RANK_ADMIN);
    sr_roles_free(&t);
}

static void rank_with_no_owner_and_nobody(void **state)
{
    (void)state;
    sr_roles t = {0};
    /* a room without an owner (0) does not make the anonymous viewer (0) its owner */
    assert_int_equal(sr_policy_rank(&t, 0, 0, 0, 0), SR_RANK_NONE);
    assert_int_equal(sr_policy_rank(&t, 0, ALICE, 0, 0), SR_RANK_NONE);
}

static void timed_moderator_lapses_to_member(void **state)
{
    (void)state;
    sr_roles t = {0};
    sr_roles_set(&t, ALICE, SR_ROLE_MOD, 1000);
    sr_roles_set(&t, ALICE, SR_ROLE_MEMBER, 0);
    assert_int_equal(sr_policy_rank(&t, OWNER, ALICE, 0, 999), SR_RANK_MOD);
    assert_int_equal(sr_policy_rank(&t, OWNER, ALICE, 0, 1000), SR_RANK_MEMBER);
    sr_roles_free(&t);
}

static void set_role_moderator_member_none(void **state)
{
    (void)state;
    sr_roles t = {0};
    sr_roles_assign(&t, ALICE, SR_RANK_MOD);
    assert_true(sr_roles_has(&t, ALICE, SR_ROLE_MOD, 0));
    assert_true(sr_roles_has(&t, ALICE, SR_ROLE_MEMBER, 0));
    sr_roles_assign(&t, ALICE, SR_RANK_MEMBER);
    assert_false(sr_roles_has(&t, ALICE, SR_ROLE_MOD, 0));
    assert_true(sr_roles_has(&t, ALICE, SR_ROLE_MEMBER, 0));
    sr_roles_set(&t, ALICE, SR_ROLE_MUTED, 0);
    sr_roles_assign(&t, ALICE, SR_RANK_NONE);
    assert_int_equal(sr_policy_rank(&t, OWNER, ALICE, 0, 0), SR_RANK_NONE);
    /* set_role leaves a mute alone */
    assert_true(sr_roles_has(&t, ALICE, SR_ROLE_MUTED, 0));
    assert_int_equal(t.n, 1);
    sr_roles_free(&t);
}

static void private_room_entry(void **state)
{
    (void)state;
    const char *code = "0123456789abcdef0123456789abcdef";
    /* public and unlisted: everyone */
    assert_true(sr_policy_may_enter(SR_VIS_PUBLIC, SR_RANK_NONE, NULL, ""));
    assert_true(sr_policy_may_enter(SR_VIS_UNLISTED, SR_RANK_NONE, NULL, code));
    /* private: members and better */
    assert_false(sr_policy_may_enter(SR_VIS_PRIVATE, SR_RANK_NONE, NULL, code));
    assert_true(sr_policy_may_enter(SR_VIS_PRIVATE, SR_RANK_MEMBER, NULL, code));
    assert_true(sr_policy_may_enter(SR_VIS_PRIVATE, SR_RANK_MOD, NULL, ""));
    /* or the current code, exactly */
    assert_true(sr_policy_may_enter(SR_VIS_PRIVATE, SR_RANK_NONE, code, code));
    assert_false(sr_policy_may_enter(SR_VIS_PRIVATE, SR_RANK_NONE, "0123456789abcdef", code));
    assert_false(sr_policy_may_enter(SR_VIS_PRIVATE, SR_RANK_NONE,
                                     "0123456789abcdef0123456789abcdeF", code));
    assert_false(sr_policy_may_enter(SR_VIS_PRIVATE, SR_RANK_NONE,
                                     "0123456789abcdef0123456789abcdef0", code));
    /* a revoked code ("") matches nothing, not even "" */
    assert_false(sr_policy_may_enter(SR_VIS_PRIVATE, SR_RANK_NONE, "", ""));
}

static void banned_keeps_out_below_moderator(void **state)
{
    (void)state;
    sr_roles t = {0};
    sr_roles_set(&t, ALICE, SR_ROLE_BANNED, 2000);
    assert_true(sr_policy_banned(&t, ALICE, SR_RANK_NONE, 1999));
    assert_true(sr_policy_banned(&t, ALICE, SR_RANK_MEMBER, 1999));
    assert_false(sr_policy_banned(&t, ALICE, SR_RANK_MOD, 1999));
    assert_false(sr_policy_banned(&t, ALICE, SR_RANK_NONE, 2000)); /* lapsed */
    assert_false(sr_policy_banned(&t, BOB, SR_RANK_NONE, 0));
    sr_roles_free(&t);
}

static void who_may_moderate_whom(void **state)
{
    (void)state;
    /* below moderator: nothing; set_role needs the owner */
    assert_int_equal(sr_policy_may_moderate(SR_RANK_MEMBER, ALICE, 0, 0, 0, 0), SR_MOD_NEED_MOD);
    assert_int_equal(sr_policy_may_moderate(SR_RANK_MOD, ALICE, 1, BOB, 1, SR_RANK_NONE),
                     SR_MOD_NEED_OWNER);
    /* actions without a target need the rank only */
    assert_int_equal(sr_policy_may_moderate(SR_RANK_MOD, ALICE, 0, 0, 0, 0), SR_MOD_OK);
    /* a moderator acts on listeners and members, not on moderators, the owner or an admin */
    assert_int_equal(sr_policy_may_moderate(SR_RANK_MOD, ALICE, 0, BOB, 1, SR_RANK_MEMBER),
                     SR_MOD_OK);
    assert_int_equal(sr_policy_may_moderate(SR_RANK_MOD, ALICE, 0, BOB, 1, SR_RANK_MOD),
                     SR_MOD_OUTRANKED);
    assert_int_equal(sr_policy_may_moderate(SR_RANK_MOD, ALICE, 0, OWNER, 1, SR_RANK_OWNER),
                     SR_MOD_OUTRANKED);
    assert_int_equal(sr_policy_may_moderate(SR_RANK_MOD, ALICE, 0, BOB, 1, SR_RANK_ADMIN),
                     SR_MOD_OUTRANKED);
    /* the owner acts on moderators but not on an admin */
    assert_int_equal(sr_policy_may_moderate(SR_RANK_OWNER, OWNER, 1, BOB, 1, SR_RANK_MOD),
                     SR_MOD_OK);
    assert_int_equal(sr_policy_may_moderate(SR_RANK_OWNER, OWNER, 0, BOB, 1, SR_RANK_ADMIN),
                     SR_MOD_OUTRANKED);
    /* an admin on another admin: equal rank is refused */
    assert_int_equal(sr_policy_may_moderate(SR_RANK_ADMIN, ALICE, 0, BOB, 1, SR_RANK_ADMIN),
                     SR_MOD_OUTRANKED);
    /* nobody acts on themselves; unknown users are named as such first */
    assert_int_equal(sr_policy_may_moderate(SR_RANK_OWNER, OWNER, 0, OWNER, 1, SR_RANK_OWNER),
                     SR_MOD_SELF);
    assert_int_equal(sr_policy_may_moderate(SR_RANK_OWNER, OWNER, 0, 99, 0, 0),
                     SR_MOD_NO_SUCH_USER);
    /* the rank is checked before the target */
    assert_int_equal(sr_policy_may_moderate(SR_RANK_NONE, ALICE, 0, 99, 0, 0), SR_MOD_NEED_MOD);
}

static void refusal_codes_and_messages(void **state)
{
    (void)state;
    assert_null(sr_mod_refusal_code(SR_MOD_OK));
    assert_string_equal(sr_mod_refusal_code(SR_MOD_NO_SUCH_USER), "no_such_user");
    assert_string_equal(sr_mod_refusal_code(SR_MOD_OUTRANKED), "not_allowed");
    assert_string_equal(sr_mod_refusal_message(SR_MOD_NEED_OWNER),
                        "only the room's owner may do that");
    assert_string_equal(sr_mod_refusal_message(SR_MOD_SELF), "you cannot do that to yourself");
}

static void names(void **state)
{
    (void)state;
    assert_string_equal(sr_role_name(SR_ROLE_MOD), "moderator");
    assert_string_equal(sr_role_name(SR_ROLE_BANNED), "banned");
    assert_int_equal(sr_role_parse("member"), SR_ROLE_MEMBER);
    assert_int_equal(sr_role_parse("banned"), SR_ROLE_BANNED);
    /* today's loader reads anything it does not know as a mute */
    assert_int_equal(sr_role_parse("owner"), SR_ROLE_MUTED);
    assert_string_equal(sr_rank_name(SR_RANK_NONE), "listener");
    assert_string_equal(sr_rank_name(SR_RANK_ADMIN), "admin");
    assert_true(sr_policy_until(1000, 0) == 0);
    assert_true(sr_policy_until(1000, 60) == 61000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(timed_role_lapses_exactly_at_until),
        cmocka_unit_test(role_without_end_never_lapses),
        cmocka_unit_test(set_again_replaces_until),
        cmocka_unit_test(roles_are_rows_not_a_mask),
        cmocka_unit_test(rank_order),
        cmocka_unit_test(rank_with_no_owner_and_nobody),
        cmocka_unit_test(timed_moderator_lapses_to_member),
        cmocka_unit_test(set_role_moderator_member_none),
        cmocka_unit_test(private_room_entry),
        cmocka_unit_test(banned_keeps_out_below_moderator),
        cmocka_unit_test(who_may_moderate_whom),
        cmocka_unit_test(refusal_codes_and_messages),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
