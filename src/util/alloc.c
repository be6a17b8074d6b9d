/* alloc.c - the allocator hook, the aborting and non-aborting families, the test allocator. */
#include "util/alloc.h"
#include "util/log.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static void *sys_malloc(void *ud, size_t n)
{
    (void)ud;
    return malloc(n);
}

static void *sys_calloc(void *ud, size_t n, size_t size)
{
    (void)ud;
    return calloc(n, size);
}

static void *sys_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    return realloc(p, n);
}

static const sr_allocator sys_alloc = {sys_malloc, sys_calloc, sys_realloc, NULL};

static _Atomic(const sr_allocator *) current = &sys_alloc;

void sr_alloc_set(const sr_allocator *a)
{
    atomic_store(&current, a ? a : &sys_alloc);
}

const sr_allocator *sr_alloc_get(void)
{
    return atomic_load(&current);
}

/* ---------- the non-aborting family ---------- */

void *sr_malloc(size_t n)
{
    const sr_allocator *a = atomic_load(&current);
    return a->malloc_fn(a->ud, n ? n : 1);
}

void *sr_calloc(size_t n, size_t size)
{
    const sr_allocator *a = atomic_load(&current);
    return a->calloc_fn(a->ud, n ? n : 1, size ? size : 1);
}

void *sr_realloc(void *p, size_t n)
{
    const sr_allocator *a = atomic_load(&current);
    return a->realloc_fn(a->ud, p, n ? n : 1);
}

char *sr_strndup(const char *s, size_t n)
{
    char *d = sr_malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

char *sr_strdup(const char *s)
{
    return s ? sr_strndup(s, strlen(s)) : NULL;
}

/* ---------- the aborting family: the same, and the out-of-memory policy ---------- */

static void oom(size_t n)
{
    sr_log(SR_LOG_ERROR, "out of memory", "bytes=%zu", n);
    abort();
}

void *sr_xmalloc(size_t n)
{
    void *p = sr_malloc(n);
    if (!p) oom(n);
    return p;
}

void *sr_xcalloc(size_t n, size_t size)
{
    void *p = sr_calloc(n, size);
    if (!p) oom(n * size);
    return p;
}

void *sr_xrealloc(void *p, size_t n)
{
    void *q = sr_realloc(p, n);
    if (!q) oom(n);
    return q;
}

char *sr_xstrndup(const char *s, size_t n)
{
    char *d = sr_strndup(s, n);
    if (!d) oom(n + 1);
    return d;
}

char *sr_xstrdup(const char *s)
{
    return s ? sr_xstrndup(s, strlen(s)) : NULL;
}

/* ---------- the test allocator ---------- */

/* Per thread: allocations left before the one that fails (-1: none fails), calls, failures. */
static _Thread_local long fail_in = -1;
static _Thread_local long calls;
static _Thread_local int armed, failed;

/* 1 when this allocation of the arming thread is the one to fail. */
static int should_fail(void)
{
    if (!armed) return 0;
    calls++;
    if (fail_in < 0) return 0;
    if (fail_in-- > 0) return 0;
    failed = 1; /* fail_in is now -1: later calls succeed */
    return 1;
}

static void *test_malloc(void *ud, size_t n)
{
    (void)ud;
    return should_fail() ? NULL : malloc(n);
}

static void *test_calloc(void *ud, size_t n, size_t size)
{
    (void)ud;
    return should_fail() ? NULL : calloc(n, size);
}

static void *test_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    return should_fail() ? NULL : realloc(p, n);
}

static const sr_allocator test_alloc = {test_malloc, test_calloc, test_realloc, NULL};

void sr_alloc_fail_after(long n)
{
    fail_in = n < 0 ? -1 : n;
    calls = 0;
    failed = 0;
    armed = 1;
    sr_alloc_set(&test_alloc);
}

long sr_alloc_calls(void)
{
    return calls;
}

int sr_alloc_failed(void)
{
    return failed;
}

void sr_alloc_reset(void)
{
    armed = 0;
    fail_in = -1;
    sr_alloc_set(NULL);
}
