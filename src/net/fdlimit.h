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

/* Accepts per service pass, at most (0: no bound). lws accepts everything queued on the
 * listening socket in one go, and files each new connection's timeout in one sorted list,
 * inserting from its head: in a join storm thousands of connections sat in their handshake
 * at once and each accept walked all their timers (17% of the server's CPU). Accepting a few
 * per pass leaves the rest in the kernel's queue, which costs nothing to wait in, and the
 * handshakes already accepted go on meanwhile; but once that queue is half full, accepting goes
 * on past the budget, since a full queue drops SYNs and each dropped client waits a second. */
void sr_fdlimit_set_burst(int per_pass);
/* accept4(fd, NULL, NULL, flags) under the same rules as accept() (budget, open-file limit):
 * for our own listener (net/front.c), which wants SOCK_NONBLOCK | SOCK_CLOEXEC in one call. */
int sr_fdlimit_accept(int fd, int flags);
/* A service pass ended: the budget starts again. */
void sr_fdlimit_pass(void);

#endif
