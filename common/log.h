/* SPDX-License-Identifier: GPL-2.0-or-later
 * log.h - leveled logging to stderr, shared by the supervisor and the library
 */
#ifndef B4NS_LOG_H
#define B4NS_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

extern enum log_level log_level;

/**
 * log_msg() - print one message if @lvl is enabled
 * @lvl:	severity
 * @fmt:	printf format
 */
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * log_level_parse() - turn "error", "warn", "info" or "debug" into a level
 * @s:		level name
 * @out:	level on success
 *
 * Return: 0, or -EINVAL for an unknown name
 */
int log_level_parse(const char *s, enum log_level *out);


#define log_enabled(lvl) ((lvl) <= log_level)
#define b4_err(...)   log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define b4_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define b4_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define b4_debug(...)                                        \
	do {                                                 \
		if (log_enabled(LOG_LVL_DEBUG))              \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__); \
	} while (0)

#endif /* B4NS_LOG_H */
