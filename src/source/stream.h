/* stream.h - the "stream" source: HTTP audio streams and internet radio as tracks. A stream
 * track's reference is its URL; the server never fetches it (listeners' players do), so all
 * the server does is check what it is given. Pure functions. */
#ifndef SR_STREAM_H
#define SR_STREAM_H

#include <stddef.h>

#define SR_STREAM_URL_MAX 2048 /* bytes */
#define SR_STREAM_TEXT_MAX 200 /* characters of a title or artist */

/* Checks that url[0..len) is an absolute http:// or https:// URL a browser can play: at most
 * SR_STREAM_URL_MAX bytes of printable ASCII (no spaces or controls), a host, no user:password@
 * (every listener would see it), an optional numeric port 1-65535. Returns 0, or SR_EINVAL
 * with *why set to a static reason. */
int sr_stream_url_check(const char *url, size_t len, const char **why);

/* Checks a title or artist given for a stream: valid UTF-8 of 1..SR_STREAM_TEXT_MAX characters
 * without control characters. Returns 0, or SR_EINVAL with *why set. */
int sr_stream_text_check(const char *s, size_t len, const char **why);

/* A display title for a stream without one: the URL's host and path (no scheme, query or
 * fragment), e.g. "radio.example:8000/live". Returns a malloc'd string. */
char *sr_stream_default_title(const char *url);

#endif
