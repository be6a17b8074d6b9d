/* fuzz_proto.c - libFuzzer driver for the client-message decoder (src/proto/proto.c): every
 * byte string a WebSocket client can send goes through sr_proto_decode.
 *
 * Build and run (not part of `make test`; `make fuzz` builds and runs every driver):
 *   clang -std=c11 -D_GNU_SOURCE -Isrc -g -O1 -fsanitize=fuzzer,address,undefined \
 *     -fno-sanitize-recover=all tests/fuzz/fuzz_proto.c src/proto/proto.c \
 *     src/util/util.c src/util/log.c -ljansson -o build/fuzz_proto
 *   ./build/fuzz_proto -max_total_time=60 -max_len=4096 tests/fuzz/corpus/proto
 *
 * Checks the decoder's contract: it answers 0 or -1; on -1 the error code is a protocol
 * error code and the message a terminated string, and the error reply encodes as JSON; on 0
 * the type is known and the strings it hands out are at least as long as it says. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

/* a borrowed string with a length: the length may leave out trimmed blanks, never more */
static void check_text(const char *s, size_t n)
{
    if (s && strlen(s) < n) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
    sr_cmsg m;
    sr_perr err;
    memset(&err, 0, sizeof err);
    int rc = sr_proto_decode((const char *)data, len, &m, &err);
    if (rc != 0 && rc != -1) abort();
    if (rc) {
        if (!err.code || !*err.code || memchr(err.message, 0, sizeof err.message) == NULL) abort();
        /* the error reply a client gets must always encode */
        char *out = sr_proto_dump(sr_proto_error(err.code, err.message, m.ref));
        json_error_t je;
        json_t *back = json_loads(out, 0, &je);
        if (!back) abort();
        json_decref(back);
        free(out);
    } else {
        if (m.type > SR_C_LIKE) abort();
        if (m.type == SR_C_CHAT) {
            check_text(m.text, m.text_len);
            if (m.text_len > SR_MAX_CHAT * 4) abort(); /* at most 500 characters of UTF-8 */
        }
        if (m.type == SR_C_HELLO && m.name) check_text(m.name, m.name_len);
        if (m.q && strlen(m.q) > SR_MAX_QUERY) abort();
    }
    sr_cmsg_free(&m);
    return 0;
}
