/* hub.c - the kernel: the rooms table, the job pipeline to the write worker, the module
 * registry with its routes, message hooks and event listeners, start-up and shutdown.
 *
 * The life of a change: a request is validated and applied to memory at once (so the next
 * request sees it), given the room's next seq, and its delta is encoded once, recorded in the
 * room's history and fanned out there and then, in seq order. The writes go to the write worker
 * with the requester's ack, which is sent only when the worker reports them durable: nothing is
 * acknowledged before it is on disk, but the room does not wait for the disk to hear of it. */
#include "app/hub.h"
#include "app/kernel_int.h"
#include "bus/bus.h"
#include "app/library.h"
#include "core/history.h"
#include "core/playback.h"
#include "core/queue.h"
#include "proto/proto.h"
#include "source/source.h"
#include "store/worker.h"
#include "util/log.h"
#include "util/util.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------- small helpers ---------- */

uint64_t hub_rnd(sr_hub *h)
{
    /* xorshift64*: fallback choice needs spread, not secrecy */
    h->rng ^= h->rng >> 12;
    h->rng ^= h->rng << 25;
    h->rng ^= h->rng >> 27;
    return h->rng * 2685821657736338717ULL;
}

void hub_send_json(sr_hub *h, sr_session *s, json_t *o)
{
    if (!s->wsi) {
        json_decref(o);
        return;
    }
    sr_msg *m = sr_msg_take(sr_proto_dump(o));
    h->net.send(s, m);
    sr_msg_unref(m);
}

void hub_send_error(sr_hub *h, sr_session *s, const char *code, const char *message, json_t *ref)
{
    hub_send_json(h, s, sr_proto_error(code, message, ref));
}

sr_room *hub_room_get(sr_hub *h, int64_t id)
{
    for (int i = 0; i < h->nrooms; i++)
        if (h->rooms[i]->id == id) return h->rooms[i];
    return NULL;
}

void hub_room_detach(sr_hub *h, sr_room *r)
{
    for (int i = 0; i < h->nrooms; i++)
        if (h->rooms[i] == r) {
            memmove(h->rooms + i, h->rooms + i + 1, (size_t)(h->nrooms - i - 1) * sizeof *h->rooms);
            h->nrooms--;
            break;
        }
    r->closed = 1;
    h->closed = sr_xrealloc(h->closed, (size_t)(h->nclosed + 1) * sizeof *h->closed);
    h->closed[h->nclosed++] = r;
}

sr_room *hub_room_new(sr_hub *h, int64_t id, const char *name, const char *desc, json_t *tags,
                      double created)
{
    sr_room *r = sr_xcalloc(1, sizeof *r);
    r->id = id;
    r->name = sr_xstrdup(name);
    r->description = sr_xstrdup(desc ? desc : "");
    r->tags = tags ? tags : json_array();
    r->created = created;
    sr_history_init(&r->history, HISTORY);
    /* A fresh epoch each time the room is loaded: history before it is gone, and clients that
     * resume across it must get a snapshot. */
    unsigned char b[8];
    randombytes_buf(b, sizeof b);
    sodium_bin2hex(r->epoch, sizeof r->epoch, b, sizeof b);
    if (h->nrooms == h->caprooms) {
        h->caprooms = h->caprooms ? h->caprooms * 2 : 16;
        h->rooms = sr_xrealloc(h->rooms, (size_t)h->caprooms * sizeof *h->rooms);
    }
    h->rooms[h->nrooms++] = r;
    if (id > h->max_room) h->max_room = id;
    return r;
}

job *hub_job_new(sr_room *r)
{
    job *j = sr_xcalloc(1, sizeof *j);
    j->room = r;
    return j;
}

sr_write *hub_job_write(job *j, sr_write_kind kind)
{
    sr_write *w = &j->base.w[j->base.nw++];
    w->kind = kind;
    return w;
}

static void publish(sr_hub *h, sr_room *r, uint64_t seq, sr_msg *m);

/* Gives the delta o (taking the reference) the room's next seq and submits the job. o may be
 * NULL for a write without a delta. */
