/* test_store_v2.c - the store registry (backends by name, DSN schemes), typed writes, and the
 * version-2 ops for several processes on one file: reserved ids, notices, one account reloaded. */
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
#include "store/write.h"
#include "util/util.h"

/* A fresh database path (the file does not exist yet). */
static void temp_db(char path[64])
{
    snprintf(path, 64, "/tmp/sr_store_v2_XXXXXX");
    int fd = mkstemp(path);
    close(fd);
    unlink(path);
}

static void remove_db(const char *path)
{
    char aux[128];
    unlink(path);
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
}

/* Applies n writes in one transaction and clears them. */
static int apply(sr_store *st, sr_write *w, int n)
{
    int rc = st->ops->begin(st);
    for (int i = 0; i < n && !rc; i++)
        rc = st->ops->write(st, &w[i]);
    rc = rc ? (st->ops->rollback(st), rc) : st->ops->commit(st);
    for (int i = 0; i < n; i++)
        sr_write_clear(&w[i]);
    return rc;
}

static void test_registry(void **state)
{
    (void)state;
    char path[64], dsn[80], known[64];
    sr_store *st = (sr_store *)&st;
    assert_non_null(sr_store_find("sqlite"));
    assert_ptr_equal(sr_store_find("sqlite"), &sr_store_sqlite);
    assert_null(sr_store_find("bogus"));
    assert_null(sr_store_find(NULL));
    assert_string_equal(sr_store_known(known, sizeof known), "sqlite");
    /* an unknown scheme is refused, never taken for a file name */
    assert_int_equal(sr_store_open("bogus:/tmp/sr_never.db", &st), SR_EINVAL);
    assert_null(st);
    assert_int_equal(access("/tmp/sr_never.db", F_OK), -1);
    assert_int_equal(sr_store_open("postgres://localhost/x", &st), SR_EINVAL);
    assert_int_equal(sr_store_open("", &st), SR_EINVAL);
    /* sqlite:PATH and a bare PATH are the same file */
    temp_db(path);
    snprintf(dsn, sizeof dsn, "sqlite:%s", path);
    assert_int_equal(sr_store_open(dsn, &st), 0);
    assert_string_equal(st->ops->name, "sqlite");
    assert_true(st->ops->version >= 2);
    sr_write w[1];
    sr_write_user(&w[0], 9, "Ada", NULL, 1.0);
    assert_int_equal(apply(st, w, 1), 0);
    st->ops->close(st);
    assert_int_equal(sr_store_open(path, &st), 0);
    int64_t first = 0;
    assert_int_equal(sr_store_reserve_ids(st, SR_ID_USER, 1, &first), 0);
    assert_int_equal(first, 10); /* the same file: past user 9 */
    st->ops->close(st);
    remove_db(path);
}

static void test_typed_write_views(void **state)
{
    (void)state;
    sr_write w;
    sr_write_chat(&w, 7, 2, 3, "hi", 5.5);
    assert_int_equal(w.kind, SR_W_CHAT);
    sr_w_chat c = sr_w_chat_of(&w);
    assert_int_equal(c.id, 7);
    assert_int_equal(c.room, 2);
    assert_int_equal(c.user, 3);
    assert_string_equal(c.text, "hi");
    assert_true(c.ts == 5.5);
    /* the positional letters are the same record (call sites not yet moved keep working) */
    assert_int_equal(w.a, 7);
    assert_int_equal(w.b, 2);
    assert_int_equal(w.c, 3);
    assert_string_equal(w.s1, "hi");
    sr_write_clear(&w);

    sr_write_user_flags(&w, 4, 1, 0);
    sr_w_user_flags f = sr_w_user_flags_of(&w);
    assert_int_equal(f.id, 4);
    assert_int_equal(f.admin, 1);
    assert_int_equal(f.disabled, 0);
    assert_int_equal(w.v, 1); /* store.h: v=admin b=disabled */
    sr_write_clear(&w);

    sr_write_play(&w, 1, 2, 3, 0, 5, 9.0, 1);
    sr_w_play p = sr_w_play_of(&w);
    assert_int_equal(p.entry, 0);
    assert_int_equal(p.added_by, 5);
    assert_int_equal(p.fallback, 1);
    sr_write_clear(&w);

    sr_write_sessions_revoke(&w, 3, "keep");
    sr_w_session_revoke r = sr_w_session_revoke_of(&w);
    assert_null(r.token_hash);
    assert_int_equal(r.user, 3);
    assert_string_equal(r.except, "keep");
    sr_write_clear(&w);

    unsigned char jpeg[3] = {1, 2, 3};
    sr_write_avatar(&w, 3, jpeg, 3, 1.0);
    sr_w_avatar a = sr_w_avatar_of(&w);
    assert_int_equal(a.len, 3);
    assert_ptr_not_equal(a.jpeg, jpeg); /* copied */
    assert_memory_equal(a.jpeg, jpeg, 3);
    sr_write_clear(&w);
    assert_null(w.blob);
}

