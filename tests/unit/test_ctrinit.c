// SPDX-License-Identifier: GPL-2.0-or-later
/* test_ctrinit.c - the signal forwarding rule of "b4ns run" and its init
 * (seccomp-path/launch/ctrinit.c): what the kernel sent to the process
 * group is not sent again to a member of it
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "launch/ctrinit.h"

/* spawn() - a child that waits for SIGKILL, in its own process group if
 * @own_group; Return: its pid */
static pid_t spawn(bool own_group)
{
	pid_t p = fork();

	cr_assert(p >= 0, "fork: %s", strerror(errno));
	if (p == 0) {
		if (own_group)
			setpgid(0, 0);
		for (;;)
			pause();
	}
	if (own_group)
		setpgid(p, p); /* either of us may be first */
	return p;
}

static void reap(pid_t p)
{
	kill(p, SIGKILL);
	waitpid(p, NULL, 0);
}

Test(ctrinit, kill_by_another_process_is_forwarded)
{
	pid_t p = spawn(false);

	cr_expect(ctrinit_forward(SIGINT, SI_USER, p));
	cr_expect(ctrinit_forward(SIGTERM, SI_USER, p));
	cr_expect(ctrinit_forward(SIGHUP, SI_USER, p));
	reap(p);
}

Test(ctrinit, kernel_signal_to_our_group_is_not_sent_again)
{
	pid_t p = spawn(false);

	/* a terminal's ^C and ^\ reached the whole group */
	cr_expect(!ctrinit_forward(SIGINT, SI_KERNEL, p));
	cr_expect(!ctrinit_forward(SIGQUIT, SI_KERNEL, p));
	reap(p);
}

Test(ctrinit, kernel_hangup_to_our_group_is_not_sent_again)
{
	pid_t p;
	int st;

	/* the hang-up of the foreground group, seen by a process that does
	 * not lead its session (the test's own process may) */
	p = fork();
	cr_assert(p >= 0);
	if (p == 0) {
		pid_t c = spawn(false);
		bool hup = ctrinit_forward(SIGHUP, SI_KERNEL, c);

		reap(c);
		_exit(getsid(0) != getpid() && !hup ? 0 : 1);
	}
	cr_assert(waitpid(p, &st, 0) == p);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %#x", st);
}

Test(ctrinit, kernel_signal_is_forwarded_to_another_group)
{
	pid_t p = spawn(true);

	cr_expect(ctrinit_forward(SIGINT, SI_KERNEL, p));
	reap(p);
}

Test(ctrinit, session_leaders_hangup_is_forwarded)
{
	pid_t p;
	int st;

	/* in a new session: a SIGHUP the kernel sent a session leader is
	 * its own (a terminal's hang-up), not its group's */
	p = fork();
	cr_assert(p >= 0);
	if (p == 0) {
		pid_t c;
		bool hup, intr;

		if (setsid() < 0)
			_exit(2);
		c = spawn(false);
		hup = ctrinit_forward(SIGHUP, SI_KERNEL, c);
		intr = ctrinit_forward(SIGINT, SI_KERNEL, c);
		reap(c);
		_exit(hup && !intr ? 0 : 1);
	}
	cr_assert(waitpid(p, &st, 0) == p);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		  "status %#x", st);
}

Test(ctrinit, sigset_has_the_forwarded_signals_and_sigchld)
{
	static const int want[] = { SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT,
				    SIGUSR1, SIGUSR2 };
	sigset_t m;

	ctrinit_sigset(&m);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_expect(sigismember(&m, want[i]) == 1, "signal %d", want[i]);
	cr_expect(sigismember(&m, SIGKILL) == 0);
	cr_expect(sigismember(&m, SIGWINCH) == 0);
}
