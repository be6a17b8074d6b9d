/* test_library.c - the library: identity keys, scans into a real SQLite store (tags, moved
 * files keep their id, removed files become unavailable), FTS5 search and browsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "library/library.h"
#include "source/source.h"
#include "store/store.h"
#include "util/util.h"

static const char *FF = "ffmpeg -hide_banner -loglevel error -nostdin -y";

static void sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0) {
        fprintf(stderr, "fixture command failed: %s\n", cmd);
        abort();
    }
}

static void test_identity_normalises(void **state)
{
    (void)state;
    char *a = sr_track_identity("The Beatles", "Don't Let Me Down (feat. Billy Preston)", 214000,
                                NULL, NULL);
    char *b = sr_track_identity("beatles", "Don\xe2\x80\x99t let me down", 215900, NULL, NULL);
    assert_string_equal(a, "meta:beatles|dont let me down|54");
    assert_string_equal(a, b);
    free(a);
    free(b);
    a = sr_track_identity("Bj\xc3\xb6rk & Friends", "J\xc3\xb3ga", 305000, NULL, NULL);
    assert_string_equal(a, "meta:bjork and friends|joga|76");
    free(a);
    a = sr_track_identity("X", "Y", 1000, "USRC17607839", NULL);
    assert_string_equal(a, "isrc:USRC17607839");
    free(a);
    a = sr_track_identity("X", "Y", 1000, "USRC17607839", "b1a9c0e9-d987-4042-ae91-78d6a3267d69");
    assert_string_equal(a, "mbid:b1a9c0e9-d987-4042-ae91-78d6a3267d69");
    free(a);
    assert_null(sr_track_identity(NULL, "Y", 1000, NULL, NULL));
    assert_null(sr_track_identity("X", "Y", 0, NULL, NULL));
    assert_int_equal(sr_identity_bucket(1999), 0);
    assert_int_equal(sr_identity_bucket(2000), 1);
}

typedef struct loaded {
    int64_t id[16];
    char ref[16][256];
    char genre[16][64];
    int year[16], track_no[16], disc_no[16], available[16];
    char identity[16][128], isrc[16][16];
    int n;
} loaded;

static void ld_track(void *ud, const sr_track_row *t)
{
    loaded *l = ud;
    if (l->n == 16) return;
    int i = l->n++;
    l->id[i] = t->id;
    snprintf(l->ref[i], sizeof l->ref[i], "%s", t->ref);
    snprintf(l->genre[i], sizeof l->genre[i], "%s", t->genre ? t->genre : "");
    snprintf(l->identity[i], sizeof l->identity[i], "%s", t->identity ? t->identity : "");
    snprintf(l->isrc[i], sizeof l->isrc[i], "%s", t->isrc ? t->isrc : "");
    l->year[i] = t->year;
    l->track_no[i] = t->track_no;
    l->disc_no[i] = t->disc_no;
    l->available[i] = t->available;
}

static void ld_none_u(void *ud, int64_t id, const char *n, const char *h)
{
    (void)ud, (void)id, (void)n, (void)h;
}
static void ld_none_r(void *ud, const sr_room_row *r)
{
    (void)ud, (void)r;
}
static void ld_none_e(void *ud, int64_t a, int64_t b, int64_t c, int64_t d, double t)
{
    (void)ud, (void)a, (void)b, (void)c, (void)d, (void)t;
}
static void ld_none_v(void *ud, int64_t a, int64_t b, int v)
{
    (void)ud, (void)a, (void)b, (void)v;
}
static void ld_none_c(void *ud, int64_t a, int64_t b, int64_t c, const char *t, double ts)
{
    (void)ud, (void)a, (void)b, (void)c, (void)t, (void)ts;
}
static void ld_none_k(void *ud, int64_t a, int64_t b, int64_t c)
{
    (void)ud, (void)a, (void)b, (void)c;
}
static void ld_none_x(void *ud, int64_t a, int64_t b)
{
    (void)ud, (void)a, (void)b;
}
static void ld_none_m(void *ud, int64_t a, int64_t b, int64_t c, int64_t d, int64_t e)
{
    (void)ud, (void)a, (void)b, (void)c, (void)d, (void)e;
}

static loaded load(sr_store *st)
{
    loaded l = {0};
    sr_load_sink k = {.ud = &l,
                      .user = ld_none_u,
                      .room = ld_none_r,
                      .track = ld_track,
                      .entry = ld_none_e,
                      .vote = ld_none_v,
                      .chat = ld_none_c,
                      .ranked = ld_none_k,
                      .recent = ld_none_x,
                      .max_ids = ld_none_m};
    assert_int_equal(st->ops->load(st, &k), 0);
    return l;
}

static int find(const loaded *l, const char *suffix)
{
    for (int i = 0; i < l->n; i++) {
        size_t a = strlen(l->ref[i]), b = strlen(suffix);
        if (a >= b && !strcmp(l->ref[i] + a - b, suffix)) return i;
    }
    return -1;
}

static void id_row(void *ud, int64_t id)
{
    int64_t *out = ud;
    out[++out[0]] = id;
}

static void browse_row(void *ud, const sr_browse_row *r)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s:%lld;", r->name ? r->name : "", (long long)r->tracks);
}

static void test_scan_move_remove_search(void **state)
{
    (void)state;
    char base[] = "/tmp/sr-test-library-XXXXXX";
    assert_non_null(mkdtemp(base));
    sh("mkdir -p '%s/lib/a' '%s/lib/b'", base, base);
    sh("%s -f lavfi -i sine=f=440:d=2 -c:a flac -metadata title='Blue Monday' -metadata "
       "artist='New Order' -metadata album='Power' -metadata genre='Synth-pop' -metadata "
       "date=1983-03-07 -metadata track=3/8 -metadata disc=1/1 -metadata ISRC=GB-AAA-83-00001 "
       "'%s/lib/a/one.flac'",
       FF, base);
    sh("%s -f lavfi -i sine=f=330:d=3 -c:a libvorbis -metadata:s:a:0 title='Ceremony' "
       "-metadata:s:a:0 artist='New Order' -metadata:s:a:0 genre='Post-punk' '%s/lib/a/two.ogg'",
       FF, base);
    sh("%s -f lavfi -i color=c=blue:s=40x40:d=1 -frames:v 1 '%s/lib/a/Folder.JPG'", FF, base);
    char db[128];
    snprintf(db, sizeof db, "%s/db.sqlite", base);
    sr_store *st;
    assert_int_equal(sr_store_open(db, &st), 0);
    char lib[128];
    snprintf(lib, sizeof lib, "%s/lib", base);
    assert_int_equal(sr_library_scan(st, lib), 2);

    loaded l = load(st);
    assert_int_equal(l.n, 2);
    int one = find(&l, "/a/one.flac"), two = find(&l, "/a/two.ogg");
    assert_true(one >= 0 && two >= 0);
    assert_string_equal(l.genre[one], "Synth-pop");
    assert_int_equal(l.year[one], 1983);
    assert_int_equal(l.track_no[one], 3);
    assert_int_equal(l.disc_no[one], 1);
    assert_string_equal(l.isrc[one], "GBAAA8300001");
    assert_string_equal(l.identity[one], "isrc:GBAAA8300001");
    assert_string_equal(l.identity[two], "meta:new order|ceremony|1");
    int64_t id_one = l.id[one], id_two = l.id[two];

    /* full-text search (prefixes, any case, diacritics folded) and filters */
    int64_t ids[8] = {0};
    sr_track_query q = {.text = "CEREM", .limit = 10};
    assert_int_equal(st->ops->track_search(st, &q, id_row, ids), 0);
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[1], id_two);
    memset(ids, 0, sizeof ids);
    q = (sr_track_query){.text = "order", .genre = "synth-pop", .limit = 10};
    assert_int_equal(st->ops->track_search(st, &q, id_row, ids), 0);
    assert_int_equal(ids[0], 1);
    assert_int_equal(ids[1], id_one);
    memset(ids, 0, sizeof ids);
    /* FTS syntax is not injected: these are the words "near" and "zzz", which match nothing */
    q = (sr_track_query){.text = "\"*) NEAR( zzz:*", .limit = 10};
    assert_int_equal(st->ops->track_search(st, &q, id_row, ids), 0);
    assert_int_equal(ids[0], 0);
    char out[512] = "";
    q = (sr_track_query){0};
    assert_int_equal(st->ops->track_browse(st, "genres", &q, browse_row, out), 0);
    assert_string_equal(out, "Post-punk:1;Synth-pop:1;");
    out[0] = 0;
    assert_int_equal(st->ops->track_browse(st, "artists", &q, browse_row, out), 0);
    assert_string_equal(out, "New Order:2;");
    assert_int_equal(st->ops->track_browse(st, "nope", &q, browse_row, out), SR_EINVAL);

    /* a moved file keeps its id; a removed one becomes unavailable; nothing is deleted */
    sh("mv '%s/lib/a/one.flac' '%s/lib/b/renamed.flac' && rm '%s/lib/a/two.ogg'", base, base, base);
    assert_int_equal(sr_library_scan(st, lib), 1);
    l = load(st);
    assert_int_equal(l.n, 2);
    int moved = find(&l, "/b/renamed.flac"), gone = find(&l, "/a/two.ogg");
    assert_true(moved >= 0 && gone >= 0);
    assert_int_equal(l.id[moved], id_one);
    assert_int_equal(l.available[moved], 1);
    assert_int_equal(l.id[gone], id_two);
    assert_int_equal(l.available[gone], 0);
    memset(ids, 0, sizeof ids);
    q = (sr_track_query){.text = "ceremony", .limit = 10};
    assert_int_equal(st->ops->track_search(st, &q, id_row, ids), 0);
    assert_int_equal(ids[0], 0); /* unavailable tracks are not found */

    st->ops->close(st);
    sh("rm -rf '%s'", base);
}

