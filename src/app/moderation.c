/* moderation.c - the moderation module: moderator actions (skip, remove, move, delete chat,
 * ban, mute, lock, roles), changing and closing rooms, invites, bans, the audit log that
 * records each action, and the admins' list of rooms. The rules themselves are the kernel's
 * (rules.c): this module changes them. */
#include "app/kernel.h"
#include "app/modules.h"
#include "proto/proto.h"
#include "util/log.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUDIT_KEEP 200

static const char *const vis_names[] = {"public", "unlisted", "private"};

/* The module's state and a room's audit log (in the room's slot). */
typedef struct moderation {
    int64_t max_audit;
    int slot;
} moderation;

typedef struct audit_log {
    json_t *e[AUDIT_KEEP];
    int head, n;
} audit_log;

static moderation *self_of(sr_hub *h)
{
    return hub_module_self(h, &sr_module_moderation);
}

static audit_log *log_of(sr_hub *h, sr_room *r)
{
    moderation *M = self_of(h);
    if (!r->slot[M->slot]) r->slot[M->slot] = sr_xcalloc(1, sizeof(audit_log));
    return r->slot[M->slot];
}

static void audit(sr_hub *h, job *j, sr_room *r, int64_t actor, const char *action, int64_t target,
                  const char *detail)
{
    int64_t id = hub_id_new(h, SR_ID_AUDIT);
    audit_log *L = log_of(h, r);
    double ts = sr_now_ms();
    sr_write_audit(hub_job_add(j), id, r->id, actor, target, action, detail ? detail : "", ts);
    json_t *e = json_pack("{s:I,s:o,s:s,s:o,s:s,s:f}", "id", (json_int_t)id, "actor",
                          hub_user_json(h, actor), "action", action, "target",
                          target ? hub_user_json(h, target) : json_null(), "detail",
                          detail ? detail : "", "ts", ts);
    if (L->n == AUDIT_KEEP) {
        json_decref(L->e[L->head]);
        L->e[L->head] = e;
        L->head = (L->head + 1) % AUDIT_KEEP;
    } else {
        L->e[(L->head + L->n++) % AUDIT_KEEP] = e;
    }
    sr_log(SR_LOG_INFO, "moderation", "room=%lld actor=%lld action=%s target=%lld",
           (long long)r->id, (long long)actor, action, (long long)target);
    /* Owners (and admins) in the room see the entry at once: bans, mutes and kicks are not
     * announced to the room, and their moderation panel should not wait for a refresh. */
    json_t *msg =
        json_pack("{s:s,s:I,s:O}", "type", "moderation", "room", (json_int_t)r->id, "entry", e);
    for (int i = 0; i < r->nmembers; i++)
        if (hub_rank(h, r, r->members[i]->user) >= RANK_OWNER)
            hub_send_json(h, r->members[i], json_incref(msg));
    json_decref(msg);
}

typedef struct kick_ctx {
    sr_hub *h;
    sr_room *r;
    int64_t uid;
    const char *reason;
} kick_ctx;

/* uid 0: everyone in the room */
static void kick_one(sr_session *s, void *ud)
{
    kick_ctx *k = ud;
    if ((k->uid && s->user != k->uid) || s->room != k->r) return;
    hub_member_remove(k->h, s);
    hub_send_json(k->h, s,
                  json_pack("{s:s,s:I,s:s}", "type", "kicked", "room", (json_int_t)k->r->id,
                            "reason", k->reason));
}

static void kick(sr_hub *h, sr_room *r, int64_t uid, const char *reason)
{
    kick_ctx k = {h, r, uid, reason};
    if (h->net.each_session) h->net.each_session(kick_one, &k);
}

static json_t *settings_delta(sr_room *r)
{
    json_t *o = hub_delta("room_updated");
    json_object_set_new(o, "info", hub_room_info_json(r));
    json_object_set_new(o, "settings", hub_room_settings_json(r));
    return o;
}

