/* advance.h - what a room plays next, so it never goes silent while it has anything to play. */
#ifndef SR_ADVANCE_H
#define SR_ADVANCE_H

#include <stdint.h>

#include "core/queue.h"

/* Within this long after a track's scheduled end, the next one starts at that end (seamless);
 * later than that (a restart, a stalled tick), it starts now. */
#define SR_ADVANCE_SEAMLESS_MS 2000.0

/* One of a room's top tracks: how often it played to its end. */
typedef struct sr_top_track {
    int64_t track, plays;
} sr_top_track;

/* How the track playing now ends. */
typedef struct sr_ending {
    int skipped;  /* the play counts as skipped: asked for, or stopped */
    int stopped;  /* it can no longer be played and nobody skipped it: the app tells the room
                     ("track_unavailable") and records the play as skipped */
    int ranks;    /* it played to its end: count it in the room's top tracks */
    double start; /* when the next track starts (server ms) */
} sr_ending;

/* The end of the current track at now. has_track: the room plays a track the library knows;
 * playable: it can still be played; started_at and play_ms: when it started, how long it plays;
 * skipped: the advance was asked for (skip vote, moderator). */
sr_ending sr_advance_ending(int has_track, int playable, double started_at, int64_t play_ms,
                            double now, int skipped);

/* 1 when the room's tick should advance at now: the current track ended or can no longer be
 * played, or nothing plays (no known track) and there is a queue (queued > 0) or a library
 * (nlibrary > 0) to play from. */
int sr_advance_due(int has_track, int playable, double started_at, int64_t play_ms, double now,
                   int queued, int nlibrary);

/* What the library says about tracks. All pointers borrowed for the duration of a call. */
typedef struct sr_advance_lib {
    const int64_t *library; /* every track the fallback may pick (the playable library) */
    int nlibrary;
    void *ctx;
    /* 1 when track is known and can be played now */
    int (*playable)(void *ctx, int64_t track);
    /* the track's artist, NULL when unknown or none (borrowed); used by artist rooms only */
    const char *(*artist)(void *ctx, int64_t track);
    /* a random number for the fallback's choice, drawn exactly once per fallback pick (as
       today's hub draws it), never when a queue entry plays; NULL: 0 */
    uint64_t (*random)(void *ctx);
} sr_advance_lib;

/* What the room brings. All pointers borrowed for the duration of a call. */
typedef struct sr_advance_room {
    int mode_top;       /* with top tracks, plays them instead of the queue */
    const char *artist; /* an artist room falls back to this artist's tracks (any case); NULL */
    const sr_top_track *top; /* the room's top tracks, best first */
    int ntop;
    const int64_t *recent; /* the last tracks played, newest first */
    int nrecent;
    /* optional: 1 when an entry must not play and leaves the queue (e.g. its adder is banned
       now); NULL lets every playable entry play, as today */
    int (*excluded)(void *ctx, const sr_entry *e);
    void *ctx;
} sr_advance_room;

/* Why an entry left the queue without playing. */
typedef enum sr_drop_reason {
    SR_DROP_UNPLAYABLE = 1, /* entry_removed reason "unplayable", with a track_unavailable notice */
    SR_DROP_EXCLUDED = 2,   /* the room's excluded() said so */
} sr_drop_reason;

typedef struct sr_dropped {
    sr_entry *entry;
    sr_drop_reason why;
} sr_dropped;

/* The decision. The plan owns entry and every dropped entry (all out of the queue already); the
 * app may take one by setting its pointer to NULL before sr_advance_plan_free. */
typedef struct sr_advance_plan {
    int64_t track;   /* what plays next; 0: nothing at all (empty queue, empty library) */
    sr_entry *entry; /* the queue entry that plays, NULL when track is a fallback pick */
    int from_fallback;
    sr_dropped *dropped; /* entries popped on the way, in queue order */
    int ndropped;
} sr_advance_plan;

/* Decides what plays next: unless the room plays its top tracks (mode_top with any top tracks,
 * playable or not), the queue's first entry (sr_entry_cmp order: pinned, then score, then the
 * earliest added, then the lower id) that is playable and not excluded; entries before it
 * leave the queue into plan->dropped. Without one, a fallback pick (sr_advance_fallback).
 * *plan is overwritten; free it with sr_advance_plan_free. */
void sr_advance_next(sr_queue *q, const sr_advance_room *room, const sr_advance_lib *lib,
                     sr_advance_plan *plan);

/* The track a room plays when its queue has nothing: in top mode with playable top tracks, one
 * of them (sr_fallback_pick over them alone); in an artist room, one of the library's tracks by
 * that artist; else the best top track not played recently, then a library track not played
 * recently, then the one played longest ago (sr_fallback_pick, core/playback.h). Returns 0
 * only when there is nothing to pick from. */
int64_t sr_advance_fallback(const sr_advance_room *room, const sr_advance_lib *lib);

/* Frees what the plan still owns and empties it. */
void sr_advance_plan_free(sr_advance_plan *plan);

/* Counts a play to the end of track in top (best first, at most cap, *n of them): a known track
 * gains a play and moves up past those with fewer (ties keep their order); a new one joins at
 * the end with one play, unless the list is full (then it is not counted). */
void sr_advance_count_play(sr_top_track *top, int *n, int cap, int64_t track);

/* Puts track first in recent (newest first, at most cap, *n of them), dropping the oldest when
 * full. A track already there is listed again, not moved. */
void sr_advance_recent_push(int64_t *recent, int *n, int cap, int64_t track);

#endif
