/* room_msgs.c - the kernel's WebSocket messages: hello, join, leave, search, queue_add,
 * vote, queue_remove, skip and chat under the room's rules, each write applied once however
 * often the client retries it (its "cid"); other types go to the module that registered
 * them. */
#include "app/kernel_int.h"
#include "util/log.h"
#include "util/util.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_hello(sr_hub *h, sr_session *s, sr_cmsg *m)
{
    char name[4 * SR_MAX_NAME + 1];
    snprintf(name, sizeof name, "%.*s", (int)m->name_len, m->name);
    int64_t uid = 0;
    char token[33] = "";
    if (!s->user && m->session) {
        /* SDK clients sign in with a bearer session token here instead of a cookie. */
        sr_hub_session_auth(h, s, m->session);
        if (!s->auth_user)
            return hub_send_error(h, s, "unauthenticated",
                                  "the session is not valid (signed out or expired)", m->ref);
    }
    if (s->auth_user && (!s->user || s->user == s->auth_user)) {
        /* An account: its own name, no guest token; the connection's identity is fixed. */
        s->user = s->auth_user;
        job *j = hub_job_new(NULL);
        json_t *extra =
            json_pack("{s:i,s:o,s:f,s:b}", "v", SR_PROTO_VERSION, "user", hub_user_json(h, s->user),
                      "server_time", sr_now_ms(), "account", 1);
        hub_job_ack(j, s, m->ref, extra);
        json_object_set_new(j->ack, "type", json_string("welcome"));
        hub_submit(h, j, NULL);
        return;
    }
    if (!m->name_len)
        return hub_send_error(h, s, "missing_field", "field 'name' is required", m->ref);
    if (s->user) {
        uid = s->user; /* a second hello renames */
    } else if (m->token) {
        char hash[65];
        hub_token_hash(m->token, hash);
        uid = hub_guest_by_token(h, hash);
        if (uid) snprintf(token, sizeof token, "%s", m->token);
    }
    int64_t fresh = uid ? 0 : hub_user_id_new(h);
    if (!uid && !fresh)
        return hub_send_error(h, s, "internal", "the store could not record this", m->ref);
    job *j = hub_job_new(NULL);
    char hash[65] = "";
    int same = 0;
    if (!uid) {
        unsigned char b[16];
        randombytes_buf(b, sizeof b);
        sodium_bin2hex(token, sizeof token, b, sizeof b);
        hub_token_hash(token, hash);
        uid = fresh;
        hub_user_set(h, uid, name, hash);
    } else {
        const user *known = hub_user_get(h, uid);
        /* While the disk refuses, a returning guest under the same name is welcomed from
         * memory: the write would only have recorded when they were last seen. */
        same = known && known->name && !strcmp(known->name, name) && hub_store_refusing(h);
        hub_user_set(h, uid, name, NULL);
    }
    if (!same) sr_write_user(hub_job_add(j), uid, name, hash[0] ? hash : NULL, sr_now_ms());
    s->user = uid;
    json_t *extra = json_pack("{s:i,s:o,s:f}", "v", SR_PROTO_VERSION, "user", hub_user_json(h, uid),
                              "server_time", sr_now_ms());
    if (token[0]) json_object_set_new(extra, "token", json_string(token));
    hub_job_ack(j, s, m->ref, extra);
    json_object_set_new(j->ack, "type", json_string("welcome"));
    hub_submit(h, j, NULL);
}

static void on_join(sr_hub *h, sr_session *s, sr_cmsg *m)
{
    sr_room *r = hub_room_get(h, m->room);
    if (!r || !hub_may_enter(h, r, s->user, m->invite)) {
        /* a private room is not there for those who may not enter it */
        if (r && r->visibility == 2)
            return hub_send_error(h, s, "not_allowed", "this room is private: you need an invite",
                                  m->ref);
        return hub_send_error(h, s, "no_such_room", "no room with that id", m->ref);
    }
    if (sr_policy_banned(&r->roles, s->user, hub_rank(h, r, s->user), sr_now_ms()))
        return hub_send_error(h, s, "banned", "you are banned from this room", m->ref);
    if (s->room != r) {
        hub_member_remove(h, s);
        hub_member_add(h, r, s);
    }
    if (m->resume && !strcmp(m->epoch, r->epoch) && m->seq <= r->seq) {
        int first = 0, n = 0;
        if (m->seq < r->published) n = sr_history_since(&r->history, m->seq, &first);
        if (n >= 0) {
            json_t *o = sr_proto_reply("resumed", m->ref);
            json_object_set_new(o, "room", json_integer(r->id));
            json_object_set_new(o, "epoch", json_string(r->epoch));
            json_object_set_new(o, "seq", json_integer((json_int_t)m->seq));
            json_object_set_new(o, "recovered", json_true());
            hub_send_json(h, s, o);
            for (int i = 0; i < n; i++)
                h->net.send(s, sr_history_at(&r->history, first + i));
            return;
        }
    }
    json_t *snap = hub_snapshot(h, r, m->ref, m->resume, s->user);
    json_object_set_new(snap, "your_role", json_string(sr_rank_name(hub_rank(h, r, s->user))));
    hub_send_snapshot(h, s, r, snap);
}

