/* test_wsown.c - our own WebSocket transport (src/net/wsown.c) over a real socket pair: the
 * frames a client sends go in one end, the hooks and the bytes that come back are checked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "net/wsown.h"
#include "util/util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX 1000

static struct {
    char msgs[8][2048];
    size_t lens[8];
    int nmsg, writable, timer, closed, vcode;
    const char *vreason;
} seen;

static void on_message(void *o, const char *d, size_t n)
{
    assert_true(n < sizeof seen.msgs[0]);
    memcpy(seen.msgs[seen.nmsg], d, n);
    seen.lens[seen.nmsg++] = n;
}
static void on_writable(void *o)
{
    seen.writable++;
}
static void on_timer(void *o)
{
    seen.timer++;
}
static void on_violation(void *o, int code, const char *reason)
{
    seen.vcode = code;
    seen.vreason = reason;
}
static void on_closed(void *o)
{
    seen.closed++;
}

static int epfd, peer;
static net_wso *conn;

static int setup(void **state)
{
    memset(&seen, 0, sizeof seen);
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    epfd = epoll_create1(0);
    static const net_wso_hooks h = {on_message, on_writable, on_timer, on_violation, on_closed};
    net_wso_init(epfd, &h, MAX, 50000);
    conn = net_wso_new(sv[0], (void *)1);
    assert_non_null(conn);
    peer = sv[1];
    return 0;
}

static int teardown(void **state)
{
    net_wso_close_all();
    close(peer);
    close(epfd);
    return 0;
}

/* A client frame: masked with a fixed key unless mask is 0. */
static size_t frame(unsigned char *out, int first, const void *payload, size_t n, int mask)
{
    static const unsigned char key[4] = {0x11, 0x22, 0x33, 0x44};
    size_t h = 0;
    out[h++] = (unsigned char)first;
    unsigned char m = mask ? 0x80 : 0;
    if (n < 126) {
        out[h++] = (unsigned char)(m | n);
    } else if (n < 65536) {
        out[h++] = m | 126;
        out[h++] = (unsigned char)(n >> 8);
        out[h++] = (unsigned char)n;
    } else {
        out[h++] = m | 127;
        for (int i = 0; i < 8; i++)
            out[h++] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
    }
    if (mask) {
        memcpy(out + h, key, 4);
        h += 4;
    }
    for (size_t i = 0; i < n; i++)
        out[h + i] = ((const unsigned char *)payload)[i] ^ (mask ? key[i & 3] : 0);
    return h + n;
}

static void feed(const void *p, size_t n)
{
    assert_int_equal(send(peer, p, n, 0), (ssize_t)n);
    net_wso_event(conn, EPOLLIN);
}

/* What the server sent back, up to n bytes. */
static size_t got(unsigned char *buf, size_t n)
{
    ssize_t r = recv(peer, buf, n, MSG_DONTWAIT);
    return r > 0 ? (size_t)r : 0;
}

static void test_text_message(void **state)
{
    unsigned char f[64];
    feed(f, frame(f, 0x81, "{\"a\":1}", 7, 1));
    assert_int_equal(seen.nmsg, 1);
    assert_int_equal(seen.lens[0], 7);
    assert_memory_equal(seen.msgs[0], "{\"a\":1}", 7);
}

static void test_frame_split_over_reads(void **state)
{
    unsigned char f[300];
    char text[200];
    memset(text, 'x', sizeof text);
    size_t n = frame(f, 0x81, text, sizeof text, 1);
    feed(f, 1);
    feed(f + 1, 5);
    feed(f + 6, 100);
    assert_int_equal(seen.nmsg, 0);
    feed(f + 106, n - 106);
    assert_int_equal(seen.nmsg, 1);
    assert_int_equal(seen.lens[0], 200);
}

static void test_fragments_and_ping_between(void **state)
{
    unsigned char f[256];
    size_t n = frame(f, 0x01, "hel", 3, 1);
    n += frame(f + n, 0x89, "pi", 2, 1); /* a ping between fragments is allowed */
    n += frame(f + n, 0x80, "lo", 2, 1);
    feed(f, n);
    assert_int_equal(seen.nmsg, 1);
    assert_memory_equal(seen.msgs[0], "hello", 5);
    unsigned char b[16];
    assert_int_equal(got(b, sizeof b), 4);
    assert_int_equal(b[0], 0x8a); /* pong, same payload */
    assert_memory_equal(b + 2, "pi", 2);
}

static int close_code(const unsigned char *b, size_t n)
{
    if (n < 4 || b[0] != 0x88) return -1;
    return b[2] << 8 | b[3];
}

static void test_unmasked_is_1002(void **state)
{
    unsigned char f[64], b[256];
    feed(f, frame(f, 0x81, "{}", 2, 0));
    assert_int_equal(seen.nmsg, 0);
    assert_int_equal(seen.vcode, 1002);
    assert_int_equal(close_code(b, got(b, sizeof b)), 1002);
    /* input after a violation is dropped, not parsed */
    feed(f, frame(f, 0x81, "{}", 2, 1));
    assert_int_equal(seen.nmsg, 0);
}

static void test_bad_utf8_is_1007(void **state)
{
    unsigned char f[64], b[256];
    feed(f, frame(f, 0x81, "\"\xff\xfe\"", 4, 1));
    assert_int_equal(seen.nmsg, 0);
    assert_int_equal(close_code(b, got(b, sizeof b)), 1007);
}

static void test_binary_is_1003(void **state)
{
    unsigned char f[64], b[256];
    feed(f, frame(f, 0x82, "{}", 2, 1));
    assert_int_equal(close_code(b, got(b, sizeof b)), 1003);
}

