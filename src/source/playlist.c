/* playlist.c - M3U/M3U8, PLS and XSPF parsers (pure: bytes in, entries out). */
#include "source/playlist.h"
#include "util/util.h"
#include "util/vec.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------- small helpers ---------- */

#define FAIL(c, m, at) return fail(err, out, (c), (m), (size_t)(at))

static int fail(sr_pl_err *err, sr_playlist *out, sr_pl_code code, const char *msg, size_t pos)
{
    if (err) *err = (sr_pl_err){code, msg, pos};
    sr_playlist_clear(out);
    return SR_EINVAL;
}

void sr_playlist_clear(sr_playlist *pl)
{
    if (!pl) return;
    for (size_t i = 0; i < pl->n; i++) {
        free(pl->v[i].location);
        free(pl->v[i].title);
        free(pl->v[i].artist);
        free(pl->v[i].album);
    }
    free(pl->v);
    free(pl->title);
    memset(pl, 0, sizeof *pl);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static void trim(const char **s, size_t *n)
{
    while (*n && is_space(**s))
        (*s)++, (*n)--;
    while (*n && is_space((*s)[*n - 1]))
        (*n)--;
}

/* Length of the UTF-8 byte order mark at buf, if any. */
static size_t bom_len(const char *buf, size_t len)
{
    return len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0;
}

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
static int utf8_ok(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        unsigned cp, min;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            k = 1, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            k = 2, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            k = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i <= k) return 0;
        for (size_t j = 1; j <= k; j++) {
            if ((s[i + j] & 0xC0) != 0x80) return 0;
            cp = (cp << 6) | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
        i += k + 1;
    }
    return 1;
}

/* A malloc'd NUL-terminated copy of s[0..n): as is when it is UTF-8, else read as Latin-1. */
static char *text_dup(const char *s, size_t n)
{
    if (utf8_ok((const unsigned char *)s, n)) return sr_xstrndup(s, n);
    char *d = sr_xmalloc(2 * n + 1), *o = d;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            *o++ = (char)c;
        } else {
            *o++ = (char)(0xC0 | (c >> 6));
            *o++ = (char)(0x80 | (c & 0x3F));
        }
    }
    *o = 0;
    return d;
}

/* A trimmed copy of s[0..n), or NULL when empty. */
static char *field_dup(const char *s, size_t n)
{
    trim(&s, &n);
    return n ? text_dup(s, n) : NULL;
}

/* Appends an entry (taking its strings). Returns 0, or -1 when the playlist is full. */
static int push(sr_playlist *pl, const sr_pl_entry *e)
{
    if (pl->n == SR_PL_MAX_ENTRIES) return -1;
    SR_XGROW(pl->v, pl->cap, pl->n + 1);
    pl->v[pl->n++] = *e;
    return 0;
}

static void entry_free(sr_pl_entry *e)
{
    free(e->location);
    free(e->title);
    free(e->artist);
    free(e->album);
    memset(e, 0, sizeof *e);
}

/* Splits a display text "Artist - Title" into *artist and *title (either may end NULL); a
 * text without " - " is all title. */
static void split_display(const char *s, size_t n, char **artist, char **title)
{
    *artist = *title = NULL;
    for (size_t i = 0; i + 3 <= n; i++)
        if (!memcmp(s + i, " - ", 3)) {
            *artist = field_dup(s, i);
            *title = field_dup(s + i + 3, n - i - 3);
            if (!*title) { /* "Artist - ": keep it whole */
                free(*artist);
                *artist = NULL;
                break;
            }
            return;
        }
    *title = field_dup(s, n);
}

/* Seconds (a decimal, possibly negative or fractional) to milliseconds; 0 for a negative,
 * unreadable or absurd value. Reads at most n bytes of s. */
static int64_t seconds_ms(const char *s, size_t n)
{
    char tmp[32];
    trim(&s, &n);
    if (!n || n >= sizeof tmp) return 0;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    char *end;
    double v = strtod(tmp, &end);
    if (*end || !(v > 0) || v > 1e9) return 0;
    return (int64_t)(v * 1000.0 + 0.5);
}

/* The next line of [p, end): sets *ls, *ln (trimmed) and returns where the following line
 * starts. Any of LF, CRLF and CR ends a line. */
