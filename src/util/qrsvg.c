/* qrsvg.c - a QR code of a text as an SVG picture: libqrencode's modules as one path. */
#include "util/qrsvg.h"
#include "util/alloc.h"

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUIET 4

/* Appends to a growing string (aborts on out-of-memory, as sr_x* do). */
typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *s, size_t len)
{
    if (b->n + len + 1 > b->cap) {
        while (b->n + len + 1 > b->cap)
            b->cap = b->cap ? b->cap * 2 : 1024;
        b->p = sr_xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = 0;
}

char *sr_qr_svg(const char *text, int scale, size_t *len)
{
    if (!text || !*text) return NULL;
    QRcode *qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_M);
    if (!qr) return NULL;
    int w = qr->width, n = w + 2 * QUIET;
    if (scale < 1) scale = 1;
    sbuf b = {0};
    char t[160];
    int k = snprintf(t, sizeof t,
                     "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
                     "height=\"%d\" shape-rendering=\"crispEdges\">",
                     n, n, n * scale, n * scale);
    put(&b, t, (size_t)k);
    k = snprintf(t, sizeof t, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
                 n, n);
    put(&b, t, (size_t)k);
    for (int y = 0; y < w; y++) {
        for (int x = 0; x < w;) {
            if (!(qr->data[y * w + x] & 1)) {
                x++;
                continue;
            }
            int run = 1; /* a run of dark modules on this row is one rectangle */
            while (x + run < w && (qr->data[y * w + x + run] & 1))
                run++;
            k = snprintf(t, sizeof t, "M%d %dh%dv1h-%dz", x + QUIET, y + QUIET, run, run);
            put(&b, t, (size_t)k);
            x += run;
        }
    }
    put(&b, "\"/></svg>\n", 10);
    QRcode_free(qr);
    if (len) *len = b.n;
    return b.p;
}