static void test_canonical_and_cover_fallback(void **state)
{
    (void)state;
    sr_library *lib = sr_library_new();
    sr_track_row a = {.id = 1,
                      .source = "local",
                      .ref = "/m/a.ogg",
                      .title = "Song",
                      .artist = "A",
                      .duration_ms = 200000,
                      .available = 1,
                      .identity = "meta:a|song|50"};
    sr_track_row b = {.id = 2,
                      .source = "stream",
                      .ref = "http://x/s",
                      .title = "Song",
                      .artist = "A",
                      .duration_ms = 201000,
                      .available = 1,
                      .identity = "meta:a|song|51"}; /* the next bucket: still the same song */
    sr_track_row c = {.id = 3,
                      .source = "local",
                      .ref = "/m/c.ogg",
                      .title = "Other",
                      .artist = "A",
                      .duration_ms = 100000,
                      .available = 1};
    sr_library_add(lib, &a);
    sr_library_add(lib, &b);
    sr_library_add(lib, &c);
    assert_int_equal(sr_library_canonical(lib, 2), 1);
    assert_int_equal(sr_library_canonical(lib, 1), 1);
    assert_int_equal(sr_library_canonical(lib, 3), 3);
    int n;
    sr_library_playable(lib, &n);
    assert_int_equal(n, 2); /* the stream is not in the fallback set */
    sr_library_mark_gone(lib, 1);
    assert_int_equal(sr_library_canonical(lib, 2), 2);
    assert_false(sr_library_can_play(lib, 1));
    sr_library_playable(lib, &n);
    assert_int_equal(n, 1);
    const sr_track *t = sr_library_get(lib, 2);
    assert_int_equal(sr_library_play_ms(t), 201000);
    json_t *j = sr_library_track_ref(lib, 2);
    assert_string_equal(json_string_value(json_object_get(j, "url")), "http://x/s");
    json_decref(j);
    sr_library_free(lib);
}

