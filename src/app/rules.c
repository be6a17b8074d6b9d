/* rules.c - a room's rules and roles as the kernel keeps them: ranks (owner, moderator,
 * member), bans and mutes with their end, who may add and vote, private rooms and their
 * invites. The moderation module changes them; the kernel asks them before every action. */
#include "app/kernel_int.h"
#include "proto/proto.h"
#include "util/util.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const who_names[] = {"everyone", "members", "moderators"};
static const char *const vis_names[] = {"public", "unlisted", "private"};

int hub_has_role(sr_room *r, int64_t uid, int role, double now)
{
    for (int i = 0; i < r->nroles; i++)
        if (r->roles[i].user == uid && r->roles[i].role == role)
            return !r->roles[i].until || r->roles[i].until > now;
    return 0;
}

int hub_rank(sr_hub *h, sr_room *r, int64_t uid)
{
    user *u = hub_user_get(h, uid);
    if (u && u->admin && u->username) return RANK_ADMIN;
    if (r->owner && r->owner == uid) return RANK_OWNER;
    double now = sr_now_ms();
    if (hub_has_role(r, uid, ROLE_MOD, now)) return RANK_MOD;
    if (hub_has_role(r, uid, ROLE_MEMBER, now)) return RANK_MEMBER;
    return RANK_NONE;
}

int hub_may_enter(sr_hub *h, sr_room *r, int64_t uid, const char *invite)
{
    if (r->visibility != 2 || hub_rank(h, r, uid) >= RANK_MEMBER) return 1;
    return invite && r->invite[0] && sodium_memcmp(invite, r->invite, sizeof r->invite - 1) == 0 &&
           strlen(invite) == strlen(r->invite);
}

json_t *hub_room_settings_json(sr_room *r)
{
    return json_pack("{s:s,s:s,s:s,s:i,s:f,s:i,s:b,s:s,s:o?,s:o?}", "visibility",
                     vis_names[r->visibility], "who_add", who_names[r->who_add], "who_vote",
                     who_names[r->who_vote], "max_per_person", r->max_per_person, "skip_ratio",
                     r->skip_ratio, "slow_mode_s", r->slow_mode_s, "locked", r->locked, "mode",
                     r->mode_top ? "top" : "queue", "owner",
                     r->owner ? json_integer(r->owner) : NULL, "artist",
                     r->artist ? json_string(r->artist) : NULL);
}

static int name_index(const char *const *names, int n, const char *s)
{
    for (int i = 0; i < n; i++)
        if (s && !strcmp(s, names[i])) return i;
    return -1;
}

