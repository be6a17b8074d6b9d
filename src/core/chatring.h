/* chatring.h - a room's last N chat lines: a fixed ring of opaque lines, oldest first. */
#ifndef SR_CHATRING_H
#define SR_CHATRING_H

#include <stdint.h>

/* One line: its message id, who wrote it, and the caller's data (the encoded message). */
typedef struct sr_chat_line {
    int64_t id, user;
    void *data;
} sr_chat_line;

/* Holds at most cap lines; the oldest goes when a new one comes. The ring owns each line's
 * data and releases it with free_data (may be NULL: data is not released). */
typedef struct sr_chatring {
    sr_chat_line *lines; /* cap slots, allocated at the first push */
    int cap, head, n;    /* head: slot of the oldest */
    void (*free_data)(void *data);
} sr_chatring;

/* Sets up an empty ring of cap lines (cap >= 0; 0 keeps nothing). Allocates nothing yet. */
void sr_chatring_init(sr_chatring *c, int cap, void (*free_data)(void *data));
/* Appends a line; the ring takes data. When full, the oldest line's data is released first.
 * With cap 0, data is released at once. */
void sr_chatring_push(sr_chatring *c, int64_t id, int64_t user, void *data);
/* Lines held. */
static inline int sr_chatring_count(const sr_chatring *c)
{
    return c->n;
}
/* The i-th line, oldest first (0 <= i < count). Borrowed: valid until the next push or
 * removal. */
const sr_chat_line *sr_chatring_at(const sr_chatring *c, int i);
/* Removes every line of user (account deletion), releasing their data; the others keep their
 * order. Returns how many went. */
int sr_chatring_remove_user(sr_chatring *c, int64_t user);
/* Removes the line with this id (a moderator's delete_chat), releasing its data; the others
 * keep their order. Returns 1 when it was held, 0 when not (too old, or never). */
int sr_chatring_remove_id(sr_chatring *c, int64_t id);
/* Releases every line's data and the slots; the ring is empty (same cap) afterwards. */
void sr_chatring_free(sr_chatring *c);

#endif