static const char *next_line(const char *p, const char *end, const char **ls, size_t *ln)
{
    const char *q = p;
    while (q < end && *q != '\n' && *q != '\r')
        q++;
    *ls = p;
    *ln = (size_t)(q - p);
    trim(ls, ln);
    if (q < end && *q == '\r' && q + 1 < end && q[1] == '\n') return q + 2;
    return q < end ? q + 1 : q;
}

static int starts_ci(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && !strncasecmp(s, prefix, k);
}

/* ---------- M3U / M3U8 ---------- */

int sr_playlist_parse_m3u(const char *buf, size_t len, sr_playlist *out, sr_pl_err *err)
{
    if (!len) buf = ""; /* memchr and friends never see NULL */
    const char *nul = memchr(buf, 0, len);
    if (nul) FAIL(SR_PL_EBINARY, "a NUL byte: not a text playlist", nul - buf);
    const char *p = buf + bom_len(buf, len), *end = buf + len;
    sr_pl_entry inf = {0}; /* what the last #EXTINF said about the next location */
    while (p < end) {
        const char *s;
        size_t n;
        p = next_line(p, end, &s, &n);
        if (!n) continue;
        if (n > SR_PL_MAX_FIELD + 64) {
            entry_free(&inf);
            FAIL(SR_PL_ELIMIT, "a line is too long", s - buf);
        }
        if (*s == '#') {
            if (starts_ci(s, n, "#EXTINF:")) {
                /* #EXTINF:<seconds>[ key="value" ...],<display> */
                const char *a = s + 8, *e = s + n;
                const char *comma = NULL;
                int quoted = 0;
                for (const char *q = a; q < e && !comma; q++) {
                    if (*q == '"')
                        quoted = !quoted;
                    else if (*q == ',' && !quoted)
                        comma = q;
                }
                const char *num_end = a;
                while (num_end < (comma ? comma : e) && !is_space(*num_end))
                    num_end++;
                entry_free(&inf);
                inf.duration_ms = seconds_ms(a, (size_t)(num_end - a));
                if (comma)
                    split_display(comma + 1, (size_t)(e - comma - 1), &inf.artist, &inf.title);
            } else if (starts_ci(s, n, "#PLAYLIST:")) {
                free(out->title);
                out->title = field_dup(s + 10, n - 10);
            }
            continue; /* any other '#' line is a comment (#EXTM3U, #EXTGRP, ...) */
        }
        if (n > SR_PL_MAX_FIELD) {
            entry_free(&inf);
            FAIL(SR_PL_ELIMIT, "a location is longer than 4096 bytes", s - buf);
        }
        inf.location = text_dup(s, n);
        inf.pos = (size_t)(s - buf);
        if (push(out, &inf)) {
            entry_free(&inf);
            FAIL(SR_PL_ELIMIT, "more than 10000 entries", s - buf);
        }
        memset(&inf, 0, sizeof inf);
    }
    entry_free(&inf); /* an #EXTINF with no location after it */
    return 0;
}

/* ---------- PLS ---------- */

enum { K_FILE, K_TITLE, K_LENGTH };

typedef struct pls_rec {
    long num;
    int key;
    size_t seq, pos;
    const char *val;
    size_t vlen;
} pls_rec;

