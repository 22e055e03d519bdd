/*
 * t_scn.c - the scenario parser (testkern/scn_parse.c) and its regex
 * (testkern/scn_re.c), built on the host from the same files as testkern:
 * every directive and expectation kind parsed into its fields, defaults,
 * numbers, sizes and ranges, comments/CRLF/tabs, and every error message
 * with its file:line.
 */
#include <stdio.h>
#include <string.h>
#include "test.h"
#include "scn.h"

static const struct scn_action_info acts[] = {
	{ "reboot", "" },
	{ "pageout", "nn" },
	{ "migrate", "x" },
	{ "sysctl", "w" },
	{ "opt", "w|nn" },
};
#define NACTS	((int)(sizeof(acts) / sizeof(acts[0])))

static struct scn s;
static char err[SCN_ERR_MAX];

static int
parse(const char *text)
{
	return scn_parse("t.scn", text, strlen(text), acts, NACTS, &s, err,
	    sizeof(err));
}

/* text must fail with exactly `want` ("t.scn:LINE: message ..."). */
static void
bad(const char *text, const char *want, int line)
{
	int rc = parse(text);

	if (!t_check(rc == -1 && strcmp(err, want) == 0, want, __FILE__, line))
		printf("     rc %d, message \"%s\"\n", rc, err);
}
#define BAD(text, want)	bad(text, want, __LINE__)

/* A valid file with every header directive, trigger form and expectation. */
static const char full[] =
	"# every directive\n"
	"guest hello.bin   # trailing comment\n"
	"descr  pages out\tall memory: data intact  \n"
	"vcpus 4\r\n"
	"mem 0x800000\n"
	"backends vmx\n"
	"cpus 2\n"
	"timeout 30000\n"
	"stall 0\n"
	"quirk zero_host_fs\n"
	"symptom /FS base \\/ [0-9a-f]+$/\n"
	"\n"
	"on mark 2 do pageout 0x800000 256K\n"
	"on mark any vcpu 3 hits 2..5 do migrate next want EINVAL\n"
	"on mark 7 hits 3.. vcpu 1 do sysctl hw.vmm.enable=0 want any\n"
	"on exits 100 vcpu 0 do reboot\n"
	"on mark 1 do opt x\n"
	"on mark 1 hits 1..4 do opt x 1G 0x10 want ok\n"
	"expect end exit 0\n"
	"expect end error\n"
	"expect end error /triple fault/\n"
	"expect serial /^hello, world$/\n"
	"expect serial /x/ 0\n"
	"expect exits hlt 1..\n"
	"expect stat pageouts ..64\n"
	"expect faults 3..7\n"
	"expect marks 4 2\n"
	"expect reports 10..\n"
	"expect failed-reports 0\n"
	"expect alive\n"
	"expect   no-leak   ";

