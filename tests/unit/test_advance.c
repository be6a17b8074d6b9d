/* test_advance.c - what plays next: queue order, unplayable and excluded entries, fallback,
 * silence, the end of a track, top tracks and the recent list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "core/advance.h"

/* A fake library of tracks 1..19: dead[] cannot be played; artists by track. */
typedef struct fake {
    int dead[20];
    const char *artist[20];
    int draws;
    int64_t banned; /* whose entries are excluded */
} fake;

static int playable(void *ctx, int64_t t)
{
    fake *f = ctx;
    return t > 0 && t < 20 && !f->dead[t];
}

static const char *artist_of(void *ctx, int64_t t)
{
    fake *f = ctx;
    return t > 0 && t < 20 ? f->artist[t] : NULL;
}

static uint64_t draw(void *ctx)
{
    ((fake *)ctx)->draws++;
    return 0;
}

static int banned(void *ctx, const sr_entry *e)
{
    return e->user == ((fake *)ctx)->banned;
}

static sr_advance_lib lib_of(fake *f, const int64_t *library, int n)
{
    return (sr_advance_lib){library, n, f, playable, artist_of, draw};
}

static const int64_t LIB[] = {1, 2, 3, 4, 5};

static void add(sr_queue *q, int64_t id, int64_t track, int64_t user, double at)
{
    sr_queue_insert(q, sr_entry_new(id, track, user, at));
}

static void ties_in_votes_play_the_earliest_added(void **state)
{
    (void)state;
    fake f = {0};
    sr_advance_lib lib = lib_of(&f, LIB, 5);
    sr_advance_room room = {0};
    sr_queue q = {0};
    add(&q, 1, 3, 100, 3000);
    add(&q, 2, 4, 101, 1000);
    add(&q, 3, 5, 102, 2000);
    sr_queue_vote(&q, 1, 9, 1);
    sr_queue_vote(&q, 2, 9, 1);
    sr_queue_vote(&q, 3, 9, 1);
    sr_advance_plan p;
    sr_advance_next(&q, &room, &lib, &p);
    assert_int_equal(p.entry->id, 2);
    assert_int_equal(p.track, 4);
    assert_false(p.from_fallback);
    assert_int_equal(p.ndropped, 0);
    assert_int_equal(f.draws, 0); /* no fallback, no draw */
    sr_advance_plan_free(&p);
    sr_advance_next(&q, &room, &lib, &p);
    assert_int_equal(p.entry->id, 3);
    sr_advance_plan_free(&p);
    sr_queue_clear(&q);
}

static void best_voted_beats_earlier(void **state)
{
    (void)state;
    fake f = {0};
    sr_advance_lib lib = lib_of(&f, LIB, 5);
    sr_advance_room room = {0};
    sr_queue q = {0};
    add(&q, 1, 3, 100, 1000);
    add(&q, 2, 4, 101, 2000);
    sr_queue_vote(&q, 2, 9, 1);
    sr_advance_plan p;
    sr_advance_next(&q, &room, &lib, &p);
    assert_int_equal(p.entry->id, 2);
    sr_advance_plan_free(&p);
    sr_queue_clear(&q);
}

static void vote_changed_from_up_to_down(void **state)
{
    (void)state;
    fake f = {0};
    sr_advance_lib lib = lib_of(&f, LIB, 5);
    sr_advance_room room = {0};
    sr_queue q = {0};
    add(&q, 1, 3, 100, 1000);
    add(&q, 2, 4, 101, 2000);
    sr_queue_vote(&q, 2, 9, 1);  /* 2 leads */
    sr_queue_vote(&q, 2, 9, -1); /* the same voter turns it down: 2 sinks below 1 */
    sr_advance_plan p;
    sr_advance_next(&q, &room, &lib, &p);
    assert_int_equal(p.entry->id, 1);
    sr_advance_plan_free(&p);
    sr_queue_clear(&q);
}

