/* test_library_fd_limit.c - regression: running out of file descriptors emptied the library
 * (a failed open() of a media file at the open-file limit marked every track gone, and only a
 * restart brought them back). Only a file that is really gone is marked; marks are re-checked
 * on rescan. */
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
#include <sys/resource.h>
#include <unistd.h>

#include "library/library.h"
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

static void no_wake(void *ud)
{
    (void)ud;
}

/* A running library over a directory of two tracks (a.flac, b.flac). */
typedef struct fixture {
    char base[64], dir[96], db[96];
    sr_store *st;
    sr_library *lib;
    int64_t a, b; /* the tracks' ids */
} fixture;

static int64_t id_of(sr_library *lib, const char *suffix)
{
    int n;
    const int64_t *ids = sr_library_playable(lib, &n);
    for (int i = 0; i < n; i++) {
        const char *p = sr_library_get(lib, ids[i])->path;
        size_t lp = strlen(p), ls = strlen(suffix);
        if (lp >= ls && !strcmp(p + lp - ls, suffix)) return ids[i];
    }
    return 0;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    snprintf(f->base, sizeof f->base, "/tmp/sr-test-fdlimit-XXXXXX");
    if (!mkdtemp(f->base)) return -1;
    snprintf(f->dir, sizeof f->dir, "%s/lib", f->base);
    snprintf(f->db, sizeof f->db, "%s/db.sqlite", f->base);
    sh("mkdir -p '%s'", f->dir);
    sh("%s -f lavfi -i sine=f=440:d=1 -c:a flac -metadata title='Alpha' '%s/a.flac'", FF, f->dir);
    sh("%s -f lavfi -i sine=f=330:d=1 -c:a flac -metadata title='Beta' '%s/b.flac'", FF, f->dir);
    if (sr_store_open(f->db, &f->st)) return -1;
    f->lib = sr_library_new();
    if (sr_library_start(f->lib, f->st, f->dir, 5000, no_wake, NULL)) return -1;
    sr_library_poll(f->lib);
    f->a = id_of(f->lib, "/a.flac");
    f->b = id_of(f->lib, "/b.flac");
    *state = f;
    return f->a && f->b ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    sr_library_free(f->lib);
    f->st->ops->close(f->st);
    sh("rm -rf '%s'", f->base);
    free(f);
    return 0;
}

static int playable_count(sr_library *lib)
{
    int n;
    sr_library_playable(lib, &n);
    return n;
}

static size_t search_count(sr_library *lib, const char *q)
{
    json_t *r = sr_library_search(lib, q, 10);
    size_t n = json_array_size(json_object_get(r, "tracks"));
    json_decref(r);
    return n;
}

/* Rescans and polls until the scanner has finished one more pass. */
static void rescan(sr_library *lib)
{
    json_t *s = sr_library_status(lib);
    json_int_t scans = json_integer_value(json_object_get(s, "scans"));
    json_decref(s);
    assert_int_equal(sr_library_rescan(lib), 0);
    for (int i = 0; i < 10000; i++) {
        usleep(1000);
        s = sr_library_status(lib);
        json_int_t now = json_integer_value(json_object_get(s, "scans"));
        json_decref(s);
        if (now > scans) break;
    }
    sr_library_poll(lib);
}

/* EMFILE, ENFILE, ENOMEM and EACCES say nothing about the file: every track stays. */
static void test_open_failed_emfile_keeps_tracks(void **state)
{
    fixture *f = *state;
    const int errs[] = {EMFILE, ENFILE, ENOMEM, EACCES, EIO};
    for (size_t i = 0; i < sizeof errs / sizeof *errs; i++) {
        assert_int_equal(sr_library_open_failed(f->lib, f->a, errs[i]), 0);
        assert_int_equal(sr_library_open_failed(f->lib, f->b, errs[i]), 0);
    }
    assert_true(sr_library_can_play(f->lib, f->a));
    assert_true(sr_library_can_play(f->lib, f->b));
    assert_int_equal(playable_count(f->lib), 2);
    assert_int_equal(search_count(f->lib, "alpha"), 1);
}

