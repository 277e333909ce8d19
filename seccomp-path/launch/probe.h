/* SPDX-License-Identifier: GPL-2.0-or-later
 * probe.h - can this kernel inject fds into a trapped process (ADDFD)?
 */
#ifndef B4NS_PROBE_H
#define B4NS_PROBE_H

/**
 * probe_addfd() - can this kernel inject fds into a trapped process?
 *
 * A child process installs a throwaway filter that sends one never-used
 * syscall (kexec_load) to a seccomp user notification listener and calls
 * SECCOMP_IOCTL_NOTIF_ADDFD on it with a notification id that does not
 * exist: kernels with ADDFD (5.9+) answer ENOENT, older ones EINVAL.
 * "b4ns run --mode=auto" chooses its path with it; "b4ns doctor" reports it.
 *
 * Test only: with B4NS_TEST_NO_ADDFD=1 in the environment the probe is not
 * run and the result of a kernel without ADDFD (-EINVAL) is returned.
 *
 * Return: 0 if supported; -ENOSYS if the kernel or libseccomp has no
 * seccomp user notification at all; -EINVAL or -ENOTTY if ADDFD is missing;
 * another -errno if the probe itself could not run
 */
int probe_addfd(void);

#endif /* B4NS_PROBE_H */