void hub_submit(sr_hub *h, job *j, json_t *o)
{
    if (o && j->room) {
        sr_room *r = j->room;
        uint64_t seq = ++r->seq;
        json_object_set_new(o, "room", json_integer(r->id));
        json_object_set_new(o, "epoch", json_string(r->epoch));
        json_object_set_new(o, "seq", json_integer((json_int_t)seq));
        /* Out to the room now, in seq order; only the requester's ack waits for the disk. */
        sr_msg *m = sr_msg_take(sr_proto_dump(o));
        publish(h, r, seq, m);
        sr_msg_unref(m);
    } else if (o) {
        json_decref(o);
    }
    if (!j->base.nw && !j->s && !j->done) {
        free(j); /* nothing to write and no one to answer (presence, a skip tally) */
        return;
    }
    /* an answer without a write still queues behind the writes before it, so a client's
     * answers come in the order of its requests */
    if (!j->base.nw) hub_job_write(j, SR_W_NONE);
    sr_worker_submit(h->wk, &j->base);
}

json_t *hub_delta(const char *type)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(type));
    return o;
}

static void publish(sr_hub *h, sr_room *r, uint64_t seq, sr_msg *m)
{
    sr_history_push(&r->history, seq, m);
    r->published = seq;
    h->bus->ops->publish(h->bus, r->id, m);
}

/* The bus hands every room delta back (from this node or, with a shared bus, another):
 * the same bytes go to each listener here. */
static void bus_deliver(void *ud, int64_t room, sr_msg *m)
{
    sr_hub *h = ud;
    sr_room *r = hub_room_get(h, room);
    for (int i = 0; r && i < r->nmembers; i++)
        h->net.send(r->members[i], m);
}

static void finish(sr_hub *h, job *j)
{
    if (j->s) {
        if (j->base.status)
            hub_send_error(h, j->s, "internal", "the store could not record this",
                           json_object_get(j->ack, "ref"));
        else if (j->ack)
            hub_send_json(h, j->s, json_incref(j->ack));
    }
    if (j->done)
        j->done(j->ctx, j->base.status ? NULL
                        : j->room      ? hub_room_info_json(j->room)
                                       : json_true());
    json_decref(j->ack);
    if (j->s) sr_session_unref(j->s);
    for (int i = 0; i < j->base.nw; i++)
        sr_write_clear(&j->base.w[i]);
    free(j);
}

void sr_hub_poll(sr_hub *h)
{
    sr_library_poll(h->lib);
    sr_pool_poll(h->pool);
    for (int i = 0; i < h->nmods; i++)
        if (h->mods[i].m->poll) h->mods[i].m->poll(h, h->mods[i].self);
    if (!h->wk) return;
    sr_job *list = sr_worker_take_done(h->wk);
    while (list) {
        sr_job *next = list->next;
        finish(h, (job *)list);
        list = next;
    }
}

int sr_hub_pending(sr_hub *h)
{
    int n = (h->wk ? sr_worker_pending(h->wk) : 0) + (h->pool ? sr_pool_pending(h->pool) : 0) +
            sr_library_pending(h->lib);
    for (int i = 0; i < h->nmods; i++)
        if (h->mods[i].m->pending) n += h->mods[i].m->pending(h, h->mods[i].self);
    return n;
}

/* Ack for s once durable: {"type":"ack","ref":…} plus extra fields (may be NULL). */
void hub_job_ack(job *j, sr_session *s, json_t *ref, json_t *extra)
{
    s->refs++;
    j->s = s;
    j->ack = sr_proto_reply("ack", ref);
    if (extra) {
        json_object_update(j->ack, extra);
        json_decref(extra);
    }
}

void hub_room_write(job *j, sr_room *r)
{
    sr_write *w = hub_job_write(j, SR_W_ROOM);
    w->a = r->id;
    w->s1 = sr_xstrdup(r->name);
    w->s2 = sr_xstrdup(r->description);
    w->s3 = sr_proto_dump(json_incref(r->tags));
    w->t = r->created;
}

/* ---------- REST helpers ---------- */

typedef struct reply_ctx {
    void (*reply)(void *ctx, int status, json_t *body, const char *set_cookie);
    void *ctx;
    int status;
    json_t *body;
    char cookie[200];
    void (*settle)(void *arg, int ok);
    void *arg;
} reply_ctx;

