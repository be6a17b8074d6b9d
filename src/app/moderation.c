/* moderation.c - who may do what in a room: owners, moderators, members, bans and mutes, the
 * room's rules, moderator actions and the audit log that records each of them. */
#include "app/hub_internal.h"
#include "proto/proto.h"
#include "util/log.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void audit(sr_hub *h, job *j, sr_room *r, int64_t actor, const char *action, int64_t target,
                  const char *detail)
{
    int64_t id = ++h->max_audit;
    double ts = sr_now_ms();
    sr_write *w = hub_job_write(j, SR_W_AUDIT);
    w->a = id;
    w->b = r->id;
    w->c = actor;
    w->d = target;
    w->s1 = sr_xstrdup(action);
    w->s2 = sr_xstrdup(detail ? detail : "");
    w->t = ts;
    json_t *e = json_pack("{s:I,s:o,s:s,s:o,s:s,s:f}", "id", (json_int_t)id, "actor",
                          hub_user_json(h, actor), "action", action, "target",
                          target ? hub_user_json(h, target) : json_null(), "detail",
                          detail ? detail : "", "ts", ts);
    if (r->audit_n == AUDIT_KEEP) {
        json_decref(r->audit[r->audit_head]);
        r->audit[r->audit_head] = e;
        r->audit_head = (r->audit_head + 1) % AUDIT_KEEP;
    } else {
        r->audit[(r->audit_head + r->audit_n++) % AUDIT_KEEP] = e;
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

void hub_on_mod(sr_hub *h, sr_session *s, sr_cmsg *m, sr_room *r)
{
    const char *a = m->action;
    int rank = hub_rank(h, r, s->user);
    int need = !strcmp(a, "set_role") ? RANK_OWNER : RANK_MOD;
    if (rank < need)
        return hub_send_error(h, s, "not_allowed",
                              need == RANK_OWNER ? "only the room's owner may do that"
                                                 : "only moderators may do that",
                              m->ref);
    if (m->target_user) {
        if (!hub_user_get(h, m->target_user))
            return hub_send_error(h, s, "no_such_user", "no user with that id", m->ref);
        if (m->target_user == s->user)
            return hub_send_error(h, s, "not_allowed", "you cannot do that to yourself", m->ref);
        if (hub_rank(h, r, m->target_user) >= rank)
            return hub_send_error(h, s, "not_allowed", "they outrank you in this room", m->ref);
    }
    job *j = hub_job_new(r);
    json_t *o = NULL;
    double now = sr_now_ms(), until = m->seconds ? now + (double)m->seconds * 1000 : 0;
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
            sr_write *w = hub_job_write(j, SR_W_ENTRY_STATE);
            w->a = m->entry;
            w->s1 = sr_xstrdup("removed");
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
        int found = 0;
        for (int k = 0; k < r->chat_n && !found; k++) {
            int idx = (r->chat_head + k) % CHAT_KEEP;
            if (json_integer_value(json_object_get(r->chat[idx], "id")) != m->msg) continue;
            found = 1;
            json_decref(r->chat[idx]);
            for (int q = k; q < r->chat_n - 1; q++)
                r->chat[(r->chat_head + q) % CHAT_KEEP] =
                    r->chat[(r->chat_head + q + 1) % CHAT_KEEP];
            r->chat_n--;
        }
        if (!found && m->msg > h->max_chat) {
            free(j);
            return hub_send_error(h, s, "no_such_message", "no chat message with that id", m->ref);
        }
        hub_job_write(j, SR_W_CHAT_DELETE)->a = m->msg;
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
        r->locked = a[0] == 'l';
        hub_room_write_settings(j, r);
        audit(h, j, r, s->user, a, 0, NULL);
        o = settings_delta(r);
    } else if (!strcmp(a, "set_role")) {
        int mod = !strcmp(m->role, "moderator"), member = !strcmp(m->role, "member");
        hub_role_set(r, m->target_user, ROLE_MOD, 0, mod);
        hub_role_write(j, r, m->target_user, ROLE_MOD, 0, mod);
        hub_role_set(r, m->target_user, ROLE_MEMBER, 0, member || mod);
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
    r->lobby_dirty = 1; /* the lobby hears of a new name, or that the room left it */
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
    sr_write *w = hub_job_write(j, SR_W_ROOM_CLOSE);
    w->a = r->id;
    w->t = sr_now_ms();
    audit(h, j, r, me, "close_room", 0, NULL);
    sr_log(SR_LOG_INFO, "room closed", "room=%lld by=%lld", (long long)r->id, (long long)me);
    hub_submit_reply(h, j, NULL, q->reply, q->ctx, 200,
                     json_pack("{s:I,s:b}", "room", (json_int_t)r->id, "closed", 1), NULL);
}

/* GET /api/admin/rooms: every open room, private and unlisted ones too, for server admins. */
json_t *hub_admin_rooms_json(sr_hub *h)
{
    json_t *a = json_array();
    for (int i = 0; i < h->nrooms; i++) {
        sr_room *r = h->rooms[i];
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
    (void)h;
    json_t *a = json_array();
    for (int i = r->audit_n - 1; i >= 0; i--)
        json_array_append(a, r->audit[(r->audit_head + i) % AUDIT_KEEP]);
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
    for (int i = 0; i < r->nroles; i++) {
        room_role *x = &r->roles[i];
        if (x->role != ROLE_BANNED || (x->until && x->until <= now)) continue;
        json_array_append_new(a, json_pack("{s:o,s:o}", "user", hub_user_json(h, x->user), "until",
                                           x->until ? json_real(x->until) : json_null()));
    }
    q->reply(q->ctx, 200, json_pack("{s:o}", "bans", a), NULL);
}

int hub_moderation_rest(sr_hub *h, const sr_rest *q)
{
    if (strncmp(q->path, "/api/rooms/", 11)) return 0;
    const char *rest = "";
    int64_t id = hub_path_id(q->path + 11, &rest);
    int patch = !*rest && q->method == 'A', close_ep = !*rest && q->method == 'D';
    int audit_ep = !strcmp(rest, "/audit"), invite_ep = !strcmp(rest, "/invites");
    int bans_ep = !strcmp(rest, "/bans");
    if (!id || !(patch || close_ep || audit_ep || invite_ep || bans_ep)) return 0;
    sr_room *r = hub_room_get(h, id);
    int64_t me = sr_hub_token_user(h, q->token);
    if (!r || !hub_may_enter(h, r, me, NULL))
        return hub_rest_error(q, 404, "no_such_room", "no room with that id"), 1;
    if (!me) return hub_rest_error(q, 401, "unauthenticated", "sign in first"), 1;
    int rank = hub_rank(h, r, me);
    if (patch) {
        if (rank < RANK_OWNER)
            return hub_rest_error(q, 403, "not_allowed", "only the room's owner may change it"), 1;
        return ep_patch_room(h, q, r, me), 1;
    }
    if (close_ep) {
        if (rank < RANK_OWNER)
            return hub_rest_error(q, 403, "not_allowed",
                                  "only the room's owner or a server admin may close it"),
                   1;
        return ep_close_room(h, q, r, me), 1;
    }
    if (audit_ep) {
        if (q->method != 'G') return hub_rest_error(q, 405, "method_not_allowed", "use GET"), 1;
        if (rank < RANK_OWNER)
            return hub_rest_error(q, 403, "not_allowed",
                                  "only the room's owner may read its audit log"),
                   1;
        return ep_audit(h, q, r), 1;
    }
    if (q->method != 'P' && q->method != 'G' && q->method != 'D')
        return hub_rest_error(q, 405, "method_not_allowed",
                              bans_ep ? "use GET" : "use GET, POST or DELETE"),
               1;
    if (rank < RANK_MOD)
        return hub_rest_error(q, 403, "not_allowed", "only moderators may do that"), 1;
    if (bans_ep) {
        if (q->method != 'G') return hub_rest_error(q, 405, "method_not_allowed", "use GET"), 1;
        return ep_bans(h, q, r), 1;
    }
    if (q->method == 'G') return q->reply(q->ctx, 200, invite_json(r), NULL), 1;
    if (q->method == 'D') return ep_revoke_invite(h, q, r, me), 1;
    return ep_invite(h, q, r, me), 1;
}

/* ---------- start-up ---------- */
void hub_ld_max_audit(void *ud, int64_t audit_id)
{
    ((sr_hub *)ud)->max_audit = audit_id;
}

void hub_room_free_moderation(sr_room *r)
{
    free(r->roles);
    for (int i = 0; i < r->audit_n; i++)
        json_decref(r->audit[(r->audit_head + i) % AUDIT_KEEP]);
}

