// SPDX-License-Identifier: GPL-2.0-or-later
/* err.c - the message half of b4ns's error convention (err.h)
 *
 * Theory of operation: a struct b4_error carries one message from where a
 * failure is understood to where it is logged or printed; context is added
 * in front by each caller that knows more ("container X: b4ns.publish: ...").
 * Messages are truncated to the struct's size, never overflow.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int b4_error_set(struct b4_error *e, int err, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return err;
	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start is on the line above; the analyzer loses it across the NULL check (as in log.c) */
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return err;
}

int b4_error_prefix(struct b4_error *e, int err, const char *fmt, ...)
{
	char ctx[sizeof(e->msg)], both[2 * sizeof(e->msg) + 2];
	va_list ap;

	if (!e)
		return err;
	va_start(ap, fmt);
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): va_start is on the line above; the analyzer loses it across the NULL check (as in log.c) */
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	snprintf(both, sizeof(both), "%s: %s", ctx,
		 e->msg[0] ? e->msg : strerror(-err));
	memcpy(e->msg, both, sizeof(e->msg) - 1);
	e->msg[sizeof(e->msg) - 1] = '\0';
	return err;
}

const char *b4_error_msg(const struct b4_error *e, int err)
{
	if (e && e->msg[0])
		return e->msg;
	return strerror(err < 0 ? -err : err);
}

int b4_error_about(struct b4_error *e, const char *what, int spec_max,
		   const char *spec, const char *fmt, ...)
{
	char msg[sizeof(e->msg)];
	va_list ap;

	if (!e)
		return -EINVAL;
	va_start(ap, fmt);
	/* va_start() is just above: clang-tidy 14 loses track of it when it
	 * checks several files in one run
	 */
	/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return b4_error_set(e, -EINVAL, "%s '%.*s': %s", what, spec_max, spec,
			    msg);
}
