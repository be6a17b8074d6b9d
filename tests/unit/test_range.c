/* test_range.c - unit tests for sr_range_parse (src/net/range.c), expected values by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "net/range.h"

typedef struct {
    const char *hdr;
    int64_t size;
    int want;
    int64_t start, end; /* checked only for SR_RANGE_PARTIAL */
} range_case;

static void run_cases(const range_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t s = 12345, e = 12345;
        int got = sr_range_parse(c[i].hdr, c[i].size, &s, &e);
        if (got != c[i].want)
            fail_msg("case %zu \"%s\" size %lld: got %d, want %d", i,
                     c[i].hdr ? c[i].hdr : "(null)", (long long)c[i].size, got, c[i].want);
        if (got == SR_RANGE_PARTIAL && (s != c[i].start || e != c[i].end))
            fail_msg("case %zu \"%s\" size %lld: got [%lld,%lld], want [%lld,%lld]", i, c[i].hdr,
                     (long long)c[i].size, (long long)s, (long long)e, (long long)c[i].start,
                     (long long)c[i].end);
        if (got == SR_RANGE_NONE && c[i].size > 0) {
            assert_int_equal(s, 0);
            assert_int_equal(e, c[i].size - 1);
        }
    }
}

#define RUN(arr) run_cases(arr, sizeof(arr) / sizeof(arr[0]))

static void test_absent(void **state)
{
    static const range_case c[] = {
        {NULL, 1000, SR_RANGE_NONE, 0, 0},
        {NULL, 0, SR_RANGE_NONE, 0, 0},
        {NULL, 1, SR_RANGE_NONE, 0, 0},
    };
    RUN(c);
}

static void test_closed(void **state)
{
    static const range_case c[] = {
        {"bytes=0-99", 1000, SR_RANGE_PARTIAL, 0, 99},
        {"bytes=0-0", 1000, SR_RANGE_PARTIAL, 0, 0},
        {"bytes=500-999", 1000, SR_RANGE_PARTIAL, 500, 999},
        {"bytes=999-999", 1000, SR_RANGE_PARTIAL, 999, 999},
        {"bytes=5-5", 6, SR_RANGE_PARTIAL, 5, 5},
        {"bytes=0-0", 1, SR_RANGE_PARTIAL, 0, 0},
        {"bytes=007-010", 1000, SR_RANGE_PARTIAL, 7, 10},
    };
    RUN(c);
}

static void test_end_clipped(void **state)
{
    static const range_case c[] = {
        {"bytes=0-1000", 1000, SR_RANGE_PARTIAL, 0, 999},
        {"bytes=0-5000", 1000, SR_RANGE_PARTIAL, 0, 999},
        {"bytes=990-2000", 1000, SR_RANGE_PARTIAL, 990, 999},
        {"bytes=0-9223372036854775807", 1000, SR_RANGE_PARTIAL, 0, 999},
        {"bytes=1-99999999999999999999999999", 1000, SR_RANGE_PARTIAL, 1, 999},
        {"bytes=0-0", INT64_MAX, SR_RANGE_PARTIAL, 0, 0},
        {"bytes=0-", INT64_MAX, SR_RANGE_PARTIAL, 0, INT64_MAX - 1},
    };
    RUN(c);
}

