/* test_outbound.c - unit tests for util/outbound.c: which addresses a stream URL may lead to,
 * reading a URL's host the way a browser does, and the check on resolved names (only names
 * that resolve without a network: literals and localhost). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "util/outbound.h"

static int v4(const char *s)
{
    unsigned char a[4];
    if (inet_pton(AF_INET, s, a) != 1) fail_msg("not an IPv4 address: %s", s);
    return sr_outbound_private_v4(a);
}

static int v6(const char *s)
{
    unsigned char a[16];
    if (inet_pton(AF_INET6, s, a) != 1) fail_msg("not an IPv6 address: %s", s);
    return sr_outbound_private_v6(a);
}

static void test_v4(void **state)
{
    const char *refused[] = {
        "0.0.0.0",         "0.255.1.1",       "10.0.0.1",  "10.255.255.255",  "100.64.0.1",
        "100.127.255.254", "127.0.0.1",       "127.9.9.9", "169.254.169.254", "172.16.0.1",
        "172.31.255.255",  "192.168.1.1",     "192.0.0.8", "198.18.0.1",      "198.19.255.1",
        "224.0.0.1",       "239.255.255.250", "240.0.0.1", "255.255.255.255"};
    const char *allowed[] = {"8.8.8.8",         "1.1.1.1",         "100.63.255.255", "100.128.0.1",
                             "169.253.1.1",     "172.15.255.255",  "172.32.0.1",     "192.167.1.1",
                             "192.169.0.1",     "198.17.0.1",      "198.20.0.1",     "11.0.0.1",
                             "126.255.255.255", "223.255.255.255", "93.184.216.34"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        if (!v4(refused[i])) fail_msg("%s should be refused", refused[i]);
    for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
        if (v4(allowed[i])) fail_msg("%s should be allowed", allowed[i]);
}

static void test_v6(void **state)
{
    const char *refused[] = {"::",
                             "::1",
                             "fc00::1",
                             "fd12:3456::1",
                             "fe80::1",
                             "febf::1",
                             "fec0::1",
                             "ff02::1",
                             "::ffff:127.0.0.1",
                             "::ffff:10.1.2.3",
                             "::ffff:169.254.169.254",
                             "::ffff:100.64.0.1",
                             "::127.0.0.1",
                             "64:ff9b::10.0.0.1",
                             "64:ff9b::7f00:1",
                             "2002:c0a8:0101::1",
                             "2002:7f00:1::"};
    const char *allowed[] = {
        "2001:4860:4860::8888", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8",
        "2002:0808:0808::1",    "fbff::1",         "fe00::1"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        if (!v6(refused[i])) fail_msg("%s should be refused", refused[i]);
    for (size_t i = 0; i < sizeof allowed / sizeof *allowed; i++)
        if (v6(allowed[i])) fail_msg("%s should be allowed", allowed[i]);
}

static void host_is(const char *url, const char *want)
{
    char b[SR_OUTBOUND_HOST_MAX];
    int rc = sr_outbound_url_host(url, b, sizeof b);
    if (!want) {
        if (rc != SR_OUTBOUND_BAD) fail_msg("%s: want no host, got '%s'", url, b);
        return;
    }
    if (rc) fail_msg("%s: no host", url);
    assert_string_equal(b, want);
}

static void test_url_host(void **state)
{
    host_is("http://radio.example/live", "radio.example");
    host_is("https://Radio.Example:8443/live?x=1", "radio.example");
    host_is("http://radio.example", "radio.example");
    host_is("http://radio.example?q", "radio.example");
    host_is("http://radio.example#f", "radio.example");
    host_is("http://[::1]:8000/live", "::1");
    host_is("http://[fe80::1%25eth0]/", "fe80::1");
    host_is("http://%31%32%37.0.0.1/", "127.0.0.1"); /* a browser decodes it */
    host_is("http://LOCALHOST/", "localhost");
    host_is("http://u:p@10.0.0.1/", "10.0.0.1");
    host_is("http:///path", NULL);
    host_is("http://[::1/", NULL);
    host_is("http://a%2fb/", NULL); /* decodes to a '/' */
    host_is("http://a%00b/", NULL);
    host_is("no scheme", NULL);
    char small[4];
    assert_int_equal(sr_outbound_url_host("http://abcd/", small, sizeof small), SR_OUTBOUND_BAD);
    assert_int_equal(sr_outbound_url_host("http://abc/", small, sizeof small), 0);
}

static void test_check(void **state)
{
    /* loopback by name, by literal, by encoded literal, by shortened and hex forms */
    const char *refused[] = {
        "http://localhost:9/x", "http://LocalHost./",      "http://foo.localhost/",
        "http://127.0.0.1:1/",  "http://127.1/",           "http://2130706433/",
        "http://0x7f.0.0.1/",   "http://%31%32%37.0.0.1/", "http://10.1.2.3/",
        "http://[::1]:8000/",   "http://[::ffff:7f00:1]/", "http://169.254.169.254/latest",
        "http://0.0.0.0/",      "http://[fe80::1%25lo]/",  "http://100.64.1.1/"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        int v = sr_outbound_check_url(refused[i], 0);
        if (v != SR_OUTBOUND_PRIVATE && v != SR_OUTBOUND_UNKNOWN)
            fail_msg("%s should be refused, got %d", refused[i], v);
        if (sr_outbound_check_url(refused[i], 1) != SR_OUTBOUND_OK)
            fail_msg("%s should pass with allow_private", refused[i]);
    }
    /* the plain forms are certainly judged private, not merely unresolvable */
    assert_int_equal(sr_outbound_check_url("http://localhost/", 0), SR_OUTBOUND_PRIVATE);
    assert_int_equal(sr_outbound_check_url("http://127.0.0.1/", 0), SR_OUTBOUND_PRIVATE);
    assert_int_equal(sr_outbound_check_url("http://[::1]/", 0), SR_OUTBOUND_PRIVATE);
    assert_int_equal(sr_outbound_check_url("http://10.1.2.3/", 0), SR_OUTBOUND_PRIVATE);
    assert_int_equal(sr_outbound_check_url("http://127.1/", 0), SR_OUTBOUND_PRIVATE);
    /* public literals resolve without a network */
    assert_int_equal(sr_outbound_check_url("http://8.8.8.8/", 0), SR_OUTBOUND_OK);
    assert_int_equal(sr_outbound_check_url("https://[2001:4860:4860::8888]:443/", 0),
                     SR_OUTBOUND_OK);
    /* a name that can never resolve */
    assert_int_equal(sr_outbound_check_url("http://nowhere.invalid/", 0), SR_OUTBOUND_UNKNOWN);
    assert_int_equal(sr_outbound_check_url("http:///", 0), SR_OUTBOUND_BAD);
    assert_int_equal(sr_outbound_check_url("http:///", 1), SR_OUTBOUND_BAD);
    assert_string_equal(sr_outbound_code(SR_OUTBOUND_PRIVATE), "private_address");
    assert_string_equal(sr_outbound_code(SR_OUTBOUND_UNKNOWN), "unknown_host");
    assert_null(sr_outbound_code(SR_OUTBOUND_OK));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v4),
        cmocka_unit_test(test_v6),
        cmocka_unit_test(test_url_host),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
