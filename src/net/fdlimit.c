/* fdlimit.c - see fdlimit.h. */
#include "net/fdlimit.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static int g_spare = -1;
static int g_at_limit; /* in an episode: logged once, until an accept succeeds */
static unsigned long g_refused;
static int g_burst, g_taken; /* accepts allowed per pass, accepts this pass */

void sr_fdlimit_set_burst(int per_pass)
{
    g_burst = per_pass > 0 ? per_pass : 0;
}

void sr_fdlimit_pass(void)
{
    g_taken = 0;
}

void sr_fdlimit_init(void)
{
    if (g_spare < 0) g_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

unsigned long sr_fdlimit_refused(void)
{
    return g_refused;
}

static int sys_accept(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    return (int)syscall(SYS_accept4, fd, addr, len, flags);
}

/* Called instead of libc's accept() by everything in the process, lws included. */
/* 1 when the kernel's queue of connections waiting on listening socket fd is over half full:
 * for a listener, TCP_INFO's unacked is that queue's length and sacked its bound. Past the
 * bound the kernel drops the clients' SYNs, and each waits a second to try again, which is
 * worse than the cost of accepting them now. */
static int queue_filling(int fd)
{
    struct tcp_info ti;
    socklen_t l = sizeof ti;
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &l) || !ti.tcpi_sacked) return 0;
    return ti.tcpi_unacked * 2 > ti.tcpi_sacked;
}

static int do_accept(int fd, struct sockaddr *addr, socklen_t *len, int flags);

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
    return do_accept(fd, addr, len, 0);
}

int sr_fdlimit_accept(int fd, int flags)
{
    return do_accept(fd, NULL, NULL, flags);
}

static int do_accept(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
    if (g_burst && g_taken >= g_burst && !queue_filling(fd)) {
        errno = EAGAIN; /* lws stops accepting for this pass; the next pass takes more */
        return -1;
    }
    int c = sys_accept(fd, addr, len, flags);
    if (c >= 0) {
        g_taken++;
        if (g_at_limit) {
            g_at_limit = 0;
            sr_log(SR_LOG_DEBUG, "accepting again", "refused=%lu", g_refused);
        }
        return c;
    }
    if (errno != EMFILE && errno != ENFILE) return -1;
    int err = errno;
    if (!g_at_limit) {
        g_at_limit = 1;
        sr_log(SR_LOG_WARN, "at the open-file limit: refusing new connections until some close",
               "errno=%d hint=\"raise ulimit -n\"", err);
    }
    if (g_spare >= 0) {
        close(g_spare);
        g_spare = -1;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int k = sys_accept(fd, (struct sockaddr *)&ss, &sl, 0);
        if (k >= 0) {
            close(k);
            g_refused++;
        }
        g_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    if (g_spare < 0) {
        /* no spare to give up (another thread took the slot): the waiting connection cannot
         * be taken off the queue, so wait a moment rather than spin on it */
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        g_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    }
    errno = EAGAIN; /* lws stops accepting for this pass, without a word */
    return -1;
}
