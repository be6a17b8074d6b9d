/* test_store.c - the SQLite store: migrations, group-committed writes through the worker, and a
 * reopen that loads everything back; the remembered answers to retried writes (replies). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/store.h"
#include "store/worker.h"
#include "store/write.h"
#include "util/util.h"

typedef struct seen {
    int users, rooms, entries, votes, chats, ranked;
    int64_t max_entry, max_chat, max_play, np_track;
    char chat_text[64];
} seen;

static void s_user(void *ud, int64_t id, const char *n, const char *h)
{
    (void)id, (void)n, (void)h;
    ((seen *)ud)->users++;
}
static void s_room(void *ud, const sr_room_row *r)
{
    ((seen *)ud)->rooms++;
    ((seen *)ud)->np_track = r->np_track;
}
static void s_track(void *ud, const sr_track_row *t)
{
    (void)ud, (void)t;
}
static void s_entry(void *ud, int64_t id, int64_t r, int64_t t, int64_t u, double a)
{
    (void)id, (void)r, (void)t, (void)u, (void)a;
    ((seen *)ud)->entries++;
}
static void s_vote(void *ud, int64_t e, int64_t u, int v)
{
    (void)e, (void)u, (void)v;
    ((seen *)ud)->votes++;
}
static void s_chat(void *ud, int64_t id, int64_t r, int64_t u, const char *t, double ts)
{
    (void)id, (void)r, (void)u, (void)ts;
    ((seen *)ud)->chats++;
    snprintf(((seen *)ud)->chat_text, 64, "%s", t);
}
static void s_ranked(void *ud, int64_t r, int64_t t, int64_t n)
{
    (void)r, (void)t, (void)n;
    ((seen *)ud)->ranked++;
}
static void s_recent(void *ud, int64_t r, int64_t t)
{
    (void)ud, (void)r, (void)t;
}
static void s_max(void *ud, int64_t u, int64_t r, int64_t e, int64_t c, int64_t p)
{
    (void)u, (void)r;
    ((seen *)ud)->max_entry = e;
    ((seen *)ud)->max_chat = c;
    ((seen *)ud)->max_play = p;
}

static void nop_wake(void *ud)
{
    (void)ud;
}

static sr_job *job(sr_write_kind k, int64_t a, int64_t b, int64_t c, int64_t d, int v,
                   const char *s1)
{
    sr_job *j = sr_xcalloc(1, sizeof *j);
    j->nw = 1;
    j->w[0] = (sr_write){.kind = k, .a = a, .b = b, .c = c, .d = d, .v = v, .t = 1.0};
    j->w[0].s1 = sr_xstrdup(s1);
    return j;
}

/* A load sink that records every entity the tests look at into s. */
static sr_load_sink seen_sink(seen *s)
{
    return (sr_load_sink){.ud = s,
                          .user = s_user,
                          .room = s_room,
                          .track = s_track,
                          .entry = s_entry,
                          .vote = s_vote,
                          .chat = s_chat,
                          .ranked = s_ranked,
                          .recent = s_recent,
                          .max_ids = s_max};
}

