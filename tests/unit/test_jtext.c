/* test_jtext.c - the hand-written JSON of the chat line is byte for byte what jansson writes
 * for the same values (clients and tests compare deltas with snapshots), and it grows past the
 * caller's buffer without losing anything. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "proto/jtext.h"

static char *jansson_of(json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_REAL_PRECISION(17) | JSON_ENCODE_ANY);
    json_decref(v);
    return s;
}

static void same_string(const char *s, size_t len)
{
    char buf[8];
    sr_jtext t;
    sr_jtext_init(&t, buf, sizeof buf);
    sr_jtext_str(&t, s, len);
    char *want = jansson_of(json_stringn(s, len));
    assert_non_null(want);
    assert_string_equal(t.b, want);
    assert_int_equal(t.n, strlen(want));
    free(want);
    sr_jtext_free(&t);
}

#define SAME(lit) same_string((lit), sizeof(lit) - 1)

static void test_strings_escape_as_jansson(void **state)
{
    (void)state;
    SAME("");
    SAME("hello there");
    SAME("quote \" backslash \\ slash /");
    SAME("<script>alert(1)</script>");
    SAME("tab\tnew\nline\rcr\bbs\fff");
    SAME("\x01\x1f\x7f");
    SAME("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x8e\xb5"); /* é ✓ 🎵 stay UTF-8 */
    SAME("\xe2\x80\xa8 line separator");
    char all[128];
    for (int i = 1; i < 128; i++)
        all[i - 1] = (char)i;
    same_string(all, 127);
}

static void same_real(double v)
{
    char buf[64];
    sr_jtext t;
    sr_jtext_init(&t, buf, sizeof buf);
    sr_jtext_real(&t, v);
    char *want = jansson_of(json_real(v));
    assert_string_equal(t.b, want);
    free(want);
}

static void test_reals_and_ints_as_jansson(void **state)
{
    (void)state;
    double reals[] = {0.0,
                      -0.0,
                      1.0,
                      3.5,
                      1796450671697.4094,
                      1796450671697.0,
                      1e21,
                      1e-7,
                      -2.5e-300,
                      1.7976931348623157e308,
                      0.1,
                      123456789012345678.0};
    for (size_t i = 0; i < sizeof reals / sizeof *reals; i++)
        same_real(reals[i]);
    int64_t ints[] = {0, 1, -1, 42, INT64_MAX, INT64_MIN};
    for (size_t i = 0; i < sizeof ints / sizeof *ints; i++) {
        char buf[4];
        sr_jtext t;
        sr_jtext_init(&t, buf, sizeof buf);
        sr_jtext_int(&t, ints[i]);
        char *want = jansson_of(json_integer(ints[i]));
        assert_string_equal(t.b, want);
        free(want);
        sr_jtext_free(&t);
    }
}

static void test_grows_past_the_buffer(void **state)
{
    (void)state;
    char buf[16];
    sr_jtext t;
    sr_jtext_init(&t, buf, sizeof buf);
    sr_jtext_lit(&t, "{\"text\":");
    char text[2000];
    memset(text, '"', sizeof text); /* each byte doubles when escaped */
    sr_jtext_str(&t, text, sizeof text);
    sr_jtext_lit(&t, "}");
    assert_true(t.heap);
    assert_int_equal(t.n, 8 + 2 + 2 * sizeof text + 1);
    json_error_t e;
    json_t *back = json_loadb(t.b, t.n, 0, &e);
    assert_non_null(back);
    assert_int_equal(json_string_length(json_object_get(back, "text")), sizeof text);
    json_decref(back);
    sr_jtext_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings_escape_as_jansson),
        cmocka_unit_test(test_reals_and_ints_as_jansson),
        cmocka_unit_test(test_grows_past_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
