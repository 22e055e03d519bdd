/*
 * fuzz_scn.c - libFuzzer target: the scenario parser
 * (testkern/scn/scn_parse.c) and its regex matcher (testkern/scn/scn_re.c),
 * the same files testkern runs.
 *
 * Input: scenario text.  Checked (abort on violation):
 * - the text is handed over unterminated and the error buffer is exactly
 *   errlen bytes (errlen from the input's length, 0..160): ASan sees any
 *   read or write past them;
 * - an error is "f.scn:LINE: ..." with 1 <= LINE <= lines of the input,
 *   shorter than errlen; a success leaves err empty and a result inside
 *   the documented limits (counts, vCPU numbers, action indexes and
 *   argument counts, terminated strings, well-formed regexes);
 * - a second parse gives the same bytes;
 * - scn_re_search agrees with ref_search() below, a memoised backtracking
 *   matcher written from the grammar in guests/README.md, for the first
 *   line of the input as the pattern and the rest as the text, and for
 *   every regex the parse returned against the input.
 */
#include <string.h>
#include "fuzz.h"
#include "scn.h"

static const struct scn_action_info acts[] = {
	{ "reboot", "", NULL },
	{ "pageout", "nn", NULL },
	{ "migrate", "x", NULL },
	{ "sysctl", "w", NULL },
	{ "opt", "w|nn", NULL },
};
#define NACTS	((int)(sizeof(acts) / sizeof(acts[0])))

/* ---- reference regex ------------------------------------------------------- */

#define TMAX	256

struct ratom {
	int	 kind;		/* 0 literal, 1 any, 2 class */
	unsigned char ch;
	bool	 set[256];	/* class */
	char	 quant;		/* 0, '*', '+', '?' */
};

static struct ratom ra[SCN_RE_MAX];
static int nra;
static bool r_bol, r_eol;
static const unsigned char *r_text;
static size_t r_tlen;
/* 0 unknown, 1 no, 2 yes; memo_star: atom ai as if its quantifier were '*' */
static unsigned char memo[SCN_RE_MAX + 1][TMAX + 1], memo_star[SCN_RE_MAX + 1][TMAX + 1];
static bool ref_at(int ai, size_t ti);

static bool
esc_class(char e, bool set[256])
{
	int c;

	if (e != 'd' && e != 'w' && e != 's')
		return false;
	for (c = 0; c < 256; c++) {
		bool in = false;

		if (e == 'd' || e == 'w')
			in = c >= '0' && c <= '9';
		if (e == 'w')
			in = in || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    c == '_';
		if (e == 's')
			in = c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
			    c == '\f' || c == '\v';
		if (in)
			set[c] = true;
	}
	return true;
}

/* Compile re (known to be well formed: scn_re_check said so). */
static void
ref_compile(const char *re)
{
	size_t n = strlen(re), i, end, k, bs = 0;

	nra = 0;
	r_bol = n > 0 && re[0] == '^';
	i = r_bol ? 1 : 0;
	r_eol = false;
	if (n > i && re[n - 1] == '$') {
		for (k = n - 1; k > i && re[k - 1] == '\\'; k--)
			bs++;
		r_eol = bs % 2 == 0;
	}
	end = r_eol ? n - 1 : n;
	while (i < end) {
		struct ratom *a = &ra[nra++];

		memset(a, 0, sizeof(*a));
		if (re[i] == '.') {
			a->kind = 1;
			i++;
		} else if (re[i] == '\\') {
			if (esc_class(re[i + 1], a->set))
				a->kind = 2;
			else
				a->ch = (unsigned char)re[i + 1];
			i += 2;
		} else if (re[i] == '[') {
			bool neg = false;
			size_t j = i + 1, close;
			int c;

			a->kind = 2;
			if (re[j] == '^') {
				neg = true;
				j++;
			}
			/* the closing ]: the first unescaped one after a leading ] */
			close = j + (re[j] == ']' ? 1 : 0);
			while (re[close] != ']')
				close += re[close] == '\\' ? 2 : 1;
			while (j < close) {
				unsigned char lo, hi;

				if (re[j] == '\\' && esc_class(re[j + 1], a->set)) {
					j += 2;
					continue;
				}
				if (re[j] == '\\') {
					lo = (unsigned char)re[j + 1];
					j += 2;
				} else
					lo = (unsigned char)re[j++];
				hi = lo;
				if (re[j] == '-' && j + 1 < close) {
					if (re[j + 1] == '\\') {
						hi = (unsigned char)re[j + 2];
						j += 3;
					} else {
						hi = (unsigned char)re[j + 1];
						j += 2;
					}
				}
				for (c = lo; c <= hi; c++)
					a->set[c] = true;
			}
			if (neg)
				for (c = 0; c < 256; c++)
					a->set[c] = !a->set[c];
			i = close + 1;
		} else
			a->ch = (unsigned char)re[i++];
		if (i < end && (re[i] == '*' || re[i] == '+' || re[i] == '?'))
			a->quant = re[i++];
	}
}

