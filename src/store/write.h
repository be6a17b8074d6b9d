/* write.h - typed writes: one constructor and one read-only view per kind of sr_write, so that
 * the app says what it records by name and a backend reads it by name. */
#ifndef SR_WRITE_H
#define SR_WRITE_H

#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

/* The constructors and views here are the only code that knows which letter of sr_write
 * (a, b, ..., s1, ...) holds which field; store.h lists the same mapping beside each kind.
 * When every call site uses a constructor, sr_write can become a tagged union of the sr_w_*
 * structs below without a backend noticing.
 *
 * Constructors, sr_write_<kind>(w, ...): overwrite *w (clear it first if it held strings) with
 * a write of that kind. Strings and blobs are copied: w owns the copies and sr_write_clear()
 * frees them; the arguments stay the caller's. Strings may be NULL where the field says so.
 *
 * Views, sr_w_<kind>_of(w): the fields of a write of that kind, by name. Strings and blobs
 * point into w (borrowed: valid while w is). Asking a write for a view of another kind is a
 * bug and yields its letters under the wrong names; dispatch on w->kind first. */

/* SR_W_NONE: nothing to write: the job only keeps its place in the order of answers. */
void sr_write_none(sr_write *w);

/* SR_W_USER: a user as first seen (a guest, or the row behind an account). */
typedef struct sr_w_user {
    int64_t id;
    const char *name;       /* display name */
    const char *token_hash; /* a guest's token hash, or NULL */
    double created;
} sr_w_user;
void sr_write_user(sr_write *w, int64_t id, const char *name, const char *token_hash,
                   double created);
sr_w_user sr_w_user_of(const sr_write *w);

/* SR_W_ROOM: a room created or renamed. */
typedef struct sr_w_room {
    int64_t id;
    const char *name;
    const char *description; /* NULL: empty */
    const char *tags;        /* a JSON array, NULL: [] */
    double created;
} sr_w_room;
void sr_write_room(sr_write *w, int64_t id, const char *name, const char *description,
                   const char *tags, double created);
sr_w_room sr_w_room_of(const sr_write *w);

/* SR_W_ENTRY_ADD: a track queued. */
typedef struct sr_w_entry_add {
    int64_t id;
    int64_t room;
    int64_t track;
    int64_t user; /* who added it */
    double added_at;
} sr_w_entry_add;
void sr_write_entry_add(sr_write *w, int64_t id, int64_t room, int64_t track, int64_t user,
                        double added_at);
sr_w_entry_add sr_w_entry_add_of(const sr_write *w);

/* SR_W_ENTRY_STATE: a queued entry leaves the queue. */
typedef struct sr_w_entry_state {
    int64_t id;
    const char *state; /* "played" or "removed" */
} sr_w_entry_state;
void sr_write_entry_state(sr_write *w, int64_t id, const char *state);
sr_w_entry_state sr_w_entry_state_of(const sr_write *w);

/* SR_W_VOTE: a vote on an entry. */
typedef struct sr_w_vote {
    int64_t entry;
    int64_t user;
    int value; /* +1 or -1; 0 deletes the vote */
} sr_w_vote;
void sr_write_vote(sr_write *w, int64_t entry, int64_t user, int value);
sr_w_vote sr_w_vote_of(const sr_write *w);

/* SR_W_CHAT: a chat message. */
typedef struct sr_w_chat {
    int64_t id;
    int64_t room;
    int64_t user;
    const char *text;
    double ts;
} sr_w_chat;
void sr_write_chat(sr_write *w, int64_t id, int64_t room, int64_t user, const char *text,
                   double ts);
sr_w_chat sr_w_chat_of(const sr_write *w);

/* SR_W_PLAY: a track starts; also the room's now playing. */
typedef struct sr_w_play {
    int64_t id; /* the play id */
    int64_t room;
    int64_t track;
    int64_t entry;    /* 0: none (fallback) */
    int64_t added_by; /* 0: none */
    double started;
    int fallback; /* 0 from the queue, 1 fallback */
} sr_w_play;
void sr_write_play(sr_write *w, int64_t id, int64_t room, int64_t track, int64_t entry,
                   int64_t added_by, double started, int fallback);
sr_w_play sr_w_play_of(const sr_write *w);

/* SR_W_PLAY_SKIPPED: a play was skipped. */
typedef struct sr_w_play_skipped {
    int64_t id; /* the play id */
} sr_w_play_skipped;
void sr_write_play_skipped(sr_write *w, int64_t id);
sr_w_play_skipped sr_w_play_skipped_of(const sr_write *w);