static void test_reserve_ids(void **state)
{
    (void)state;
    char path[64];
    temp_db(path);
    sr_store *a, *b;
    assert_int_equal(sr_store_open(path, &a), 0);
    assert_int_equal(sr_store_open(path, &b), 0); /* a second connection, as a second process */
    int64_t x = 0, y = 0, z = 0;
    assert_int_equal(sr_store_reserve_ids(a, SR_ID_CHAT, 100, &x), 0);
    assert_int_equal(x, 1);
    assert_int_equal(sr_store_reserve_ids(b, SR_ID_CHAT, 10, &y), 0);
    assert_int_equal(y, 101); /* never overlaps a's block */
    assert_int_equal(sr_store_reserve_ids(a, SR_ID_CHAT, 1, &z), 0);
    assert_int_equal(z, 111);
    assert_int_equal(sr_store_reserve_ids(a, SR_ID_ROOM, 1, &z), 0);
    assert_int_equal(z, 1); /* each kind its own sequence */
    assert_int_equal(sr_store_reserve_ids(a, SR_ID_ROOM, 0, &z), SR_EINVAL);
    assert_int_equal(sr_store_reserve_ids(a, SR_ID_KINDS, 1, &z), SR_EINVAL);

    /* rows written by something that did not reserve are never handed out again */
    sr_write w[1];
    sr_write_chat(&w[0], 500, 1, 1, "from an older binary", 1.0);
    assert_int_equal(apply(a, w, 1), 0);
    assert_int_equal(sr_store_reserve_ids(b, SR_ID_CHAT, 1, &z), 0);
    assert_int_equal(z, 501);

    /* tracks the store numbers itself come from the same sequence */
    assert_int_equal(sr_store_reserve_ids(a, SR_ID_TRACK, 5, &z), 0);
    assert_int_equal(z, 1);
    sr_track_row t = {.source = "local", .ref = "/a.ogg", .title = "A", .duration_ms = 1000};
    int64_t tid = 0;
    assert_int_equal(b->ops->upsert_track(b, &t, &tid), 0);
    assert_int_equal(tid, 6);

    /* a read-only twin cannot reserve */
    sr_store *ro;
    assert_int_equal(a->ops->open_twin(a, 1, &ro), 0);
    assert_true(sr_store_reserve_ids(ro, SR_ID_USER, 1, &z) < 0);
    ro->ops->close(ro);
    a->ops->close(a);
    b->ops->close(b);

    /* a reopen goes on from where the sequence stood */
    assert_int_equal(sr_store_open(path, &a), 0);
    assert_int_equal(sr_store_reserve_ids(a, SR_ID_CHAT, 1, &z), 0);
    assert_int_equal(z, 502);
    a->ops->close(a);
    remove_db(path);
}

typedef struct got {
    int n;
    int64_t ids[8], keys[8];
    char entity[8][16];
} got;

static void on_notice(void *ud, int64_t id, const char *entity, int64_t key)
{
    got *g = ud;
    if (g->n == 8) return;
    g->ids[g->n] = id;
    g->keys[g->n] = key;
    snprintf(g->entity[g->n], 16, "%s", entity);
    g->n++;
}

