/* test_proto.c - client message decoding: every error code the decoder can give. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "proto/proto.h"

static const char *code_of(const char *s)
{
    static char code[32];
    sr_cmsg m;
    sr_perr e;
    int rc = sr_proto_decode(s, strlen(s), &m, &e);
    strcpy(code, rc ? e.code : "ok");
    sr_cmsg_free(&m);
    return code;
}

static void test_errors(void **state)
{
    (void)state;
    assert_string_equal(code_of("{"), "bad_json");
    assert_string_equal(code_of("[1]"), "bad_message");
    assert_string_equal(code_of("{\"t\":1}"), "bad_message");
    assert_string_equal(code_of("{\"type\":5}"), "bad_message");
    assert_string_equal(code_of("{\"type\":\"ping\",\"t0\":1,\"ref\":[1]}"), "bad_message");
    assert_string_equal(code_of("{\"type\":\"dance\"}"), "unknown_type");
    assert_string_equal(code_of("{\"type\":\"hello\"}"), "ok"); /* the hub asks guests for a name */
    assert_string_equal(code_of("{\"type\":\"hello\",\"name\":5}"), "bad_field");
    assert_string_equal(code_of("{\"type\":\"hello\",\"name\":\"  \"}"), "bad_field");
    assert_string_equal(code_of("{\"type\":\"hello\",\"name\":\"a\",\"v\":2}"), "bad_field");
    assert_string_equal(
        code_of("{\"type\":\"hello\",\"name\":\"0123456789012345678901234567890123456789x\"}"),
        "too_long");
    assert_string_equal(code_of("{\"type\":\"hello\",\"name\":\"Ada\"}"), "ok");
    assert_string_equal(code_of("{\"type\":\"ping\"}"), "missing_field");
    assert_string_equal(code_of("{\"type\":\"sync\",\"error_ms\":1}"), "missing_field");
    assert_string_equal(code_of("{\"type\":\"sync\",\"room\":1}"), "missing_field");
    assert_string_equal(code_of("{\"type\":\"sync\",\"room\":1,\"error_ms\":\"2\"}"), "bad_field");
    assert_string_equal(code_of("{\"type\":\"sync\",\"room\":1,\"error_ms\":-1}"), "bad_field");
    assert_string_equal(code_of("{\"type\":\"sync\",\"room\":1,\"error_ms\":60001}"), "bad_field");
    assert_string_equal(code_of("{\"type\":\"sync\",\"room\":1,\"error_ms\":2.5}"), "ok");
    assert_string_equal(code_of("{\"type\":\"sync\",\"room\":1,\"error_ms\":0}"), "ok");
    assert_string_equal(code_of("{\"type\":\"ping\",\"t0\":\"x\"}"), "bad_field");
    assert_string_equal(code_of("{\"type\":\"join\",\"room\":1.5}"), "bad_field");
    assert_string_equal(code_of("{\"type\":\"join\",\"room\":0}"), "bad_field");
    assert_string_equal(code_of("{\"type\":\"join\",\"room\":1,\"seq\":3}"), "missing_field");
    assert_string_equal(code_of("{\"type\":\"join\",\"room\":1,\"epoch\":\"a\",\"seq\":-1}"),
                        "bad_field");
    assert_string_equal(code_of("{\"type\":\"vote\",\"room\":1,\"entry\":2,\"value\":2}"),
                        "bad_field");
    assert_string_equal(code_of("{\"type\":\"vote\",\"room\":1,\"entry\":2}"), "missing_field");
    assert_string_equal(code_of("{\"type\":\"skip\",\"room\":1,\"value\":1}"), "bad_field");
    assert_string_equal(code_of("{\"type\":\"chat\",\"room\":1,\"text\":\"\"}"), "bad_field");
    /* only white space, ASCII or Unicode (no-break, ideographic, zero-width) */
    assert_string_equal(code_of("{\"type\":\"chat\",\"room\":1,\"text\":\" \\t\\n \"}"), "bad_field");
    assert_string_equal(
        code_of("{\"type\":\"chat\",\"room\":1,\"text\":\"\\u00a0\\u3000\\u200b\\ufeff\"}"),
        "bad_field");
    assert_string_equal(code_of("{\"type\":\"chat\",\"room\":1,\"text\":\" \\u00a0x \"}"), "ok");
    assert_string_equal(code_of("{\"type\":\"search\",\"q\":\"a\",\"limit\":0}"), "bad_field");
}

static void test_chat_length_counts_characters(void **state)
{
    (void)state;
    /* 500 two-byte characters pass, 501 do not */
    char buf[2048] = "{\"type\":\"chat\",\"room\":1,\"text\":\"";
    size_t n = strlen(buf);
    for (int i = 0; i < 500; i++)
        buf[n++] = (char)0xc3, buf[n++] = (char)0xa9;
    strcpy(buf + n, "\"}");
    assert_string_equal(code_of(buf), "ok");
    buf[n++] = (char)0xc3, buf[n++] = (char)0xa9;
    strcpy(buf + n, "\"}");
    assert_string_equal(code_of(buf), "too_long");
}

static void test_ref_echoed_on_error(void **state)
{
    (void)state;
    const char *s = "{\"type\":\"vote\",\"ref\":\"abc\",\"room\":1,\"entry\":2,\"value\":9}";
    sr_cmsg m;
    sr_perr e;
    assert_int_equal(sr_proto_decode(s, strlen(s), &m, &e), -1);
    assert_non_null(m.ref);
    assert_string_equal(json_string_value(m.ref), "abc");
    sr_cmsg_free(&m);
}

static void test_join_resume(void **state)
{
    (void)state;
    const char *s = "{\"type\":\"join\",\"room\":3,\"epoch\":\"ab\",\"seq\":41}";
    sr_cmsg m;
    sr_perr e;
    assert_int_equal(sr_proto_decode(s, strlen(s), &m, &e), 0);
    assert_int_equal(m.type, SR_C_JOIN);
    assert_int_equal(m.room, 3);
    assert_true(m.resume);
    assert_int_equal(m.seq, 41);
    assert_string_equal(m.epoch, "ab");
    sr_cmsg_free(&m);
}

/* queue_add names exactly one of a track id, a stream or an external track */
static void test_queue_add_shapes(void **state)
{
    (void)state;
    assert_string_equal(code_of("{\"type\":\"queue_add\",\"room\":1,\"track\":2}"), "ok");
    assert_string_equal(code_of("{\"type\":\"queue_add\",\"room\":1}"), "missing_field");
    assert_string_equal(code_of("{\"type\":\"queue_add\",\"room\":1,\"stream\":{}}"), "ok");
    assert_string_equal(code_of("{\"type\":\"queue_add\",\"room\":1,\"external\":{}}"), "ok");
    assert_string_equal(code_of("{\"type\":\"queue_add\",\"room\":1,\"stream\":\"http://a\"}"),
                        "bad_field");
    assert_string_equal(code_of("{\"type\":\"queue_add\",\"room\":1,\"external\":[1]}"),
                        "bad_field");
    assert_string_equal(code_of("{\"type\":\"queue_add\",\"room\":1,\"track\":2,\"stream\":{}}"),
                        "bad_field");
    assert_string_equal(
        code_of("{\"type\":\"queue_add\",\"room\":1,\"stream\":{},\"external\":{}}"), "bad_field");
    assert_string_equal(code_of("{\"type\":\"queue_add\",\"room\":1,\"track\":0}"), "bad_field");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_add_shapes),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_chat_length_counts_characters),
        cmocka_unit_test(test_ref_echoed_on_error),
        cmocka_unit_test(test_join_resume),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
