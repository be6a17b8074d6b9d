/* rules.c - see rules.h. */
#include "core/rules.h"
#include "core/policy.h"

#include <stddef.h>

const char *sr_rule_code(sr_rule why)
{
    switch (why) {
    case SR_RULE_OK:
        return NULL;
    case SR_RULE_QUEUE_LOCKED:
        return "queue_locked";
    case SR_RULE_NOT_ALLOWED:
        return "not_allowed";
    case SR_RULE_LIMIT_REACHED:
        return "limit_reached";
    case SR_RULE_NO_SUCH_TRACK:
        return "no_such_track";
    case SR_RULE_QUEUE_FULL:
        return "queue_full";
    case SR_RULE_MUTED:
        return "muted";
    case SR_RULE_SLOW_MODE:
        return "slow_mode";
    case SR_RULE_RATE_LIMITED:
        return "rate_limited";
    }
    return "not_allowed";
}

int sr_who_min_rank(int who)
{
    return who == SR_WHO_MODS ? SR_RANK_MOD : who == SR_WHO_MEMBERS ? SR_RANK_MEMBER : SR_RANK_NONE;
}

sr_rule sr_rules_add_gate(const sr_room_rules *r, int rank)
{
    if (r->locked && rank < SR_RANK_MOD) return SR_RULE_QUEUE_LOCKED;
    if (rank < sr_who_min_rank(r->who_add)) return SR_RULE_NOT_ALLOWED;
    return SR_RULE_OK;
}

sr_rule sr_rules_may_add(const sr_room_rules *r, int rank, const sr_queue *q, int64_t user,
                         int track_ok, int max_queue)
{
    sr_rule why = sr_rules_add_gate(r, rank);
    if (why) return why;
    if (r->max_per_person && rank < SR_RANK_MOD && sr_queue_count_by(q, user) >= r->max_per_person)
        return SR_RULE_LIMIT_REACHED;
    if (!track_ok) return SR_RULE_NO_SUCH_TRACK;
    if (q->n >= max_queue) return SR_RULE_QUEUE_FULL;
    return SR_RULE_OK;
}

sr_rule sr_rules_may_vote(const sr_room_rules *r, int rank)
{
    return rank < sr_who_min_rank(r->who_vote) ? SR_RULE_NOT_ALLOWED : SR_RULE_OK;
}

sr_rule sr_rules_may_remove(int64_t entry_user, int64_t user)
{
    return entry_user == user ? SR_RULE_OK : SR_RULE_NOT_ALLOWED;
}

sr_rule sr_rules_may_chat(const sr_room_rules *r, int muted, int rank, double *last_chat,
                          double now)
{
    if (muted) return SR_RULE_MUTED;
    if (r->slow_mode_s && last_chat && rank < SR_RANK_MOD &&
        now - *last_chat < r->slow_mode_s * 1000.0)
        return SR_RULE_SLOW_MODE;
    if (last_chat) *last_chat = now;
    return SR_RULE_OK;
}

void sr_bucket_init(sr_bucket *b, double burst, int64_t now_us)
{
    b->tokens = burst;
    b->at_us = now_us;
}

int sr_bucket_take(sr_bucket *b, int64_t now_us, double rate_per_s, double burst)
{
    b->tokens += (double)(now_us - b->at_us) / 1e6 * rate_per_s;
    if (b->tokens > burst) b->tokens = burst;
    b->at_us = now_us;
    if (b->tokens < 1.0) return 0;
    b->tokens -= 1.0;
    return 1;
}