static void retracted_vote_restores_arrival_order(void **state)
{
    (void)state;
    fake f = {0};
    sr_advance_lib lib = lib_of(&f, LIB, 5);
    sr_advance_room room = {0};
    sr_queue q = {0};
    add(&q, 1, 3, 100, 1000);
    add(&q, 2, 4, 101, 2000);
    sr_queue_vote(&q, 2, 9, 1);
    sr_queue_vote(&q, 2, 9, 0);
    sr_advance_plan p;
    sr_advance_next(&q, &room, &lib, &p);
    assert_int_equal(p.entry->id, 1);
    sr_advance_plan_free(&p);
    sr_queue_clear(&q);
}

static void pinned_entry_plays_before_votes(void **state)
{
    (void)state;
    fake f = {0};
    sr_advance_lib lib = lib_of(&f, LIB, 5);
    sr_advance_room room = {0};
    sr_queue q = {0};
    add(&q, 1, 3, 100, 1000);
    sr_entry *e = sr_entry_new(2, 4, 101, 2000);
    e->pin = 1;
    sr_queue_insert(&q, e);
    sr_queue_vote(&q, 1, 9, 1);
    sr_advance_plan p;
    sr_advance_next(&q, &room, &lib, &p);
    assert_int_equal(p.entry->id, 2);
    sr_advance_plan_free(&p);
    sr_queue_clear(&q);
}

static void unplayable_entry_skipped(void **state)
{
    (void)state;
    fake f = {0};
    f.dead[3] = f.dead[4] = 1;
    sr_advance_lib lib = lib_of(&f, LIB, 5);
    sr_advance_room room = {0};
    sr_queue q = {0};
    add(&q, 1, 3, 100, 1000);
    add(&q, 2, 4, 100, 2000);
    add(&q, 3, 5, 100, 3000);
    add(&q, 4, 3, 100, 4000);
    sr_advance_plan p;
    sr_advance_next(&q, &room, &lib, &p);
    assert_int_equal(p.entry->id, 3);
    assert_int_equal(p.ndropped, 2);
    assert_int_equal(p.dropped[0].entry->id, 1);
    assert_int_equal(p.dropped[0].why, SR_DROP_UNPLAYABLE);
    assert_int_equal(p.dropped[1].entry->id, 2);
    /* the dead entry behind the one that plays stays queued until its turn */
    assert_int_equal(q.n, 1);
    assert_int_equal(q.items[0]->id, 4);
    sr_advance_plan_free(&p);
    sr_queue_clear(&q);
}

static void banned_users_entries_not_played(void **state)
{
    (void)state;
    fake f = {.banned = 666};
    sr_advance_lib lib = lib_of(&f, LIB, 5);
    sr_advance_room room = {.excluded = banned, .ctx = &f};
    sr_queue q = {0};
    add(&q, 1, 3, 666, 1000);
    add(&q, 2, 4, 100, 2000);
    sr_queue_vote(&q, 1, 9, 1);
    sr_advance_plan p;
    sr_advance_next(&q, &room, &lib, &p);
    assert_int_equal(p.entry->id, 2);
    assert_int_equal(p.ndropped, 1);
    assert_int_equal(p.dropped[0].entry->user, 666);
    assert_int_equal(p.dropped[0].why, SR_DROP_EXCLUDED);
    sr_advance_plan_free(&p);
    sr_queue_clear(&q);
}

static void without_excluded_a_banned_users_entry_plays(void **state)
{
    (void)state;
    /* today's hub: a ban leaves the entries queued, and they play */
    fake f = {.banned = 666};
    sr_advance_lib lib = lib_of(&f, LIB, 5);
    sr_advance_room room = {0};
    sr_queue q = {0};
    add(&q, 1, 3, 666, 1000);
    sr_advance_plan p;
    sr_advance_next(&q, &room, &lib, &p);
    assert_int_equal(p.entry->user, 666);
    sr_advance_plan_free(&p);
    sr_queue_clear(&q);
}

