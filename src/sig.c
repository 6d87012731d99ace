/* SIGINT/SIGTERM/SIGHUP set a flag; SIGPIPE ignored; dying by the signal at the end. */
#include <string.h>

#include "sig.h"

/* ASan's leak check runs at exit(), which dying by a signal skips: run it
 * before the signal instead, so the sanitizer build still finds leaks. */
#if defined(__SANITIZE_ADDRESS__)
#define SIG_LEAK_CHECK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIG_LEAK_CHECK 1
#endif
#endif
#ifdef SIG_LEAK_CHECK
#include <sanitizer/lsan_interface.h>
#endif

volatile sig_atomic_t sig_caught;

static void
on_signal(int sig)
{
	sig_caught = sig;
}

void
sig_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* a closed terminal too: the socket file goes, then we die by it */
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int
sig_exit(int rc)
{
	struct sigaction sa;
	sigset_t set;
	int sig = sig_caught;

	if (!sig)
		return rc;
#ifdef SIG_LEAK_CHECK
	__lsan_do_leak_check();
#endif
	/* who waits for us must see the signal: a shell loop stops at the
	 * first Ctrl-C only if its child died by SIGINT, as nc does */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	(void)raise(sig);
	return 128 + sig; /* not reached: SIGINT's and SIGTERM's default ends us */
}
