/* accounts.c - accounts, sign-in sessions, profiles and follows.
 *
 * Passwords are argon2id (libsodium crypto_pwhash_str) computed on the task pool, never on the
 * service thread. A sign-in creates a fresh 256-bit token; only its BLAKE2b hash is stored and
 * kept in memory. Unknown users are verified against a dummy hash so that "no such user" and
 * "wrong password" cost the same and answer the same. */
#include "app/hub_internal.h"
#include "app/playlists.h"
#include "util/log.h"
#include "util/util.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COOKIE "sr_session"
#define THROTTLE_FREE 5       /* failures per account before backing off */
#define THROTTLE_FREE_ADDR 20 /* per address: many people may share one (NAT) */
#define THROTTLE_MAX_S 900    /* longest back-off */

typedef enum { T_SIGNUP, T_LOGIN, T_PASSWORD, T_DELETE } task_kind;

/* A password task: hashing or verifying on the pool, then finishing on the service thread. */
typedef struct pw_task {
    sr_task base;
    sr_hub *h;
    task_kind kind;
    int64_t uid;
    char *username, *name, *password, *new_password;
    char *hash;     /* in: stored hash to verify; out (signup/rehash): new hash */
    char *new_hash; /* out: hash of new_password / upgraded hash */
    char addr[64];
    char keep_hash[65]; /* password change: the session that stays */
    int ok;
    void (*reply)(void *ctx, int status, json_t *body, const char *set_cookie);
    void *ctx;
} pw_task;

/* ---------- helpers ---------- */

int hub_is_guest(sr_hub *h, int64_t uid)
{
    user *u = hub_user_get(h, uid);
    return !u || !u->username;
}

static json_t *me_json(sr_hub *h, int64_t uid)
{
    user *u = hub_user_get(h, uid);
    return json_pack("{s:I,s:s,s:s?,s:s,s:b,s:b,s:o}", "id", (json_int_t)uid, "name", u->name,
                     "username", u->username, "bio", u->bio ? u->bio : "", "admin", u->admin,
                     "hide_activity", u->hide_activity, "avatar", hub_avatar_url(h, uid));
}

static int64_t session_user(sr_hub *h, const char *token, char hash_out[65])
{
    if (!token || !*token || strlen(token) > 128) return 0;
    char hash[65];
    hub_token_hash(token, hash);
    int64_t i = sr_map_get(&h->sessions, hash);
    if (!i) return 0;
    auth_session *a = &h->auth[i - 1];
    user *u = hub_user_get(h, a->user);
    if (!u || u->disabled || !u->username || a->expires < sr_now_ms()) return 0;
    if (hash_out) memcpy(hash_out, hash, 65);
    return a->user;
}

int64_t sr_hub_token_user(sr_hub *h, const char *token)
{
    return session_user(h, token, NULL);
}

void sr_hub_session_auth(sr_hub *h, sr_session *s, const char *token)
{
    s->auth_user = session_user(h, token, s->auth_hash);
}

static void session_add(sr_hub *h, const char *hash, int64_t uid, double expires)
{
    if (h->nauth == h->capauth) {
        h->capauth = h->capauth ? h->capauth * 2 : 64;
        h->auth = sr_xrealloc(h->auth, (size_t)h->capauth * sizeof *h->auth);
    }
    auth_session *a = &h->auth[h->nauth++];
    snprintf(a->hash, sizeof a->hash, "%s", hash);
    a->user = uid;
    a->expires = expires;
    sr_map_put(&h->sessions, hash, h->nauth);
}

/* Forgets a session in memory (the slot is reused by moving the last one in). */
static void session_drop(sr_hub *h, const char *hash)
{
    int64_t i = sr_map_del(&h->sessions, hash);
    if (!i) return;
    auth_session *last = &h->auth[--h->nauth];
    if (i - 1 != h->nauth) {
        h->auth[i - 1] = *last;
        sr_map_put(&h->sessions, h->auth[i - 1].hash, i);
    }
}

typedef struct close_match {
    sr_hub *h;
    const char *hash; /* close this session; or, when NULL, every session of uid but keep */
    int64_t uid;
    const char *keep;
} close_match;

static void close_if(sr_session *s, void *ud)
{
    close_match *m = ud;
    if (!s->auth_user) return;
    if (m->hash ? !strcmp(s->auth_hash, m->hash)
                : (s->auth_user == m->uid && (!m->keep || strcmp(s->auth_hash, m->keep))))
        m->h->net.close(s, 4003, "session revoked");
}

/* Revokes in memory and closes the WebSockets that authenticated with it. */
static void revoke(sr_hub *h, const char *hash, int64_t uid, const char *keep)
{
    if (hash) {
        session_drop(h, hash);
    } else {
        for (int i = h->nauth - 1; i >= 0; i--)
            if (h->auth[i].user == uid && (!keep || strcmp(h->auth[i].hash, keep)))
                session_drop(h, h->auth[i].hash);
    }
    close_match m = {h, hash, uid, keep};
    if (h->net.each_session) h->net.each_session(close_if, &m);
}