void
test_scn_directives(void)
{
	const struct scn_step *st;
	const struct scn_expect *e;

	CHECK_EQ(parse(full), 0);
	CHECK_EQ(err[0], '\0');
	CHECK(strcmp(s.guest, "hello.bin") == 0);
	CHECK(strcmp(s.descr, "pages out\tall memory: data intact") == 0);
	CHECK_EQ(s.vcpus, 4);
	CHECK_EQ(s.mem, 8ull << 20);
	CHECK(s.on_vmx && !s.on_svm);
	CHECK_EQ(s.cpus, 2);
	CHECK_EQ(s.timeout_ms, 30000);
	CHECK_EQ(s.stall_ms, 0);
	CHECK(strcmp(s.quirk, "zero_host_fs") == 0);
	CHECK(strcmp(s.symptom, "FS base \\/ [0-9a-f]+$") == 0);

	CHECK_EQ(s.nsteps, 6);
	st = &s.steps[0];
	CHECK_EQ(st->line, 13);
	CHECK_EQ(st->trigger, SCN_ON_MARK);
	CHECK_EQ(st->value, 2);
	CHECK_EQ(st->vcpu, -1);
	CHECK_EQ(st->hits.lo, 1);
	CHECK_EQ(st->hits.hi, UINT64_MAX);
	CHECK_EQ(st->action, 1);
	CHECK_EQ(st->nargs, 2);
	CHECK(st->args[0].is_num && st->args[0].num == 0x800000);
	CHECK(strcmp(st->args[1].word, "256K") == 0);
	CHECK(st->args[1].is_num && st->args[1].num == 256 << 10);
	CHECK(strcmp(st->want, "ok") == 0);
	st = &s.steps[1];
	CHECK_EQ(st->value, SCN_ANY);
	CHECK_EQ(st->vcpu, 3);
	CHECK_EQ(st->hits.lo, 2);
	CHECK_EQ(st->hits.hi, 5);
	CHECK_EQ(st->action, 2);
	CHECK(!st->args[0].is_num && strcmp(st->args[0].word, "next") == 0);
	CHECK(strcmp(st->want, "EINVAL") == 0);
	st = &s.steps[2];
	CHECK_EQ(st->hits.lo, 3);
	CHECK_EQ(st->hits.hi, UINT64_MAX);
	CHECK_EQ(st->vcpu, 1);
	CHECK(strcmp(st->args[0].word, "hw.vmm.enable=0") == 0);
	CHECK(strcmp(st->want, "any") == 0);
	st = &s.steps[3];
	CHECK_EQ(st->trigger, SCN_ON_EXITS);
	CHECK_EQ(st->value, 100);
	CHECK_EQ(st->vcpu, 0);
	CHECK_EQ(st->action, 0);
	CHECK_EQ(st->nargs, 0);
	CHECK_EQ(s.steps[4].nargs, 1);		/* optional arguments left out */
	st = &s.steps[5];
	CHECK_EQ(st->nargs, 3);
	CHECK_EQ(st->hits.lo, 1);
	CHECK_EQ(st->hits.hi, 4);
	CHECK_EQ(st->args[1].num, 1ull << 30);
	CHECK_EQ(st->args[2].num, 16);

	CHECK_EQ(s.nexpects, 13);
	e = s.expects;
	CHECK_EQ(e[0].kind, SCN_EXP_END_EXIT);
	CHECK_EQ(e[0].num, 0);
	CHECK_EQ(e[0].line, 19);
	CHECK(strcmp(e[0].text, "end exit 0") == 0);
	CHECK_EQ(e[1].kind, SCN_EXP_END_ERROR);
	CHECK_EQ(e[1].re[0], '\0');
	CHECK(strcmp(e[2].re, "triple fault") == 0);
	CHECK_EQ(e[3].kind, SCN_EXP_SERIAL);
	CHECK(strcmp(e[3].re, "^hello, world$") == 0);
	CHECK_EQ(e[3].range.lo, 1);		/* default: at least once */
	CHECK_EQ(e[3].range.hi, UINT64_MAX);
	CHECK(strcmp(e[3].text, "serial /^hello, world$/") == 0);
	CHECK_EQ(e[4].range.lo, 0);
	CHECK_EQ(e[4].range.hi, 0);
	CHECK_EQ(e[5].kind, SCN_EXP_EXITS);
	CHECK(strcmp(e[5].name, "hlt") == 0);
	CHECK_EQ(e[5].range.lo, 1);
	CHECK_EQ(e[5].range.hi, UINT64_MAX);
	CHECK_EQ(e[6].kind, SCN_EXP_STAT);
	CHECK(strcmp(e[6].name, "pageouts") == 0);
	CHECK_EQ(e[6].range.lo, 0);
	CHECK_EQ(e[6].range.hi, 64);
	CHECK_EQ(e[7].kind, SCN_EXP_FAULTS);
	CHECK_EQ(e[7].range.lo, 3);
	CHECK_EQ(e[7].range.hi, 7);
	CHECK_EQ(e[8].kind, SCN_EXP_MARKS);
	CHECK_EQ(e[8].num, 4);
	CHECK_EQ(e[8].range.lo, 2);
	CHECK_EQ(e[8].range.hi, 2);
	CHECK_EQ(e[9].kind, SCN_EXP_REPORTS);
	CHECK_EQ(e[10].kind, SCN_EXP_FAILED_REPORTS);
	CHECK_EQ(e[10].range.hi, 0);
	CHECK_EQ(e[11].kind, SCN_EXP_ALIVE);
	CHECK_EQ(e[12].kind, SCN_EXP_NO_LEAK);
	CHECK_EQ(e[12].line, 31);
	CHECK(strcmp(e[12].text, "no-leak") == 0);

	/* the defaults, and a file without a final newline */
	CHECK_EQ(parse("guest g\nexpect alive"), 0);
	CHECK_EQ(s.vcpus, 1);
	CHECK_EQ(s.mem, SCN_MEM_DEFAULT);
	CHECK(s.on_svm && s.on_vmx);
	CHECK_EQ(s.cpus, 1);
	CHECK_EQ(s.timeout_ms, SCN_TIMEOUT_DEFAULT);
	CHECK_EQ(s.stall_ms, SCN_STALL_DEFAULT);
	CHECK_EQ(s.descr[0] | s.quirk[0] | s.symptom[0], 0);
	CHECK_EQ(s.nsteps, 0);
	/* both backends, sizes with suffixes, bounds that are allowed */
	CHECK_EQ(parse("guest g\nbackends svm vmx\nmem 1G\nvcpus 8\ncpus 64\n"
	    "timeout 100000\nstall 100000\nexpect alive\n"), 0);
	CHECK(s.on_svm && s.on_vmx);
	CHECK_EQ(s.mem, 1ull << 30);
	CHECK_EQ(parse("guest g\nmem 4m\nexpect alive\n"), 0);
	CHECK_EQ(s.mem, 4ull << 20);
	CHECK_EQ(parse("guest g\nmem 4096k\nexpect alive\n"), 0);
	CHECK_EQ(s.mem, 4ull << 20);
	CHECK_EQ(parse("guest g\nmem 0X400000\nexpect alive\n"), 0);
	CHECK_EQ(s.mem, 4ull << 20);
	/* numbers at the edge of 64 bits */
	CHECK_EQ(parse("guest g\non exits 18446744073709551615 do reboot\n"
	    "on mark 0xfffffffffffffffe do pageout 0xFFFFFFFFFFFFFFFF 17179869183G\n"
	    "expect alive\n"), 0);
	CHECK_EQ(s.steps[0].value, UINT64_MAX);
	CHECK_EQ(s.steps[1].value, UINT64_MAX - 1);
	CHECK_EQ(s.steps[1].args[0].num, UINT64_MAX);
	CHECK_EQ(s.steps[1].args[1].num, 17179869183ull << 30);
	/* 2^34 G does not fit in 64 bits: a word, and pageout wants numbers */
	BAD("guest g\non mark 1 do pageout 1 17179869184G\nexpect alive\n",
	    "t.scn:2: want a number, got '17179869184G'");
	BAD("guest g\non mark 1 do pageout 1 18446744073709551616\nexpect alive\n",
	    "t.scn:2: want a number, got '18446744073709551616'");
	/* exactly 255 characters and 24 words are fine */
	{
		char line[400];

		memset(line, 'a', sizeof(line));
		memcpy(line, "guest g\nexpect alive\n#", 22);
		line[21 + 255] = '\n';
		line[21 + 256] = '\0';
		CHECK_EQ(parse(line), 0);
		line[21 + 255] = 'a';
		line[21 + 256] = '\n';
		line[21 + 257] = '\0';
		BAD(line, "t.scn:3: line longer than 255 characters");
	}
	CHECK_EQ(parse("guest g\nexpect alive\ndescr 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 "
	    "16 17 18 19 20 21 22 23\n"), 0);
	BAD("guest g\nexpect alive\ndescr 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 "
	    "16 17 18 19 20 21 22 23 24\n", "t.scn:3: too many words on one line");
	/* 32 'on' and 32 'expect' lines fit, the 33rd does not */
	{
		char big[4096];
		int i;

		strcpy(big, "guest g\n");
		for (i = 0; i < 32; i++)
			strcat(big, "on mark 1 do reboot\nexpect alive\n");
		CHECK_EQ(parse(big), 0);
		CHECK_EQ(s.nsteps, 32);
		CHECK_EQ(s.nexpects, 32);
		strcat(big, "expect alive\n");
		BAD(big, "t.scn:66: too many 'expect' lines (at most 32)");
		big[strlen(big) - 13] = '\0';
		strcat(big, "on mark 1 do reboot\n");
		BAD(big, "t.scn:66: too many 'on' lines (at most 32)");
	}
	/* err may be short: cut, terminated; or absent */
	CHECK_EQ(scn_parse("t.scn", "bogus", 5, acts, NACTS, &s, err, 8), -1);
	CHECK(strcmp(err, "t.scn:1") == 0);
	CHECK_EQ(scn_parse("t.scn", "bogus", 5, acts, NACTS, &s, NULL, 0), -1);
	/* the text need not be terminated: only len bytes count */
	CHECK_EQ(scn_parse("t.scn", "guest g\nexpect aliveXYZ", 20, acts, NACTS, &s,
	    err, sizeof(err)), 0);
	CHECK(scn_errno_known("EBUSY") && scn_errno_known("ETIMEDOUT"));
	CHECK(!scn_errno_known("EBUS") && !scn_errno_known("ebusy") &&
	    !scn_errno_known(""));
}