static void on_mod(sr_hub *h, void *self, sr_session *s, sr_cmsg *m, sr_room *r)
{
    const char *a = m->action;
    int64_t tu = m->target_user;
    sr_mod_refusal why = sr_policy_may_moderate(
        hub_rank(h, r, s->user), s->user, !strcmp(a, "set_role"), tu, tu && hub_user_get(h, tu),
        tu && hub_user_get(h, tu) ? hub_rank(h, r, tu) : 0);
    if (why)
        return hub_send_error(h, s, sr_mod_refusal_code(why), sr_mod_refusal_message(why), m->ref);
    job *j = hub_job_new(r);
    json_t *o = NULL;
    double now = sr_now_ms(), until = sr_policy_until(now, m->seconds);
    char detail[96] = "";
    if (!strcmp(a, "skip")) {
        if (!r->np_track) {
            free(j);
            return hub_send_error(h, s, "not_allowed", "nothing is playing", m->ref);
        }
        snprintf(detail, sizeof detail, "track %lld", (long long)r->np_track);
        audit(h, j, r, s->user, a, 0, detail);
        hub_job_ack(j, s, m->ref, NULL);
        hub_submit(h, j, NULL);
        hub_advance(h, r, now, 1);
        return;
    } else if (!strcmp(a, "remove") || !strcmp(a, "move")) {
        sr_entry *e = sr_queue_find(&r->queue, m->entry);
        if (!e) {
            free(j);
            return hub_send_error(h, s, "no_such_entry", "no queued entry with that id", m->ref);
        }
        snprintf(detail, sizeof detail, "entry %lld track %lld", (long long)e->id,
                 (long long)e->track);
        if (!strcmp(a, "remove")) {
            int64_t by = e->user;
            sr_entry_free(sr_queue_remove(&r->queue, m->entry));
            sr_write_entry_state(hub_job_add(j), m->entry, "removed");
            audit(h, j, r, s->user, a, by, detail);
            o = hub_delta("entry_removed");
            json_object_set_new(o, "id", json_integer(m->entry));
            json_object_set_new(o, "reason", json_string("moderator"));
        } else {
            /* "move" pins the entry to the top: pinned entries play first, in pin order. */
            sr_queue_remove(&r->queue, m->entry);
            e->pin = ++r->pin_seq;
            sr_queue_insert(&r->queue, e);
            audit(h, j, r, s->user, a, e->user, detail);
            o = hub_delta("entry_moved");
            json_object_set_new(o, "id", json_integer(m->entry));
            json_object_set_new(o, "pinned", json_true());
        }
    } else if (!strcmp(a, "delete_chat")) {
        int found = sr_chatring_remove_id(&r->chat, m->msg);
        if (!found && m->msg > h->max_chat) {
            free(j);
            return hub_send_error(h, s, "no_such_message", "no chat message with that id", m->ref);
        }
        sr_write_chat_delete(hub_job_add(j), m->msg);
        snprintf(detail, sizeof detail, "message %lld", (long long)m->msg);
        audit(h, j, r, s->user, a, 0, detail);
        o = hub_delta("chat_deleted");
        json_object_set_new(o, "id", json_integer(m->msg));
    } else if (!strcmp(a, "mute") || !strcmp(a, "ban")) {
        int role = a[0] == 'm' ? ROLE_MUTED : ROLE_BANNED;
        hub_role_set(r, m->target_user, role, until, 1);
        hub_role_write(j, r, m->target_user, role, until, 1);
        snprintf(detail, sizeof detail, m->seconds ? "%lld s" : "permanent", (long long)m->seconds);
        audit(h, j, r, s->user, a, m->target_user, detail);
        if (role == ROLE_BANNED) kick(h, r, m->target_user, "banned");
    } else if (!strcmp(a, "unmute") || !strcmp(a, "unban")) {
        int role = a[2] == 'm' ? ROLE_MUTED : ROLE_BANNED;
        hub_role_set(r, m->target_user, role, 0, 0);
        hub_role_write(j, r, m->target_user, role, 0, 0);
        audit(h, j, r, s->user, a, m->target_user, NULL);
    } else if (!strcmp(a, "kick")) {
        audit(h, j, r, s->user, a, m->target_user, NULL);
        kick(h, r, m->target_user, "kicked by a moderator");
    } else if (!strcmp(a, "lock") || !strcmp(a, "unlock")) {
        r->rules.locked = a[0] == 'l';
        hub_room_write_settings(j, r);
        audit(h, j, r, s->user, a, 0, NULL);
        o = settings_delta(r);
    } else if (!strcmp(a, "set_role")) {
        int mod = !strcmp(m->role, "moderator"), member = !strcmp(m->role, "member");
        sr_roles_assign(&r->roles, m->target_user,
                        mod      ? SR_RANK_MOD
                        : member ? SR_RANK_MEMBER
                                 : SR_RANK_NONE);
        hub_role_write(j, r, m->target_user, ROLE_MOD, 0, mod);
        hub_role_write(j, r, m->target_user, ROLE_MEMBER, 0, member || mod);
        audit(h, j, r, s->user, a, m->target_user, m->role);
        o = hub_delta("role");
        json_object_set_new(o, "user", hub_user_json(h, m->target_user));
        json_object_set_new(o, "role", json_string(m->role));
    }
    hub_job_ack(j, s, m->ref, NULL);
    hub_submit(h, j, o);
}