static int pls_cmp(const void *a, const void *b)
{
    const pls_rec *x = a, *y = b;
    if (x->num != y->num) return x->num < y->num ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* "<prefix><N>" with N a positive decimal; returns N or 0. */
static long key_num(const char *k, size_t kn, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (kn <= pl || kn > pl + 9 || strncasecmp(k, prefix, pl)) return 0;
    long v = 0;
    for (size_t i = pl; i < kn; i++) {
        if (k[i] < '0' || k[i] > '9') return 0;
        v = v * 10 + (k[i] - '0');
    }
    return v;
}

int sr_playlist_parse_pls(const char *buf, size_t len, sr_playlist *out, sr_pl_err *err)
{
    if (!len) buf = ""; /* memchr and friends never see NULL */
    const char *nul = memchr(buf, 0, len);
    if (nul) FAIL(SR_PL_EBINARY, "a NUL byte: not a text playlist", nul - buf);
    const char *p = buf + bom_len(buf, len), *end = buf + len;
    pls_rec *recs = NULL;
    size_t nrec = 0, caprec = 0;
    int section = 0, seen = 0, any = 0; /* in [playlist] now; seen it; seen any section */
    int rc = 0;
    while (p < end && !rc) {
        const char *s;
        size_t n;
        p = next_line(p, end, &s, &n);
        if (!n || *s == ';' || *s == '#') continue;
        if (*s == '[') {
            if (s[n - 1] != ']') {
                rc = fail(err, out, SR_PL_ESYNTAX, "a section header without ']'",
                          (size_t)(s - buf));
                break;
            }
            const char *name = s + 1;
            size_t nn = n - 2;
            trim(&name, &nn);
            section = nn == 8 && !strncasecmp(name, "playlist", 8);
            seen |= section;
            any = 1;
            continue;
        }
        const char *eq = memchr(s, '=', n);
        if (!eq) {
            rc = fail(err, out, SR_PL_ESYNTAX, "a line that is not key=value", (size_t)(s - buf));
            break;
        }
        if (!any) {
            rc = fail(err, out, SR_PL_EFORMAT, "not a PLS file: no [playlist] section",
                      (size_t)(s - buf));
            break;
        }
        if (!section) continue; /* another section's keys */
        const char *k = s, *v = eq + 1;
        size_t kn = (size_t)(eq - s), vn = n - kn - 1;
        trim(&k, &kn);
        trim(&v, &vn);
        long num;
        int key;
        if ((num = key_num(k, kn, "File")))
            key = K_FILE;
        else if ((num = key_num(k, kn, "Title")))
            key = K_TITLE;
        else if ((num = key_num(k, kn, "Length")))
            key = K_LENGTH;
        else
            continue; /* NumberOfEntries, Version, ... */
        if (vn > SR_PL_MAX_FIELD) {
            rc = fail(err, out, SR_PL_ELIMIT, "a value is longer than 4096 bytes",
                      (size_t)(v - buf));
            break;
        }
        if (nrec == 4 * (size_t)SR_PL_MAX_ENTRIES) {
            rc = fail(err, out, SR_PL_ELIMIT, "more than 10000 entries", (size_t)(s - buf));
            break;
        }
        SR_XGROW(recs, caprec, nrec + 1);
        recs[nrec] = (pls_rec){num, key, nrec, (size_t)(s - buf), v, vn};
        nrec++;
    }
    if (!rc && !seen)
        rc = fail(err, out, SR_PL_EFORMAT, "not a PLS file: no [playlist] section", 0);
    if (rc) {
        free(recs);
        return rc;
    }
    if (nrec) qsort(recs, nrec, sizeof *recs, pls_cmp);
    for (size_t i = 0; i < nrec;) {
        size_t j = i;
        sr_pl_entry e = {0};
        const pls_rec *file = NULL;
        for (; j < nrec && recs[j].num == recs[i].num; j++) { /* the last of each key wins */
            const pls_rec *r = &recs[j];
            if (r->key == K_FILE && r->vlen) file = r;
            if (r->key == K_TITLE) {
                free(e.artist);
                free(e.title);
                split_display(r->val, r->vlen, &e.artist, &e.title);
            }
            if (r->key == K_LENGTH) e.duration_ms = seconds_ms(r->val, r->vlen);
        }
        i = j;
        if (!file) { /* a title or length without its file */
            entry_free(&e);
            continue;
        }
        e.location = text_dup(file->val, file->vlen);
        e.pos = file->pos;
        if (push(out, &e)) {
            entry_free(&e);
            free(recs);
            FAIL(SR_PL_ELIMIT, "more than 10000 entries", file->pos);
        }
    }
    free(recs);
    return 0;
}

/* ---------- XSPF ---------- */

typedef struct xbuf {
    char *s;
    size_t n, cap;
} xbuf;

static void xb_put(xbuf *b, const char *s, size_t n)
{
    SR_XGROW(b->s, b->cap, b->n + n + 1);
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

static int name_char(unsigned char c)
{
    return c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.' || c == ':';
}

/* Finds needle in [p, end); NULL when absent. */
static const char *find(const char *p, const char *end, const char *needle)
{
    size_t k = strlen(needle);
    for (; p + k <= end; p++)
        if (*p == *needle && !memcmp(p, needle, k)) return p;
    return NULL;
}

/* The local part of a (possibly prefixed) name. */
static void local_name(const char **s, size_t *n)
{
    const char *c = memchr(*s, ':', *n);
    if (c) {
        *n -= (size_t)(c + 1 - *s);
        *s = c + 1;
    }
}

static int name_is(const char *s, size_t n, const char *want)
{
    return n == strlen(want) && !memcmp(s, want, n);
}

/* Appends UTF-8 of code point cp; 0, or -1 when cp is not a character XML allows. */
static int put_cp(xbuf *b, unsigned long cp)
{
    char u[4];
    size_t k;
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return -1;
    if (cp < 0x80) {
        u[0] = (char)cp, k = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3F)), k = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F)), k = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18)), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), k = 4;
    }
    xb_put(b, u, k);
    return 0;
}

