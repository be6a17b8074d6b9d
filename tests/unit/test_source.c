/* test_source.c - unit tests for the local source (src/source/): fixtures made with ffmpeg. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source/source.h"
#include "util/util.h"

/* The fixture tree, made once for the group:
 *   base/lib/                      the library root
 *     tagged.ogg                   Vorbis, 3.0 s, stream-level title/artist/album
 *     cover.mp3                    MP3, 2.5 s, ID3v2 tags and an attached JPEG
 *     Untitled Song.WAV            PCM, 1.5 s, no tags: title from the file name
 *     empty.mp3                    zero bytes
 *     garbage.flac                 text, not FLAC
 *     truncated.flac               the first 60 bytes of a real FLAC
 *     notes.txt                    not audio: ignored silently
 *     .hidden.ogg                  a dotfile: ignored
 *     sub/deeper/voice.opus        Opus, 2.2 s, stream-level title only
 *     sub/png.flac                 FLAC, 2.0 s, attached PNG, container tags
 *     sub/loop -> ..               a symlink loop inside the root: not walked twice
 *     out -> ../outside            a symlinked directory outside the root: not walked
 *   base/outside/escaped.ogg       must never be reported
 */
typedef struct fixture {
    char base[64];
    char lib[128];
    sr_track_meta *tracks;
    size_t ntracks;
    int scan_result;
    char *log; /* what the scan wrote to stderr */
} fixture;

static const char *FF = "ffmpeg -hide_banner -loglevel error -nostdin -y";

static void sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int rc = system(cmd);
    if (rc != 0) {
        fprintf(stderr, "fixture command failed (%d): %s\n", rc, cmd);
        abort();
    }
}

static void collect(const sr_track_meta *m, void *ud)
{
    fixture *f = ud;
    sr_track_meta *n = realloc(f->tracks, (f->ntracks + 1) * sizeof *n);
    assert_non_null(n);
    f->tracks = n;
    sr_track_meta *c = &f->tracks[f->ntracks++];
    memset(c, 0, sizeof *c);
    c->path = strdup(m->path);
    c->title = m->title ? strdup(m->title) : NULL;
    c->artist = m->artist ? strdup(m->artist) : NULL;
    c->album = m->album ? strdup(m->album) : NULL;
    c->duration_ms = m->duration_ms;
    c->has_cover = m->has_cover;
    c->mtime = m->mtime;
    c->size = m->size;
}