static void unplayable_wins_over_excluded(void **state)
{
    (void)state;
    fake f = {.banned = 666};
    f.dead[3] = 1;
    sr_advance_lib lib = lib_of(&f, LIB, 5);
    sr_advance_room room = {.excluded = banned, .ctx = &f};
    sr_queue q = {0};
    add(&q, 1, 3, 666, 1000);
    sr_advance_plan p;
    sr_advance_next(&q, &room, &lib, &p);
    assert_int_equal(p.dropped[0].why, SR_DROP_UNPLAYABLE);
    assert_true(p.from_fallback);
    sr_advance_plan_free(&p);
    sr_queue_clear(&q);
}

static void empty_queue_falls_back(void **state)
{
    (void)state;
    fake f = {0};
    sr_advance_lib lib = lib_of(&f, LIB, 5);
    sr_top_track top[] = {{4, 9}, {2, 3}};
    int64_t recent[] = {4};
    sr_advance_room room = {.top = top, .ntop = 2, .recent = recent, .nrecent = 1};
    sr_queue q = {0};
    sr_advance_plan p;
    sr_advance_next(&q, &room, &lib, &p);
    assert_true(p.from_fallback);
    assert_null(p.entry);
    assert_int_equal(p.track, 2); /* best top track not played recently */
    assert_int_equal(f.draws, 1);
    sr_advance_plan_free(&p);
    sr_queue_clear(&q);
}

static void only_unplayable_entries_then_fallback(void **state)
{
    (void)state;
    fake f = {0};
    f.dead[7] = 1;
    sr_advance_lib lib = lib_of(&f, LIB, 5);
    sr_advance_room room = {0};
    sr_queue q = {0};
    add(&q, 1, 7, 100, 1000);
    sr_advance_plan p;
    sr_advance_next(&q, &room, &lib, &p);
    assert_int_equal(p.ndropped, 1);
    assert_true(p.from_fallback);
    assert_true(p.track >= 1 && p.track <= 5);
    assert_int_equal(q.n, 0);
    sr_advance_plan_free(&p);
    sr_queue_clear(&q);
}

static void empty_library_is_silence(void **state)
{
    (void)state;
    fake f = {0};
    sr_advance_lib lib = lib_of(&f, NULL, 0);
    sr_advance_room room = {0};
    sr_queue q = {0};
    sr_advance_plan p;
    sr_advance_next(&q, &room, &lib, &p);
    assert_int_equal(p.track, 0);
    assert_null(p.entry);
    assert_false(p.from_fallback);
    assert_int_equal(p.ndropped, 0);
    sr_advance_plan_free(&p);
    /* top tracks that are gone from the library do not help */
    f.dead[4] = 1;
    sr_top_track top[] = {{4, 9}};
    room.top = top, room.ntop = 1;
    sr_advance_next(&q, &room, &lib, &p);
    assert_int_equal(p.track, 0);
    sr_advance_plan_free(&p);
    sr_queue_clear(&q);
}

static void empty_library_still_plays_the_queue(void **state)
{
    (void)state;
    /* a queued stream is playable though the fallback's library list is empty */
    fake f = {0};
    sr_advance_lib lib = lib_of(&f, NULL, 0);
    sr_advance_room room = {0};
    sr_queue q = {0};
    add(&q, 1, 12, 100, 1000);
    sr_advance_plan p;
    sr_advance_next(&q, &room, &lib, &p);
    assert_int_equal(p.track, 12);
    assert_int_equal(p.entry->id, 1);
    sr_advance_plan_free(&p);
    sr_queue_clear(&q);
}

static void top_mode_ignores_the_queue(void **state)
{
    (void)state;
    fake f = {0};
    sr_advance_lib lib = lib_of(&f, LIB, 5);
    sr_top_track top[] = {{9, 5}, {8, 4}};
    int64_t recent[] = {9};
    sr_advance_room room = {.mode_top = 1, .top = top, .ntop = 2, .recent = recent, .nrecent = 1};
    sr_queue q = {0};
    add(&q, 1, 3, 100, 1000);
    sr_advance_plan p;
    sr_advance_next(&q, &room, &lib, &p);
    assert_int_equal(p.track, 8);
    assert_true(p.from_fallback);
    assert_int_equal(q.n, 1); /* the queue waits */
    sr_advance_plan_free(&p);
    /* with no top tracks yet, top mode plays the queue */
    room.ntop = 0;
    sr_advance_next(&q, &room, &lib, &p);
    assert_int_equal(p.entry->id, 1);
    sr_advance_plan_free(&p);
    sr_queue_clear(&q);
}