/* The room a room action names, which must be the one this session is in. */
static sr_room *acting_room(sr_hub *h, sr_session *s, sr_cmsg *m)
{
    if (s->room && s->room->id == m->room) return s->room;
    if (!hub_room_get(h, m->room))
        hub_send_error(h, s, "no_such_room", "no room with that id", m->ref);
    else
        hub_send_error(h, s, "not_in_room", "join the room first", m->ref);
    return NULL;
}

/* Guests (no account) may do what the operator allows; others are asked to sign in. */
static int guest_refused(sr_hub *h, sr_session *s, int allowed, json_t *ref)
{
    if (allowed || !hub_is_guest(h, s->user)) return 0;
    hub_send_error(h, s, "sign_in_required", "sign in to do this on this server", ref);
    return 1;
}

/* ---- retried writes: a write id ("cid") is applied once and answered alike each time ---- */

/* An answer that waits for the write job queued before it (jobs finish in order). */
typedef struct replay_wait {
    sr_hub *h;
    sr_session *s; /* a retry's session (reference held); NULL for the write itself */
    json_t *ref;
    int64_t uid;
    char cid[SR_MAX_CID + 1];
} replay_wait;

static void replay_done(void *ctx, json_t *durable)
{
    replay_wait *w = ctx;
    user *u = hub_user_get(w->h, w->uid);
    if (!w->s) {
        /* the write itself: when it failed, a retry must apply it anew */
        if (!durable && u && u->replay) sr_replay_forget(u->replay, w->cid);
    } else {
        const char *answer = u && u->replay ? sr_replay_find(u->replay, w->cid) : NULL;
        json_t *o = answer ? json_loads(answer, 0, NULL) : NULL;
        if (o) {
            if (w->ref) json_object_set(o, "ref", w->ref);
            hub_send_json(w->h, w->s, o);
        } else {
            /* the first one failed: the same error, "unavailable" while the disk refuses */
            int http;
            const char *msg, *code = hub_write_error(w->h, 0, &http, &msg);
            hub_send_error(w->h, w->s, code, msg, w->ref);
        }
        sr_session_unref(w->s);
    }
    json_decref(w->ref);
    json_decref(durable);
    free(w);
}

/* Remembers the ack of j (set) as the first answer to cid (may be NULL: nothing to do), and
 * writes it last in j, so the store has it exactly when it has the write. */
static void remember(sr_hub *h, job *j, sr_session *s, const char *cid)
{
    user *u = cid ? hub_user_get(h, s->user) : NULL;
    if (!u) return;
    if (!u->replay) u->replay = sr_replay_new();
    json_t *a = json_copy(j->ack);
    json_object_del(a, "ref");
    char *answer = sr_proto_dump(a);
    int slot = sr_replay_put(u->replay, cid, answer);
    sr_write_reply(hub_job_add(j), s->user, slot, cid, answer, sr_now_ms());
    free(answer);
    replay_wait *w = sr_xcalloc(1, sizeof *w);
    w->h = h;
    w->uid = s->user;
    snprintf(w->cid, sizeof w->cid, "%s", cid);
    j->done = replay_done;
    j->ctx = w;
}

/* When m's cid was seen (answered, or its write still on the way to the disk), answers m
 * with the first answer once everything before it is durable, changes nothing, returns 1. */
static int replayed(sr_hub *h, sr_session *s, sr_cmsg *m)
{
    user *u = m->cid ? hub_user_get(h, s->user) : NULL;
    if (!u || !u->replay || !sr_replay_find(u->replay, m->cid)) return 0;
    replay_wait *w = sr_xcalloc(1, sizeof *w);
    w->h = h;
    w->s = s;
    s->refs++;
    w->ref = json_incref(m->ref);
    w->uid = s->user;
    snprintf(w->cid, sizeof w->cid, "%s", m->cid);
    job *j = hub_job_new(NULL);
    j->done = replay_done;
    j->ctx = w;
    hub_submit(h, j, NULL);
    return 1;
}

