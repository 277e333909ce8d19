// SPDX-License-Identifier: GPL-2.0-or-later
/* elf.c - will libb4ns.so load into a program?
 *
 * Theory of operation: "b4ns run --mode=preload" warns before starting a
 * program the dynamic loader never sees: the command is looked up in PATH
 * as execvp() would (paths_which()), and its program headers are read; a 64-bit ELF
 * executable without PT_INTERP is static. Scripts and 32-bit programs are
 * not judged (their interpreter decides).
 */
#include <elf.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "launch/elf.h"
#include "err.h"
#include "paths.h"

bool elf_is_static(const char *cmd)
{
	char path[PATH_MAX];
	_cleanup_close_ int fd = -1;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;

	if (!paths_which(cmd, path, sizeof(path)))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))
		return false;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(ph))
		return false; /* a script, or 32-bit: its interpreter decides */
	for (int i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (size_t)i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			return false;
		if (ph.p_type == PT_INTERP)
			return false;
	}
	return true;
}
