/* friends.c - the friends module: profiles, follows, the friends list (mutual follows) and
 * telling friends where someone listens now, as they move between rooms. */
#include "app/kernel.h"
#include "app/modules.h"
#include "util/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
                          "bio", USER_BIO(u) ? USER_BIO(u) : "", "followers", USER_NFOLLOWERS(u),
                          "following", USER_NFOLLOWING(u), "guest", !u->username);
    if (v) {
        json_object_set_new(o, "you_follow", json_boolean(hub_follows(h, viewer, uid)));
        json_object_set_new(
            o, "friend", json_boolean(hub_follows(h, viewer, uid) && hub_follows(h, uid, viewer)));
    }
    json_object_set_new(o, "listening_in", where_json(h, u));
    hub_person_json_hooks(h, uid, o); /* "avatar" */
    return o;
}

static void ep_follow(sr_hub *h, const sr_rest *q, int64_t uid, int64_t target, int on)
{
    user *me = hub_user_get(h, uid), *t = hub_user_get(h, target);
    if (!t || !t->username) return hub_rest_error(q, 404, "no_such_user", "no user with that id");
    if (target == uid) return hub_rest_error(q, 400, "bad_field", "you cannot follow yourself");
    (void)me;
    if (on != hub_follows(h, uid, target)) {
        hub_follow_set(h, uid, target, on);
        sr_event ev = {
            .type = SR_EV_FOLLOWED, .user = uid, .target = target, .value = on, .now = sr_now_ms()};
        hub_emit(h, &ev);
    }
    job *j = hub_job_new(NULL);
    sr_write_follow(hub_job_add(j), uid, target, on, sr_now_ms());
    hub_submit_reply(h, j, NULL, q->reply, q->ctx, 200,
                     json_pack("{s:o}", "user", profile_json(h, target, uid)), NULL);
}

/* Friends (mutual follows) and where they listen now. */
static json_t *friends_json(sr_hub *h, int64_t uid)
{
    user *me = hub_user_get(h, uid);
    json_t *a = json_array();
    for (int i = 0; i < USER_NFOLLOWING(me); i++) {
        int64_t fid = me->acct->following[i];
        user *f = hub_user_get(h, fid);
        if (!f || !hub_follows(h, fid, uid)) continue;
        /* with the avatar: the friends list shows faces, as the listener list does */
        json_array_append_new(a, json_pack("{s:o,s:o}", "user", hub_listener_json(h, fid),
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
    if (viewer && u && hub_follows(c->h, s->user, c->uid) && hub_follows(c->h, c->uid, s->user))
        hub_send_json(c->h, s, json_incref(c->msg));
}

static void friends_notify(sr_hub *h, int64_t uid)
{
    user *u = hub_user_get(h, uid);
    /* people who hide their activity are not announced at all */
    if (!u || !u->username || u->hide_activity || !USER_NFOLLOWERS(u) || !h->net.each_session)
        return;
    notify_ctx c = {h, uid, NULL};
    /* the same user object as GET /api/me/friends: a client replaces its entry with it */
    c.msg = json_pack("{s:s,s:o,s:o}", "type", "friend", "user", hub_listener_json(h, uid),
                      "listening_in", where_json(h, u));
    h->net.each_session(notify_one, &c);
    json_decref(c.msg);
}

/* ---------- events ---------- */

static void on_moved(sr_hub *h, void *self, const sr_event *ev)
{
    friends_notify(h, ev->user);
}

static const sr_event_hook events[] = {
    {SR_EV_MOVED, on_moved},
    {SR_EV_PROFILE, on_moved},
};

/* ---------- routes ---------- */

static void r_friends(void *app, const sr_rest *q, const sr_route_args *a)
{
    q->reply(q->ctx, 200, friends_json(app, a->me), NULL);
}

static void r_profile(void *app, const sr_rest *q, const sr_route_args *a)
{
    if (!hub_user_get(app, a->id[0]))
        return hub_rest_error(q, 404, "no_such_user", "no user with that id");
    q->reply(q->ctx, 200, json_pack("{s:o}", "user", profile_json(app, a->id[0], a->me)), NULL);
}

static void r_follow(void *app, const sr_rest *q, const sr_route_args *a)
{
    ep_follow(app, q, a->me, a->id[0], q->method != 'D');
}

static const sr_route routes[] = {
    {"GET", "/api/me/friends", SR_WHO_ACCOUNT, r_friends, 0},
    {"GET", "/api/users/:id", SR_WHO_ANYONE, r_profile, 0},
    {"POST", "/api/users/:id/follow", SR_WHO_ACCOUNT, r_follow, 0},
    {"PUT", "/api/users/:id/follow", SR_WHO_ACCOUNT, r_follow, 0},
    {"DELETE", "/api/users/:id/follow", SR_WHO_ACCOUNT, r_follow, 0},
};

const sr_module sr_module_friends = {
    .version = SR_MODULE_VERSION,
    .name = "friends",
    .routes = routes,
    .nroutes = SR_COUNT(routes),
    .events = events,
    .nevents = SR_COUNT(events),
};
