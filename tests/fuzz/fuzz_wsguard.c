/* fuzz_wsguard.c - libFuzzer driver for sr_wsguard_scan (src/net/wsguard.c), the frame-header
 * tracker that sees every byte a WebSocket client sends before lws does.
 *
 * Differential: the input is scanned whole and again in pieces (the first byte seeds where it
 * is cut, as reads would cut it). Both must find the same violation, leave the same state, and
 * the pieces let through at most the first header byte of the bad frame beyond the whole scan. */
#include <stdint.h>
#include <stdlib.h>

#include "net/wsguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    if (len < 1) return 0;
    unsigned seed = data[0];
    data++;
    len--;
    sr_wsguard_state whole = {.max = 300}, parts = {.max = 300}; /* a small limit, often reached */
    enum sr_ws_violation vw, vp = SR_WS_OK;
    size_t okw = sr_wsguard_scan(&whole, data, len, &vw);
    if (okw > len) abort();
    if (vw == SR_WS_OK && okw != len) abort();
    size_t at = 0, okp = 0;
    while (at < len) {
        seed = seed * 1103515245u + 12345u;
        size_t piece = 1 + (seed >> 16) % 64;
        if (piece > len - at) piece = len - at;
        enum sr_ws_violation v;
        size_t ok = sr_wsguard_scan(&parts, data + at, piece, &v);
        if (ok > piece) abort();
        okp += ok;
        if (v != SR_WS_OK) {
            vp = v;
            break;
        }
        if (ok != piece) abort();
        at += piece;
    }
    if (vp != vw) abort();
    /* a read may end inside the bad frame's header before it is known to be bad (up to 9
     * bytes of it, when the 64-bit length is what is too big): those bytes reach lws, which
     * waits for the rest that never comes */
    if (okp > okw + 9) abort();
    if (vw == SR_WS_OK && (whole.left != parts.left || whole.st != parts.st ||
                           whole.need != parts.need || whole.op != parts.op))
        abort();
    return 0;
}
