/* log.h - structured (logfmt) logging to stderr. */
#ifndef SR_LOG_H
#define SR_LOG_H

enum sr_log_level { SR_LOG_DEBUG = 0, SR_LOG_INFO, SR_LOG_WARN, SR_LOG_ERROR };

/* Sets the lowest level printed (default SR_LOG_INFO). */
void sr_log_set_level(enum sr_log_level lvl);
/* Parses "debug|info|warn|error"; returns -1 when unknown. */
int sr_log_parse_level(const char *s);
/* Prints `ts=… level=… msg="msg" <fields>`; fields is a printf format producing logfmt pairs
 * (may be NULL). Thread-safe: one write(2) per line. */
void sr_log(enum sr_log_level lvl, const char *msg, const char *fields, ...)
    __attribute__((format(printf, 3, 4)));

#endif
