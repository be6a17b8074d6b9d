/* admin_cli.c - `soundroom user add|list|passwd|disable|enable|promote|demote`: account
 * administration straight against the store, for operators at a shell, beside a running server
 * or not. A new account's id is reserved through the store (never max + 1, which a running
 * server may be handing out too), and each change is recorded with a notice in the same
 * transaction, so a server that polls the notices reloads the account without a restart. */
#include "app/admin_cli.h"
#include "store/write.h"
#include "util/log.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct urow {
    int64_t id;
    char *name, *username;
    int admin, disabled;
} urow;

typedef struct ulist {
    urow *rows;
    int n;
} ulist;

static urow *find(ulist *l, int64_t id)
{
    for (int i = 0; i < l->n; i++)
        if (l->rows[i].id == id) return &l->rows[i];
    return NULL;
}

static void ld_user(void *ud, int64_t id, const char *name, const char *hash)
{
    ulist *l = ud;
    (void)hash;
    l->rows = sr_xrealloc(l->rows, (size_t)(l->n + 1) * sizeof *l->rows);
    l->rows[l->n++] = (urow){id, sr_xstrdup(name), NULL, 0, 0};
}

static void ld_account(void *ud, int64_t id, const char *username, const char *pw, int admin,
                       int disabled, const char *bio, int hide)
{
    (void)pw, (void)bio, (void)hide;
    urow *r = find(ud, id);
    if (!r) return;
    r->username = sr_xstrdup(username);
    r->admin = admin;
    r->disabled = disabled;
}

static void nop_max(void *ud, int64_t u, int64_t room, int64_t entry, int64_t chat, int64_t play)
{
    (void)ud, (void)u, (void)room, (void)entry, (void)chat, (void)play;
}

static void nop_room(void *ud, const sr_room_row *r)
{
    (void)ud, (void)r;
}
static void nop_track(void *ud, const sr_track_row *t)
{
    (void)ud, (void)t;
}
static void nop_entry(void *ud, int64_t a, int64_t b, int64_t c, int64_t d, double e)
{
    (void)ud, (void)a, (void)b, (void)c, (void)d, (void)e;
}
static void nop_vote(void *ud, int64_t a, int64_t b, int c)
{
    (void)ud, (void)a, (void)b, (void)c;
}
static void nop_chat(void *ud, int64_t a, int64_t b, int64_t c, const char *t, double d)
{
    (void)ud, (void)a, (void)b, (void)c, (void)t, (void)d;
}
static void nop_ranked(void *ud, int64_t a, int64_t b, int64_t c)
{
    (void)ud, (void)a, (void)b, (void)c;
}
static void nop_recent(void *ud, int64_t a, int64_t b)
{
    (void)ud, (void)a, (void)b;
}

static urow *by_username(ulist *l, const char *username)
{
    for (int i = 0; i < l->n; i++)
        if (l->rows[i].username && !strcmp(l->rows[i].username, username)) return &l->rows[i];
    return NULL;
}

/* The new password: SOUNDROOM_PASSWORD, or the first line of standard input. */
static char *read_password(void)
{
    const char *env = getenv("SOUNDROOM_PASSWORD");
    if (env) return sr_xstrdup(env);
    char buf[1100];
    if (isatty(0)) fprintf(stderr, "password: ");
    if (!fgets(buf, sizeof buf, stdin)) return NULL;
    buf[strcspn(buf, "\r\n")] = 0;
    return sr_xstrdup(buf);
}

/* Reads the new password and hashes it into hash. Returns 0, 2 (too short) or 1. */
static int new_password_hash(const sr_hub_config *hc, char hash[crypto_pwhash_STRBYTES])
{
    char *pw = read_password();
    if (!pw || strlen(pw) < 8) {
        fprintf(stderr, "soundroom: the password must be at least 8 characters\n");
        free(pw);
        return 2;
    }
    int rc = crypto_pwhash_str(hash, pw, strlen(pw), hc->pw_ops, hc->pw_mem) ? 1 : 0;
    sodium_memzero(pw, strlen(pw));
    free(pw);
    return rc;
}