static void top_mode_with_only_dead_top_tracks_uses_the_library(void **state)
{
    (void)state;
    /* today's edge: the queue is skipped because top tracks exist, though none can play; the
     * pick comes from the library, not the queue */
    fake f = {0};
    f.dead[9] = 1;
    sr_advance_lib lib = lib_of(&f, LIB, 5);
    sr_top_track top[] = {{9, 5}};
    sr_advance_room room = {.mode_top = 1, .top = top, .ntop = 1};
    sr_queue q = {0};
    add(&q, 1, 3, 100, 1000);
    sr_advance_plan p;
    sr_advance_next(&q, &room, &lib, &p);
    assert_true(p.from_fallback);
    assert_true(p.track >= 1 && p.track <= 5);
    assert_int_equal(q.n, 1);
    sr_advance_plan_free(&p);
    sr_queue_clear(&q);
}

static void artist_room_falls_back_to_its_artist(void **state)
{
    (void)state;
    fake f = {0};
    f.artist[2] = "Nina Simone";
    f.artist[5] = "nina simone";
    f.artist[3] = "Someone Else";
    sr_advance_lib lib = lib_of(&f, LIB, 5);
    sr_top_track top[] = {{3, 9}};
    int64_t recent[] = {2};
    sr_advance_room room = {
        .artist = "NINA SIMONE", .top = top, .ntop = 1, .recent = recent, .nrecent = 1};
    int64_t t = sr_advance_fallback(&room, &lib);
    assert_int_equal(t, 5); /* the artist's track not played recently, not the top track */
    assert_int_equal(f.draws, 1);
    /* an artist with no tracks here: the usual fallback (top track first) */
    room.artist = "Nobody";
    assert_int_equal(sr_advance_fallback(&room, &lib), 3);
    assert_int_equal(f.draws, 2);
}

static void ending_played_to_its_end(void **state)
{
    (void)state;
    /* ended 500 ms ago: ranks, and the next starts at the scheduled end */
    sr_ending e = sr_advance_ending(1, 1, 10000, 3000, 13500, 0);
    assert_false(e.skipped);
    assert_false(e.stopped);
    assert_true(e.ranks);
    assert_true(e.start == 13000);
    /* just under 2 s late: still seamless; at 2 s late: now */
    e = sr_advance_ending(1, 1, 10000, 3000, 14999, 0);
    assert_true(e.start == 13000);
    e = sr_advance_ending(1, 1, 10000, 3000, 15000, 0);
    assert_true(e.start == 15000);
    assert_true(e.ranks);
}

static void ending_skipped(void **state)
{
    (void)state;
    sr_ending e = sr_advance_ending(1, 1, 10000, 3000, 11000, 1);
    assert_true(e.skipped);
    assert_false(e.stopped);
    assert_false(e.ranks);
    assert_true(e.start == 11000);
    /* a skip of a track that also went unplayable is only a skip */
    e = sr_advance_ending(1, 0, 10000, 3000, 11000, 1);
    assert_false(e.stopped);
}

static void ending_stopped_because_unplayable(void **state)
{
    (void)state;
    sr_ending e = sr_advance_ending(1, 0, 10000, 3000, 13500, 0);
    assert_true(e.stopped);
    assert_true(e.skipped);
    assert_false(e.ranks);
    assert_true(e.start == 13500);
}

static void ending_of_silence(void **state)
{
    (void)state;
    sr_ending e = sr_advance_ending(0, 0, 0, 0, 5000, 0);
    assert_false(e.skipped);
    assert_false(e.stopped);
    assert_false(e.ranks);
    assert_true(e.start == 5000);
}

