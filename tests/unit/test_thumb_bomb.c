/* test_thumb_bomb.c - regression: an avatar decompression bomb (a 1 x 1 PNG of ~500 KiB whose
 * zTXt or iCCP chunk inflates to 512 MiB) was inflated in full by libavcodec's PNG decoder.
 * The thumbnailer now drops ancillary chunks before decoding and bounds the decoded picture,
 * so a decode costs at most 64 MiB. The bombs are built here with the zlib libavcodec links. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <libavutil/log.h>

#include "source/thumb.h"
#include "util/util.h"

/* zlib is loaded with libavcodec, not linked into the test: its entry points by name */
typedef int (*deflate_init_fn)(z_streamp, int, const char *, int);
typedef int (*deflate_fn)(z_streamp, int);
typedef int (*deflate_end_fn)(z_streamp);
typedef uLong (*crc32_fn)(uLong, const Bytef *, uInt);

static void *zsym(const char *name)
{
    void *p = dlsym(RTLD_DEFAULT, name);
    if (!p) {
        void *lib = dlopen("libz.so.1", RTLD_NOW);
        p = lib ? dlsym(lib, name) : NULL;
    }
    assert_non_null(p);
    return p;
}

typedef struct buf {
    unsigned char *p;
    size_t n, cap;
} buf;

static void put(buf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
    }
    if (n) memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void put32(buf *b, uint32_t v)
{
    unsigned char d[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};
    put(b, d, 4);
}

static void chunk(buf *b, const char *type, const unsigned char *data, size_t n)
{
    crc32_fn crc = (crc32_fn)zsym("crc32");
    put32(b, (uint32_t)n);
    put(b, type, 4);
    put(b, data, n);
    uLong c = crc(0, (const Bytef *)type, 4);
    if (n) c = crc(c, data, (uInt)n);
    put32(b, (uint32_t)c);
}

/* A zlib stream of `zeros` zero bytes, deflated at level 9 (about 1:1000). */
static void zeros_deflated(buf *out, size_t zeros)
{
    deflate_init_fn init = (deflate_init_fn)zsym("deflateInit_");
    deflate_fn def = (deflate_fn)zsym("deflate");
    deflate_end_fn end = (deflate_end_fn)zsym("deflateEnd");
    static unsigned char in[1 << 20], o[1 << 16];
    z_stream z = {0};
    assert_int_equal(init(&z, 9, ZLIB_VERSION, (int)sizeof z), Z_OK);
    size_t left = zeros;
    int flush;
    do {
        size_t take = left < sizeof in ? left : sizeof in;
        left -= take;
        flush = left ? Z_NO_FLUSH : Z_FINISH;
        z.next_in = in;
        z.avail_in = (uInt)take;
        do {
            z.next_out = o;
            z.avail_out = sizeof o;
            def(&z, flush);
            put(out, o, sizeof o - z.avail_out);
        } while (z.avail_out == 0);
    } while (flush != Z_FINISH);
    end(&z);
}

/* A 1 x 1 RGB PNG, with an extra chunk of the given type before its IDAT. */
static buf png_with(const char *type, const unsigned char *extra, size_t n)
{
    buf b = {0};
    put(&b, "\x89PNG\r\n\x1a\n", 8);
    const unsigned char ihdr[13] = {0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0};
    chunk(&b, "IHDR", ihdr, sizeof ihdr);
    if (type) chunk(&b, type, extra, n);
    buf idat = {0};
    const unsigned char row[4] = {0, 0x20, 0x40, 0x60}; /* filter 0, one dark blue pixel */
    deflate_init_fn init = (deflate_init_fn)zsym("deflateInit_");
    deflate_fn def = (deflate_fn)zsym("deflate");
    deflate_end_fn end = (deflate_end_fn)zsym("deflateEnd");
    unsigned char o[64];
    z_stream z = {.next_in = (Bytef *)row, .avail_in = sizeof row, .next_out = o, .avail_out = sizeof o};
    assert_int_equal(init(&z, 9, ZLIB_VERSION, (int)sizeof z), Z_OK);
    assert_int_equal(def(&z, Z_FINISH), Z_STREAM_END);
    put(&idat, o, sizeof o - z.avail_out);
    end(&z);
    chunk(&b, "IDAT", idat.p, idat.n);
    chunk(&b, "IEND", NULL, 0);
    free(idat.p);
    return b;
}

/* keyword NUL, compression method 0, then a zlib stream of `zeros` zeros: zTXt and iCCP alike */
static buf bomb_payload(const char *keyword, size_t zeros)
{
    buf p = {0};
    put(&p, keyword, strlen(keyword) + 1);
    put(&p, "\0", 1);
    zeros_deflated(&p, zeros);
    return p;
}

static long maxrss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* The thumbnailer on png in a child process (the peak of resident memory is a high-water mark
 * per process): its result, and how much that peak grew, in KiB. */
