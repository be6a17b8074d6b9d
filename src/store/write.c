/* write.c - the typed writes of write.h: constructors that fill an sr_write by kind, the
 * matching views, and sr_write_clear. */
#include "store/write.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>

void sr_write_clear(sr_write *w)
{
    free(w->s1);
    free(w->s2);
    free(w->s3);
    free(w->blob);
    memset(w, 0, sizeof *w);
}

void sr_write_none(sr_write *w)
{
    *w = (sr_write){.kind = SR_W_NONE};
}

void sr_write_user(sr_write *w, int64_t id, const char *name, const char *token_hash,
                   double created)
{
    *w = (sr_write){.kind = SR_W_USER};
    w->a = id;
    w->s1 = sr_xstrdup(name);
    w->s2 = sr_xstrdup(token_hash);
    w->t = created;
}

sr_w_user sr_w_user_of(const sr_write *w)
{
    return (sr_w_user){.id = w->a, .name = w->s1, .token_hash = w->s2, .created = w->t};
}

void sr_write_room(sr_write *w, int64_t id, const char *name, const char *description,
                   const char *tags, double created)
{
    *w = (sr_write){.kind = SR_W_ROOM};
    w->a = id;
    w->s1 = sr_xstrdup(name);
    w->s2 = sr_xstrdup(description);
    w->s3 = sr_xstrdup(tags);
    w->t = created;
}

sr_w_room sr_w_room_of(const sr_write *w)
{
    return (sr_w_room){
        .id = w->a, .name = w->s1, .description = w->s2, .tags = w->s3, .created = w->t};
}

void sr_write_entry_add(sr_write *w, int64_t id, int64_t room, int64_t track, int64_t user,
                        double added_at)
{
    *w = (sr_write){.kind = SR_W_ENTRY_ADD};
    w->a = id;
    w->b = room;
    w->c = track;
    w->d = user;
    w->t = added_at;
}

sr_w_entry_add sr_w_entry_add_of(const sr_write *w)
{
    return (sr_w_entry_add){
        .id = w->a, .room = w->b, .track = w->c, .user = w->d, .added_at = w->t};
}

void sr_write_entry_state(sr_write *w, int64_t id, const char *state)
{
    *w = (sr_write){.kind = SR_W_ENTRY_STATE};
    w->a = id;
    w->s1 = sr_xstrdup(state);
}

sr_w_entry_state sr_w_entry_state_of(const sr_write *w)
{
    return (sr_w_entry_state){.id = w->a, .state = w->s1};
}

void sr_write_vote(sr_write *w, int64_t entry, int64_t user, int value)
{
    *w = (sr_write){.kind = SR_W_VOTE};
    w->a = entry;
    w->b = user;
    w->v = value;
}

sr_w_vote sr_w_vote_of(const sr_write *w)
{
    return (sr_w_vote){.entry = w->a, .user = w->b, .value = w->v};
}

void sr_write_chat(sr_write *w, int64_t id, int64_t room, int64_t user, const char *text, double ts)
{
    *w = (sr_write){.kind = SR_W_CHAT};
    w->a = id;
    w->b = room;
    w->c = user;
    w->s1 = sr_xstrdup(text);
    w->t = ts;
}

sr_w_chat sr_w_chat_of(const sr_write *w)
{
    return (sr_w_chat){.id = w->a, .room = w->b, .user = w->c, .text = w->s1, .ts = w->t};
}

void sr_write_play(sr_write *w, int64_t id, int64_t room, int64_t track, int64_t entry,
                   int64_t added_by, double started, int fallback)
{
    *w = (sr_write){.kind = SR_W_PLAY};
    w->a = id;
    w->b = room;
    w->c = track;
    w->d = entry;
    w->e = added_by;
    w->t = started;
    w->v = fallback;
}

sr_w_play sr_w_play_of(const sr_write *w)
{
    return (sr_w_play){.id = w->a,
                       .room = w->b,
                       .track = w->c,
                       .entry = w->d,
                       .added_by = w->e,
                       .started = w->t,
                       .fallback = w->v};
}

void sr_write_play_skipped(sr_write *w, int64_t id)
{
    *w = (sr_write){.kind = SR_W_PLAY_SKIPPED};
    w->a = id;
}

sr_w_play_skipped sr_w_play_skipped_of(const sr_write *w)
{
    return (sr_w_play_skipped){.id = w->a};
}

void sr_write_account(sr_write *w, int64_t id, const char *username, const char *pw_hash,
                      const char *name, double created)
{
    *w = (sr_write){.kind = SR_W_ACCOUNT};
    w->a = id;
    w->s1 = sr_xstrdup(username);
    w->s2 = sr_xstrdup(pw_hash);
    w->s3 = sr_xstrdup(name);
    w->t = created;
}

sr_w_account sr_w_account_of(const sr_write *w)
{
    return (sr_w_account){
        .id = w->a, .username = w->s1, .pw_hash = w->s2, .name = w->s3, .created = w->t};
}

void sr_write_password(sr_write *w, int64_t id, const char *pw_hash)
{
    *w = (sr_write){.kind = SR_W_PASSWORD};
    w->a = id;
    w->s2 = sr_xstrdup(pw_hash);
}