void
test_scn_errors_header(void)
{
	char t[400];

	BAD("", "t.scn:1: no 'guest IMAGE' line in the file");
	BAD("# only a comment\n\nexpect alive\n",
	    "t.scn:3: no 'guest IMAGE' line in the file");
	BAD("guest g\n", "t.scn:1: no 'expect' line in the file");
	BAD("guest g\nexpect alive\x01\n", "t.scn:2: control character in the line");
	BAD("guest g\nexp\x1b\n", "t.scn:2: control character in the line");
	BAD("guest g\nfly away\n", "t.scn:2: unknown directive 'fly'");
	BAD("guest g\n/x/ guest\n", "t.scn:2: a line cannot start with a regex");
	BAD("guest g\nsymptom /abc\n", "t.scn:2: regex without a closing /");
	BAD("guest g\nsymptom /a\\/\n", "t.scn:2: regex without a closing /");
	BAD("guest g\nsymptom /abc/x\n", "t.scn:2: text right after a regex's closing /");
	/* duplicates, each header directive */
	BAD("guest a\nguest b\n", "t.scn:2: duplicate 'guest'");
	BAD("guest g\ndescr a\ndescr b\n", "t.scn:3: duplicate 'descr'");
	BAD("guest g\nvcpus 1\nvcpus 1\n", "t.scn:3: duplicate 'vcpus'");
	BAD("guest g\nmem 4M\nmem 4M\n", "t.scn:3: duplicate 'mem'");
	BAD("guest g\ncpus 1\ncpus 1\n", "t.scn:3: duplicate 'cpus'");
	BAD("guest g\ntimeout 1\ntimeout 1\n", "t.scn:3: duplicate 'timeout'");
	BAD("guest g\nstall 1\nstall 1\n", "t.scn:3: duplicate 'stall'");
	BAD("guest g\nbackends svm\nbackends vmx\n", "t.scn:3: duplicate 'backends'");
	BAD("guest g\nquirk a\nquirk b\n", "t.scn:3: duplicate 'quirk'");
	BAD("guest g\nsymptom /a/\nsymptom /b/\n", "t.scn:3: duplicate 'symptom'");
	/* argument counts */
	BAD("guest\n", "t.scn:1: missing argument for 'guest'");
	BAD("guest a b\n", "t.scn:1: too many arguments for 'guest'");
	BAD("guest g\ndescr\n", "t.scn:2: missing argument for 'descr'");
	BAD("guest g\nvcpus\n", "t.scn:2: missing argument for 'vcpus'");
	BAD("guest g\nmem 4M 8M\n", "t.scn:2: too many arguments for 'mem'");
	BAD("guest g\nbackends\n", "t.scn:2: missing argument for 'backends'");
	BAD("guest g\nquirk\n", "t.scn:2: missing argument for 'quirk'");
	BAD("guest g\nsymptom /a/ /b/\n", "t.scn:2: too many arguments for 'symptom'");
	/* values */
	BAD("guest Hello.bin\n", "t.scn:1: bad guest image name 'Hello.bin'");
	BAD("guest /hello/\n", "t.scn:1: bad guest image name 'hello'");
	BAD("guest g\nquirk zero/fs\n", "t.scn:2: bad quirk name 'zero/fs'");
	BAD("guest g\nvcpus 0\n", "t.scn:2: bad or out-of-range value '0'");
	BAD("guest g\nvcpus 9\n", "t.scn:2: bad or out-of-range value '9'");
	BAD("guest g\nvcpus two\n", "t.scn:2: bad or out-of-range value 'two'");
	BAD("guest g\nvcpus 1K\n", "t.scn:2: bad or out-of-range value '1K'");
	BAD("guest g\nmem 3M\n", "t.scn:2: bad or out-of-range value '3M'");
	BAD("guest g\nmem 2G\n", "t.scn:2: bad or out-of-range value '2G'");
	BAD("guest g\nmem 0x\n", "t.scn:2: bad or out-of-range value '0x'");
	BAD("guest g\nmem M\n", "t.scn:2: bad or out-of-range value 'M'");
	BAD("guest g\nmem 0x4000000000000000K\n",
	    "t.scn:2: bad or out-of-range value '0x4000000000000000K'");
	BAD("guest g\nmem 4194305\n", "t.scn:2: memory size not a multiple of 4K '4194305'");
	BAD("guest g\ncpus 65\n", "t.scn:2: bad or out-of-range value '65'");
	BAD("guest g\ntimeout 0\n", "t.scn:2: bad or out-of-range value '0'");
	BAD("guest g\ntimeout 100001\n", "t.scn:2: bad or out-of-range value '100001'");
	BAD("guest g\nstall -1\n", "t.scn:2: bad or out-of-range value '-1'");
	BAD("guest g\nbackends svm arm\n", "t.scn:2: unknown backend (svm, vmx) 'arm'");
	BAD("guest g\nsymptom abc\n", "t.scn:2: want a /regex/, got 'abc'");
	BAD("guest g\nsymptom /*a/\n", "t.scn:2: quantifier without an atom before it '*a'");
	BAD("guest g\nsymptom /a+*/\n", "t.scn:2: quantifier without an atom before it 'a+*'");
	BAD("guest g\nsymptom /ab\\/\n", "t.scn:2: regex without a closing /");
	/* the escaped backslash and blank are fine: no trailing backslash
	 * can reach the regex check from a file (a final \ escapes the /) */
	CHECK_EQ(parse("guest g\nexpect alive\nsymptom /ab\\\\\\ /\n"), 0);
	CHECK(strcmp(s.symptom, "ab\\\\\\ ") == 0);
	BAD("guest g\nsymptom /[ab/\n", "t.scn:2: unterminated [class] '[ab'");
	BAD("guest g\nsymptom /[]/\n", "t.scn:2: unterminated [class] '[]'");
	/* long words are cut at 40 characters in the message */
	BAD("guest g\nquirk ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJK\n",
	    "t.scn:2: bad quirk name 'ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJ...'");
	/* lengths: description 99, regex 127, names 47 */
	memset(t, 0, sizeof(t));
	strcpy(t, "guest g\nexpect alive\ndescr ");
	memset(t + strlen(t), 'd', 99);
	CHECK_EQ(parse(t), 0);
	CHECK_EQ(strlen(s.descr), 99);
	strcat(t, "d");
	BAD(t, "t.scn:3: description longer than 99 characters");
	memset(t, 0, sizeof(t));
	strcpy(t, "guest g\nexpect alive\nsymptom /");
	memset(t + strlen(t), 'r', 127);
	strcat(t, "/");
	CHECK_EQ(parse(t), 0);
	CHECK_EQ(strlen(s.symptom), 127);
	t[strlen(t) - 1] = 'r';
	strcat(t, "/");
	BAD(t, "t.scn:3: regex longer than 127 characters");
	memset(t, 0, sizeof(t));
	strcpy(t, "expect alive\nguest ");
	memset(t + strlen(t), 'g', 47);
	CHECK_EQ(parse(t), 0);
	strcat(t, "g");
	BAD(t, "t.scn:2: bad guest image name 'gggggggggggggggggggggggggggggggggggggggg...'");
}