/* Applies the n writes of w and a notice for user in one transaction; clears the writes. */
static int apply(sr_store *st, sr_write *w, int n, int64_t user)
{
    sr_write_notice(&w[n++], SR_NOTICE_ACCOUNT, user, sr_now_ms());
    int rc = st->ops->begin(st);
    for (int i = 0; i < n && !rc; i++)
        rc = st->ops->write(st, &w[i]);
    rc = rc ? (st->ops->rollback(st), rc) : st->ops->commit(st);
    for (int i = 0; i < n; i++)
        sr_write_clear(&w[i]);
    return rc;
}

int sr_admin_user(sr_store *st, const sr_hub_config *hc, const char *verb, const char *name)
{
    ulist l = {0};
    sr_load_sink k = {.ud = &l,
                      .user = ld_user,
                      .room = nop_room,
                      .track = nop_track,
                      .entry = nop_entry,
                      .vote = nop_vote,
                      .chat = nop_chat,
                      .ranked = nop_ranked,
                      .recent = nop_recent,
                      .max_ids = nop_max,
                      .chat_limit = 1,
                      .account = ld_account};
    int rc = st->ops->load(st, &k);
    urow *u = name ? by_username(&l, name) : NULL;
    sr_write w[3]; /* up to two changes and their notice */
    memset(w, 0, sizeof w);
    if (rc) goto out;
    if (!strcmp(verb, "list")) {
        printf("%-6s %-24s %-24s %s\n", "id", "username", "name", "flags");
        for (int i = 0; i < l.n; i++)
            if (l.rows[i].username)
                printf("%-6lld %-24s %-24s %s%s\n", (long long)l.rows[i].id, l.rows[i].username,
                       l.rows[i].name, l.rows[i].admin ? "admin " : "",
                       l.rows[i].disabled ? "disabled" : "");
        goto out;
    }
    if (!name) {
        fprintf(stderr, "soundroom user %s: a username is required\n", verb);
        rc = 2;
        goto out;
    }
    if (!strcmp(verb, "add")) {
        if (u) {
            fprintf(stderr, "soundroom: user '%s' exists\n", name);
            rc = 1;
            goto out;
        }
        char hash[crypto_pwhash_STRBYTES];
        if ((rc = new_password_hash(hc, hash))) goto out;
        /* an id of our own: a running server, or another CLI, never hands out the same */
        int64_t id = 0;
        if ((rc = sr_store_reserve_ids(st, SR_ID_USER, 1, &id))) goto out;
        sr_write_account(&w[0], id, name, hash, name, sr_now_ms());
        rc = apply(st, w, 1, id);
        if (!rc) printf("added %s (id %lld)\n", name, (long long)id);
        goto out;
    }
    if (!u) {
        fprintf(stderr, "soundroom: no user '%s'\n", name);
        rc = 1;
        goto out;
    }
    if (!strcmp(verb, "passwd")) {
        char hash[crypto_pwhash_STRBYTES];
        if ((rc = new_password_hash(hc, hash))) goto out;
        sr_write_password(&w[0], u->id, hash);
        sr_write_sessions_revoke(&w[1], u->id, NULL);
        rc = apply(st, w, 2, u->id);
    } else if (!strcmp(verb, "disable") || !strcmp(verb, "enable")) {
        sr_write_user_flags(&w[0], u->id, u->admin, verb[0] == 'd');
        sr_write_sessions_revoke(&w[1], u->id, NULL);
        rc = apply(st, w, verb[0] == 'd' ? 2 : 1, u->id);
    } else if (!strcmp(verb, "promote") || !strcmp(verb, "demote")) {
        sr_write_user_flags(&w[0], u->id, verb[0] == 'p', u->disabled);
        rc = apply(st, w, 1, u->id);
    } else {
        fprintf(stderr,
                "soundroom: unknown user command '%s' (add, list, passwd, disable, "
                "enable, promote, demote)\n",
                verb);
        rc = 2;
        goto out;
    }
    if (!rc) printf("%s: %s done\n", name, verb);
out:
    for (int i = 0; i < l.n; i++)
        free(l.rows[i].name), free(l.rows[i].username);
    free(l.rows);
    if (rc < 0) fprintf(stderr, "soundroom: the store failed: %s\n", sr_strerror(rc));
    return rc < 0 ? 1 : rc;
}
