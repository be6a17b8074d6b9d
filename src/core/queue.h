/* queue.h - a room's vote-ordered queue of entries: pure logic, no I/O. */
#ifndef SR_QUEUE_H
#define SR_QUEUE_H

#include <stdint.h>

/* One person's vote on one entry. */
typedef struct sr_vote {
    int64_t user;
    int value; /* +1 or -1 */
} sr_vote;

/* A queued track. Owned by the queue that holds it. */
typedef struct sr_entry {
    int64_t id;
    int64_t track;
    int64_t user;    /* who added it */
    double added_at; /* server ms */
    int up, down;
    int64_t pin; /* > 0: moved to the top by a moderator; pinned entries play first, by pin */
    sr_vote *votes;
    int nvotes, capvotes;
} sr_entry;

/* Entries sorted: pinned first (by pin), then score (up - down) descending, then added_at,
 * then id. */
typedef struct sr_queue {
    sr_entry **items;
    int n, cap;
} sr_queue;

/* Orders entries as the queue does: negative when a plays before b. */
int sr_entry_cmp(const sr_entry *a, const sr_entry *b);
static inline int sr_entry_score(const sr_entry *e)
{
    return e->up - e->down;
}

/* Allocates an entry with no votes. The caller hands it to sr_queue_insert or frees it with
 * sr_entry_free. */
sr_entry *sr_entry_new(int64_t id, int64_t track, int64_t user, double added_at);
/* Frees e and its votes (NULL is fine). */
void sr_entry_free(sr_entry *e);

/* Inserts e at its ordered place; the queue owns it afterwards. */
void sr_queue_insert(sr_queue *q, sr_entry *e);
/* Returns the entry with this id, or NULL. The pointer stays the queue's. */
sr_entry *sr_queue_find(const sr_queue *q, int64_t id);
/* Sets user's vote on entry id to value (+1, -1, or 0 to retract) and restores the order.
 * Returns 1 if the vote changed, 0 if it was already so, SR_ENOENT for no such entry, SR_EINVAL
 * for a bad value. */
int sr_queue_vote(sr_queue *q, int64_t id, int64_t user, int value);
/* The user's current vote on e: +1, -1 or 0. */
int sr_entry_vote_of(const sr_entry *e, int64_t user);
/* Removes and returns the entry with this id (caller owns it), or NULL. */
sr_entry *sr_queue_remove(sr_queue *q, int64_t id);
/* Removes and returns the top entry (caller owns it), or NULL when empty. */
sr_entry *sr_queue_pop(sr_queue *q);
/* Number of entries added by user. */
int sr_queue_count_by(const sr_queue *q, int64_t user);
/* Frees every entry and the array. */
void sr_queue_clear(sr_queue *q);

#endif