/* Decodes character data [p, end) (entities) onto b, or only checks it when b is NULL.
 * Returns NULL, or where a bad reference starts. */
static const char *decode_text(const char *p, const char *end, xbuf *b)
{
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if (b) xb_put(b, p, (size_t)(stop - p));
        if (!amp) break;
        const char *semi = memchr(amp, ';', (size_t)(end - amp));
        if (!semi || semi - amp > 12) return amp;
        const char *e = amp + 1;
        size_t en = (size_t)(semi - e);
        static const struct {
            const char *name, *text;
        } named[] = {{"lt", "<"}, {"gt", ">"}, {"amp", "&"}, {"quot", "\""}, {"apos", "'"}};
        int ok = 0;
        for (size_t i = 0; i < sizeof named / sizeof named[0] && !ok; i++)
            if (name_is(e, en, named[i].name)) {
                if (b) xb_put(b, named[i].text, 1);
                ok = 1;
            }
        if (!ok && en >= 2 && e[0] == '#') {
            int hex = e[1] == 'x';
            const char *d = e + 1 + hex;
            unsigned long cp = 0;
            ok = d < semi;
            for (; d < semi && ok; d++) {
                int v = *d >= '0' && *d <= '9'          ? *d - '0'
                        : hex && *d >= 'a' && *d <= 'f' ? *d - 'a' + 10
                        : hex && *d >= 'A' && *d <= 'F' ? *d - 'A' + 10
                                                        : -1;
                ok = v >= 0;
                cp = cp * (hex ? 16 : 10) + (unsigned long)(v < 0 ? 0 : v);
                if (cp > 0x10FFFF) ok = 0;
            }
            xbuf scratch = {0};
            if (ok) ok = put_cp(b ? b : &scratch, cp) == 0;
            free(scratch.s);
        }
        if (!ok) return amp;
        p = semi + 1;
    }
    return NULL;
}

enum { F_NONE, F_LOCATION, F_TITLE, F_CREATOR, F_ALBUM, F_DURATION, F_PL_TITLE };