/* SR_W_ACCOUNT: an account created (or its credentials replaced). */
typedef struct sr_w_account {
    int64_t id; /* the user id */
    const char *username;
    const char *pw_hash;
    const char *name; /* display name */
    double created;
} sr_w_account;
void sr_write_account(sr_write *w, int64_t id, const char *username, const char *pw_hash,
                      const char *name, double created);
sr_w_account sr_w_account_of(const sr_write *w);

/* SR_W_PASSWORD: a new password hash. */
typedef struct sr_w_password {
    int64_t id;
    const char *pw_hash;
} sr_w_password;
void sr_write_password(sr_write *w, int64_t id, const char *pw_hash);
sr_w_password sr_w_password_of(const sr_write *w);

/* SR_W_SESSION: a sign-in session. */
typedef struct sr_w_session {
    const char *token_hash;
    int64_t user;
    double expires;
} sr_w_session;
void sr_write_session(sr_write *w, const char *token_hash, int64_t user, double expires);
sr_w_session sr_w_session_of(const sr_write *w);

/* SR_W_SESSION_REVOKE: one session ends (by its token hash), or every session of a user but
 * one (sr_write_sessions_revoke; except may be NULL: all of them). The view has token_hash
 * NULL for the second form. */
typedef struct sr_w_session_revoke {
    const char *token_hash; /* the one session, or NULL */
    int64_t user;           /* when token_hash is NULL: whose sessions */
    const char *except;     /* when token_hash is NULL: the session kept, or NULL */
} sr_w_session_revoke;
void sr_write_session_revoke(sr_write *w, const char *token_hash);
void sr_write_sessions_revoke(sr_write *w, int64_t user, const char *except);
sr_w_session_revoke sr_w_session_revoke_of(const sr_write *w);

/* SR_W_AVATAR: an account's picture set (a JPEG, copied: len bytes) or, with jpeg NULL,
 * deleted. */
typedef struct sr_w_avatar {
    int64_t user;
    const unsigned char *jpeg; /* NULL: delete */
    size_t len;
    double when;
} sr_w_avatar;
void sr_write_avatar(sr_write *w, int64_t user, const unsigned char *jpeg, size_t len, double when);
sr_w_avatar sr_w_avatar_of(const sr_write *w);

/* SR_W_PROFILE: a user's profile. */
typedef struct sr_w_profile {
    int64_t id;
    const char *name; /* display name */
    const char *bio;  /* NULL: empty */
    int hide_activity;
} sr_w_profile;
void sr_write_profile(sr_write *w, int64_t id, const char *name, const char *bio,
                      int hide_activity);
sr_w_profile sr_w_profile_of(const sr_write *w);

/* SR_W_USER_FLAGS: an account's standing. */
typedef struct sr_w_user_flags {
    int64_t id;
    int admin;
    int disabled;
} sr_w_user_flags;
void sr_write_user_flags(sr_write *w, int64_t id, int admin, int disabled);
sr_w_user_flags sr_w_user_flags_of(const sr_write *w);

/* SR_W_USER_DELETE: an account deleted: credentials, sessions, follows, chat lines, roles, likes,
 * favourites, avatar and playlists go. */
typedef struct sr_w_user_delete {
    int64_t id;
} sr_w_user_delete;
void sr_write_user_delete(sr_write *w, int64_t id);
sr_w_user_delete sr_w_user_delete_of(const sr_write *w);

/* SR_W_FOLLOW: follow (on) or unfollow. */
typedef struct sr_w_follow {
    int64_t follower;
    int64_t followee;
    int on; /* 1 follow, 0 unfollow */
    double when;
} sr_w_follow;
void sr_write_follow(sr_write *w, int64_t follower, int64_t followee, int on, double when);
sr_w_follow sr_w_follow_of(const sr_write *w);

/* SR_W_ROOM_SETTINGS: a room's owner and settings. */
typedef struct sr_w_room_settings {
    int64_t room;
    int64_t owner;
    const char *settings; /* a JSON object, NULL: {} */
} sr_w_room_settings;
void sr_write_room_settings(sr_write *w, int64_t room, int64_t owner, const char *settings);
sr_w_room_settings sr_w_room_settings_of(const sr_write *w);

/* SR_W_ROLE: a role in a room set (on) or cleared. */
typedef struct sr_w_role {
    int64_t room;
    int64_t user;
    const char *role;
    int on;       /* 1 set, 0 clear */
    double until; /* 0: no end */
} sr_w_role;
void sr_write_role(sr_write *w, int64_t room, int64_t user, const char *role, int on, double until);
sr_w_role sr_w_role_of(const sr_write *w);

