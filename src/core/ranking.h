/* ranking.h - trending and recommended room scores: pure functions, no I/O. */
#ifndef SR_RANKING_H
#define SR_RANKING_H

#include <stdint.h>

/* Half-life of trending activity. */
#define SR_TRENDING_HALF_LIFE_MS (10.0 * 60 * 1000)

/* Event weights of the trending score. */
#define SR_TREND_JOIN 3.0
#define SR_TREND_LEAVE (-3.0)
#define SR_TREND_CHAT 1.0
#define SR_TREND_VOTE 1.0
#define SR_TREND_ADD 2.0
#define SR_TREND_LIKE 1.0

/* A decaying score: value at `at`. */
typedef struct sr_activity {
    double score;
    double at;
} sr_activity;

/* The score at now: score · 2^(−(now − at)/half_life). */
double sr_activity_value(const sr_activity *a, double now, double half_life_ms);
/* Decays to now, adds weight, floors at 0. */
void sr_activity_add(sr_activity *a, double now, double weight, double half_life_ms);

/* What recommendation knows of one room for one person. */
typedef struct sr_rec_features {
    int friends_present; /* mutual follows listening there now */
    int shared_tags;     /* tags shared with the person's favourite rooms */
    int liked_artists;   /* artists the room plays that the person liked tracks of */
    int visits;          /* times the person listened there before */
    int listeners;
} sr_rec_features;

/* 5·friends + 3·tags + 2·artists + min(visits, 5) + log2(1 + listeners). */
double sr_recommend_score(const sr_rec_features *f);
/* 1 when anything but size speaks for the room (otherwise it is not recommended). */
int sr_recommend_relevant(const sr_rec_features *f);

/* A room to rank: its id, score and listeners. */
typedef struct sr_ranked_room {
    int64_t id;
    double score;
    int listeners;
} sr_ranked_room;

/* Sorts best first: score, then listeners, then lower id. */
void sr_rank_rooms(sr_ranked_room *rooms, int n);

#endif