void
test_scn_errors_on(void)
{
	BAD("guest g\non mark\n",
	    "t.scn:2: want 'on mark N ... do ACTION' or 'on exits N ... do ACTION'");
	BAD("guest g\non step 1 do reboot\n",
	    "t.scn:2: want 'mark' or 'exits' after 'on', got 'step'");
	BAD("guest g\non mark x do reboot\n",
	    "t.scn:2: want a mark number or 'any', got 'x'");
	BAD("guest g\non mark 0xffffffffffffffff do reboot\n",
	    "t.scn:2: want a mark number or 'any', got '0xffffffffffffffff'");
	BAD("guest g\non mark 1K do reboot\n",
	    "t.scn:2: want a mark number or 'any', got '1K'");
	BAD("guest g\non exits 0 do reboot\n",
	    "t.scn:2: want an exit count of at least 1, got '0'");
	BAD("guest g\non exits any do reboot\n",
	    "t.scn:2: want an exit count of at least 1, got 'any'");
	BAD("guest g\non mark 1 vcpu 8 do reboot\n", "t.scn:2: bad vcpu number '8'");
	BAD("guest g\non mark 1 vcpu x do reboot\n", "t.scn:2: bad vcpu number 'x'");
	BAD("guest g\non exits 5 hits 1 do reboot\n",
	    "t.scn:2: 'hits' only goes with 'on mark'");
	BAD("guest g\non mark 1 hits 0..2 do reboot\n",
	    "t.scn:2: bad hits range (from 1) '0..2'");
	/* hits count from 1, so an open start (0) is refused too */
	BAD("guest g\non mark 1 hits ..4 do reboot\n",
	    "t.scn:2: bad hits range (from 1) '..4'");
	BAD("guest g\non mark 1 hits 3..2 do reboot\n",
	    "t.scn:2: bad hits range (from 1) '3..2'");
	BAD("guest g\non mark 1 hits .. do reboot\n",
	    "t.scn:2: bad hits range (from 1) '..'");
	BAD("guest g\non mark 1 hits 1...2 do reboot\n",
	    "t.scn:2: bad hits range (from 1) '1...2'");
	BAD("guest g\non mark 1 now do reboot\n",
	    "t.scn:2: unexpected word (want vcpu V, hits RANGE or do) 'now'");
	BAD("guest g\non mark 1 vcpu\n",
	    "t.scn:2: unexpected word (want vcpu V, hits RANGE or do) 'vcpu'");
	BAD("guest g\non mark 1 vcpu 0\n", "t.scn:2: no 'do ACTION' in the 'on' line");
	BAD("guest g\non mark 1 do\n", "t.scn:2: no action after 'do'");
	BAD("guest g\non mark 1 do want ok\n", "t.scn:2: no action after 'do'");
	BAD("guest g\non mark 1 do fly\n", "t.scn:2: unknown action 'fly'");
	BAD("guest g\non mark 1 do /reboot/\n", "t.scn:2: unknown action 'reboot'");
	BAD("guest g\non mark 1 do pageout 1\n",
	    "t.scn:2: wrong number of arguments for action 'pageout'");
	BAD("guest g\non mark 1 do reboot now\n",
	    "t.scn:2: wrong number of arguments for action 'reboot'");
	BAD("guest g\non mark 1 do opt a 1 2 3\n",
	    "t.scn:2: wrong number of arguments for action 'opt'");
	BAD("guest g\non mark 1 do opt\n",
	    "t.scn:2: wrong number of arguments for action 'opt'");
	BAD("guest g\non mark 1 do reboot want EWHAT\n",
	    "t.scn:2: want: unknown result (ok, any or an errno name like EBUSY) 'EWHAT'");
	BAD("guest g\non mark 1 do reboot want "
	    "EBUSYEBUSYEBUSYEBUSYEBUSYEBUSYEBUSYEBUSYEBUSYEBUSY\n",
	    "t.scn:2: want: unknown result (ok, any or an errno name like EBUSY) "
	    "'EBUSYEBUSYEBUSYEBUSYEBUSYEBUSYEBUSYEBUSY...'");
	BAD("guest g\non mark 1 do pageout abc 1\n", "t.scn:2: want a number, got 'abc'");
	BAD("guest g\non mark 1 do sysctl 5\n", "t.scn:2: want a word, got '5'");
	BAD("guest g\non mark 1 do opt 1\n", "t.scn:2: want a word, got '1'");
	BAD("guest g\non mark 1 do opt a b 1\n", "t.scn:2: want a number, got 'b'");
	BAD("guest g\non mark 1 do migrate /x/\n", "t.scn:2: bad argument 'x'");
	BAD("guest g\non mark 1 do migrate "
	    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefgh\n",
	    "t.scn:2: bad argument 'abcdefghijabcdefghijabcdefghijabcdefghij...'");
	/* whole-file rule, reported at the 'on' line */
	BAD("guest g\non mark 1 vcpu 1 do reboot\nexpect alive\n",
	    "t.scn:2: vcpu number not below 'vcpus'");
	CHECK_EQ(parse("guest g\non mark 1 vcpu 1 do reboot\nexpect alive\nvcpus 2\n"), 0);
}

