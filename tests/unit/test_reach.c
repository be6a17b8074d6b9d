/* test_reach.c - unit tests for net/reach.c: parsing --public-url and --trusted-proxies, the
 * client address behind proxies, loopback, X-Forwarded-Proto and the Origin check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "net/reach.h"

static sr_reach *mk(const char *url, const char *trusted)
{
    sr_reach *r;
    char err[200];
    if (sr_reach_new(url, trusted, NULL, &r, err, sizeof err)) fail_msg("%s", err);
    return r;
}

static int bad(const char *url, const char *trusted)
{
    sr_reach *r = (sr_reach *)1;
    char err[200] = "";
    int rc = sr_reach_new(url, trusted, NULL, &r, err, sizeof err);
    if (rc) {
        assert_null(r);
        assert_true(err[0] != 0);
    }
    sr_reach_free(rc ? NULL : r);
    return rc != 0;
}

static void test_public_url(void **state)
{
    static const struct {
        const char *in, *want;
    } ok[] = {
        {"https://listen.example.com", "https://listen.example.com"},
        {"https://listen.example.com/", "https://listen.example.com"},
        {"HTTPS://Listen.Example.COM:443/", "https://listen.example.com"},
        {"http://example.com:80", "http://example.com"},
        {"http://example.com:8080/sr/", "http://example.com:8080/sr"},
        {"https://example.com/a/b//", "https://example.com/a/b"},
        {"http://192.0.2.1:9000", "http://192.0.2.1:9000"},
        {"https://[2001:db8::1]:8443/x", "https://[2001:db8::1]:8443/x"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        sr_reach *r = mk(ok[i].in, NULL);
        assert_string_equal(sr_reach_configured_url(r), ok[i].want);
        sr_reach_free(r);
    }
    sr_reach *none = mk(NULL, NULL);
    assert_null(sr_reach_configured_url(none));
    sr_reach_free(none);
    none = mk("", NULL);
    assert_null(sr_reach_configured_url(none));
    sr_reach_free(none);
    static const char *refused[] = {
        "example.com",      "ftp://example.com",   "https://",          "https://:443",
        "https://x.com:0",  "https://x.com:99999", "https://x.com:abc", "https://x.com?a=1",
        "https://x.com/#f", "https://user@x.com",  "https://[::1",      "https://x.com/a b",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (!bad(refused[i], NULL)) fail_msg("accepted --public-url '%s'", refused[i]);
}

static void test_trusted_parse(void **state)
{
    sr_reach *r = mk(NULL, " 127.0.0.1 , 10.0.0.0/8,192.168.1.7/32, ::1, fd00::/8, 172.16.5.9/12");
    assert_true(sr_reach_trusted(r, "127.0.0.1"));
    assert_false(sr_reach_trusted(r, "127.0.0.2"));
    assert_true(sr_reach_trusted(r, "10.255.1.2"));
    assert_false(sr_reach_trusted(r, "11.0.0.1"));
    assert_true(sr_reach_trusted(r, "192.168.1.7"));
    assert_false(sr_reach_trusted(r, "192.168.1.8"));
    assert_true(sr_reach_trusted(r, "::1"));
    assert_true(sr_reach_trusted(r, "fdab:1::2"));
    assert_false(sr_reach_trusted(r, "fe80::1"));
    /* the host bits of a CIDR are ignored: 172.16.5.9/12 is 172.16.0.0/12 */
    assert_true(sr_reach_trusted(r, "172.31.255.255"));
    assert_false(sr_reach_trusted(r, "172.32.0.1"));
    /* an IPv4 peer written the IPv6 way is the same peer */
    assert_true(sr_reach_trusted(r, "::ffff:10.1.2.3"));
    assert_false(sr_reach_trusted(r, "not an address"));
    assert_false(sr_reach_trusted(r, NULL));
    sr_reach_free(r);

    r = mk(NULL, "0.0.0.0/0");
    assert_true(sr_reach_trusted(r, "203.0.113.9"));
    assert_false(sr_reach_trusted(r, "2001:db8::1"));
    sr_reach_free(r);
    r = mk(NULL, "::/0");
    assert_true(sr_reach_trusted(r, "2001:db8::1"));
    assert_true(sr_reach_trusted(r, "203.0.113.9"));
    sr_reach_free(r);

    static const char *refused[] = {"10.0.0.0/33", "::1/129",          "10.0.0.0/",  "10.0.0/8",
                                    "localhost",   "1.2.3.4,,5.6.7.8", "1.2.3.4/-1", ","};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (!bad(NULL, refused[i])) fail_msg("accepted --trusted-proxies '%s'", refused[i]);
    /* no proxies at all is fine */
    r = mk(NULL, "");
    assert_false(sr_reach_trusted(r, "127.0.0.1"));
    sr_reach_free(r);
}

