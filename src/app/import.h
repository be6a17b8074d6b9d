/* import.h - playlists (M3U/PLS/XSPF) and stream URLs into the library and a room's queue, over
 * REST. Parsing and checks on the service thread (CPU only); resolving entries against the
 * store and recording stream tracks on the hub's task pool, never on the service thread. */
#ifndef SR_IMPORT_H
#define SR_IMPORT_H

#include <stdint.h>

#include "app/hub.h"
#include "proto/proto.h"

/* Routes POST /api/rooms/:id/import, POST /api/library/streams and POST
 * /api/library/external (see docs/protocol.md).
 * Returns 1 when the path is one of these (req->reply is then called exactly once, now or
 * later), 0 otherwise. Service thread. */
int sr_import_rest(sr_hub *h, const sr_rest *req);

/* The hook in hub.c where an imported or stream track enters a room's queue: queues track tid
 * (its canonical copy) in room r for uid with the rules of queue_add (locked queue, who may
 * add, per-person limit, queue size) but no WebSocket session to answer; the entry_added
 * delta goes to the room once durable. Returns the new entry's id, or 0 with *code set to the
 * protocol's error code ("queue_locked", "not_allowed", "limit_reached", "no_such_track",
 * "queue_full"; static). */
/* queue_add of a stream ({"stream":{…}}) or an external track ({"external":{…}}) in room r,
 * which session s is in: checks the fields (an error reply at once), records the track on the
 * task pool, then queues it like any queue_add; s gets the ack (with "entry" and "track") once
 * the entry is durable, or the error. Guests get sign_in_required. Service thread. */
void sr_import_queue_add(sr_hub *h, sr_session *s, const sr_cmsg *m, sr_room *r);

/* POST /api/me/playlists {"playlist","format"?,"name"?,"title"?}: parses and resolves a
 * playlist as the room import does, then records it as one of uid's lists
 * (sr_playlists_create). Answers through req. Service thread. */
void sr_import_personal(sr_hub *h, const sr_rest *req, int64_t uid);

/* Queues the resolved entries of a stored list (playlists.c's JSON) in room rid under its rules
 * and answers req as the room import does. */
void sr_import_queue_entries(sr_hub *h, const sr_rest *req, int64_t rid, int64_t uid,
                             const char *format, const char *name, json_t *entries);

int64_t hub_queue_track(sr_hub *h, sr_room *r, int64_t uid, int64_t tid, const char **code);

#endif
