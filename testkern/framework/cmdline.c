/*
 * cmdline.c - the kernel command line (GRUB passes only the arguments, no
 * kernel path): `run=A,B` runs tests then powers off with the status,
 * `shell` stays in the shell, other `key=value` words set sysctls.
 */
#include "shell.h"
#include "kern.h"
#include "ktest.h"
#include "mb2.h"

#define WORDS_MAX	32
#define TESTS_MAX	128

void
boot_cmdline_run(void *arg)
{
	static char line[sizeof(mb2_cmdline)];
	char *words[WORDS_MAX];
	char *tests[TESTS_MAX];
	int ntests = 0;
	bool have_run = false;

	strlcpy(line, mb2_cmdline, sizeof(line));
	int n = shell_split(line, words, WORDS_MAX);
	for (int i = 0; i < n; i++) {
		char *w = words[i];
		if (strncmp(w, "run=", 4) == 0) {
			have_run = true;
			for (char *p = w + 4; *p;) {
				char *comma = strchr(p, ',');
				if (comma)
					*comma = 0;
				if (*p && ntests == TESTS_MAX) {
					kprintf("error: cmdline: more than %d names in run=\n", TESTS_MAX);
					emu_exit(false);
				}
				if (*p)
					tests[ntests++] = p;
				if (!comma)
					break;
				p = comma + 1;
			}
		} else if (strcmp(w, "shell") == 0) {
			/* the default */
		} else if (strchr(w, '=')) {
			shell_sysctl_arg(w);
		} else {
			kprintf("error: cmdline: unknown word '%s'\n", w);
		}
	}
	if (have_run) {
		bool ok = ntests > 0 && ktest_run_patterns(ntests, tests);
		if (ntests == 0)
			kprintf("error: run: no test named ''\n");
		emu_exit(ok);
	}
	shell_main(NULL);
}
