/* test_playlist.c - unit tests for the M3U, PLS and XSPF parsers (src/source/playlist.c):
 * hand-written playlists, as real players write them and as they go wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "source/playlist.h"
#include "util/util.h"

/* Parses s (a C string) with fmt; asserts success and returns the playlist. */
static sr_playlist ok(sr_pl_format fmt, const char *s)
{
    sr_playlist pl = {0};
    sr_pl_err err = {0};
    int rc = sr_playlist_parse(fmt, s, strlen(s), &pl, &err);
    if (rc) fail_msg("parse failed: %s at %zu", err.msg, err.pos);
    assert_int_equal(err.code, SR_PL_OK);
    return pl;
}

/* Parses s with fmt; asserts failure with code at pos. */
static void bad(sr_pl_format fmt, const char *s, size_t len, sr_pl_code code, size_t pos)
{
    sr_playlist pl = {0};
    sr_pl_err err = {0};
    assert_int_equal(sr_playlist_parse(fmt, s, len, &pl, &err), SR_EINVAL);
    assert_int_equal(err.code, code);
    assert_non_null(err.msg);
    assert_int_equal(err.pos, pos);
    assert_int_equal(pl.n, 0);
    assert_null(pl.v);
}

static void m3u_extinf(void **state)
{
    (void)state;
    sr_playlist pl =
        ok(SR_PL_M3U, "#EXTM3U\n"
                      "#PLAYLIST:Road trip\n"
                      "#EXTINF:214,The Beatles - Don't Let Me Down\n"
                      "Beatles/Let It Be/04 Don't Let Me Down.flac\n"
                      "#EXTINF:-1 tvg-name=\"Radio, One\" tvg-logo=\"x.png\",Radio One\n"
                      "http://radio.example/one.mp3\n"
                      "#EXTINF:3.5,\n"
                      "/abs/path.ogg\n");
    assert_int_equal(pl.n, 3);
    assert_string_equal(pl.title, "Road trip");
    assert_string_equal(pl.v[0].location, "Beatles/Let It Be/04 Don't Let Me Down.flac");
    assert_string_equal(pl.v[0].artist, "The Beatles");
    assert_string_equal(pl.v[0].title, "Don't Let Me Down");
    assert_int_equal(pl.v[0].duration_ms, 214000);
    /* a comma inside a quoted attribute does not end the attributes; -1 is a live stream */
    assert_string_equal(pl.v[1].location, "http://radio.example/one.mp3");
    assert_null(pl.v[1].artist);
    assert_string_equal(pl.v[1].title, "Radio One");
    assert_int_equal(pl.v[1].duration_ms, 0);
    assert_null(pl.v[2].title);
    assert_int_equal(pl.v[2].duration_ms, 3500);
    sr_playlist_clear(&pl);
    assert_null(pl.v);
}

static void m3u_plain_relative_comments(void **state)
{
    (void)state;
    /* no header, blank lines, comments, paths with spaces, Windows separators kept as written */
    sr_playlist pl = ok(SR_PL_M3U, "# my mix\n\n  a song.mp3  \n#EXTGRP:rock\n..\\up\\b.ogg\n\n");
    assert_int_equal(pl.n, 2);
    assert_string_equal(pl.v[0].location, "a song.mp3");
    assert_null(pl.v[0].title);
    assert_int_equal(pl.v[0].duration_ms, 0);
    assert_string_equal(pl.v[1].location, "..\\up\\b.ogg");
    assert_int_equal(pl.v[0].pos, 12);
    sr_playlist_clear(&pl);
}

static void m3u_bom_crlf_cr(void **state)
{
    (void)state;
    sr_playlist pl =
        ok(SR_PL_M3U, "\xEF\xBB\xBF#EXTM3U\r\n#EXTINF:10,A - B\r\none.mp3\r\ntwo.mp3\rthree.mp3");
    assert_int_equal(pl.n, 3);
    assert_string_equal(pl.v[0].location, "one.mp3");
    assert_string_equal(pl.v[0].artist, "A");
    assert_string_equal(pl.v[0].title, "B");
    assert_string_equal(pl.v[1].location, "two.mp3");
    assert_null(pl.v[1].title); /* #EXTINF describes only the next location */
    assert_string_equal(pl.v[2].location, "three.mp3");
    sr_playlist_clear(&pl);
}

static void m3u_latin1_and_utf8(void **state)
{
    (void)state;
    /* an old .m3u in Latin-1: "Björk" with 0xF6 */
    sr_playlist pl = ok(SR_PL_M3U, "#EXTINF:1,Bj\xF6rk - J\xF3ga\nj\xF3ga.mp3\nh\xC3\xA9.mp3\n");
    assert_int_equal(pl.n, 2);
    assert_string_equal(pl.v[0].artist, "Bj\xC3\xB6rk");
    assert_string_equal(pl.v[0].title, "J\xC3\xB3ga");
    assert_string_equal(pl.v[0].location, "j\xC3\xB3ga.mp3");
    assert_string_equal(pl.v[1].location, "h\xC3\xA9.mp3"); /* valid UTF-8 stays as it is */
    sr_playlist_clear(&pl);
}

