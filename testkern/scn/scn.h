/*
 * scn.h - scenario files (guests/NAME.scn, grammar in guests/README.md):
 * the parsed form and the parser.  Portable C99: the parser and the regex
 * matcher (scn_parse.c, scn_re.c) use no kernel call and no allocation, so
 * they build on the host for unit tests and fuzzing as they are.
 */
#ifndef SCN_H
#define SCN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCN_LINE_MAX	255	/* characters of one line */
#define SCN_WORD_MAX	48	/* a name, word or number */
#define SCN_RE_MAX	128	/* a regex between the slashes */
#define SCN_DESCR_MAX	100
#define SCN_STEPS_MAX	32	/* `on ...` lines */
#define SCN_EXPECTS_MAX	32	/* `expect ...` lines */
#define SCN_ARGS_MAX	3	/* arguments of one action */
#define SCN_VCPUS_MAX	8
#define SCN_ERR_MAX	200	/* "file:line: directive: message" */
#define SCN_BACKENDS	2	/* index of per-backend arrays: */
#define SCN_BK_SVM	0
#define SCN_BK_VMX	1

#define SCN_ANY		UINT64_MAX	/* `on mark any` */

/* `cpu` vendors */
#define SCN_CPU_HOST	0
#define SCN_CPU_INTEL	1
#define SCN_CPU_AMD	2

/* strlen for the parser and the matcher, which call nothing outside */
static inline size_t
scn_slen(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

/* An inclusive range; hi = UINT64_MAX when open. */
struct scn_range {
	uint64_t lo, hi;
};

/* One action argument: the word as written and its value when numeric. */
struct scn_arg {
	char	 word[SCN_WORD_MAX];
	bool	 is_num;
	uint64_t num;
};

enum scn_trigger { SCN_ON_MARK, SCN_ON_EXITS };

/* `on mark N ... do ACTION ARGS [want ERR]` or `on exits N ...` */
struct scn_step {
	int		 line;
	enum scn_trigger trigger;
	uint64_t	 value;		/* mark number (SCN_ANY) or exit count */
	int		 vcpu;		/* -1: any vCPU */
	struct scn_range hits;		/* which hits of the mark fire */
	int		 action;	/* index in the caller's action table */
	int		 nargs;
	struct scn_arg	 args[SCN_ARGS_MAX];
	char		 want[SCN_WORD_MAX];	/* "ok", "any" or an errno name */
};

enum scn_expect_kind {
	SCN_EXP_END_EXIT,	/* num = exit code */
	SCN_EXP_END_ERROR,	/* re (may be empty) */
	SCN_EXP_SERIAL,		/* re, range */
	SCN_EXP_EXITS,		/* name, range */
	SCN_EXP_STAT,		/* name, range */
	SCN_EXP_SYSCTL,		/* name (a whole sysctl name), range */
	SCN_EXP_FAULTS,		/* range */
	SCN_EXP_MARKS,		/* num = mark, range */
	SCN_EXP_REPORTS,	/* range */
	SCN_EXP_FAILED_REPORTS,	/* range */
	SCN_EXP_ALIVE,
	SCN_EXP_NO_LEAK,
};

struct scn_expect {
	int			 line;
	enum scn_expect_kind	 kind;
	char			 name[SCN_WORD_MAX];
	uint64_t		 num;
	struct scn_range	 range;
	char			 re[SCN_RE_MAX];
	char			 text[SCN_LINE_MAX + 1];	/* the line without `expect ` */
};

struct scn {
	char		 guest[SCN_WORD_MAX];
	char		 descr[SCN_DESCR_MAX];
	int		 vcpus;
	uint64_t	 mem;
	uint64_t	 ram_gpa, ram_size;	/* mem ... ram GPA SIZE (size 0: none) */
	bool		 on_svm, on_vmx;
	int		 cpus;
	uint64_t	 timeout_ms, stall_ms;
	char		 quirk[SCN_WORD_MAX];	/* the hw.vmm.quirk.NAME it detects */
	char		 symptom[SCN_RE_MAX];	/* the RESULT reason with the quirk on */
	/* `quirk-absent BACKEND WHY`: the quirk has no analogue there (why) */
	char		 quirk_absent[SCN_BACKENDS][SCN_DESCR_MAX];
	/* `multiboot ARGS...`: the image is a multiboot v1 kernel booted with
	 * the command line "IMAGE ARGS..."; `module WORD...`: its one module,
	 * the words one per line */
	bool		 multiboot;
	char		 mb_args[SCN_LINE_MAX + 1];
	char		 mb_module[SCN_LINE_MAX + 1];
	/* `cpu [intel|amd] [phys-bits N] [vmware-backdoor]`: the guest's CPU
	 * model (hv_vm_set_model); SCN_CPU_HOST and 0 bits: the host's */
	int		 cpu_vendor;
	uint64_t	 cpu_phys_bits;
	bool		 cpu_vmware_backdoor;
	/* `port PORT scratch4`: a scratch I/O register there
	 * (hv_vm_add_scratch_port); -1: none */
	int		 scratch_port;
	int		 nsteps, nexpects;
	struct scn_step	 steps[SCN_STEPS_MAX];
	struct scn_expect expects[SCN_EXPECTS_MAX];
};

#define SCN_MEM_DEFAULT		(16ull << 20)
#define SCN_MEM_MIN		(4ull << 20)
#define SCN_MEM_MAX		(1ull << 30)
#define SCN_RAM_MAX		(16ull << 20)	/* mem's second range */
#define SCN_TIMEOUT_DEFAULT	20000
#define SCN_TIMEOUT_MAX		600000
#define SCN_STALL_DEFAULT	5000

/*
 * What the parser knows of an action: its name, argument spec, one
 * character per argument: 'n' a number, 'w' a word, 'x' either; after a
 * '|' the rest are optional (e.g. "nn", "x", "w|n"), and its usage
 * ("pageout GPA LEN: what it does"; up to the ':' goes into messages; NULL:
 * the name).
 */
struct scn_action_info {
	const char	*name;
	const char	*argspec;
	const char	*usage;
};

/*
 * Parse `len` bytes of `text` (need not be NUL-terminated) into *out.
 * `file` names the file in messages.  0 on success; -1 with
 * "file:line: message" in err (errlen bytes, always NUL-terminated) for the
 * first error found.
 */
int	 scn_parse(const char *file, const char *text, size_t len,
	    const struct scn_action_info *actions, int nactions,
	    struct scn *out, char *err, size_t errlen);

/* The scenario runs on `backend` (SCN_BK_*), declares a quirk and does not
 * say it is absent there: the quirk-on run has a symptom to look for. */
bool	 scn_quirk_on(const struct scn *s, int backend);

/* The errno names `want` accepts besides "ok" and "any". */
bool	 scn_errno_known(const char *name);

/*
 * Regex (scn_re.c): search `re` anywhere in the NUL-terminated `text`.
 * scn_re_check: NULL when re is well formed, else why not.
 */
const char *scn_re_check(const char *re);
bool	 scn_re_search(const char *re, const char *text);

#endif /* SCN_H */
