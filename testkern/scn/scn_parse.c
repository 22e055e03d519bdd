/*
 * scn_parse.c - scenario file parser (grammar: guests/README.md "Scenario
 * files").  Input is a buffer and its length; output a struct scn or the
 * first error as "file:line: message".  Portable C99 with no library calls
 * and no allocation, so the same file runs in testkern and in host unit
 * tests / fuzzers; every copy into a fixed array is bounded.
 */
#include "scn.h"

#define WORDS_MAX	24	/* words of one line */

struct tok {
	const char *p;
	size_t	 n;
	bool	 re;		/* /regex/: p, n are the text between the slashes */
};

struct ctx {
	const char	*file;
	int		 line;
	char		*err;
	size_t		 errlen;
	const struct scn_action_info *actions;
	int		 nactions;
	struct scn	*s;
	/* header directives seen, to refuse duplicates */
	bool		 seen_guest, seen_descr, seen_vcpus, seen_mem, seen_backends;
	bool		 seen_cpus, seen_timeout, seen_stall, seen_quirk, seen_symptom;
};

/* ---- small string helpers (no libc) -------------------------------------- */

static size_t
slen(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

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
	size_t n = slen(w);

	return !t->re && t->n == n && mem_eq(t->p, w, n);
}

/* Append s (at most n bytes, n = -1: all) to buf of size len. */
static void
append(char *buf, size_t len, const char *s, size_t n)
{
	size_t at = slen(buf), i;

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

/* "file:line: what 'tok'" into the error buffer; always returns -1. */
static int
fail(struct ctx *c, const char *what, const struct tok *t)
{
	if (c->errlen == 0)
		return -1;
	c->err[0] = '\0';
	append(c->err, c->errlen, c->file, (size_t)-1);
	append(c->err, c->errlen, ":", 1);
	append_dec(c->err, c->errlen, (uint64_t)c->line);
	append(c->err, c->errlen, ": ", 2);
	append(c->err, c->errlen, what, (size_t)-1);
	if (t != NULL) {
		append(c->err, c->errlen, " '", 2);
		append(c->err, c->errlen, t->p, t->n > 40 ? 40 : t->n);
		append(c->err, c->errlen, t->n > 40 ? "...'" : "'", (size_t)-1);
	}
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
			return fail(c, "too many words on one line", NULL);
		if (p[i] == '/') {
			size_t j = i + 1;

			while (j < n && p[j] != '/') {
				if (p[j] == '\\' && j + 1 < n)
					j++;
				j++;
			}
			if (j >= n)
				return fail(c, "regex without a closing /", NULL);
			if (j + 1 < n && !blank(p[j + 1]))
				return fail(c, "text right after a regex's closing /", NULL);
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
		return fail(c, "want a /regex/, got", t);
	if (!copy_tok(dst, SCN_RE_MAX, t))
		return fail(c, "regex longer than 127 characters", NULL);
	why = scn_re_check(dst);
	if (why != NULL)
		return fail(c, why, t);
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
	size_t i, n = slen(name);

	for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (slen(errno_names[i]) == n && mem_eq(errno_names[i], name, n))
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

/* The action and its arguments: w[0] is the action name. */
static int
parse_action(struct ctx *c, struct scn_step *st, const struct tok *w, int nw)
{
	const char *spec;
	int a, i, min = 0, max = 0;
	bool opt = false;

	if (nw >= 2 && tok_is(&w[nw - 2], "want")) {
		if (!copy_tok(st->want, sizeof(st->want), &w[nw - 1]) ||
		    !(tok_is(&w[nw - 1], "ok") || tok_is(&w[nw - 1], "any") ||
		    scn_errno_known(st->want)))
			return fail(c, "want: unknown result (ok, any or an errno name like EBUSY)",
			    &w[nw - 1]);
		nw -= 2;
	} else
		append(st->want, sizeof(st->want), "ok", 2);
	if (nw < 1)
		return fail(c, "no action after 'do'", NULL);
	a = find_action(c, &w[0]);
	if (a < 0)
		return fail(c, "unknown action", &w[0]);
	st->action = a;
	spec = c->actions[a].argspec;
	for (i = 0; spec[i] != '\0'; i++) {
		if (spec[i] == '|') {
			opt = true;
			continue;
		}
		max++;
		if (!opt)
			min++;
	}
	if (nw - 1 < min || nw - 1 > max || max > SCN_ARGS_MAX)
		return fail(c, "wrong number of arguments for action", &w[0]);
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
			return fail(c, "bad argument", t);
		arg->is_num = parse_num(t, true, &arg->num);
		if (kind == 'n' && !arg->is_num)
			return fail(c, "want a number, got", t);
		if (kind == 'w' && arg->is_num)
			return fail(c, "want a word, got", t);
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
		return fail(c, "too many 'on' lines (at most 32)", NULL);
	st = &c->s->steps[c->s->nsteps];
	st->line = c->line;
	st->vcpu = -1;
	st->hits.lo = 1;
	st->hits.hi = UINT64_MAX;
	if (nw < 3)
		return fail(c, "want 'on mark N ... do ACTION' or 'on exits N ... do ACTION'", NULL);
	if (tok_is(&w[1], "mark")) {
		st->trigger = SCN_ON_MARK;
		if (tok_is(&w[2], "any"))
			st->value = SCN_ANY;
		else if (!parse_num(&w[2], false, &st->value) || st->value == SCN_ANY)
			return fail(c, "want a mark number or 'any', got", &w[2]);
	} else if (tok_is(&w[1], "exits")) {
		st->trigger = SCN_ON_EXITS;
		if (!parse_num(&w[2], false, &st->value) || st->value == 0)
			return fail(c, "want an exit count of at least 1, got", &w[2]);
	} else
		return fail(c, "want 'mark' or 'exits' after 'on', got", &w[1]);
	for (i = 3; i < nw && !tok_is(&w[i], "do"); i++) {
		uint64_t v;

		if (tok_is(&w[i], "vcpu") && i + 1 < nw) {
			if (!parse_num(&w[i + 1], false, &v) || v >= SCN_VCPUS_MAX)
				return fail(c, "bad vcpu number", &w[i + 1]);
			st->vcpu = (int)v;
			i++;
		} else if (tok_is(&w[i], "hits") && i + 1 < nw) {
			if (st->trigger != SCN_ON_MARK)
				return fail(c, "'hits' only goes with 'on mark'", NULL);
			if (!parse_range(&w[i + 1], &st->hits) || st->hits.lo == 0)
				return fail(c, "bad hits range (from 1)", &w[i + 1]);
			i++;
		} else
			return fail(c, "unexpected word (want vcpu V, hits RANGE or do)", &w[i]);
	}
	if (i >= nw)
		return fail(c, "no 'do ACTION' in the 'on' line", NULL);
	if (parse_action(c, st, w + i + 1, nw - i - 1) != 0)
		return -1;
	c->s->nsteps++;
	return 0;
}

static int
want_args(struct ctx *c, int nw, int want, const struct tok *w)
{
	if (nw != want)
		return fail(c, nw < want ? "missing argument for" : "too many arguments for", &w[0]);
	return 0;
}

static int
parse_expect(struct ctx *c, const struct tok *w, int nw, const char *line, size_t len)
{
	struct scn_expect *e;
	size_t at;

	if (c->s->nexpects == SCN_EXPECTS_MAX)
		return fail(c, "too many 'expect' lines (at most 32)", NULL);
	if (nw < 2)
		return fail(c, "'expect' without a kind", NULL);
	e = &c->s->expects[c->s->nexpects];
	e->line = c->line;
	e->range.lo = 1;
	e->range.hi = UINT64_MAX;
	/* the text after "expect ", for the CHECK message */
	at = (size_t)(w[1].p - line) - (w[1].re ? 1 : 0);
	while (len > at && blank(line[len - 1]))
		len--;
	if (!(len - at < sizeof(e->text)))
		return fail(c, "line too long", NULL);
	append(e->text, sizeof(e->text), line + at, len - at);
	w++;
	nw--;
	if (tok_is(&w[0], "end")) {
		if (nw >= 2 && tok_is(&w[1], "exit")) {
			e->kind = SCN_EXP_END_EXIT;
			if (want_args(c, nw, 3, w) != 0)
				return -1;
			if (!parse_num(&w[2], false, &e->num))
				return fail(c, "want an exit code, got", &w[2]);
		} else if (nw >= 2 && tok_is(&w[1], "error")) {
			e->kind = SCN_EXP_END_ERROR;
			if (nw > 3)
				return fail(c, "too many arguments for", &w[0]);
			if (nw == 3 && take_re(c, &w[2], e->re) != 0)
				return -1;
		} else
			return fail(c, "want 'end exit CODE' or 'end error [/REGEX/]'", NULL);
	} else if (tok_is(&w[0], "serial")) {
		e->kind = SCN_EXP_SERIAL;
		if (nw < 2 || nw > 3)
			return fail(c, "want 'serial /REGEX/ [RANGE]'", NULL);
		if (take_re(c, &w[1], e->re) != 0)
			return -1;
		if (nw == 3 && !parse_range(&w[2], &e->range))
			return fail(c, "bad range", &w[2]);
	} else if (tok_is(&w[0], "exits") || tok_is(&w[0], "stat")) {
		e->kind = tok_is(&w[0], "exits") ? SCN_EXP_EXITS : SCN_EXP_STAT;
		if (want_args(c, nw, 3, w) != 0)
			return -1;
		if (!is_name(&w[1]) || !copy_tok(e->name, sizeof(e->name), &w[1]))
			return fail(c, "bad counter name", &w[1]);
		if (!parse_range(&w[2], &e->range))
			return fail(c, "bad range", &w[2]);
	} else if (tok_is(&w[0], "marks")) {
		e->kind = SCN_EXP_MARKS;
		if (want_args(c, nw, 3, w) != 0)
			return -1;
		if (!parse_num(&w[1], false, &e->num) || e->num == SCN_ANY)
			return fail(c, "want a mark number, got", &w[1]);
		if (!parse_range(&w[2], &e->range))
			return fail(c, "bad range", &w[2]);
	} else if (tok_is(&w[0], "faults") || tok_is(&w[0], "reports") ||
	    tok_is(&w[0], "failed-reports")) {
		e->kind = tok_is(&w[0], "faults") ? SCN_EXP_FAULTS :
		    tok_is(&w[0], "reports") ? SCN_EXP_REPORTS : SCN_EXP_FAILED_REPORTS;
		if (want_args(c, nw, 2, w) != 0)
			return -1;
		if (!parse_range(&w[1], &e->range))
			return fail(c, "bad range", &w[1]);
	} else if (tok_is(&w[0], "alive") || tok_is(&w[0], "no-leak")) {
		e->kind = tok_is(&w[0], "alive") ? SCN_EXP_ALIVE : SCN_EXP_NO_LEAK;
		if (want_args(c, nw, 1, w) != 0)
			return -1;
	} else
		return fail(c, "unknown expectation", &w[0]);
	c->s->nexpects++;
	return 0;
}

/* A header directive with one numeric argument in [lo, hi]. */
static int
header_num(struct ctx *c, const struct tok *w, int nw, bool *seen, bool size,
    uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (*seen)
		return fail(c, "duplicate", &w[0]);
	*seen = true;
	if (want_args(c, nw, 2, w) != 0)
		return -1;
	if (!parse_num(&w[1], size, out) || *out < lo || *out > hi)
		return fail(c, "bad or out-of-range value", &w[1]);
	return 0;
}

static int
parse_line(struct ctx *c, const char *line, size_t len)
{
	struct tok w[WORDS_MAX];
	struct scn *s = c->s;
	uint64_t v;
	int nw, i;

	if (split(c, line, len, w, &nw) != 0)
		return -1;
	if (nw == 0)
		return 0;
	if (w[0].re)
		return fail(c, "a line cannot start with a regex", NULL);
	if (tok_is(&w[0], "guest")) {
		if (c->seen_guest)
			return fail(c, "duplicate", &w[0]);
		c->seen_guest = true;
		if (want_args(c, nw, 2, w) != 0)
			return -1;
		if (!is_name(&w[1]) || !copy_tok(s->guest, sizeof(s->guest), &w[1]))
			return fail(c, "bad guest image name", &w[1]);
	} else if (tok_is(&w[0], "descr")) {
		size_t at, end = len;

		if (c->seen_descr)
			return fail(c, "duplicate", &w[0]);
		c->seen_descr = true;
		if (nw < 2)
			return fail(c, "missing argument for", &w[0]);
		at = (size_t)(w[1].p - line) - (w[1].re ? 1 : 0);
		while (end > at && blank(line[end - 1]))
			end--;
		if (end - at >= sizeof(s->descr))
			return fail(c, "description longer than 99 characters", NULL);
		append(s->descr, sizeof(s->descr), line + at, end - at);
	} else if (tok_is(&w[0], "vcpus")) {
		if (header_num(c, w, nw, &c->seen_vcpus, false, 1, SCN_VCPUS_MAX, &v) != 0)
			return -1;
		s->vcpus = (int)v;
	} else if (tok_is(&w[0], "mem")) {
		if (header_num(c, w, nw, &c->seen_mem, true, SCN_MEM_MIN, SCN_MEM_MAX,
		    &s->mem) != 0)
			return -1;
		if (s->mem % 4096 != 0)
			return fail(c, "memory size not a multiple of 4K", &w[1]);
	} else if (tok_is(&w[0], "cpus")) {
		if (header_num(c, w, nw, &c->seen_cpus, false, 1, 64, &v) != 0)
			return -1;
		s->cpus = (int)v;
	} else if (tok_is(&w[0], "timeout")) {
		if (header_num(c, w, nw, &c->seen_timeout, false, 1, SCN_TIMEOUT_MAX,
		    &s->timeout_ms) != 0)
			return -1;
	} else if (tok_is(&w[0], "stall")) {
		if (header_num(c, w, nw, &c->seen_stall, false, 0, SCN_TIMEOUT_MAX,
		    &s->stall_ms) != 0)
			return -1;
	} else if (tok_is(&w[0], "backends")) {
		if (c->seen_backends)
			return fail(c, "duplicate", &w[0]);
		c->seen_backends = true;
		if (nw < 2)
			return fail(c, "missing argument for", &w[0]);
		s->on_svm = s->on_vmx = false;
		for (i = 1; i < nw; i++) {
			if (tok_is(&w[i], "svm"))
				s->on_svm = true;
			else if (tok_is(&w[i], "vmx"))
				s->on_vmx = true;
			else
				return fail(c, "unknown backend (svm, vmx)", &w[i]);
		}
	} else if (tok_is(&w[0], "quirk")) {
		if (c->seen_quirk)
			return fail(c, "duplicate", &w[0]);
		c->seen_quirk = true;
		if (want_args(c, nw, 2, w) != 0)
			return -1;
		if (!is_name(&w[1]) || !copy_tok(s->quirk, sizeof(s->quirk), &w[1]))
			return fail(c, "bad quirk name", &w[1]);
	} else if (tok_is(&w[0], "symptom")) {
		if (c->seen_symptom)
			return fail(c, "duplicate", &w[0]);
		c->seen_symptom = true;
		if (want_args(c, nw, 2, w) != 0)
			return -1;
		if (take_re(c, &w[1], s->symptom) != 0)
			return -1;
	} else if (tok_is(&w[0], "on"))
		return parse_on(c, w, nw);
	else if (tok_is(&w[0], "expect"))
		return parse_expect(c, w, nw, line, len);
	else
		return fail(c, "unknown directive", &w[0]);
	return 0;
}

int
scn_parse(const char *file, const char *text, size_t len,
    const struct scn_action_info *actions, int nactions,
    struct scn *out, char *err, size_t errlen)
{
	struct ctx c;
	size_t i = 0, k;
	int j;

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
	while (i < len) {
		size_t end = i, n;

		c.line++;
		while (end < len && text[end] != '\n')
			end++;
		n = end - i;
		if (n > 0 && text[i + n - 1] == '\r')
			n--;
		if (n > SCN_LINE_MAX)
			return fail(&c, "line longer than 255 characters", NULL);
		for (k = 0; k < n; k++)
			if ((unsigned char)text[i + k] < 0x20 && text[i + k] != '\t')
				return fail(&c, "control character in the line", NULL);
		if (parse_line(&c, text + i, n) != 0)
			return -1;
		i = end + 1;
	}
	/* whole-file rules, reported at the line that breaks them */
	for (j = 0; j < out->nsteps; j++)
		if (out->steps[j].vcpu >= out->vcpus) {
			c.line = out->steps[j].line;
			return fail(&c, "vcpu number not below 'vcpus'", NULL);
		}
	c.line = c.line == 0 ? 1 : c.line;
	if (!c.seen_guest)
		return fail(&c, "no 'guest IMAGE' line in the file", NULL);
	if (out->nexpects == 0)
		return fail(&c, "no 'expect' line in the file", NULL);
	if (!out->on_svm && !out->on_vmx)
		return fail(&c, "no backend", NULL);
	return 0;
}