static void m3u_empty_and_bad(void **state)
{
    (void)state;
    sr_playlist pl = ok(SR_PL_M3U, "");
    assert_int_equal(pl.n, 0);
    pl = ok(SR_PL_M3U, "#EXTM3U\n#EXTINF:5,dangling\n");
    assert_int_equal(pl.n, 0);
    bad(SR_PL_M3U, "a.mp3\nb\0.mp3\n", 14, SR_PL_EBINARY, 7);
    char *big = malloc(5000);
    memset(big, 'x', 4999);
    big[0] = '\n';
    big[4999] = 0;
    bad(SR_PL_M3U, big, strlen(big), SR_PL_ELIMIT, 1);
    free(big);
}

static void m3u_too_many(void **state)
{
    (void)state;
    size_t n = (SR_PL_MAX_ENTRIES + 1) * 2;
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i += 2)
        s[i] = 'a', s[i + 1] = '\n';
    s[n] = 0;
    bad(SR_PL_M3U, s, n, SR_PL_ELIMIT, (size_t)SR_PL_MAX_ENTRIES * 2);
    free(s);
}

static void pls_basic(void **state)
{
    (void)state;
    sr_playlist pl = ok(SR_PL_PLS, "\xEF\xBB\xBF[playlist]\r\n"
                                   "; a comment\r\n"
                                   "NumberOfEntries=3\r\n"
                                   "File2=http://radio.example:8000/stream\r\n"
                                   "Title2=Night Radio\r\n"
                                   "Length2=-1\r\n"
                                   "File1 = Tide Pool/two.flac\r\n"
                                   "Title1=Tide Pool - Glass Harbour\r\n"
                                   "Length1=6\r\n"
                                   "Title3=orphan title\r\n"
                                   "Version=2\r\n");
    assert_int_equal(pl.n, 2);
    assert_string_equal(pl.v[0].location, "Tide Pool/two.flac"); /* in N order */
    assert_string_equal(pl.v[0].artist, "Tide Pool");
    assert_string_equal(pl.v[0].title, "Glass Harbour");
    assert_int_equal(pl.v[0].duration_ms, 6000);
    assert_string_equal(pl.v[1].location, "http://radio.example:8000/stream");
    assert_string_equal(pl.v[1].title, "Night Radio");
    assert_int_equal(pl.v[1].duration_ms, 0);
    sr_playlist_clear(&pl);
}

static void pls_sections_and_case(void **state)
{
    (void)state;
    /* keys of other sections are ignored; key names in any case; the last File1 wins */
    sr_playlist pl = ok(SR_PL_PLS, "[other]\nFile1=nope.mp3\n[PlayList]\nfile1=a.mp3\nFILE1=b.mp3\n"
                                   "File10=c.mp3\nFile9=d.mp3\nFileX=ignored\n");
    assert_int_equal(pl.n, 3);
    assert_string_equal(pl.v[0].location, "b.mp3");
    assert_string_equal(pl.v[1].location, "d.mp3");
    assert_string_equal(pl.v[2].location, "c.mp3");
    sr_playlist_clear(&pl);
}

static void pls_bad(void **state)
{
    (void)state;
    const char *s1 = "File1=a.mp3\n";
    bad(SR_PL_PLS, s1, strlen(s1), SR_PL_EFORMAT, 0);
    const char *s2 = "[playlist]\nFile1=a.mp3\njust words\n";
    bad(SR_PL_PLS, s2, strlen(s2), SR_PL_ESYNTAX, 23);
    const char *s3 = "[playlist\nFile1=a\n";
    bad(SR_PL_PLS, s3, strlen(s3), SR_PL_ESYNTAX, 0);
    const char *s4 = "# only a comment\n";
    bad(SR_PL_PLS, s4, strlen(s4), SR_PL_EFORMAT, 0);
    bad(SR_PL_PLS, "[playlist]\n\0", 12, SR_PL_EBINARY, 11);
}

static void xspf_basic(void **state)
{
    (void)state;
    sr_playlist pl =
        ok(SR_PL_XSPF, "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
                       "<!-- exported -->\n"
                       "<playlist version=\"1\" xmlns=\"http://xspf.org/ns/0/\">\n"
                       "  <title>Shore &amp; Sea</title>\n"
                       "  <trackList>\n"
                       "    <track>\n"
                       "      <location>file:///music/Tide%20Pool/two.flac</location>\n"
                       "      <location>http://mirror/two.flac</location>\n"
                       "      <title>Glass Harbour</title><creator>Tide Pool</creator>\n"
                       "      <album><![CDATA[Low <Water>]]></album>\n"
                       "      <duration>6000</duration>\n"
                       "      <extension application=\"x\"><title>not mine</title></extension>\n"
                       "    </track>\n"
                       "    <track><title>no location</title></track>\n"
                       "    <track><location>caf&#xE9;&#233;.ogg</location></track>\n"
                       "  </trackList>\n"
                       "</playlist>\n");
    assert_string_equal(pl.title, "Shore & Sea");
    assert_int_equal(pl.n, 2);
    assert_string_equal(pl.v[0].location, "file:///music/Tide%20Pool/two.flac");
    assert_string_equal(pl.v[0].title, "Glass Harbour");
    assert_string_equal(pl.v[0].artist, "Tide Pool");
    assert_string_equal(pl.v[0].album, "Low <Water>");
    assert_int_equal(pl.v[0].duration_ms, 6000);
    assert_string_equal(pl.v[1].location, "caf\xC3\xA9\xC3\xA9.ogg");
    sr_playlist_clear(&pl);
}

