/*
 * scn_parse.c - scenario file parser (grammar: guests/README.md "Scenario
 * files").  Input is a buffer and its length; output a struct scn or the
 * first error as "file:line: message".  Portable C99 with no library calls
 * and no allocation, so the same file runs in testkern and in host unit
 * tests / fuzzers; every copy into a fixed array is bounded.
 */
#include <stdarg.h>
#include "scn.h"

#define WORDS_MAX	24	/* words of one line */

struct tok {
	const char *p;
	size_t	 n;
	bool	 re;		/* /regex/: p, n are the text between the slashes */
};

/* The directives, in the order `unknown directive` lists them. */
enum dir {
	D_GUEST, D_DESCR, D_VCPUS, D_MEM, D_BACKENDS, D_CPUS, D_TIMEOUT, D_STALL,
	D_QUIRK, D_QUIRK_ABSENT, D_SYMPTOM, D_MULTIBOOT, D_MODULE, D_CPU, D_PORT, D_ON, D_EXPECT,
	D_COUNT
};

static const struct {
	const char	*name;
	const char	*usage;
} dirs[D_COUNT] = {
	[D_GUEST] = { "guest", "guest IMAGE" },
	[D_DESCR] = { "descr", "descr TEXT..." },
	[D_VCPUS] = { "vcpus", "vcpus N" },
	[D_MEM] = { "mem", "mem SIZE [ram GPA SIZE]" },
	[D_BACKENDS] = { "backends", "backends svm|vmx..." },
	[D_CPUS] = { "cpus", "cpus N" },
	[D_TIMEOUT] = { "timeout", "timeout MS" },
	[D_STALL] = { "stall", "stall MS" },
	[D_QUIRK] = { "quirk", "quirk NAME" },
	[D_QUIRK_ABSENT] = { "quirk-absent", "quirk-absent svm|vmx WHY..." },
	[D_SYMPTOM] = { "symptom", "symptom /REGEX/" },
	[D_MULTIBOOT] = { "multiboot", "multiboot [ARGS...]" },
	[D_MODULE] = { "module", "module WORD..." },
	[D_CPU] = { "cpu", "cpu [intel|amd] [phys-bits N] [vmware-backdoor]" },
	[D_PORT] = { "port", "port PORT scratch4" },
	[D_ON] = { "on", "on mark N|any [vcpu V] [hits RANGE] do ACTION ARGS... [want ERR]" },
	[D_EXPECT] = { "expect", "expect KIND ..." },
};

struct ctx {
	const char	*file;
	int		 line;
	char		*err;
	size_t		 errlen;
	const struct scn_action_info *actions;
	int		 nactions;
	struct scn	*s;
	const char	*dir;		/* what the message is about, e.g. "vcpus" */
	int		 seen[D_COUNT];	/* line of each header directive, 0: none */
	int		 absent_line[SCN_BACKENDS];	/* of each quirk-absent */
};

/* ---- small string helpers (no libc) -------------------------------------- */

static bool
mem_eq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static void
zero(void *p, size_t n)
{
	unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = 0;
}

static bool
tok_is(const struct tok *t, const char *w)
{
	size_t n = scn_slen(w);

	return !t->re && t->n == n && mem_eq(t->p, w, n);
}

/* Append s (at most n bytes, n = -1: all) to buf of size len. */
static void
append(char *buf, size_t len, const char *s, size_t n)
{
	size_t at = scn_slen(buf), i;

	for (i = 0; i < n && s[i] != '\0' && at + 1 < len; i++)
		buf[at++] = s[i];
	buf[at] = '\0';
}

static void
append_dec(char *buf, size_t len, uint64_t v)
{
	char d[24];
	int i = (int)sizeof(d) - 1;

	d[i] = '\0';
	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	append(buf, len, d + i, (size_t)-1);
}

/*
 * "file:line: DIR: message" into the error buffer (DIR: the directive being
 * parsed, when known); always returns -1.  fmt takes %s (a string), %d (an
 * int, not negative) and %t (a token as written, cut at 40 characters;
 * a regex with its slashes).
 */
static int
fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	if (c->errlen == 0)
		return -1;
	c->err[0] = '\0';
	append(c->err, c->errlen, c->file, (size_t)-1);
	append(c->err, c->errlen, ":", 1);
	append_dec(c->err, c->errlen, (uint64_t)c->line);
	append(c->err, c->errlen, ": ", 2);
	if (c->dir != NULL) {
		append(c->err, c->errlen, c->dir, (size_t)-1);
		append(c->err, c->errlen, ": ", 2);
	}
	va_start(ap, fmt);
	for (i = 0; fmt[i] != '\0'; i++) {
		const struct tok *t;

		if (fmt[i] != '%' || fmt[i + 1] == '\0') {
			append(c->err, c->errlen, fmt + i, 1);
			continue;
		}
		switch (fmt[++i]) {
		case 's':
			append(c->err, c->errlen, va_arg(ap, const char *), (size_t)-1);
			break;
		case 'd':
			append_dec(c->err, c->errlen, (uint64_t)va_arg(ap, int));
			break;
		case 't':
			t = va_arg(ap, const struct tok *);
			if (t->re)
				append(c->err, c->errlen, "/", 1);
			append(c->err, c->errlen, t->p, t->n > 40 ? 40 : t->n);
			if (t->n > 40)
				append(c->err, c->errlen, "...", 3);
			if (t->re)
				append(c->err, c->errlen, "/", 1);
			break;
		default:
			append(c->err, c->errlen, fmt + i, 1);
		}
	}
	va_end(ap);
	return -1;
}

