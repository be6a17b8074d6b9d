/* store_sqlite_write.c - the SQLite backend's writes: one function per kind of sr_write, each
 * reading the write through its typed view (store/write.h). */
#include "store/store_sqlite_int.h"
#include "store/write.h"
#include "util/log.h"
#include "util/util.h"

#include <string.h>

static int w_user(sqlite_store *s, const sr_w_user *u)
{
    sqlite3_stmt *q = s->q[Q_USER];
    sqlite3_bind_int64(q, 1, u->id);
    sr_sq_bind_text(q, 2, u->name);
    sr_sq_bind_text(q, 3, u->token_hash);
    sqlite3_bind_double(q, 4, u->created);
    return sr_sq_run(s, q, "user");
}

static int w_room(sqlite_store *s, const sr_w_room *r)
{
    sqlite3_stmt *q = s->q[Q_ROOM];
    sqlite3_bind_int64(q, 1, r->id);
    sr_sq_bind_text(q, 2, r->name);
    sqlite3_bind_text(q, 3, r->description ? r->description : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q, 4, r->tags ? r->tags : "[]", -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(q, 5, r->created);
    return sr_sq_run(s, q, "room");
}

static int w_entry_add(sqlite_store *s, const sr_w_entry_add *e)
{
    sqlite3_stmt *q = s->q[Q_ENTRY_ADD];
    sqlite3_bind_int64(q, 1, e->id);
    sqlite3_bind_int64(q, 2, e->room);
    sqlite3_bind_int64(q, 3, e->track);
    sqlite3_bind_int64(q, 4, e->user);
    sqlite3_bind_double(q, 5, e->added_at);
    return sr_sq_run(s, q, "entry add");
}

static int w_entry_state(sqlite_store *s, const sr_w_entry_state *e)
{
    sqlite3_stmt *q = s->q[Q_ENTRY_STATE];
    sqlite3_bind_int64(q, 1, e->id);
    sr_sq_bind_text(q, 2, e->state);
    return sr_sq_run(s, q, "entry state");
}

static int w_vote(sqlite_store *s, const sr_w_vote *v)
{
    sqlite3_stmt *q = s->q[v->value ? Q_VOTE_SET : Q_VOTE_DEL];
    sqlite3_bind_int64(q, 1, v->entry);
    sqlite3_bind_int64(q, 2, v->user);
    if (v->value) sqlite3_bind_int(q, 3, v->value);
    return sr_sq_run(s, q, "vote");
}

static int w_chat(sqlite_store *s, const sr_w_chat *c)
{
    sqlite3_stmt *q = s->q[Q_CHAT];
    sqlite3_bind_int64(q, 1, c->id);
    sqlite3_bind_int64(q, 2, c->room);
    sqlite3_bind_int64(q, 3, c->user);
    sr_sq_bind_text(q, 4, c->text);
    sqlite3_bind_double(q, 5, c->ts);
    return sr_sq_run(s, q, "chat");
}

static int w_play(sqlite_store *s, const sr_w_play *p)
{
    sqlite3_stmt *q = s->q[Q_PLAY];
    sqlite3_bind_int64(q, 1, p->id);
    sqlite3_bind_int64(q, 2, p->room);
    sqlite3_bind_int64(q, 3, p->track);
    sr_sq_bind_id(q, 4, p->entry);
    sr_sq_bind_id(q, 5, p->added_by);
    sqlite3_bind_double(q, 6, p->started);
    sqlite3_bind_int(q, 7, p->fallback == 0);
    int rc = sr_sq_run(s, q, "play");
    if (rc) return rc; /* SR_EUNAVAIL must reach the worker as such */
    q = s->q[Q_ROOM_NP];
    sqlite3_bind_int64(q, 1, p->room);
    sqlite3_bind_int64(q, 2, p->track);
    sr_sq_bind_id(q, 3, p->entry);
    sr_sq_bind_id(q, 4, p->added_by);
    sqlite3_bind_int64(q, 5, p->id);
    sqlite3_bind_double(q, 6, p->started);
    sqlite3_bind_int(q, 7, p->fallback);
    return sr_sq_run(s, q, "now playing");
}

static int w_play_skipped(sqlite_store *s, const sr_w_play_skipped *p)
{
    sqlite3_stmt *q = s->q[Q_PLAY_SKIPPED];
    sqlite3_bind_int64(q, 1, p->id);
    return sr_sq_run(s, q, "play skipped");
}

static int w_account(sqlite_store *s, const sr_w_account *a)
{
    return sr_sq_exec_bound(s, L_ACCOUNT,
                            "INSERT INTO users (id, name, username, pw_hash, created_at)"
                            " VALUES (?1, ?4, ?2, ?3, ?5) ON CONFLICT (id) DO UPDATE SET"
                            " username = excluded.username, pw_hash = excluded.pw_hash,"
                            " name = excluded.name",
                            "itttd", a->id, a->username, a->pw_hash, a->name, a->created);
}

static int w_password(sqlite_store *s, const sr_w_password *p)
{
    return sr_sq_exec_bound(s, L_PASSWORD, "UPDATE users SET pw_hash = ?2 WHERE id = ?1", "it",
                            p->id, p->pw_hash);
}

static int w_session(sqlite_store *s, const sr_w_session *k)
{
    return sr_sq_exec_bound(
        s, L_SESSION, "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?1,?2,?3)",
        "tid", k->token_hash, k->user, k->expires);
}

static int w_session_revoke(sqlite_store *s, const sr_w_session_revoke *r)
{
    if (r->token_hash)
        return sr_sq_exec_bound(s, L_SESSION_REVOKE,
                                "UPDATE sessions SET revoked = 1 WHERE token_hash = ?1", "t",
                                r->token_hash);
    return sr_sq_exec_bound(
        s, L_SESSION_REVOKE_OTHERS,
        "UPDATE sessions SET revoked = 1 WHERE user_id = ?1 AND token_hash <> ?2", "it", r->user,
        r->except ? r->except : "");
}

static int w_profile(sqlite_store *s, const sr_w_profile *p)
{
    return sr_sq_exec_bound(
        s, L_PROFILE, "UPDATE users SET name = ?2, bio = ?3, hide_activity = ?4 WHERE id = ?1",
        "itti", p->id, p->name, p->bio ? p->bio : "", (int64_t)p->hide_activity);
}

static int w_user_flags(sqlite_store *s, const sr_w_user_flags *f)
{
    return sr_sq_exec_bound(s, L_USER_FLAGS,
                            "UPDATE users SET admin = ?2, disabled = ?3 WHERE id = ?1", "iii",
                            f->id, (int64_t)f->admin, (int64_t)f->disabled);
}

static int w_user_delete(sqlite_store *s, const sr_w_user_delete *d)
{
    /* the row stays (its plays and chat ids are referenced), stripped of who it was */
    static const struct {
        int slot;
        const char *sql;
    } steps[] = {
        {L_USER_DELETE, "UPDATE users SET username = NULL, pw_hash = NULL, token_hash = NULL,"
                        " name = 'deleted user', bio = '', disabled = 1 WHERE id = ?1"},
        {L_USER_DELETE_SESSIONS, "DELETE FROM sessions WHERE user_id = ?1"},
        {L_USER_DELETE_FOLLOWS, "DELETE FROM follows WHERE follower = ?1 OR followee = ?1"},
        {L_USER_DELETE_CHAT, "DELETE FROM chat_messages WHERE user_id = ?1"},
        {L_USER_DELETE_ROLES, "DELETE FROM room_roles WHERE user_id = ?1"},
        {L_USER_DELETE_LIKES, "DELETE FROM likes WHERE user_id = ?1"},
        {L_USER_DELETE_FAVORITES, "DELETE FROM favorites WHERE user_id = ?1"},
        {L_USER_DELETE_AVATAR, "DELETE FROM avatars WHERE user_id = ?1"},
        {L_USER_DELETE_PLAYLISTS, "DELETE FROM playlists WHERE user_id = ?1"},
        {L_USER_DELETE_REPLIES, "DELETE FROM replies WHERE user_id = ?1"},
    };
    int rc = 0;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0] && !rc; i++)
        rc = sr_sq_exec_bound(s, steps[i].slot, steps[i].sql, "i", d->id);
    return rc;
}