/* Queues track tid for uid in r under the room's rules; the one path for queue_add and for
 * what modules queue over REST (hub_queue_track). Returns the entry id, or 0 with *code set
 * (the protocol's error code). With s, s gets the ack to m once the entry is durable. */
static int64_t queue_track(sr_hub *h, sr_room *r, int64_t uid, int64_t tid, const char **code,
                           sr_session *s, sr_cmsg *m)
{
    /* the same song from another source or file is one track: votes and plays count on it */
    const sr_track *t = sr_library_get(h->lib, sr_library_canonical(h->lib, tid));
    sr_rule why = sr_rules_may_add(&r->rules, hub_rank(h, r, uid), &r->queue, uid,
                                   t && t->available, h->cfg.max_queue);
    if (why) return *code = sr_rule_code(why), 0;
    int64_t eid = hub_id_new(h, SR_ID_ENTRY);
    if (!eid) return *code = "internal", 0;
    if (eid > h->max_entry) h->max_entry = eid;
    sr_entry *e = sr_entry_new(eid, t->id, uid, sr_now_ms());
    sr_queue_insert(&r->queue, e);
    job *j = hub_job_new(r);
    sr_write_entry_add(hub_job_add(j), e->id, r->id, t->id, uid, e->added_at);
    if (s) {
        hub_job_ack(j, s, m->ref, json_pack("{s:I}", "entry", (json_int_t)e->id));
        remember(h, j, s, m->cid);
    }
    json_t *o = hub_delta("entry_added");
    json_object_set_new(o, "entry", hub_entry_json(h, e));
    hub_submit(h, j, o);
    sr_event ev = {.type = SR_EV_QUEUED,
                   .room = r,
                   .user = uid,
                   .entry = e->id,
                   .track = e->track,
                   .session = s,
                   .now = e->added_at};
    hub_emit(h, &ev);
    return e->id;
}

int64_t hub_queue_track(sr_hub *h, sr_room *r, int64_t uid, int64_t tid, const char **code)
{
    return queue_track(h, r, uid, tid, code, NULL, NULL);
}

static void on_queue_add(sr_hub *h, sr_session *s, sr_cmsg *m, sr_room *r)
{
    static const struct {
        const char *code, *message;
    } why[] = {
        {"queue_locked", "a moderator locked the queue"},
        {"not_allowed", "this room's rules do not let you add tracks"},
        {"limit_reached", "you have as many tracks queued as this room allows"},
        {"no_such_track", "no playable track with that id"},
        {"queue_full", "the queue is full"},
    };
    const char *code = NULL;
    if (queue_track(h, r, s->user, m->track, &code, s, m)) return;
    for (size_t i = 0; i < sizeof why / sizeof why[0]; i++)
        if (!strcmp(why[i].code, code)) return hub_send_error(h, s, code, why[i].message, m->ref);
    hub_send_error(h, s, code, "the track could not be queued", m->ref);
}

static void on_vote(sr_hub *h, sr_session *s, sr_cmsg *m, sr_room *r)
{
    if (guest_refused(h, s, h->cfg.guest_vote, m->ref)) return;
    if (sr_rules_may_vote(&r->rules, hub_rank(h, r, s->user)))
        return hub_send_error(h, s, "not_allowed", "this room's rules do not let you vote", m->ref);
    int rc = sr_queue_vote(&r->queue, m->entry, s->user, m->value);
    if (rc == SR_ENOENT)
        return hub_send_error(h, s, "no_such_entry", "no queued entry with that id", m->ref);
    job *j = hub_job_new(r);
    hub_job_ack(j, s, m->ref, json_pack("{s:i}", "my_vote", m->value));
    json_t *o = NULL;
    if (rc == 1) {
        sr_entry *e = sr_queue_find(&r->queue, m->entry);
        sr_write_vote(hub_job_add(j), m->entry, s->user, m->value);
        o = hub_delta("entry_voted");
        json_object_set_new(o, "entry",
                            json_pack("{s:I,s:i,s:i,s:i}", "id", (json_int_t)e->id, "score",
                                      sr_entry_score(e), "up", e->up, "down", e->down));
    }
    remember(h, j, s, m->cid);
    hub_submit(h, j, o);
    if (rc == 1) {
        sr_event ev = {.type = SR_EV_VOTED,
                       .room = r,
                       .user = s->user,
                       .entry = m->entry,
                       .value = m->value,
                       .session = s,
                       .now = sr_now_ms()};
        hub_emit(h, &ev);
    }
}

