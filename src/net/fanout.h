/* fanout.h - sends one ready-made frame to many sockets, spread over a few threads.
 *
 * A chat line in a room of ten thousand is ten thousand send() calls, and on loopback most
 * of each call's cost is the kernel's TCP work for both ends. One core does about one
 * send per 12 us, so the last listener hears the line 120 ms after the first; with the
 * sends spread over the cores the process may use, that time divides by their number, and
 * submitting them in io_uring batches (one system call per 64) cuts each one's cost by ~30%.
 *
 * The caller owns the sockets (lws does) and must not touch them while sr_fanout_run runs:
 * the service thread calls it and waits, so lws never runs concurrently with the sends. */
#ifndef SR_FANOUT_H
#define SR_FANOUT_H

#include <stddef.h>
#include <sys/types.h>

typedef struct sr_send {
    int fd;
    const char *buf;
    size_t len;
    ssize_t sent; /* out: bytes the kernel took (may be short), or -1 */
    int err;      /* out: errno when sent is -1 */
} sr_send;

typedef struct sr_fanout sr_fanout;

/* threads < 0: one per CPU this process may run on, less the calling thread, at most 3.
 * threads == 0: every send on the calling thread.
 * pin: bind the calling thread to the first CPU this process may use and helper i to the
 * (i+1)-th, so the scheduler never stacks two senders on one core. Measured, it made runs
 * steadier rather than faster (docs/architecture.md). For dedicated machines.
 * uring: send each chunk of up to 64 as one io_uring submission where the kernel allows it
 * (falls back to send() with an info line otherwise). */
sr_fanout *sr_fanout_new(int threads, int pin, int uring);
/* How many helper threads f runs. */
int sr_fanout_threads(const sr_fanout *f);
/* Whether the sends go through io_uring (uring was asked for and the kernel allows it). */
int sr_fanout_uses_uring(const sr_fanout *f);
/* Sends every v[i] (non-blocking) and returns when all are done. */
void sr_fanout_run(sr_fanout *f, sr_send *v, int n);
/* Stops f's threads and frees f (NULL is fine). */
void sr_fanout_free(sr_fanout *f);

#endif