static int w_avatar(sqlite_store *s, const sr_w_avatar *a)
{
    if (!a->jpeg)
        return sr_sq_exec_bound(s, L_AVATAR_DELETE, "DELETE FROM avatars WHERE user_id = ?1", "i",
                                a->user);
    /* a blob, which sr_sq_exec_bound does not bind */
    sqlite3_stmt *q = sr_sq_lazy(s, L_AVATAR_SET,
                                 "INSERT INTO avatars (user_id, image, updated_at) VALUES"
                                 " (?1, ?2, ?3) ON CONFLICT (user_id) DO UPDATE SET"
                                 " image = excluded.image, updated_at = excluded.updated_at");
    if (!q) return SR_EIO;
    sqlite3_bind_int64(q, 1, a->user);
    sqlite3_bind_blob64(q, 2, a->jpeg, a->len, SQLITE_STATIC);
    sqlite3_bind_double(q, 3, a->when);
    return sr_sq_run(s, q, "avatar");
}

static int w_follow(sqlite_store *s, const sr_w_follow *f)
{
    if (f->on)
        return sr_sq_exec_bound(s, L_FOLLOW,
                                "INSERT INTO follows (follower, followee, created_at) VALUES"
                                " (?1,?2,?3) ON CONFLICT (follower, followee) DO NOTHING",
                                "iid", f->follower, f->followee, f->when);
    return sr_sq_exec_bound(s, L_UNFOLLOW,
                            "DELETE FROM follows WHERE follower = ?1 AND followee = ?2", "ii",
                            f->follower, f->followee);
}