static const char *client(const sr_reach *r, const char *peer, const char *xff)
{
    static char out[64];
    sr_reach_client_addr(r, peer, xff, out, sizeof out);
    return out;
}

static void test_client_addr(void **state)
{
    sr_reach *none = mk(NULL, NULL);
    /* no trusted proxy: the header is anyone's to forge, the peer is the client */
    assert_string_equal(client(none, "203.0.113.7", NULL), "203.0.113.7");
    assert_string_equal(client(none, "203.0.113.7", "1.1.1.1"), "203.0.113.7");
    assert_string_equal(client(none, "127.0.0.1", "1.1.1.1"), "127.0.0.1");
    assert_string_equal(client(NULL, "127.0.0.1", "1.1.1.1"), "127.0.0.1");
    sr_reach_free(none);

    sr_reach *r = mk(NULL, "127.0.0.1, 10.0.0.0/8");
    /* an untrusted peer's header is ignored */
    assert_string_equal(client(r, "203.0.113.7", "1.1.1.1"), "203.0.113.7");
    /* a trusted peer: the right-most address that is not a trusted proxy */
    assert_string_equal(client(r, "127.0.0.1", "198.51.100.4"), "198.51.100.4");
    assert_string_equal(client(r, "127.0.0.1", "6.6.6.6, 198.51.100.4"), "198.51.100.4");
    assert_string_equal(client(r, "127.0.0.1", "6.6.6.6, 198.51.100.4, 10.1.1.1"), "198.51.100.4");
    /* every hop trusted: the left-most */
    assert_string_equal(client(r, "127.0.0.1", "10.9.9.9, 10.1.1.1"), "10.9.9.9");
    /* ports and brackets, blanks, IPv6, several headers joined by lws */
    assert_string_equal(client(r, "127.0.0.1", "198.51.100.4:5123"), "198.51.100.4");
    assert_string_equal(client(r, "127.0.0.1", "[2001:db8::7]:443"), "2001:db8::7");
    assert_string_equal(client(r, "127.0.0.1", "  2001:DB8::7 "), "2001:db8::7");
    assert_string_equal(client(r, "127.0.0.1", "1.1.1.1,  2.2.2.2"), "2.2.2.2");
    /* a header that does not parse where it matters gives the proxy itself */
    assert_string_equal(client(r, "127.0.0.1", "unknown"), "127.0.0.1");
    assert_string_equal(client(r, "127.0.0.1", "1.1.1.1, garbage"), "127.0.0.1");
    assert_string_equal(client(r, "127.0.0.1", ""), "127.0.0.1");
    assert_string_equal(client(r, "127.0.0.1", ","), "127.0.0.1");
    assert_string_equal(client(r, "127.0.0.1", "?"), "127.0.0.1");
    /* what lies left of the client is not read */
    assert_string_equal(client(r, "127.0.0.1", "garbage, 198.51.100.4"), "198.51.100.4");
    /* the peer is normalised too */
    assert_string_equal(client(r, "::ffff:203.0.113.7", NULL), "203.0.113.7");
    sr_reach_free(r);
}

static void test_loopback(void **state)
{
    sr_reach *none = mk(NULL, NULL);
    assert_true(sr_reach_loopback(none, "127.0.0.1", NULL));
    assert_true(sr_reach_loopback(none, "127.8.9.1", NULL));
    assert_true(sr_reach_loopback(none, "::1", NULL));
    assert_true(sr_reach_loopback(none, "::ffff:127.0.0.1", NULL));
    assert_false(sr_reach_loopback(none, "10.0.0.1", NULL));
    assert_false(sr_reach_loopback(NULL, "10.0.0.1", NULL));
    /* a local proxy that was not declared: someone may stand behind it */
    assert_false(sr_reach_loopback(none, "127.0.0.1", "127.0.0.1"));
    assert_false(sr_reach_loopback(none, "127.0.0.1", "203.0.113.7"));
    sr_reach_free(none);

    sr_reach *r = mk(NULL, "127.0.0.1");
    assert_true(sr_reach_loopback(r, "127.0.0.1", NULL));
    assert_false(sr_reach_loopback(r, "127.0.0.1", "203.0.113.7"));
    assert_true(sr_reach_loopback(r, "127.0.0.1", "127.0.0.1"));
    assert_false(sr_reach_loopback(r, "127.0.0.1", "junk"));
    sr_reach_free(r);
    /* a trusted proxy elsewhere does not make its clients local */
    r = mk(NULL, "10.0.0.0/8");
    assert_false(sr_reach_loopback(r, "10.0.0.2", "127.0.0.1"));
    sr_reach_free(r);
}

