/* fdlimit.h - accepting connections at the process's open-file limit without spinning.
 *
 * lws 4.1.6 calls accept() when the listening socket is readable; at the open-file limit it
 * fails with EMFILE, lws logs it and returns, the connection stays queued, and the next poll
 * reports the socket readable again at once: a core spent and hundreds of log lines a second.
 * lws has no hook there, but it takes accept() from libc, so the server defines accept()
 * itself (src/net/fdlimit.c, as wsguard.c does recv()): at the limit it gives up a spare
 * descriptor kept for the purpose, accepts the waiting connection and closes it at once (the
 * client is refused rather than left waiting), takes the spare back, and tells lws "nothing
 * to accept". So the queue drains, nothing spins, one line is logged per episode, and the
 * first accept after descriptors come free succeeds as usual. Only the lws service thread
 * accepts. */
#ifndef SR_FDLIMIT_H
#define SR_FDLIMIT_H

/* Opens the spare descriptor (/dev/null). Call once before the server listens; idempotent. */
void sr_fdlimit_init(void);
/* Connections refused at the limit since start (for tests and logs). */
unsigned long sr_fdlimit_refused(void);

#endif
