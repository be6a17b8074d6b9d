/* jobq.h - the one locked job queue with a wake-up: producers push, consumer threads wait and
 * pop, and finished items wait on a done side that the service thread drains when woken. */
#ifndef SR_JOBQ_H
#define SR_JOBQ_H

#include <stddef.h>

/* Items are the caller's own structs, linked through a pointer field of theirs (a
 * `struct T *next`, at link_off bytes from the start: offsetof(T, next)), so the queue never
 * allocates per item and pushing cannot fail. An item belongs to the queue from push until it
 * comes back from sr_jobq_take_done (a consumer holds it between pop and finish); the link
 * field is the queue's meanwhile. Lists handed in or out are linked through that field, oldest
 * first, the last item's link NULL. */
typedef struct sr_jobq sr_jobq;

/* Returns a new empty queue (the caller's; sr_jobq_free) for items linked at link_off, or NULL
 * when out of memory or the lock cannot be made. wake(ud) (may be NULL) runs on the consumer
 * thread each time items reach the done side, with the queue locked: it must be thread-safe
 * (lws_cancel_service is) and must not call the queue. Once sr_jobq_take_done has taken the
 * last item, no wake for it is still running, so the caller may tear its loop down. */
sr_jobq *sr_jobq_new(size_t link_off, void (*wake)(void *ud), void *ud);

/* Producer, any thread: appends item (see above for who owns it) and wakes one consumer. Not
 * after sr_jobq_stop. */
void sr_jobq_push(sr_jobq *q, void *item);
/* Queues item without waking the consumer: it is taken at the consumer's next pass, or after
 * sr_jobq_kick. */
void sr_jobq_push_quiet(sr_jobq *q, void *item);
/* Wakes the consumer when something is queued. */
void sr_jobq_kick(sr_jobq *q);

/* Consumer: waits for an item and returns the oldest (the consumer's until sr_jobq_finish), or
 * NULL once the queue is stopped and empty: items queued before the stop are still handed out
 * (drained), none is dropped. */
void *sr_jobq_pop(sr_jobq *q);
/* Consumer: like sr_jobq_pop, but takes everything queued as one list (group commit: one
 * batch for all that arrived since the last pass). NULL once stopped and empty. */
void *sr_jobq_pop_all(sr_jobq *q);
/* Consumer: hands the list starting at first (the queue's again) to the done side, in order,
 * then calls wake. */
void sr_jobq_finish(sr_jobq *q, void *first);

/* Service thread: takes every finished item, in the order they were finished, as a list (the
 * caller's), or NULL. */
void *sr_jobq_take_done(sr_jobq *q);
/* Items pushed and not yet taken back by sr_jobq_take_done. */
int sr_jobq_pending(sr_jobq *q);

/* Tells the consumers to return NULL from pop once the queue is empty, and wakes them all.
 * The caller then joins its consumer threads. */
void sr_jobq_stop(sr_jobq *q);
/* Frees the queue (NULL is ignored). Call after the consumers have returned and the done side
 * has been taken: items still inside stay the caller's, untouched. */
void sr_jobq_free(sr_jobq *q);

#endif
