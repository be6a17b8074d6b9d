/* kernel.c - the kernel's lowest layer: sending, the rooms table, the job pipeline to the write
 * worker and the event hooks. Everything else in the kernel and every module stands on it.
 *
 * The life of a change: a request is validated and applied to memory at once (so the next
 * request sees it), given the room's next seq, and its delta is encoded once, recorded in the
 * room's history and fanned out there and then, in seq order. The writes go to the write worker
 * with the requester's ack, which is sent only when the worker reports them durable: nothing is
 * acknowledged before it is on disk, but the room does not wait for the disk to hear of it. */
#include "app/hub.h"
#include "app/kernel_int.h"
#include "bus/bus.h"
#include "core/history.h"
#include "core/playback.h"
#include "core/queue.h"
#include "library/library.h"
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

static void chat_release(void *line)
{
    chat_line *c = line;
    json_decref(c->json);
    free(c);
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
    sr_chatring_init(&r->chat, CHAT_KEEP, chat_release);
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

json_t *hub_room_info_json(sr_room *r)
{
    return json_pack("{s:I,s:s,s:s,s:O}", "id", (json_int_t)r->id, "name", r->name, "description",
                     r->description, "tags", r->tags);
}

job *hub_job_new(sr_room *r)
{
    job *j = sr_xcalloc(1, sizeof *j);
    j->room = r;
    return j;
}

sr_write *hub_job_add(job *j)
{
    sr_write *w = &j->base.w[j->base.nw++];
    memset(w, 0, sizeof *w);
    return w;
}

static void publish(sr_hub *h, sr_room *r, uint64_t seq, sr_msg *m);

static void queue_job(sr_hub *h, job *j);

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
    queue_job(h, j);
}

void hub_submit_text(sr_hub *h, job *j, sr_jtext *d)
{
    sr_room *r = j->room;
    uint64_t seq = ++r->seq;
    /* the same members, in the same order, as hub_submit gives a delta */
    sr_jtext_lit(d, ",\"room\":");
    sr_jtext_int(d, r->id);
    sr_jtext_lit(d, ",\"epoch\":");
    sr_jtext_str(d, r->epoch, strlen(r->epoch));
    sr_jtext_lit(d, ",\"seq\":");
    sr_jtext_int(d, (int64_t)seq);
    sr_jtext_lit(d, "}");
    sr_msg *m = sr_msg_new(d->b, d->n);
    publish(h, r, seq, m);
    sr_msg_unref(m);
    queue_job(h, j);
}

static void queue_job(sr_hub *h, job *j)
{
    if (!j->base.nw && !j->s && !j->done) {
        free(j); /* nothing to write and no one to answer (presence, a skip tally) */
        return;
    }
    /* an answer without a write still queues behind the writes before it, so a client's
     * answers come in the order of its requests */
    if (!j->base.nw) sr_write_none(hub_job_add(j));
    if (h->defer_writes)
        sr_worker_submit_quiet(h->wk, &j->base);
    else
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
    h->bus->ops->publish(h->bus, r->id, r->epoch, seq, m);
}

/* The bus hands every room delta back (from this node or, with a shared bus, another):
 * the same bytes go to each listener here. */
void hub_bus_deliver(void *ud, int64_t room, const char *epoch, uint64_t seq, sr_msg *m)
{
    sr_hub *h = ud;
    sr_room *r = hub_room_get(h, room);
    for (int i = 0; r && i < r->nmembers; i++)
        h->net.send(r->members[i], m);
}

int hub_store_refusing(sr_hub *h)
{
    return h->wk && sr_worker_refusing(h->wk);
}

void hub_store_probe(sr_hub *h, double now)
{
    if (!hub_store_refusing(h) || now - h->probe_at < 500) return;
    h->probe_at = now;
    job *j = hub_job_new(NULL);
    j->base.probe = 1;
    sr_write_none(hub_job_add(j));
    sr_worker_submit(h->wk, &j->base);
}

const char *hub_write_error(sr_hub *h, int status, int *http, const char **message)
{
    if (!status) status = h->finishing;
    if (status == SR_EUNAVAIL) {
        *http = 503;
        *message = "the server cannot store this right now, try again";
        return "unavailable";
    }
    *http = 500;
    *message = "the store could not record this";
    return "internal";
}

json_t *hub_write_error_json(sr_hub *h, int status, int *http)
{
    const char *message, *code = hub_write_error(h, status, http, &message);
    return json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", message);
}