static void test_notices(void **state)
{
    (void)state;
    char path[64];
    temp_db(path);
    sr_store *st, *ro;
    assert_int_equal(sr_store_open(path, &st), 0);
    assert_int_equal(st->ops->open_twin(st, 1, &ro), 0); /* the server's poller */
    int64_t last = -1;
    assert_int_equal(sr_store_notices_last(ro, &last), 0);
    assert_int_equal(last, 0);
    sr_write w[2];
    sr_write_user_flags(&w[0], 3, 1, 0);
    sr_write_notice(&w[1], SR_NOTICE_ACCOUNT, 3, 1.0);
    assert_int_equal(apply(st, w, 2), 0);
    sr_write_notice(&w[0], SR_NOTICE_ACCOUNT, 4, 2.0);
    assert_int_equal(apply(st, w, 1), 0);

    got g = {0};
    assert_int_equal(sr_store_notices_since(ro, last, on_notice, &g), 0);
    assert_int_equal(g.n, 2); /* seen by the twin opened before they were written */
    assert_int_equal(g.keys[0], 3);
    assert_int_equal(g.keys[1], 4);
    assert_string_equal(g.entity[0], "account");
    assert_true(g.ids[0] < g.ids[1]);
    assert_int_equal(sr_store_notices_last(ro, &last), 0);
    assert_int_equal(last, g.ids[1]);
    memset(&g, 0, sizeof g);
    assert_int_equal(sr_store_notices_since(ro, last, on_notice, &g), 0);
    assert_int_equal(g.n, 0); /* nothing new */
    memset(&g, 0, sizeof g);
    assert_int_equal(sr_store_notices_since(ro, last - 1, on_notice, &g), 0);
    assert_int_equal(g.n, 1);
    ro->ops->close(ro);
    st->ops->close(st);
    remove_db(path);
}

typedef struct seen_acct {
    int users, accounts, sessions;
    char name[32], username[32];
    int admin, disabled;
} seen_acct;

static void a_user(void *ud, int64_t id, const char *name, const char *hash)
{
    seen_acct *a = ud;
    (void)id, (void)hash;
    a->users++;
    snprintf(a->name, sizeof a->name, "%s", name);
}
static void a_account(void *ud, int64_t id, const char *username, const char *pw, int admin,
                      int disabled, const char *bio, int hide)
{
    seen_acct *a = ud;
    (void)id, (void)pw, (void)bio, (void)hide;
    a->accounts++;
    snprintf(a->username, sizeof a->username, "%s", username);
    a->admin = admin;
    a->disabled = disabled;
}
static void a_session(void *ud, const char *token_hash, int64_t user, double expires)
{
    (void)token_hash, (void)user, (void)expires;
    ((seen_acct *)ud)->sessions++;
}

static void test_load_account(void **state)
{
    (void)state;
    char path[64];
    temp_db(path);
    sr_store *st, *ro;
    assert_int_equal(sr_store_open(path, &st), 0);
    sr_write w[6];
    sr_write_user(&w[0], 2, "A guest", "guesthash", 1.0);
    sr_write_account(&w[1], 3, "ada", "pwhash", "Ada", 1.0);
    sr_write_user_flags(&w[2], 3, 1, 0);
    sr_write_session(&w[3], "t1", 3, 1e15);
    sr_write_session(&w[4], "t2", 3, 1e15);
    sr_write_session_revoke(&w[5], "t2");
    assert_int_equal(apply(st, w, 6), 0);
    assert_int_equal(st->ops->open_twin(st, 1, &ro), 0);

    seen_acct a = {0};
    sr_load_sink k = {.ud = &a, .user = a_user, .account = a_account, .session = a_session};
    assert_int_equal(sr_store_load_account(ro, 3, &k), 0);
    assert_int_equal(a.users, 1);
    assert_int_equal(a.accounts, 1);
    assert_string_equal(a.name, "Ada");
    assert_string_equal(a.username, "ada");
    assert_int_equal(a.admin, 1);
    assert_int_equal(a.sessions, 1); /* the revoked one is not live */

    memset(&a, 0, sizeof a);
    assert_int_equal(sr_store_load_account(ro, 2, &k), 0);
    assert_int_equal(a.users, 1); /* a guest: a user, no account */
    assert_int_equal(a.accounts, 0);

    memset(&a, 0, sizeof a);
    assert_int_equal(sr_store_load_account(ro, 99, &k), SR_ENOENT);
    assert_int_equal(a.users + a.accounts + a.sessions, 0);

    /* a change from another connection is seen on the next call */
    sr_write_user_flags(&w[0], 3, 0, 1);
    assert_int_equal(apply(st, w, 1), 0);
    memset(&a, 0, sizeof a);
    assert_int_equal(sr_store_load_account(ro, 3, &k), 0);
    assert_int_equal(a.admin, 0);
    assert_int_equal(a.disabled, 1);
    ro->ops->close(ro);
    st->ops->close(st);
    remove_db(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),     cmocka_unit_test(test_typed_write_views),
        cmocka_unit_test(test_reserve_ids),  cmocka_unit_test(test_notices),
        cmocka_unit_test(test_load_account),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