static void test_https(void **state)
{
    sr_reach *r = mk(NULL, "127.0.0.1");
    assert_true(sr_reach_is_https(r, "127.0.0.1", "https"));
    assert_true(sr_reach_is_https(r, "127.0.0.1", " HTTPS , http"));
    assert_false(sr_reach_is_https(r, "127.0.0.1", "http"));
    assert_false(sr_reach_is_https(r, "127.0.0.1", NULL));
    assert_false(sr_reach_is_https(r, "127.0.0.1", "httpsx"));
    assert_false(sr_reach_is_https(r, "203.0.113.7", "https"));
    sr_reach_free(r);
    assert_false(sr_reach_is_https(NULL, "127.0.0.1", "https"));
}

static void test_origin(void **state)
{
    const char *allow[] = {"http://friend.example", NULL};
    sr_reach *r;
    char err[100];
    assert_int_equal(sr_reach_new("https://listen.example.com", NULL, allow, &r, err, sizeof err),
                     0);
    /* not a browser */
    assert_true(sr_reach_origin_ok(r, NULL, "x", 0));
    /* the public URL's origin: scheme, host and port, default ports implied */
    assert_true(sr_reach_origin_ok(r, "https://listen.example.com", "10.0.0.5:8080", 0));
    assert_true(sr_reach_origin_ok(r, "https://LISTEN.example.com:443", "10.0.0.5:8080", 0));
    assert_false(sr_reach_origin_ok(r, "http://listen.example.com", "10.0.0.5:8080", 0));
    assert_false(sr_reach_origin_ok(r, "https://listen.example.com:8443", "10.0.0.5:8080", 0));
    assert_false(sr_reach_origin_ok(r, "https://listen.example.com.evil.io", "10.0.0.5:8080", 0));
    assert_false(sr_reach_origin_ok(r, "https://evil.io", "10.0.0.5:8080", 0));
    assert_false(sr_reach_origin_ok(r, "null", "10.0.0.5:8080", 0));
    /* the request's own Host, as before */
    assert_true(sr_reach_origin_ok(r, "http://10.0.0.5:8080", "10.0.0.5:8080", 0));
    assert_false(sr_reach_origin_ok(r, "http://10.0.0.5:8081", "10.0.0.5:8080", 0));
    assert_false(sr_reach_origin_ok(r, "http://evil.io", "", 0));
    assert_false(sr_reach_origin_ok(r, "http://evil.io", NULL, 0));
    /* --allow-origin, exactly */
    assert_true(sr_reach_origin_ok(r, "http://friend.example", "10.0.0.5:8080", 0));
    assert_false(sr_reach_origin_ok(r, "https://friend.example", "10.0.0.5:8080", 0));
    sr_reach_free(r);

    r = mk("http://party.local:8080/sr", NULL);
    assert_true(sr_reach_origin_ok(r, "http://party.local:8080", "127.0.0.1:8080", 0));
    assert_false(sr_reach_origin_ok(r, "http://party.local", "127.0.0.1:8080", 0));
    sr_reach_free(r);
    /* no configuration: own host only */
    assert_true(sr_reach_origin_ok(NULL, "http://127.0.0.1:8080", "127.0.0.1:8080", 0));
    assert_false(sr_reach_origin_ok(NULL, "http://evil.io", "127.0.0.1:8080", 0));
    /* regression: the own-host check compared only what follows "://", so an http page of the
     * same host could act on the https site; the scheme is the one the client used */
    assert_false(sr_reach_origin_ok(NULL, "https://127.0.0.1:8080", "127.0.0.1:8080", 0));
    assert_true(sr_reach_origin_ok(NULL, "https://chat.example", "chat.example", 1));
    assert_false(sr_reach_origin_ok(NULL, "http://chat.example", "chat.example", 1));
    assert_false(sr_reach_origin_ok(NULL, "ftp://chat.example", "chat.example", 0));
    assert_false(sr_reach_origin_ok(NULL, "chat.example", "chat.example", 0));
}

static void test_base_url(void **state)
{
    char b[64];
    sr_reach *r = mk("https://listen.example.com/sr/", NULL);
    assert_string_equal(sr_reach_public_url(r, "10.0.0.5", 0, b, sizeof b),
                        "https://listen.example.com/sr");
    sr_reach_free(r);
    r = mk(NULL, NULL);
    assert_string_equal(sr_reach_public_url(r, "10.0.0.5:8080", 0, b, sizeof b),
                        "http://10.0.0.5:8080");
    assert_string_equal(sr_reach_public_url(r, "example.com", 1, b, sizeof b),
                        "https://example.com");
    assert_null(sr_reach_public_url(r, NULL, 0, b, sizeof b));
    assert_null(sr_reach_public_url(r, "", 0, b, sizeof b));
    assert_null(sr_reach_public_url(r, "evil.io/path", 0, b, sizeof b));
    assert_null(sr_reach_public_url(r, "a.example.com", 0, b, 10)); /* does not fit */
    sr_reach_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_public_url),  cmocka_unit_test(test_trusted_parse),
        cmocka_unit_test(test_client_addr), cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_https),       cmocka_unit_test(test_origin),
        cmocka_unit_test(test_base_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