sr_w_password sr_w_password_of(const sr_write *w)
{
    return (sr_w_password){.id = w->a, .pw_hash = w->s2};
}

void sr_write_session(sr_write *w, const char *token_hash, int64_t user, double expires)
{
    *w = (sr_write){.kind = SR_W_SESSION};
    w->s1 = sr_xstrdup(token_hash);
    w->a = user;
    w->t = expires;
}

sr_w_session sr_w_session_of(const sr_write *w)
{
    return (sr_w_session){.token_hash = w->s1, .user = w->a, .expires = w->t};
}

void sr_write_session_revoke(sr_write *w, const char *token_hash)
{
    *w = (sr_write){.kind = SR_W_SESSION_REVOKE};
    w->s1 = sr_xstrdup(token_hash);
}

void sr_write_sessions_revoke(sr_write *w, int64_t user, const char *except)
{
    *w = (sr_write){.kind = SR_W_SESSION_REVOKE};
    w->a = user;
    w->s2 = sr_xstrdup(except);
}

sr_w_session_revoke sr_w_session_revoke_of(const sr_write *w)
{
    return (sr_w_session_revoke){.token_hash = w->s1, .user = w->a, .except = w->s2};
}

void sr_write_avatar(sr_write *w, int64_t user, const unsigned char *jpeg, size_t len, double when)
{
    *w = (sr_write){.kind = SR_W_AVATAR};
    w->a = user;
    w->t = when;
    if (jpeg) {
        w->blob = sr_xmalloc(len ? len : 1);
        memcpy(w->blob, jpeg, len);
        w->blob_len = len;
    }
}

sr_w_avatar sr_w_avatar_of(const sr_write *w)
{
    return (sr_w_avatar){.user = w->a, .jpeg = w->blob, .len = w->blob_len, .when = w->t};
}

void sr_write_profile(sr_write *w, int64_t id, const char *name, const char *bio, int hide_activity)
{
    *w = (sr_write){.kind = SR_W_PROFILE};
    w->a = id;
    w->s1 = sr_xstrdup(name);
    w->s2 = sr_xstrdup(bio);
    w->v = hide_activity;
}

sr_w_profile sr_w_profile_of(const sr_write *w)
{
    return (sr_w_profile){.id = w->a, .name = w->s1, .bio = w->s2, .hide_activity = w->v};
}

void sr_write_user_flags(sr_write *w, int64_t id, int admin, int disabled)
{
    *w = (sr_write){.kind = SR_W_USER_FLAGS};
    w->a = id;
    w->v = admin;
    w->b = disabled;
}

sr_w_user_flags sr_w_user_flags_of(const sr_write *w)
{
    return (sr_w_user_flags){.id = w->a, .admin = w->v, .disabled = (int)w->b};
}

void sr_write_user_delete(sr_write *w, int64_t id)
{
    *w = (sr_write){.kind = SR_W_USER_DELETE};
    w->a = id;
}

sr_w_user_delete sr_w_user_delete_of(const sr_write *w)
{
    return (sr_w_user_delete){.id = w->a};
}

void sr_write_follow(sr_write *w, int64_t follower, int64_t followee, int on, double when)
{
    *w = (sr_write){.kind = SR_W_FOLLOW};
    w->a = follower;
    w->b = followee;
    w->v = on;
    w->t = when;
}

sr_w_follow sr_w_follow_of(const sr_write *w)
{
    return (sr_w_follow){.follower = w->a, .followee = w->b, .on = w->v, .when = w->t};
}

void sr_write_room_settings(sr_write *w, int64_t room, int64_t owner, const char *settings)
{
    *w = (sr_write){.kind = SR_W_ROOM_SETTINGS};
    w->a = room;
    w->b = owner;
    w->s1 = sr_xstrdup(settings);
}

sr_w_room_settings sr_w_room_settings_of(const sr_write *w)
{
    return (sr_w_room_settings){.room = w->a, .owner = w->b, .settings = w->s1};
}

void sr_write_role(sr_write *w, int64_t room, int64_t user, const char *role, int on, double until)
{
    *w = (sr_write){.kind = SR_W_ROLE};
    w->a = room;
    w->b = user;
    w->s1 = sr_xstrdup(role);
    w->v = on;
    w->t = until;
}

sr_w_role sr_w_role_of(const sr_write *w)
{
    return (sr_w_role){.room = w->a, .user = w->b, .role = w->s1, .on = w->v, .until = w->t};
}

void sr_write_audit(sr_write *w, int64_t id, int64_t room, int64_t actor, int64_t target,
                    const char *action, const char *detail, double when)
{
    *w = (sr_write){.kind = SR_W_AUDIT};
    w->a = id;
    w->b = room;
    w->c = actor;
    w->d = target;
    w->s1 = sr_xstrdup(action);
    w->s2 = sr_xstrdup(detail);
    w->t = when;
}

sr_w_audit sr_w_audit_of(const sr_write *w)
{
    return (sr_w_audit){.id = w->a,
                        .room = w->b,
                        .actor = w->c,
                        .target = w->d,
                        .action = w->s1,
                        .detail = w->s2,
                        .when = w->t};
}