/* SR_W_AUDIT: a line of the moderation audit log. */
typedef struct sr_w_audit {
    int64_t id;
    int64_t room;
    int64_t actor;
    int64_t target;
    const char *action;
    const char *detail; /* NULL: empty */
    double when;
} sr_w_audit;
void sr_write_audit(sr_write *w, int64_t id, int64_t room, int64_t actor, int64_t target,
                    const char *action, const char *detail, double when);
sr_w_audit sr_w_audit_of(const sr_write *w);

/* SR_W_CHAT_DELETE: a chat message removed. */
typedef struct sr_w_chat_delete {
    int64_t id; /* the message id */
} sr_w_chat_delete;
void sr_write_chat_delete(sr_write *w, int64_t id);
sr_w_chat_delete sr_w_chat_delete_of(const sr_write *w);

/* SR_W_FAVORITE: a favourite room added (on) or removed. */
typedef struct sr_w_favorite {
    int64_t user;
    int64_t room;
    int on;
    double when;
} sr_w_favorite;
void sr_write_favorite(sr_write *w, int64_t user, int64_t room, int on, double when);
sr_w_favorite sr_w_favorite_of(const sr_write *w);

/* SR_W_LIKE: a track liked (on) or unliked. */
typedef struct sr_w_like {
    int64_t user;
    int64_t track;
    int on;
    double when;
} sr_w_like;
void sr_write_like(sr_write *w, int64_t user, int64_t track, int on, double when);
sr_w_like sr_w_like_of(const sr_write *w);

/* SR_W_PRESENCE_OPEN: a listening interval begins. */
typedef struct sr_w_presence_open {
    int64_t id;
    int64_t user;
    int64_t room;
    double joined;
} sr_w_presence_open;
void sr_write_presence_open(sr_write *w, int64_t id, int64_t user, int64_t room, double joined);
sr_w_presence_open sr_w_presence_open_of(const sr_write *w);

/* SR_W_PRESENCE_CLOSE: a listening interval ends. */
typedef struct sr_w_presence_close {
    int64_t id;
    double left;
} sr_w_presence_close;
void sr_write_presence_close(sr_write *w, int64_t id, double left);
sr_w_presence_close sr_w_presence_close_of(const sr_write *w);

/* SR_W_PLAYLIST: a personal playlist. */
typedef struct sr_w_playlist {
    int64_t id;
    int64_t user;
    const char *name;
    const char *format;  /* "m3u", "pls", "xspf" */
    const char *entries; /* a JSON array, NULL: [] */
    double created;
} sr_w_playlist;
void sr_write_playlist(sr_write *w, int64_t id, int64_t user, const char *name, const char *format,
                       const char *entries, double created);
sr_w_playlist sr_w_playlist_of(const sr_write *w);

/* SR_W_PLAYLIST_DELETE: a playlist removed. */
typedef struct sr_w_playlist_delete {
    int64_t id;
} sr_w_playlist_delete;
void sr_write_playlist_delete(sr_write *w, int64_t id);
sr_w_playlist_delete sr_w_playlist_delete_of(const sr_write *w);

/* SR_W_ROOM_CLOSE: a room closed for good (its history stays for statistics). */
typedef struct sr_w_room_close {
    int64_t room;
    double when;
} sr_w_room_close;
void sr_write_room_close(sr_write *w, int64_t room, double when);
sr_w_room_close sr_w_room_close_of(const sr_write *w);

/* SR_W_NOTICE: a change made outside the server, for running servers to reload. */
typedef struct sr_w_notice {
    const char *entity; /* what changed, e.g. SR_NOTICE_ACCOUNT */
    int64_t key;        /* which one, e.g. the user id */
    double at;
} sr_w_notice;
void sr_write_notice(sr_write *w, const char *entity, int64_t key, double at);
sr_w_notice sr_w_notice_of(const sr_write *w);

/* SR_W_REPLY: the first answer to a client's write id (cid), so a retry after a crash is
 * answered again instead of applied twice. Goes last in the job of the write it answers:
 * the row exists only if that write does. */
typedef struct sr_w_reply {
    int64_t user;
    int slot;           /* 0 .. SR_REPLAY_KEEP - 1: the person's ring slot it replaces */
    const char *cid;    /* the client's id */
    const char *answer; /* the answer as JSON, without its ref */
    double when;
} sr_w_reply;
void sr_write_reply(sr_write *w, int64_t user, int slot, const char *cid, const char *answer,
                    double when);
sr_w_reply sr_w_reply_of(const sr_write *w);

#endif
