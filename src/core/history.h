/* history.h - a room's recent deltas by seq, for resuming clients without a snapshot. */
#ifndef SR_HISTORY_H
#define SR_HISTORY_H

#include <stdint.h>

#include "util/msg.h"

/* A ring of the last cap deltas, in seq order with no gaps. */
typedef struct sr_history {
    sr_msg **msgs;
    int cap, head, n;   /* head: index of the oldest */
    uint64_t first_seq; /* seq of the oldest held delta */
} sr_history;

/* Makes h an empty history of cap deltas (h is the caller's; free with sr_history_free). */
void sr_history_init(sr_history *h, int cap);
/* Appends the delta with this seq (takes a reference). seq must be one past the newest held,
 * or the history restarts at seq (an earlier gap is forgotten, never papered over). */
void sr_history_push(sr_history *h, uint64_t seq, sr_msg *m);
/* The seq of the newest held delta, or 0 when empty. */
uint64_t sr_history_last(const sr_history *h);
/* Deltas after seq `after`: returns the count (>= 0) and sets *first to the index of the first
 * one for sr_history_at, or -1 when some delta after `after` is no longer held. A count of 0 means
 * the client is up to date. */
int sr_history_since(const sr_history *h, uint64_t after, int *first);
/* The i-th held delta, oldest first (borrowed reference). */
sr_msg *sr_history_at(const sr_history *h, int i);
/* Drops every delta's reference and frees h's ring (not h itself). */
void sr_history_free(sr_history *h);

#endif
