/* test_fanout.c - sr_fanout_run over real sockets: every peer reads exactly its frame, a full
 * socket reports a short send instead of blocking, and a closed peer reports its errno. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/fanout.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PAIRS 1000 /* above the size that wakes the worker threads */

static void pairs_open(int (*sv)[2], int n)
{
    for (int i = 0; i < n; i++) {
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv[i]), 0);
        fcntl(sv[i][0], F_SETFL, O_NONBLOCK);
    }
}

static void pairs_close(int (*sv)[2], int n)
{
    for (int i = 0; i < n; i++) {
        if (sv[i][0] >= 0) close(sv[i][0]);
        if (sv[i][1] >= 0) close(sv[i][1]);
    }
}

/* Each peer gets its own bytes (a number in the text), so a send to the wrong socket or a
 * send done twice shows. */
/* io_uring where the kernel allows it (uring 1), or plain send() (0) */
static int uring = 1;

static void every_peer_reads_its_frame_on(int threads, int pin)
{
    static int sv[PAIRS][2];
    static char text[PAIRS][32];
    static sr_send v[PAIRS];
    sr_fanout *f = sr_fanout_new(threads, pin, uring);
    if (!uring) assert_false(sr_fanout_uses_uring(f));
    assert_int_equal(sr_fanout_threads(f), threads);
    pairs_open(sv, PAIRS);
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < PAIRS; i++) {
            int len = snprintf(text[i], sizeof text[i], "{\"n\":%d,\"r\":%d}", i, round);
            v[i] = (sr_send){.fd = sv[i][0], .buf = text[i], .len = (size_t)len, .sent = -2};
        }
        sr_fanout_run(f, v, PAIRS);
        for (int i = 0; i < PAIRS; i++) {
            char got[64];
            assert_int_equal(v[i].sent, (ssize_t)v[i].len);
            ssize_t k = read(sv[i][1], got, sizeof got);
            assert_int_equal(k, (ssize_t)v[i].len);
            assert_memory_equal(got, text[i], v[i].len);
        }
    }
    pairs_close(sv, PAIRS);
    sr_fanout_free(f);
}

static void every_peer_reads_its_frame(int threads)
{
    every_peer_reads_its_frame_on(threads, 0);
}

static void every_peer_reads_its_frame_pinned(void)
{
    every_peer_reads_its_frame_on(1, 1);
}

static void inline_only(void **state)
{
    (void)state;
    every_peer_reads_its_frame(0);
}

static void with_workers(void **state)
{
    (void)state;
    every_peer_reads_its_frame(3);
}

/* A peer that does not read fills its socket: the send takes what fits and says so, and the
 * rest of the batch still goes out. */
static void full_socket_is_a_short_send(void **state)
{
    (void)state;
    enum { N = 300 };
    static int sv[N][2];
    static sr_send v[N];
    size_t big = 4 << 20;
    char *buf = calloc(1, big);
    assert_non_null(buf);
    sr_fanout *f = sr_fanout_new(2, 0, uring);
    pairs_open(sv, N);
    for (int i = 0; i < N; i++)
        v[i] = (sr_send){.fd = sv[i][0], .buf = buf, .len = i == 7 ? big : 10};
    sr_fanout_run(f, v, N);
    assert_true(v[7].sent > 0 && (size_t)v[7].sent < big);
    v[7] = (sr_send){.fd = sv[7][0], .buf = buf, .len = 10};
    sr_fanout_run(f, v + 7, 1);
    assert_int_equal(v[7].sent, -1);
    assert_true(v[7].err == EAGAIN || v[7].err == EWOULDBLOCK);
    for (int i = 0; i < N; i++)
        if (i != 7) assert_int_equal(v[i].sent, 10);
    pairs_close(sv, N);
    sr_fanout_free(f);
    free(buf);
}

static void closed_peer_reports_errno(void **state)
{
    (void)state;
    int sv[1][2];
    pairs_open(sv, 1);
    close(sv[0][1]);
    sv[0][1] = -1;
    sr_fanout *f = sr_fanout_new(0, 0, uring);
    sr_send v = {.fd = sv[0][0], .buf = "x", .len = 1};
    sr_fanout_run(f, &v, 1); /* MSG_NOSIGNAL: no SIGPIPE kills the test */
    assert_int_equal(v.sent, -1);
    assert_int_equal(v.err, EPIPE);
    pairs_close(sv, 1);
    sr_fanout_free(f);
}

/* --pin-threads: the calling (service) thread ends up on exactly the first CPU it was allowed,
 * and the pinned helpers still do their share of the sends. */
static void pinned_threads_still_send(void **state)
{
    (void)state;
    cpu_set_t before, after;
    assert_int_equal(sched_getaffinity(0, sizeof before, &before), 0);
    if (CPU_COUNT(&before) < 2) skip();
    int first = -1;
    for (int c = 0; c < CPU_SETSIZE && first < 0; c++)
        if (CPU_ISSET(c, &before)) first = c;
    sr_fanout *f = sr_fanout_new(1, 1, 1);
    assert_int_equal(sched_getaffinity(0, sizeof after, &after), 0);
    assert_int_equal(CPU_COUNT(&after), 1);
    assert_true(CPU_ISSET(first, &after));
    sr_fanout_free(f);
    every_peer_reads_its_frame_pinned();
    assert_int_equal(sched_setaffinity(0, sizeof before, &before), 0);
}

static int with_uring(void **state)
{
    (void)state;
    uring = 1;
    sr_fanout *f = sr_fanout_new(0, 0, 1);
    printf("# io_uring %s on this machine\n", sr_fanout_uses_uring(f) ? "used" : "unavailable");
    sr_fanout_free(f);
    return 0;
}

static int with_send(void **state)
{
    (void)state;
    uring = 0;
    return 0;
}

int main(void)
{
    const struct CMUnitTest plain[] = {
        cmocka_unit_test(inline_only),
        cmocka_unit_test(with_workers),
        cmocka_unit_test(full_socket_is_a_short_send),
        cmocka_unit_test(closed_peer_reports_errno),
    };
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(inline_only),
        cmocka_unit_test(with_workers),
        cmocka_unit_test(full_socket_is_a_short_send),
        cmocka_unit_test(closed_peer_reports_errno),
        cmocka_unit_test(pinned_threads_still_send),
    };
    int failed = cmocka_run_group_tests_name("fanout_io_uring", tests, with_uring, NULL);
    return failed + cmocka_run_group_tests_name("fanout_send", plain, with_send, NULL);
}
