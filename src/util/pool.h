/* pool.h - worker threads for slow CPU work (password hashing) off the service thread. */
#ifndef SR_POOL_H
#define SR_POOL_H

/* A task: run() executes on a worker thread, then done() on the service thread (from
 * sr_pool_poll). The caller embeds it in its own struct and frees it in done(). */
typedef struct sr_task {
    struct sr_task *next;
    void (*run)(struct sr_task *t);
    void (*done)(struct sr_task *t);
} sr_task;

typedef struct sr_pool sr_pool;

/* Starts nthreads workers. wake(ud) is called from a worker when finished tasks wait (it must
 * be thread-safe, e.g. lws_cancel_service). Returns NULL on failure. */
sr_pool *sr_pool_start(int nthreads, void (*wake)(void *ud), void *ud);
/* Queues t (service thread). */
void sr_pool_submit(sr_pool *p, sr_task *t);
/* Calls done() of every finished task, in completion order (service thread). */
void sr_pool_poll(sr_pool *p);
/* Tasks submitted and not yet taken back by sr_pool_poll (between polls: whose done() has not
 * run yet). */
int sr_pool_pending(sr_pool *p);
/* Finishes queued tasks, runs their done(), joins the threads and frees the pool. */
void sr_pool_stop(sr_pool *p);

#endif