int sr_playlist_parse_xspf(const char *buf, size_t len, sr_playlist *out, sr_pl_err *err)
{
    if (!len) buf = ""; /* memchr and friends never see NULL */
    const char *nul = memchr(buf, 0, len);
    if (nul) FAIL(SR_PL_EBINARY, "a NUL byte: not a text playlist", nul - buf);
    const char *p = buf + bom_len(buf, len), *end = buf + len;
    struct {
        const char *s;
        size_t n;
    } stack[SR_PL_MAX_DEPTH];
    int depth = 0, root_done = 0, field = F_NONE, track_depth = 0;
    sr_pl_entry cur = {0};
    xbuf text = {0};
    int rc = 0;
#define XFAIL(c, m, at)                                                                            \
    do {                                                                                           \
        rc = fail(err, out, (c), (m), (size_t)((at)-buf));                                         \
        goto done;                                                                                 \
    } while (0)
    while (p < end) {
        if (*p != '<') { /* character data */
            const char *lt = memchr(p, '<', (size_t)(end - p));
            const char *stop = lt ? lt : end;
            if (!depth) {
                for (const char *q = p; q < stop; q++)
                    if (!is_space(*q)) XFAIL(SR_PL_ESYNTAX, "text outside the root element", q);
            } else {
                const char *bad = decode_text(p, stop, field ? &text : NULL);
                if (bad) XFAIL(SR_PL_ESYNTAX, "a bad entity or character reference", bad);
                if (text.n > SR_PL_MAX_FIELD)
                    XFAIL(SR_PL_ELIMIT, "a value is longer than 4096 bytes", p);
            }
            p = stop;
            continue;
        }
        const char *tag = p;
        if (end - p >= 2 && p[1] == '?') { /* <?xml ...?> and processing instructions */
            const char *q = find(p + 2, end, "?>");
            if (!q) XFAIL(SR_PL_ESYNTAX, "an unterminated processing instruction", tag);
            p = q + 2;
            continue;
        }
        if (end - p >= 4 && !memcmp(p, "<!--", 4)) {
            const char *q = find(p + 4, end, "-->");
            if (!q) XFAIL(SR_PL_ESYNTAX, "an unterminated comment", tag);
            p = q + 3;
            continue;
        }
        if (end - p >= 9 && !memcmp(p, "<![CDATA[", 9)) {
            const char *q = find(p + 9, end, "]]>");
            if (!q) XFAIL(SR_PL_ESYNTAX, "an unterminated CDATA section", tag);
            if (!depth) XFAIL(SR_PL_ESYNTAX, "CDATA outside the root element", tag);
            if (field) xb_put(&text, p + 9, (size_t)(q - p - 9));
            if (text.n > SR_PL_MAX_FIELD)
                XFAIL(SR_PL_ELIMIT, "a value is longer than 4096 bytes", tag);
            p = q + 3;
            continue;
        }
        if (end - p >= 2 && p[1] == '!')
            XFAIL(SR_PL_ESYNTAX, "a DOCTYPE or declaration is not accepted", tag);
        int closing = end - p >= 2 && p[1] == '/';
        p += closing ? 2 : 1;
        const char *name = p;
        while (p < end && name_char((unsigned char)*p))
            p++;
        size_t nlen = (size_t)(p - name);
        if (!nlen) XFAIL(SR_PL_ESYNTAX, "a '<' that starts no element", tag);
        const char *ln = name;
        size_t lnn = nlen;
        local_name(&ln, &lnn);
        if (closing) {
            while (p < end && is_space(*p))
                p++;
            if (p >= end || *p != '>') XFAIL(SR_PL_ESYNTAX, "a closing tag without '>'", tag);
            p++;
            if (!depth || stack[depth - 1].n != nlen || memcmp(stack[depth - 1].s, name, nlen))
                XFAIL(SR_PL_ESYNTAX, "a closing tag that does not match", tag);
            if (field && depth == (field == F_PL_TITLE ? 2 : track_depth + 1)) {
                char *v = field_dup(text.s ? text.s : "", text.n);
                char **slot = field == F_LOCATION   ? &cur.location
                              : field == F_TITLE    ? &cur.title
                              : field == F_CREATOR  ? &cur.artist
                              : field == F_ALBUM    ? &cur.album
                              : field == F_PL_TITLE ? &out->title
                                                    : NULL;
                if (field == F_DURATION && v) {
                    char *e;
                    long long ms = strtoll(v, &e, 10);
                    cur.duration_ms = !*e && ms > 0 && ms < 1000000000000LL ? ms : 0;
                }
                if (slot && !*slot) { /* the first <location> of a track counts */
                    *slot = v;
                    v = NULL;
                }
                free(v);
                field = F_NONE;
                text.n = 0;
            } else if (track_depth && depth == track_depth) {
                if (cur.location) {
                    if (push(out, &cur)) {
                        entry_free(&cur);
                        XFAIL(SR_PL_ELIMIT, "more than 10000 entries", tag);
                    }
                    memset(&cur, 0, sizeof cur);
                } else {
                    entry_free(&cur); /* a track without a location names nothing playable */
                }
                track_depth = 0;
            }
            depth--;
            if (!depth) root_done = 1;
            continue;
        }
        /* a start tag and its attributes */
        int empty = 0;
        for (;;) {
            while (p < end && is_space(*p))
                p++;
            if (p >= end) XFAIL(SR_PL_ESYNTAX, "an unterminated tag", tag);
            if (*p == '>') {
                p++;
                break;
            }
            if (*p == '/' && p + 1 < end && p[1] == '>') {
                p += 2;
                empty = 1;
                break;
            }
            const char *an = p;
            while (p < end && name_char((unsigned char)*p))
                p++;
            if (p == an) XFAIL(SR_PL_ESYNTAX, "a bad attribute", an);
            while (p < end && is_space(*p))
                p++;
            if (p >= end || *p != '=') XFAIL(SR_PL_ESYNTAX, "an attribute without a value", an);
            p++;
            while (p < end && is_space(*p))
                p++;
            if (p >= end || (*p != '"' && *p != '\''))
                XFAIL(SR_PL_ESYNTAX, "an unquoted attribute value", p);
            const char *q = memchr(p + 1, *p, (size_t)(end - p - 1));
            if (!q) XFAIL(SR_PL_ESYNTAX, "an unterminated attribute value", p);
            if (memchr(p + 1, '<', (size_t)(q - p - 1)))
                XFAIL(SR_PL_ESYNTAX, "'<' in an attribute value", p);
            const char *bad = decode_text(p + 1, q, NULL);
            if (bad) XFAIL(SR_PL_ESYNTAX, "a bad entity or character reference", bad);
            p = q + 1;
        }
        if (root_done) XFAIL(SR_PL_ESYNTAX, "a second root element", tag);
        if (!depth && !name_is(ln, lnn, "playlist"))
            XFAIL(SR_PL_EFORMAT, "not an XSPF playlist: the root element is not <playlist>", tag);
        if (empty) {
            if (!depth) root_done = 1;
            continue;
        }
        if (depth == SR_PL_MAX_DEPTH) XFAIL(SR_PL_ELIMIT, "elements nested too deep", tag);
        stack[depth].s = name;
        stack[depth].n = nlen;
        depth++;
        /* playlist(1) / trackList(2) / track(3) / field(4); playlist(1) / title(2) */
        if (depth == 2 && name_is(ln, lnn, "title") && !field) {
            field = F_PL_TITLE;
            text.n = 0;
        } else if (depth == 3 && name_is(ln, lnn, "track")) {
            const char *pn = stack[1].s;
            size_t pnn = stack[1].n;
            local_name(&pn, &pnn);
            if (name_is(pn, pnn, "trackList")) {
                track_depth = depth;
                memset(&cur, 0, sizeof cur);
                cur.pos = (size_t)(tag - buf);
            }
        } else if (track_depth && depth == track_depth + 1 && !field) {
            field = name_is(ln, lnn, "location")   ? F_LOCATION
                    : name_is(ln, lnn, "title")    ? F_TITLE
                    : name_is(ln, lnn, "creator")  ? F_CREATOR
                    : name_is(ln, lnn, "album")    ? F_ALBUM
                    : name_is(ln, lnn, "duration") ? F_DURATION
                                                   : F_NONE;
            text.n = 0;
        }
    }
    if (depth || !root_done) XFAIL(SR_PL_ESYNTAX, "the document ends inside an element", end);
done:
#undef XFAIL
    entry_free(&cur);
    free(text.s);
    return rc;
}