static int valid_username(const char *u)
{
    size_t n = strlen(u);
    if (n < 3 || n > 32) return 0;
    for (const char *p = u; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_' || *p == '-' ||
              *p == '.'))
            return 0;
    return 1;
}

static const char *str_field(json_t *body, const char *key)
{
    json_t *v = json_object_get(body, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---------- throttling ---------- */

static throttle *thr_get(sr_hub *h, const char *key, int create)
{
    int64_t i = sr_map_get(&h->throttles, key);
    if (i) return &h->thr[i - 1];
    if (!create) return NULL;
    if (h->nthr == h->capthr) {
        h->capthr = h->capthr ? h->capthr * 2 : 64;
        h->thr = sr_xrealloc(h->thr, (size_t)h->capthr * sizeof *h->thr);
    }
    h->thr[h->nthr] = (throttle){0, 0};
    sr_map_put(&h->throttles, key, ++h->nthr);
    return &h->thr[h->nthr - 1];
}

/* Seconds until this key may try again, 0 when it may now. */
static int thr_wait(sr_hub *h, const char *key)
{
    throttle *t = thr_get(h, key, 0);
    int64_t now = sr_mono_us();
    return t && t->until_us > now ? (int)((t->until_us - now) / 1000000 + 1) : 0;
}

static void thr_fail(sr_hub *h, const char *key)
{
    throttle *t = thr_get(h, key, 1);
    int free_tries = key[0] == 'a' ? THROTTLE_FREE_ADDR : THROTTLE_FREE;
    if (++t->failures < free_tries) return;
    int shift = t->failures - free_tries;
    int64_t secs = shift > 10 ? THROTTLE_MAX_S : (int64_t)1 << shift;
    if (secs > THROTTLE_MAX_S) secs = THROTTLE_MAX_S;
    t->until_us = sr_mono_us() + secs * 1000000;
}

static void thr_clear(sr_hub *h, const char *key)
{
    throttle *t = thr_get(h, key, 0);
    if (t) *t = (throttle){0, 0};
}

/* ---------- password tasks ---------- */

static void pw_free(pw_task *t)
{
    free(t->username);
    free(t->name);
    if (t->password) sodium_memzero(t->password, strlen(t->password)), free(t->password);
    if (t->new_password)
        sodium_memzero(t->new_password, strlen(t->new_password)), free(t->new_password);
    free(t->hash);
    free(t->new_hash);
    free(t);
}

static char *hash_password(const char *pw, unsigned long long ops, size_t mem)
{
    char out[crypto_pwhash_STRBYTES];
    if (crypto_pwhash_str(out, pw, strlen(pw), ops, mem)) return NULL;
    return sr_xstrdup(out);
}

/* Runs on a pool thread: touches only the task. */
static void pw_run(sr_task *base)
{
    pw_task *t = (pw_task *)base;
    unsigned long long ops = t->h->cfg.pw_ops;
    size_t mem = t->h->cfg.pw_mem;
    switch (t->kind) {
    case T_SIGNUP:
        t->new_hash = hash_password(t->password, ops, mem);
        t->ok = t->new_hash != NULL;
        break;
    case T_LOGIN:
    case T_DELETE:
    case T_PASSWORD:
        t->ok = crypto_pwhash_str_verify(t->hash, t->password, strlen(t->password)) == 0;
        if (t->ok && t->kind == T_PASSWORD)
            t->new_hash = hash_password(t->new_password, ops, mem);
        else if (t->ok && t->kind == T_LOGIN && crypto_pwhash_str_needs_rehash(t->hash, ops, mem))
            t->new_hash = hash_password(t->password, ops, mem); /* upgrade to current cost */
        break;
    }
}

static char *new_token(char hash[65])
{
    unsigned char b[32];
    char tok[65];
    randombytes_buf(b, sizeof b);
    sodium_bin2hex(tok, sizeof tok, b, sizeof b);
    hub_token_hash(tok, hash);
    return sr_xstrdup(tok);
}

/* Starts a session for uid: the writes in j (plus the session row) become durable, then the
 * client gets the token in the body (for SDK clients) and in an HttpOnly cookie (browsers). */
static void start_session(sr_hub *h, job *j, int64_t uid, int status,
                          void (*reply)(void *, int, json_t *, const char *), void *ctx)
{
    char hash[65];
    char *token = new_token(hash);
    double expires = sr_now_ms() + h->cfg.session_days * 86400e3;
    session_add(h, hash, uid, expires);
    sr_write *w = hub_job_write(j, SR_W_SESSION);
    w->s1 = sr_xstrdup(hash);
    w->a = uid;
    w->t = expires;
    char cookie[200];
    snprintf(cookie, sizeof cookie, COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%d", token,
             (int)(h->cfg.session_days * 86400));
    json_t *body = json_pack("{s:o,s:s}", "user", me_json(h, uid), "token", token);
    free(token);
    hub_submit_reply(h, j, NULL, reply, ctx, status, body, cookie);
}

static void pw_done(sr_task *base)
{
    pw_task *t = (pw_task *)base;
    sr_hub *h = t->h;
    switch (t->kind) {
    case T_SIGNUP: {
        if (!t->ok) {
            t->reply(t->ctx, 500,
                     json_pack("{s:{s:s,s:s}}", "error", "code", "internal", "message",
                               "could not hash the password"),
                     NULL);
            break;
        }
        if (sr_map_get(&h->usernames, t->username)) { /* taken while we were hashing */
            t->reply(t->ctx, 409,
                     json_pack("{s:{s:s,s:s}}", "error", "code", "username_taken", "message",
                               "that username is taken"),
                     NULL);
            break;
        }
        int64_t uid = h->nusers ? h->nusers : 1;
        user *u = hub_user_set(h, uid, t->name, NULL);
        u->username = sr_xstrdup(t->username);
        u->pw_hash = sr_xstrdup(t->new_hash);
        sr_map_put(&h->usernames, t->username, uid);
        job *j = hub_job_new(NULL);
        sr_write *w = hub_job_write(j, SR_W_ACCOUNT);
        w->a = uid;
        w->s1 = sr_xstrdup(t->username);
        w->s2 = sr_xstrdup(t->new_hash);
        w->s3 = sr_xstrdup(t->name);
        w->t = sr_now_ms();
        sr_log(SR_LOG_INFO, "account created", "user=%lld", (long long)uid);
        start_session(h, j, uid, 201, t->reply, t->ctx);
        break;
    }
    case T_LOGIN: {
        char ukey[80], akey[80];
        snprintf(ukey, sizeof ukey, "u:%s", t->username);
        snprintf(akey, sizeof akey, "a:%s", t->addr);
        user *u = hub_user_get(h, t->uid);
        if (!t->ok || !u || u->disabled || !u->username) {
            thr_fail(h, ukey);
            thr_fail(h, akey);
            sr_log(SR_LOG_WARN, "sign-in failed", "addr=\"%s\"", t->addr);
            t->reply(t->ctx, 401,
                     json_pack("{s:{s:s,s:s}}", "error", "code", "bad_credentials", "message",
                               "wrong username or password"),
                     NULL);
            break;
        }
        thr_clear(h, ukey);
        thr_clear(h, akey);
        job *j = hub_job_new(NULL);
        if (t->new_hash) {
            free(u->pw_hash);
            u->pw_hash = sr_xstrdup(t->new_hash);
            sr_write *w = hub_job_write(j, SR_W_PASSWORD);
            w->a = t->uid;
            w->s2 = sr_xstrdup(t->new_hash);
        }
        start_session(h, j, t->uid, 200, t->reply, t->ctx);
        break;
    }
    case T_PASSWORD: {
        user *u = hub_user_get(h, t->uid);
        if (!t->ok || !u || !t->new_hash) {
            t->reply(t->ctx, 403,
                     json_pack("{s:{s:s,s:s}}", "error", "code", "bad_credentials", "message",
                               "the current password is wrong"),
                     NULL);
            break;
        }
        free(u->pw_hash);
        u->pw_hash = sr_xstrdup(t->new_hash);
        job *j = hub_job_new(NULL);
        sr_write *w = hub_job_write(j, SR_W_PASSWORD);
        w->a = t->uid;
        w->s2 = sr_xstrdup(t->new_hash);
        w = hub_job_write(j, SR_W_SESSION_REVOKE);
        w->a = t->uid;
        w->s2 = sr_xstrdup(t->keep_hash);
        revoke(h, NULL, t->uid, t->keep_hash); /* every other session signs in again */
        hub_submit_reply(h, j, NULL, t->reply, t->ctx, 200, json_pack("{s:b}", "ok", 1), NULL);
        break;
    }
    case T_DELETE: {
        user *u = hub_user_get(h, t->uid);
        if (!t->ok || !u || !u->username) {
            t->reply(t->ctx, 403,
                     json_pack("{s:{s:s,s:s}}", "error", "code", "bad_credentials", "message",
                               "the password is wrong"),
                     NULL);
            break;
        }
        revoke(h, NULL, t->uid, NULL);
        sr_map_del(&h->usernames, u->username);
        free(u->username), u->username = NULL;
        free(u->pw_hash), u->pw_hash = NULL;
        free(u->bio), u->bio = NULL;
        hub_avatar_forget(u);
        u->disabled = 1;
        free(u->name);
        u->name = sr_xstrdup("deleted user");
        u->shown++;
        /* follows in memory go with the account */
        for (int i = 0; i < u->nfollowing; i++) {
            user *o = hub_user_get(h, u->following[i]);
            for (int k = 0; o && k < o->nfollowers; k++)
                if (o->followers[k] == t->uid) o->followers[k] = o->followers[--o->nfollowers];
        }
        for (int i = 0; i < u->nfollowers; i++) {
            user *o = hub_user_get(h, u->followers[i]);
            for (int k = 0; o && k < o->nfollowing; k++)
                if (o->following[k] == t->uid) o->following[k] = o->following[--o->nfollowing];
        }
        u->nfollowing = u->nfollowers = 0;
        hub_forget_chat_of(h, t->uid);
        int lists = sr_playlists_forget_user(h, t->uid);
        job *j = hub_job_new(NULL);
        hub_job_write(j, SR_W_USER_DELETE)->a = t->uid;
        hub_submit_reply(h, j, NULL, t->reply, t->ctx, 200, json_pack("{s:b}", "deleted", 1),
                         COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
        sr_log(SR_LOG_INFO, "account deleted", "user=%lld playlists=%d", (long long)t->uid, lists);
        break;
    }
    }
    pw_free(t);
}

static pw_task *pw_new(sr_hub *h, task_kind kind, const sr_rest *q)
{
    pw_task *t = sr_xcalloc(1, sizeof *t);
    t->base.run = pw_run;
    t->base.done = pw_done;
    t->h = h;
    t->kind = kind;
    t->reply = q->reply;
    t->ctx = q->ctx;
    snprintf(t->addr, sizeof t->addr, "%s", q->addr ? q->addr : "?");
    return t;
}

/* ---------- endpoints ---------- */

static int check_password(const sr_rest *q, const char *pw, const char *field)
{
    char msg[80];
    if (!pw) {
        snprintf(msg, sizeof msg, "field '%s' is required", field);
        hub_rest_error(q, 400, "missing_field", msg);
        return -1;
    }
    size_t n = strlen(pw);
    if (n < 8) {
        snprintf(msg, sizeof msg, "field '%s' must be at least 8 characters", field);
        hub_rest_error(q, 400, "bad_field", msg);
        return -1;
    }
    if (n > 1024) {
        hub_rest_error(q, 400, "too_long", "passwords are at most 1024 bytes");
        return -1;
    }
    return 0;
}

static void ep_signup(sr_hub *h, const sr_rest *q)
{
    const char *username = str_field(q->body, "username"), *pw = str_field(q->body, "password"),
               *name = str_field(q->body, "name");
    if (!username) return hub_rest_error(q, 400, "missing_field", "field 'username' is required");
    if (!valid_username(username))
        return hub_rest_error(q, 400, "bad_field", "usernames are 3-32 of a-z, 0-9, '_', '-', '.'");
    if (check_password(q, pw, "password")) return;
    if (name && (!*name || sr_utf8_len(name, strlen(name)) > 40))
        return hub_rest_error(q, 400, "bad_field", "field 'name' must be 1-40 characters");
    if (sr_map_get(&h->usernames, username))
        return hub_rest_error(q, 409, "username_taken", "that username is taken");
    pw_task *t = pw_new(h, T_SIGNUP, q);
    t->username = sr_xstrdup(username);
    t->name = sr_xstrdup(name ? name : username);
    t->password = sr_xstrdup(pw);
    sr_pool_submit(h->pool, &t->base);
}

static void ep_login(sr_hub *h, const sr_rest *q)
{
    const char *username = str_field(q->body, "username"), *pw = str_field(q->body, "password");
    if (!username) return hub_rest_error(q, 400, "missing_field", "field 'username' is required");
    if (!pw) return hub_rest_error(q, 400, "missing_field", "field 'password' is required");
    if (strlen(username) > 64 || strlen(pw) > 1024)
        return hub_rest_error(q, 401, "bad_credentials", "wrong username or password");
    char ukey[80], akey[80];
    snprintf(ukey, sizeof ukey, "u:%s", username);
    snprintf(akey, sizeof akey, "a:%s", q->addr ? q->addr : "?");
    int wait = thr_wait(h, ukey), wa = thr_wait(h, akey);
    if (wa > wait) wait = wa;
    if (wait) {
        q->reply(q->ctx, 429,
                 json_pack("{s:{s:s,s:s,s:i}}", "error", "code", "throttled", "message",
                           "too many failed sign-ins; try again later", "retry_after", wait),
                 NULL);
        return;
    }
    pw_task *t = pw_new(h, T_LOGIN, q);
    t->username = sr_xstrdup(username);
    t->password = sr_xstrdup(pw);
    t->uid = sr_map_get(&h->usernames, username);
    user *u = hub_user_get(h, t->uid);
    t->hash = sr_xstrdup(u && u->pw_hash ? u->pw_hash : h->dummy_hash);
    if (!u || !u->pw_hash) t->uid = 0;
    sr_pool_submit(h->pool, &t->base);
}

static void ep_logout(sr_hub *h, const sr_rest *q)
{
    char hash[65];
    if (!session_user(h, q->token, hash))
        return hub_rest_error(q, 401, "unauthenticated", "not signed in");
    revoke(h, hash, 0, NULL);
    job *j = hub_job_new(NULL);
    hub_job_write(j, SR_W_SESSION_REVOKE)->s1 = sr_xstrdup(hash);
    hub_submit_reply(h, j, NULL, q->reply, q->ctx, 200, json_pack("{s:b}", "ok", 1),
                     COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
}

static void ep_password(sr_hub *h, const sr_rest *q, int64_t uid, const char *hash)
{
    const char *old = str_field(q->body, "old_password"), *nw = str_field(q->body, "new_password");
    if (!old) return hub_rest_error(q, 400, "missing_field", "field 'old_password' is required");
    if (check_password(q, nw, "new_password")) return;
    user *u = hub_user_get(h, uid);
    pw_task *t = pw_new(h, T_PASSWORD, q);
    t->uid = uid;
    t->password = sr_xstrdup(old);
    t->new_password = sr_xstrdup(nw);
    t->hash = sr_xstrdup(u->pw_hash);
    snprintf(t->keep_hash, sizeof t->keep_hash, "%s", hash);
    sr_pool_submit(h->pool, &t->base);
}

static void ep_delete_me(sr_hub *h, const sr_rest *q, int64_t uid)
{
    const char *pw = str_field(q->body, "password");
    if (!pw) return hub_rest_error(q, 400, "missing_field", "field 'password' is required");
    user *u = hub_user_get(h, uid);
    pw_task *t = pw_new(h, T_DELETE, q);
    t->uid = uid;
    t->password = sr_xstrdup(pw);
    t->hash = sr_xstrdup(u->pw_hash);
    sr_pool_submit(h->pool, &t->base);
}

static void ep_patch_me(sr_hub *h, const sr_rest *q, int64_t uid)
{
    user *u = hub_user_get(h, uid);
    json_t *name = json_object_get(q->body, "name"), *bio = json_object_get(q->body, "bio"),
           *hide = json_object_get(q->body, "hide_activity");
    if (!json_is_object(q->body))
        return hub_rest_error(q, 400, "bad_json", "the body must be a JSON object");
    if (name && (!json_is_string(name) || !json_string_length(name)))
        return hub_rest_error(q, 400, "bad_field", "field 'name' must be a non-empty string");
    if (name && sr_utf8_len(json_string_value(name), json_string_length(name)) > 40)
        return hub_rest_error(q, 400, "too_long", "field 'name' is over 40 characters");
    if (bio && !json_is_string(bio))
        return hub_rest_error(q, 400, "bad_field", "field 'bio' must be a string");
    if (bio && sr_utf8_len(json_string_value(bio), json_string_length(bio)) > 300)
        return hub_rest_error(q, 400, "too_long", "field 'bio' is over 300 characters");
    if (hide && !json_is_boolean(hide))
        return hub_rest_error(q, 400, "bad_field", "field 'hide_activity' must be true or false");
    for (const char *p = name ? json_string_value(name) : ""; *p; p++)
        if ((unsigned char)*p < 0x20)
            return hub_rest_error(q, 400, "bad_field", "names may not contain control characters");
    if (name) free(u->name), u->name = sr_xstrdup(json_string_value(name)), u->shown++;
    if (bio) free(u->bio), u->bio = sr_xstrdup(json_string_value(bio));
    if (hide) u->hide_activity = json_is_true(hide);
    job *j = hub_job_new(NULL);
    sr_write *w = hub_job_write(j, SR_W_PROFILE);
    w->a = uid;
    w->s1 = sr_xstrdup(u->name);
    w->s2 = sr_xstrdup(u->bio ? u->bio : "");
    w->v = u->hide_activity;
    hub_friends_notify(h, uid);
    hub_submit_reply(h, j, NULL, q->reply, q->ctx, 200, json_pack("{s:o}", "user", me_json(h, uid)),
                     NULL);
}

static int follows(user *u, int64_t other)
{
    for (int i = 0; i < u->nfollowing; i++)
        if (u->following[i] == other) return 1;
    return 0;
}

static void push_id(int64_t **a, int *n, int *cap, int64_t v)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *a = sr_xrealloc(*a, (size_t)*cap * sizeof **a);
    }
    (*a)[(*n)++] = v;
}

static void drop_id(int64_t *a, int *n, int64_t v)
{
    for (int i = 0; i < *n; i++)
        if (a[i] == v) {
            a[i] = a[--*n];
            return;
        }
}

void hub_ld_follow(void *ud, int64_t follower, int64_t followee)
{
    sr_hub *h = ud;
    user *a = hub_user_get(h, follower), *b = hub_user_get(h, followee);
    if (!a || !b || follows(a, followee)) return;
    push_id(&a->following, &a->nfollowing, &a->capfollowing, followee);
    push_id(&b->followers, &b->nfollowers, &b->capfollowers, follower);
}

/* Where a user listens, as their friends may see it: {id,name} of the room or null. */
static json_t *where_json(sr_hub *h, user *u)
{
    (void)h;
    if (!u || u->hide_activity || !u->room) return json_null();
    return json_pack("{s:I,s:s}", "id", (json_int_t)u->room->id, "name", u->room->name);
}

static json_t *profile_json(sr_hub *h, int64_t uid, int64_t viewer)
{
    user *u = hub_user_get(h, uid);
    user *v = hub_user_get(h, viewer);
    json_t *o = json_pack("{s:I,s:s,s:s,s:i,s:i,s:b}", "id", (json_int_t)uid, "name", u->name,
                          "bio", u->bio ? u->bio : "", "followers", u->nfollowers, "following",
                          u->nfollowing, "guest", !u->username);
    if (v) {
        json_object_set_new(o, "you_follow", json_boolean(follows(v, uid)));
        json_object_set_new(o, "friend", json_boolean(follows(v, uid) && follows(u, viewer)));
    }
    json_object_set_new(o, "listening_in", where_json(h, u));
    json_object_set_new(o, "avatar", hub_avatar_url(h, uid));
    return o;
}

static void ep_follow(sr_hub *h, const sr_rest *q, int64_t uid, int64_t target, int on)
{
    user *me = hub_user_get(h, uid), *t = hub_user_get(h, target);
    if (!t || !t->username) return hub_rest_error(q, 404, "no_such_user", "no user with that id");
    if (target == uid) return hub_rest_error(q, 400, "bad_field", "you cannot follow yourself");
    if (on && !follows(me, target)) {
        push_id(&me->following, &me->nfollowing, &me->capfollowing, target);
        push_id(&t->followers, &t->nfollowers, &t->capfollowers, uid);
    } else if (!on && follows(me, target)) {
        drop_id(me->following, &me->nfollowing, target);
        drop_id(t->followers, &t->nfollowers, uid);
    }
    job *j = hub_job_new(NULL);
    sr_write *w = hub_job_write(j, SR_W_FOLLOW);
    w->a = uid;
    w->b = target;
    w->v = on;
    w->t = sr_now_ms();
    hub_submit_reply(h, j, NULL, q->reply, q->ctx, 200,
                     json_pack("{s:o}", "user", profile_json(h, target, uid)), NULL);
}

/* Friends (mutual follows) and where they listen now. */
static json_t *friends_json(sr_hub *h, int64_t uid)
{
    user *me = hub_user_get(h, uid);
    json_t *a = json_array();
    for (int i = 0; i < me->nfollowing; i++) {
        user *f = hub_user_get(h, me->following[i]);
        if (!f || !follows(f, uid)) continue;
        /* with the avatar: the friends list shows faces, as the listener list does */
        json_array_append_new(a,
                              json_pack("{s:o,s:o}", "user", hub_listener_json(h, me->following[i]),
                                        "listening_in", where_json(h, f)));
    }
    return json_pack("{s:o}", "friends", a);
}

typedef struct notify_ctx {
    sr_hub *h;
    int64_t uid;
    json_t *msg;
} notify_ctx;

static void notify_one(sr_session *s, void *ud)
{
    notify_ctx *c = ud;
    if (!s->user || !s->wsi) return;
    user *viewer = hub_user_get(c->h, s->user), *u = hub_user_get(c->h, c->uid);
    if (viewer && u && follows(viewer, c->uid) && follows(u, s->user))
        hub_send_json(c->h, s, json_incref(c->msg));
}

void hub_friends_notify(sr_hub *h, int64_t uid)
{
    user *u = hub_user_get(h, uid);
    /* people who hide their activity are not announced at all */
    if (!u || !u->username || u->hide_activity || !u->nfollowers || !h->net.each_session) return;
    notify_ctx c = {h, uid, NULL};
    /* the same user object as GET /api/me/friends: a client replaces its entry with it */
    c.msg = json_pack("{s:s,s:o,s:o}", "type", "friend", "user", hub_listener_json(h, uid),
                      "listening_in", where_json(h, u));
    h->net.each_session(notify_one, &c);
    json_decref(c.msg);
}

typedef struct send_ctx {
    sr_hub *h;
    int64_t uid;
    json_t *msg;
} send_ctx;

static void send_one(sr_session *s, void *ud)
{
    send_ctx *c = ud;
    if (s->user == c->uid) hub_send_json(c->h, s, json_incref(c->msg));
}

void hub_send_user(sr_hub *h, int64_t uid, json_t *o)
{
    send_ctx c = {h, uid, o};
    if (h->net.each_session) h->net.each_session(send_one, &c);
    json_decref(o);
}

/* Every account, for server admins: {"users":[{id,username,name,admin,disabled}]}. */
static json_t *admin_users_json(sr_hub *h)
{
    json_t *a = json_array();
    for (int64_t i = 1; i < h->nusers; i++) {
        user *u = h->users[i];
        if (!u || !u->username) continue;
        json_array_append_new(a, json_pack("{s:I,s:s,s:s,s:b,s:b}", "id", (json_int_t)i, "username",
                                           u->username, "name", u->name, "admin", u->admin,
                                           "disabled", u->disabled));
    }
    return json_pack("{s:o}", "users", a);
}

/* PATCH /api/admin/users/:id {"disabled"?, "admin"?}: a disabled account's sessions end at
 * once (its sockets close with 4003). Admins cannot demote or disable themselves. */
static void ep_admin_user(sr_hub *h, const sr_rest *q, int64_t me, int64_t id)
{
    json_t *dis = json_object_get(q->body, "disabled"), *adm = json_object_get(q->body, "admin");
    if (!json_is_object(q->body) || (!dis && !adm))
        return hub_rest_error(q, 400, "missing_field", "give 'disabled' and/or 'admin'");
    if ((dis && !json_is_boolean(dis)) || (adm && !json_is_boolean(adm)))
        return hub_rest_error(q, 400, "bad_field", "'disabled' and 'admin' must be true or false");
    if (id == me)
        return hub_rest_error(q, 400, "bad_field", "admins cannot change their own standing");
    user *u = hub_user_get(h, id);
    if (dis) u->disabled = json_is_true(dis);
    if (adm) u->admin = json_is_true(adm);
    job *j = hub_job_new(NULL);
    sr_write *w = hub_job_write(j, SR_W_USER_FLAGS);
    w->a = id;
    w->v = u->admin;
    w->b = u->disabled;
    if (u->disabled) {
        hub_job_write(j, SR_W_SESSION_REVOKE)->a = id;
        revoke(h, NULL, id, NULL);
    }
    sr_log(SR_LOG_INFO, "account changed by an admin", "user=%lld admin=%lld", (long long)id,
           (long long)me);
    hub_submit_reply(h, j, NULL, q->reply, q->ctx, 200,
                     json_pack("{s:{s:I,s:s,s:b,s:b}}", "user", "id", (json_int_t)id, "username",
                               u->username, "admin", u->admin, "disabled", u->disabled),
                     NULL);
}

int hub_accounts_rest(sr_hub *h, const sr_rest *q)
{
    const char *p = q->path, *rest = "";
    char hash[65] = "";
    int64_t me = session_user(h, q->token, hash);
    if (!strncmp(p, "/api/auth/", 10)) {
        p += 10;
        if (q->method != 'P') return hub_rest_error(q, 405, "method_not_allowed", "use POST"), 1;
        if (!strcmp(p, "signup")) return ep_signup(h, q), 1;
        if (!strcmp(p, "login")) return ep_login(h, q), 1;
        if (!strcmp(p, "logout")) return ep_logout(h, q), 1;
        if (!strcmp(p, "password")) {
            if (!me) return hub_rest_error(q, 401, "unauthenticated", "sign in first"), 1;
            return ep_password(h, q, me, hash), 1;
        }
        return hub_rest_error(q, 404, "not_found", "no such endpoint"), 1;
    }
    if (!strcmp(p, "/api/me") || !strcmp(p, "/api/me/friends")) {
        if (!me) return hub_rest_error(q, 401, "unauthenticated", "sign in first"), 1;
        if (!strcmp(p, "/api/me/friends")) {
            if (q->method != 'G') return hub_rest_error(q, 405, "method_not_allowed", "use GET"), 1;
            return q->reply(q->ctx, 200, friends_json(h, me), NULL), 1;
        }
        if (q->method == 'G')
            return q->reply(q->ctx, 200, json_pack("{s:o}", "user", me_json(h, me)), NULL), 1;
        if (q->method == 'A') return ep_patch_me(h, q, me), 1;
        if (q->method == 'D') return ep_delete_me(h, q, me), 1;
        return hub_rest_error(q, 405, "method_not_allowed", "use GET, PATCH or DELETE"), 1;
    }
    if (!strcmp(p, "/api/admin/rooms")) {
        user *mu = hub_user_get(h, me);
        if (!me) return hub_rest_error(q, 401, "unauthenticated", "sign in first"), 1;
        if (!mu->admin)
            return hub_rest_error(q, 403, "not_allowed", "only server admins may do that"), 1;
        if (q->method != 'G') return hub_rest_error(q, 405, "method_not_allowed", "use GET"), 1;
        return q->reply(q->ctx, 200, hub_admin_rooms_json(h), NULL), 1;
    }
    if (!strncmp(p, "/api/admin/users", 16)) {
        user *mu = hub_user_get(h, me);
        if (!me) return hub_rest_error(q, 401, "unauthenticated", "sign in first"), 1;
        if (!mu->admin)
            return hub_rest_error(q, 403, "not_allowed", "only server admins may do that"), 1;
        if (!strcmp(p + 16, "")) {
            if (q->method != 'G') return hub_rest_error(q, 405, "method_not_allowed", "use GET"), 1;
            return q->reply(q->ctx, 200, admin_users_json(h), NULL), 1;
        }
        int64_t id = p[16] == '/' ? hub_path_id(p + 17, &rest) : 0;
        user *u = hub_user_get(h, id);
        if (!id || *rest || !u || !u->username)
            return hub_rest_error(q, 404, "no_such_user", "no account with that id"), 1;
        if (q->method != 'A') return hub_rest_error(q, 405, "method_not_allowed", "use PATCH"), 1;
        return ep_admin_user(h, q, me, id), 1;
    }
    if (!strncmp(p, "/api/users/", 11)) {
        int64_t id = hub_path_id(p + 11, &rest);
        user *u = hub_user_get(h, id);
        if (!id || !u || (!u->username && strcmp(rest, "")))
            return hub_rest_error(q, 404, "no_such_user", "no user with that id"), 1;
        if (!strcmp(rest, "")) {
            if (q->method != 'G') return hub_rest_error(q, 405, "method_not_allowed", "use GET"), 1;
            return q->reply(q->ctx, 200, json_pack("{s:o}", "user", profile_json(h, id, me)), NULL),
                   1;
        }
        if (!strcmp(rest, "/likes")) return hub_ep_user_likes(h, q, id, me), 1;
        if (!strcmp(rest, "/follow")) {
            if (!me) return hub_rest_error(q, 401, "unauthenticated", "sign in first"), 1;
            if (q->method == 'P' || q->method == 'U') return ep_follow(h, q, me, id, 1), 1;
            if (q->method == 'D') return ep_follow(h, q, me, id, 0), 1;
            return hub_rest_error(q, 405, "method_not_allowed", "use POST or DELETE"), 1;
        }
        return hub_rest_error(q, 404, "not_found", "no such endpoint"), 1;
    }
    return 0;
}

/* ---------- start-up ---------- */

void hub_ld_account(void *ud, int64_t id, const char *username, const char *pw_hash, int admin,
                    int disabled, const char *bio, int hide_activity)
{
    sr_hub *h = ud;
    user *u = hub_user_get(h, id);
    if (!u) return;
    if (username) {
        u->username = sr_xstrdup(username);
        sr_map_put(&h->usernames, username, id);
    }
    u->pw_hash = sr_xstrdup(pw_hash);
    u->admin = admin;
    u->disabled = disabled;
    u->bio = sr_xstrdup(bio && *bio ? bio : NULL);
    u->hide_activity = hide_activity;
}

void hub_ld_session(void *ud, const char *token_hash, int64_t uid, double expires)
{
    sr_hub *h = ud;
    if (expires > sr_now_ms() && token_hash && strlen(token_hash) == 64)
        session_add(h, token_hash, uid, expires);
}

static void wake_pool(void *ud)
{
    sr_hub *h = ud;
    if (h->net.wake) h->net.wake(h->net.ud);
}

void hub_accounts_start(sr_hub *h)
{
    h->pool = sr_pool_start(2, wake_pool, h);
    /* The dummy hash costs what a real one does, so a miss takes as long as a wrong password. */
    h->dummy_hash = hash_password("not a password anyone has", h->cfg.pw_ops, h->cfg.pw_mem);
    if (!h->dummy_hash) h->dummy_hash = sr_xstrdup("$argon2id$v=19$m=65536,t=2,p=1$invalid");
}

void hub_accounts_free(sr_hub *h)
{
    sr_pool_stop(h->pool);
    h->pool = NULL;
    sr_map_free(&h->usernames);
    sr_map_free(&h->sessions);
    sr_map_free(&h->throttles);
    free(h->auth);
    free(h->thr);
    free(h->dummy_hash);
}

int sr_hub_rest(sr_hub *h, const sr_rest *req)
{
    return hub_accounts_rest(h, req) || hub_avatars_rest(h, req) || hub_lobby_rest(h, req) ||
           hub_moderation_rest(h, req);
}
