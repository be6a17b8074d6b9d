/* thumb.c - cover and avatar thumbnails with libavcodec (decode, encode) and a hand-written
 * area filter (libswscale is not among our link dependencies, and an area filter is all a
 * thumbnail needs). Re-encoding is also what makes an uploaded image safe to serve: only the
 * decoded pixels survive, never the uploader's bytes. */
#include "source/thumb.h"
#include "util/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libavcodec/avcodec.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>

/* The decoder for the image's magic bytes (the content decides, never a declared type). */
static enum AVCodecID sniff(const unsigned char *in, size_t len)
{
    if (len >= 3 && !memcmp(in, "\xff\xd8\xff", 3)) return AV_CODEC_ID_MJPEG;
    if (len >= 8 && !memcmp(in, "\x89PNG\r\n\x1a\n", 8)) return AV_CODEC_ID_PNG;
    if (len >= 12 && !memcmp(in, "RIFF", 4) && !memcmp(in + 8, "WEBP", 4)) return AV_CODEC_ID_WEBP;
    return AV_CODEC_ID_NONE;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A copy of the PNG in[0..len) with only what makes its pixels: IHDR, PLTE, tRNS, IDAT and
 * IEND. Every other chunk is ancillary (its first letter lower-case) and dropped unread:
 * libavcodec's decoder inflates zTXt, iTXt and iCCP in full, so 500 KiB of them cost a
 * gigabyte. Refuses (SR_EINVAL) a file that is not a sequence of whole chunks starting with
 * IHDR, an unknown critical chunk, and a header whose decoded picture would take more than
 * max_bytes or more than max_pixels: the frame is then the decode's one big
 * allocation (the rows it inflates IDAT into are one line each). On success *out is malloc'd
 * (the caller frees it) and 0 is returned. */
static int png_clean(const unsigned char *in, size_t len, int64_t max_pixels, int64_t max_bytes,
                     unsigned char **out, size_t *outlen)
{
    size_t pos = 8, n = 8;
    unsigned char *o = NULL;
    int seen_ihdr = 0;
    while (pos + 12 <= len) {
        uint32_t clen = be32(in + pos);
        const unsigned char *type = in + pos + 4;
        if (clen > len - pos - 12) goto bad; /* runs past the end */
        int keep = !memcmp(type, "IHDR", 4) || !memcmp(type, "PLTE", 4) ||
                   !memcmp(type, "tRNS", 4) || !memcmp(type, "IDAT", 4) || !memcmp(type, "IEND", 4);
        if (!seen_ihdr) {
            if (memcmp(type, "IHDR", 4) || clen != 13) goto bad;
            const unsigned char *d = in + pos + 8;
            int64_t w = be32(d), h = be32(d + 4);
            int depth = d[8], ctype = d[9];
            int channels = ctype == 0 || ctype == 3 ? 1 : ctype == 2 ? 3 : ctype == 4 ? 2 : 4;
            int64_t bytes = w * h * channels * (depth == 16 ? 2 : 1);
            if (w < 1 || h < 1 || w * h > max_pixels || bytes > max_bytes) goto bad;
            o = malloc(len);
            if (!o) return SR_ENOMEM;
            memcpy(o, in, 8);
            seen_ihdr = 1;
        } else if (!keep && !(type[0] & 0x20)) {
            goto bad; /* a critical chunk we do not know: the picture would be wrong */
        }
        if (keep) {
            memcpy(o + n, in + pos, (size_t)clen + 12);
            n += (size_t)clen + 12;
        }
        pos += (size_t)clen + 12;
        if (!memcmp(type, "IEND", 4)) break;
    }
    if (!seen_ihdr) goto bad;
    *out = o;
    *outlen = n;
    return 0;
bad:
    free(o);
    return SR_EINVAL;
}

/* Decodes one image packet. Returns a frame (av_frame_free it) or NULL. max_pixels bounds
 * width x height before the decoder allocates the picture, so a small file claiming huge
 * dimensions is refused instead of costing gigabytes. */
static AVFrame *decode(const unsigned char *in, size_t len, int64_t max_pixels)
{
    enum AVCodecID id = sniff(in, len);
    if (id == AV_CODEC_ID_NONE) return NULL;
    const AVCodec *codec = avcodec_find_decoder(id);
    AVCodecContext *cc = codec ? avcodec_alloc_context3(codec) : NULL;
    AVPacket *pkt = av_packet_alloc();
    AVFrame *fr = av_frame_alloc();
    uint8_t *buf = av_malloc(len + AV_INPUT_BUFFER_PADDING_SIZE);
    int ok = 0;
    if (cc) {
        cc->max_pixels = max_pixels;
        cc->thread_count = 1; /* we already run on a pool thread */
    }
    if (cc && pkt && fr && buf && avcodec_open2(cc, codec, NULL) == 0) {
        memcpy(buf, in, len);
        memset(buf + len, 0, AV_INPUT_BUFFER_PADDING_SIZE);
        if (av_packet_from_data(pkt, buf, (int)len) == 0) {
            buf = NULL; /* the packet owns it */
            ok = avcodec_send_packet(cc, pkt) == 0 && avcodec_receive_frame(cc, fr) == 0;
            if (!ok) { /* some decoders want the flush before they give the frame */
                avcodec_send_packet(cc, NULL);
                ok = avcodec_receive_frame(cc, fr) == 0;
            }
        }
    }
    av_free(buf);
    av_packet_free(&pkt);
    avcodec_free_context(&cc);
    if (!ok) av_frame_free(&fr);
    return fr;
}

static uint8_t clamp8(int v)
{
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* 1 for the decoded formats rgb_at() reads. */
static int format_known(enum AVPixelFormat fmt)
{
    switch (fmt) {
    case AV_PIX_FMT_RGB24:
    case AV_PIX_FMT_RGBA:
    case AV_PIX_FMT_ARGB:
    case AV_PIX_FMT_RGB48BE:
    case AV_PIX_FMT_RGBA64BE:
    case AV_PIX_FMT_GRAY8:
    case AV_PIX_FMT_YA8:
    case AV_PIX_FMT_PAL8:
    case AV_PIX_FMT_YUVJ420P:
    case AV_PIX_FMT_YUVJ422P:
    case AV_PIX_FMT_YUVJ444P:
    case AV_PIX_FMT_YUVJ440P:
    case AV_PIX_FMT_YUV420P:
    case AV_PIX_FMT_YUV422P:
    case AV_PIX_FMT_YUV444P:
    case AV_PIX_FMT_YUVA420P:
        return 1;
    default:
        return 0;
    }
}

/* The pixel at (x, y) of the frame (of a format_known() format) as RGB in o[0..2], what is
 * see-through shown over white. Read straight from the decoded frame, so no second copy of a
 * big picture is ever made. */
static void rgb_at(const AVFrame *f, int x, int y, uint8_t *o)
{
    enum AVPixelFormat fmt = f->format;
    int alpha = 255;
    switch (fmt) {
    case AV_PIX_FMT_RGB24:
        memcpy(o, f->data[0] + y * f->linesize[0] + 3 * x, 3);
        break;
    case AV_PIX_FMT_RGBA:
        memcpy(o, f->data[0] + y * f->linesize[0] + 4 * x, 3);
        alpha = f->data[0][y * f->linesize[0] + 4 * x + 3];
        break;
    case AV_PIX_FMT_ARGB: /* lossless WebP */
        memcpy(o, f->data[0] + y * f->linesize[0] + 4 * x + 1, 3);
        alpha = f->data[0][y * f->linesize[0] + 4 * x];
        break;
    case AV_PIX_FMT_RGB48BE: /* 16-bit PNG: keep the high bytes */
    case AV_PIX_FMT_RGBA64BE: {
        const uint8_t *p = f->data[0] + y * f->linesize[0] + (fmt == AV_PIX_FMT_RGB48BE ? 6 : 8) * x;
        o[0] = p[0], o[1] = p[2], o[2] = p[4];
        if (fmt == AV_PIX_FMT_RGBA64BE) alpha = p[6];
        break;
    }
    case AV_PIX_FMT_GRAY8:
        o[0] = o[1] = o[2] = f->data[0][y * f->linesize[0] + x];
        break;
    case AV_PIX_FMT_YA8:
        o[0] = o[1] = o[2] = f->data[0][y * f->linesize[0] + 2 * x];
        alpha = f->data[0][y * f->linesize[0] + 2 * x + 1];
        break;
    case AV_PIX_FMT_PAL8: {
        uint32_t c;
        memcpy(&c, f->data[1] + 4 * f->data[0][y * f->linesize[0] + x], 4);
        o[0] = (uint8_t)(c >> 16), o[1] = (uint8_t)(c >> 8), o[2] = (uint8_t)c;
        alpha = (uint8_t)(c >> 24);
        break;
    }
    default: { /* the YUV formats (format_known) */
        const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(fmt);
        int cx = x >> d->log2_chroma_w, cy = y >> d->log2_chroma_h;
        int Y = f->data[0][y * f->linesize[0] + x];
        int U = f->data[1][cy * f->linesize[1] + cx] - 128;
        int V = f->data[2][cy * f->linesize[2] + cx] - 128;
        if (fmt == AV_PIX_FMT_YUV420P || fmt == AV_PIX_FMT_YUV422P || fmt == AV_PIX_FMT_YUV444P ||
            fmt == AV_PIX_FMT_YUVA420P) { /* limited range */
            Y = (Y - 16) * 255 / 219;
            U = U * 255 / 224;
            V = V * 255 / 224;
        }
        o[0] = clamp8(Y + (1402 * V) / 1000);
        o[1] = clamp8(Y - (344 * U + 714 * V) / 1000);
        o[2] = clamp8(Y + (1772 * U) / 1000);
        if (fmt == AV_PIX_FMT_YUVA420P) alpha = f->data[3][y * f->linesize[3] + x];
        break;
    }
    }
    /* JPEG has no transparency: what is see-through is shown over white, not over whatever
     * colour the transparent pixels happen to hold (often black) */
    for (int c = 0; alpha < 255 && c < 3; c++)
        o[c] = (uint8_t)((o[c] * alpha + 255 * (255 - alpha) + 127) / 255);
}

/* Area-average scaling of the frame's sw x sh part at (x0, y0) to packed RGB dw x dh
 * (dw <= sw, dh <= sh). */
static void scale_area(const AVFrame *f, int x0, int y0, int sw, int sh, uint8_t *dst, int dw,
                       int dh)
{
    for (int y = 0; y < dh; y++) {
        int ya = (int)((int64_t)y * sh / dh), yb = (int)((int64_t)(y + 1) * sh / dh);
        if (yb <= ya) yb = ya + 1;
        for (int x = 0; x < dw; x++) {
            int xa = (int)((int64_t)x * sw / dw), xb = (int)((int64_t)(x + 1) * sw / dw);
            if (xb <= xa) xb = xa + 1;
            uint64_t acc[3] = {0, 0, 0}, n = 0;
            uint8_t px[3];
            for (int yy = ya; yy < yb; yy++)
                for (int xx = xa; xx < xb; xx++, n++) {
                    rgb_at(f, x0 + xx, y0 + yy, px);
                    for (int c = 0; c < 3; c++)
                        acc[c] += px[c];
                }
            for (int c = 0; c < 3; c++)
                dst[((size_t)y * (size_t)dw + (size_t)x) * 3 + (size_t)c] =
                    (uint8_t)((acc[c] + n / 2) / n);
        }
    }
}

/* Encodes packed RGB as a JPEG (full-range 4:4:4). */
static int encode_jpeg(const uint8_t *rgb, int w, int h, unsigned char **out, size_t *outlen)
{
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_MJPEG);
    AVCodecContext *cc = codec ? avcodec_alloc_context3(codec) : NULL;
    AVFrame *f = av_frame_alloc();
    AVPacket *pkt = av_packet_alloc();
    int rc = SR_ENOMEM;
    if (!cc || !f || !pkt) goto out;
    cc->width = w;
    cc->height = h;
    cc->pix_fmt = AV_PIX_FMT_YUVJ444P;
    cc->time_base = (AVRational){1, 25};
    cc->flags |= AV_CODEC_FLAG_QSCALE;
    cc->global_quality = FF_QP2LAMBDA * 3;
    cc->strict_std_compliance = FF_COMPLIANCE_UNOFFICIAL;
    if (avcodec_open2(cc, codec, NULL) < 0) goto out;
    f->format = AV_PIX_FMT_YUVJ444P;
    f->width = w;
    f->height = h;
    f->quality = cc->global_quality;
    f->pict_type = AV_PICTURE_TYPE_I;
    if (av_frame_get_buffer(f, 0) < 0) goto out;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            const uint8_t *p = rgb + ((size_t)y * (size_t)w + (size_t)x) * 3;
            int R = p[0], G = p[1], B = p[2];
            f->data[0][y * f->linesize[0] + x] = clamp8((299 * R + 587 * G + 114 * B + 500) / 1000);
            f->data[1][y * f->linesize[1] + x] =
                clamp8(128 + (-169 * R - 331 * G + 500 * B) / 1000);
            f->data[2][y * f->linesize[2] + x] = clamp8(128 + (500 * R - 419 * G - 81 * B) / 1000);
        }
    rc = SR_EINVAL;
    if (avcodec_send_frame(cc, f) < 0 || avcodec_send_frame(cc, NULL) < 0) goto out;
    if (avcodec_receive_packet(cc, pkt) < 0) goto out;
    *out = sr_xmalloc((size_t)pkt->size);
    memcpy(*out, pkt->data, (size_t)pkt->size);
    *outlen = (size_t)pkt->size;
    rc = 0;
out:
    av_packet_free(&pkt);
    av_frame_free(&f);
    avcodec_free_context(&cc);
    return rc;
}