static void test_oversize_header_is_1009_before_body(void **state)
{
    unsigned char f[16] = {0x81, 0xfe, (MAX + 1) >> 8, (MAX + 1) & 0xff, 1, 2, 3, 4}, b[256];
    feed(f, 8); /* only the header: the body never comes */
    assert_int_equal(seen.vcode, 1009);
    assert_int_equal(close_code(b, got(b, sizeof b)), 1009);
}

static void test_fragments_over_the_limit_are_1009(void **state)
{
    static unsigned char f[2 * MAX];
    static char half[600];
    unsigned char b[256];
    memset(half, ' ', sizeof half);
    size_t n = frame(f, 0x01, half, sizeof half, 1);
    n += frame(f + n, 0x80, half, sizeof half, 1);
    feed(f, n);
    assert_int_equal(seen.nmsg, 0);
    assert_int_equal(close_code(b, got(b, sizeof b)), 1009);
}

static void test_control_frame_rules(void **state)
{
    unsigned char f[256], b[256];
    char big[126];
    memset(big, 'a', sizeof big);
    feed(f, frame(f, 0x89, big, sizeof big, 1));
    assert_int_equal(close_code(b, got(b, sizeof b)), 1002);
    assert_non_null(strstr(seen.vreason, "125"));
}

static void test_close_echo_then_socket_closed(void **state)
{
    unsigned char f[64], b[64];
    unsigned char code[2] = {0x0b, 0xb8}; /* 3000 */
    feed(f, frame(f, 0x88, code, 2, 1));
    assert_int_equal(close_code(b, got(b, sizeof b)), 3000);
    assert_int_equal(seen.closed, 1); /* the server closes the TCP connection first */
    conn = NULL;
}

static void test_bad_close_codes_are_1002(void **state)
{
    unsigned char f[64], b[64];
    unsigned char code[2] = {0x03, 0xed}; /* 1005 may not be sent */
    feed(f, frame(f, 0x88, code, 2, 1));
    assert_int_equal(close_code(b, got(b, sizeof b)), 1002);
}

static void test_our_close_waits_for_the_answer(void **state)
{
    unsigned char f[64], b[128];
    net_wso_close(conn, 4001, "too slow");
    size_t n = got(b, sizeof b);
    assert_int_equal(close_code(b, n), 4001);
    assert_memory_equal(b + 4, "too slow", 8);
    assert_int_equal(seen.closed, 0);
    unsigned char code[2] = {0x0f, 0xa1};
    feed(f, frame(f, 0x88, code, 2, 1));
    assert_int_equal(seen.closed, 1);
}

static void test_text_out_and_choked_socket(void **state)
{
    static char buf[16 + 300000];
    memset(buf, 'y', sizeof buf);
    int small = 4096;
    setsockopt(net_wso_fd(conn), SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    assert_int_equal(net_wso_text(conn, buf + 16, 300000), 0);
    assert_true(net_wso_busy(conn)); /* the kernel took part; the rest waits */
    static unsigned char in[400000];
    size_t total = 0;
    for (int i = 0; i < 10000 && net_wso_busy(conn); i++) {
        total += got(in + total, sizeof in - total);
        net_wso_event(conn, EPOLLOUT);
    }
    total += got(in + total, sizeof in - total);
    assert_false(net_wso_busy(conn));
    assert_int_equal(seen.writable, 1);
    assert_int_equal(total, 300000 + 10);
    assert_int_equal(in[0], 0x81);
    assert_int_equal(in[1], 127);
}

static void test_timer_and_kill(void **state)
{
    net_wso_timer(conn, 1);
    usleep(2000);
    net_wso_tick(sr_mono_us());
    assert_int_equal(seen.timer, 1);
    net_wso_kill(conn);
    assert_int_equal(seen.closed, 0); /* never under the caller */
    net_wso_tick(sr_mono_us());
    assert_int_equal(seen.closed, 1);
}

static void test_utf8_valid(void **state)
{
    static const struct {
        const char *s;
        int ok;
    } cases[] = {
        {"plain ascii text, longer than eight bytes", 1},
        {"caf\xc3\xa9", 1},
        {"\xe2\x82\xac", 1},
        {"\xf0\x9f\x8e\xb5", 1},
        {"\xf4\x8f\xbf\xbf", 1},   /* U+10FFFF */
        {"\xc0\xaf", 0},           /* overlong */
        {"\xe0\x80\xaf", 0},       /* overlong */
        {"\xed\xa0\x80", 0},       /* a surrogate */
        {"\xf4\x90\x80\x80", 0},   /* past U+10FFFF */
        {"\xc3", 0},               /* cut short */
        {"abcdefgh\xe2\x82", 0},   /* cut short after a fast run */
        {"\x80", 0},               /* a lone continuation byte */
        {"\xff", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_int_equal(sr_utf8_valid((const unsigned char *)cases[i].s, strlen(cases[i].s)),
                         cases[i].ok);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_text_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_frame_split_over_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fragments_and_ping_between, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unmasked_is_1002, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_utf8_is_1007, setup, teardown),
        cmocka_unit_test_setup_teardown(test_binary_is_1003, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversize_header_is_1009_before_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fragments_over_the_limit_are_1009, setup, teardown),
        cmocka_unit_test_setup_teardown(test_control_frame_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_echo_then_socket_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_close_codes_are_1002, setup, teardown),
        cmocka_unit_test_setup_teardown(test_our_close_waits_for_the_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_out_and_choked_socket, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_and_kill, setup, teardown),
        cmocka_unit_test(test_utf8_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
