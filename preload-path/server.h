/* SPDX-License-Identifier: GPL-2.0-or-later
 * server.h - the supervisor's side of libb4ns.so: the request server (it
 * registers itself, see common/reqsrv.h), and where the library is
 */
#ifndef B4NS_PRELOAD_SERVER_H
#define B4NS_PRELOAD_SERVER_H

#include <stdbool.h>

#include <stddef.h>

/**
 * preload_find_library() - where libb4ns.so is
 * @buf:	result
 * @len:	size of @buf
 *
 * Looks at $B4NS_PRELOAD_LIB, then beside the running b4ns binary (a build
 * tree), then in the library directory of its install prefix.
 *
 * Return: 0, or -ENOENT
 */
int preload_find_library(char *buf, size_t len);

/**
 * preload_is_static() - is @cmd a statically linked executable?
 * @cmd:	command name (searched in PATH) or path
 *
 * A program without an ELF interpreter (PT_INTERP) never loads
 * libb4ns.so.
 *
 * Return: true if it is an ELF executable without PT_INTERP
 */
bool preload_is_static(const char *cmd);

#endif /* B4NS_PRELOAD_SERVER_H */
