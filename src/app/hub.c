/* hub.c - the kernel's top: start-up (loading the store through every module's sink),
 * shutdown, the module registry, the REST entry point and the service loop's hooks (poll,
 * pending). It calls the rest of the kernel; nothing in the kernel calls it. */
#include "app/hub.h"
#include "app/kernel_int.h"
#include "bus/bus.h"
#include "core/history.h"
#include "core/queue.h"
#include "library/library.h"
#include "proto/proto.h"
#include "store/worker.h"
#include "util/log.h"
#include "util/util.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------- the service loop ---------- */

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
        hub_job_finish(h, (job *)list);
        list = next;
    }
}

void sr_hub_defer_writes(sr_hub *h, int on)
{
    h->defer_writes = on;
    if (!on) sr_hub_kick(h); /* what waited goes now */
}

void sr_hub_kick(sr_hub *h)
{
    if (h->wk) sr_worker_kick(h->wk);
}

int sr_hub_pending(sr_hub *h)
{
    int n = (h->wk ? sr_worker_pending(h->wk) : 0) + (h->pool ? sr_pool_pending(h->pool) : 0) +
            sr_library_pending(h->lib);
    for (int i = 0; i < h->nmods; i++)
        if (h->mods[i].m->pending) n += h->mods[i].m->pending(h, h->mods[i].self);
    return n;
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
    if (!r) return;
    char buf[1024];
    sr_jtext line;
    sr_jtext_init(&line, buf, sizeof buf);
    hub_chat_line(h, id, usr, text, strlen(text), ts, &line);
    hub_chat_keep(r, id, usr, &line);
    sr_jtext_free(&line);
}

static void ld_ranked(void *ud, int64_t room, int64_t tr, int64_t plays)
{
    sr_room *r = hub_room_get(ud, room);
    if (r && r->nrank < RANKED) r->rank[r->nrank++] = (sr_top_track){tr, plays};
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
    if (!h->bus) return SR_EINVAL; /* the bus named in the configuration did not open */
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
        .reply = hub_ld_reply,
    };
    h->pool = sr_pool_start(2, wake_pool, h);
    if (!h->pool) return SR_ENOMEM;
    for (int i = 0; i < h->nmods; i++)
        if (h->mods[i].m->load) h->mods[i].m->load(h, h->mods[i].self, &sink);
    /* what another process (the admin CLI) changes from now on is read back from the notices:
     * the newest one before loading is where reading starts */
    if (h->st->ops->open_twin(h->st, 1, &h->notice_st) ||
        sr_store_notices_last(h->notice_st, &h->notice_last)) {
        sr_log(SR_LOG_WARN, "notices cannot be read: changes by the CLI need a restart", NULL);
        if (h->notice_st) h->notice_st->ops->close(h->notice_st);
        h->notice_st = NULL;
    }
    if (h->st->ops->load(h->st, &sink)) return SR_EIO;
    h->ids = sr_ids_new(h->st);
    if (!h->ids) return SR_EIO;
    if (!h->max_room) { /* never a room yet (closed ones count: their ids stay taken) */
        int64_t id = hub_id_new(h, SR_ID_ROOM);
        if (!id) return SR_EIO;
        sr_room *r = hub_room_new(h, id, "Demo room",
                                  "Everyone hears the same track. Add songs, vote, chat.",
                                  json_pack("[s,s]", "demo", "welcome"), sr_now_ms());
        sr_write w = {.kind = SR_W_ROOM, .a = r->id, .t = r->created};
        w.s1 = sr_xstrdup(r->name);
        w.s2 = sr_xstrdup(r->description);
        w.s3 = sr_proto_dump(json_incref(r->tags));
        int rc =
            h->st->ops->begin(h->st) || h->st->ops->write(h->st, &w) || h->st->ops->commit(h->st);
        sr_write_clear(&w);
        if (rc) return SR_EIO;
        sr_log(SR_LOG_INFO, "created the demo room", "room=%lld", (long long)id);
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
    int64_t people = 0;
    for (int64_t i = 1; i < h->nusers; i++)
        people += h->users[i] != NULL;
    sr_log(SR_LOG_INFO, "state loaded", "rooms=%d tracks=%d users=%lld modules=%d", h->nrooms, nlib,
           (long long)people, h->nmods);
    return 0;
}

sr_hub *sr_hub_new(const sr_hub_config *cfg, sr_store *st, const sr_hub_net *net)
{
    sr_hub *h = sr_xcalloc(1, sizeof *h);
    h->cfg = *cfg;
    h->st = st;
    h->net = *net;
    h->lib = sr_library_new();
    sr_bus_config bc = {.deliver = hub_bus_deliver, .ud = h};
    if (sr_bus_open(cfg->bus_url, &bc, &h->bus)) h->bus = NULL; /* sr_hub_start fails */
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
    sr_chatring_free(&r->chat);
    json_decref(r->tags);
    free(r->name);
    free(r->description);
    sr_skip_free(&r->skips);
    free(r->listeners);
    sr_imap_free(&r->listener_at);
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
    sr_hub_defer_writes(h, 0); /* no pass ends from here on: every write goes at once */
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
    sr_ids_free(h->ids);
    if (h->notice_st) h->notice_st->ops->close(h->notice_st);
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
    /* every change under /api/ is stored before it is answered: refused up front while the
     * store cannot write, rather than applied in memory and then not kept */
    if (req->method != 'G' && req->method != 'H' && hub_store_refusing(h)) {
        int http;
        json_t *err = hub_write_error_json(h, SR_EUNAVAIL, &http);
        req->reply(req->ctx, http, err, NULL);
        return 1;
    }
    sr_routes_dispatch(&h->routes, h, &route_auth, req);
    return 1;
}

size_t sr_hub_raw_body(sr_hub *h, char method, const char *path)
{
    return sr_routes_raw(&h->routes, method, path) ? SR_RAW_BODY_MAX : 0;
}

void hub_account_forget(sr_hub *h, int64_t uid)
{
    user *u = hub_user_get(h, uid);
    if (!u) return;
    hub_session_revoke(h, NULL, uid, NULL);
    hub_user_set_username(h, uid, NULL);
    if (u->acct) {
        free(u->acct->pw_hash), u->acct->pw_hash = NULL;
        free(u->acct->bio), u->acct->bio = NULL;
    }
    u->disabled = 1;
    hub_user_set(h, uid, "deleted user", NULL);
    u->shown++;
    /* follows in memory go with the account */
    while (USER_NFOLLOWING(u))
        hub_follow_set(h, uid, u->acct->following[0], 0);
    while (USER_NFOLLOWERS(u))
        hub_follow_set(h, u->acct->followers[0], uid, 0);
    hub_forget_chat_of(h, uid);
    sr_replay_free(u->replay); /* what its retried writes were answered (the store's rows go too) */
    u->replay = NULL;
}
