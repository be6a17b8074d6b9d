/* people.c - the kernel's people tables: persons (guests and accounts), guest tokens, sign-in
 * sessions and the follow graph. Feature modules change them through
 * these functions; the kernel reads them to name people in rooms. */
#include "app/kernel_int.h"
#include "util/log.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

user *hub_user_get(sr_hub *h, int64_t id)
{
    return id > 0 && id < h->nusers ? h->users[id] : NULL;
}

/* A guest is marked as one wherever people are shown, so nobody passes as an account holder
 * (a deleted account is disabled, not a guest). One rule for both writers below. */
static int shown_as_guest(const user *u)
{
    return !u->username && !u->disabled;
}

json_t *hub_user_json(sr_hub *h, int64_t id)
{
    user *u = hub_user_get(h, id);
    if (!u) return json_null();
    json_t *o = json_pack("{s:I,s:s}", "id", (json_int_t)id, "name", u->name);
    if (shown_as_guest(u)) json_object_set_new(o, "guest", json_true());
    return o;
}

void hub_user_jtext(sr_hub *h, int64_t id, sr_jtext *t)
{
    user *u = hub_user_get(h, id);
    if (!u) return sr_jtext_lit(t, "null");
    sr_jtext_lit(t, "{\"id\":");
    sr_jtext_int(t, id);
    sr_jtext_lit(t, ",\"name\":");
    sr_jtext_str(t, u->name, strlen(u->name));
    if (shown_as_guest(u)) sr_jtext_lit(t, ",\"guest\":true");
    sr_jtext_lit(t, "}");
}

void hub_token_hash(const char *token, char out[65])
{
    unsigned char d[32];
    crypto_generichash(d, sizeof d, (const unsigned char *)token, strlen(token), NULL, 0);
    sodium_bin2hex(out, 65, d, sizeof d);
}

user_acct *hub_user_acct(user *u)
{
    if (!u->acct) u->acct = sr_xcalloc(1, sizeof *u->acct);
    return u->acct;
}

/* Where a person's block keeps the guest token's hash and then the name: after the slots. */
static char *block_tail(sr_hub *h, user *u)
{
    return (char *)(u->slot + h->nslots_user);
}

static char *inline_name(sr_hub *h, user *u)
{
    return u->namecap ? block_tail(h, u) + (u->token_in ? 32 : 0) : NULL;
}

/* 1 with the 32 bytes of hash when it is 64 lower-case hex digits (what hub_token_hash
 * writes): the one text of those bytes, so comparing bytes is comparing the texts. */
static int hash_bin(const char *hash, unsigned char bin[32])
{
    size_t n = 0;
    if (strlen(hash) != 64 || strspn(hash, "0123456789abcdef") != 64) return 0;
    return !sodium_hex2bin(bin, 32, hash, 64, NULL, &n, NULL) && n == 32;
}

static int64_t hash_key(const unsigned char bin[32])
{
    int64_t k;
    memcpy(&k, bin, sizeof k);
    return k;
}

/* 1 when person id's token hash is bin. */
static int token_is(sr_hub *h, int64_t id, const unsigned char bin[32])
{
    user *u = hub_user_get(h, id);
    unsigned char other[32];
    if (!u) return 0;
    if (u->token_in) return !memcmp(block_tail(h, u), bin, 32);
    return u->acct && u->acct->token_hash && hash_bin(u->acct->token_hash, other) &&
           !memcmp(other, bin, 32);
}

int64_t hub_guest_by_token(sr_hub *h, const char *hash)
{
    unsigned char bin[32];
    if (hash_bin(hash, bin)) {
        int64_t id = sr_imap_get(&h->guests, hash_key(bin));
        if (id && token_is(h, id, bin)) return id;
    }
    return sr_map_get(&h->guests_more, hash);
}

/* Indexes person id under their token's hash (as text, and bin when it is 64 hex digits). */
static void guest_index(sr_hub *h, int64_t id, const char *hash, const unsigned char *bin)
{
    int64_t other = bin ? sr_imap_get(&h->guests, hash_key(bin)) : 0;
    if (bin && (!other || token_is(h, other, bin)))
        sr_imap_put(&h->guests, hash_key(bin), id);
    else
        sr_map_put(&h->guests_more, hash, id);
}

