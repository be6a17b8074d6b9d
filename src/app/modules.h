/* modules.h - the feature modules there are: one const sr_module each, for the kernel to
 * register. */
#ifndef SR_MODULES_H
#define SR_MODULES_H

#include "app/module.h"

/* Health, server time, the room list, creating a room and one room (app/rooms_routes.c). */
extern const sr_module sr_module_rooms;
/* Tracks, covers, and the library's status, rescan and browsing (app/library_routes.c). */
extern const sr_module sr_module_library;

#endif