/* ---------- REST ---------- */

static void ep_patch_room(sr_hub *h, const sr_rest *q, sr_room *r, int64_t me)
{
    json_t *b = q->body;
    const char *code = NULL;
    char msg[120];
    /* the same rules as creating a room, the name being optional here */
    if (!json_is_object(b))
        return hub_rest_error(q, 400, "bad_json", "the body must be a JSON object");
    if (hub_room_fields_check(b, 0, &code, msg, sizeof msg))
        return hub_rest_error(q, 400, code, msg);
    json_t *name = json_object_get(b, "name"), *desc = json_object_get(b, "description"),
           *tags = json_object_get(b, "tags");
    json_t *rules = json_object_get(b, "rules");
    if (rules && !json_is_object(rules))
        return hub_rest_error(q, 400, "bad_field", "rules must be an object");
    if (rules && hub_room_apply_settings(r, rules, &code, msg, sizeof msg))
        return hub_rest_error(q, 400, code, msg);
    json_t *vis = json_object_get(b, "visibility");
    if (vis) {
        json_t *o = json_pack("{s:O}", "visibility", vis);
        int rc = hub_room_apply_settings(r, o, &code, msg, sizeof msg);
        json_decref(o);
        if (rc) return hub_rest_error(q, 400, code, msg);
    }
    if (name) free(r->name), r->name = sr_xstrdup(json_string_value(name));
    if (desc) free(r->description), r->description = sr_xstrdup(json_string_value(desc));
    if (tags) json_decref(r->tags), r->tags = json_deep_copy(tags);
    if (r->visibility == 2 && !r->invite[0]) {
        unsigned char b16[16];
        randombytes_buf(b16, sizeof b16);
        sodium_bin2hex(r->invite, sizeof r->invite, b16, sizeof b16);
    }
    /* the lobby hears of a new name, or that the room left it */
    sr_event ev = {.type = SR_EV_ROOM_CHANGED, .room = r, .user = me, .now = sr_now_ms()};
    hub_emit(h, &ev);
    job *j = hub_job_new(r);
    hub_room_write(j, r);
    hub_room_write_settings(j, r);
    audit(h, j, r, me, "update_room", 0, NULL);
    json_t *body = json_pack("{s:o,s:o}", "room", hub_room_info_json(r), "settings",
                             hub_room_settings_json(r));
    if (r->invite[0]) json_object_set_new(body, "invite", json_string(r->invite));
    hub_submit_reply(h, j, settings_delta(r), q->reply, q->ctx, 200, body, NULL);
}

/* DELETE /api/rooms/:id (the owner or a server admin): the room closes for good. Everyone in
 * it is sent back to the lobby ("kicked", reason "the room was closed"), it leaves the lobby
 * and every list, and it is not loaded again; its row, plays, likes and fans stay in the store
 * (statistics and histories still name it) and its id is never reused. */
static void ep_close_room(sr_hub *h, const sr_rest *q, sr_room *r, int64_t me)
{
    kick(h, r, 0, "the room was closed");
    hub_room_detach(h, r);
    job *j = hub_job_new(r);
    sr_write_room_close(hub_job_add(j), r->id, sr_now_ms());
    audit(h, j, r, me, "close_room", 0, NULL);
    sr_event ev = {.type = SR_EV_ROOM_CLOSED, .room = r, .user = me, .job = j, .now = sr_now_ms()};
    hub_emit(h, &ev);
    sr_log(SR_LOG_INFO, "room closed", "room=%lld by=%lld", (long long)r->id, (long long)me);
    hub_submit_reply(h, j, NULL, q->reply, q->ctx, 200,
                     json_pack("{s:I,s:b}", "room", (json_int_t)r->id, "closed", 1), NULL);
}