/* A new person in one block: the struct, the modules' slots, the token hash (hash may be NULL)
 * and the name, sized up to what malloc hands out anyway (chunks of 16k + 8 usable bytes), so
 * a rename to a name as long fits in place. */
static user *user_new(sr_hub *h, const char *name, const unsigned char *hash)
{
    size_t head = offsetof(user, slot) + (size_t)h->nslots_user * sizeof(void *);
    size_t hlen = hash ? 32 : 0, nlen = strlen(name) + 1;
    size_t size = head + hlen + nlen;
    size = ((size + 8 + 15) & ~(size_t)15) - 8;
    if (size - head - hlen > 255) size = head + hlen + (nlen > 255 ? 0 : 255);
    user *u = sr_xcalloc(1, size);
    u->namecap = (unsigned char)(size - head - hlen);
    if (hash) {
        memcpy(block_tail(h, u), hash, 32);
        u->token_in = 1;
    }
    return u;
}

/* Sets the name, in the block when it fits. */
static void name_set(sr_hub *h, user *u, const char *name)
{
    char *in = inline_name(h, u);
    if (u->name != in) free(u->name);
    size_t n = strlen(name) + 1;
    if (in && n <= u->namecap) {
        u->name = memmove(in, name, n);
    } else {
        u->name = sr_xstrdup(name);
    }
}

user *hub_user_set(sr_hub *h, int64_t id, const char *name, const char *hash)
{
    if (id >= h->capusers) {
        int64_t cap = h->capusers ? h->capusers : 256;
        while (cap <= id)
            cap *= 2;
        h->users = sr_xrealloc(h->users, (size_t)cap * sizeof *h->users);
        memset(h->users + h->capusers, 0, (size_t)(cap - h->capusers) * sizeof *h->users);
        h->capusers = cap;
    }
    if (id >= h->nusers) h->nusers = id + 1;
    user *u = h->users[id];
    unsigned char bin[32];
    int is_bin = hash && hash_bin(hash, bin);
    if (!u) {
        u = h->users[id] = user_new(h, name, is_bin ? bin : NULL);
        sr_bucket_init(&u->chat, h->cfg.chat_rate, sr_mono_us());
        if (is_bin) guest_index(h, id, hash, bin);
    }
    if (hash && !u->token_in && !(u->acct && u->acct->token_hash)) {
        /* a token for someone made without one, or not 64 hex digits: kept beside the block */
        hub_user_acct(u)->token_hash = sr_xstrdup(hash);
        guest_index(h, id, hash, is_bin ? bin : NULL);
    }
    if (!u->name || strcmp(u->name, name)) {
        u->shown++;
        name_set(h, u, name);
    }
    return u;
}

int64_t hub_user_id_new(sr_hub *h)
{
    return hub_id_new(h, SR_ID_USER);
}

int hub_is_guest(sr_hub *h, int64_t uid)
{
    user *u = hub_user_get(h, uid);
    return !u || !u->username;
}

int64_t hub_user_by_name(sr_hub *h, const char *username)
{
    return sr_map_get(&h->usernames, username);
}

void hub_user_set_username(sr_hub *h, int64_t uid, const char *username)
{
    user *u = hub_user_get(h, uid);
    if (!u) return;
    if (u->username) sr_map_del(&h->usernames, u->username);
    free(u->username);
    u->username = sr_xstrdup(username);
    if (username) sr_map_put(&h->usernames, username, uid);
}

sr_room **hub_rooms(sr_hub *h, int *n)
{
    *n = h->nrooms;
    return h->rooms;
}

/* ---------- sign-in sessions ---------- */

int64_t hub_session_user(sr_hub *h, const char *token, char hash_out[65])
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
    return hub_session_user(h, token, NULL);
}

void sr_hub_session_auth(sr_hub *h, sr_session *s, const char *token)
{
    char hash[65];
    s->auth_user = hub_session_user(h, token, hash);
    free(s->auth_hash);
    s->auth_hash = s->auth_user ? sr_xstrdup(hash) : NULL;
}