void hub_job_finish(sr_hub *h, job *j)
{
    if (j->s) {
        if (j->base.status) {
            int http;
            const char *message, *code = hub_write_error(h, j->base.status, &http, &message);
            hub_send_error(h, j->s, code, message, json_object_get(j->ack, "ref"));
        } else if (j->ack) {
            hub_send_json(h, j->s, json_incref(j->ack));
        }
    }
    h->finishing = j->base.status;
    if (j->done)
        j->done(j->ctx, j->base.status ? NULL
                        : j->room      ? hub_room_info_json(j->room)
                                       : json_true());
    h->finishing = 0;
    json_decref(j->ack);
    if (j->s) sr_session_unref(j->s);
    for (int i = 0; i < j->base.nw; i++)
        sr_write_clear(&j->base.w[i]);
    free(j);
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
    char *tags = sr_proto_dump(json_incref(r->tags));
    sr_write_room(hub_job_add(j), r->id, r->name, r->description, tags, r->created);
    free(tags);
}

/* ---------- REST helpers ---------- */

typedef struct reply_ctx {
    sr_hub *h;
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
        int http;
        json_t *err = hub_write_error_json(c->h, 0, &http);
        c->reply(c->ctx, http, err, NULL);
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
    c->h = h;
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

/* ---------- sessions ---------- */

sr_session *sr_hub_session_open(sr_hub *h, void *wsi)
{
    sr_session *s = sr_xcalloc(1, sizeof *s);
    s->refs = 1;
    s->wsi = wsi;
    s->hub = h;
    sr_bucket_init(&s->rate, h->cfg.msg_rate * 2, sr_mono_us());
    return s;
}

void sr_session_unref(sr_session *s)
{
    if (!s || --s->refs) return;
    for (int i = 0; i < s->out_n; i++)
        sr_msg_unref(s->out[(s->out_head + i) & (s->out_cap - 1)]);
    free(s->out);
    free(s->rx);
    free(s->auth_hash);
    free(s);
}

/* ---------- modules' hooks ---------- */

void *hub_module_self(sr_hub *h, const sr_module *m)
{
    for (int i = 0; i < h->nmods; i++)
        if (h->mods[i].m == m) return h->mods[i].self;
    return NULL;
}

int hub_slot_new(sr_hub *h, int room)
{
    int *n = room ? &h->nslots_room : &h->nslots_user;
    /* a person's slots are part of their block: the count is fixed once one is made */
    if (!room && h->users) return -1;
    return *n < SR_SLOTS ? (*n)++ : -1;
}

int64_t hub_id_new(sr_hub *h, sr_id_kind kind)
{
    int64_t id = h->ids ? sr_ids_next(h->ids, kind) : SR_EINVAL;
    if (id > 0) return id;
    sr_log(SR_LOG_ERROR, "no id could be reserved", "kind=%d rc=%lld", (int)kind, (long long)id);
    return 0;
}

unsigned hub_topic_new(sr_hub *h)
{
    return h->ntopics < 32 ? 1u << h->ntopics++ : 0;
}

void hub_emit(sr_hub *h, const sr_event *ev)
{
    for (int i = 0; i < h->nmods; i++) {
        const sr_module *m = h->mods[i].m;
        for (int k = 0; k < m->nevents; k++)
            if (m->events[k].type == ev->type) m->events[k].fn(h, h->mods[i].self, ev);
    }
}

void hub_person_json_hooks(sr_hub *h, int64_t uid, json_t *o)
{
    for (int i = 0; i < h->nmods; i++)
        if (h->mods[i].m->person_json) h->mods[i].m->person_json(h, h->mods[i].self, uid, o);
}

void hub_room_json_hooks(sr_hub *h, sr_room *r, sr_view view, int64_t viewer, json_t *o)
{
    for (int i = 0; i < h->nmods; i++)
        if (h->mods[i].m->room_json)
            h->mods[i].m->room_json(h, h->mods[i].self, r, view, viewer, o);
}

const char *sr_event_name(sr_event_type t)
{
    static const char *const names[SR_EV_MAX] = {
        [SR_EV_JOINED] = "joined",
        [SR_EV_LEFT] = "left",
        [SR_EV_PLAYED] = "played",
        [SR_EV_SKIPPED] = "skipped",
        [SR_EV_QUEUED] = "queued",
        [SR_EV_VOTED] = "voted",
        [SR_EV_CHATTED] = "chatted",
        [SR_EV_LIKED] = "liked",
        [SR_EV_FOLLOWED] = "followed",
        [SR_EV_ACCOUNT_CREATED] = "account_created",
        [SR_EV_ACCOUNT_DELETED] = "account_deleted",
        [SR_EV_ROOM_CREATED] = "room_created",
        [SR_EV_ROOM_CLOSED] = "room_closed",
        [SR_EV_ROOM_CHANGED] = "room_changed",
        [SR_EV_ROOM_FREED] = "room_freed",
        [SR_EV_USER_FREED] = "user_freed",
        [SR_EV_MOVED] = "moved",
        [SR_EV_PROFILE] = "profile",
    };
    return t > 0 && t < SR_EV_MAX && names[t] ? names[t] : "unknown";
}