static void on_queue_remove(sr_hub *h, sr_session *s, sr_cmsg *m, sr_room *r)
{
    sr_entry *e = sr_queue_find(&r->queue, m->entry);
    if (!e) return hub_send_error(h, s, "no_such_entry", "no queued entry with that id", m->ref);
    if (sr_rules_may_remove(e->user, s->user))
        return hub_send_error(h, s, "not_allowed", "you can only remove your own entries", m->ref);
    sr_entry_free(sr_queue_remove(&r->queue, m->entry));
    job *j = hub_job_new(r);
    sr_write_entry_state(hub_job_add(j), m->entry, "removed");
    hub_job_ack(j, s, m->ref, NULL);
    json_t *o = hub_delta("entry_removed");
    json_object_set_new(o, "id", json_integer(m->entry));
    json_object_set_new(o, "reason", json_string("removed"));
    hub_submit(h, j, o);
}

static void on_skip(sr_hub *h, sr_session *s, sr_cmsg *m, sr_room *r)
{
    if (sr_skip_is_stale(m->track, r->np_track)) {
        /* a vote meant for a track that already ended must not skip the next one */
        job *j = hub_job_new(r);
        hub_job_ack(j, s, m->ref, json_pack("{s:b}", "stale", 1));
        hub_submit(h, j, NULL);
        return;
    }
    int changed = sr_skip_vote(&r->skips, s->user, m->value, r->np_track != 0);
    job *j = hub_job_new(r);
    hub_job_ack(j, s, m->ref, NULL);
    json_t *o = NULL;
    if (changed) {
        o = hub_skip_json(r, hub_skip_ratio(h, r));
        json_object_set_new(o, "type", json_string("skip"));
    }
    hub_submit(h, j, o);
    hub_check_skip(h, r);
}

static void on_chat(sr_hub *h, sr_session *s, sr_cmsg *m, sr_room *r)
{
    if (guest_refused(h, s, h->cfg.guest_chat, m->ref)) return;
    double now = sr_now_ms();
    listener *me = hub_listener_of(r, s->user);
    sr_rule why = sr_rules_may_chat(&r->rules, hub_has_role(r, s->user, ROLE_MUTED, now),
                                    hub_rank(h, r, s->user), me ? &me->last_chat : NULL, now);
    if (why == SR_RULE_MUTED)
        return hub_send_error(h, s, "muted", "a moderator muted you in this room", m->ref);
    if (why)
        return hub_send_error(h, s, sr_rule_code(why), "slow mode: wait a little between messages",
                              m->ref);
    user *u = hub_user_get(h, s->user);
    if (!sr_bucket_take(&u->chat, sr_mono_us(), h->cfg.chat_rate / h->cfg.chat_window_s,
                        h->cfg.chat_rate))
        return hub_send_error(h, s, "rate_limited", "you are sending chat too fast; wait a moment",
                              m->ref);
    int64_t id = hub_id_new(h, SR_ID_CHAT);
    if (!id) return hub_send_error(h, s, "internal", "the store could not record this", m->ref);
    if (id > h->max_chat) h->max_chat = id;
    double ts = floor(sr_now_ms()); /* whole milliseconds: enough for a chat line's time */
    /* Written as text, not built from jansson objects: this is the message a busy room sends
     * most, and the objects and their dump were a third of its cost (docs/performance.md). */
    char buf[2048];
    sr_jtext d;
    sr_jtext_init(&d, buf, sizeof buf);
    sr_jtext_lit(&d, "{\"type\":\"chat\",\"msg\":");
    size_t at = d.n;
    hub_chat_line(h, id, s->user, m->text, m->text_len, ts, &d);
    sr_jtext line = {.b = d.b + at, .n = d.n - at}; /* the line inside the delta */
    hub_chat_keep(r, id, s->user, &line);
    job *j = hub_job_new(r);
    char text[4 * SR_MAX_CHAT + 1]; /* sr_write_chat copies it for the worker */
    snprintf(text, sizeof text, "%.*s", (int)m->text_len, m->text);
    sr_write_chat(hub_job_add(j), id, r->id, s->user, text, ts);
    hub_job_ack(j, s, m->ref, json_pack("{s:I}", "id", (json_int_t)id));
    remember(h, j, s, m->cid);
    hub_submit_text(h, j, &d);
    sr_jtext_free(&d);
    sr_event ev = {
        .type = SR_EV_CHATTED, .room = r, .user = s->user, .entry = id, .session = s, .now = ts};
    hub_emit(h, &ev);
}

