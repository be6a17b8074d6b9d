/* qrsvg.h - a QR code of a text as an SVG picture (libqrencode draws the modules). */
#ifndef SR_QRSVG_H
#define SR_QRSVG_H

#include <stddef.h>

/* The QR code of text (NUL-terminated, encoded as 8-bit bytes, error correction level M) as an
 * SVG document: one <path> of unit squares on a white square, with a quiet zone of four
 * modules, width and height scale pixels per module. Returns a malloc'd string the caller
 * frees and sets *len (may be NULL), or NULL when text is too long for a QR code or empty. */
char *sr_qr_svg(const char *text, int scale, size_t *len);

#endif