/* Copy a token into dst[cap] (NUL-terminated); false if it does not fit. */
static bool
copy_tok(char *dst, size_t cap, const struct tok *t)
{
	size_t i;

	if (t->n >= cap)
		return false;
	for (i = 0; i < t->n; i++)
		dst[i] = t->p[i];
	dst[t->n] = '\0';
	return true;
}

/* A name of [a-z0-9_.-], 1..SCN_WORD_MAX-1 characters. */
static bool
is_name(const struct tok *t)
{
	size_t i;

	if (t->re || t->n == 0 || t->n >= SCN_WORD_MAX)
		return false;
	for (i = 0; i < t->n; i++) {
		char ch = t->p[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '_' || ch == '.' || ch == '-'))
			return false;
	}
	return true;
}

/* ---- numbers and ranges ---------------------------------------------------- */

/* Decimal or 0x hex, optional K/M/G suffix when `size`; false on bad/overflow. */
static bool
parse_num_n(const char *p, size_t n, bool size, uint64_t *out)
{
	uint64_t v = 0, base = 10;
	size_t i = 0;
	int shift = 0;

	if (n >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (size && n > i) {
		char sfx = p[n - 1];

		if (sfx == 'K' || sfx == 'k')
			shift = 10;
		else if (sfx == 'M' || sfx == 'm')
			shift = 20;
		else if (sfx == 'G' || sfx == 'g')
			shift = 30;
		if (shift != 0)
			n--;
	}
	if (i >= n)
		return false;
	for (; i < n; i++) {
		char ch = p[i];
		uint64_t d;

		if (ch >= '0' && ch <= '9')
			d = (uint64_t)(ch - '0');
		else if (base == 16 && ch >= 'a' && ch <= 'f')
			d = (uint64_t)(ch - 'a' + 10);
		else if (base == 16 && ch >= 'A' && ch <= 'F')
			d = (uint64_t)(ch - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	if (shift != 0 && v > (UINT64_MAX >> shift))
		return false;
	*out = v << shift;
	return true;
}

static bool
parse_num(const struct tok *t, bool size, uint64_t *out)
{
	return !t->re && parse_num_n(t->p, t->n, size, out);
}

/* N, A..B, A.., ..B */
static bool
parse_range(const struct tok *t, struct scn_range *r)
{
	size_t i;

	if (t->re)
		return false;
	for (i = 0; i + 1 < t->n; i++)
		if (t->p[i] == '.' && t->p[i + 1] == '.')
			break;
	if (i + 1 >= t->n) {
		if (!parse_num_n(t->p, t->n, false, &r->lo))
			return false;
		r->hi = r->lo;
		return true;
	}
	if (i == 0 && t->n == 2)
		return false;	/* ".." alone */
	r->lo = 0;
	r->hi = UINT64_MAX;
	if (i > 0 && !parse_num_n(t->p, i, false, &r->lo))
		return false;
	if (i + 2 < t->n && !parse_num_n(t->p + i + 2, t->n - i - 2, false, &r->hi))
		return false;
	return r->lo <= r->hi;
}

/* ---- tokens ------------------------------------------------------------------ */

static bool
blank(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* The directive a word names, NULL if none. */
static const char *
dir_name(const struct tok *t)
{
	int d;

	for (d = 0; d < D_COUNT; d++)
		if (tok_is(t, dirs[d].name))
			return dirs[d].name;
	return NULL;
}

/* Split one line into words; -1 on error (message set). */
static int
split(struct ctx *c, const char *p, size_t n, struct tok *w, int *nw)
{
	size_t i = 0;

	*nw = 0;
	for (;;) {
		while (i < n && blank(p[i]))
			i++;
		if (i >= n || p[i] == '#')
			return 0;
		if (*nw == WORDS_MAX)
			return fail(c, "more than %d words on one line", WORDS_MAX);
		if (p[i] == '/') {
			size_t j = i + 1;

			while (j < n && p[j] != '/') {
				if (p[j] == '\\' && j + 1 < n)
					j++;
				j++;
			}
			if (*nw > 0)
				c->dir = dir_name(&w[0]);
			if (j >= n)
				return fail(c, "regex without a closing / (write \\/ for a slash)");
			if (j + 1 < n && !blank(p[j + 1]))
				return fail(c, "text right after a regex's closing / (want a blank)");
			w[*nw].p = p + i + 1;
			w[*nw].n = j - i - 1;
			w[*nw].re = true;
			i = j + 1;
		} else {
			size_t j = i;

			while (j < n && !blank(p[j]))
				j++;
			w[*nw].p = p + i;
			w[*nw].n = j - i;
			w[*nw].re = false;
			i = j;
		}
		(*nw)++;
	}
}

/* A /regex/ token into dst[SCN_RE_MAX], checked; -1 on error. */
static int
take_re(struct ctx *c, const struct tok *t, char *dst)
{
	const char *why;

	if (!t->re)
		return fail(c, "want a /REGEX/, got '%t'", t);
	if (!copy_tok(dst, SCN_RE_MAX, t))
		return fail(c, "regex longer than %d characters", SCN_RE_MAX - 1);
	why = scn_re_check(dst);
	if (why != NULL)
		return fail(c, "bad regex %t: %s", t, why);
	return 0;
}

/* A RANGE token (N, A..B, A.., ..B) whose low end is at least `min`. */
static int
take_range(struct ctx *c, const struct tok *t, uint64_t min, struct scn_range *r)
{
	if (!parse_range(t, r) || r->lo < min)
		return fail(c, min == 0 ? "'%t' is not a range (N, A..B with A <= B, A.. or ..B)" :
		    "'%t' is not a range from 1 (N, A..B with 1 <= A <= B, or A..)", t);
	return 0;
}

/* A name of [a-z0-9_.-] into dst[SCN_WORD_MAX]; `what` names it. */
static int
take_name(struct ctx *c, const struct tok *t, char *dst, const char *what)
{
	if (!is_name(t) || !copy_tok(dst, SCN_WORD_MAX, t))
		return fail(c, "'%t' is not %s (a-z 0-9 _ . -, at most %d characters)", t, what,
		    SCN_WORD_MAX - 1);
	return 0;
}

/* ---- directives ---------------------------------------------------------------- */

static const char *const errno_names[] = {
	"EPERM", "ENOENT", "EIO", "ENOMEM", "EFAULT", "EBUSY", "EEXIST", "ENODEV",
	"EINVAL", "ENOSPC", "ERANGE", "ENOTSUP", "ETIMEDOUT",
};

bool
scn_errno_known(const char *name)
{
	size_t i, n = scn_slen(name);

	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (scn_slen(errno_names[i]) == n && mem_eq(errno_names[i], name, n))
			return true;
	return false;
}

static int
find_action(struct ctx *c, const struct tok *t)
{
	int i;

	for (i = 0; i < c->nactions; i++)
		if (tok_is(t, c->actions[i].name))
			return i;
	return -1;
}

/* An action's usage as its table gives it, up to the first ':'. */
static void
usage_of(const struct scn_action_info *a, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	if (a->usage == NULL) {
		append(buf, len, a->name, (size_t)-1);
		return;
	}
	while (a->usage[n] != '\0' && a->usage[n] != ':')
		n++;
	append(buf, len, a->usage, n);
}

/* The action and its arguments: w[0] is the action name. */
static int
parse_action(struct ctx *c, struct scn_step *st, const struct tok *w, int nw)
{
	const char *spec;
	char use[64];
	int a, i, min = 0, max = 0;
	bool opt = false;

	if (nw >= 2 && tok_is(&w[nw - 2], "want")) {
		if (!copy_tok(st->want, sizeof(st->want), &w[nw - 1]) ||
		    !(tok_is(&w[nw - 1], "ok") || tok_is(&w[nw - 1], "any") ||
		    scn_errno_known(st->want)))
			return fail(c, "want '%t': not ok, any or an errno name (EBUSY, EINVAL, "
			    "ENOENT, ... in guests/README.md)", &w[nw - 1]);
		nw -= 2;
	} else
		append(st->want, sizeof(st->want), "ok", 2);
	if (nw < 1)
		return fail(c, "no ACTION after 'do'");
	a = find_action(c, &w[0]);
	if (a < 0)
		return fail(c, "unknown action '%t' (the actions are listed in guests/README.md)",
		    &w[0]);
	st->action = a;
	spec = c->actions[a].argspec;
	usage_of(&c->actions[a], use, sizeof(use));
	for (i = 0; spec[i] != '\0'; i++) {
		if (spec[i] == '|') {
			opt = true;
			continue;
		}
		max++;
		if (!opt)
			min++;
	}
	if (max > SCN_ARGS_MAX)
		return fail(c, "action '%t' has more than %d arguments", &w[0], SCN_ARGS_MAX);
	if (nw - 1 < min || nw - 1 > max) {
		if (max == 0)
			return fail(c, "%s takes no argument, got %d (usage: %s)", c->actions[a].name,
			    nw - 1, use);
		if (min == max)
			return fail(c, "%s takes %d argument%s, got %d (usage: %s)", c->actions[a].name,
			    min, min == 1 ? "" : "s", nw - 1, use);
		return fail(c, "%s takes %d to %d arguments, got %d (usage: %s)",
		    c->actions[a].name, min, max, nw - 1, use);
	}
	st->nargs = nw - 1;
	for (i = 0; i < st->nargs; i++) {
		const struct tok *t = &w[1 + i];
		struct scn_arg *arg = &st->args[i];
		char kind;
		int k, skip = 0;

		/* the i-th argument's letter, past any '|' */
		for (k = 0; spec[k] != '\0'; k++) {
			if (spec[k] == '|')
				continue;
			if (skip++ == i)
				break;
		}
		kind = spec[k];
		if (t->re || !copy_tok(arg->word, sizeof(arg->word), t))
			return fail(c, "%s: argument %d '%t' is not a word or number of at most "
			    "%d characters (usage: %s)", c->actions[a].name, i + 1, t,
			    SCN_WORD_MAX - 1, use);
		arg->is_num = parse_num(t, true, &arg->num);
		if (kind == 'n' && !arg->is_num)
			return fail(c, "%s: argument %d '%t' is not a number (usage: %s)",
			    c->actions[a].name, i + 1, t, use);
		if (kind == 'w' && arg->is_num)
			return fail(c, "%s: argument %d '%t' is a number, want a word (usage: %s)",
			    c->actions[a].name, i + 1, t, use);
	}
	return 0;
}

/* on mark N|any [vcpu V] [hits RANGE] do ...  /  on exits N [vcpu V] do ... */
static int
parse_on(struct ctx *c, const struct tok *w, int nw)
{
	struct scn_step *st;
	int i;

	if (c->s->nsteps == SCN_STEPS_MAX)
		return fail(c, "more than %d 'on' lines", SCN_STEPS_MAX);
	st = &c->s->steps[c->s->nsteps];
	st->line = c->line;
	st->vcpu = -1;
	st->hits.lo = 1;
	st->hits.hi = UINT64_MAX;
	if (nw < 3)
		return fail(c, "want 'on mark N|any ... do ACTION' or 'on exits N ... do ACTION'");
	if (tok_is(&w[1], "mark")) {
		c->dir = "on mark";
		st->trigger = SCN_ON_MARK;
		if (tok_is(&w[2], "any"))
			st->value = SCN_ANY;
		else if (!parse_num(&w[2], false, &st->value) || st->value == SCN_ANY)
			return fail(c, "'%t' is not a mark number (0..2^64-2) or 'any'", &w[2]);
	} else if (tok_is(&w[1], "exits")) {
		c->dir = "on exits";
		st->trigger = SCN_ON_EXITS;
		if (!parse_num(&w[2], false, &st->value) || st->value == 0)
			return fail(c, "'%t' is not an exit count (1..)", &w[2]);
	} else
		return fail(c, "'%t': want 'mark' or 'exits' after 'on'", &w[1]);
	for (i = 3; i < nw && !tok_is(&w[i], "do"); i++) {
		uint64_t v;

		if (tok_is(&w[i], "vcpu") && i + 1 < nw) {
			if (!parse_num(&w[i + 1], false, &v))
				return fail(c, "vcpu '%t' is not a number (0..%d)", &w[i + 1],
				    SCN_VCPUS_MAX - 1);
			if (v >= SCN_VCPUS_MAX)
				return fail(c, "vcpu %t is out of range 0..%d", &w[i + 1],
				    SCN_VCPUS_MAX - 1);
			st->vcpu = (int)v;
			i++;
		} else if (tok_is(&w[i], "hits") && i + 1 < nw) {
			if (st->trigger != SCN_ON_MARK)
				return fail(c, "'hits' only goes with 'on mark'");
			if (take_range(c, &w[i + 1], 1, &st->hits) != 0)
				return -1;
			i++;
		} else
			return fail(c, "unexpected '%t' (want vcpu V, hits RANGE or do ACTION)", &w[i]);
	}
	if (i >= nw)
		return fail(c, "no 'do ACTION'");
	if (parse_action(c, st, w + i + 1, nw - i - 1) != 0)
		return -1;
	c->s->nsteps++;
	return 0;
}

/* Exactly `want` words (the directive included), else its usage. */
static int
want_words(struct ctx *c, int nw, int want, const char *usage)
{
	if (nw != want)
		return fail(c, "%s (usage: %s)", nw < want ? "missing argument" :
		    "too many arguments", usage);
	return 0;
}

/* The expect kinds of one shape: [NAME|N] RANGE, or no argument. */
enum expect_args { EA_NAME_RANGE, EA_MARK_RANGE, EA_RANGE, EA_NONE };

struct expect_kind {
	const char		*word;
	enum scn_expect_kind	 kind;
	enum expect_args	 args;
	const char		*dir;	/* for messages */
	const char		*usage;
};

static const struct expect_kind expect_kinds[] = {
	{ "exits", SCN_EXP_EXITS, EA_NAME_RANGE, "expect exits", "expect exits NAME|all RANGE" },
	{ "stat", SCN_EXP_STAT, EA_NAME_RANGE, "expect stat", "expect stat NAME RANGE" },
	{ "sysctl", SCN_EXP_SYSCTL, EA_NAME_RANGE, "expect sysctl", "expect sysctl NAME RANGE" },
	{ "marks", SCN_EXP_MARKS, EA_MARK_RANGE, "expect marks", "expect marks N RANGE" },
	{ "faults", SCN_EXP_FAULTS, EA_RANGE, "expect faults", "expect faults RANGE" },
	{ "reports", SCN_EXP_REPORTS, EA_RANGE, "expect reports", "expect reports RANGE" },
	{ "failed-reports", SCN_EXP_FAILED_REPORTS, EA_RANGE, "expect failed-reports",
	    "expect failed-reports RANGE" },
	{ "alive", SCN_EXP_ALIVE, EA_NONE, "expect alive", NULL },
	{ "no-leak", SCN_EXP_NO_LEAK, EA_NONE, "expect no-leak", NULL },
};

static const struct expect_kind *
expect_kind(const struct tok *t)
{
	size_t i;

	for (i = 0; i < sizeof(expect_kinds) / sizeof(expect_kinds[0]); i++)
		if (tok_is(t, expect_kinds[i].word))
			return &expect_kinds[i];
	return NULL;
}

static int
parse_expect(struct ctx *c, const struct tok *w, int nw, const char *line, size_t len)
{
	const struct expect_kind *k;
	struct scn_expect *e;
	size_t at;

	if (c->s->nexpects == SCN_EXPECTS_MAX)
		return fail(c, "more than %d 'expect' lines", SCN_EXPECTS_MAX);
	if (nw < 2)
		return fail(c, "no KIND (end, serial, exits, stat, faults, marks, reports, "
		    "failed-reports, alive or no-leak)");
	e = &c->s->expects[c->s->nexpects];
	e->line = c->line;
	e->range.lo = 1;
	e->range.hi = UINT64_MAX;
	/* the text after "expect ", for the CHECK message */
	at = (size_t)(w[1].p - line) - (w[1].re ? 1 : 0);
	while (len > at && blank(line[len - 1]))
		len--;
	if (!(len - at < sizeof(e->text)))
		return fail(c, "line too long");
	append(e->text, sizeof(e->text), line + at, len - at);
	w++;
	nw--;
	if (tok_is(&w[0], "end")) {
		c->dir = "expect end";
		if (nw >= 2 && tok_is(&w[1], "exit")) {
			c->dir = "expect end exit";
			e->kind = SCN_EXP_END_EXIT;
			if (want_words(c, nw, 3, "expect end exit CODE") != 0)
				return -1;
			if (!parse_num(&w[2], false, &e->num))
				return fail(c, "'%t' is not an exit code (a number)", &w[2]);
		} else if (nw >= 2 && tok_is(&w[1], "error")) {
			c->dir = "expect end error";
			e->kind = SCN_EXP_END_ERROR;
			if (nw > 3)
				return fail(c, "too many arguments (usage: expect end error [/REGEX/])");
			if (nw == 3 && take_re(c, &w[2], e->re) != 0)
				return -1;
		} else
			return fail(c, "want 'expect end exit CODE' or 'expect end error [/REGEX/]'");
	} else if (tok_is(&w[0], "serial")) {
		c->dir = "expect serial";
		e->kind = SCN_EXP_SERIAL;
		if (nw < 2 || nw > 3)
			return fail(c, "%s (usage: expect serial /REGEX/ [RANGE])",
			    nw < 2 ? "missing argument" : "too many arguments");
		if (take_re(c, &w[1], e->re) != 0)
			return -1;
		if (nw == 3 && take_range(c, &w[2], 0, &e->range) != 0)
			return -1;
	} else if ((k = expect_kind(&w[0])) != NULL) {
		c->dir = k->dir;
		e->kind = k->kind;
		if (k->args == EA_NONE) {
			if (nw != 1)
				return fail(c, "takes no argument");
		} else if (want_words(c, nw, k->args == EA_RANGE ? 2 : 3, k->usage) != 0)
			return -1;
		if (k->args == EA_NAME_RANGE &&
		    take_name(c, &w[1], e->name, "a counter name") != 0)
			return -1;
		if (k->args == EA_MARK_RANGE &&
		    (!parse_num(&w[1], false, &e->num) || e->num == SCN_ANY))
			return fail(c, "'%t' is not a mark number (0..2^64-2)", &w[1]);
		if (k->args != EA_NONE &&
		    take_range(c, &w[nw - 1], 0, &e->range) != 0)
			return -1;
	} else
		return fail(c, "unknown KIND '%t' (want end, serial, exits, stat, faults, marks, "
		    "reports, failed-reports, alive or no-leak)", &w[0]);
	c->s->nexpects++;
	return 0;
}

/* A header directive's one numeric argument in [lo, hi] (`range` says so). */
static int
header_num(struct ctx *c, const struct tok *w, int nw, enum dir d, bool size,
    uint64_t lo, uint64_t hi, const char *range, uint64_t *out)
{
	if (want_words(c, nw, 2, dirs[d].usage) != 0)
		return -1;
	if (!parse_num(&w[1], size, out))
		return fail(c, size ? "'%t' is not a size (N, 0xN, with K, M or G: %s)" :
		    "'%t' is not a number (%s)", &w[1], range);
	if (*out < lo || *out > hi)
		return fail(c, "%t is out of range %s", &w[1], range);
	return 0;
}

static int
backend_of(const struct tok *t)
{
	return tok_is(t, "svm") ? SCN_BK_SVM : tok_is(t, "vmx") ? SCN_BK_VMX : -1;
}

/* The text from word w to the end of the line, blanks trimmed, into dst[cap]. */
static int
take_rest(struct ctx *c, const char *line, size_t len, const struct tok *w, char *dst,
    size_t cap)
{
	size_t at = (size_t)(w->p - line) - (w->re ? 1 : 0);

	while (len > at && blank(line[len - 1]))
		len--;
	if (len - at >= cap)
		return fail(c, "text longer than %d characters", (int)cap - 1);
	append(dst, cap, line + at, len - at);
	return 0;
}

/* mem SIZE ram GPA SIZE: the memory at 0, then a range above it below 4G. */
static int
parse_ram(struct ctx *c, const struct tok *w, struct scn *s)
{
	if (header_num(c, w, 2, D_MEM, true, SCN_MEM_MIN, SCN_MEM_MAX, "4M..1G",
	    &s->mem) != 0)
		return -1;
	if (!parse_num(&w[3], true, &s->ram_gpa) || !parse_num(&w[4], true, &s->ram_size))
		return fail(c, "'%t %t' is not an address and a size", &w[3], &w[4]);
	if ((s->mem | s->ram_gpa | s->ram_size) % 4096 != 0)
		return fail(c, "%t, %t and %t must be multiples of 4K", &w[1], &w[3], &w[4]);
	if (s->ram_size == 0 || s->ram_size > SCN_RAM_MAX || s->ram_gpa < s->mem ||
	    s->ram_gpa > (4ull << 30) - s->ram_size)
		return fail(c, "ram %t %t must be 4K..16M above the memory at 0 and end "
		    "by 4G", &w[3], &w[4]);
	return 0;
}

/* cpu [intel|amd] [phys-bits N] [vmware-backdoor]: the guest's CPU model,
 * each part at most once */
static int
parse_cpu(struct ctx *c, const struct tok *w, int nw, struct scn *s)
{
	bool phys = false;
	int i;

	if (nw < 2)
		return fail(c, "missing argument (usage: %s)", dirs[D_CPU].usage);
	for (i = 1; i < nw; i++) {
		if ((tok_is(&w[i], "intel") || tok_is(&w[i], "amd")) &&
		    s->cpu_vendor == SCN_CPU_HOST)
			s->cpu_vendor = tok_is(&w[i], "intel") ? SCN_CPU_INTEL : SCN_CPU_AMD;
		else if (tok_is(&w[i], "phys-bits") && !phys && i + 1 < nw) {
			phys = true;
			i++;
			if (!parse_num(&w[i], false, &s->cpu_phys_bits))
				return fail(c, "'%t' is not a number (32..52)", &w[i]);
			if (s->cpu_phys_bits < 32 || s->cpu_phys_bits > 52)
				return fail(c, "phys-bits %t is out of range 32..52", &w[i]);
		} else if (tok_is(&w[i], "vmware-backdoor") && !s->cpu_vmware_backdoor)
			s->cpu_vmware_backdoor = true;
		else
			return fail(c, "unexpected '%t' (usage: %s; each at most once)", &w[i],
			    dirs[D_CPU].usage);
	}
	return 0;
}

static int
parse_header(struct ctx *c, enum dir d, const struct tok *w, int nw, const char *line,
    size_t len)
{
	struct scn *s = c->s;
	uint64_t v;
	int i, b;

	if (c->seen[d] != 0)
		return fail(c, "duplicate (first on line %d; at most one per file)", c->seen[d]);
	c->seen[d] = c->line;
	switch (d) {
	case D_GUEST:
		if (want_words(c, nw, 2, dirs[d].usage) != 0)
			return -1;
		return take_name(c, &w[1], s->guest, "a module name");
	case D_DESCR:
		if (nw < 2)
			return fail(c, "missing argument (usage: %s)", dirs[d].usage);
		return take_rest(c, line, len, &w[1], s->descr, sizeof(s->descr));
	case D_VCPUS:
		if (header_num(c, w, nw, d, false, 1, SCN_VCPUS_MAX, "1..8", &v) != 0)
			return -1;
		s->vcpus = (int)v;
		return 0;
	case D_MEM:
		/* the optional second RAM range (hv_vm_add_ram) */
		if (nw == 5 && tok_is(&w[2], "ram"))
			return parse_ram(c, w, s);
		if (header_num(c, w, nw, d, true, SCN_MEM_MIN, SCN_MEM_MAX, "4M..1G", &s->mem) != 0)
			return -1;
		if (s->mem % 4096 != 0)
			return fail(c, "%t is not a multiple of 4K", &w[1]);
		return 0;
	case D_CPUS:
		if (header_num(c, w, nw, d, false, 1, 64, "1..64", &v) != 0)
			return -1;
		s->cpus = (int)v;
		return 0;
	case D_TIMEOUT:
		return header_num(c, w, nw, d, false, 1, SCN_TIMEOUT_MAX, "1..600000",
		    &s->timeout_ms);
	case D_STALL:
		return header_num(c, w, nw, d, false, 0, SCN_TIMEOUT_MAX, "0..600000",
		    &s->stall_ms);
	case D_BACKENDS:
		if (nw < 2)
			return fail(c, "missing argument (usage: %s)", dirs[d].usage);
		s->on_svm = s->on_vmx = false;
		for (i = 1; i < nw; i++) {
			b = backend_of(&w[i]);
			if (b < 0)
				return fail(c, "unknown backend '%t' (want svm or vmx)", &w[i]);
			if (b == SCN_BK_SVM)
				s->on_svm = true;
			else
				s->on_vmx = true;
		}
		return 0;
	case D_QUIRK:
		if (want_words(c, nw, 2, dirs[d].usage) != 0)
			return -1;
		return take_name(c, &w[1], s->quirk, "a quirk name");
	case D_QUIRK_ABSENT:
		/* one line per backend: not a header directive seen once */
		c->seen[d] = 0;
		if (nw < 3)
			return fail(c, "missing %s (usage: %s)", nw < 2 ? "argument" : "reason",
			    dirs[d].usage);
		b = backend_of(&w[1]);
		if (b < 0)
			return fail(c, "unknown backend '%t' (want svm or vmx)", &w[1]);
		if (s->quirk_absent[b][0] != '\0')
			return fail(c, "'%t' given twice", &w[1]);
		c->absent_line[b] = c->line;
		return take_rest(c, line, len, &w[2], s->quirk_absent[b],
		    sizeof(s->quirk_absent[b]));
	case D_SYMPTOM:
		if (want_words(c, nw, 2, dirs[d].usage) != 0)
			return -1;
		return take_re(c, &w[1], s->symptom);
	case D_MULTIBOOT:
		s->multiboot = true;
		return nw < 2 ? 0 : take_rest(c, line, len, &w[1], s->mb_args,
		    sizeof(s->mb_args));
	case D_CPU:
		return parse_cpu(c, w, nw, s);
	case D_PORT:
		/* a scratch I/O register of 4 bytes (hv_vm_add_scratch_port) */
		if (want_words(c, nw, 3, dirs[d].usage) != 0)
			return -1;
		if (!parse_num(&w[1], false, &v) || v > 0xfffc)
			return fail(c, "'%t' is not a port (0..0xfffc)", &w[1]);
		if (!tok_is(&w[2], "scratch4"))
			return fail(c, "unknown device '%t' (want scratch4)", &w[2]);
		s->scratch_port = (int)v;
		return 0;
	case D_MODULE:
		if (nw < 2)
			return fail(c, "missing argument (usage: %s)", dirs[d].usage);
		for (i = 1; i < nw; i++) {
			if (w[i].re)
				return fail(c, "a module line is words, not a regex");
			append(s->mb_module, sizeof(s->mb_module), w[i].p, w[i].n);
			append(s->mb_module, sizeof(s->mb_module), "\n", 1);
		}
		return 0;
	default:
		return -1;
	}
}

static int
parse_line(struct ctx *c, const char *line, size_t len)
{
	struct tok w[WORDS_MAX];
	int nw, d;

	c->dir = NULL;
	if (split(c, line, len, w, &nw) != 0)
		return -1;
	if (nw == 0)
		return 0;
	if (w[0].re)
		return fail(c, "a line cannot start with a regex");
	c->dir = dir_name(&w[0]);
	for (d = 0; d < D_COUNT && c->dir != dirs[d].name; d++)
		;
	if (d == D_COUNT)
		return fail(c, "unknown directive '%t' (want guest, descr, vcpus, mem, backends, "
		    "cpus, timeout, stall, quirk, quirk-absent, symptom, multiboot, module, cpu, port, "
		    "on or expect)", &w[0]);
	if (d == D_ON)
		return parse_on(c, w, nw);
	if (d == D_EXPECT)
		return parse_expect(c, w, nw, line, len);
	return parse_header(c, (enum dir)d, w, nw, line, len);
}

/* Rules about the whole file, each reported at the line that breaks it. */
static int
check_file(struct ctx *c, int last_line)
{
	struct scn *s = c->s;
	int j;

	for (j = 0; j < s->nsteps; j++)
		if (s->steps[j].vcpu >= s->vcpus) {
			c->line = s->steps[j].line;
			c->dir = "on";
			return fail(c, "vcpu %d is out of range 0..%d (the scenario has vcpus %d)",
			    s->steps[j].vcpu, s->vcpus - 1, s->vcpus);
		}
	c->dir = NULL;
	c->line = last_line == 0 ? 1 : last_line;
	if (c->seen[D_GUEST] == 0)
		return fail(c, "no 'guest IMAGE' line in the file");
	if (s->nexpects == 0)
		return fail(c, "no 'expect' line in the file");
	if (c->seen[D_MODULE] != 0 && c->seen[D_MULTIBOOT] == 0) {
		c->line = c->seen[D_MODULE];
		c->dir = "module";
		return fail(c, "no 'multiboot' line: only a multiboot kernel gets modules");
	}
	if (c->seen[D_MULTIBOOT] != 0 && s->vcpus != 1) {
		c->line = c->seen[D_MULTIBOOT];
		c->dir = "multiboot";
		return fail(c, "needs vcpus 1 (a multiboot kernel starts the others itself)");
	}
	if (c->seen[D_QUIRK] != 0 && c->seen[D_SYMPTOM] == 0) {
		c->line = c->seen[D_QUIRK];
		c->dir = "quirk";
		return fail(c, "no 'symptom /REGEX/' line: what the quirk shows is needed");
	}
	if (c->seen[D_SYMPTOM] != 0 && c->seen[D_QUIRK] == 0) {
		c->line = c->seen[D_SYMPTOM];
		c->dir = "symptom";
		return fail(c, "no 'quirk NAME' line: a symptom of which quirk?");
	}
	for (j = 0; j < SCN_BACKENDS; j++) {
		bool runs = j == SCN_BK_SVM ? s->on_svm : s->on_vmx;

		if (s->quirk_absent[j][0] == '\0')
			continue;
		c->dir = "quirk-absent";
		c->line = c->absent_line[j];
		if (c->seen[D_QUIRK] == 0)
			return fail(c, "no 'quirk NAME' line: absent is which quirk?");
		if (!runs)
			return fail(c, "%s is not one of the scenario's backends",
			    j == SCN_BK_SVM ? "svm" : "vmx");
	}
	if (c->seen[D_QUIRK] != 0 && !scn_quirk_on(s, SCN_BK_SVM) &&
	    !scn_quirk_on(s, SCN_BK_VMX)) {
		c->dir = "quirk-absent";
		return fail(c, "the quirk is absent on every backend the scenario runs on");
	}
	return 0;
}

bool
scn_quirk_on(const struct scn *s, int backend)
{
	bool runs = backend == SCN_BK_SVM ? s->on_svm : s->on_vmx;

	return s->quirk[0] != '\0' && runs && s->quirk_absent[backend][0] == '\0';
}

int
scn_parse(const char *file, const char *text, size_t len,
    const struct scn_action_info *actions, int nactions,
    struct scn *out, char *err, size_t errlen)
{
	struct ctx c;
	size_t i = 0, k;

	zero(&c, sizeof(c));
	zero(out, sizeof(*out));
	c.file = file;
	c.err = err;
	c.errlen = errlen;
	c.actions = actions;
	c.nactions = nactions;
	c.s = out;
	if (errlen > 0)
		err[0] = '\0';
	out->vcpus = 1;
	out->mem = SCN_MEM_DEFAULT;
	out->on_svm = out->on_vmx = true;
	out->cpus = 1;
	out->timeout_ms = SCN_TIMEOUT_DEFAULT;
	out->stall_ms = SCN_STALL_DEFAULT;
	out->scratch_port = -1;
	while (i < len) {
		size_t end = i, n;

		c.line++;
		c.dir = NULL;
		while (end < len && text[end] != '\n')
			end++;
		n = end - i;
		if (n > 0 && text[i + n - 1] == '\r')
			n--;
		if (n > SCN_LINE_MAX)
			return fail(&c, "line longer than %d characters", SCN_LINE_MAX);
		for (k = 0; k < n; k++)
			if ((unsigned char)text[i + k] < 0x20 && text[i + k] != '\t')
				return fail(&c, "control character in the line");
		if (parse_line(&c, text + i, n) != 0)
			return -1;
		i = end + 1;
	}
	return check_file(&c, c.line);
}