static void reply_durable(void *ctx, json_t *durable)
{
    reply_ctx *c = ctx;
    if (c->settle) c->settle(c->arg, durable != NULL);
    if (durable) {
        c->reply(c->ctx, c->status, c->body, c->cookie[0] ? c->cookie : NULL);
    } else {
        json_decref(c->body);
        c->reply(c->ctx, 500,
                 json_pack("{s:{s:s,s:s}}", "error", "code", "internal", "message",
                           "the store could not record this"),
                 NULL);
    }
    json_decref(durable);
    free(c);
}

void hub_submit_reply(sr_hub *h, job *j, json_t *delta,
                      void (*reply)(void *ctx, int status, json_t *body, const char *set_cookie),
                      void *ctx, int status, json_t *body, const char *set_cookie)
{
    hub_submit_settle(h, j, delta, reply, ctx, status, body, set_cookie, NULL, NULL);
}

void hub_submit_settle(sr_hub *h, job *j, json_t *delta,
                       void (*reply)(void *ctx, int status, json_t *body, const char *set_cookie),
                       void *ctx, int status, json_t *body, const char *set_cookie,
                       void (*settle)(void *arg, int ok), void *arg)
{
    reply_ctx *c = sr_xcalloc(1, sizeof *c);
    c->settle = settle;
    c->arg = arg;
    c->reply = reply;
    c->ctx = ctx;
    c->status = status;
    c->body = body;
    if (set_cookie) snprintf(c->cookie, sizeof c->cookie, "%s", set_cookie);
    j->done = reply_durable;
    j->ctx = c;
    hub_submit(h, j, delta);
}

/* ---------- playback ---------- */

sr_session *sr_hub_session_open(sr_hub *h, void *wsi)
{
    sr_session *s = sr_xcalloc(1, sizeof *s);
    s->refs = 1;
    s->wsi = wsi;
    s->hub = h;
    s->tokens = h->cfg.msg_rate * 2;
    s->tokens_at = sr_mono_us();
    return s;
}

void sr_session_unref(sr_session *s)
{
    if (!s || --s->refs) return;
    for (int i = 0; i < s->out_n; i++)
        sr_msg_unref(s->out[(s->out_head + i) % s->out_cap]);
    free(s->out);
    free(s->rx);
    free(s);
}

void sr_hub_session_closed(sr_hub *h, sr_session *s)
{
    hub_member_remove(h, s);
    s->wsi = NULL;
    sr_session_unref(s);
}

/* ---------- start-up ---------- */

static void ld_track(void *ud, const sr_track_row *t)
{
    sr_library_add(((sr_hub *)ud)->lib, t);
}

static void ld_room(void *ud, const sr_room_row *rr)
{
    sr_hub *h = ud;
    json_t *tags = json_loads(rr->tags ? rr->tags : "[]", 0, NULL);
    if (!json_is_array(tags)) json_decref(tags), tags = NULL;
    sr_room *r = hub_room_new(h, rr->id, rr->name, rr->description, tags, rr->created);
    r->np_track = rr->np_track;
    r->np_entry = rr->np_entry;
    r->np_user = rr->np_user;
    r->np_play = rr->np_play;
    r->np_started_at = rr->np_started_at;
    r->np_from = rr->np_from;
}

static void ld_entry(void *ud, int64_t id, int64_t room, int64_t tr, int64_t usr, double at)
{
    sr_room *r = hub_room_get(ud, room);
    if (r) sr_queue_insert(&r->queue, sr_entry_new(id, tr, usr, at));
}

static void ld_vote(void *ud, int64_t entry, int64_t usr, int value)
{
    sr_hub *h = ud;
    for (int i = 0; i < h->nrooms; i++)
        if (sr_queue_vote(&h->rooms[i]->queue, entry, usr, value) != SR_ENOENT) return;
}

static void ld_chat(void *ud, int64_t id, int64_t room, int64_t usr, const char *text, double ts)
{
    sr_hub *h = ud;
    sr_room *r = hub_room_get(h, room);
    if (r)
        hub_chat_keep(r, json_pack("{s:I,s:o,s:s,s:f}", "id", (json_int_t)id, "user",
                               hub_user_json(h, usr), "text", text, "ts", ts));
}