static void due(void **state)
{
    (void)state;
    assert_false(sr_advance_due(1, 1, 10000, 3000, 12999, 0, 0));
    assert_true(sr_advance_due(1, 1, 10000, 3000, 13000, 0, 0));
    assert_true(sr_advance_due(1, 0, 10000, 3000, 11000, 0, 0)); /* went unplayable */
    /* silent room: advances when there is something to play from */
    assert_false(sr_advance_due(0, 0, 0, 0, 5000, 0, 0));
    assert_true(sr_advance_due(0, 0, 0, 0, 5000, 1, 0));
    assert_true(sr_advance_due(0, 0, 0, 0, 5000, 0, 3));
}

static void top_tracks_count_plays(void **state)
{
    (void)state;
    sr_top_track top[3];
    int n = 0;
    sr_advance_count_play(top, &n, 3, 7);
    sr_advance_count_play(top, &n, 3, 8);
    assert_int_equal(n, 2);
    assert_int_equal(top[0].track, 7);
    /* a tie keeps the earlier one first */
    sr_advance_count_play(top, &n, 3, 7);
    sr_advance_count_play(top, &n, 3, 8);
    assert_int_equal(top[0].track, 7);
    assert_int_equal(top[0].plays, 2);
    assert_int_equal(top[1].plays, 2);
    assert_int_equal(top[1].track, 8);
    /* more plays move up */
    sr_advance_count_play(top, &n, 3, 8);
    assert_int_equal(top[0].track, 8);
    assert_int_equal(top[0].plays, 3);
    sr_advance_count_play(top, &n, 3, 9);
    /* full: a new track is not counted at all */
    sr_advance_count_play(top, &n, 3, 10);
    sr_advance_count_play(top, &n, 3, 10);
    assert_int_equal(n, 3);
    for (int i = 0; i < n; i++)
        assert_int_not_equal(top[i].track, 10);
}

static void recent_newest_first(void **state)
{
    (void)state;
    int64_t r[3];
    int n = 0;
    for (int64_t t = 1; t <= 5; t++)
        sr_advance_recent_push(r, &n, 3, t);
    assert_int_equal(n, 3);
    assert_int_equal(r[0], 5);
    assert_int_equal(r[1], 4);
    assert_int_equal(r[2], 3);
    sr_advance_recent_push(r, &n, 3, 4);
    assert_int_equal(r[0], 4);
    assert_int_equal(r[1], 5);
    assert_int_equal(r[2], 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ties_in_votes_play_the_earliest_added),
        cmocka_unit_test(best_voted_beats_earlier),
        cmocka_unit_test(vote_changed_from_up_to_down),
        cmocka_unit_test(retracted_vote_restores_arrival_order),
        cmocka_unit_test(pinned_entry_plays_before_votes),
        cmocka_unit_test(unplayable_entry_skipped),
        cmocka_unit_test(banned_users_entries_not_played),
        cmocka_unit_test(without_excluded_a_banned_users_entry_plays),
        cmocka_unit_test(unplayable_wins_over_excluded),
        cmocka_unit_test(empty_queue_falls_back),
        cmocka_unit_test(only_unplayable_entries_then_fallback),
        cmocka_unit_test(empty_library_is_silence),
        cmocka_unit_test(empty_library_still_plays_the_queue),
        cmocka_unit_test(top_mode_ignores_the_queue),
        cmocka_unit_test(top_mode_with_only_dead_top_tracks_uses_the_library),
        cmocka_unit_test(artist_room_falls_back_to_its_artist),
        cmocka_unit_test(ending_played_to_its_end),
        cmocka_unit_test(ending_skipped),
        cmocka_unit_test(ending_stopped_because_unplayable),
        cmocka_unit_test(ending_of_silence),
        cmocka_unit_test(due),
        cmocka_unit_test(top_tracks_count_plays),
        cmocka_unit_test(recent_newest_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
