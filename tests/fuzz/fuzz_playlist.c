/* fuzz_playlist.c - libFuzzer driver for the playlist parsers (src/source/playlist.c); the
 * parser is chosen at build time with -DPARSE=sr_playlist_parse_m3u (or _pls, _xspf).
 * Not part of make test; `make fuzz` builds and runs all three. By hand, from the root:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *     -DPARSE=sr_playlist_parse_m3u tests/fuzz/fuzz_playlist.c src/source/playlist.c \
 *     src/util/util.c src/util/log.c -o build/fuzz_playlist_m3u -lm
 *   ./build/fuzz_playlist_m3u -max_total_time=30 -max_len=8192 tests/fuzz/corpus/m3u
 * Checks beyond "no crash": every entry has a non-empty valid location within the limits, a
 * failure leaves the playlist empty, and error offsets lie inside the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "source/playlist.h"

#ifndef PARSE
#error "build with -DPARSE=sr_playlist_parse_m3u, _pls or _xspf"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sr_playlist pl = {0};
    sr_pl_err err = {0};
    int rc = PARSE((const char *)data, size, &pl, &err);
    if (rc) {
        if (pl.n || pl.v || err.code == SR_PL_OK || !err.msg || err.pos > size) abort();
        return 0;
    }
    if (pl.n > SR_PL_MAX_ENTRIES) abort();
    for (size_t i = 0; i < pl.n; i++) {
        const sr_pl_entry *e = &pl.v[i];
        if (!e->location || !*e->location || strlen(e->location) > 2 * SR_PL_MAX_FIELD) abort();
        if (e->duration_ms < 0 || e->pos >= size) abort();
    }
    sr_playlist_clear(&pl);
    return 0;
}