static bool
amatch(const struct ratom *a, unsigned char c)
{
	return a->kind == 1 || (a->kind == 2 ? a->set[c] : a->ch == c);
}

/* Zero or more of atom ai from ti, then the atoms after it. */
static bool
ref_star(int ai, size_t ti)
{
	bool r;

	if (memo_star[ai][ti] != 0)
		return memo_star[ai][ti] == 2;
	r = ref_at(ai + 1, ti) ||
	    (ti < r_tlen && amatch(&ra[ai], r_text[ti]) && ref_star(ai, ti + 1));
	memo_star[ai][ti] = r ? 2 : 1;
	return r;
}

/* Do atoms [ai..] match the text from ti (up to its end when eol)? */
static bool
ref_at(int ai, size_t ti)
{
	const struct ratom *a;
	bool r;

	if (ai == nra)
		return !r_eol || ti == r_tlen;
	if (memo[ai][ti] != 0)
		return memo[ai][ti] == 2;
	a = &ra[ai];
	switch (a->quant) {
	case '*':
		r = ref_star(ai, ti);
		break;
	case '+':	/* one, then as for '*' */
		r = ti < r_tlen && amatch(a, r_text[ti]) && ref_star(ai, ti + 1);
		break;
	case '?':
		r = ref_at(ai + 1, ti) ||
		    (ti < r_tlen && amatch(a, r_text[ti]) && ref_at(ai + 1, ti + 1));
		break;
	default:
		r = ti < r_tlen && amatch(a, r_text[ti]) && ref_at(ai + 1, ti + 1);
		break;
	}
	memo[ai][ti] = r ? 2 : 1;
	return r;
}

static bool
ref_search(const char *re, const char *text)
{
	size_t t;

	ref_compile(re);
	r_text = (const unsigned char *)text;
	r_tlen = strlen(text);
	if (r_tlen > TMAX)
		FUZZ_FAIL("text too long for the reference");
	for (t = 0; t <= (size_t)nra; t++) {
		memset(memo[t], 0, r_tlen + 1);
		memset(memo_star[t], 0, r_tlen + 1);
	}
	for (t = 0; t <= r_tlen; t++) {
		if (ref_at(0, t))
			return true;
		if (r_bol)
			break;
	}
	return false;
}

static void
check_re(const char *re, const char *text)
{
	bool got, want;

	if (scn_re_check(re) != NULL) {
		if (scn_re_search(re, text))
			FUZZ_FAIL("malformed regex '%s' matched", re);
		return;
	}
	got = scn_re_search(re, text);
	want = ref_search(re, text);
	if (got != want)
		FUZZ_FAIL("regex '%s' on '%s': %d, reference %d", re, text, got, want);
}

/* Terminated within its array. */
#define TERMINATED(a)	(memchr((a), '\0', sizeof(a)) != NULL)

static int
count_lines(const uint8_t *d, size_t n)
{
	int lines = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (d[i] == '\n')
			lines++;
	if (n > 0 && d[n - 1] != '\n')
		lines++;
	return lines;
}

