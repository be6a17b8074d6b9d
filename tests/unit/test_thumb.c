/* test_thumb.c - unit tests for the thumbnailer (src/source/thumb.c): square avatars of a tiny
 * PNG, and refusal (never a crash) of what is not an image, truncated files and pictures over
 * the pixel bound. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libavutil/log.h>

#include "source/thumb.h"
#include "util/util.h"

/* A 40 x 20 RGB PNG (left half red, right half blue), made with Python's zlib. */
static const unsigned char png40x20[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x14, 0x08, 0x02, 0x00, 0x00, 0x00, 0x70, 0x24, 0xe8,
    0xec, 0x00, 0x00, 0x00, 0x27, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0xf8, 0xcf, 0xc0, 0x40,
    0x36, 0xa2, 0x40, 0xeb, 0x7f, 0x86, 0x51, 0x8b, 0x47, 0x2d, 0x1e, 0xb5, 0x78, 0xd4, 0xe2, 0x51,
    0x8b, 0x47, 0x2d, 0x1e, 0xb5, 0x78, 0xd4, 0xe2, 0x91, 0x63, 0x31, 0x00, 0x60, 0xed, 0x1d, 0x0e,
    0xd5, 0xd6, 0x4e, 0xd7, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82};

/* width and height from a JPEG's baseline frame header (SOF0), or -1. */
static void jpeg_dims(const unsigned char *j, size_t n, int *w, int *h)
{
    *w = *h = -1;
    for (size_t i = 2; i + 9 < n; i++)
        if (j[i] == 0xff && j[i + 1] == 0xc0) {
            *h = j[i + 5] << 8 | j[i + 6];
            *w = j[i + 7] << 8 | j[i + 8];
            return;
        }
}

static uint32_t crc32(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xffffffffu;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

static void square_of_a_wide_png(void **state)
{
    (void)state;
    unsigned char *out;
    size_t n;
    int w, h;
    assert_int_equal(sr_thumb_square_jpeg(png40x20, sizeof png40x20, 256, &out, &n), 0);
    assert_true(n > 3 && !memcmp(out, "\xff\xd8\xff", 3));
    jpeg_dims(out, n, &w, &h);
    assert_int_equal(w, 20); /* the centre square, not scaled up */
    assert_int_equal(h, 20);
    free(out);
    assert_int_equal(sr_thumb_square_jpeg(png40x20, sizeof png40x20, 16, &out, &n), 0);
    jpeg_dims(out, n, &w, &h);
    assert_int_equal(w, 16);
    assert_int_equal(h, 16);
    free(out);
    /* covers keep their shape */
    assert_int_equal(sr_thumb_jpeg(png40x20, sizeof png40x20, 16, &out, &n), 0);
    jpeg_dims(out, n, &w, &h);
    assert_int_equal(w, 16);
    assert_int_equal(h, 8);
    free(out);
}

static void refuses_what_is_not_an_image(void **state)
{
    (void)state;
    unsigned char *out = (unsigned char *)"x";
    size_t n = 7;
    static const char *const junk[] = {"<!doctype html><script>alert(1)</script>",
                                       "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
                                       "RIFF\x10\0\0\0WEBPVP8 ", "\xff\xd8\xff", "GIF89a"};
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        assert_int_equal(
            sr_thumb_square_jpeg((const unsigned char *)junk[i], strlen(junk[i]), 256, &out, &n),
            SR_EINVAL);
        assert_null(out);
        assert_int_equal(n, 0);
    }
    assert_int_equal(sr_thumb_square_jpeg(NULL, 0, 256, &out, &n), SR_EINVAL);
    assert_int_equal(sr_thumb_square_jpeg(png40x20, 0, 256, &out, &n), SR_EINVAL);
    assert_int_equal(sr_thumb_square_jpeg(png40x20, sizeof png40x20, 8, &out, &n), SR_EINVAL);
}

/* Every truncation of a valid file: an error or a thumbnail, never a crash or a leak (run
 * under ASan by make asan). */
static void every_truncation_is_safe(void **state)
{
    (void)state;
    for (size_t len = 0; len < sizeof png40x20; len++) {
        unsigned char *in = malloc(len ? len : 1), *out = NULL;
        memcpy(in, png40x20, len);
        size_t n = 0;
        int rc = sr_thumb_square_jpeg(in, len, 64, &out, &n);
        assert_true(rc == 0 || rc == SR_EINVAL);
        assert_true(rc == 0 ? out != NULL && n > 0 : out == NULL);
        free(out);
        free(in);
    }
}

/* A header claiming 60000 x 60000 (with a valid checksum) is refused before anything is
 * allocated for it. */
static void refuses_over_the_pixel_bound(void **state)
{
    (void)state;
    unsigned char big[sizeof png40x20];
    memcpy(big, png40x20, sizeof big);
    put32(big + 16, 60000);
    put32(big + 20, 60000);
    put32(big + 29, crc32(big + 12, 17)); /* "IHDR" and its 13 bytes */
    unsigned char *out;
    size_t n;
    assert_int_equal(sr_thumb_square_jpeg(big, sizeof big, 256, &out, &n), SR_EINVAL);
    put32(big + 16, 4097); /* 4097 x 4097: just over the avatar bound */
    put32(big + 20, 4097);
    put32(big + 29, crc32(big + 12, 17));
    assert_int_equal(sr_thumb_square_jpeg(big, sizeof big, 256, &out, &n), SR_EINVAL);
}

int main(void)
{
    av_log_set_level(AV_LOG_QUIET); /* the refusals are expected; the server is quiet too */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(square_of_a_wide_png),
        cmocka_unit_test(refuses_what_is_not_an_image),
        cmocka_unit_test(every_truncation_is_safe),
        cmocka_unit_test(refuses_over_the_pixel_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
