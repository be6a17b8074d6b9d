/* modules.h - the feature modules this server is built with. Only main.c (which registers
 * them) and a module naming itself include this; the kernel never does. */
#ifndef SR_MODULES_H
#define SR_MODULES_H

#include "app/module.h"

extern const sr_module sr_module_accounts;   /* sign-up, sign-in, own profile, admin users */
extern const sr_module sr_module_friends;    /* profiles, follows, friends and where they are */
extern const sr_module sr_module_avatars;    /* people's pictures */
extern const sr_module sr_module_moderation; /* roles, mod actions, audit, room settings */
extern const sr_module sr_module_lobby;      /* the lobby, trending, favourites, artist rooms */
extern const sr_module sr_module_likes;      /* liked tracks */
extern const sr_module sr_module_stats;      /* top tracks, top fans, histories */
extern const sr_module sr_module_playlists;  /* personal playlists */
extern const sr_module sr_module_import;     /* playlist imports, streams, external tracks */
extern const sr_module sr_module_rooms;      /* health, time, room list, create, one room */
extern const sr_module sr_module_library;    /* tracks, covers, library status/rescan/browse */
extern const sr_module sr_module_party;      /* party mode: join codes, QR, the speaker, the schedule */
extern const sr_module sr_module_sync;       /* listeners' measured playback sync */
extern const sr_module sr_module_unplayable; /* moving on from a track no listener can play */

#endif
