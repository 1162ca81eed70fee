/* log: leveled, timestamped lines on stderr, safe from any thread.
 * PORTICO_LOG_LEVEL=debug|info|warn|error picks the threshold (default info). */
#ifndef PORTICO_LOG_H
#define PORTICO_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void log_init(const char *program);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int log_enabled(enum log_level level);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
