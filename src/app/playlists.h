/* playlists.h - a person's own playlists (docs/protocol.md, "Personal playlists"): imported
 * M3U/PLS/XSPF lists kept per account, in memory and in the store's playlists table. Service
 * thread only. */
#ifndef SR_PLAYLISTS_H
#define SR_PLAYLISTS_H

#include <jansson.h>
#include <stdint.h>

#include "app/hub.h"

#define SR_PLAYLISTS_MAX 100 /* lists per account: they live in memory */

typedef struct sr_playlists sr_playlists;

/* Routes GET/POST /api/me/playlists, GET/DELETE /api/me/playlists/:id and POST
 * /api/me/playlists/:id/queue. Returns 1 when the path is one of these (reply is then called
 * exactly once, now or later), 0 otherwise. */
int sr_playlists_rest(sr_hub *h, const sr_rest *req);

/* Drops every list of uid from memory (the account is being deleted; the store deletes its
 * rows in the same job). Returns how many there were. */
int sr_playlists_forget_user(sr_hub *h, int64_t uid);

/* 1 when uid has SR_PLAYLISTS_MAX lists already. */
int sr_playlists_full(sr_hub *h, int64_t uid);

/* Records a new list of uid (entries: the resolved import, taken) and answers 201 with it once
 * durable, or 409 limit_reached. */
void sr_playlists_create(sr_hub *h, int64_t uid, const char *name, const char *format,
                         json_t *entries, void (*reply)(void *, int, json_t *, const char *),
                         void *ctx);

/* Load sink callback and teardown (hub.c). */
void hub_ld_playlist(void *ud, int64_t id, int64_t user, const char *name, const char *format,
                     const char *entries, double created);
void hub_playlists_free(sr_hub *h);

#endif