/* Applies settings from a JSON object; on error fills code/message and changes nothing. */
int hub_room_apply_settings(sr_room *r, json_t *o, const char **code, char *msg, size_t msz)
{
    sr_room t = *r; /* validate into a copy, commit only if all is well */
    json_t *v;
    if ((v = json_object_get(o, "visibility")) &&
        (t.visibility = name_index(vis_names, 3, json_string_value(v))) < 0)
        return *code = "bad_field",
               snprintf(msg, msz, "visibility must be public, unlisted or private"), -1;
    if ((v = json_object_get(o, "who_add")) &&
        (t.who_add = name_index(who_names, 3, json_string_value(v))) < 0)
        return *code = "bad_field",
               snprintf(msg, msz, "who_add must be everyone, members or moderators"), -1;
    if ((v = json_object_get(o, "who_vote")) &&
        (t.who_vote = name_index(who_names, 3, json_string_value(v))) < 0)
        return *code = "bad_field",
               snprintf(msg, msz, "who_vote must be everyone, members or moderators"), -1;
    if ((v = json_object_get(o, "max_per_person"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 500)
            return *code = "bad_field",
                   snprintf(msg, msz, "max_per_person must be 0 (no limit) to 500"), -1;
        t.max_per_person = (int)json_integer_value(v);
    }
    if ((v = json_object_get(o, "slow_mode_s"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 3600)
            return *code = "bad_field", snprintf(msg, msz, "slow_mode_s must be 0 to 3600"), -1;
        t.slow_mode_s = (int)json_integer_value(v);
    }
    if ((v = json_object_get(o, "skip_ratio"))) {
        if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1)
            return *code = "bad_field",
                   snprintf(msg, msz, "skip_ratio must be 0 (server default) to 1"), -1;
        t.skip_ratio = json_number_value(v);
    }
    if ((v = json_object_get(o, "locked"))) {
        if (!json_is_boolean(v))
            return *code = "bad_field", snprintf(msg, msz, "locked must be true or false"), -1;
        t.locked = json_is_true(v);
    }
    if ((v = json_object_get(o, "mode"))) {
        const char *mode = json_string_value(v);
        if (!mode || (strcmp(mode, "queue") && strcmp(mode, "top")))
            return *code = "bad_field", snprintf(msg, msz, "mode must be queue or top"), -1;
        t.mode_top = !strcmp(mode, "top");
    }
    r->visibility = t.visibility;
    r->who_add = t.who_add;
    r->who_vote = t.who_vote;
    r->max_per_person = t.max_per_person;
    r->slow_mode_s = t.slow_mode_s;
    r->skip_ratio = t.skip_ratio;
    r->locked = t.locked;
    r->mode_top = t.mode_top;
    return 0;
}

static char *settings_text(sr_room *r)
{
    json_t *o = hub_room_settings_json(r);
    json_object_del(o, "owner");
    if (r->invite[0]) json_object_set_new(o, "invite", json_string(r->invite));
    return sr_proto_dump(o);
}

void hub_room_write_settings(job *j, sr_room *r)
{
    sr_write *w = hub_job_write(j, SR_W_ROOM_SETTINGS);
    w->a = r->id;
    w->b = r->owner;
    w->s1 = settings_text(r);
}

void hub_role_set(sr_room *r, int64_t uid, int role, double until, int on)
{
    for (int i = 0; i < r->nroles; i++)
        if (r->roles[i].user == uid && r->roles[i].role == role) {
            if (on)
                r->roles[i].until = until;
            else
                r->roles[i] = r->roles[--r->nroles];
            return;
        }
    if (!on) return;
    if (r->nroles == r->caproles) {
        r->caproles = r->caproles ? r->caproles * 2 : 8;
        r->roles = sr_xrealloc(r->roles, (size_t)r->caproles * sizeof *r->roles);
    }
    r->roles[r->nroles++] = (room_role){uid, role, until};
}

const char *hub_role_name(int role)
{
    switch (role) {
    case ROLE_MOD:
        return "moderator";
    case ROLE_MEMBER:
        return "member";
    case ROLE_BANNED:
        return "banned";
    default:
        return "muted";
    }
}

void hub_role_write(job *j, sr_room *r, int64_t uid, int role, double until, int on)
{
    sr_write *w = hub_job_write(j, SR_W_ROLE);
    w->a = r->id;
    w->b = uid;
    w->s1 = sr_xstrdup(hub_role_name(role));
    w->v = on;
    w->t = until;
}


/* ---------- loading ---------- */


void hub_ld_room_settings(void *ud, int64_t room, int64_t owner, const char *settings)
{
    sr_hub *h = ud;
    sr_room *r = hub_room_get(h, room);
    if (!r) return;
    r->owner = owner;
    json_t *o = json_loads(settings ? settings : "{}", 0, NULL);
    const char *code;
    char msg[120];
    if (json_is_object(o)) {
        hub_room_apply_settings(r, o, &code, msg, sizeof msg);
        const char *inv = json_string_value(json_object_get(o, "invite"));
        if (inv) snprintf(r->invite, sizeof r->invite, "%s", inv);
        const char *artist = json_string_value(json_object_get(o, "artist"));
        if (artist) r->artist = sr_xstrdup(artist);
    }
    json_decref(o);
}

void hub_ld_role(void *ud, int64_t room, int64_t uid, const char *role, double until)
{
    sr_room *r = hub_room_get(ud, room);
    if (!r || !role) return;
    int bits = !strcmp(role, "moderator") ? ROLE_MOD
               : !strcmp(role, "member")  ? ROLE_MEMBER
               : !strcmp(role, "banned")  ? ROLE_BANNED
                                          : ROLE_MUTED;
    hub_role_set(r, uid, bits, until, 1);
}


void hub_room_free_rules(sr_room *r)
{
    free(r->roles);
    free(r->artist);
}