static void xspf_prefixed_namespace(void **state)
{
    (void)state;
    sr_playlist pl = ok(SR_PL_XSPF, "<x:playlist xmlns:x='http://xspf.org/ns/0/'><x:trackList>"
                                    "<x:track><x:location>a.mp3</x:location></x:track>"
                                    "</x:trackList></x:playlist>");
    assert_int_equal(pl.n, 1);
    assert_string_equal(pl.v[0].location, "a.mp3");
    sr_playlist_clear(&pl);
    pl = ok(SR_PL_XSPF, "<playlist/>");
    assert_int_equal(pl.n, 0);
}

static void xspf_bad(void **state)
{
    (void)state;
    struct {
        const char *s;
        sr_pl_code code;
        size_t pos;
    } cases[] = {
        {"<html><body/></html>", SR_PL_EFORMAT, 0},
        {"<playlist><trackList></playlist>", SR_PL_ESYNTAX, 21},
        {"<playlist><trackList>", SR_PL_ESYNTAX, 21},
        {"<!DOCTYPE x [<!ENTITY a 'b'>]><playlist/>", SR_PL_ESYNTAX, 0},
        {"<playlist><title>a &bogus; b</title></playlist>", SR_PL_ESYNTAX, 19},
        {"<playlist><title>&#0;</title></playlist>", SR_PL_ESYNTAX, 17},
        {"<playlist a=b/>", SR_PL_ESYNTAX, 12},
        {"<playlist/><playlist/>", SR_PL_ESYNTAX, 11},
        {"junk<playlist/>", SR_PL_ESYNTAX, 0},
        {"<playlist><!-- open", SR_PL_ESYNTAX, 10},
        {"<playlist><![CDATA[x</playlist>", SR_PL_ESYNTAX, 10},
        {"<playlist>< /playlist>", SR_PL_ESYNTAX, 10},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        bad(SR_PL_XSPF, cases[i].s, strlen(cases[i].s), cases[i].code, cases[i].pos);
    /* nesting deeper than the limit */
    char deep[SR_PL_MAX_DEPTH * 3 + 16] = "";
    for (int i = 0; i <= SR_PL_MAX_DEPTH; i++)
        strcat(deep, i ? "<a>" : "<playlist>");
    bad(SR_PL_XSPF, deep, strlen(deep), SR_PL_ELIMIT, 10 + 3 * (SR_PL_MAX_DEPTH - 1));
}

static void detect(void **state)
{
    (void)state;
    assert_int_equal(sr_playlist_detect("x", 1, "mix.PLS"), SR_PL_PLS);
    assert_int_equal(sr_playlist_detect("x", 1, "mix.m3u8"), SR_PL_M3U);
    assert_int_equal(sr_playlist_detect("x", 1, "mix.xspf"), SR_PL_XSPF);
    assert_int_equal(sr_playlist_detect("\xEF\xBB\xBF  <?xml?><playlist/>", 25, NULL), SR_PL_XSPF);
    assert_int_equal(sr_playlist_detect("\r\n[Playlist]\r\nFile1=a", 21, "no-ext"), SR_PL_PLS);
    assert_int_equal(sr_playlist_detect("#EXTM3U\n", 8, NULL), SR_PL_M3U);
    assert_int_equal(sr_playlist_detect("", 0, NULL), SR_PL_M3U);
    assert_int_equal(sr_playlist_format_parse("M3U8"), SR_PL_M3U);
    assert_int_equal(sr_playlist_format_parse("wpl"), SR_PL_AUTO);
    assert_string_equal(sr_playlist_format_name(SR_PL_XSPF), "xspf");
    /* auto: the same bytes parse as what they are */
    sr_playlist pl = ok(SR_PL_AUTO, "[playlist]\nFile1=a.mp3\n");
    assert_int_equal(pl.n, 1);
    assert_string_equal(pl.v[0].location, "a.mp3");
    sr_playlist_clear(&pl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(m3u_extinf),
        cmocka_unit_test(m3u_plain_relative_comments),
        cmocka_unit_test(m3u_bom_crlf_cr),
        cmocka_unit_test(m3u_latin1_and_utf8),
        cmocka_unit_test(m3u_empty_and_bad),
        cmocka_unit_test(m3u_too_many),
        cmocka_unit_test(pls_basic),
        cmocka_unit_test(pls_sections_and_case),
        cmocka_unit_test(pls_bad),
        cmocka_unit_test(xspf_basic),
        cmocka_unit_test(xspf_prefixed_namespace),
        cmocka_unit_test(xspf_bad),
        cmocka_unit_test(detect),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
