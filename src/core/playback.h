/* playback.h - clock maths, skip threshold and fallback choice: pure functions. */
#ifndef SR_PLAYBACK_H
#define SR_PLAYBACK_H

#include <stdint.h>

/* NTP-style offset of the server clock relative to the client's, from a ping sent at t0
 * (client clock), received at t1 and answered at t2 (server clock), and seen back at t3
 * (client clock): server_time ≈ client_time + offset. */
double sr_clock_offset(double t0, double t1, double t2, double t3);
/* Round-trip time of that exchange, excluding the server's own time. */
double sr_clock_rtt(double t0, double t1, double t2, double t3);

/* Position in ms into a track that started at started_at, at server time now (clamped to
 * [0, duration_ms]). */
double sr_play_position(double now, double started_at, int64_t duration_ms);
/* 1 when a track that started at started_at has ended by now. */
int sr_play_ended(double now, double started_at, int64_t duration_ms);

/* Votes needed to skip with `listeners` present: max(1, ceil(listeners * ratio)). */
int sr_skip_needed(int listeners, double ratio);

/* Picks the next track when the queue is empty. ranked: the room's own tracks, best first (most
 * played and liked); library: every playable track; recent: the last tracks played, newest
 * first. Prefers the best ranked track not in recent, then a library track not in recent chosen
 * by seed, then (everything recent) the library track played longest ago. Returns a track id, or
 * 0 when the library is empty. */
int64_t sr_fallback_pick(const int64_t *ranked, int nranked, const int64_t *library, int nlibrary,
                         const int64_t *recent, int nrecent, uint64_t seed);

#endif
