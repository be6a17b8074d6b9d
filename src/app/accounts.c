/* accounts.c - the accounts module: sign-up, sign-in and sign-out, passwords, the signed-in
 * person's own profile, account deletion and the admins' view of accounts.
 *
 * Passwords are argon2id (libsodium crypto_pwhash_str) computed on the task pool, never on the
 * service thread. A sign-in creates a fresh 256-bit token; only its BLAKE2b hash is stored and
 * kept in memory. Unknown users are verified against a dummy hash so that "no such user" and
 * "wrong password" cost the same and answer the same. */
#include "app/kernel.h"
#include "app/modules.h"
#include "util/log.h"
#include "util/util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COOKIE "sr_session"
/* Failed sign-ins are throttled per address and per account-address pair, never per account
 * alone, so failures from one address never lock the owner out from another:
 * - a pair (this account from this address) has 5 free failures, then waits 1 s, 2 s, 4 s, ...
 *   at most 15 min between tries; the owner's sign-in clears it;
 * - an address has 20 failures at once, then one more every 3 min: at most 40 in any hour, 20
 *   an hour kept up. A success does not refill it (an attacker's own account would). IPv6
 *   addresses count by their /64, which one subscriber usually has whole. */
#define PAIR_FREE 5         /* failures per account and address before backing off */
#define PAIR_MAX_S 900      /* its longest back-off */
#define ADDR_BURST 20       /* failures per address at once (many may share one: NAT) */
#define ADDR_REFILL_S 180   /* then one more every 3 minutes */
#define THROTTLE_PRUNE 4096 /* entries before idle ones are swept */

/* Failed sign-in attempts for one account-address pair ("p:") or one address ("a:"). */
typedef struct throttle {
    char *key;
    int failures;     /* pair: failures since the last success */
    int64_t until_us; /* pair: no try before this */
    double tokens;    /* address: failures it may still have now */
    int64_t last_us;  /* the last failure (address: when tokens was computed) */
} throttle;

/* The module's state. */
typedef struct accounts {
    sr_map throttles; /* key -> index + 1 into thr */
    throttle *thr;
    int nthr, capthr, prune_at;
    char *dummy_hash; /* verified against for unknown users, so both cost the same */
} accounts;

static accounts *self_of(sr_hub *h)
{
    return hub_module_self(h, &sr_module_accounts);
}

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
    int https;          /* the client came by https: the cookie is Secure */
    char keep_hash[65]; /* password change: the session that stays */
    int ok;
    void (*reply)(void *ctx, int status, json_t *body, const char *set_cookie);
    void *ctx;
} pw_task;

/* ---------- helpers ---------- */

