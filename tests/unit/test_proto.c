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
    assert_string_equal(code_of("{\"type\":\"chat\",\"room\":1,\"text\":\" \\t\\n \"}"),
                        "bad_field");
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

/* The chat fast path and the jansson tree answer every input alike: the same code, or the same
 * room, text, cid and ref. */
static void same_answer(const char *s)
{
    sr_cmsg a, b;
    sr_perr ea, eb;
    int ra = sr_proto_decode(s, strlen(s), &a, &ea),
        rb = sr_proto_decode_tree(s, strlen(s), &b, &eb);
    if (ra != rb) fail_msg("%s: %d against %d", s, ra, rb);
    if (ra) {
        assert_string_equal(ea.code, eb.code);
    } else {
        assert_int_equal(a.type, b.type);
        assert_int_equal(a.room, b.room);
        assert_int_equal(a.text_len, b.text_len);
        if (a.text_len) assert_memory_equal(a.text, b.text, a.text_len);
        assert_true(!a.cid == !b.cid);
        if (a.cid) assert_string_equal(a.cid, b.cid);
        assert_true(!a.ref == !b.ref);
        if (a.ref) assert_true(json_equal(a.ref, b.ref));
    }
    assert_true(!a.ref == !b.ref);
    sr_cmsg_free(&a);
    sr_cmsg_free(&b);
}

static void test_chat_fast_path_answers_as_the_tree(void **state)
{
    (void)state;
    /* the plain shape takes the fast path (its root is not the message's object) */
    const char *plain = "{\"type\":\"chat\",\"room\":1,\"text\":\"hi\",\"ref\":7}";
    sr_cmsg m;
    sr_perr e;
    assert_int_equal(sr_proto_decode(plain, strlen(plain), &m, &e), 0);
    assert_true(json_is_array(m.root));
    assert_int_equal(json_integer_value(m.ref), 7);
    sr_cmsg_free(&m);

    char long_text[700], over[700];
    memset(long_text, 'a', 500);
    long_text[500] = 0;
    memset(over, 'a', 501);
    over[501] = 0;
    const char *texts[] = {"hi",    "",          " ",  "\\u00a0",     "\xc2\xa0", "\xe3\x80\x80 ",
                           "a\\nb", "\\\"q\\\"", "\t", "caf\xc3\xa9", "<b>x</b>", long_text,
                           over,    "\\u0000"};
    const char *rooms[] = {
        "1",   "0", "-1", "01", "1.5", "1e2", "\"1\"", "999999999999999999", "9999999999999999999",
        "null"};
    const char *refs[] = {NULL,
                          "7",
                          "0",
                          "-3",
                          "\"r-1\"",
                          "\"\"",
                          "1.5",
                          "{}",
                          "[]",
                          "true",
                          "\"0123456789012345678901234567890123456789012345678901234567890123\"",
                          "\"01234567890123456789012345678901234567890123456789012345678901234\"",
                          "\"a\\u0041\""};
    const char *cids[] = {NULL,
                          "\"c1\"",
                          "\"\"",
                          "\"a b\"",
                          "\"\xc3\xa9\"",
                          "5",
                          "\"0123456789012345678901234567890123456789012345678901234567890123\"",
                          "\"01234567890123456789012345678901234567890123456789012345678901234\""};
    char buf[2048];
    for (size_t t = 0; t < sizeof texts / sizeof *texts; t++)
        for (size_t r = 0; r < sizeof rooms / sizeof *rooms; r++)
            for (size_t f = 0; f < sizeof refs / sizeof *refs; f++)
                for (size_t c = 0; c < sizeof cids / sizeof *cids; c++) {
                    int n =
                        snprintf(buf, sizeof buf, "{\"type\":\"chat\",\"room\":%s,\"text\":\"%s\"",
                                 rooms[r], texts[t]);
                    if (refs[f])
                        n += snprintf(buf + n, sizeof buf - (size_t)n, ",\"ref\":%s", refs[f]);
                    if (cids[c])
                        n += snprintf(buf + n, sizeof buf - (size_t)n, ",\"cid\":%s", cids[c]);
                    snprintf(buf + n, sizeof buf - (size_t)n, "}");
                    same_answer(buf);
                }
    const char *shapes[] = {
        "{\"ref\":1,\"text\":\"x\",\"room\":2,\"type\":\"chat\"}",
        "{\"text\":\"x\",\"type\":\"chat\",\"cid\":\"k\",\"room\":2}",
        "{ \"type\":\"chat\",\"room\":1,\"text\":\"x\"}",
        "{\"type\":\"chat\",\"room\":1,\"text\":\"x\"} ",
        "{\"type\" : \"chat\",\"room\":1,\"text\":\"x\"}",
        "{\"type\":\"chat\",\"room\":1,\"text\":\"x\",\"room\":2}",
        "{\"type\":\"chat\",\"room\":1,\"text\":\"x\",\"text\":\"y\"}",
        "{\"type\":\"chat\",\"type\":\"chat\",\"room\":1,\"text\":\"x\"}",
        "{\"type\":\"chat\",\"room\":1,\"text\":\"x\",\"ref\":1,\"ref\":2}",
        "{\"type\":\"chat\",\"room\":1,\"text\":\"x\",\"extra\":1}",
        "{\"type\":\"chat\",\"room\":1}",
        "{\"type\":\"chat\",\"text\":\"x\"}",
        "{\"room\":1,\"text\":\"x\"}",
        "{\"type\":\"chit\",\"room\":1,\"text\":\"x\"}",
        "{\"type\":\"ch\\u0061t\",\"room\":1,\"text\":\"x\"}",
        "{\"t\\u0079pe\":\"chat\",\"room\":1,\"text\":\"x\"}",
        "{\"type\":\"chat\",\"room\":1,\"text\":\"x\"",
        "{\"type\":\"chat\",\"room\":1,\"text\":\"x}",
        "{\"type\":\"chat\",\"room\":1,\"text\":\"x\",}",
        "{\"type\":\"chat\",\"room\":1,\"text\":\"x\"}}",
        "{\"type\":\"chat\",\"room\":1,\"text\":\"x\n\"}",
        "{\"type\":\"chat\",\"room\":1,\"text\":\"\xff\"}",
        "{\"type\":\"chat\",\"room\":1,\"text\":\"\xc3\"}",
        "{\"type\":\"chat\",\"room\":1,\"text\":\"x\",\"ref\":\"\xc3\"}",
        "{}",
        "{",
        "",
        "[]",
        "\"chat\"",
        "{\"type\":\"chat\"}",
    };
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        same_answer(shapes[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_queue_add_shapes),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_chat_length_counts_characters),
        cmocka_unit_test(test_ref_echoed_on_error),
        cmocka_unit_test(test_join_resume),
        cmocka_unit_test(test_chat_fast_path_answers_as_the_tree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