static char *read_all(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    long n;
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    rewind(fp);
    buf = calloc(1, (size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    return buf;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char logpath[200], img[200];
    int saved, fd;

    if (system("ffmpeg -hide_banner -version >/dev/null 2>&1") != 0) {
        fprintf(stderr, "test_source: ffmpeg is required to make the fixtures (apt-get install "
                        "ffmpeg); failing\n");
        return -1;
    }
    snprintf(f->base, sizeof f->base, "/tmp/sr-test-source-XXXXXX");
    if (!mkdtemp(f->base)) return -1;
    snprintf(f->lib, sizeof f->lib, "%s/lib", f->base);
    const char *b = f->base, *l = f->lib;
    sh("mkdir -p '%s/sub/deeper' '%s/outside'", l, b);

    sh("%s -f lavfi -i sine=frequency=440:duration=3:sample_rate=44100 -c:a libvorbis "
       "-metadata:s:a:0 title='Ogg Title' -metadata:s:a:0 artist='Ogg Artist' "
       "-metadata:s:a:0 album='Ogg Album' '%s/tagged.ogg'",
       FF, l);
    snprintf(img, sizeof img, "%s/c.jpg", b);
    sh("%s -f lavfi -i color=c=red:s=64x64:d=1 -frames:v 1 '%s'", FF, img);
    sh("%s -f lavfi -i sine=frequency=330:duration=2.5:sample_rate=44100 -i '%s' -map 0:a "
       "-map 1:v -c:a libmp3lame -b:a 64k -c:v copy -disposition:v attached_pic "
       "-id3v2_version 3 -metadata title='Mp3 Title' -metadata artist='Mp3 Artist' "
       "-metadata album='Mp3 Album' '%s/cover.mp3'",
       FF, img, l);
    snprintf(img, sizeof img, "%s/c.png", b);
    sh("%s -f lavfi -i testsrc=s=32x32:d=1 -frames:v 1 '%s'", FF, img);
    sh("%s -f lavfi -i sine=frequency=550:duration=2:sample_rate=44100 -i '%s' -map 0:a "
       "-map 1:v -c:a flac -c:v copy -disposition:v attached_pic -metadata title='Flac Title' "
       "-metadata artist='Flac Artist' -metadata album='Flac Album' '%s/sub/png.flac'",
       FF, img, l);
    sh("%s -f lavfi -i sine=frequency=660:duration=2.2:sample_rate=48000 -c:a libopus "
       "-metadata:s:a:0 title='Opus Title' '%s/sub/deeper/voice.opus'",
       FF, l);
    sh("%s -f lavfi -i sine=frequency=220:duration=1.5:sample_rate=22050 -map_metadata -1 "
       "-fflags +bitexact '%s/Untitled Song.WAV'",
       FF, l);
    sh(": > '%s/empty.mp3'", l);
    sh("printf 'this is not a flac file at all\\n%%.0s' $(seq 50) > '%s/garbage.flac'", l);
    sh("head -c 60 '%s/sub/png.flac' > '%s/truncated.flac'", l, l);
    sh("echo hello > '%s/notes.txt'", l);
    sh("cp '%s/tagged.ogg' '%s/.hidden.ogg'", l, l);
    sh("cp '%s/tagged.ogg' '%s/outside/escaped.ogg'", l, b);
    sh("ln -s .. '%s/sub/loop'", l);
    sh("ln -s ../outside '%s/out'", l);

    /* scan once, with stderr captured */
    snprintf(logpath, sizeof logpath, "%s/scan.log", b);
    fflush(stderr);
    saved = dup(2);
    fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (saved < 0 || fd < 0) return -1;
    dup2(fd, 2);
    close(fd);
    f->scan_result = sr_source_local.scan(f->lib, collect, f);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    f->log = read_all(logpath);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (!f) return 0;
    for (size_t i = 0; i < f->ntracks; i++)
        sr_track_meta_clear(&f->tracks[i]);
    free(f->tracks);
    free(f->log);
    if (strncmp(f->base, "/tmp/sr-test-source-", 20) == 0) sh("rm -rf '%s'", f->base);
    free(f);
    return 0;
}

/* The reported track whose path ends in /rel, or a test failure. */
static const sr_track_meta *track(const fixture *f, const char *rel)
{
    char want[512];
    snprintf(want, sizeof want, "%s/%s", f->lib, rel);
    for (size_t i = 0; i < f->ntracks; i++)
        if (strcmp(f->tracks[i].path, want) == 0) return &f->tracks[i];
    fail_msg("track %s was not reported", want);
    return NULL;
}

static void assert_near_ms(int64_t got, int64_t want)
{
    if (got < want - 50 || got > want + 50)
        fail_msg("duration %lld ms, want %lld +- 50", (long long)got, (long long)want);
}

static void test_scan_reports_playable_files_once(void **state)
{
    fixture *f = *state;
    assert_int_equal(f->scan_result, 5);
    assert_int_equal(f->ntracks, 5);
    for (size_t i = 0; i < f->ntracks; i++) {
        assert_null(strstr(f->tracks[i].path, "hidden"));
        assert_null(strstr(f->tracks[i].path, "escaped"));
        assert_null(strstr(f->tracks[i].path, "/loop/"));
        assert_true(f->tracks[i].path[0] == '/');
        assert_true(f->tracks[i].size > 0);
        assert_true(f->tracks[i].mtime > 0);
    }
}

static void test_ogg_stream_tags(void **state)
{
    const sr_track_meta *m = track(*state, "tagged.ogg");
    assert_string_equal(m->title, "Ogg Title");
    assert_string_equal(m->artist, "Ogg Artist");
    assert_string_equal(m->album, "Ogg Album");
    assert_near_ms(m->duration_ms, 3000);
    assert_int_equal(m->has_cover, 0);
}

static void test_opus_in_subdirectory(void **state)
{
    const sr_track_meta *m = track(*state, "sub/deeper/voice.opus");
    assert_string_equal(m->title, "Opus Title");
    assert_null(m->artist);
    assert_null(m->album);
    assert_near_ms(m->duration_ms, 2200);
    assert_int_equal(m->has_cover, 0);
}

static void test_mp3_tags_and_jpeg_cover(void **state)
{
    fixture *f = *state;
    const sr_track_meta *m = track(f, "cover.mp3");
    unsigned char *buf = NULL;
    size_t len = 0;
    char mime[32];

    assert_string_equal(m->title, "Mp3 Title");
    assert_string_equal(m->artist, "Mp3 Artist");
    assert_string_equal(m->album, "Mp3 Album");
    assert_near_ms(m->duration_ms, 2500);
    assert_int_equal(m->has_cover, 1);

    assert_int_equal(sr_source_local.cover(m->path, &buf, &len, mime), 0);
    assert_non_null(buf);
    assert_true(len > 3);
    assert_memory_equal(buf, "\xff\xd8\xff", 3);
    assert_string_equal(mime, "image/jpeg");
    free(buf);
}

static void test_flac_png_cover(void **state)
{
    const sr_track_meta *m = track(*state, "sub/png.flac");
    unsigned char *buf = NULL;
    size_t len = 0;
    char mime[32];

    assert_string_equal(m->title, "Flac Title");
    assert_string_equal(m->artist, "Flac Artist");
    assert_string_equal(m->album, "Flac Album");
    assert_near_ms(m->duration_ms, 2000);
    assert_int_equal(m->has_cover, 1);
    assert_int_equal(sr_source_local.cover(m->path, &buf, &len, mime), 0);
    assert_true(len > 8);
    assert_memory_equal(buf, "\x89PNG\r\n\x1a\n", 8);
    assert_string_equal(mime, "image/png");
    free(buf);
}

static void test_untagged_wav_title_from_file_name(void **state)
{
    const sr_track_meta *m = track(*state, "Untitled Song.WAV");
    unsigned char *buf = (unsigned char *)"x";
    size_t len = 7;
    char mime[32];

    assert_string_equal(m->title, "Untitled Song");
    assert_null(m->artist);
    assert_null(m->album);
    assert_near_ms(m->duration_ms, 1500);
    assert_int_equal(m->has_cover, 0);
    assert_int_equal(sr_source_local.cover(m->path, &buf, &len, mime), SR_ENOENT);
    assert_null(buf);
    assert_int_equal(len, 0);
}

static void test_bad_files_skipped_with_a_log_line(void **state)
{
    fixture *f = *state;
    const char *bad[] = {"empty.mp3", "garbage.flac", "truncated.flac"};
    char want[512];
    for (size_t i = 0; i < 3; i++) {
        snprintf(want, sizeof want, " level=warn msg=\"skip file\" path=\"%s/%s\" reason=\"",
                 f->lib, bad[i]);
        if (!strstr(f->log, want)) fail_msg("no log line starting %s in:\n%s", want, f->log);
    }
    snprintf(want, sizeof want, "path=\"%s/empty.mp3\" reason=\"empty file\"", f->lib);
    assert_non_null(strstr(f->log, want));
    snprintf(want, sizeof want, "level=warn msg=\"skip dir\" path=\"%s/out\"", f->lib);
    assert_non_null(strstr(f->log, want));
    assert_null(strstr(f->log, "notes.txt"));
    assert_null(strstr(f->log, "hidden"));
    /* libav itself stays quiet: every line is ours (sr_log: ts=... level=... msg=...) */
    for (const char *p = f->log; *p; p = strchr(p, '\n') + 1) {
        assert_int_equal(strncmp(p, "ts=", 3), 0);
        assert_non_null(strchr(p, '\n'));
        const char *hit = strstr(p, " level=warn msg=\"skip ");
        assert_non_null(hit);
        assert_true(hit < strchr(p, '\n'));
    }
}

static void test_probe(void **state)
{
    fixture *f = *state;
    char path[512];
    sr_track_meta m;

    snprintf(path, sizeof path, "%s/tagged.ogg", f->lib);
    assert_int_equal(sr_source_local.probe(path, &m), 0);
    assert_string_equal(m.path, path);
    assert_string_equal(m.title, "Ogg Title");
    sr_track_meta_clear(&m);
    assert_null(m.path);
    sr_track_meta_clear(&m); /* safe twice */

    snprintf(path, sizeof path, "%s/empty.mp3", f->lib);
    assert_int_equal(sr_source_local.probe(path, &m), SR_EINVAL);
    assert_null(m.path);
    snprintf(path, sizeof path, "%s/garbage.flac", f->lib);
    assert_int_equal(sr_source_local.probe(path, &m), SR_EINVAL);
    assert_null(m.title);
    snprintf(path, sizeof path, "%s/truncated.flac", f->lib);
    assert_true(sr_source_local.probe(path, &m) < 0);
    snprintf(path, sizeof path, "%s/no-such-file.mp3", f->lib);
    assert_int_equal(sr_source_local.probe(path, &m), SR_ENOENT);
    assert_int_equal(sr_source_local.probe(f->lib, &m), SR_EINVAL);
}

static void test_cover_errors(void **state)
{
    fixture *f = *state;
    char path[512], mime[32];
    unsigned char *buf;
    size_t len;

    snprintf(path, sizeof path, "%s/tagged.ogg", f->lib);
    assert_int_equal(sr_source_local.cover(path, &buf, &len, mime), SR_ENOENT);
    snprintf(path, sizeof path, "%s/garbage.flac", f->lib);
    assert_true(sr_source_local.cover(path, &buf, &len, mime) < 0);
    assert_null(buf);
    snprintf(path, sizeof path, "%s/nope.mp3", f->lib);
    assert_int_equal(sr_source_local.cover(path, &buf, &len, mime), SR_ENOENT);
}

static void count_cb(const sr_track_meta *m, void *ud)
{
    (*(int *)ud)++;
}

static void test_scan_errors(void **state)
{
    fixture *f = *state;
    char path[512];
    int n = 0;

    snprintf(path, sizeof path, "%s/missing", f->base);
    assert_int_equal(sr_source_local.scan(path, count_cb, &n), SR_ENOENT);
    snprintf(path, sizeof path, "%s/tagged.ogg", f->lib);
    assert_int_equal(sr_source_local.scan(path, count_cb, &n), SR_EINVAL);
    assert_int_equal(n, 0);
    /* the symlink itself may be the root: it resolves to a real directory */
    snprintf(path, sizeof path, "%s/out", f->lib);
    assert_int_equal(sr_source_local.scan(path, count_cb, &n), 1);
    assert_int_equal(n, 1);
}

static void test_find_and_mime(void **state)
{
    assert_ptr_equal(sr_source_find("local"), &sr_source_local);
    assert_null(sr_source_find("spotify"));
    assert_ptr_equal(sr_source_find("tone"), &sr_source_tone);
    assert_null(sr_source_find(""));
    assert_null(sr_source_find(NULL));
    assert_int_equal(sr_source_local.version, 2);
    assert_string_equal(sr_source_local.name, "local");

    assert_string_equal(sr_source_mime("/a/b.ogg"), "audio/ogg");
    assert_string_equal(sr_source_mime("/a/b.OGA"), "audio/ogg");
    assert_string_equal(sr_source_mime("b.opus"), "audio/ogg");
    assert_string_equal(sr_source_mime("/x.y/b.Mp3"), "audio/mpeg");
    assert_string_equal(sr_source_mime("b.flac"), "audio/flac");
    assert_string_equal(sr_source_mime("b.m4a"), "audio/mp4");
    assert_string_equal(sr_source_mime("b.aac"), "audio/aac");
    assert_string_equal(sr_source_mime("b.wav"), "audio/wav");
    assert_string_equal(sr_source_mime("b.txt"), "application/octet-stream");
    assert_string_equal(sr_source_mime("/a.mp3/noext"), "application/octet-stream");
    assert_string_equal(sr_source_mime("/a/.mp3"), "application/octet-stream");
    assert_string_equal(sr_source_mime("b."), "application/octet-stream");
    assert_string_equal(sr_source_mime(""), "application/octet-stream");
    assert_string_equal(sr_source_mime(NULL), "application/octet-stream");
}

/* The tone source's references follow the SDK's parseToneRef (sdk/adapters.js). */
static void test_tone_refs(void **state)
{
    static const char *const good[] = {
        "440",        "440+554.37+659.25/triangle@3000", "20", "20000", "440/sine", "440@1",
        "440@600000", "100+200+300+400+500+600+700+800"};
    static const char *const bad[] = {"",
                                      "19.9",
                                      "20001",
                                      "440+",
                                      "+440",
                                      "440/",
                                      "440/noise",
                                      "440@",
                                      "440@0",
                                      "440@600001",
                                      "440 ",
                                      "a440",
                                      "4.4.0",
                                      "100+200+300+400+500+600+700+800+900",
                                      "440/sine@3000x",
                                      "..",
                                      "440@-1"};
    assert_ptr_equal(sr_source_find("tone"), &sr_source_tone);
    assert_int_equal(sr_source_tone.version, 3);
    assert_null(sr_source_tone.scan);
    assert_null(sr_source_local.version >= 3 ? sr_source_local.resolve : NULL);
    const char *why = NULL;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        sr_track_meta m = {0};
        if (sr_source_tone.resolve(good[i], strlen(good[i]), &m, &why)) fail_msg("%s", good[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sr_track_meta m = {0};
        why = NULL;
        if (!sr_source_tone.resolve(bad[i], strlen(bad[i]), &m, &why)) fail_msg("'%s'", bad[i]);
        assert_non_null(why);
    }
    sr_track_meta m = {0};
    assert_int_equal(sr_source_tone.resolve("440/sine@3000", 13, &m, &why), 0);
    assert_int_equal(m.duration_ms, 3000);
    assert_int_equal(sr_source_tone.resolve("440", 3, &m, &why), 0);
    assert_int_equal(m.duration_ms, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tone_refs),
        cmocka_unit_test(test_scan_reports_playable_files_once),
        cmocka_unit_test(test_ogg_stream_tags),
        cmocka_unit_test(test_opus_in_subdirectory),
        cmocka_unit_test(test_mp3_tags_and_jpeg_cover),
        cmocka_unit_test(test_flac_png_cover),
        cmocka_unit_test(test_untagged_wav_title_from_file_name),
        cmocka_unit_test(test_bad_files_skipped_with_a_log_line),
        cmocka_unit_test(test_probe),
        cmocka_unit_test(test_cover_errors),
        cmocka_unit_test(test_scan_errors),
        cmocka_unit_test(test_find_and_mime),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