void sr_write_chat_delete(sr_write *w, int64_t id)
{
    *w = (sr_write){.kind = SR_W_CHAT_DELETE};
    w->a = id;
}

sr_w_chat_delete sr_w_chat_delete_of(const sr_write *w)
{
    return (sr_w_chat_delete){.id = w->a};
}

void sr_write_favorite(sr_write *w, int64_t user, int64_t room, int on, double when)
{
    *w = (sr_write){.kind = SR_W_FAVORITE};
    w->a = user;
    w->b = room;
    w->v = on;
    w->t = when;
}

sr_w_favorite sr_w_favorite_of(const sr_write *w)
{
    return (sr_w_favorite){.user = w->a, .room = w->b, .on = w->v, .when = w->t};
}

void sr_write_like(sr_write *w, int64_t user, int64_t track, int on, double when)
{
    *w = (sr_write){.kind = SR_W_LIKE};
    w->a = user;
    w->b = track;
    w->v = on;
    w->t = when;
}

sr_w_like sr_w_like_of(const sr_write *w)
{
    return (sr_w_like){.user = w->a, .track = w->b, .on = w->v, .when = w->t};
}

void sr_write_presence_open(sr_write *w, int64_t id, int64_t user, int64_t room, double joined)
{
    *w = (sr_write){.kind = SR_W_PRESENCE_OPEN};
    w->a = id;
    w->b = user;
    w->c = room;
    w->t = joined;
}

sr_w_presence_open sr_w_presence_open_of(const sr_write *w)
{
    return (sr_w_presence_open){.id = w->a, .user = w->b, .room = w->c, .joined = w->t};
}

void sr_write_presence_close(sr_write *w, int64_t id, double left)
{
    *w = (sr_write){.kind = SR_W_PRESENCE_CLOSE};
    w->a = id;
    w->t = left;
}

sr_w_presence_close sr_w_presence_close_of(const sr_write *w)
{
    return (sr_w_presence_close){.id = w->a, .left = w->t};
}

void sr_write_playlist(sr_write *w, int64_t id, int64_t user, const char *name, const char *format,
                       const char *entries, double created)
{
    *w = (sr_write){.kind = SR_W_PLAYLIST};
    w->a = id;
    w->b = user;
    w->s1 = sr_xstrdup(name);
    w->s2 = sr_xstrdup(format);
    w->s3 = sr_xstrdup(entries);
    w->t = created;
}

sr_w_playlist sr_w_playlist_of(const sr_write *w)
{
    return (sr_w_playlist){.id = w->a,
                           .user = w->b,
                           .name = w->s1,
                           .format = w->s2,
                           .entries = w->s3,
                           .created = w->t};
}

void sr_write_playlist_delete(sr_write *w, int64_t id)
{
    *w = (sr_write){.kind = SR_W_PLAYLIST_DELETE};
    w->a = id;
}

sr_w_playlist_delete sr_w_playlist_delete_of(const sr_write *w)
{
    return (sr_w_playlist_delete){.id = w->a};
}

void sr_write_room_close(sr_write *w, int64_t room, double when)
{
    *w = (sr_write){.kind = SR_W_ROOM_CLOSE};
    w->a = room;
    w->t = when;
}

sr_w_room_close sr_w_room_close_of(const sr_write *w)
{
    return (sr_w_room_close){.room = w->a, .when = w->t};
}

void sr_write_notice(sr_write *w, const char *entity, int64_t key, double at)
{
    *w = (sr_write){.kind = SR_W_NOTICE};
    w->s1 = sr_xstrdup(entity);
    w->a = key;
    w->t = at;
}

sr_w_notice sr_w_notice_of(const sr_write *w)
{
    return (sr_w_notice){.entity = w->s1, .key = w->a, .at = w->t};
}

void sr_write_reply(sr_write *w, int64_t user, int slot, const char *cid, const char *answer,
                    double when)
{
    *w = (sr_write){.kind = SR_W_REPLY};
    w->a = user;
    w->v = slot;
    w->s1 = sr_xstrdup(cid);
    w->s2 = sr_xstrdup(answer);
    w->t = when;
}

sr_w_reply sr_w_reply_of(const sr_write *w)
{
    return (sr_w_reply){.user = w->a, .slot = w->v, .cid = w->s1, .answer = w->s2, .when = w->t};
}

/* ---- id kinds ---- */

static const char *const kind_names[SR_ID_KINDS] = {
    [SR_ID_USER] = "users",        [SR_ID_ROOM] = "rooms",         [SR_ID_ENTRY] = "entries",
    [SR_ID_CHAT] = "chat",         [SR_ID_PLAY] = "plays",         [SR_ID_AUDIT] = "audit",
    [SR_ID_PRESENCE] = "presence", [SR_ID_PLAYLIST] = "playlists", [SR_ID_TRACK] = "tracks",
};

const char *sr_id_kind_name(sr_id_kind kind)
{
    return (unsigned)kind < SR_ID_KINDS ? kind_names[kind] : "?";
}