void
test_scn_errors_expect(void)
{
	BAD("guest g\nexpect\n", "t.scn:2: 'expect' without a kind");
	BAD("guest g\nexpect nothing\n", "t.scn:2: unknown expectation 'nothing'");
	BAD("guest g\nexpect /end/\n", "t.scn:2: unknown expectation 'end'");
	BAD("guest g\nexpect end\n",
	    "t.scn:2: want 'end exit CODE' or 'end error [/REGEX/]'");
	BAD("guest g\nexpect end well\n",
	    "t.scn:2: want 'end exit CODE' or 'end error [/REGEX/]'");
	BAD("guest g\nexpect end exit\n", "t.scn:2: missing argument for 'end'");
	BAD("guest g\nexpect end exit 1 2\n", "t.scn:2: too many arguments for 'end'");
	BAD("guest g\nexpect end exit x\n", "t.scn:2: want an exit code, got 'x'");
	BAD("guest g\nexpect end error /a/ /b/\n", "t.scn:2: too many arguments for 'end'");
	BAD("guest g\nexpect end error abc\n", "t.scn:2: want a /regex/, got 'abc'");
	BAD("guest g\nexpect end error /a**/\n",
	    "t.scn:2: quantifier without an atom before it 'a**'");
	BAD("guest g\nexpect serial\n", "t.scn:2: want 'serial /REGEX/ [RANGE]'");
	BAD("guest g\nexpect serial /a/ 1 2\n", "t.scn:2: want 'serial /REGEX/ [RANGE]'");
	BAD("guest g\nexpect serial a\n", "t.scn:2: want a /regex/, got 'a'");
	BAD("guest g\nexpect serial /a/ 2..1\n", "t.scn:2: bad range '2..1'");
	BAD("guest g\nexpect serial /a/ /1/\n", "t.scn:2: bad range '1'");
	BAD("guest g\nexpect exits hlt\n", "t.scn:2: missing argument for 'exits'");
	BAD("guest g\nexpect exits HLT 1\n", "t.scn:2: bad counter name 'HLT'");
	BAD("guest g\nexpect stat pageouts x\n", "t.scn:2: bad range 'x'");
	BAD("guest g\nexpect stat a b c\n", "t.scn:2: too many arguments for 'stat'");
	BAD("guest g\nexpect marks any 1\n", "t.scn:2: want a mark number, got 'any'");
	BAD("guest g\nexpect marks 0xffffffffffffffff 1\n",
	    "t.scn:2: want a mark number, got '0xffffffffffffffff'");
	BAD("guest g\nexpect marks 1 1..x\n", "t.scn:2: bad range '1..x'");
	BAD("guest g\nexpect marks 1\n", "t.scn:2: missing argument for 'marks'");
	BAD("guest g\nexpect faults\n", "t.scn:2: missing argument for 'faults'");
	BAD("guest g\nexpect reports x..\n", "t.scn:2: bad range 'x..'");
	BAD("guest g\nexpect failed-reports 1 2\n",
	    "t.scn:2: too many arguments for 'failed-reports'");
	BAD("guest g\nexpect alive 1\n", "t.scn:2: too many arguments for 'alive'");
	BAD("guest g\nexpect no-leak now\n", "t.scn:2: too many arguments for 'no-leak'");
}