static void ld_ranked(void *ud, int64_t room, int64_t tr, int64_t plays)
{
    sr_room *r = hub_room_get(ud, room);
    if (r && r->nrank < RANKED) r->rank[r->nrank++] = (ranked){tr, plays};
}

static void ld_recent(void *ud, int64_t room, int64_t tr)
{
    sr_room *r = hub_room_get(ud, room);
    if (r && r->nrecent < RECENT) r->recent[r->nrecent++] = tr;
}

static void ld_max(void *ud, int64_t u, int64_t room, int64_t entry, int64_t chat, int64_t play)
{
    sr_hub *h = ud;
    (void)u;
    if (room > h->max_room) h->max_room = room;
    h->max_entry = entry;
    h->max_chat = chat;
    h->max_play = play;
}

static void wake_pool(void *ud)
{
    sr_hub *h = ud;
    if (h->net.wake) h->net.wake(h->net.ud);
}

int sr_hub_start(sr_hub *h)
{
    sr_load_sink sink = {
        .ud = h,
        .user = hub_ld_user,
        .room = ld_room,
        .track = ld_track,
        .entry = ld_entry,
        .vote = ld_vote,
        .chat = ld_chat,
        .ranked = ld_ranked,
        .recent = ld_recent,
        .max_ids = ld_max,
        .chat_limit = CHAT_KEEP,
        .account = hub_ld_account,
        .session = hub_ld_session,
        .follow = hub_ld_follow,
        .room_settings = hub_ld_room_settings,
        .role = hub_ld_role,
        .avatar = hub_ld_avatar,
    };
    h->pool = sr_pool_start(2, wake_pool, h);
    for (int i = 0; i < h->nmods; i++)
        if (h->mods[i].m->load) h->mods[i].m->load(h, h->mods[i].self, &sink);
    if (h->st->ops->load(h->st, &sink)) return SR_EIO;
    if (!h->max_room) { /* never a room yet (closed ones count: their ids stay taken) */
        sr_room *r =
            hub_room_new(h, 1, "Demo room", "Everyone hears the same track. Add songs, vote, chat.",
                         json_pack("[s,s]", "demo", "welcome"), sr_now_ms());
        sr_write w = {.kind = SR_W_ROOM, .a = r->id, .t = r->created};
        w.s1 = sr_xstrdup(r->name);
        w.s2 = sr_xstrdup(r->description);
        w.s3 = sr_proto_dump(json_incref(r->tags));
        int rc =
            h->st->ops->begin(h->st) || h->st->ops->write(h->st, &w) || h->st->ops->commit(h->st);
        sr_write_clear(&w);
        if (rc) return SR_EIO;
        sr_log(SR_LOG_INFO, "created the demo room", "room=1");
    }
    for (int i = 0; i < h->nmods; i++)
        if (h->mods[i].m->start && h->mods[i].m->start(h, h->mods[i].self)) {
            sr_log(SR_LOG_ERROR, "module failed to start", "module=%s", h->mods[i].m->name);
            return SR_EIO;
        }
    h->wk = sr_worker_start(h->st, h->net.wake, h->net.ud);
    if (!h->wk) return SR_ENOMEM;
    int nlib;
    sr_library_playable(h->lib, &nlib);
    sr_log(SR_LOG_INFO, "state loaded", "rooms=%d tracks=%d users=%lld modules=%d", h->nrooms,
           nlib, (long long)(h->nusers ? h->nusers - 1 : 0), h->nmods);
    return 0;
}

sr_hub *sr_hub_new(const sr_hub_config *cfg, sr_store *st, const sr_hub_net *net)
{
    sr_hub *h = sr_xcalloc(1, sizeof *h);
    h->cfg = *cfg;
    h->st = st;
    h->net = *net;
    h->lib = sr_library_new();
    if (sr_bus_open(cfg->bus_url, bus_deliver, h, &h->bus))
        sr_bus_open("local", bus_deliver, h, &h->bus);
    randombytes_buf(&h->rng, sizeof h->rng);
    h->rng |= 1;
    return h;
}

