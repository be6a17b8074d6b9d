/* test_route.c - unit tests for the REST route table (src/api/route.c): matching, 404 and 405
 * with Allow, who may call, and query arguments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "api/route.h"

/* What a handler or the dispatcher answered. */
typedef struct answer {
    int status;
    char code[64];
    char allow[64];
    int via_405;         /* answered through reply_405 */
    const char *handler; /* which handler ran, or NULL */
    sr_route_args args;
    char str[SR_ROUTE_MAX_ARGS][128]; /* args' strings, copied while they were valid */
} answer;

static void reply(void *ctx, int status, json_t *body, const char *set_cookie)
{
    answer *an = ctx;
    an->status = status;
    json_t *e = json_object_get(body, "error");
    snprintf(an->code, sizeof an->code, "%s",
             e ? json_string_value(json_object_get(e, "code")) : "");
    json_decref(body);
}

static void reply_405(void *ctx, const char *allow)
{
    answer *an = ctx;
    an->status = 405;
    an->via_405 = 1;
    snprintf(an->allow, sizeof an->allow, "%s", allow);
}

static void record(const char *name, const sr_rest *q, const sr_route_args *a)
{
    answer *an = q->ctx;
    an->handler = name;
    an->args = *a;
    for (int i = 0; i < a->n; i++)
        snprintf(an->str[i], sizeof an->str[i], "%s", a->str[i]);
    an->status = 200;
}