static void test_write_reopen_load(void **state)
{
    (void)state;
    char path[] = "/tmp/sr_store_test_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    sr_store *st;
    assert_int_equal(sr_store_open(path, &st), 0);
    int version = st->ops->schema_version(st);
    assert_true(version >= 2); /* every migration applied to a new file */
    sr_track_row t = {.source = "local", .ref = "/x/a.ogg", .title = "A", .duration_ms = 1000};
    int64_t tid = 0, tid2 = 0;
    assert_int_equal(st->ops->upsert_track(st, &t, &tid), 0);
    assert_int_equal(st->ops->upsert_track(st, &t, &tid2), 0);
    assert_int_equal(tid, tid2); /* same file, same id */

    sr_worker *wk = sr_worker_start(st, nop_wake, NULL);
    sr_job *jobs[] = {
        job(SR_W_USER, 1, 0, 0, 0, 0, "Ada"),
        job(SR_W_ROOM, 1, 0, 0, 0, 0, "Room"),
        job(SR_W_ENTRY_ADD, 1, 1, tid, 1, 0, NULL),
        job(SR_W_ENTRY_ADD, 2, 1, tid, 1, 0, NULL),
        job(SR_W_VOTE, 1, 1, 0, 0, 1, NULL),
        job(SR_W_VOTE, 2, 1, 0, 0, 1, NULL),
        job(SR_W_VOTE, 2, 1, 0, 0, 0, NULL), /* retracted */
        job(SR_W_ENTRY_STATE, 2, 0, 0, 0, 0, "removed"),
        job(SR_W_CHAT, 7, 1, 1, 0, 0, "<b>hi</b>"),
        job(SR_W_PLAY, 3, 1, tid, 0, 1, NULL),
    };
    int n = (int)(sizeof jobs / sizeof jobs[0]);
    for (int i = 0; i < n; i++)
        sr_worker_submit(wk, jobs[i]);
    int got = 0;
    while (got < n) {
        for (sr_job *j = sr_worker_take_done(wk), *next; j; j = next) {
            next = j->next;
            assert_ptr_equal(j, jobs[got]); /* completions come back in order */
            assert_int_equal(j->status, 0);
            got++;
            sr_write_clear(&j->w[0]);
            free(j);
        }
        usleep(1000);
    }
    sr_worker_stop(wk);
    st->ops->close(st);

    assert_int_equal(sr_store_open(path, &st), 0);
    assert_int_equal(st->ops->schema_version(st), version); /* nothing re-applied on reopen */
    seen s = {0};
    sr_load_sink sink = seen_sink(&s);
    sink.chat_limit = 50;
    assert_int_equal(st->ops->load(st, &sink), 0);
    assert_int_equal(s.users, 1);
    assert_int_equal(s.rooms, 1);
    assert_int_equal(s.entries, 1); /* the removed one is not queued */
    assert_int_equal(s.votes, 1);
    assert_int_equal(s.chats, 1);
    assert_string_equal(s.chat_text, "<b>hi</b>"); /* stored as sent */
    assert_int_equal(s.max_entry, 2);
    assert_int_equal(s.max_chat, 7);
    assert_int_equal(s.max_play, 3);
    assert_int_equal(s.np_track, tid);
    assert_int_equal(s.ranked, 1);
    st->ops->close(st);
    unlink(path);
    char aux[300];
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
}

/* What the reply sink saw, in order: "user/slot/cid/answer;". */
static char replies[512];
static void s_reply(void *ud, int64_t user, int slot, const char *cid, const char *answer)
{
    (void)ud;
    size_t n = strlen(replies);
    snprintf(replies + n, sizeof replies - n, "%lld/%d/%s/%s;", (long long)user, slot, cid, answer);
}

static void put(sr_store *st, sr_write *w)
{
    assert_int_equal(st->ops->write(st, w), 0);
    sr_write_clear(w);
}

static void test_replies_reload(void **state)
{
    (void)state;
    char path[] = "/tmp/sr_store_replies_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
    sr_store *st;
    assert_int_equal(sr_store_open(path, &st), 0);
    sr_write w;
    assert_int_equal(st->ops->begin(st), 0);
    sr_write_user(&w, 1, "Ada", NULL, 1.0);
    put(st, &w);
    sr_write_user(&w, 2, "Bo", NULL, 1.0);
    put(st, &w);
    sr_write_reply(&w, 1, 63, "a", "{\"id\":1}", 10.0);
    put(st, &w);
    sr_write_reply(&w, 1, 0, "b", "{\"id\":2}", 11.0); /* the ring wrapped */
    put(st, &w);
    sr_write_reply(&w, 2, 0, "b", "{\"entry\":5}", 12.0); /* ids are per person */
    put(st, &w);
    sr_write_reply(&w, 1, 63, "c", "{\"id\":3}", 13.0); /* replaces slot 63 */
    put(st, &w);
    assert_int_equal(st->ops->commit(st), 0);
    st->ops->close(st);

    assert_int_equal(sr_store_open(path, &st), 0);
    seen s = {0};
    sr_load_sink sink = seen_sink(&s);
    sink.reply = s_reply;
    replies[0] = 0;
    assert_int_equal(st->ops->load(st, &sink), 0);
    /* per person, oldest first: so the ring's next slot follows the newest */
    assert_string_equal(replies, "1/0/b/{\"id\":2};1/63/c/{\"id\":3};2/0/b/{\"entry\":5};");
    /* a deleted account's answers go with it */
    assert_int_equal(st->ops->begin(st), 0);
    sr_write_user_delete(&w, 1);
    put(st, &w);
    assert_int_equal(st->ops->commit(st), 0);
    replies[0] = 0;
    assert_int_equal(st->ops->load(st, &sink), 0);
    assert_string_equal(replies, "2/0/b/{\"entry\":5};");
    st->ops->close(st);
    unlink(path);
    char aux[300];
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_reopen_load),
        cmocka_unit_test(test_replies_reload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
