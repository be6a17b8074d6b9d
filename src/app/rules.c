/* rules.c - a room's rules and roles as the kernel keeps them: ranks (owner, moderator,
 * member), bans and mutes with their end, who may add and vote, private rooms and their
 * invites. Feature modules change them; the kernel asks them before every action. */
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
    return sr_roles_has(&r->roles, uid, role, now);
}

int hub_rank(sr_hub *h, sr_room *r, int64_t uid)
{
    user *u = hub_user_get(h, uid);
    return sr_policy_rank(&r->roles, r->owner, uid, u && u->admin && u->username, sr_now_ms());
}

int hub_may_enter(sr_hub *h, sr_room *r, int64_t uid, const char *invite)
{
    /* public and unlisted rooms need no rank: the rank is only asked of private ones */
    return r->visibility != SR_VIS_PRIVATE ||
           sr_policy_may_enter(r->visibility, hub_rank(h, r, uid), invite, r->invite);
}

json_t *hub_room_settings_json(sr_room *r)
{
    return json_pack("{s:s,s:s,s:s,s:i,s:f,s:i,s:b,s:s,s:o?,s:o?}", "visibility",
                     vis_names[r->visibility], "who_add", who_names[r->rules.who_add], "who_vote",
                     who_names[r->rules.who_vote], "max_per_person", r->rules.max_per_person,
                     "skip_ratio", r->rules.skip_ratio, "slow_mode_s", r->rules.slow_mode_s,
                     "locked", r->rules.locked, "mode", r->mode_top ? "top" : "queue", "owner",
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
        (t.rules.who_add = name_index(who_names, 3, json_string_value(v))) < 0)
        return *code = "bad_field",
               snprintf(msg, msz, "who_add must be everyone, members or moderators"), -1;
    if ((v = json_object_get(o, "who_vote")) &&
        (t.rules.who_vote = name_index(who_names, 3, json_string_value(v))) < 0)
        return *code = "bad_field",
               snprintf(msg, msz, "who_vote must be everyone, members or moderators"), -1;
    if ((v = json_object_get(o, "max_per_person"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > SR_RULES_MAX_PER_PERSON_MAX)
            return *code = "bad_field",
                   snprintf(msg, msz, "max_per_person must be 0 (no limit) to 500"), -1;
        t.rules.max_per_person = (int)json_integer_value(v);
    }
    if ((v = json_object_get(o, "slow_mode_s"))) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > SR_RULES_SLOW_MODE_MAX_S)
            return *code = "bad_field", snprintf(msg, msz, "slow_mode_s must be 0 to 3600"), -1;
        t.rules.slow_mode_s = (int)json_integer_value(v);
    }
    if ((v = json_object_get(o, "skip_ratio"))) {
        if (!json_is_number(v) || json_number_value(v) < 0 || json_number_value(v) > 1)
            return *code = "bad_field",
                   snprintf(msg, msz, "skip_ratio must be 0 (server default) to 1"), -1;
        t.rules.skip_ratio = json_number_value(v);
    }
    if ((v = json_object_get(o, "locked"))) {
        if (!json_is_boolean(v))
            return *code = "bad_field", snprintf(msg, msz, "locked must be true or false"), -1;
        t.rules.locked = json_is_true(v);
    }
    if ((v = json_object_get(o, "mode"))) {
        const char *mode = json_string_value(v);
        if (!mode || (strcmp(mode, "queue") && strcmp(mode, "top")))
            return *code = "bad_field", snprintf(msg, msz, "mode must be queue or top"), -1;
        t.mode_top = !strcmp(mode, "top");
    }
    r->visibility = t.visibility;
    r->rules = t.rules;
    r->mode_top = t.mode_top;
    return 0;
}

static char *settings_text(sr_room *r)
{
    json_t *o = hub_room_settings_json(r);
    json_object_del(o, "owner");
    if (r->invite[0]) json_object_set_new(o, "invite", json_string(r->invite));
    if (r->ext && json_object_size(r->ext)) json_object_set(o, "ext", r->ext);
    return sr_proto_dump(o);
}

void hub_room_write_settings(job *j, sr_room *r)
{
    char *text = settings_text(r);
    sr_write_room_settings(hub_job_add(j), r->id, r->owner, text);
    free(text);
}

json_t *hub_room_ext(sr_room *r, const char *name)
{
    return r->ext ? json_object_get(r->ext, name) : NULL;
}

void hub_room_ext_set(sr_room *r, const char *name, json_t *v)
{
    if (!v) {
        if (r->ext) json_object_del(r->ext, name);
        return;
    }
    if (!r->ext) r->ext = json_object();
    json_object_set_new(r->ext, name, v);
}

void hub_role_set(sr_room *r, int64_t uid, int role, double until, int on)
{
    if (on)
        sr_roles_set(&r->roles, uid, role, until);
    else
        sr_roles_clear(&r->roles, uid, role);
}

const char *hub_role_name(int role)
{
    return sr_role_name(role);
}

void hub_role_write(job *j, sr_room *r, int64_t uid, int role, double until, int on)
{
    sr_write_role(hub_job_add(j), r->id, uid, hub_role_name(role), on, until);
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
        json_t *ext = json_object_get(o, "ext");
        if (json_is_object(ext)) json_decref(r->ext), r->ext = json_deep_copy(ext);
    }
    json_decref(o);
}

void hub_ld_role(void *ud, int64_t room, int64_t uid, const char *role, double until)
{
    sr_room *r = hub_room_get(ud, room);
    if (!r || !role) return;
    sr_roles_set(&r->roles, uid, sr_role_parse(role), until);
}

void hub_room_free_rules(sr_room *r)
{
    sr_roles_free(&r->roles);
    free(r->artist);
    json_decref(r->ext);
    r->ext = NULL;
}
