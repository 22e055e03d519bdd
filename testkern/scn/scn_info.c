/*
 * scn_info.c - `build/scn-info FILE...`: a host program built from the same
 * parser as testkern (scn_parse.c, scn_re.c) and the action table of its
 * SCN_ACTION lines (the Makefile extracts it), so the test harness reads
 * scenario files through the project's parser instead of its own.  Prints
 * one JSON object per file: the error the kernel would print, or the
 * header, the quirk declarations and the expectations.  Exit status 0 even
 * when a file is malformed (that is data); 2 when a file cannot be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "scn.h"

static const struct scn_action_info actions[] = {
#include "scn_actions.inc"
};

static void
json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void
print_scn(const struct scn *s)
{
	static const char *const bk[SCN_BACKENDS] = { "svm", "vmx" };
	const bool on[SCN_BACKENDS] = { s->on_svm, s->on_vmx };
	int i, n;

	printf(", \"guest\": ");
	json_str(s->guest);
	printf(", \"descr\": ");
	json_str(s->descr);
	printf(", \"vcpus\": %d, \"cpus\": %d, \"mem\": %llu, \"backends\": [", s->vcpus,
	    s->cpus, (unsigned long long)s->mem);
	for (i = n = 0; i < SCN_BACKENDS; i++)
		if (on[i])
			printf("%s\"%s\"", n++ ? ", " : "", bk[i]);
	printf("], \"quirk\": ");
	json_str(s->quirk);
	printf(", \"symptom\": ");
	json_str(s->symptom);
	printf(", \"quirk_on\": [");
	for (i = n = 0; i < SCN_BACKENDS; i++)
		if (scn_quirk_on(s, i))
			printf("%s\"%s\"", n++ ? ", " : "", bk[i]);
	printf("], \"quirk_absent\": {");
	for (i = n = 0; i < SCN_BACKENDS; i++)
		if (s->quirk_absent[i][0] != '\0') {
			printf("%s\"%s\": ", n++ ? ", " : "", bk[i]);
			json_str(s->quirk_absent[i]);
		}
	printf("}, \"steps\": %d, \"expects\": [", s->nsteps);
	for (i = 0; i < s->nexpects; i++) {
		printf("%s", i ? ", " : "");
		json_str(s->expects[i].text);
	}
	printf("]");
}

int
main(int argc, char **argv)
{
	static struct scn s;
	char err[SCN_ERR_MAX], *buf;
	int i;

	for (i = 1; i < argc; i++) {
		const char *base = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];
		FILE *f = fopen(argv[i], "rb");
		long len;

		if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
		    fseek(f, 0, SEEK_SET) != 0) {
			perror(argv[i]);
			return 2;
		}
		buf = malloc((size_t)len + 1);
		if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len) {
			perror(argv[i]);
			return 2;
		}
		fclose(f);
		printf("{\"file\": ");
		json_str(argv[i]);
		/* the module name, as the kernel names the file in its messages */
		if (scn_parse(base, buf, (size_t)len, actions,
		    (int)(sizeof(actions) / sizeof(actions[0])), &s, err, sizeof(err)) != 0) {
			printf(", \"error\": ");
			json_str(err);
		} else {
			printf(", \"error\": null");
			print_scn(&s);
		}
		printf("}\n");
		free(buf);
	}
	return 0;
}