static json_t *me_json(sr_hub *h, int64_t uid)
{
    user *u = hub_user_get(h, uid);
    json_t *o = json_pack("{s:I,s:s,s:s?,s:s,s:b,s:b}", "id", (json_int_t)uid, "name", u->name,
                          "username", u->username, "bio", USER_BIO(u) ? USER_BIO(u) : "", "admin",
                          u->admin, "hide_activity", u->hide_activity);
    hub_person_json_hooks(h, uid, o); /* "avatar" */
    return o;
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

/* The throttle key of addr into out: "a:" and the address (an IPv6 one by its /64). */
static void addr_key(const char *addr, char *out, size_t n)
{
    struct in6_addr a6;
    char buf[INET6_ADDRSTRLEN];
    if (addr && strchr(addr, ':') && inet_pton(AF_INET6, addr, &a6) == 1 &&
        !IN6_IS_ADDR_V4MAPPED(&a6)) {
        memset(a6.s6_addr + 8, 0, 8);
        if (inet_ntop(AF_INET6, &a6, buf, sizeof buf)) addr = buf;
    }
    snprintf(out, n, "a:%s", addr ? addr : "?");
}

/* The throttle key of username signing in from addr: "p:", the address key, a newline, the
 * name (a newline is in neither). */
static void pair_key(const char *addr, const char *username, char *out, size_t n)
{
    char a[80];
    addr_key(addr, a, sizeof a);
    snprintf(out, n, "p:%s\n%s", a + 2, username);
}

/* An address with its bucket full again, or a pair whose last failure is an hour old and
 * whose wait is over, is as if it never failed: forgotten. */
static int thr_idle(const throttle *t, int64_t now)
{
    if (t->key[0] == 'a')
        return t->tokens + (double)(now - t->last_us) / (ADDR_REFILL_S * 1e6) >= ADDR_BURST;
    return t->until_us <= now && now - t->last_us > 3600 * (int64_t)1000000;
}

/* Sweeps idle entries once the table has doubled since the last sweep: memory stays
 * proportional to the addresses failing now, not to every address that ever failed. */
static void thr_prune(accounts *A)
{
    if (A->nthr < A->prune_at) return;
    int64_t now = sr_mono_us();
    int k = 0;
    sr_map_free(&A->throttles);
    for (int i = 0; i < A->nthr; i++) {
        if (thr_idle(&A->thr[i], now)) {
            free(A->thr[i].key);
            continue;
        }
        A->thr[k] = A->thr[i];
        sr_map_put(&A->throttles, A->thr[k].key, k + 1);
        k++;
    }
    A->nthr = k;
    A->prune_at = k * 2 > THROTTLE_PRUNE ? k * 2 : THROTTLE_PRUNE;
}

static throttle *thr_get(accounts *A, const char *key, int create)
{
    int64_t i = sr_map_get(&A->throttles, key);
    if (i) return &A->thr[i - 1];
    if (!create) return NULL;
    thr_prune(A);
    if (A->nthr == A->capthr) {
        A->capthr = A->capthr ? A->capthr * 2 : 64;
        A->thr = sr_xrealloc(A->thr, (size_t)A->capthr * sizeof *A->thr);
    }
    A->thr[A->nthr] = (throttle){sr_xstrdup(key), 0, 0, ADDR_BURST, sr_mono_us()};
    sr_map_put(&A->throttles, key, ++A->nthr);
    return &A->thr[A->nthr - 1];
}

/* An address's bucket brought up to now. */
static void addr_refill(throttle *t, int64_t now)
{
    t->tokens += (double)(now - t->last_us) / (ADDR_REFILL_S * 1e6);
    if (t->tokens > ADDR_BURST) t->tokens = ADDR_BURST;
    t->last_us = now;
}

/* Seconds until this key may try again, 0 when it may now. */
static int thr_wait(accounts *A, const char *key)
{
    throttle *t = thr_get(A, key, 0);
    int64_t now = sr_mono_us();
    if (!t) return 0;
    if (key[0] == 'a') {
        addr_refill(t, now);
        return t->tokens >= 1 ? 0 : (int)((1 - t->tokens) * ADDR_REFILL_S) + 1;
    }
    return t->until_us > now ? (int)((t->until_us - now) / 1000000 + 1) : 0;
}

static void thr_fail(accounts *A, const char *key)
{
    throttle *t = thr_get(A, key, 1);
    int64_t now = sr_mono_us();
    if (key[0] == 'a') {
        addr_refill(t, now);
        t->tokens = t->tokens > 1 ? t->tokens - 1 : 0;
        return;
    }
    t->last_us = now;
    if (++t->failures < PAIR_FREE) return;
    int shift = t->failures - PAIR_FREE;
    int64_t secs = shift > 10 ? PAIR_MAX_S : (int64_t)1 << shift;
    if (secs > PAIR_MAX_S) secs = PAIR_MAX_S;
    t->until_us = now + secs * 1000000;
}

/* The pair's failures are forgotten (the owner signed in); an address's never are. */
static void thr_clear(accounts *A, const char *key)
{
    throttle *t = thr_get(A, key, 0);
    if (t) t->failures = 0, t->until_us = 0;
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
static void start_session(sr_hub *h, job *j, int64_t uid, int status, int https,
                          void (*reply)(void *, int, json_t *, const char *), void *ctx)
{
    char hash[65];
    char *token = new_token(hash);
    double expires = sr_now_ms() + h->cfg.session_days * 86400e3;
    hub_session_add(h, hash, uid, expires);
    sr_write_session(hub_job_add(j), hash, uid, expires);
    char cookie[200];
    /* Secure when the client reached us by https (a trusted proxy's X-Forwarded-Proto too):
     * the browser then never sends the session over plain http */
    snprintf(cookie, sizeof cookie, COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%d%s",
             token, (int)(h->cfg.session_days * 86400), https ? "; Secure" : "");
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
        if (hub_user_by_name(h, t->username)) { /* taken while we were hashing */
            t->reply(t->ctx, 409,
                     json_pack("{s:{s:s,s:s}}", "error", "code", "username_taken", "message",
                               "that username is taken"),
                     NULL);
            break;
        }
        int64_t uid = hub_user_id_new(h);
        if (!uid) {
            t->reply(t->ctx, 500,
                     json_pack("{s:{s:s,s:s}}", "error", "code", "internal", "message",
                               "the store could not record this"),
                     NULL);
            break;
        }
        user *u = hub_user_set(h, uid, t->name, NULL);
        hub_user_set_username(h, uid, t->username);
        hub_user_acct(u)->pw_hash = sr_xstrdup(t->new_hash);
        job *j = hub_job_new(NULL);
        sr_write_account(hub_job_add(j), uid, t->username, t->new_hash, t->name, sr_now_ms());
        sr_log(SR_LOG_INFO, "account created", "user=%lld", (long long)uid);
        start_session(h, j, uid, 201, t->https, t->reply, t->ctx);
        sr_event ev = {.type = SR_EV_ACCOUNT_CREATED, .user = uid, .now = sr_now_ms()};
        hub_emit(h, &ev);
        break;
    }
    case T_LOGIN: {
        char pkey[160], akey[80];
        pair_key(t->addr, t->username, pkey, sizeof pkey);
        addr_key(t->addr, akey, sizeof akey);
        user *u = hub_user_get(h, t->uid);
        if (!t->ok || !u || u->disabled || !u->username) {
            thr_fail(self_of(h), pkey);
            thr_fail(self_of(h), akey);
            sr_log(SR_LOG_WARN, "sign-in failed", "addr=\"%s\"", t->addr);
            t->reply(t->ctx, 401,
                     json_pack("{s:{s:s,s:s}}", "error", "code", "bad_credentials", "message",
                               "wrong username or password"),
                     NULL);
            break;
        }
        thr_clear(self_of(h), pkey);
        job *j = hub_job_new(NULL);
        if (t->new_hash) {
            user_acct *a = hub_user_acct(u);
            free(a->pw_hash);
            a->pw_hash = sr_xstrdup(t->new_hash);
            sr_write_password(hub_job_add(j), t->uid, t->new_hash);
        }
        start_session(h, j, t->uid, 200, t->https, t->reply, t->ctx);
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
        user_acct *a = hub_user_acct(u);
        free(a->pw_hash);
        a->pw_hash = sr_xstrdup(t->new_hash);
        job *j = hub_job_new(NULL);
        sr_write_password(hub_job_add(j), t->uid, t->new_hash);
        sr_write_sessions_revoke(hub_job_add(j), t->uid, t->keep_hash);
        hub_session_revoke(h, NULL, t->uid, t->keep_hash); /* every other session signs in again */
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
        hub_account_forget(h, t->uid);
        job *j = hub_job_new(NULL);
        sr_write_user_delete(hub_job_add(j), t->uid);
        sr_event ev = {.type = SR_EV_ACCOUNT_DELETED, .user = t->uid, .job = j, .now = sr_now_ms()};
        hub_emit(h, &ev); /* the features that keep something of the person drop it */
        hub_submit_reply(h, j, NULL, t->reply, t->ctx, 200, json_pack("{s:b}", "deleted", 1),
                         COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
        sr_log(SR_LOG_INFO, "account deleted", "user=%lld", (long long)t->uid);
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
    t->https = q->https;
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
    if (hub_user_by_name(h, username))
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
    char pkey[160], akey[80];
    pair_key(q->addr, username, pkey, sizeof pkey);
    addr_key(q->addr, akey, sizeof akey);
    int wait = thr_wait(self_of(h), pkey), wa = thr_wait(self_of(h), akey);
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
    t->uid = hub_user_by_name(h, username);
    user *u = hub_user_get(h, t->uid);
    t->hash = sr_xstrdup(u && USER_PW_HASH(u) ? USER_PW_HASH(u) : self_of(h)->dummy_hash);
    if (!u || !USER_PW_HASH(u)) t->uid = 0;
    sr_pool_submit(h->pool, &t->base);
}

static void ep_logout(sr_hub *h, const sr_rest *q)
{
    char hash[65];
    if (!hub_session_user(h, q->token, hash))
        return hub_rest_error(q, 401, "unauthenticated", "not signed in");
    hub_session_revoke(h, hash, 0, NULL);
    job *j = hub_job_new(NULL);
    sr_write_session_revoke(hub_job_add(j), hash);
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
    t->hash = sr_xstrdup(USER_PW_HASH(u));
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
    t->hash = sr_xstrdup(USER_PW_HASH(u));
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
    if (name) hub_user_set(h, uid, json_string_value(name), NULL);
    if (bio) {
        user_acct *a = hub_user_acct(u);
        free(a->bio);
        a->bio = sr_xstrdup(json_string_value(bio));
    }
    if (hide) u->hide_activity = json_is_true(hide);
    job *j = hub_job_new(NULL);
    sr_write_profile(hub_job_add(j), uid, u->name, USER_BIO(u) ? USER_BIO(u) : "",
                     u->hide_activity);
    sr_event ev = {.type = SR_EV_PROFILE, .user = uid, .now = sr_now_ms()};
    hub_emit(h, &ev);
    hub_submit_reply(h, j, NULL, q->reply, q->ctx, 200, json_pack("{s:o}", "user", me_json(h, uid)),
                     NULL);
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
    sr_write_user_flags(hub_job_add(j), id, u->admin, u->disabled);
    if (u->disabled) {
        sr_write_sessions_revoke(hub_job_add(j), id, NULL);
        hub_session_revoke(h, NULL, id, NULL);
    }
    sr_log(SR_LOG_INFO, "account changed by an admin", "user=%lld admin=%lld", (long long)id,
           (long long)me);
    hub_submit_reply(h, j, NULL, q->reply, q->ctx, 200,
                     json_pack("{s:{s:I,s:s,s:b,s:b}}", "user", "id", (json_int_t)id, "username",
                               u->username, "admin", u->admin, "disabled", u->disabled),
                     NULL);
}

/* ---------- routes ---------- */

static void r_signup(void *app, const sr_rest *q, const sr_route_args *a)
{
    ep_signup(app, q);
}

static void r_login(void *app, const sr_rest *q, const sr_route_args *a)
{
    ep_login(app, q);
}

static void r_logout(void *app, const sr_rest *q, const sr_route_args *a)
{
    ep_logout(app, q);
}

static void r_password(void *app, const sr_rest *q, const sr_route_args *a)
{
    ep_password(app, q, a->me, a->me_hash);
}

static void r_me(void *app, const sr_rest *q, const sr_route_args *a)
{
    q->reply(q->ctx, 200, json_pack("{s:o}", "user", me_json(app, a->me)), NULL);
}

static void r_patch_me(void *app, const sr_rest *q, const sr_route_args *a)
{
    ep_patch_me(app, q, a->me);
}

static void r_delete_me(void *app, const sr_rest *q, const sr_route_args *a)
{
    ep_delete_me(app, q, a->me);
}

static void r_admin_users(void *app, const sr_rest *q, const sr_route_args *a)
{
    q->reply(q->ctx, 200, admin_users_json(app), NULL);
}

static void r_admin_user(void *app, const sr_rest *q, const sr_route_args *a)
{
    user *u = hub_user_get(app, a->id[0]);
    if (!u || !u->username)
        return hub_rest_error(q, 404, "no_such_user", "no account with that id");
    ep_admin_user(app, q, a->me, a->id[0]);
}

static const sr_route routes[] = {
    {"POST", "/api/auth/signup", SR_WHO_ANYONE, r_signup, 0},
    {"POST", "/api/auth/login", SR_WHO_ANYONE, r_login, 0},
    {"POST", "/api/auth/logout", SR_WHO_ANYONE, r_logout, 0},
    {"POST", "/api/auth/password", SR_WHO_ACCOUNT, r_password, 0},
    {"GET", "/api/me", SR_WHO_ACCOUNT, r_me, 0},
    {"PATCH", "/api/me", SR_WHO_ACCOUNT, r_patch_me, 0},
    {"DELETE", "/api/me", SR_WHO_ACCOUNT, r_delete_me, 0},
    {"GET", "/api/admin/users", SR_WHO_ADMIN, r_admin_users, 0},
    {"PATCH", "/api/admin/users/:id", SR_WHO_ADMIN, r_admin_user, 0},
};

/* ---------- the module ---------- */

static void *create(sr_hub *h)
{
    accounts *A = sr_xcalloc(1, sizeof *A);
    A->prune_at = THROTTLE_PRUNE;
    /* The dummy hash costs what a real one does, so a miss takes as long as a wrong password. */
    A->dummy_hash = hash_password("not a password anyone has", h->cfg.pw_ops, h->cfg.pw_mem);
    if (!A->dummy_hash) A->dummy_hash = sr_xstrdup("$argon2id$v=19$m=65536,t=2,p=1$invalid");
    return A;
}

static void stop(sr_hub *h, void *self)
{
    accounts *A = self;
    sr_map_free(&A->throttles);
    for (int i = 0; i < A->nthr; i++)
        free(A->thr[i].key);
    free(A->thr);
    free(A->dummy_hash);
    free(A);
}

const sr_module sr_module_accounts = {
    .version = SR_MODULE_VERSION,
    .name = "accounts",
    .create = create,
    .stop = stop,
    .routes = routes,
    .nroutes = SR_COUNT(routes),
};
