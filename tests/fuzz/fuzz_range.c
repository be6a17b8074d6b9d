/* fuzz_range.c - libFuzzer driver for sr_range_parse (src/net/range.c).
 *
 * Build and run (not part of `make test`):
 *   clang -std=c11 -D_GNU_SOURCE -Isrc -g -O1 -fsanitize=fuzzer,address,undefined \
 *         -fno-sanitize-recover=all tests/fuzz/fuzz_range.c src/net/range.c -o build/fuzz_range
 *   ./build/fuzz_range -max_total_time=60 -max_len=256
 *
 * Input: the first 8 bytes pick the entity size, the rest is the header value. The driver
 * checks the contract's invariants, so a violation aborts with a stack trace. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/range.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    int64_t size = 0, start, end;
    uint64_t raw = 0;
    char *hdr;
    int r;

    if (len >= 8) {
        memcpy(&raw, data, 8);
        data += 8;
        len -= 8;
    }
    /* mostly small sizes, where the edge cases live; sometimes huge ones */
    size = (raw & 1) ? (int64_t)(raw >> 1) : (int64_t)((raw >> 1) % 4096);

    hdr = malloc(len + 1);
    if (!hdr) return 0;
    memcpy(hdr, data, len);
    hdr[len] = '\0';

    r = sr_range_parse(hdr, size, &start, &end);
    switch (r) {
    case SR_RANGE_PARTIAL:
        if (!(size > 0 && start >= 0 && start <= end && end < size)) abort();
        break;
    case SR_RANGE_UNSATISFIABLE:
        if (size > 0 && strchr(hdr, '-') == NULL) abort();
        break;
    case SR_RANGE_NONE:
        if (size > 0 && (start != 0 || end != size - 1)) abort();
        break;
    default:
        abort();
    }
    /* the absent header is never a range */
    if (sr_range_parse(NULL, size, &start, &end) != SR_RANGE_NONE) abort();
    free(hdr);
    return 0;
}
