// SPDX-License-Identifier: GPL-2.0-or-later
/* log.c - leveled logging to stderr
 *
 * One line per message, prefixed with "b4ns[pid]: level:", written with a
 * single write() so lines from several processes do not interleave.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

enum log_level log_level = LOG_LVL_WARN;

static const char *const names[] = { "error", "warn", "info", "debug" };

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	char buf[1024];
	int saved = errno;
	va_list ap;
	int n, m;

	if (!log_enabled(lvl))
		return;
	n = snprintf(buf, sizeof(buf), "b4ns[%d]: %s: ", (int)getpid(),
		     names[lvl]);
	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start is two lines up; the analyzer loses it across the level check */
	m = vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDERR_FILENO, buf, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
	errno = saved;
}

int log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	if (!strcmp(s, "warning")) {
		*out = LOG_LVL_WARN;
		return 0;
	}
	return -EINVAL;
}