static void
check_result(const struct scn *s, int lines)
{
	int i, k;

	if (!TERMINATED(s->guest) || s->guest[0] == '\0' || !TERMINATED(s->descr) ||
	    !TERMINATED(s->quirk) || !TERMINATED(s->symptom))
		FUZZ_FAIL("header string");
	if (s->vcpus < 1 || s->vcpus > SCN_VCPUS_MAX || s->mem < SCN_MEM_MIN ||
	    s->mem > SCN_MEM_MAX || s->mem % 4096 != 0 || s->cpus < 1 ||
	    s->cpus > 64 || s->timeout_ms < 1 || s->timeout_ms > SCN_TIMEOUT_MAX ||
	    s->stall_ms > SCN_TIMEOUT_MAX || !(s->on_svm || s->on_vmx))
		FUZZ_FAIL("header value out of range");
	if (s->symptom[0] != '\0' && scn_re_check(s->symptom) != NULL)
		FUZZ_FAIL("symptom regex malformed");
	if (s->nsteps < 0 || s->nsteps > SCN_STEPS_MAX || s->nexpects < 1 ||
	    s->nexpects > SCN_EXPECTS_MAX)
		FUZZ_FAIL("%d steps, %d expects", s->nsteps, s->nexpects);
	for (i = 0; i < s->nsteps; i++) {
		const struct scn_step *st = &s->steps[i];
		const char *spec;
		int min = 0, max = 0;
		bool opt = false;

		if (st->line < 1 || st->line > lines || st->action < 0 ||
		    st->action >= NACTS || st->vcpu < -1 || st->vcpu >= s->vcpus ||
		    st->hits.lo > st->hits.hi || st->hits.lo == 0)
			FUZZ_FAIL("step %d", i);
		if (st->trigger == SCN_ON_EXITS ? st->value == 0 :
		    st->trigger != SCN_ON_MARK)
			FUZZ_FAIL("step %d trigger", i);
		for (spec = acts[st->action].argspec; *spec != '\0'; spec++) {
			if (*spec == '|') {
				opt = true;
				continue;
			}
			max++;
			min += !opt;
		}
		if (st->nargs < min || st->nargs > max)
			FUZZ_FAIL("step %d: %d arguments", i, st->nargs);
		for (k = 0; k < st->nargs; k++)
			if (!TERMINATED(st->args[k].word) || st->args[k].word[0] == '\0')
				FUZZ_FAIL("step %d argument %d", i, k);
		if (!TERMINATED(st->want) || !(strcmp(st->want, "ok") == 0 ||
		    strcmp(st->want, "any") == 0 || scn_errno_known(st->want)))
			FUZZ_FAIL("step %d want", i);
	}
	for (i = 0; i < s->nexpects; i++) {
		const struct scn_expect *e = &s->expects[i];

		if (e->line < 1 || e->line > lines || (int)e->kind < 0 ||
		    e->kind > SCN_EXP_NO_LEAK || !TERMINATED(e->name) ||
		    !TERMINATED(e->re) || !TERMINATED(e->text) ||
		    e->range.lo > e->range.hi)
			FUZZ_FAIL("expect %d", i);
		if (e->re[0] != '\0' && scn_re_check(e->re) != NULL)
			FUZZ_FAIL("expect %d regex malformed", i);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scn s1, s2;
	size_t errlen = size % (SCN_ERR_MAX + 1), i, nl;
	char *err = errlen ? malloc(errlen) : NULL, *err2 = malloc(SCN_ERR_MAX);
	char pat[SCN_RE_MAX], text[TMAX + 1];
	int lines = count_lines(data, size), rc, rc2;

	rc = scn_parse("f.scn", (const char *)data, size, acts, NACTS, &s1, err, errlen);
	rc2 = scn_parse("f.scn", (const char *)data, size, acts, NACTS, &s2, err2,
	    SCN_ERR_MAX);
	if (rc != rc2 || memcmp(&s1, &s2, sizeof(s1)) != 0)
		FUZZ_FAIL("two parses differ");
	if (rc == 0) {
		if (err2[0] != '\0' || (errlen > 0 && err[0] != '\0'))
			FUZZ_FAIL("error text on success");
		check_result(&s1, lines);
	} else if (rc == -1) {
		unsigned long line = 0;
		const char *p = err2 + 6;

		if (strncmp(err2, "f.scn:", 6) != 0 || *p < '1' || *p > '9')
			FUZZ_FAIL("error without file:line: '%s'", err2);
		while (*p >= '0' && *p <= '9')
			line = line * 10 + (unsigned long)(*p++ - '0');
		if (p[0] != ':' || p[1] != ' ' || p[2] == '\0')
			FUZZ_FAIL("error without a message: '%s'", err2);
		if (line < 1 || line > (unsigned long)(lines > 0 ? lines : 1))
			FUZZ_FAIL("error at line %lu of %d: '%s'", line, lines, err2);
		if (errlen > 0 && (memchr(err, '\0', errlen) == NULL ||
		    strncmp(err, err2, errlen - 1) != 0))
			FUZZ_FAIL("short error buffer");
	} else
		FUZZ_FAIL("scn_parse returned %d", rc);

	/* the regex alone: first line the pattern, the rest the text */
	for (nl = 0; nl < size && data[nl] != '\n'; nl++)
		;
	if (nl < sizeof(pat)) {
		memcpy(pat, data, nl);
		pat[nl] = '\0';
		i = size - (nl < size ? nl + 1 : nl);
		if (i > TMAX)
			i = TMAX;
		memcpy(text, data + size - i, i);
		text[i] = '\0';
		check_re(pat, text);
	}
	/* the parsed regexes against the start of the input */
	if (rc == 0) {
		i = size < TMAX ? size : TMAX;
		memcpy(text, data, i);
		text[i] = '\0';
		if (s1.symptom[0] != '\0')
			check_re(s1.symptom, text);
		for (rc = 0; rc < s1.nexpects; rc++)
			if (s1.expects[rc].re[0] != '\0')
				check_re(s1.expects[rc].re, text);
	}
	free(err);
	free(err2);
	return 0;
}