static void test_open(void **state)
{
    static const range_case c[] = {
        {"bytes=0-", 1000, SR_RANGE_PARTIAL, 0, 999},
        {"bytes=100-", 1000, SR_RANGE_PARTIAL, 100, 999},
        {"bytes=999-", 1000, SR_RANGE_PARTIAL, 999, 999},
        {"bytes=1000-", 1000, SR_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=1001-", 1000, SR_RANGE_UNSATISFIABLE, 0, 0},
    };
    RUN(c);
}

static void test_suffix(void **state)
{
    static const range_case c[] = {
        {"bytes=-1", 1000, SR_RANGE_PARTIAL, 999, 999},
        {"bytes=-100", 1000, SR_RANGE_PARTIAL, 900, 999},
        {"bytes=-999", 1000, SR_RANGE_PARTIAL, 1, 999},
        {"bytes=-1000", 1000, SR_RANGE_PARTIAL, 0, 999},
        {"bytes=-1001", 1000, SR_RANGE_PARTIAL, 0, 999},
        {"bytes=-99999999999999999999", 1000, SR_RANGE_PARTIAL, 0, 999},
        {"bytes=-0", 1000, SR_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=-000", 1000, SR_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=-1", 1, SR_RANGE_PARTIAL, 0, 0},
    };
    RUN(c);
}

static void test_unsatisfiable(void **state)
{
    static const range_case c[] = {
        {"bytes=1000-1000", 1000, SR_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=1000-2000", 1000, SR_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=5000-", 1000, SR_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=99999999999999999999-", 1000, SR_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=9223372036854775807-9223372036854775807", 1000, SR_RANGE_UNSATISFIABLE, 0, 0},
    };
    int64_t s = 7, e = 7;
    RUN(c);
    assert_int_equal(sr_range_parse("bytes=2000-", 1000, &s, &e), SR_RANGE_UNSATISFIABLE);
    assert_int_equal(s, 0);
    assert_int_equal(e, -1);
}

static void test_zero_size(void **state)
{
    static const range_case c[] = {
        {"bytes=0-", 0, SR_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=0-0", 0, SR_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=0-100", 0, SR_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=-1", 0, SR_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=-100", 0, SR_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=-0", 0, SR_RANGE_UNSATISFIABLE, 0, 0},
        {"bytes=5-", 0, SR_RANGE_UNSATISFIABLE, 0, 0},
        /* still syntactically invalid: ignored, whole (empty) entity */
        {"bytes=5-2", 0, SR_RANGE_NONE, 0, 0},
        {"bytes=", 0, SR_RANGE_NONE, 0, 0},
        {"items=0-1", 0, SR_RANGE_NONE, 0, 0},
    };
    RUN(c);
}

static void test_invalid(void **state)
{
    static const range_case c[] = {
        {"", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=,", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=-", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=5-2", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=1-0", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=99999999999999999999-5", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=a-b", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=1-b", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=0-99x", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=0_99", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=+1-5", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=-+5", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=--5", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=-5-", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=0x10-20", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=1.5-2", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes 0-99", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes:0-99", 1000, SR_RANGE_NONE, 0, 0},
        {"byte=0-99", 1000, SR_RANGE_NONE, 0, 0},
        {"bytesx=0-99", 1000, SR_RANGE_NONE, 0, 0},
        {"items=0-99", 1000, SR_RANGE_NONE, 0, 0},
        {"=0-99", 1000, SR_RANGE_NONE, 0, 0},
        {"0-99", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=0-99\n", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=0-99;", 1000, SR_RANGE_NONE, 0, 0},
    };
    RUN(c);
}

static void test_multi_range(void **state)
{
    static const range_case c[] = {
        {"bytes=0-1,5-6", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=0-1, 5-6", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=-5,0-1", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=0-,0-", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=5000-,0-1", 1000, SR_RANGE_NONE, 0, 0},
        /* empty list elements are not ranges */
        {"bytes=0-1,", 1000, SR_RANGE_PARTIAL, 0, 1},
        {"bytes=,0-1", 1000, SR_RANGE_PARTIAL, 0, 1},
        {"bytes= , 10-20 , ,", 1000, SR_RANGE_PARTIAL, 10, 20},
    };
    RUN(c);
}

static void test_whitespace_and_case(void **state)
{
    static const range_case c[] = {
        {" bytes=0-99", 1000, SR_RANGE_PARTIAL, 0, 99},
        {"bytes=0-99 ", 1000, SR_RANGE_PARTIAL, 0, 99},
        {"\tbytes=0-99\t", 1000, SR_RANGE_PARTIAL, 0, 99},
        {"bytes = 0-99", 1000, SR_RANGE_PARTIAL, 0, 99},
        {"bytes= 0 - 99 ", 1000, SR_RANGE_PARTIAL, 0, 99},
        {"bytes=- 5", 1000, SR_RANGE_PARTIAL, 995, 999},
        {"bytes=10 -", 1000, SR_RANGE_PARTIAL, 10, 999},
        {"Bytes=0-99", 1000, SR_RANGE_PARTIAL, 0, 99},
        {"BYTES=-10", 1000, SR_RANGE_PARTIAL, 990, 999},
        {"bytes=0 99", 1000, SR_RANGE_NONE, 0, 0},
        {"bytes=1 0-99", 1000, SR_RANGE_NONE, 0, 0},
        {"by tes=0-99", 1000, SR_RANGE_NONE, 0, 0},
    };
    RUN(c);
}

static void test_negative_size(void **state)
{
    int64_t s, e;
    assert_int_equal(sr_range_parse("bytes=0-1", -1, &s, &e), SR_RANGE_NONE);
    assert_int_equal(sr_range_parse("bytes=-1", INT64_MIN, &s, &e), SR_RANGE_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_absent),        cmocka_unit_test(test_closed),
        cmocka_unit_test(test_end_clipped),   cmocka_unit_test(test_open),
        cmocka_unit_test(test_suffix),        cmocka_unit_test(test_unsatisfiable),
        cmocka_unit_test(test_zero_size),     cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_multi_range),   cmocka_unit_test(test_whitespace_and_case),
        cmocka_unit_test(test_negative_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