/* Hands m to the module that registered its type (first registered wins). */
static void module_message(sr_hub *h, sr_session *s, sr_cmsg *m)
{
    for (int i = 0; i < h->nmods; i++) {
        const sr_module *mod = h->mods[i].m;
        for (int k = 0; k < mod->nmessages; k++) {
            const sr_msg_hook *hk = &mod->messages[k];
            if (hk->type != m->type) continue;
            sr_room *r = NULL;
            if (hk->in_room && !(r = acting_room(h, s, m))) return;
            if (m->type == SR_C_QUEUE_ADD_RECORD && guest_refused(h, s, h->cfg.guest_add, m->ref))
                return;
            hk->fn(h, h->mods[i].self, s, m, r);
            return;
        }
    }
    hub_send_error(h, s, "unknown_type", "unknown message type", m->ref);
}

void sr_hub_message(sr_hub *h, sr_session *s, const char *data, size_t len)
{
    double t1 = sr_now_ms();
    if (!sr_bucket_take(&s->rate, sr_mono_us(), h->cfg.msg_rate, h->cfg.msg_rate * 2)) {
        if (++s->dropped > 200) {
            h->net.close(s, 1008, "rate limit");
            return;
        }
        /* still echo the message's ref, so the client knows which request was dropped */
        json_t *root = json_loadb(data, len, JSON_DECODE_ANY, NULL),
               *ref = json_object_get(root, "ref");
        hub_send_error(h, s, "rate_limited", "too many messages; slow down",
                       json_is_integer(ref) || json_is_string(ref) ? ref : NULL);
        json_decref(root);
        return;
    }
    s->dropped = 0;
    sr_cmsg m;
    sr_perr err;
    if (sr_proto_decode(data, len, &m, &err)) {
        hub_send_error(h, s, err.code, err.message, m.ref);
        sr_cmsg_free(&m);
        return;
    }
    if (!s->user && m.type != SR_C_HELLO && m.type != SR_C_PING) {
        hub_send_error(h, s, "hello_required", "send hello first", m.ref);
        sr_cmsg_free(&m);
        return;
    }
    if (replayed(h, s, &m)) {
        sr_cmsg_free(&m);
        return;
    }
    sr_room *r;
    /* a queue_add that records a track (a stream or an external service's) belongs to the
     * module that records tracks */
    if (m.type == SR_C_QUEUE_ADD && (m.stream || m.external)) m.type = SR_C_QUEUE_ADD_RECORD;
    if (sr_proto_stores(m.type) && hub_store_refusing(h)) {
        int http;
        const char *message, *code = hub_write_error(h, SR_EUNAVAIL, &http, &message);
        hub_send_error(h, s, code, message, m.ref);
        sr_cmsg_free(&m);
        return;
    }
    switch (m.type) {
    case SR_C_HELLO:
        on_hello(h, s, &m);
        break;
    case SR_C_PING: {
        json_t *o = sr_proto_reply("pong", m.ref);
        json_object_set_new(o, "t0", json_real(m.t0));
        json_object_set_new(o, "t1", json_real(t1));
        json_object_set_new(o, "t2", json_real(sr_now_ms()));
        hub_send_json(h, s, o);
        break;
    }
    case SR_C_JOIN:
        on_join(h, s, &m);
        break;
    case SR_C_LEAVE:
        if ((r = acting_room(h, s, &m))) {
            hub_member_remove(h, s);
            json_t *o = sr_proto_reply("left", m.ref);
            json_object_set_new(o, "room", json_integer(m.room));
            hub_send_json(h, s, o);
        }
        break;
    case SR_C_SEARCH: {
        json_t *o = sr_proto_reply("results", m.ref);
        json_t *res = sr_hub_tracks_json(h, m.q, (int)m.limit);
        json_object_set(o, "tracks", json_object_get(res, "tracks"));
        json_decref(res);
        hub_send_json(h, s, o);
        break;
    }
    case SR_C_QUEUE_ADD:
        if ((r = acting_room(h, s, &m)) && !guest_refused(h, s, h->cfg.guest_add, m.ref))
            on_queue_add(h, s, &m, r);
        break;
    case SR_C_VOTE:
        if ((r = acting_room(h, s, &m))) on_vote(h, s, &m, r);
        break;
    case SR_C_QUEUE_REMOVE:
        if ((r = acting_room(h, s, &m))) on_queue_remove(h, s, &m, r);
        break;
    case SR_C_SKIP:
        if ((r = acting_room(h, s, &m))) on_skip(h, s, &m, r);
        break;
    case SR_C_CHAT:
        if ((r = acting_room(h, s, &m))) on_chat(h, s, &m, r);
        break;
    default:
        module_message(h, s, &m);
        break;
    }
    sr_cmsg_free(&m);
}
