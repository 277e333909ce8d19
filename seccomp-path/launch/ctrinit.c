// SPDX-License-Identifier: GPL-2.0-or-later
/* ctrinit.c - the container's pid 1 ("b4ns run")
 *
 * Theory of operation: sandbox_start() starts the container's first process
 * in new user, network, PID and mount namespaces; it mounts its own /proc
 * (ctrinit_mount_proc()) and, once the supervisor has its listener, stays
 * as the PID namespace's init: ctrinit_run() forks the command, forwards
 * signals to it and reaps every process orphaned inside the namespace.
 * When the command exits, it exits with the command's status, and the
 * kernel kills whatever is left in the namespace (daemonised children
 * included): the container ends with its main process, as with Podman.
 * It has PR_SET_PDEATHSIG(SIGKILL) (sandbox.c), so a supervisor killed by
 * SIGKILL takes the whole namespace with it.
 *
 * Why a separate init: a PID namespace's init only receives the signals it
 * handles (or blocks); a command running as pid 1 itself would be deaf to
 * SIGTERM and SIGINT (what tini or catatonit solve for Podman's --init).
 * This one blocks the signals it forwards and takes them with
 * sigwaitinfo() (ctrinit_sigset(): the supervisor takes the same ones
 * on its signalfd); it calls nothing the seccomp filter traps.
 *
 * ctrinit_forward() is the rule it shares with the supervisor: a signal the
 * kernel sent to the process group (a terminal's ^C) is not sent again to
 * a target of the same group, which got it already.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "launch/ctrinit.h"

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT,
				 SIGUSR1, SIGUSR2 };

void ctrinit_sigset(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGCHLD);
	for (size_t i = 0; i < ARRAY_SIZE(forwarded); i++)
		sigaddset(mask, forwarded[i]);
}

int ctrinit_mount_proc(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL))
		return -errno;
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL))
		return -errno;
	return 0;
}

bool ctrinit_forward(int signo, int code, pid_t target)
{
	if (code != SI_KERNEL)
		return true;
	if (signo == SIGHUP && getsid(0) == getpid())
		return true;
	/* in a child PID namespace both are 0 when the group is outside */
	return getpgid(target) != getpgrp();
}

/* exit_code() - a wait status as a shell shows it */
static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

void ctrinit_run(char **argv, int close_fd)
{
	sigset_t mask, none;
	pid_t cmd;
	int ret;

	ctrinit_sigset(&mask);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	cmd = fork();
	if (cmd < 0) {
		ret = errno;
		fprintf(stderr, "b4ns: cannot run %s: fork: %s\n", argv[0],
			strerror(ret));
		_exit(126);
	}
	if (cmd == 0) {
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execvp(argv[0], argv);
		ret = errno;
		fprintf(stderr, "b4ns: cannot run %s: %s\n", argv[0],
			strerror(ret));
		_exit(ret == ENOENT ? 127 : 126);
	}
	if (close_fd >= 0)
		close(close_fd);
	for (;;) {
		siginfo_t si;
		int status;
		pid_t p;

		if (sigwaitinfo(&mask, &si) < 0)
			continue; /* EINTR: a stop and continue */
		if (si.si_signo != SIGCHLD) {
			if (ctrinit_forward(si.si_signo, si.si_code, cmd))
				kill(cmd, si.si_signo);
			continue;
		}
		while ((p = waitpid(-1, &status, WNOHANG)) > 0) {
			if (p == cmd)
				_exit(exit_code(status));
		}
	}
}
