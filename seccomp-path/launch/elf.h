/* SPDX-License-Identifier: GPL-2.0-or-later
 * elf.h - will libb4ns.so load into a program? (its ELF program headers)
 */
#ifndef B4NS_ELF_H
#define B4NS_ELF_H

#include <stdbool.h>

/**
 * elf_is_static() - is @cmd a statically linked executable?
 * @cmd:	command name (searched in PATH) or path
 *
 * A program without an ELF interpreter (PT_INTERP) never loads
 * libb4ns.so.
 *
 * Return: true if it is a 64-bit ELF executable without PT_INTERP
 */
bool elf_is_static(const char *cmd);

#endif /* B4NS_ELF_H */