/* GET /api/admin/rooms: every open room, private and unlisted ones too, for server admins. */
static json_t *admin_rooms_json(sr_hub *h)
{
    json_t *a = json_array();
    int nrooms;
    sr_room **rooms = hub_rooms(h, &nrooms);
    for (int i = 0; i < nrooms; i++) {
        sr_room *r = rooms[i];
        json_t *o = hub_room_info_json(r);
        json_object_set_new(o, "visibility", json_string(vis_names[r->visibility]));
        json_object_set_new(o, "owner", r->owner ? hub_user_json(h, r->owner) : json_null());
        json_object_set_new(o, "listeners", json_integer(r->nlisteners));
        json_object_set_new(o, "created", json_real(r->created));
        json_array_append_new(a, o);
    }
    return json_pack("{s:o}", "rooms", a);
}

static void ep_audit(sr_hub *h, const sr_rest *q, sr_room *r)
{
    audit_log *L = log_of(h, r);
    json_t *a = json_array();
    for (int i = L->n - 1; i >= 0; i--)
        json_array_append(a, L->e[(L->head + i) % AUDIT_KEEP]);
    q->reply(q->ctx, 200, json_pack("{s:o}", "entries", a), NULL);
}

/* {"invite","url"} of the room's current invite, both null when there is none. */
static json_t *invite_json(sr_room *r)
{
    if (!r->invite[0]) return json_pack("{s:n,s:n}", "invite", "url");
    char url[96];
    snprintf(url, sizeof url, "/#/room/%lld?invite=%s", (long long)r->id, r->invite);
    return json_pack("{s:s,s:s}", "invite", r->invite, "url", url);
}

static void ep_invite(sr_hub *h, const sr_rest *q, sr_room *r, int64_t me)
{
    unsigned char b16[16];
    randombytes_buf(b16, sizeof b16);
    sodium_bin2hex(r->invite, sizeof r->invite, b16, sizeof b16);
    job *j = hub_job_new(r);
    hub_room_write_settings(j, r);
    audit(h, j, r, me, "new_invite", 0, NULL);
    hub_submit_reply(h, j, NULL, q->reply, q->ctx, 200, invite_json(r), NULL);
}

/* DELETE /api/rooms/:id/invites: the current code stops working and no new one is made. */
static void ep_revoke_invite(sr_hub *h, const sr_rest *q, sr_room *r, int64_t me)
{
    r->invite[0] = 0;
    job *j = hub_job_new(r);
    hub_room_write_settings(j, r);
    audit(h, j, r, me, "revoke_invite", 0, NULL);
    hub_submit_reply(h, j, NULL, q->reply, q->ctx, 200, invite_json(r), NULL);
}

/* GET /api/rooms/:id/bans: who is banned now, with when the ban ends (null: never). */
static void ep_bans(sr_hub *h, const sr_rest *q, sr_room *r)
{
    double now = sr_now_ms();
    json_t *a = json_array();
    for (int i = 0; i < r->roles.n; i++) {
        const sr_role *x = &r->roles.items[i];
        if (x->role != ROLE_BANNED || !sr_role_active(x, now)) continue;
        json_array_append_new(a, json_pack("{s:o,s:o}", "user", hub_user_json(h, x->user), "until",
                                           x->until ? json_real(x->until) : json_null()));
    }
    q->reply(q->ctx, 200, json_pack("{s:o}", "bans", a), NULL);
}

/* The room a route names, when the caller may see it and holds at least need (RANK_*);
 * otherwise answers 404, 401 or 403 (in that order, as before the route table) and NULL. */
static sr_room *room_for(sr_hub *h, const sr_rest *q, const sr_route_args *a, int need,
                         const char *why)
{
    sr_room *r = hub_room_get(h, a->id[0]);
    if (!r || !hub_may_enter(h, r, a->me, NULL))
        return hub_rest_error(q, 404, "no_such_room", "no room with that id"), NULL;
    if (!a->me) return hub_rest_error(q, 401, "unauthenticated", "sign in first"), NULL;
    if (hub_rank(h, r, a->me) < need) return hub_rest_error(q, 403, "not_allowed", why), NULL;
    return r;
}