/* The whole pipeline: decode (at most max_pixels), crop the centre square when square,
 * scale to fit size x size (never up), encode a JPEG. */
static int thumb(const unsigned char *in, size_t len, int size, int square, int64_t max_pixels,
                 int64_t max_bytes, unsigned char **out, size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    if (!in || len == 0 || len > INT32_MAX || size < 16 || size > 1024) return SR_EINVAL;
    unsigned char *clean = NULL; /* a PNG without its ancillary chunks */
    size_t clean_len = 0;
    if (sniff(in, len) == AV_CODEC_ID_PNG) {
        int rc = png_clean(in, len, max_pixels, max_bytes, &clean, &clean_len);
        if (rc) return rc;
        in = clean, len = clean_len;
    }
    AVFrame *f = decode(in, len, max_pixels);
    free(clean);
    if (!f) return SR_EINVAL;
    int w = f->width, h = f->height;
    if (w <= 0 || h <= 0 || (int64_t)w * h > max_pixels || !format_known(f->format)) {
        av_frame_free(&f);
        return SR_EINVAL;
    }
    int x0 = 0, y0 = 0, cw = w, ch = h; /* the part of the picture kept */
    if (square && w != h) {
        cw = ch = w < h ? w : h;
        x0 = (w - cw) / 2, y0 = (h - ch) / 2;
    }
    int dw = cw, dh = ch;
    if (cw > size || ch > size) {
        if (cw >= ch)
            dw = size, dh = (int)((int64_t)ch * size / cw);
        else
            dh = size, dw = (int)((int64_t)cw * size / ch);
        if (dw < 1) dw = 1;
        if (dh < 1) dh = 1;
    }
    uint8_t *small = sr_xmalloc((size_t)dw * (size_t)dh * 3);
    scale_area(f, x0, y0, cw, ch, small, dw, dh);
    av_frame_free(&f);
    int rc = encode_jpeg(small, dw, dh, out, outlen);
    free(small);
    return rc;
}

int sr_thumb_jpeg(const unsigned char *in, size_t len, int size, unsigned char **out,
                  size_t *outlen)
{
    return thumb(in, len, size, 0, SR_COVER_MAX_PIXELS, SR_COVER_MAX_PIXELS * 8, out, outlen);
}

int sr_thumb_square_jpeg(const unsigned char *in, size_t len, int size, unsigned char **out,
                         size_t *outlen)
{
    return thumb(in, len, size, 1, SR_AVATAR_MAX_PIXELS, SR_AVATAR_MAX_BYTES, out, outlen);
}
