/* import.h - playlists (M3U/PLS/XSPF) and stream URLs into the library and a room's queue.
 * Parsing and checks on the service thread (CPU only); resolving entries against the store and
 * recording stream tracks on the kernel's task pool, never on the service thread. The module
 * (sr_module_import) routes POST /api/rooms/:id/import, /api/library/streams and
 * /api/library/external, and handles queue_add of a stream or external track. These functions
 * are what it offers the playlists module. */
#ifndef SR_IMPORT_H
#define SR_IMPORT_H

#include <jansson.h>
#include <stdint.h>

#include "app/hub.h"

/* Keeps a resolved personal list for uid: name and format borrowed for the call, entries taken;
 * answers through reply(ctx) exactly once. */
typedef void (*sr_import_keep)(sr_hub *h, int64_t uid, const char *name, const char *format,
                               json_t *entries, void (*reply)(void *, int, json_t *, const char *),
                               void *ctx);

/* POST /api/me/playlists {"playlist","format"?,"name"?,"title"?}: parses and resolves a
 * playlist as the room import does, then hands it to keep, which records it and answers.
 * Answers req itself on a bad body. Service thread. */
void sr_import_personal(sr_hub *h, const sr_rest *req, int64_t uid, sr_import_keep keep);
/* Queues the resolved entries of a stored list (the playlists module's JSON, borrowed) in room
 * rid under its rules and answers req as the room import does. */
void sr_import_queue_entries(sr_hub *h, const sr_rest *req, int64_t rid, int64_t uid,
                             const char *format, const char *name, json_t *entries);

#endif
