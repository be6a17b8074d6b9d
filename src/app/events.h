/* events.h - the event catalogue: what the kernel (and modules) announce, with their fields.
 * docs/events.md lists the same names; webhooks, analytics and notifications map onto it. */
#ifndef SR_EVENTS_H
#define SR_EVENTS_H

#include <stdint.h>

typedef struct sr_room sr_room;
struct sr_session;

typedef enum sr_event_type {
    SR_EV_JOINED = 1,      /* room, user (first connection of this person in the room) */
    SR_EV_LEFT,            /* room, user (their last connection left) */
    SR_EV_PLAYED,          /* room, track, entry (0: fallback), target = who added it, value =
                              1 fallback / 0 queue */
    SR_EV_SKIPPED,         /* room, track (the track that stopped before its end) */
    SR_EV_QUEUED,          /* room, user, entry, track */
    SR_EV_VOTED,           /* room, user, entry, value (-1, 0 retracted, 1) */
    SR_EV_CHATTED,         /* room, user, entry = message id */
    SR_EV_LIKED,           /* user, track, value (1 liked, 0 unliked); room: where, or NULL */
    SR_EV_FOLLOWED,        /* user, target, value (1 follow, 0 unfollow) */
    SR_EV_ACCOUNT_CREATED, /* user */
    SR_EV_ACCOUNT_DELETED, /* user (the person's rows are being deleted in job) */
    SR_EV_ROOM_CREATED,    /* room, user = owner */
    SR_EV_ROOM_CLOSED,     /* room, user = who closed it */
    SR_EV_ROOM_CHANGED,    /* room (name, description, tags or rules changed) */
    SR_EV_ROOM_FREED,      /* room: memory is going (shutdown), modules drop what they keep */
    SR_EV_USER_FREED,      /* user: memory is going (shutdown or deletion) */
    SR_EV_MOVED,           /* user: where they listen changed (user's room is the new one or
                              NULL); friends hear of it */
    SR_EV_PROFILE,         /* user: their name, bio or privacy changed */
    SR_EV_MAX
} sr_event_type;

/* One event. Pointers are borrowed for the call; unused fields are 0. */
typedef struct sr_event {
    sr_event_type type;
    sr_room *room;
    int64_t user, target, track, entry;
    int value;
    double now;                 /* server ms */
    struct sr_session *session; /* the connection that caused it, or NULL */
    struct job *job;            /* a write job a listener may add its writes to, or NULL */
} sr_event;

/* The event's name as docs/events.md spells it ("joined", "left", ...). */
const char *sr_event_name(sr_event_type t);

#endif
