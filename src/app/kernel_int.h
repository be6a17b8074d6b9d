/* kernel_int.h - what the kernel's own files share and modules do not see. */
#ifndef SR_KERNEL_INT_H
#define SR_KERNEL_INT_H

#include "app/kernel.h"

/* kernel.c */
/* The bus's delivery callback: the same bytes to each member of the room here. */
void hub_bus_deliver(void *ud, int64_t room, const char *epoch, uint64_t seq, sr_msg *m);
/* 1 while the store refuses writes (disk full or failing): changes are then refused before
 * they are applied, so a room never shows what the disk did not keep. */
int hub_store_refusing(sr_hub *h);
/* Every tick: while the store refuses, asks the write worker (twice a second) whether space
 * returned, since the refused changes no longer reach it to find out. */
void hub_store_probe(sr_hub *h, double now);
/* A durable (or failed) job: sends its ack or error, answers its REST caller, frees it. */
void hub_job_finish(sr_hub *h, job *j);
/* A spread-out random number (fallback choice needs spread, not secrecy). */
uint64_t hub_rnd(sr_hub *h);
/* Makes a room (strings copied, tags taken; NULL for none) and adds it to the rooms table. */
sr_room *hub_room_new(sr_hub *h, int64_t id, const char *name, const char *desc, json_t *tags,
                      double created);
/* Lets every module add its members to o (borrowed), a view of r for viewer. */
void hub_room_json_hooks(sr_hub *h, sr_room *r, sr_view view, int64_t viewer, json_t *o);
/* Frees a room's memory (after SR_EV_ROOM_FREED). */
void hub_room_free(sr_hub *h, sr_room *r);

/* room.c */
/* A queue entry / the now-playing object / the skip tally as JSON. New references. */
json_t *hub_entry_json(sr_hub *h, const sr_entry *e);
/* The now-playing object of r (JSON null when nothing plays). New reference. */
json_t *hub_np_json(sr_hub *h, sr_room *r);
/* {"votes","needed"}: the skip tally of r. New reference. */
json_t *hub_skip_json(sr_room *r, double ratio);
/* Skips the playing track once enough present listeners voted. */
void hub_check_skip(sr_hub *h, sr_room *r);
/* A kept chat line (r->chat): its text, as the delta that carried it had it, and the same as
 * an object, made from the text the first time a snapshot needs it (most lines are never in
 * one). Made by room.c, released by kernel.c's ring. */
typedef struct chat_line {
    json_t *json;
    size_t len;
    char text[];
} chat_line;

/* The session s (in no room) enters r. */
void hub_member_add(sr_hub *h, sr_room *r, sr_session *s);
/* A snapshot of r for viewer, echoing ref (borrowed); new reference. */
json_t *hub_snapshot(sr_hub *h, sr_room *r, json_t *ref, int resume, int64_t viewer);
/* Sends snap (taken) to s with the room's listeners appended from the cache. */
void hub_send_snapshot(sr_hub *h, sr_session *s, sr_room *r, json_t *snap);

/* people.c */
/* Frees every person (after SR_EV_USER_FREED for each). */
void hub_people_free(sr_hub *h);
/* Reads, at most once a second, what another process on the store (the admin CLI) changed
 * since the last time, and applies it: accounts added, promoted, disabled, their passwords. */
void hub_notices_poll(sr_hub *h, double now);
/* Load callbacks of the people tables. */
void hub_ld_user(void *ud, int64_t id, const char *name, const char *hash);
/* Load callbacks (the sink's ud is the hub; strings borrowed for the call). */
void hub_ld_account(void *ud, int64_t id, const char *username, const char *pw_hash, int admin,
                    int disabled, const char *bio, int hide_activity);
void hub_ld_session(void *ud, const char *token_hash, int64_t user, double expires);
void hub_ld_follow(void *ud, int64_t follower, int64_t followee);
/* Load callback of a remembered answer to a person's write id (oldest first). */
void hub_ld_reply(void *ud, int64_t user, int slot, const char *cid, const char *answer);

/* rules.c */
void hub_ld_room_settings(void *ud, int64_t room, int64_t owner, const char *settings);
/* Load callback of a room's role (strings borrowed for the call). */
void hub_ld_role(void *ud, int64_t room, int64_t user, const char *role, double until);
/* Frees what rules.c keeps in r (its roles and artist). */
void hub_room_free_rules(sr_room *r);

#endif
