/* policy.h - who someone is in a room (roles, rank) and what that lets them do to others. */
#ifndef SR_POLICY_H
#define SR_POLICY_H

#include <stdint.h>

/* Per-room roles. Each row of a roles table holds one of these (not a mask): a muted member is
 * two rows. */
enum { SR_ROLE_MOD = 1, SR_ROLE_MEMBER = 2, SR_ROLE_BANNED = 4, SR_ROLE_MUTED = 8 };
/* What a person is in a room, by rising power. */
enum {
    SR_RANK_NONE = 0,
    SR_RANK_MEMBER = 1,
    SR_RANK_MOD = 2,
    SR_RANK_OWNER = 3,
    SR_RANK_ADMIN = 4
};
/* Room visibility. */
enum { SR_VIS_PUBLIC = 0, SR_VIS_UNLISTED = 1, SR_VIS_PRIVATE = 2 };

/* One role of one person; until is server ms, 0 for no end. */
typedef struct sr_role {
    int64_t user;
    int role;
    double until;
} sr_role;

/* A room's roles: at most one row per (user, role). Lapsed rows stay until cleared (the app
 * lists bans by skipping them). Zero-initialise; free with sr_roles_free. */
typedef struct sr_roles {
    sr_role *items;
    int n, cap;
} sr_roles;

/* 1 when the row is in force at now: no end, or an end still ahead (a role lapses exactly at
 * its until). */
int sr_role_active(const sr_role *x, double now);
/* 1 when user holds role at now. */
int sr_roles_has(const sr_roles *t, int64_t user, int role, double now);
/* Gives user role until `until` (0: no end); a row already there gets the new until. */
void sr_roles_set(sr_roles *t, int64_t user, int role, double until);
/* Takes role from user. Returns 1 when there was such a row (lapsed or not). Order of the
 * other rows is not kept. */
int sr_roles_clear(sr_roles *t, int64_t user, int role);
/* The owner's set_role: want SR_RANK_MOD makes user a moderator and a member, SR_RANK_MEMBER a
 * member only, anything else neither; both rows without an end. The app records the same two
 * rows: moderator = (want == SR_RANK_MOD), member = (want == SR_RANK_MOD || want ==
 * SR_RANK_MEMBER). */
void sr_roles_assign(sr_roles *t, int64_t user, int want);
/* Frees the rows; t is empty and reusable afterwards. */
void sr_roles_free(sr_roles *t);

/* "moderator", "member", "banned", "muted" (anything else names "muted": today's rule). */
const char *sr_role_name(int role);
/* The role a stored name stands for; anything unknown loads as SR_ROLE_MUTED, as today. */
int sr_role_parse(const char *name);
/* "listener", "member", "moderator", "owner", "admin" (the snapshot's your_role). */
const char *sr_rank_name(int rank);

/* When a mute or ban of `seconds` given at now ends: 0 (never) when seconds is 0. */
double sr_policy_until(double now, int64_t seconds);

/* What user is in a room owned by owner (0: no owner) at now. is_admin: a server admin with
 * an account (today: u && u->admin && u->username). Admin beats owner beats an active
 * moderator role beats an active member role. */
int sr_policy_rank(const sr_roles *t, int64_t owner, int64_t user, int is_admin, double now);

/* Whether someone of this rank may see / enter a room: public and unlisted rooms let everyone
 * in; private rooms their members and better, and whoever holds the current invite code.
 * invite (may be NULL) is what they offered, room_invite the room's code ("" when none, which
 * nobody can match). Compared in time independent of where the strings differ. Both borrowed. */
int sr_policy_may_enter(int visibility, int rank, const char *invite, const char *room_invite);

/* 1 when a ban keeps user out of the room at `join`: banned now and below moderator (a banned
 * moderator still joins; today's REST import refuses any active ban, rank or not). */
int sr_policy_banned(const sr_roles *t, int64_t user, int rank, double now);

/* Why a moderator action was refused; 0 when it may go ahead. */
typedef enum sr_mod_refusal {
    SR_MOD_OK = 0,
    SR_MOD_NEED_MOD,     /* not_allowed: only moderators may do that */
    SR_MOD_NEED_OWNER,   /* not_allowed: only the room's owner may do that (set_role) */
    SR_MOD_NO_SUCH_USER, /* no_such_user: the target is unknown */
    SR_MOD_SELF,         /* not_allowed: you cannot do that to yourself */
    SR_MOD_OUTRANKED,    /* not_allowed: they outrank you in this room (equal rank too) */
} sr_mod_refusal;

/* May an actor of actor_rank do a moderator action (owner_only: set_role) to target (0: the
 * action names no user)? target_known: the user exists; target_rank: their rank in the room
 * (read only when target is set and known). Checks in today's order: the actor's rank, then
 * the target exists, is not the actor, and ranks strictly below the actor. */
sr_mod_refusal sr_policy_may_moderate(int actor_rank, int64_t actor, int owner_only, int64_t target,
                                      int target_known, int target_rank);
/* The protocol error code of a refusal ("not_allowed" or "no_such_user"); NULL for SR_MOD_OK. */
const char *sr_mod_refusal_code(sr_mod_refusal why);
/* The message the app sends with it today; NULL for SR_MOD_OK. Static strings. */
const char *sr_mod_refusal_message(sr_mod_refusal why);

#endif
