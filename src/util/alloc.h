/* alloc.h - the allocation policy, decided once: a swappable allocator hook, the aborting
 * sr_x* family, the NULL-returning sr_* family, and a test allocator that fails the Nth call. */
#ifndef SR_ALLOC_H
#define SR_ALLOC_H

#include <stddef.h>

/* An allocator: every sr_x* and sr_* allocation goes through the one installed. The blocks it
 * returns must be released by the C library's free() (the whole code base frees with it), so
 * an allocator wraps malloc, it does not replace it: it counts, logs or fails on purpose (as
 * SQLite's test_malloc.c does). Each function returns NULL on failure and, for realloc, leaves
 * p as it was. ud is passed back as it is. */
typedef struct sr_allocator {
    void *(*malloc_fn)(void *ud, size_t n);
    void *(*calloc_fn)(void *ud, size_t n, size_t size);
    void *(*realloc_fn)(void *ud, void *p, size_t n);
    void *ud;
} sr_allocator;

/* Installs a (borrowed: it must outlive its use; NULL: the C library's allocator). Call it
 * before other threads allocate, or in a test: allocations in flight on other threads may go
 * through either allocator. */
void sr_alloc_set(const sr_allocator *a);
/* The allocator installed now (never NULL; static or the caller's of sr_alloc_set). */
const sr_allocator *sr_alloc_get(void);

/* The aborting family. Out-of-memory policy: log and abort. A server that cannot allocate a few
 * bytes cannot keep any promise it made, so it stops loudly instead of limping. Blocks are the
 * caller's, released with free(). A size of 0 allocates 1 byte. */
void *sr_xmalloc(size_t n);
void *sr_xcalloc(size_t n, size_t size);
/* Resizes p (the caller's; NULL allocates); returns the caller's new block. */
void *sr_xrealloc(void *p, size_t n);
/* Returns a malloc'd copy of s (the caller's), or NULL when s is NULL. */
char *sr_xstrdup(const char *s);
/* Returns a malloc'd NUL-terminated copy of the first n bytes of s (the caller's). */
char *sr_xstrndup(const char *s, size_t n);

/* The non-aborting family, for code that reports SR_ENOMEM instead: the same contracts, but
 * each returns NULL when out of memory (sr_realloc then leaves p the caller's, untouched). */
void *sr_malloc(size_t n);
void *sr_calloc(size_t n, size_t size);
void *sr_realloc(void *p, size_t n);
/* NULL when s is NULL too: check s first where that matters. */
char *sr_strdup(const char *s);
char *sr_strndup(const char *s, size_t n);

/* The test allocator (SQLite's test_malloc.c in miniature). Installs it and arms the calling
 * thread: its next n allocations succeed, the one after fails (once), later ones succeed.
 * n < 0 only counts. Only the arming thread's allocations are counted and failed, so a test
 * can drive one module while other threads (a reader, a store) allocate as usual. */
void sr_alloc_fail_after(long n);
/* Allocations the arming thread made since sr_alloc_fail_after (the failed one included). */
long sr_alloc_calls(void);
/* 1 when the test allocator has failed an allocation since sr_alloc_fail_after. */
int sr_alloc_failed(void);
/* Disarms the calling thread and puts the C library's allocator back. */
void sr_alloc_reset(void);

#endif
