/* worker.h - the store's write worker: one thread, group commit, completions in order. */
#ifndef SR_WORKER_H
#define SR_WORKER_H

#include "store/store.h"

#define SR_JOB_MAX_WRITES 4

/* A unit of work: up to SR_JOB_MAX_WRITES writes committed together, then handed back to the
 * service thread in submission order. The caller embeds it first in its own struct. */
typedef struct sr_job {
    struct sr_job *next;
    sr_write w[SR_JOB_MAX_WRITES];
    int nw;
    int barrier; /* no writes of its own: it answers for the jobs before it (their writes have
                  * no one to answer), so it fails SR_EUNAVAIL while the disk refuses */
    int probe;   /* no writes: while the disk refuses, the worker tries a small write of its
                  * own to see whether space returned */
    int status;  /* set by the worker: 0 when durable, SR_E* when a write failed; SR_EUNAVAIL
                  * when the disk refused (full or failing): nothing of the job was kept */
} sr_job;

typedef struct sr_worker sr_worker;

/* Starts the worker on st (borrowed; must outlive the worker). wake(ud) is called from the
 * worker thread whenever completed jobs are waiting (it must only do thread-safe things, such
 * as lws_cancel_service). Returns NULL on failure. */
sr_worker *sr_worker_start(sr_store *st, void (*wake)(void *ud), void *ud);
/* Queues a job (service thread). The worker owns it until it comes back from take_done. */
void sr_worker_submit(sr_worker *wk, sr_job *job);
/* Queues job without waking the worker; sr_worker_kick wakes it for everything so queued. A
 * service loop that submits many writes in one pass kicks once at its end, so the worker takes
 * them as one batch: woken per job, it preempted the service thread on a shared core and
 * committed (and synced) a few at a time. */
void sr_worker_submit_quiet(sr_worker *wk, sr_job *job);
void sr_worker_kick(sr_worker *wk);
/* Returns the completed jobs in submission order as a list linked by next (caller owns them),
 * or NULL. Service thread. */
sr_job *sr_worker_take_done(sr_worker *wk);
/* 1 while the disk refuses writes (the last transaction failed with SR_EUNAVAIL), 0 once one
 * commits again. Any thread. */
int sr_worker_refusing(sr_worker *wk);
/* Jobs submitted and not yet taken back. */
int sr_worker_pending(sr_worker *wk);
/* Commits everything queued, stops the thread and frees the worker. Completed jobs not yet
 * taken are returned through take_done before this call or leaked; call take_done first. */
void sr_worker_stop(sr_worker *wk);

#endif