#define HANDLER(name)                                                                              \
    static void name(void *app, const sr_rest *q, const sr_route_args *a)                          \
    {                                                                                              \
        record(#name, q, a);                                                                       \
    }
HANDLER(h_rooms)
HANDLER(h_create)
HANDLER(h_room)
HANDLER(h_patch)
HANDLER(h_close)
HANDLER(h_artist)
HANDLER(h_top)
HANDLER(h_admin)
HANDLER(h_me)
HANDLER(h_rescan)
HANDLER(h_avatar)

static const sr_route rooms[] = {
    {"GET", "/api/rooms", SR_WHO_ANYONE, h_rooms, 0},
    {"POST", "/api/rooms", SR_WHO_ACCOUNT, h_create, 0},
    {"GET", "/api/rooms/:id", SR_WHO_ANYONE, h_room, 0},
    {"PATCH", "/api/rooms/:id", SR_WHO_ACCOUNT, h_patch, 0},
    {"DELETE", "/api/rooms/:id", SR_WHO_ACCOUNT, h_close, 0},
    {"GET", "/api/rooms/:id/top-tracks", SR_WHO_ANYONE, h_top, 0},
};

static const sr_route others[] = {
    {"GET", "/api/artists/:name/room", SR_WHO_ANYONE, h_artist, 0},
    {"GET", "/api/admin/users", SR_WHO_ADMIN, h_admin, 0},
    {"GET", "/api/me", SR_WHO_ACCOUNT, h_me, 0},
    {"POST", "/api/library/rescan", SR_WHO_LOOPBACK, h_rescan, 0},
    {"PUT", "/api/me/avatar", SR_WHO_ACCOUNT, h_avatar, 1},
};

/* Tokens: "alice" is account 7, "root" account 1 (an admin); anything else is nobody. */
static int64_t user_of(void *app, const char *token, char hash_out[65])
{
    snprintf(hash_out, 65, "%s", token ? "hash-of-token" : "");
    if (!token) return 0;
    if (!strcmp(token, "alice")) return 7;
    if (!strcmp(token, "root")) return 1;
    return 0;
}

static int is_admin(void *app, int64_t uid)
{
    return uid == 1;
}

static const sr_route_auth auth = {user_of, is_admin};

static sr_routes table(void)
{
    sr_routes rs = {0};
    sr_routes_add(&rs, rooms, (int)(sizeof rooms / sizeof rooms[0]));
    sr_routes_add(&rs, others, (int)(sizeof others / sizeof others[0]));
    return rs;
}

/* Dispatches method path (with token, loopback) and returns the answer. */
static answer run(char method, const char *path, const char *token, int loopback)
{
    sr_routes rs = table();
    answer an;
    memset(&an, 0, sizeof an);
    sr_rest q = {.method = method,
                 .path = path,
                 .token = token,
                 .reply = reply,
                 .ctx = &an,
                 .reply_405 = reply_405,
                 .loopback = loopback};
    sr_routes_dispatch(&rs, NULL, &auth, &q);
    sr_routes_free(&rs);
    return an;
}

static void test_literal(void **state)
{
    answer a = run('G', "/api/rooms", NULL, 0);
    assert_string_equal(a.handler, "h_rooms");
    assert_int_equal(a.args.n, 0);
    a = run('P', "/api/rooms", "alice", 0);
    assert_string_equal(a.handler, "h_create");
    assert_int_equal(a.args.me, 7);
    assert_string_equal(a.args.me_hash, "hash-of-token");
    /* a trailing slash, a doubled one, a longer or shorter path: no match */
    assert_int_equal(run('G', "/api/rooms/", NULL, 0).status, 404);
    assert_int_equal(run('G', "/api//rooms", NULL, 0).status, 404);
    assert_int_equal(run('G', "/api/roomsx", NULL, 0).status, 404);
    assert_int_equal(run('G', "/api/room", NULL, 0).status, 404);
    assert_int_equal(run('G', "/api", NULL, 0).status, 404);
    assert_int_equal(run('G', "", NULL, 0).status, 404);
    assert_string_equal(run('G', "/api/nothing", NULL, 0).code, "not_found");
}

static void test_id(void **state)
{
    answer a = run('G', "/api/rooms/42", NULL, 0);
    assert_string_equal(a.handler, "h_room");
    assert_int_equal(a.args.n, 1);
    assert_int_equal(a.args.id[0], 42);
    assert_string_equal(a.str[0], "42");
    a = run('G', "/api/rooms/42/top-tracks", NULL, 0);
    assert_string_equal(a.handler, "h_top");
    assert_int_equal(a.args.id[0], 42);
    /* not a positive decimal: the route still matches with id 0, so the handler answers its
     * own 404 (no_such_room) as for an unknown id */
    static const char *zero[] = {"/api/rooms/abc", "/api/rooms/0", "/api/rooms/-3", "/api/rooms/4x",
                                 "/api/rooms/99999999999999999999"};
    for (size_t i = 0; i < sizeof zero / sizeof zero[0]; i++) {
        a = run('G', zero[i], NULL, 0);
        assert_string_equal(a.handler, "h_room");
        assert_int_equal(a.args.id[0], 0);
    }
    assert_int_equal(run('G', "/api/rooms/007", NULL, 0).args.id[0], 7);
    assert_int_equal(run('G', "/api/rooms/1000000000000000000", NULL, 0).args.id[0],
                     1000000000000000000LL);
    /* an empty segment is not an id */
    assert_int_equal(run('G', "/api/rooms//top-tracks", NULL, 0).status, 404);
}

static void test_name(void **state)
{
    answer a = run('G', "/api/artists/Nina Simone/room", NULL, 0);
    assert_string_equal(a.handler, "h_artist");
    assert_int_equal(a.args.n, 1);
    assert_string_equal(a.str[0], "Nina Simone");
    assert_int_equal(a.args.id[0], 0);
    /* a name is one segment */
    assert_int_equal(run('G', "/api/artists/a/b/room", NULL, 0).status, 404);
    assert_int_equal(run('G', "/api/artists//room", NULL, 0).status, 404);
}

/* Regression: route.c percent-decoded path segments that lws had already decoded, so an
 * artist named "AC%2B%2BDC" (sent as AC%252B%252BDC) reached the handler as "AC++DC", and
 * "%00" made the route not match at all. */
static void test_name_not_decoded_twice(void **state)
{
    answer a = run('G', "/api/artists/AC%2B%2BDC/room", NULL, 0);
    assert_string_equal(a.handler, "h_artist");
    assert_string_equal(a.str[0], "AC%2B%2BDC");
    a = run('G', "/api/artists/100% + more/room", NULL, 0);
    assert_string_equal(a.str[0], "100% + more");
    a = run('G', "/api/artists/%00/room", NULL, 0);
    assert_string_equal(a.handler, "h_artist");
    assert_string_equal(a.str[0], "%00");
}

static void test_long_segment(void **state)
{
    /* the arguments' strings have a bounded buffer: a segment past it does not match */
    char path[2048];
    int n = snprintf(path, sizeof path, "/api/artists/");
    memset(path + n, 'x', 1500);
    snprintf(path + n + 1500, sizeof path - (size_t)n - 1500, "/room");
    assert_int_equal(run('G', path, NULL, 0).status, 404);
    memset(path + n, 'y', 500);
    snprintf(path + n + 500, sizeof path - (size_t)n - 500, "/room");
    answer a = run('G', path, NULL, 0);
    assert_string_equal(a.handler, "h_artist");
}

static void test_405_allow(void **state)
{
    answer a = run('U', "/api/rooms", "alice", 0);
    assert_int_equal(a.status, 405);
    assert_int_equal(a.via_405, 1);
    assert_string_equal(a.allow, "GET, HEAD, POST");
    a = run('P', "/api/rooms/5", "alice", 0);
    assert_int_equal(a.status, 405);
    assert_string_equal(a.allow, "GET, HEAD, PATCH, DELETE");
    a = run('D', "/api/rooms/5/top-tracks", NULL, 0);
    assert_string_equal(a.allow, "GET, HEAD");
    a = run('G', "/api/library/rescan", NULL, 1);
    assert_string_equal(a.allow, "POST");
    /* HEAD is a GET without the body; it is not allowed where only POST is */
    assert_string_equal(run('H', "/api/rooms/5", NULL, 0).handler, "h_room");
    a = run('H', "/api/library/rescan", NULL, 1);
    assert_int_equal(a.status, 405);
    assert_string_equal(a.allow, "POST");
    /* an unknown method on a known path */
    a = run('?', "/api/me", "alice", 0);
    assert_int_equal(a.status, 405);
    assert_string_equal(a.allow, "GET, HEAD");
    /* 405 is decided before who may call: the method is wrong for everyone */
    assert_int_equal(run('D', "/api/admin/users", NULL, 0).status, 405);
}

static void test_405_without_hook(void **state)
{
    /* a request without reply_405 still gets a JSON 405 */
    sr_routes rs = table();
    answer an;
    memset(&an, 0, sizeof an);
    sr_rest q = {.method = 'D', .path = "/api/rooms", .reply = reply, .ctx = &an};
    sr_routes_dispatch(&rs, NULL, &auth, &q);
    assert_int_equal(an.status, 405);
    assert_string_equal(an.code, "method_not_allowed");
    sr_routes_free(&rs);
}

/* Regression: a method name that did not fit the Allow buffer was written in part and the
 * next ones after it ("GET, HEAD, POST, DE"). */
static void test_allow_no_half_names(void **state)
{
    /* every method on one path: Allow lists them all; a small buffer holds whole names only */
    static const sr_route all[] = {
        {"GET", "/x", SR_WHO_ANYONE, h_rooms, 0},    {"POST", "/x", SR_WHO_ANYONE, h_rooms, 0},
        {"PUT", "/x", SR_WHO_ANYONE, h_rooms, 0},    {"PATCH", "/x", SR_WHO_ANYONE, h_rooms, 0},
        {"DELETE", "/x", SR_WHO_ANYONE, h_rooms, 0},
    };
    sr_routes rs = {0};
    sr_routes_add(&rs, all, 5);
    sr_route_args a;
    int status = 0;
    char allow[64];
    assert_null(sr_routes_match(&rs, '?', "/x", &a, &status, allow, sizeof allow));
    assert_int_equal(status, 405);
    assert_string_equal(allow, "GET, HEAD, POST, PUT, PATCH, DELETE");
    char small[20];
    assert_null(sr_routes_match(&rs, '?', "/x", &a, &status, small, sizeof small));
    assert_string_equal(small, "GET, HEAD, POST");
    assert_null(sr_routes_match(&rs, '?', "/y", &a, &status, allow, sizeof allow));
    assert_int_equal(status, 404);
    assert_string_equal(allow, "");
    sr_routes_free(&rs);
}

static void test_who(void **state)
{
    answer a = run('P', "/api/rooms", NULL, 0);
    assert_int_equal(a.status, 401);
    assert_string_equal(a.code, "unauthenticated");
    assert_null(a.handler);
    a = run('P', "/api/rooms", "stranger", 0);
    assert_int_equal(a.status, 401);
    assert_string_equal(run('G', "/api/me", "alice", 0).handler, "h_me");

    a = run('G', "/api/admin/users", NULL, 0);
    assert_int_equal(a.status, 401);
    assert_string_equal(a.code, "unauthenticated");
    a = run('G', "/api/admin/users", "alice", 0);
    assert_int_equal(a.status, 403);
    assert_string_equal(a.code, "not_allowed");
    assert_null(a.handler);
    a = run('G', "/api/admin/users", "root", 0);
    assert_string_equal(a.handler, "h_admin");
    assert_int_equal(a.args.me, 1);

    a = run('P', "/api/library/rescan", "root", 0);
    assert_int_equal(a.status, 403);
    assert_string_equal(a.code, "forbidden");
    assert_null(a.handler);
    a = run('P', "/api/library/rescan", NULL, 1);
    assert_string_equal(a.handler, "h_rescan");
    assert_int_equal(a.args.me, 0);

    /* anyone: the handler still learns who is asking */
    assert_int_equal(run('G', "/api/rooms", "alice", 0).args.me, 7);
    assert_int_equal(run('G', "/api/rooms", NULL, 0).args.me, 0);
}

static void test_raw(void **state)
{
    sr_routes rs = table();
    assert_int_equal(sr_routes_raw(&rs, 'U', "/api/me/avatar"), 1);
    assert_int_equal(sr_routes_raw(&rs, 'P', "/api/me/avatar"), 0);
    assert_int_equal(sr_routes_raw(&rs, 'P', "/api/rooms"), 0);
    assert_int_equal(sr_routes_raw(&rs, 'U', "/nowhere"), 0);
    sr_routes_free(&rs);
}

static const char *arg(const char *query, const char *name, char *buf, size_t n)
{
    sr_rest q = {.query = query};
    return sr_rest_arg(&q, name, buf, n);
}

static void test_rest_arg(void **state)
{
    char b[64];
    assert_string_equal(arg("a=1&b=2", "a", b, sizeof b), "1");
    assert_string_equal(arg("a=1&b=2", "b", b, sizeof b), "2");
    assert_null(arg("a=1&b=2", "c", b, sizeof b));
    assert_null(arg(NULL, "a", b, sizeof b));
    assert_null(arg("", "a", b, sizeof b));
    /* a name is matched whole, not as a prefix of another */
    assert_null(arg("ab=1", "a", b, sizeof b));
    assert_string_equal(arg("ab=1&a=2", "a", b, sizeof b), "2");
    assert_string_equal(arg("xa=1&a=2", "a", b, sizeof b), "2");
    /* present without a value, or with an empty one */
    assert_string_equal(arg("a&b=2", "a", b, sizeof b), "");
    assert_string_equal(arg("a=&b=2", "a", b, sizeof b), "");
    /* the first of several */
    assert_string_equal(arg("a=1&a=2", "a", b, sizeof b), "1");
    /* empty pairs are skipped */
    assert_string_equal(arg("&&a=3&", "a", b, sizeof b), "3");
    /* a value holding '=' */
    assert_string_equal(arg("a=x=y", "a", b, sizeof b), "x=y");
}

static void test_rest_arg_decoding(void **state)
{
    char b[64];
    assert_string_equal(arg("q=Nina%20Simone", "q", b, sizeof b), "Nina Simone");
    assert_string_equal(arg("q=Nina+Simone", "q", b, sizeof b), "Nina Simone");
    assert_string_equal(arg("q=C%2B%2B", "q", b, sizeof b), "C++");
    assert_string_equal(arg("q=a%26b%3Dc", "q", b, sizeof b), "a&b=c");
    assert_string_equal(arg("q=%c3%a9t%C3%A9", "q", b, sizeof b), "\xc3\xa9t\xc3\xa9");
    /* '%' not followed by two hex digits stays as it is */
    assert_string_equal(arg("q=100%", "q", b, sizeof b), "100%");
    assert_string_equal(arg("q=100%2", "q", b, sizeof b), "100%2");
    assert_string_equal(arg("q=%zz", "q", b, sizeof b), "%zz");
    assert_string_equal(arg("q=%41", "q", b, sizeof b), "A");
    /* a NUL is refused: the argument reads as absent */
    assert_null(arg("q=a%00b", "q", b, sizeof b));
    /* a value that does not fit the buffer reads as absent, never cut short */
    char tiny[4];
    assert_string_equal(arg("q=abc", "q", tiny, sizeof tiny), "abc");
    assert_null(arg("q=abcd", "q", tiny, sizeof tiny));
    assert_null(arg("q=abc", "q", tiny, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal),
        cmocka_unit_test(test_id),
        cmocka_unit_test(test_name),
        cmocka_unit_test(test_name_not_decoded_twice),
        cmocka_unit_test(test_long_segment),
        cmocka_unit_test(test_405_allow),
        cmocka_unit_test(test_405_without_hook),
        cmocka_unit_test(test_allow_no_half_names),
        cmocka_unit_test(test_who),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_rest_arg),
        cmocka_unit_test(test_rest_arg_decoding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
