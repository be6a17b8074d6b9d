/* test_wsguard.c - the frame-header tracker in front of lws: valid client streams pass whole
 * however reads cut them, and each violation stops the stream at the offending frame. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/wsguard.h"

#include <string.h>

/* A client frame: FIN and opcode, mask bit, payload length (7-bit, 16-bit or 64-bit form). */
static size_t frame(uint8_t *out, uint8_t b0, int masked, uint64_t len)
{
    size_t n = 0;
    out[n++] = b0;
    uint8_t m = masked ? 0x80 : 0;
    if (len < 126) {
        out[n++] = m | (uint8_t)len;
    } else if (len < 65536) {
        out[n++] = m | 126;
        out[n++] = (uint8_t)(len >> 8);
        out[n++] = (uint8_t)len;
    } else {
        out[n++] = m | 127;
        for (int i = 7; i >= 0; i--)
            out[n++] = (uint8_t)(len >> (8 * i));
    }
    if (masked) {
        memcpy(out + n, "\x11\x22\x33\x44", 4);
        n += 4;
    }
    memset(out + n, 'x', (size_t)len);
    return n + (size_t)len;
}

static uint8_t buf[200000];

/* A close frame with a code, masked with frame()'s key. */
static size_t close_frame(uint8_t *out, unsigned code)
{
    size_t n = frame(out, 0x88, 1, 2);
    out[n - 2] = (uint8_t)(code >> 8) ^ 0x11;
    out[n - 1] = (uint8_t)code ^ 0x22;
    return n;
}

static void valid_stream_passes_in_any_cut(void **state)
{
    (void)state;
    size_t n = 0;
    n += frame(buf + n, 0x81, 1, 5);     /* text */
    n += frame(buf + n, 0x89, 1, 0);     /* empty ping */
    n += frame(buf + n, 0x01, 1, 300);   /* first fragment, 16-bit length */
    n += frame(buf + n, 0x8a, 1, 125);   /* pong between fragments, the longest allowed */
    n += frame(buf + n, 0x80, 1, 70000); /* last fragment, 64-bit length */
    n += close_frame(buf + n, 1000);     /* close */
    for (size_t cut = 1; cut <= 4099; cut += 97) {
        sr_wsguard_state g = {0};
        for (size_t at = 0; at < n; at += cut) {
            size_t k = n - at < cut ? n - at : cut;
            enum sr_ws_violation v;
            assert_int_equal(sr_wsguard_scan(&g, buf + at, k, &v), k);
            assert_int_equal(v, SR_WS_OK);
        }
    }
}

static void check_violation(uint8_t b0, int masked, uint64_t len, enum sr_ws_violation want)
{
    size_t good = frame(buf, 0x81, 1, 10);
    size_t n = good + frame(buf + good, b0, masked, len);
    /* in one read: the good frame goes through, the bad one does not */
    sr_wsguard_state g = {0};
    enum sr_ws_violation v;
    assert_int_equal(sr_wsguard_scan(&g, buf, n, &v), good);
    assert_int_equal(v, want);
    assert_string_not_equal(sr_wsguard_reason(v), "");
    /* and it stays bad */
    assert_int_equal(sr_wsguard_scan(&g, buf, good, &v), 0);
    assert_int_equal(v, want);
    /* the bad header split across two reads: nothing of the second read goes through */
    sr_wsguard_state h = {0};
    assert_int_equal(sr_wsguard_scan(&h, buf, good + 1, &v), good + 1);
    assert_int_equal(v, SR_WS_OK);
    assert_int_equal(sr_wsguard_scan(&h, buf + good + 1, n - good - 1, &v), 0);
    assert_int_equal(v, want);
}

static void unmasked_frame(void **state)
{
    (void)state;
    check_violation(0x81, 0, 5, SR_WS_UNMASKED);
    check_violation(0x89, 0, 0, SR_WS_UNMASKED); /* an unmasked ping too */
}

static void control_frame_too_long(void **state)
{
    (void)state;
    check_violation(0x89, 1, 126, SR_WS_CONTROL_TOO_LONG);
    check_violation(0x88, 1, 70000, SR_WS_CONTROL_TOO_LONG);
}

static void fragmented_control_frame(void **state)
{
    (void)state;
    size_t n = frame(buf, 0x09, 1, 3); /* ping without FIN */
    sr_wsguard_state g = {0};
    enum sr_ws_violation v;
    assert_int_equal(sr_wsguard_scan(&g, buf, n, &v), 0);
    assert_int_equal(v, SR_WS_CONTROL_FRAGMENTED);
}

/* Regression: a header announcing 2^63-1 bytes held the connection open while lws waited for
 * the body; now the frame is stopped at its header, and so is the fragment that takes a message
 * over the limit, whether the header comes whole or a byte at a time. */