/* ---------- detection ---------- */

sr_pl_format sr_playlist_format_parse(const char *name)
{
    if (!name) return SR_PL_AUTO;
    if (!strcasecmp(name, "m3u") || !strcasecmp(name, "m3u8")) return SR_PL_M3U;
    if (!strcasecmp(name, "pls")) return SR_PL_PLS;
    if (!strcasecmp(name, "xspf")) return SR_PL_XSPF;
    return SR_PL_AUTO;
}

const char *sr_playlist_format_name(sr_pl_format fmt)
{
    return fmt == SR_PL_PLS ? "pls" : fmt == SR_PL_XSPF ? "xspf" : "m3u";
}

sr_pl_format sr_playlist_detect(const char *buf, size_t len, const char *name)
{
    const char *dot = name ? strrchr(name, '.') : NULL;
    sr_pl_format f = dot ? sr_playlist_format_parse(dot + 1) : SR_PL_AUTO;
    if (f != SR_PL_AUTO) return f;
    if (!len) return SR_PL_M3U;
    const char *p = buf + bom_len(buf, len), *end = buf + len;
    while (p < end && is_space(*p))
        p++;
    if (p < end && *p == '<') return SR_PL_XSPF;
    while (p < end) {
        const char *s;
        size_t n;
        p = next_line(p, end, &s, &n);
        if (!n || *s == ';') continue;
        return n == 10 && !strncasecmp(s, "[playlist]", 10) ? SR_PL_PLS : SR_PL_M3U;
    }
    return SR_PL_M3U;
}

int sr_playlist_parse(sr_pl_format fmt, const char *buf, size_t len, sr_playlist *out,
                      sr_pl_err *err)
{
    if (fmt == SR_PL_AUTO) fmt = sr_playlist_detect(buf, len, NULL);
    if (fmt == SR_PL_PLS) return sr_playlist_parse_pls(buf, len, out, err);
    if (fmt == SR_PL_XSPF) return sr_playlist_parse_xspf(buf, len, out, err);
    return sr_playlist_parse_m3u(buf, len, out, err);
}