static int w_room_settings(sqlite_store *s, const sr_w_room_settings *r)
{
    return sr_sq_exec_bound(s, L_ROOM_SETTINGS,
                            "UPDATE rooms SET owner_id = ?2, settings = ?3 WHERE id = ?1", "iit",
                            r->room, r->owner, r->settings ? r->settings : "{}");
}

static int w_role(sqlite_store *s, const sr_w_role *r)
{
    if (r->on)
        return sr_sq_exec_bound(s, L_ROLE_SET,
                                "INSERT INTO room_roles (room_id, user_id, role, until) VALUES"
                                " (?1,?2,?3,?4) ON CONFLICT (room_id, user_id, role) DO UPDATE"
                                " SET until = excluded.until",
                                "iitd", r->room, r->user, r->role, r->until);
    return sr_sq_exec_bound(
        s, L_ROLE_CLEAR, "DELETE FROM room_roles WHERE room_id = ?1 AND user_id = ?2 AND role = ?3",
        "iit", r->room, r->user, r->role);
}

static int w_audit(sqlite_store *s, const sr_w_audit *a)
{
    return sr_sq_exec_bound(
        s, L_AUDIT,
        "INSERT INTO audit_log (id, room_id, actor_id, action, target_id, detail, ts)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7)",
        "iiititd", a->id, a->room, a->actor, a->action, a->target, a->detail ? a->detail : "",
        a->when);
}

static int w_chat_delete(sqlite_store *s, const sr_w_chat_delete *c)
{
    return sr_sq_exec_bound(s, L_CHAT_DELETE, "DELETE FROM chat_messages WHERE id = ?1", "i",
                            c->id);
}

static int w_favorite(sqlite_store *s, const sr_w_favorite *f)
{
    if (f->on)
        return sr_sq_exec_bound(s, L_FAVORITE,
                                "INSERT INTO favorites (user_id, room_id, created_at) VALUES"
                                " (?1,?2,?3) ON CONFLICT (user_id, room_id) DO NOTHING",
                                "iid", f->user, f->room, f->when);
    return sr_sq_exec_bound(s, L_UNFAVORITE,
                            "DELETE FROM favorites WHERE user_id = ?1 AND room_id = ?2", "ii",
                            f->user, f->room);
}

static int w_like(sqlite_store *s, const sr_w_like *l)
{
    if (l->on)
        return sr_sq_exec_bound(s, L_LIKE,
                                "INSERT INTO likes (user_id, track_id, created_at) VALUES"
                                " (?1,?2,?3) ON CONFLICT (user_id, track_id) DO NOTHING",
                                "iid", l->user, l->track, l->when);
    return sr_sq_exec_bound(s, L_UNLIKE, "DELETE FROM likes WHERE user_id = ?1 AND track_id = ?2",
                            "ii", l->user, l->track);
}

static int w_presence_open(sqlite_store *s, const sr_w_presence_open *p)
{
    return sr_sq_exec_bound(
        s, L_PRESENCE_OPEN,
        "INSERT INTO presence_log (id, user_id, room_id, joined_at) VALUES (?1,?2,?3,?4)", "iiid",
        p->id, p->user, p->room, p->joined);
}