static void oversize_frame_header_is_stopped(void **state)
{
    (void)state;
    static const uint8_t huge[] = {0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    enum sr_ws_violation v;
    sr_wsguard_state g = {.max = 65536};
    size_t good = frame(buf, 0x89, 1, 4); /* a ping first: it goes through */
    memcpy(buf + good, huge, sizeof huge);
    assert_int_equal(sr_wsguard_scan(&g, buf, good + sizeof huge, &v), good);
    assert_int_equal(v, SR_WS_TOO_BIG);
    assert_int_equal(sr_wsguard_code(v), 1009);
    sr_wsguard_state h = {.max = 65536};
    for (size_t i = 0; i + 1 < sizeof huge; i++) {
        assert_int_equal(sr_wsguard_scan(&h, huge + i, 1, &v), 1);
        assert_int_equal(v, SR_WS_OK);
    }
    assert_int_equal(sr_wsguard_scan(&h, huge + sizeof huge - 1, 1, &v), 0);
    assert_int_equal(v, SR_WS_TOO_BIG);

    /* exactly the limit in three fragments (a pong between them) passes; one byte more not */
    sr_wsguard_state f = {.max = 65536};
    size_t n = frame(buf, 0x01, 1, 30000);
    n += frame(buf + n, 0x8a, 1, 3);
    n += frame(buf + n, 0x00, 1, 30000);
    n += frame(buf + n, 0x80, 1, 5536);
    n += frame(buf + n, 0x81, 1, 65536); /* a new message starts from zero */
    assert_int_equal(sr_wsguard_scan(&f, buf, n, &v), n);
    assert_int_equal(v, SR_WS_OK);
    size_t start = n;
    n += frame(buf + n, 0x01, 1, 65536);
    size_t second = n;
    n += frame(buf + n, 0x80, 1, 1);
    assert_int_equal(sr_wsguard_scan(&f, buf + start, n - start, &v), second - start);
    assert_int_equal(v, SR_WS_TOO_BIG);
}

/* Regression: lws 4.1.6 echoed a close code of 5000 or 65535 and a one-byte close payload
 * instead of answering 1002. */
static void close_codes_outside_the_rfc_are_stopped(void **state)
{
    (void)state;
    static const unsigned bad[] = {0, 999, 1004, 1005, 1006, 1012, 1015, 1016, 2999, 5000, 65535};
    static const unsigned good[] = {1000, 1001, 1003, 1007, 1011, 3000, 4999};
    enum sr_ws_violation v;
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        size_t first = frame(buf, 0x81, 1, 3);
        size_t n = first + close_frame(buf + first, bad[k]);
        for (size_t cut = 1; cut <= n; cut++) { /* however reads cut it */
            sr_wsguard_state g = {0};
            size_t ok = sr_wsguard_scan(&g, buf, cut, &v);
            if (v == SR_WS_OK) ok += sr_wsguard_scan(&g, buf + cut, n - cut, &v);
            assert_int_equal(v, SR_WS_BAD_CLOSE);
            assert_true(ok >= first && ok < n);
            assert_int_equal(sr_wsguard_code(v), 1002);
        }
    }
    for (size_t k = 0; k < sizeof good / sizeof *good; k++) {
        size_t n = close_frame(buf, good[k]);
        sr_wsguard_state g = {0};
        assert_int_equal(sr_wsguard_scan(&g, buf, n, &v), n);
        assert_int_equal(v, SR_WS_OK);
    }
    size_t n = frame(buf, 0x88, 1, 0); /* no code at all is fine */
    n += frame(buf + n, 0x88, 1, 12);  /* nor is a code with a reason (here 0x7878 ^ key) */
    sr_wsguard_state g = {0};
    assert_int_equal(sr_wsguard_scan(&g, buf, n, &v), 2 + 4);
    assert_int_equal(v, SR_WS_BAD_CLOSE); /* 0x7878 ^ 0x1122 = 0x695a: not allowed */
    n = close_frame(buf, 1000);
    buf[1] = 0x80 | 1; /* one byte of payload */
    sr_wsguard_state h = {0};
    assert_int_equal(sr_wsguard_scan(&h, buf, 7, &v), 0);
    assert_int_equal(v, SR_WS_BAD_CLOSE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_stream_passes_in_any_cut),
        cmocka_unit_test(unmasked_frame),
        cmocka_unit_test(control_frame_too_long),
        cmocka_unit_test(fragmented_control_frame),
        cmocka_unit_test(oversize_frame_header_is_stopped),
        cmocka_unit_test(close_codes_outside_the_rfc_are_stopped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
