/* test_store_full.c - the write worker on a store that refuses to grow (SQLite's max_page_count,
 * which fails a write with SQLITE_FULL as a full disk does): the batch fails SR_EUNAVAIL at once
 * (no retrying for ever), jobs with nothing to write still answer, a barrier does not vouch for
 * a refused batch, the connection stays usable, and writes resume by themselves. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/store.h"
#include "store/store_sqlite_int.h"
#include "store/worker.h"
#include "store/write.h"
#include "util/util.h"

static void nop_wake(void *ud)
{
    (void)ud;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static sr_job *chat_job(int64_t id, const char *text)
{
    sr_job *j = sr_xcalloc(1, sizeof *j);
    sr_write_chat(&j->w[j->nw++], id, 1, 1, text, 1.0);
    return j;
}

static sr_job *empty_job(void)
{
    sr_job *j = sr_xcalloc(1, sizeof *j);
    sr_write_none(&j->w[j->nw++]);
    return j;
}

/* Submits n jobs and waits (at most 3 s) for all of them; their statuses land in status[]. */
static void run(sr_worker *wk, sr_job **jobs, int n, int *status)
{
    for (int i = 0; i < n; i++)
        sr_worker_submit(wk, jobs[i]);
    int got = 0;
    double t0 = now_s();
    while (got < n) {
        for (sr_job *j = sr_worker_take_done(wk), *next; j; j = next) {
            next = j->next;
            assert_ptr_equal(j, jobs[got]); /* in order, refused or not */
            status[got++] = j->status;
            for (int i = 0; i < j->nw; i++)
                sr_write_clear(&j->w[i]);
            free(j);
        }
        assert_true(now_s() - t0 < 3.0); /* answered, not retried until space returns */
        usleep(1000);
    }
}

static void pragma(sr_store *st, const char *sql)
{
    assert_int_equal(sqlite3_exec(((sqlite_store *)st)->db, sql, NULL, NULL, NULL), SQLITE_OK);
}

/* 1 when a chat line with this id is in the file (read through a connection of its own). */
static int stored(const char *path, int64_t id)
{
    sqlite3 *db;
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT 1 FROM chat_messages WHERE id = ?1", -1, &q, NULL),
        SQLITE_OK);
    sqlite3_bind_int64(q, 1, id);
    int found = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_finalize(q);
    sqlite3_close(db);
    return found;
}

static void test_full_then_space(void **state)
{
    (void)state;
    char path[] = "/tmp/sr_store_full_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    sr_store *st;
    assert_int_equal(sr_store_open(path, &st), 0);
    sr_worker *wk = sr_worker_start(st, nop_wake, NULL);
    char big[6000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    int status[8];

    sr_job *warm[] = {chat_job(1, "before")};
    run(wk, warm, 1, status);
    assert_int_equal(status[0], 0);
    assert_int_equal(sr_worker_refusing(wk), 0);

    /* the file may not grow by a page: a long line needs new pages */
    pragma(st, "PRAGMA max_page_count = 1"); /* clamps to the pages in use */
    sr_job *full[] = {chat_job(2, big), empty_job(), chat_job(3, big)};
    run(wk, full, 3, status);
    assert_int_equal(status[0], SR_EUNAVAIL);
    assert_int_equal(status[1], 0); /* an answer with nothing to write still answers */
    assert_int_equal(status[2], SR_EUNAVAIL);
    assert_int_equal(sr_worker_refusing(wk), 1);

    /* a barrier right after a refused batch answers for it: refused too */
    sr_job *b = empty_job();
    b->barrier = 1;
    sr_job *bar[] = {b};
    run(wk, bar, 1, status);
    assert_int_equal(status[0], SR_EUNAVAIL);

    /* space returns: a probe finds out, and the same connection writes again */
    pragma(st, "PRAGMA max_page_count = 1000000");
    sr_job *p = empty_job();
    p->probe = 1;
    sr_job *probe[] = {p};
    run(wk, probe, 1, status);
    assert_int_equal(sr_worker_refusing(wk), 0);
    sr_job *after[] = {chat_job(4, big)};
    run(wk, after, 1, status);
    assert_int_equal(status[0], 0);

    sr_worker_stop(wk);
    st->ops->close(st);

    /* what was acknowledged is there; what was refused is not */
    assert_true(stored(path, 1));
    assert_false(stored(path, 2));
    assert_false(stored(path, 3));
    assert_true(stored(path, 4));
    unlink(path);
    char side[64];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_then_space),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