static int w_presence_close(sqlite_store *s, const sr_w_presence_close *p)
{
    return sr_sq_exec_bound(s, L_PRESENCE_CLOSE,
                            "UPDATE presence_log SET left_at = ?2 WHERE id = ?1", "id", p->id,
                            p->left);
}

static int w_playlist(sqlite_store *s, const sr_w_playlist *p)
{
    return sr_sq_exec_bound(s, L_PLAYLIST,
                            "INSERT INTO playlists (id, user_id, name, format, entries, created_at)"
                            " VALUES (?1,?2,?3,?4,?5,?6)",
                            "iitttd", p->id, p->user, p->name, p->format,
                            p->entries ? p->entries : "[]", p->created);
}

static int w_playlist_delete(sqlite_store *s, const sr_w_playlist_delete *p)
{
    return sr_sq_exec_bound(s, L_PLAYLIST_DELETE, "DELETE FROM playlists WHERE id = ?1", "i",
                            p->id);
}

static int w_room_close(sqlite_store *s, const sr_w_room_close *r)
{
    return sr_sq_exec_bound(s, L_ROOM_CLOSE, "UPDATE rooms SET closed_at = ?2 WHERE id = ?1", "id",
                            r->room, r->when);
}

static int w_notice(sqlite_store *s, const sr_w_notice *n)
{
    return sr_sq_exec_bound(s, L_NOTICE, "INSERT INTO notices (entity, key, at) VALUES (?1,?2,?3)",
                            "tid", n->entity, n->key, n->at);
}

static int w_reply(sqlite_store *s, const sr_w_reply *r)
{
    /* one row per ring slot: the table holds at most SR_REPLAY_KEEP rows a person */
    return sr_sq_exec_bound(s, L_REPLY,
                            "INSERT INTO replies (user_id, slot, cid, answer, at) VALUES"
                            " (?1,?2,?3,?4,?5) ON CONFLICT (user_id, slot) DO UPDATE SET"
                            " cid = excluded.cid, answer = excluded.answer, at = excluded.at",
                            "iittd", r->user, (int64_t)r->slot, r->cid, r->answer, r->when);
}

int sr_sq_write(sr_store *st, const sr_write *w)
{
    sqlite_store *s = (sqlite_store *)st;
/* each kind through its view: ON(SR_W_CHAT, chat) is w_chat(s, &sr_w_chat_of(w)) */
#define ON(kind, name)                                                                             \
    case kind: {                                                                                   \
        sr_w_##name v = sr_w_##name##_of(w);                                                       \
        return w_##name(s, &v);                                                                    \
    }
    switch (w->kind) {
    case SR_W_NONE:
        return 0;
        ON(SR_W_USER, user)
        ON(SR_W_ROOM, room)
        ON(SR_W_ENTRY_ADD, entry_add)
        ON(SR_W_ENTRY_STATE, entry_state)
        ON(SR_W_VOTE, vote)
        ON(SR_W_CHAT, chat)
        ON(SR_W_PLAY, play)
        ON(SR_W_PLAY_SKIPPED, play_skipped)
        ON(SR_W_ACCOUNT, account)
        ON(SR_W_PASSWORD, password)
        ON(SR_W_SESSION, session)
        ON(SR_W_SESSION_REVOKE, session_revoke)
        ON(SR_W_PROFILE, profile)
        ON(SR_W_USER_FLAGS, user_flags)
        ON(SR_W_USER_DELETE, user_delete)
        ON(SR_W_FOLLOW, follow)
        ON(SR_W_ROOM_SETTINGS, room_settings)
        ON(SR_W_ROLE, role)
        ON(SR_W_AUDIT, audit)
        ON(SR_W_CHAT_DELETE, chat_delete)
        ON(SR_W_FAVORITE, favorite)
        ON(SR_W_LIKE, like)
        ON(SR_W_PRESENCE_OPEN, presence_open)
        ON(SR_W_PRESENCE_CLOSE, presence_close)
        ON(SR_W_AVATAR, avatar)
        ON(SR_W_PLAYLIST, playlist)
        ON(SR_W_PLAYLIST_DELETE, playlist_delete)
        ON(SR_W_ROOM_CLOSE, room_close)
        ON(SR_W_NOTICE, notice)
        ON(SR_W_REPLY, reply)
    }
#undef ON
    sr_log(SR_LOG_ERROR, "store: unknown write kind", "kind=%d", (int)w->kind);
    return SR_EINVAL;
}
