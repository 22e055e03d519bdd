/*
 * scn_re.c - the small regex of scenario files (guests/README.md): literals,
 * `.`, classes `[a-z]` `[^...]`, `\d \w \s`, `\` + any other character, the
 * quantifiers `* + ?` after one atom, `^` at the start, `$` at the end.
 *
 * Matching simulates the pattern as a set of positions (Thompson's
 * construction without building anything): the state is a bit per atom
 * offset in the pattern, so time is O(len(text) * len(re)) and memory a few
 * words on the stack, whatever the input.  It runs in the console path with
 * interrupts off, so it must not backtrack or recurse.  Portable C99, no
 * library calls.
 */
#include "scn.h"

/* One bit per byte offset of the pattern, plus the accepting end. */
#define SET_WORDS	((SCN_RE_MAX + 64) / 64)

struct set {
	uint64_t w[SET_WORDS];
};

static void
set_add(struct set *s, size_t i)
{
	s->w[i / 64] |= 1ull << (i % 64);
}

static bool
set_has(const struct set *s, size_t i)
{
	return (s->w[i / 64] >> (i % 64)) & 1;
}

/* Bytes of the atom at re[i] (without its quantifier); 0 if malformed. */
static size_t
atom_len(const char *re, size_t i, size_t end)
{
	size_t j;

	if (re[i] == '\\')
		return i + 1 < end ? 2 : 0;
	if (re[i] != '[')
		return 1;
	j = i + 1;
	if (j < end && re[j] == '^')
		j++;
	if (j < end && re[j] == ']')	/* a leading ] is literal */
		j++;
	for (; j < end; j++) {
		if (re[j] == '\\') {
			j++;
			continue;
		}
		if (re[j] == ']')
			return j - i + 1;
	}
	return 0;
}

static bool
is_quant(char c)
{
	return c == '*' || c == '+' || c == '?';
}

static bool
class_escape(char e, unsigned char c, bool *known)
{
	*known = true;
	switch (e) {
	case 'd':
		return c >= '0' && c <= '9';
	case 'w':
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || c == '_';
	case 's':
		return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
		    c == '\f' || c == '\v';
	default:
		*known = false;
		return (unsigned char)e == c;
	}
}

/* Does the atom at re[i] (alen bytes) match c? */
static bool
atom_match(const char *re, size_t i, size_t alen, unsigned char c)
{
	size_t j, last;
	bool neg = false, hit = false, known;

	if (re[i] == '.')
		return true;
	if (re[i] == '\\')
		return class_escape(re[i + 1], c, &known);
	if (re[i] != '[')
		return (unsigned char)re[i] == c;
	j = i + 1;
	last = i + alen - 1;	/* the closing ] */
	if (re[j] == '^') {
		neg = true;
		j++;
	}
	while (j < last) {
		unsigned char lo, hi;

		if (re[j] == '\\') {
			bool m = class_escape(re[j + 1], c, &known);

			if (known) {
				hit |= m;
				j += 2;
				continue;
			}
			lo = (unsigned char)re[j + 1];
			j += 2;
		} else
			lo = (unsigned char)re[j++];
		hi = lo;
		if (j + 1 < last && re[j] == '-') {
			if (re[j + 1] == '\\') {
				hi = (unsigned char)re[j + 2];
				j += 3;
			} else {
				hi = (unsigned char)re[j + 1];
				j += 2;
			}
		}
		if (c >= lo && c <= hi)
			hit = true;
	}
	return hit != neg;
}

/* Pattern bounds: [*start, *end) without the anchors. */
static void
bounds(const char *re, size_t *start, size_t *end, bool *bol, bool *eol)
{
	size_t n = scn_slen(re), k, bs = 0;

	*bol = n > 0 && re[0] == '^';
	*start = *bol ? 1 : 0;
	*eol = false;
	if (n > *start && re[n - 1] == '$') {
		/* an escaped $ is literal: count the backslashes before it */
		for (k = n - 1; k > *start && re[k - 1] == '\\'; k--)
			bs++;
		*eol = bs % 2 == 0;
	}
	*end = *eol ? n - 1 : n;
}

const char *
scn_re_check(const char *re)
{
	size_t start, end, i, alen;
	bool bol, eol;

	if (scn_slen(re) >= SCN_RE_MAX)
		return "regex too long";
	bounds(re, &start, &end, &bol, &eol);
	for (i = start; i < end; ) {
		if (is_quant(re[i]))
			return "quantifier without an atom before it";
		alen = atom_len(re, i, end);
		if (alen == 0)
			return re[i] == '\\' ? "trailing backslash" :
			    "unterminated [class]";
		if (re[i] == '[' && alen == 2)
			return "empty [class]";
		i += alen;
		if (i < end && is_quant(re[i]))
			i++;
	}
	return NULL;
}

/* Add position i and everything reachable from it without a character. */
static void
closure_add(const char *re, size_t end, struct set *s, size_t i)
{
	while (i < end) {
		size_t alen = atom_len(re, i, end);
		char q = re[i + alen];

		set_add(s, i);
		if (i + alen >= end || (q != '*' && q != '?'))
			return;
		i += alen + 1;	/* skip an optional atom */
	}
	set_add(s, end);
}

bool
scn_re_search(const char *re, const char *text)
{
	struct set cur, nxt;
	size_t start, end, i, t, w;
	bool bol, eol, empty;

	if (scn_re_check(re) != NULL)
		return false;
	bounds(re, &start, &end, &bol, &eol);
	for (w = 0; w < SET_WORDS; w++)
		cur.w[w] = 0;
	closure_add(re, end, &cur, start);
	for (t = 0; ; t++) {
		if (set_has(&cur, end) && (!eol || text[t] == '\0'))
			return true;
		if (text[t] == '\0')
			return false;
		for (w = 0; w < SET_WORDS; w++)
			nxt.w[w] = 0;
		empty = true;
		for (i = start; i < end; ) {
			size_t alen = atom_len(re, i, end);
			bool quant = i + alen < end && is_quant(re[i + alen]);
			char q = quant ? re[i + alen] : 0;
			size_t after = i + alen + (quant ? 1 : 0);

			if (set_has(&cur, i) &&
			    atom_match(re, i, alen, (unsigned char)text[t])) {
				if (q == '*' || q == '+')
					closure_add(re, end, &nxt, i);
				closure_add(re, end, &nxt, after);
				empty = false;
			}
			i = after;
		}
		/* unanchored search: a match may also start at the next character */
		if (!bol)
			closure_add(re, end, &nxt, start);
		else if (empty)
			return false;
		cur = nxt;
	}
}