void hub_room_free(sr_hub *h, sr_room *r)
{
    sr_event ev = {.type = SR_EV_ROOM_FREED, .room = r};
    hub_emit(h, &ev);
    sr_queue_clear(&r->queue);
    sr_history_free(&r->history);
    for (int k = 0; k < r->chat_n; k++)
        json_decref(r->chat[(r->chat_head + k) % CHAT_KEEP]);
    json_decref(r->tags);
    free(r->name);
    free(r->description);
    free(r->skips);
    free(r->listeners);
    free(r->ls_json);
    free(r->ls_refs);
    free(r->members);
    hub_room_free_rules(r);
    free(r->pend_join);
    free(r->pend_left);
    free(r);
}

void sr_hub_free(sr_hub *h)
{
    if (!h) return;
    /* finish password and image tasks first: they may still queue writes */
    sr_pool_stop(h->pool);
    h->pool = NULL;
    for (int i = 0; i < h->nmods; i++)
        if (h->mods[i].m->pending)
            while (h->mods[i].m->pending(h, h->mods[i].self)) {
                sr_hub_poll(h);
                struct timespec ts = {0, 1000000};
                nanosleep(&ts, NULL);
            }
    if (h->wk) {
        while (sr_worker_pending(h->wk)) {
            sr_hub_poll(h);
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
        }
        sr_worker_stop(h->wk);
    }
    h->wk = NULL;
    for (int i = 0; i < h->nrooms; i++)
        hub_room_free(h, h->rooms[i]);
    for (int i = 0; i < h->nclosed; i++)
        hub_room_free(h, h->closed[i]);
    free(h->closed);
    free(h->rooms);
    hub_people_free(h);
    for (int i = h->nmods - 1; i >= 0; i--)
        if (h->mods[i].m->stop) h->mods[i].m->stop(h, h->mods[i].self);
    sr_routes_free(&h->routes);
    sr_library_free(h->lib);
    if (h->bus) h->bus->ops->close(h->bus);
    free(h);
}

/* ---------- modules ---------- */

int sr_hub_register(sr_hub *h, const sr_module *m)
{
    if (!m || m->version < 1 || h->nmods == SR_MODULES_MAX) return SR_EINVAL;
    for (int i = 0; i < h->nmods; i++)
        if (!strcmp(h->mods[i].m->name, m->name)) return SR_EEXIST;
    hub_mod *hm = &h->mods[h->nmods++];
    hm->m = m;
    hm->self = m->create ? m->create(h) : NULL;
    if (m->nroutes) sr_routes_add(&h->routes, m->routes, m->nroutes);
    return 0;
}

void *hub_module_self(sr_hub *h, const sr_module *m)
{
    for (int i = 0; i < h->nmods; i++)
        if (h->mods[i].m == m) return h->mods[i].self;
    return NULL;
}

int hub_slot_new(sr_hub *h, int room)
{
    int *n = room ? &h->nslots_room : &h->nslots_user;
    return *n < SR_SLOTS ? (*n)++ : -1;
}

void hub_emit(sr_hub *h, const sr_event *ev)
{
    for (int i = 0; i < h->nmods; i++) {
        const sr_module *m = h->mods[i].m;
        for (int k = 0; k < m->nevents; k++)
            if (m->events[k].type == ev->type) m->events[k].fn(h, h->mods[i].self, ev);
    }
}

void hub_room_json_hooks(sr_hub *h, sr_room *r, sr_view view, int64_t viewer, json_t *o)
{
    for (int i = 0; i < h->nmods; i++)
        if (h->mods[i].m->room_json) h->mods[i].m->room_json(h, h->mods[i].self, r, view, viewer, o);
}

static int64_t auth_user_of(void *app, const char *token, char hash_out[65])
{
    return hub_session_user(app, token, hash_out);
}

static int auth_is_admin(void *app, int64_t uid)
{
    user *u = hub_user_get(app, uid);
    return u && u->admin && u->username;
}

static const sr_route_auth route_auth = {auth_user_of, auth_is_admin};

int sr_hub_rest(sr_hub *h, const sr_rest *req)
{
    sr_routes_dispatch(&h->routes, h, &route_auth, req);
    return 1;
}

size_t sr_hub_raw_body(sr_hub *h, char method, const char *path)
{
    return sr_routes_raw(&h->routes, method, path) ? SR_RAW_BODY_MAX : 0;
}
