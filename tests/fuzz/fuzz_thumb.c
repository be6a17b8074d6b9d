/* fuzz_thumb.c - libFuzzer driver for sr_thumb_square_jpeg() (src/source/thumb.c): the bytes of
 * an avatar upload, straight from anyone. Not part of make test. Build and run (about 60 s) from
 * the repository root:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc \
 *     tests/fuzz/fuzz_thumb.c src/source/thumb.c src/util/util.c src/util/log.c \
 *     -o build/fuzz_thumb $(pkg-config --libs libavcodec libavutil) -lm
 *   ./build/fuzz_thumb -max_total_time=60 -max_len=65536 -rss_limit_mb=2048 tests/fuzz/corpus/thumb
 * (libavcodec itself is Debian's uninstrumented build: this checks our side, the pixel
 * conversion, crop and scaling of whatever the decoders hand back.) Checks beyond "no crash":
 * success means a JPEG, failure means no output. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/log.h>

#include "source/thumb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) av_log_set_level(AV_LOG_QUIET), quiet = 1;
    unsigned char *out = NULL;
    size_t n = 0;
    int rc = sr_thumb_square_jpeg(data, size, 64, &out, &n);
    if (rc == 0 && (!out || n < 3 || memcmp(out, "\xff\xd8\xff", 3))) abort();
    if (rc != 0 && (out || n)) abort();
    free(out);
    return 0;
}
