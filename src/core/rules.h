/* rules.h - a room's queue and chat rules: may this person add, vote, remove, chat now. */
#ifndef SR_RULES_H
#define SR_RULES_H

#include <stdint.h>

#include "core/queue.h"

/* Who may add or vote. */
enum { SR_WHO_EVERYONE = 0, SR_WHO_MEMBERS = 1, SR_WHO_MODS = 2 };

/* What PATCH /api/rooms/:id accepts (docs/protocol.md). */
#define SR_RULES_MAX_PER_PERSON_MAX 500
#define SR_RULES_SLOW_MODE_MAX_S 3600

/* A room's rules, as its owner set them. Moderators and better are exempt from locked,
 * max_per_person and slow_mode_s. */
typedef struct sr_room_rules {
    int who_add, who_vote; /* SR_WHO_* */
    int max_per_person;    /* entries one person may have queued; 0: no limit */
    int slow_mode_s;       /* seconds between one listener's chat lines; 0: off */
    int locked;            /* the queue takes no additions */
    double skip_ratio;     /* share of listeners needed to skip; 0: the server's */
} sr_room_rules;

/* Why something was refused; each has the protocol's error code (sr_rule_code). */
typedef enum sr_rule {
    SR_RULE_OK = 0,
    SR_RULE_QUEUE_LOCKED,  /* queue_locked */
    SR_RULE_NOT_ALLOWED,   /* not_allowed */
    SR_RULE_LIMIT_REACHED, /* limit_reached */
    SR_RULE_NO_SUCH_TRACK, /* no_such_track */
    SR_RULE_QUEUE_FULL,    /* queue_full */
    SR_RULE_MUTED,         /* muted */
    SR_RULE_SLOW_MODE,     /* slow_mode */
    SR_RULE_RATE_LIMITED,  /* rate_limited */
} sr_rule;

/* The protocol's error code for a refusal (a static string), NULL for SR_RULE_OK. */
const char *sr_rule_code(sr_rule why);

/* The lowest rank (SR_RANK_*, core/policy.h) a who_add / who_vote setting lets in. */
int sr_who_min_rank(int who);

/* The room-wide part of adding, for someone of this rank: the queue is not locked (moderators
 * may add to a locked queue) and who_add lets them. Today's REST imports check only this much
 * before their entries. */
sr_rule sr_rules_add_gate(const sr_room_rules *r, int rank);

/* May user, of this rank, add a track to q (borrowed)? track_ok: the (canonical) track is known
 * and available; max_queue: the server's limit per room. Checks in today's order: locked,
 * who_add, max_per_person (below moderator; at the limit is refused), the track, the queue's
 * size (at max_queue is full). The same track twice is allowed, as today. */
sr_rule sr_rules_may_add(const sr_room_rules *r, int rank, const sr_queue *q, int64_t user,
                         int track_ok, int max_queue);

/* May someone of this rank vote (who_vote)? */
sr_rule sr_rules_may_vote(const sr_room_rules *r, int rank);

/* May user take entry_user's entry out of the queue (queue_remove)? Only their own; moderators
 * use the mod action "remove" instead. */
sr_rule sr_rules_may_remove(int64_t entry_user, int64_t user);

/* May someone chat at now (server ms)? muted: they hold an active mute (it silences any rank);
 * last_chat: when this listener last chatted (0: never), NULL when they are not a listener
 * of the room (then slow mode does not apply). Slow mode passes once slow_mode_s * 1000 ms
 * have gone by, exactly that long included; moderators and better are exempt. On success
 * *last_chat becomes now, before the chat rate is checked (so a line the rate limit then
 * refuses still restarts the slow-mode wait, as today). */
sr_rule sr_rules_may_chat(const sr_room_rules *r, int muted, int rank, double *last_chat,
                          double now);

/* A token bucket: up to burst tokens, refilled continuously at a rate per second. */
typedef struct sr_bucket {
    double tokens;
    int64_t at_us; /* monotonic µs of the last refill */
} sr_bucket;

/* Starts full (burst tokens) at now_us. */
void sr_bucket_init(sr_bucket *b, double burst, int64_t now_us);
/* Refills for the time since the last call (capped at burst), then takes one token if there
 * is a whole one. Returns 1 when taken, 0 when refused (the refill is kept either way). */
int sr_bucket_take(sr_bucket *b, int64_t now_us, double rate_per_s, double burst);

#endif
