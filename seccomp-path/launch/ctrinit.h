/* SPDX-License-Identifier: GPL-2.0-or-later
 * ctrinit.h - the container's pid 1 ("b4ns run"), and the signal
 * forwarding rule it shares with the supervisor
 */
#ifndef B4NS_CTRINIT_H
#define B4NS_CTRINIT_H

#include <stdbool.h>
#include <sys/types.h>

#include <signal.h>

/**
 * ctrinit_sigset() - the signals a forwarder takes from the kernel itself
 * @mask:	result: SIGCHLD and the signals "b4ns run" forwards to the
 *		container and its pid 1 to CMD (SIGINT, SIGTERM, SIGHUP,
 *		SIGQUIT, SIGUSR1, SIGUSR2)
 */
void ctrinit_sigset(sigset_t *mask);

/**
 * ctrinit_mount_proc() - give a new PID namespace its own /proc
 *
 * Called in the container's first process, which has just entered new
 * user, PID and mount namespaces: makes every mount a slave (nothing done
 * here propagates to the host) and mounts a fresh procfs on /proc, which
 * shows the namespace's own processes and ids.
 *
 * Return: 0, or negative errno (the kernel refuses procfs in a user
 * namespace when the caller's /proc is partly hidden by other mounts)
 */
int ctrinit_mount_proc(void);

/**
 * ctrinit_forward() - should a signal received be sent on to @target?
 * @signo:	the signal
 * @code:	its si_code (signalfd's ssi_code)
 * @target:	the process it would be forwarded to, in the caller's PID
 *		namespace
 *
 * A signal the kernel sent (SI_KERNEL: a terminal's ^C or ^\, or the
 * hangup of its foreground process group) went to the caller's whole
 * process group: if @target is in that group it has it already. A session
 * leader's own SIGHUP (a terminal hang-up) is the exception: only the
 * leader gets it. Everything else (kill() by another process, SI_USER) is
 * forwarded.
 *
 * Return: true if the caller should send @signo to @target
 */
bool ctrinit_forward(int signo, int code, pid_t target);

/**
 * ctrinit_run() - be the container's pid 1: run @argv, forward, reap
 * @argv:	the command and its arguments
 * @close_fd:	a descriptor the command inherits but this process must
 *		not keep (the preload request channel), or -1
 *
 * Forks the command (which gets an empty signal mask back and execs
 * @argv; "b4ns: cannot run" and exit 127 or 126 if it cannot), then waits
 * for signals: those of ctrinit_sigset() are forwarded to the command by
 * ctrinit_forward()'s rule, every child (the command and whatever was
 * orphaned in the namespace) is reaped. When the command has exited, this
 * process exits with its status (128+N if killed by signal N): the kernel
 * then kills every process left in the PID namespace.
 */
void __attribute__((noreturn)) ctrinit_run(char **argv, int close_fd);

#endif /* B4NS_CTRINIT_H */
