/* thumb.h - cover and avatar thumbnails: decode a JPEG, PNG or WebP with libavcodec, scale it
 * down with an area filter, encode a JPEG. */
#ifndef SR_THUMB_H
#define SR_THUMB_H

#include <stddef.h>

/* The largest picture decoded (width x height): 8192 x 8192 for covers (from the operator's
 * own library), 4096 x 4096 for avatars (from anyone). The decoder refuses bigger ones before
 * allocating, so a few bytes claiming 60000 x 60000 pixels cost nothing. */
#define SR_COVER_MAX_PIXELS (8192LL * 8192)
#define SR_AVATAR_MAX_PIXELS (4096LL * 4096)
/* The most an avatar PNG's decoded picture may take (width x height x bytes per pixel):
 * 64 MiB, so a 4096 x 4096 RGBA picture at 8 bits per sample and no bigger. The picture is
 * scaled straight from the decoder's frame, so that is what one decode costs. Every PNG's
 * ancillary chunks (text, colour profiles) are dropped unread before decoding: compressed
 * ones inflate without bound in libavcodec. */
#define SR_AVATAR_MAX_BYTES (64LL << 20)

/* Scales the image in[0..len) to fit size x size (never up) and encodes it as a baseline
 * JPEG. The format is told by the bytes (JPEG, PNG, WebP), never by a declared type. On
 * success returns 0 and *out is malloc'd (the caller frees it), *outlen its size. Returns
 * SR_EINVAL for data that is not a decodable JPEG/PNG/WebP of at most SR_COVER_MAX_PIXELS or
 * a size outside 16..1024, SR_ENOMEM when libavcodec cannot allocate. Blocking CPU work: call
 * off the service thread. */
int sr_thumb_jpeg(const unsigned char *in, size_t len, int size, unsigned char **out,
                  size_t *outlen);

/* The same, cropped to the centre square first, at most SR_AVATAR_MAX_PIXELS and a PNG at most
 * SR_AVATAR_MAX_BYTES decoded (avatars). */
int sr_thumb_square_jpeg(const unsigned char *in, size_t len, int size, unsigned char **out,
                         size_t *outlen);

#endif