/* An ENOENT (or a stale errno, or "not a regular file") is re-checked with lstat(): the file
 * is there, so the track stays. */
static void test_open_failed_enoent_rechecks(void **state)
{
    fixture *f = *state;
    assert_int_equal(sr_library_open_failed(f->lib, f->a, ENOENT), 0);
    assert_int_equal(sr_library_open_failed(f->lib, f->a, ENOTDIR), 0);
    assert_int_equal(sr_library_open_failed(f->lib, f->a, 0), 0);
    assert_true(sr_library_can_play(f->lib, f->a));
    assert_int_equal(playable_count(f->lib), 2);
}

/* The descriptor limit for real: the process cannot open one more file; the old entry point,
 * which reads errno, leaves the library whole. */
static void test_real_emfile_keeps_library(void **state)
{
    fixture *f = *state;
    struct rlimit old, low;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    low.rlim_cur = 64;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    int fds[64], n = 0;
    while (n < 64 && (fds[n] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
        n++;
    const char *paths[2] = {sr_library_get(f->lib, f->a)->path, sr_library_get(f->lib, f->b)->path};
    int64_t ids[2] = {f->a, f->b};
    int saw_emfile = 0;
    for (int i = 0; i < 2; i++) {
        int fd = open(paths[i], O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        assert_true(fd < 0);
        saw_emfile += errno == EMFILE;
        sr_library_mark_gone(f->lib, ids[i]); /* as net/server.c calls it */
    }
    while (n > 0)
        close(fds[--n]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    assert_int_equal(saw_emfile, 2);
    assert_int_equal(playable_count(f->lib), 2);
    assert_int_equal(search_count(f->lib, "beta"), 1);
}

/* A file that is really gone is marked; once it is back, a rescan makes it available again
 * (the store never said otherwise). One still missing at the rescan stays unavailable. */
static void test_rescan_restores_marked(void **state)
{
    fixture *f = *state;
    char a[160], away[160], b[160];
    snprintf(a, sizeof a, "%s/a.flac", f->dir);
    snprintf(away, sizeof away, "%s/a.away", f->base);
    snprintf(b, sizeof b, "%s/b.flac", f->dir);
    assert_int_equal(rename(a, away), 0);
    assert_int_equal(sr_library_open_failed(f->lib, f->a, ENOENT), 1);
    assert_false(sr_library_can_play(f->lib, f->a));
    assert_int_equal(playable_count(f->lib), 1);
    assert_int_equal(search_count(f->lib, "alpha"), 0);
    assert_int_equal(rename(away, a), 0);
    /* b goes for good: marked, and still gone at the rescan */
    assert_int_equal(rename(b, away), 0);
    assert_int_equal(sr_library_open_failed(f->lib, f->b, ENOENT), 1);
    rescan(f->lib);
    assert_true(sr_library_can_play(f->lib, f->a));
    assert_int_equal(search_count(f->lib, "alpha"), 1);
    assert_false(sr_library_can_play(f->lib, f->b));
    assert_int_equal(playable_count(f->lib), 1);
    /* and b, back again, returns with the next scan (the store now says unavailable: a scan
     * probes it again) */
    assert_int_equal(rename(away, b), 0);
    rescan(f->lib);
    assert_int_equal(playable_count(f->lib), 2);
    assert_true(sr_library_can_play(f->lib, f->b));
}

/* A file replaced by a symlink (or a directory) is not the file the scanner found: gone. */
static void test_open_failed_symlink_is_gone(void **state)
{
    fixture *f = *state;
    char a[160], away[160];
    snprintf(a, sizeof a, "%s/a.flac", f->dir);
    snprintf(away, sizeof away, "%s/a.away", f->base);
    assert_int_equal(rename(a, away), 0);
    assert_int_equal(symlink(away, a), 0);
    assert_int_equal(sr_library_open_failed(f->lib, f->a, ELOOP), 1);
    assert_false(sr_library_can_play(f->lib, f->a));
    assert_true(sr_library_can_play(f->lib, f->b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_failed_emfile_keeps_tracks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_failed_enoent_rechecks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_real_emfile_keeps_library, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rescan_restores_marked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_failed_symlink_is_gone, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
