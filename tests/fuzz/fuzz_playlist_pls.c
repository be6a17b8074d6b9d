/* fuzz_playlist_pls.c - libFuzzer driver for sr_playlist_parse_pls() (src/source/playlist.c).
 * Not part of make test. Build and run (about 30 s) from the repository root:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *     tests/fuzz/fuzz_playlist_pls.c src/source/playlist.c src/util/util.c src/util/log.c \
 *     -o build/fuzz_playlist_pls -lm
 *   ./build/fuzz_playlist_pls -max_total_time=30 -max_len=8192 tests/fuzz/corpus/pls
 * Checks beyond "no crash": every entry has a non-empty valid location within the limits, a
 * failure leaves the playlist empty, and error offsets lie inside the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "source/playlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sr_playlist pl = {0};
    sr_pl_err err = {0};
    int rc = sr_playlist_parse_pls((const char *)data, size, &pl, &err);
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
