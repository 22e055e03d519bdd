/* shell.h - serial shell and the boot command line. */
#ifndef SHELL_H
#define SHELL_H

void	shell_main(void *arg);			/* thread: prompt loop, never returns */
void	shell_sysctl_arg(const char *arg);	/* "name" or "name=value" */
int	shell_split(char *line, char **argv, int max);	/* split on blanks, in place */
void	boot_cmdline_run(void *arg);		/* thread: apply the command line, then run= or shell */

#endif
