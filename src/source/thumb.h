/* thumb.h - cover thumbnails: decode a JPEG or PNG with libavcodec, scale it down with an
 * area filter, encode a JPEG. */
#ifndef SR_THUMB_H
#define SR_THUMB_H

#include <stddef.h>

/* Scales the image in[0..len) to fit size x size (never up) and encodes it as a baseline
 * JPEG. On success returns 0 and *out is malloc'd (the caller frees it), *outlen its size.
 * Returns SR_EINVAL for data that is not a decodable JPEG/PNG or a size outside 16..1024,
 * SR_ENOMEM when libavcodec cannot allocate. Blocking CPU work: call off the service
 * thread. */
int sr_thumb_jpeg(const unsigned char *in, size_t len, int size, unsigned char **out,
                  size_t *outlen);

#endif
