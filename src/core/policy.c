/* policy.c - see policy.h. */
#include "core/policy.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

int sr_role_active(const sr_role *x, double now)
{
    return !x->until || x->until > now;
}

static int index_of(const sr_roles *t, int64_t user, int role)
{
    for (int i = 0; i < t->n; i++)
        if (t->items[i].user == user && t->items[i].role == role) return i;
    return -1;
}

int sr_roles_has(const sr_roles *t, int64_t user, int role, double now)
{
    int i = index_of(t, user, role);
    return i >= 0 && sr_role_active(&t->items[i], now);
}

void sr_roles_set(sr_roles *t, int64_t user, int role, double until)
{
    int i = index_of(t, user, role);
    if (i >= 0) {
        t->items[i].until = until;
        return;
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->items = sr_xrealloc(t->items, (size_t)t->cap * sizeof *t->items);
    }
    t->items[t->n++] = (sr_role){user, role, until};
}

int sr_roles_clear(sr_roles *t, int64_t user, int role)
{
    int i = index_of(t, user, role);
    if (i < 0) return 0;
    t->items[i] = t->items[--t->n];
    return 1;
}

void sr_roles_assign(sr_roles *t, int64_t user, int want)
{
    int mod = want == SR_RANK_MOD, member = mod || want == SR_RANK_MEMBER;
    if (mod)
        sr_roles_set(t, user, SR_ROLE_MOD, 0);
    else
        sr_roles_clear(t, user, SR_ROLE_MOD);
    if (member)
        sr_roles_set(t, user, SR_ROLE_MEMBER, 0);
    else
        sr_roles_clear(t, user, SR_ROLE_MEMBER);
}

void sr_roles_free(sr_roles *t)
{
    free(t->items);
    memset(t, 0, sizeof *t);
}

const char *sr_role_name(int role)
{
    switch (role) {
    case SR_ROLE_MOD:
        return "moderator";
    case SR_ROLE_MEMBER:
        return "member";
    case SR_ROLE_BANNED:
        return "banned";
    default:
        return "muted";
    }
}

int sr_role_parse(const char *name)
{
    if (!name) return SR_ROLE_MUTED;
    return !strcmp(name, "moderator") ? SR_ROLE_MOD
           : !strcmp(name, "member")  ? SR_ROLE_MEMBER
           : !strcmp(name, "banned")  ? SR_ROLE_BANNED
                                      : SR_ROLE_MUTED;
}

const char *sr_rank_name(int rank)
{
    static const char *const names[] = {"listener", "member", "moderator", "owner", "admin"};
    return rank >= SR_RANK_NONE && rank <= SR_RANK_ADMIN ? names[rank] : "listener";
}

double sr_policy_until(double now, int64_t seconds)
{
    return seconds ? now + (double)seconds * 1000 : 0;
}

int sr_policy_rank(const sr_roles *t, int64_t owner, int64_t user, int is_admin, double now)
{
    if (is_admin) return SR_RANK_ADMIN;
    if (owner && owner == user) return SR_RANK_OWNER;
    if (sr_roles_has(t, user, SR_ROLE_MOD, now)) return SR_RANK_MOD;
    if (sr_roles_has(t, user, SR_ROLE_MEMBER, now)) return SR_RANK_MEMBER;
    return SR_RANK_NONE;
}

/* Equal strings of the same length, in time that depends on the length only. */
static int same_secret(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n != strlen(b)) return 0;
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

int sr_policy_may_enter(int visibility, int rank, const char *invite, const char *room_invite)
{
    if (visibility != SR_VIS_PRIVATE || rank >= SR_RANK_MEMBER) return 1;
    return invite && room_invite && room_invite[0] && same_secret(invite, room_invite);
}

int sr_policy_banned(const sr_roles *t, int64_t user, int rank, double now)
{
    return sr_roles_has(t, user, SR_ROLE_BANNED, now) && rank < SR_RANK_MOD;
}

sr_mod_refusal sr_policy_may_moderate(int actor_rank, int64_t actor, int owner_only, int64_t target,
                                      int target_known, int target_rank)
{
    if (actor_rank < (owner_only ? SR_RANK_OWNER : SR_RANK_MOD))
        return owner_only ? SR_MOD_NEED_OWNER : SR_MOD_NEED_MOD;
    if (!target) return SR_MOD_OK;
    if (!target_known) return SR_MOD_NO_SUCH_USER;
    if (target == actor) return SR_MOD_SELF;
    if (target_rank >= actor_rank) return SR_MOD_OUTRANKED;
    return SR_MOD_OK;
}

const char *sr_mod_refusal_code(sr_mod_refusal why)
{
    if (why == SR_MOD_OK) return NULL;
    return why == SR_MOD_NO_SUCH_USER ? "no_such_user" : "not_allowed";
}

const char *sr_mod_refusal_message(sr_mod_refusal why)
{
    switch (why) {
    case SR_MOD_OK:
        return NULL;
    case SR_MOD_NEED_MOD:
        return "only moderators may do that";
    case SR_MOD_NEED_OWNER:
        return "only the room's owner may do that";
    case SR_MOD_NO_SUCH_USER:
        return "no user with that id";
    case SR_MOD_SELF:
        return "you cannot do that to yourself";
    case SR_MOD_OUTRANKED:
        return "they outrank you in this room";
    }
    return NULL;
}
