/* replay.h - a person's recent client-chosen write ids ("cid") and the first answer to each,
 * so that a write the client retries (its ack was lost with the connection) is answered again
 * and never applied twice. A fixed ring: the oldest id goes when a new one comes. Pure: no
 * I/O; the caller keeps the store's copy in step through the slot numbers. */
#ifndef SR_REPLAY_H
#define SR_REPLAY_H

/* Ids remembered per person. A client resends only what was unacknowledged when its
 * connection dropped, so this bounds how many writes may be in flight at once, not a time. */
#define SR_REPLAY_KEEP 64

typedef struct sr_replay_slot {
    char *cid;    /* NULL: free */
    char *answer; /* the first answer, as the caller encoded it */
} sr_replay_slot;

typedef struct sr_replay {
    sr_replay_slot slot[SR_REPLAY_KEEP];
    int next; /* the slot the next id takes */
} sr_replay;

/* A new, empty ring (never NULL). */
sr_replay *sr_replay_new(void);
/* Frees r and what it holds; r may be NULL. */
void sr_replay_free(sr_replay *r);
/* The first answer to cid (borrowed until r changes), or NULL when cid is not remembered. */
const char *sr_replay_find(const sr_replay *r, const char *cid);
/* Remembers cid with answer (both copied) in the next slot, replacing the oldest; returns the
 * slot's number (0 .. SR_REPLAY_KEEP - 1), which the store keeps beside the pair. */
int sr_replay_put(sr_replay *r, const char *cid, const char *answer);
/* Puts cid/answer (copied) into slot as loaded from the store, and makes the slot after it the
 * next one: load oldest first. A slot out of range is ignored. */
void sr_replay_set(sr_replay *r, int slot, const char *cid, const char *answer);
/* Forgets cid (its write failed: a retry applies it anew). */
void sr_replay_forget(sr_replay *r, const char *cid);

#endif