void
test_scn_regex(void)
{
	CHECK(scn_re_check("^a.c[0-9]+\\d*\\w?\\s[^x-z]$") == NULL);
	CHECK(strcmp(scn_re_check("?"), "quantifier without an atom before it") == 0);
	CHECK(strcmp(scn_re_check("a\\"), "trailing backslash") == 0);
	CHECK(strcmp(scn_re_check("[a"), "unterminated [class]") == 0);
	{
		char longre[SCN_RE_MAX + 1];

		memset(longre, 'a', SCN_RE_MAX);
		longre[SCN_RE_MAX] = '\0';
		CHECK(strcmp(scn_re_check(longre), "regex too long") == 0);
		CHECK(!scn_re_search(longre, longre));
	}
	CHECK(scn_re_search("world", "hello, world!"));
	CHECK(!scn_re_search("^world", "hello, world!"));
	CHECK(scn_re_search("^hello", "hello, world!"));
	CHECK(scn_re_search("!$", "hello, world!"));
	CHECK(!scn_re_search("o$", "hello, world!"));
	CHECK(scn_re_search("\\$$", "cost: 5$"));
	CHECK(scn_re_search("^$", ""));
	CHECK(!scn_re_search("^$", "x"));
	CHECK(scn_re_search("", "anything"));
	CHECK(scn_re_search("a*", ""));
	CHECK(scn_re_search("^ab*c$", "ac"));
	CHECK(scn_re_search("^ab*c$", "abbbc"));
	CHECK(!scn_re_search("^ab+c$", "ac"));
	CHECK(scn_re_search("^ab?c$", "abc"));
	CHECK(!scn_re_search("^ab?c$", "abbc"));
	CHECK(scn_re_search("gpa=0x[0-9a-f]+ ", "stale: gpa=0x1f000 read=1"));
	CHECK(!scn_re_search("gpa=0x[0-9a-f]+ ", "stale: gpa=0x read=1"));
	CHECK(scn_re_search("^\\d\\d:\\w+\\s\\.$", "12:ab_9\t."));
	CHECK(!scn_re_search("^\\d", "x1"));
	CHECK(scn_re_search("[^a-c]", "abcd"));
	CHECK(!scn_re_search("[^a-c]", "abcabc"));
	CHECK(scn_re_search("[]x]", "]"));
	CHECK(scn_re_search("[\\]]", "]"));
	CHECK(scn_re_search("[\\d_]", "_"));
	CHECK(scn_re_search("[a\\-z]", "-"));
	CHECK(!scn_re_search("[a\\-z]", "b"));
	CHECK(scn_re_search("\\/x\\.", "a/x."));
	CHECK(!scn_re_search("\\/x\\.", "a/xy"));
	/* many states at once; no backtracking blow-up */
	CHECK(!scn_re_search("a*a*a*a*a*a*a*a*a*a*a*a*b",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
	CHECK(scn_re_search("^.*.*.*x$", "aaaaaaaaaaaaaaaaaaaax"));
}