typedef struct answer {
    int calls, status;
    json_t *body;
} answer;

static void on_answer(void *ctx, int status, json_t *body)
{
    answer *a = ctx;
    a->calls++;
    a->status = status;
    a->body = body;
}

static void on_cover(void *ctx, int status, const unsigned char *data, size_t len, const char *mime)
{
    answer *a = ctx;
    a->calls++;
    a->status = status;
    assert_true(status || (data && len > 0 && !strcmp(mime, "image/jpeg")));
}

static void no_wake(void *ud)
{
    (void)ud;
}

/* Polls until nothing the reader was asked is pending (at most ~10 s). */
static void drain(sr_library *lib)
{
    for (int i = 0; i < 10000 && sr_library_pending(lib); i++) {
        sr_library_poll(lib);
        usleep(1000);
    }
    sr_library_poll(lib);
    assert_int_equal(sr_library_pending(lib), 0);
}

/* The threads end to end: the scanner's first pass reaches the catalogue through poll, the
 * reader answers searches, browsing and covers once each, and a rescan picks up a new file. */
static void test_scanner_and_reader_threads(void **state)
{
    (void)state;
    char base[] = "/tmp/sr-test-libthreads-XXXXXX";
    assert_non_null(mkdtemp(base));
    sh("mkdir -p '%s/lib'", base);
    sh("%s -f lavfi -i sine=f=440:d=2 -f lavfi -i color=c=red:s=32x32:d=1 -map 0:a -map 1:v "
       "-frames:v 1 -c:a libmp3lame -c:v mjpeg -disposition:v attached_pic -metadata "
       "title='Alpha Song' -metadata artist='Band' -metadata album='First' '%s/lib/a.mp3'",
       FF, base);
    char db[128], dir[128];
    snprintf(db, sizeof db, "%s/db.sqlite", base);
    snprintf(dir, sizeof dir, "%s/lib", base);
    sr_store *st;
    assert_int_equal(sr_store_open(db, &st), 0);
    sr_library *lib = sr_library_new();
    assert_int_equal(sr_library_pending(lib), 0); /* not started: nothing, and no crash */
    assert_int_equal(sr_library_start(lib, st, dir, 5000, no_wake, NULL), 0);
    sr_library_poll(lib); /* the first pass finished within the grace time */
    int n;
    const int64_t *ids = sr_library_playable(lib, &n);
    assert_int_equal(n, 1);
    int64_t id = ids[0];
    assert_string_equal(sr_library_get(lib, id)->title, "Alpha Song");

    answer tracks = {0}, artists = {0}, bad = {0}, cover = {0};
    sr_track_query q = {.text = "alpha", .limit = 10};
    assert_int_equal(sr_library_query(lib, "tracks", &q, on_answer, &tracks), 0);
    q = (sr_track_query){.limit = 10};
    assert_int_equal(sr_library_query(lib, "artists", &q, on_answer, &artists), 0);
    assert_int_equal(sr_library_query(lib, "nope", &q, on_answer, &bad), SR_EINVAL);
    assert_int_equal(sr_library_cover(lib, id, 16, on_cover, &cover), 0);
    drain(lib);
    assert_int_equal(tracks.calls, 1);
    assert_int_equal(tracks.status, 0);
    json_t *a = json_object_get(tracks.body, "tracks");
    assert_int_equal(json_array_size(a), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "title")),
                        "Alpha Song");
    json_decref(tracks.body);
    assert_int_equal(artists.calls, 1);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(artists.body, "artists"), 0), "name")),
                        "Band");
    json_decref(artists.body);
    assert_int_equal(bad.calls, 0);
    assert_int_equal(cover.calls, 1);
    assert_int_equal(cover.status, 0);
    assert_int_equal(sr_library_cover(lib, id, 16, on_cover, &cover), 0); /* cached: at once */
    assert_int_equal(cover.calls, 2);
    assert_int_equal(sr_library_pending(lib), 0);

    /* a rescan finds a new file and the service thread learns of it through poll */
    sh("%s -f lavfi -i sine=f=330:d=2 -c:a flac -metadata title='Beta' '%s/lib/b.flac'", FF, base);
    assert_int_equal(sr_library_rescan(lib), 0);
    for (int i = 0; i < 10000 && n < 2; i++) {
        usleep(1000);
        sr_library_poll(lib);
        sr_library_playable(lib, &n);
    }
    assert_int_equal(n, 2);
    json_t *status = sr_library_status(lib);
    assert_true(json_integer_value(json_object_get(status, "scans")) >= 2);
    json_decref(status);

    /* asked and never delivered: freed with the library, no leak, no call */
    answer late = {0};
    assert_int_equal(sr_library_query(lib, "genres", &q, on_answer, &late), 0);
    sr_library_free(lib);
    assert_int_equal(late.calls, 0);
    st->ops->close(st);
    sh("rm -rf '%s'", base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_normalises),
        cmocka_unit_test(test_scan_move_remove_search),
        cmocka_unit_test(test_canonical_and_cover_fallback),
        cmocka_unit_test(test_scanner_and_reader_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