static void r_patch(void *app, const sr_rest *q, const sr_route_args *a)
{
    sr_room *r = room_for(app, q, a, RANK_OWNER, "only the room's owner may change it");
    if (r) ep_patch_room(app, q, r, a->me);
}

static void r_close(void *app, const sr_rest *q, const sr_route_args *a)
{
    sr_room *r =
        room_for(app, q, a, RANK_OWNER, "only the room's owner or a server admin may close it");
    if (r) ep_close_room(app, q, r, a->me);
}

static void r_audit(void *app, const sr_rest *q, const sr_route_args *a)
{
    sr_room *r = room_for(app, q, a, RANK_OWNER, "only the room's owner may read its audit log");
    if (r) ep_audit(app, q, r);
}

static void r_bans(void *app, const sr_rest *q, const sr_route_args *a)
{
    sr_room *r = room_for(app, q, a, RANK_MOD, "only moderators may do that");
    if (r) ep_bans(app, q, r);
}

static void r_invite_get(void *app, const sr_rest *q, const sr_route_args *a)
{
    sr_room *r = room_for(app, q, a, RANK_MOD, "only moderators may do that");
    if (r) q->reply(q->ctx, 200, invite_json(r), NULL);
}

static void r_invite_new(void *app, const sr_rest *q, const sr_route_args *a)
{
    sr_room *r = room_for(app, q, a, RANK_MOD, "only moderators may do that");
    if (r) ep_invite(app, q, r, a->me);
}

static void r_invite_revoke(void *app, const sr_rest *q, const sr_route_args *a)
{
    sr_room *r = room_for(app, q, a, RANK_MOD, "only moderators may do that");
    if (r) ep_revoke_invite(app, q, r, a->me);
}

static void r_admin_rooms(void *app, const sr_rest *q, const sr_route_args *a)
{
    q->reply(q->ctx, 200, admin_rooms_json(app), NULL);
}

static const sr_route routes[] = {
    {"PATCH", "/api/rooms/:id", SR_WHO_ANYONE, r_patch, 0},
    {"DELETE", "/api/rooms/:id", SR_WHO_ANYONE, r_close, 0},
    {"GET", "/api/rooms/:id/audit", SR_WHO_ANYONE, r_audit, 0},
    {"GET", "/api/rooms/:id/bans", SR_WHO_ANYONE, r_bans, 0},
    {"GET", "/api/rooms/:id/invites", SR_WHO_ANYONE, r_invite_get, 0},
    {"POST", "/api/rooms/:id/invites", SR_WHO_ANYONE, r_invite_new, 0},
    {"DELETE", "/api/rooms/:id/invites", SR_WHO_ANYONE, r_invite_revoke, 0},
    {"GET", "/api/admin/rooms", SR_WHO_ADMIN, r_admin_rooms, 0},
};

static const sr_msg_hook messages[] = {
    {SR_C_MOD, 1, on_mod},
};

/* ---------- the module ---------- */

static void ld_max_audit(void *ud, int64_t audit_id)
{
    self_of(ud)->max_audit = audit_id;
}

static void load(sr_hub *h, void *self, sr_load_sink *sink)
{
    sink->max_audit = ld_max_audit;
}

static void on_room_freed(sr_hub *h, void *self, const sr_event *ev)
{
    moderation *M = self;
    audit_log *L = ev->room->slot[M->slot];
    if (!L) return;
    for (int i = 0; i < L->n; i++)
        json_decref(L->e[(L->head + i) % AUDIT_KEEP]);
    free(L);
    ev->room->slot[M->slot] = NULL;
}

static const sr_event_hook events[] = {
    {SR_EV_ROOM_FREED, on_room_freed},
};

static void *create(sr_hub *h)
{
    moderation *M = sr_xcalloc(1, sizeof *M);
    M->slot = hub_slot_new(h, 1);
    return M;
}

static void stop(sr_hub *h, void *self)
{
    free(self);
}

const sr_module sr_module_moderation = {
    .version = SR_MODULE_VERSION,
    .name = "moderation",
    .create = create,
    .load = load,
    .stop = stop,
    .routes = routes,
    .nroutes = SR_COUNT(routes),
    .messages = messages,
    .nmessages = SR_COUNT(messages),
    .events = events,
    .nevents = SR_COUNT(events),
};