void hub_session_add(sr_hub *h, const char *hash, int64_t uid, double expires)
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

void hub_session_revoke(sr_hub *h, const char *hash, int64_t uid, const char *keep)
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

/* ---------- how a person is shown ---------- */

json_t *hub_listener_json(sr_hub *h, int64_t uid)
{
    json_t *o = hub_user_json(h, uid);
    if (json_is_object(o)) hub_person_json_hooks(h, uid, o);
    return o;
}

void hub_user_touch(user *u)
{
    u->shown++;
}

/* ---------- the follow graph ---------- */

int hub_follows(sr_hub *h, int64_t a, int64_t b)
{
    user *u = hub_user_get(h, a);
    for (int i = 0; u && i < USER_NFOLLOWING(u); i++)
        if (u->acct->following[i] == b) return 1;
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

void hub_follow_set(sr_hub *h, int64_t follower, int64_t followee, int on)
{
    user *a = hub_user_get(h, follower), *b = hub_user_get(h, followee);
    if (!a || !b || on == hub_follows(h, follower, followee)) return;
    user_acct *x = hub_user_acct(a), *y = hub_user_acct(b);
    if (on) {
        push_id(&x->following, &x->nfollowing, &x->capfollowing, followee);
        push_id(&y->followers, &y->nfollowers, &y->capfollowers, follower);
    } else {
        drop_id(x->following, &x->nfollowing, followee);
        drop_id(y->followers, &y->nfollowers, follower);
    }
}

/* ---------- loading and freeing ---------- */

void hub_ld_user(void *ud, int64_t id, const char *name, const char *hash)
{
    hub_user_set(ud, id, name, hash);
}

void hub_ld_account(void *ud, int64_t id, const char *username, const char *pw_hash, int admin,
                    int disabled, const char *bio, int hide_activity)
{
    sr_hub *h = ud;
    user *u = hub_user_get(h, id);
    if (!u) return;
    if (username) hub_user_set_username(h, id, username);
    user_acct *a = hub_user_acct(u);
    free(a->pw_hash);
    a->pw_hash = sr_xstrdup(pw_hash);
    u->admin = admin != 0;
    u->disabled = disabled != 0;
    free(a->bio);
    a->bio = sr_xstrdup(bio && *bio ? bio : NULL);
    u->hide_activity = hide_activity != 0;
}

void hub_ld_session(void *ud, const char *token_hash, int64_t uid, double expires)
{
    sr_hub *h = ud;
    if (!(expires > sr_now_ms() && token_hash && strlen(token_hash) == 64)) return;
    int64_t i = sr_map_get(&h->sessions, token_hash);
    if (i) /* read again (an account reloaded): the same session */
        h->auth[i - 1].expires = expires;
    else
        hub_session_add(h, token_hash, uid, expires);
}

/* ---------- what another process changed ---------- */

/* A reload of one account: the sessions the store still has for it. */
typedef struct reload {
    sr_hub *h;
    int64_t uid;
    char (*keep)[65];
    int n, cap;
} reload;

static void rl_session(void *ud, const char *token_hash, int64_t uid, double expires)
{
    reload *r = ud;
    hub_ld_session(r->h, token_hash, uid, expires);
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 4;
        r->keep = sr_xrealloc(r->keep, (size_t)r->cap * sizeof *r->keep);
    }
    snprintf(r->keep[r->n++], 65, "%s", token_hash ? token_hash : "");
}

static void rl_user(void *ud, int64_t id, const char *name, const char *hash)
{
    hub_ld_user(((reload *)ud)->h, id, name, hash);
}

static void rl_account(void *ud, int64_t id, const char *username, const char *pw_hash, int admin,
                       int disabled, const char *bio, int hide_activity)
{
    hub_ld_account(((reload *)ud)->h, id, username, pw_hash, admin, disabled, bio, hide_activity);
}

/* Reads account uid again from the store and ends the sessions the store no longer has
 * (a disabled account, a password changed by the CLI): their sockets close with 4003. */
