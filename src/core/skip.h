/* skip.h - a room's skip tally: who voted to skip the track playing now, and when it passes. */
#ifndef SR_SKIP_H
#define SR_SKIP_H

#include <stdint.h>

/* The set of present listeners who voted to skip the current track (each person once, however
 * many connections they have). Zero-initialise; free with sr_skip_free. Order is not kept. */
typedef struct sr_skip_tally {
    int64_t *voters;
    int n, cap;
} sr_skip_tally;

/* The ratio a room uses: its own when it set one (> 0), else the server's. */
double sr_skip_ratio(double room_ratio, double server_ratio);

/* 1 when a vote about track `about` (0: the client did not say) is for a track that is no
 * longer playing: it must not count against the next one (the app acks it as stale and does
 * nothing else). A vote that names a track while nothing plays is stale too. */
int sr_skip_is_stale(int64_t about, int64_t playing);

/* Sets user's vote: want 1 to skip, 0 to retract. A vote while nothing plays (playing 0) is
 * ignored; a retraction counts even then. Returns 1 when the tally changed (the app sends a
 * `skip` delta), 0 when it was already so. */
int sr_skip_vote(sr_skip_tally *t, int64_t user, int want, int playing);

/* A listener left the room (their last connection): their vote, if any, goes. Returns 1 when
 * it was counted. */
int sr_skip_leave(sr_skip_tally *t, int64_t user);

/* 1 when user's vote counts now. */
int sr_skip_has(const sr_skip_tally *t, int64_t user);

/* Votes counted now. */
static inline int sr_skip_count(const sr_skip_tally *t)
{
    return t->n;
}

/* 1 when the track should be skipped: something plays, someone listens, and the votes reach
 * sr_skip_needed(listeners, ratio) (core/playback.h: max(1, ceil(listeners * ratio))); exactly
 * the threshold skips. */
int sr_skip_passes(const sr_skip_tally *t, int listeners, double ratio, int playing);

/* Forgets every vote (a new track started). Keeps the array for reuse. */
void sr_skip_reset(sr_skip_tally *t);

/* Frees the array; t is empty and reusable afterwards. */
void sr_skip_free(sr_skip_tally *t);

#endif
