/* jtext.h - writes JSON text straight into a buffer, for the one message sent often enough
 * that building jansson objects and dumping them was a third of its cost: the chat line. Its
 * output is what json_dumps(JSON_COMPACT | JSON_REAL_PRECISION(17)) gives for the same
 * values, so clients see the same bytes either way. */
#ifndef SR_JTEXT_H
#define SR_JTEXT_H

#include <stddef.h>
#include <stdint.h>

typedef struct sr_jtext {
    char *b;       /* the text so far, NUL-terminated; the caller's buffer or a heap copy */
    size_t n, cap; /* bytes written; room in b */
    int heap;      /* b is ours (it outgrew the caller's buffer): free with sr_jtext_free */
} sr_jtext;

/* Starts writing into buf (cap bytes, cap >= 1); grows onto the heap when needed. */
void sr_jtext_init(sr_jtext *t, char *buf, size_t cap);
void sr_jtext_free(sr_jtext *t);
/* Appends len bytes as they are (JSON punctuation, keys known not to need escapes). */
void sr_jtext_raw(sr_jtext *t, const char *s, size_t len);
/* Appends a string literal's bytes: sr_jtext_lit(t, "{\"id\":"). */
#define sr_jtext_lit(t, s) sr_jtext_raw((t), (s), sizeof(s) - 1)
/* Appends s (UTF-8, len bytes) as a quoted JSON string, escaped as jansson escapes it. */
void sr_jtext_str(sr_jtext *t, const char *s, size_t len);
void sr_jtext_int(sr_jtext *t, int64_t v);
/* A double as jansson writes it at 17 significant digits (a trailing ".0" when integral). */
void sr_jtext_real(sr_jtext *t, double v);

#endif