static void reload_account(sr_hub *h, int64_t uid)
{
    reload r = {h, uid, NULL, 0, 0};
    sr_load_sink sink = {.ud = &r, .user = rl_user, .account = rl_account, .session = rl_session};
    if (sr_store_load_account(h->notice_st, uid, &sink)) {
        free(r.keep);
        return;
    }
    user *u = hub_user_get(h, uid);
    for (int i = h->nauth - 1; i >= 0; i--) {
        if (h->auth[i].user != uid) continue;
        int kept = !(u && u->disabled);
        if (kept) {
            kept = 0;
            for (int k = 0; k < r.n && !kept; k++)
                kept = !strcmp(r.keep[k], h->auth[i].hash);
        }
        if (!kept) {
            char hash[65];
            memcpy(hash, h->auth[i].hash, sizeof hash);
            hub_session_revoke(h, hash, 0, NULL);
        }
    }
    free(r.keep);
    sr_log(SR_LOG_INFO, "account reloaded", "user=%lld", (long long)uid);
}

/* The read of the notices, every second, runs on the pool: the service thread never waits on
 * the disk for it. Applying what it found (rare: the CLI changed an account) reads those
 * accounts on the service thread, on the same connection, once the pool is done with it. */
typedef struct notices {
    sr_task base;
    sr_hub *h;
    int64_t since, last;
    int64_t *keys;
    int n, cap, failed;
} notices;

static void on_notice(void *ud, int64_t id, const char *entity, int64_t key)
{
    notices *c = ud;
    c->last = id;
    if (!entity || strcmp(entity, SR_NOTICE_ACCOUNT)) return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->keys = sr_xrealloc(c->keys, (size_t)c->cap * sizeof *c->keys);
    }
    c->keys[c->n++] = key;
}

static void notices_run(sr_task *t)
{
    notices *c = (notices *)t;
    c->failed = sr_store_notices_since(c->h->notice_st, c->since, on_notice, c) != 0;
}

static void notices_done(sr_task *t)
{
    notices *c = (notices *)t;
    sr_hub *h = c->h;
    h->notice_busy = 0;
    if (!c->failed) {
        h->notice_last = c->last;
        for (int i = 0; i < c->n; i++)
            reload_account(h, c->keys[i]);
    }
    free(c->keys);
    free(c);
}

void hub_notices_poll(sr_hub *h, double now)
{
    if (!h->notice_st || h->notice_busy || now - h->notice_at < 1000) return;
    h->notice_at = now;
    notices *c = sr_xcalloc(1, sizeof *c);
    c->base.run = notices_run;
    c->base.done = notices_done;
    c->h = h;
    c->since = c->last = h->notice_last;
    h->notice_busy = 1;
    sr_pool_submit(h->pool, &c->base);
}

void hub_ld_follow(void *ud, int64_t follower, int64_t followee)
{
    hub_follow_set(ud, follower, followee, 1);
}

void hub_ld_reply(void *ud, int64_t uid, int slot, const char *cid, const char *answer)
{
    user *u = hub_user_get(ud, uid);
    if (!u) return;
    if (!u->replay) u->replay = sr_replay_new();
    sr_replay_set(u->replay, slot, cid, answer);
}

void hub_people_free(sr_hub *h)
{
    for (int64_t i = 0; i < h->nusers; i++) {
        user *u = h->users[i];
        if (!u) continue;
        sr_event ev = {.type = SR_EV_USER_FREED, .user = i};
        hub_emit(h, &ev);
        if (u->name != inline_name(h, u)) free(u->name);
        free(u->username);
        if (u->acct) {
            free(u->acct->pw_hash);
            free(u->acct->bio);
            free(u->acct->token_hash);
            free(u->acct->following);
            free(u->acct->followers);
            free(u->acct);
        }
        sr_replay_free(u->replay);
        free(u);
    }
    free(h->users);
    sr_imap_free(&h->guests);
    sr_map_free(&h->guests_more);
    sr_map_free(&h->usernames);
    sr_map_free(&h->sessions);
    free(h->auth);
}