static int thumb_in_child(const buf *png, long *grew)
{
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        long before = maxrss_kib();
        unsigned char *out = NULL;
        size_t outlen = 0;
        long r[2];
        r[0] = sr_thumb_square_jpeg(png->p, png->n, 256, &out, &outlen);
        r[1] = maxrss_kib() - before;
        if (r[0] == 0 && outlen == 0) r[0] = -100;
        if (write(fd[1], r, sizeof r) != (ssize_t)sizeof r) _exit(1);
        _exit(0);
    }
    close(fd[1]);
    long r[2] = {-1000, 0};
    assert_int_equal(read(fd[0], r, sizeof r), (ssize_t)sizeof r);
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    *grew = r[1];
    return (int)r[0];
}

#define BOMB_ZEROS ((size_t)512 << 20) /* inflates to 512 MiB */
#define BOUND_KIB (64L * 1024)         /* what one decode may cost */

/* Decodes the bomb: refused or decoded, never with more than 64 MiB more memory. */
static void bomb_decodes_bounded(const char *type, const char *keyword)
{
    buf payload = bomb_payload(keyword, BOMB_ZEROS);
    buf png = png_with(type, payload.p, payload.n);
    print_message("%s bomb: %zu bytes of file, %zu MiB inflated\n", type, png.n, BOMB_ZEROS >> 20);
    assert_true(png.n < 2 << 20); /* within the avatar upload limit */
    long grew;
    int rc = thumb_in_child(&png, &grew);
    print_message("%s bomb: rc=%d, max RSS grew %ld KiB\n", type, rc, grew);
    assert_true(grew < BOUND_KIB);
    assert_true(rc == 0 || rc == SR_EINVAL); /* the pixel may survive, the text does not */
    free(payload.p);
    free(png.p);
}

static void test_ztxt_bomb_bounded(void **state)
{
    (void)state;
    bomb_decodes_bounded("zTXt", "Comment");
}

static void test_iccp_bomb_bounded(void **state)
{
    (void)state;
    bomb_decodes_bounded("iCCP", "icc");
}

/* An ordinary PNG with text chunks still decodes: ancillary chunks are skipped, not refused. */
static void test_png_with_text_decodes(void **state)
{
    (void)state;
    const char text[] = "Software\0made by hand";
    buf png = png_with("tEXt", (const unsigned char *)text, sizeof text - 1);
    unsigned char *out = NULL;
    size_t outlen = 0;
    assert_int_equal(sr_thumb_square_jpeg(png.p, png.n, 256, &out, &outlen), 0);
    assert_true(outlen > 100);
    free(out);
    free(png.p);
    /* and a plain one */
    png = png_with(NULL, NULL, 0);
    assert_int_equal(sr_thumb_square_jpeg(png.p, png.n, 256, &out, &outlen), 0);
    free(out);
    free(png.p);
}

/* A header whose decoded picture would take more than 64 MiB (4096 x 4096 at 16 bits per
 * sample, RGBA: 128 MiB) is refused before decoding; a chunk running past the end, or a
 * first chunk that is not IHDR, is refused too. */
static void test_png_header_bounds(void **state)
{
    (void)state;
    buf png = png_with(NULL, NULL, 0);
    unsigned char *out = NULL;
    size_t outlen = 0;
    /* IHDR data starts at 16: width, height, depth, colour type */
    const unsigned char big[10] = {0, 0, 0x10, 0, 0, 0, 0x10, 0, 16, 6};
    memcpy(png.p + 16, big, sizeof big);
    crc32_fn crc = (crc32_fn)zsym("crc32");
    uLong c = crc(0, png.p + 12, 17);
    png.p[29] = (unsigned char)(c >> 24), png.p[30] = (unsigned char)(c >> 16);
    png.p[31] = (unsigned char)(c >> 8), png.p[32] = (unsigned char)c;
    long grew;
    assert_int_equal(thumb_in_child(&png, &grew), SR_EINVAL);
    print_message("4096 x 4096 RGBA 16-bit header: max RSS grew %ld KiB\n", grew);
    assert_true(grew < BOUND_KIB);
    free(png.p);

    png = png_with(NULL, NULL, 0);
    png.p[33 + 3] = 0xff; /* IDAT's length low byte: past the end of the file */
    assert_int_equal(sr_thumb_square_jpeg(png.p, png.n, 256, &out, &outlen), SR_EINVAL);
    memcpy(png.p + 12, "tEXt", 4); /* no IHDR first */
    assert_int_equal(sr_thumb_square_jpeg(png.p, png.n, 256, &out, &outlen), SR_EINVAL);
    free(png.p);
}

int main(void)
{
    av_log_set_level(AV_LOG_QUIET);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ztxt_bomb_bounded),
        cmocka_unit_test(test_iccp_bomb_bounded),
        cmocka_unit_test(test_png_with_text_decodes),
        cmocka_unit_test(test_png_header_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
