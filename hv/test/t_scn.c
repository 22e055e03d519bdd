/*
 * t_scn.c - the scenario parser (testkern/scn/scn_parse.c) and its regex
 * (testkern/scn/scn_re.c), built on the host from the same files as testkern:
 * every directive and expectation kind parsed into its fields, defaults,
 * numbers, sizes and ranges, comments/CRLF/tabs, and every error message
 * with its file:line.
 */
#include <stdio.h>
#include <string.h>
#include "test.h"
#include "scn.h"

static const struct scn_action_info acts[] = {
	{ "reboot", "", "reboot: the VM again" },
	{ "pageout", "nn", "pageout GPA LEN: unmap" },
	{ "migrate", "x", "migrate CPU|next: move" },
	{ "sysctl", "w", "sysctl NAME=VALUE: write" },
	{ "opt", "w|nn", NULL },
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
	CHECK_EQ(s.ram_size, 0);
	CHECK_EQ(parse("guest g\nmem 128M ram 0xff000000 64K\nexpect alive\n"), 0);
	CHECK_EQ(s.mem, 128ull << 20);
	CHECK_EQ(s.ram_gpa, 0xff000000ull);
	CHECK_EQ(s.ram_size, 64ull << 10);
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
	    "t.scn:2: on mark: pageout: argument 2 '17179869184G' is not a number (usage: "
	    "pageout GPA LEN)");
	BAD("guest g\non mark 1 do pageout 1 18446744073709551616\nexpect alive\n",
	    "t.scn:2: on mark: pageout: argument 2 '18446744073709551616' is not a number "
	    "(usage: pageout GPA LEN)");
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
	    "16 17 18 19 20 21 22 23 24\n",
	    "t.scn:3: more than 24 words on one line");
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
		BAD(big, "t.scn:66: expect: more than 32 'expect' lines");
		big[strlen(big) - 13] = '\0';
		strcat(big, "on mark 1 do reboot\n");
		BAD(big, "t.scn:66: on: more than 32 'on' lines");
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

	/* a multiboot kernel: its command line after the image, its module text */
	CHECK_EQ(parse("guest k.elf\nmultiboot  -a  b=1 \nmodule X=1 Y=two\n"
	    "expect end exit 0\n"), 0);
	CHECK(s.multiboot);
	CHECK(strcmp(s.mb_args, "-a  b=1") == 0);
	CHECK(strcmp(s.mb_module, "X=1\nY=two\n") == 0);
	CHECK_EQ(parse("guest k.elf\nmultiboot\nexpect end exit 0\n"), 0);
	CHECK(s.multiboot && s.mb_args[0] == '\0' && s.mb_module[0] == '\0');
	CHECK_EQ(parse(full), 0);
	CHECK(!s.multiboot);
	/* the guest's CPU model: the host's unless `cpu` says otherwise */
	CHECK(s.cpu_vendor == SCN_CPU_HOST && s.cpu_phys_bits == 0 &&
	    !s.cpu_vmware_backdoor);
	CHECK_EQ(parse("guest g\ncpu phys-bits 36 vmware-backdoor intel\nexpect alive\n"), 0);
	CHECK(s.cpu_vendor == SCN_CPU_INTEL && s.cpu_phys_bits == 36 &&
	    s.cpu_vmware_backdoor);
	CHECK_EQ(parse("guest g\ncpu amd\nexpect alive\n"), 0);
	CHECK(s.cpu_vendor == SCN_CPU_AMD && s.cpu_phys_bits == 0 &&
	    !s.cpu_vmware_backdoor);
	/* a scratch I/O register: none unless `port` places one */
	CHECK_EQ(s.scratch_port, -1);
	CHECK_EQ(parse("guest g\nport 0xe0 scratch4\nexpect alive\n"), 0);
	CHECK_EQ(s.scratch_port, 0xe0);
	CHECK_EQ(parse("guest g\nport 0 scratch4\nexpect alive\n"), 0);
	CHECK_EQ(s.scratch_port, 0);
	CHECK_EQ(parse("guest g\nport 0xfffc scratch4\nexpect alive\n"), 0);
	CHECK_EQ(s.scratch_port, 0xfffc);
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
	BAD("guest g\nfly away\n",
	    "t.scn:2: unknown directive 'fly' (want guest, descr, vcpus, mem, backends, cpus, "
	    "timeout, stall, quirk, quirk-absent, symptom, multiboot, module, cpu, port, on or "
	    "expect)");
	BAD("guest g\nmodule A=1\nexpect alive\n",
	    "t.scn:2: module: no 'multiboot' line: only a multiboot kernel gets modules");
	BAD("guest g\nvcpus 2\nmultiboot\nexpect alive\n",
	    "t.scn:3: multiboot: needs vcpus 1 (a multiboot kernel starts the others itself)");
	BAD("guest g\nmultiboot\nmodule\nexpect alive\n",
	    "t.scn:3: module: missing argument (usage: module WORD...)");
	BAD("guest g\ncpu\nexpect alive\n", "t.scn:2: cpu: missing argument (usage: cpu "
	    "[intel|amd] [phys-bits N] [vmware-backdoor])");
	BAD("guest g\ncpu intel amd\nexpect alive\n", "t.scn:2: cpu: unexpected 'amd' "
	    "(usage: cpu [intel|amd] [phys-bits N] [vmware-backdoor]; each at most once)");
	BAD("guest g\ncpu phys-bits\nexpect alive\n", "t.scn:2: cpu: unexpected "
	    "'phys-bits' (usage: cpu [intel|amd] [phys-bits N] [vmware-backdoor]; each at "
	    "most once)");
	BAD("guest g\nport 0xe0\nexpect alive\n",
	    "t.scn:2: port: missing argument (usage: port PORT scratch4)");
	BAD("guest g\nport 0xe0 scratch4 x\nexpect alive\n",
	    "t.scn:2: port: too many arguments (usage: port PORT scratch4)");
	BAD("guest g\nport 0xfffd scratch4\nexpect alive\n",
	    "t.scn:2: port: '0xfffd' is not a port (0..0xfffc)");
	BAD("guest g\nport 4K scratch4\nexpect alive\n",
	    "t.scn:2: port: '4K' is not a port (0..0xfffc)");
	BAD("guest g\nport 0xe0 scratch8\nexpect alive\n",
	    "t.scn:2: port: unknown device 'scratch8' (want scratch4)");
	BAD("guest g\nport 0xe0 scratch4\nport 0xf0 scratch4\nexpect alive\n",
	    "t.scn:3: port: duplicate (first on line 2; at most one per file)");
	BAD("guest g\ncpu phys-bits 53\nexpect alive\n",
	    "t.scn:2: cpu: phys-bits 53 is out of range 32..52");
	BAD("guest g\ncpu phys-bits x\nexpect alive\n",
	    "t.scn:2: cpu: 'x' is not a number (32..52)");
	BAD("guest g\ncpu amd\ncpu amd\nexpect alive\n",
	    "t.scn:3: cpu: duplicate (first on line 2; at most one per file)");
	BAD("guest g\n/x/ guest\n", "t.scn:2: a line cannot start with a regex");
	BAD("guest g\nsymptom /abc\n",
	    "t.scn:2: symptom: regex without a closing / (write \\/ for a slash)");
	BAD("guest g\nsymptom /a\\/\n",
	    "t.scn:2: symptom: regex without a closing / (write \\/ for a slash)");
	BAD("guest g\nsymptom /abc/x\n",
	    "t.scn:2: symptom: text right after a regex's closing / (want a blank)");
	/* duplicates, each header directive */
	BAD("guest a\nguest b\n",
	    "t.scn:2: guest: duplicate (first on line 1; at most one per file)");
	BAD("guest g\ndescr a\ndescr b\n",
	    "t.scn:3: descr: duplicate (first on line 2; at most one per file)");
	BAD("guest g\nvcpus 1\nvcpus 1\n",
	    "t.scn:3: vcpus: duplicate (first on line 2; at most one per file)");
	BAD("guest g\nmem 4M\nmem 4M\n",
	    "t.scn:3: mem: duplicate (first on line 2; at most one per file)");
	BAD("guest g\ncpus 1\ncpus 1\n",
	    "t.scn:3: cpus: duplicate (first on line 2; at most one per file)");
	BAD("guest g\ntimeout 1\ntimeout 1\n",
	    "t.scn:3: timeout: duplicate (first on line 2; at most one per file)");
	BAD("guest g\nstall 1\nstall 1\n",
	    "t.scn:3: stall: duplicate (first on line 2; at most one per file)");
	BAD("guest g\nbackends svm\nbackends vmx\n",
	    "t.scn:3: backends: duplicate (first on line 2; at most one per file)");
	BAD("guest g\nquirk a\nquirk b\n",
	    "t.scn:3: quirk: duplicate (first on line 2; at most one per file)");
	BAD("guest g\nsymptom /a/\nsymptom /b/\n",
	    "t.scn:3: symptom: duplicate (first on line 2; at most one per file)");
	/* argument counts */
	BAD("guest\n", "t.scn:1: guest: missing argument (usage: guest IMAGE)");
	BAD("guest a b\n", "t.scn:1: guest: too many arguments (usage: guest IMAGE)");
	BAD("guest g\ndescr\n", "t.scn:2: descr: missing argument (usage: descr TEXT...)");
	BAD("guest g\nvcpus\n", "t.scn:2: vcpus: missing argument (usage: vcpus N)");
	BAD("guest g\nmem 4M 8M\n", "t.scn:2: mem: too many arguments (usage: mem SIZE "
	    "[ram GPA SIZE])");
	BAD("guest g\nmem 4M ram x 64K\n", "t.scn:2: mem: 'x 64K' is not an address and "
	    "a size");
	BAD("guest g\nmem 4M ram 0xff000800 64K\n", "t.scn:2: mem: 4M, 0xff000800 and 64K "
	    "must be multiples of 4K");
	BAD("guest g\nmem 8M ram 4M 64K\n", "t.scn:2: mem: ram 4M 64K must be 4K..16M "
	    "above the memory at 0 and end by 4G");
	BAD("guest g\nmem 8M ram 0xffff0000 128K\n", "t.scn:2: mem: ram 0xffff0000 128K "
	    "must be 4K..16M above the memory at 0 and end by 4G");
	BAD("guest g\nbackends\n",
	    "t.scn:2: backends: missing argument (usage: backends svm|vmx...)");
	BAD("guest g\nquirk\n", "t.scn:2: quirk: missing argument (usage: quirk NAME)");
	BAD("guest g\nsymptom /a/ /b/\n",
	    "t.scn:2: symptom: too many arguments (usage: symptom /REGEX/)");
	/* values */
	BAD("guest Hello.bin\n",
	    "t.scn:1: guest: 'Hello.bin' is not a module name (a-z 0-9 _ . -, at most 47 "
	    "characters)");
	BAD("guest /hello/\n",
	    "t.scn:1: guest: '/hello/' is not a module name (a-z 0-9 _ . -, at most 47 "
	    "characters)");
	BAD("guest g\nquirk zero/fs\n",
	    "t.scn:2: quirk: 'zero/fs' is not a quirk name (a-z 0-9 _ . -, at most 47 "
	    "characters)");
	BAD("guest g\nvcpus 0\n", "t.scn:2: vcpus: 0 is out of range 1..8");
	BAD("guest g\nvcpus 9\n", "t.scn:2: vcpus: 9 is out of range 1..8");
	BAD("guest g\nvcpus two\n", "t.scn:2: vcpus: 'two' is not a number (1..8)");
	BAD("guest g\nvcpus 1K\n", "t.scn:2: vcpus: '1K' is not a number (1..8)");
	BAD("guest g\nmem 3M\n", "t.scn:2: mem: 3M is out of range 4M..1G");
	BAD("guest g\nmem 2G\n", "t.scn:2: mem: 2G is out of range 4M..1G");
	BAD("guest g\nmem 0x\n",
	    "t.scn:2: mem: '0x' is not a size (N, 0xN, with K, M or G: 4M..1G)");
	BAD("guest g\nmem M\n", "t.scn:2: mem: 'M' is not a size (N, 0xN, with K, M or G: 4M..1G)");
	BAD("guest g\nmem 0x4000000000000000K\n",
	    "t.scn:2: mem: '0x4000000000000000K' is not a size (N, 0xN, with K, M or G: "
	    "4M..1G)");
	BAD("guest g\nmem 4194305\n", "t.scn:2: mem: 4194305 is not a multiple of 4K");
	BAD("guest g\ncpus 65\n", "t.scn:2: cpus: 65 is out of range 1..64");
	BAD("guest g\ntimeout 0\n", "t.scn:2: timeout: 0 is out of range 1..600000");
	BAD("guest g\ntimeout 600001\n", "t.scn:2: timeout: 600001 is out of range 1..600000");
	BAD("guest g\nstall -1\n", "t.scn:2: stall: '-1' is not a number (0..600000)");
	BAD("guest g\nbackends svm arm\n",
	    "t.scn:2: backends: unknown backend 'arm' (want svm or vmx)");
	BAD("guest g\nsymptom abc\n", "t.scn:2: symptom: want a /REGEX/, got 'abc'");
	BAD("guest g\nsymptom /*a/\n",
	    "t.scn:2: symptom: bad regex /*a/: quantifier without an atom before it");
	BAD("guest g\nsymptom /a+*/\n",
	    "t.scn:2: symptom: bad regex /a+*/: quantifier without an atom before it");
	BAD("guest g\nsymptom /ab\\/\n",
	    "t.scn:2: symptom: regex without a closing / (write \\/ for a slash)");
	/* the escaped backslash and blank are fine: no trailing backslash
	 * can reach the regex check from a file (a final \ escapes the /) */
	CHECK_EQ(parse("guest g\nexpect alive\nquirk q\nsymptom /ab\\\\\\ /\n"), 0);
	CHECK(strcmp(s.symptom, "ab\\\\\\ ") == 0);
	BAD("guest g\nsymptom /[ab/\n", "t.scn:2: symptom: bad regex /[ab/: unterminated [class]");
	BAD("guest g\nsymptom /[]/\n", "t.scn:2: symptom: bad regex /[]/: unterminated [class]");
	/* long words are cut at 40 characters in the message */
	BAD("guest g\nquirk ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJK\n",
	    "t.scn:2: quirk: 'ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJ...' is not a quirk "
	    "name (a-z 0-9 _ . -, at most 47 characters)");
	/* lengths: description 99, regex 127, names 47 */
	memset(t, 0, sizeof(t));
	strcpy(t, "guest g\nexpect alive\ndescr ");
	memset(t + strlen(t), 'd', 99);
	CHECK_EQ(parse(t), 0);
	CHECK_EQ(strlen(s.descr), 99);
	strcat(t, "d");
	BAD(t, "t.scn:3: descr: text longer than 99 characters");
	memset(t, 0, sizeof(t));
	strcpy(t, "guest g\nexpect alive\nquirk q\nsymptom /");
	memset(t + strlen(t), 'r', 127);
	strcat(t, "/");
	CHECK_EQ(parse(t), 0);
	CHECK_EQ(strlen(s.symptom), 127);
	t[strlen(t) - 1] = 'r';
	strcat(t, "/");
	BAD(t, "t.scn:4: symptom: regex longer than 127 characters");
	memset(t, 0, sizeof(t));
	strcpy(t, "expect alive\nguest ");
	memset(t + strlen(t), 'g', 47);
	CHECK_EQ(parse(t), 0);
	strcat(t, "g");
	BAD(t,
	    "t.scn:2: guest: 'gggggggggggggggggggggggggggggggggggggggg...' is not a module "
	    "name (a-z 0-9 _ . -, at most 47 characters)");

	/* quirk, symptom and quirk-absent go together */
	CHECK_EQ(parse("guest g\nexpect alive\nbackends svm vmx\nquirk q\nsymptom /x/\n"
	    "quirk-absent svm  no such thing on SVM (APM 15.5.1)  \n"), 0);
	CHECK(strcmp(s.quirk_absent[SCN_BK_SVM], "no such thing on SVM (APM 15.5.1)") == 0);
	CHECK_EQ(s.quirk_absent[SCN_BK_VMX][0], '\0');
	CHECK(!scn_quirk_on(&s, SCN_BK_SVM) && scn_quirk_on(&s, SCN_BK_VMX));
	CHECK_EQ(parse("guest g\nexpect alive\nbackends vmx\nquirk q\nsymptom /x/\n"), 0);
	CHECK(!scn_quirk_on(&s, SCN_BK_SVM) && scn_quirk_on(&s, SCN_BK_VMX));
	CHECK_EQ(parse("guest g\nexpect alive\n"), 0);
	CHECK(!scn_quirk_on(&s, SCN_BK_SVM) && !scn_quirk_on(&s, SCN_BK_VMX));
	BAD("guest g\nexpect alive\nquirk q\n",
	    "t.scn:3: quirk: no 'symptom /REGEX/' line: what the quirk shows is needed");
	BAD("guest g\nsymptom /x/\nexpect alive\n",
	    "t.scn:2: symptom: no 'quirk NAME' line: a symptom of which quirk?");
	BAD("guest g\nexpect alive\nquirk-absent svm why\n",
	    "t.scn:3: quirk-absent: no 'quirk NAME' line: absent is which quirk?");
	BAD("guest g\nquirk q\nsymptom /x/\nbackends vmx\nquirk-absent svm why\nexpect alive\n",
	    "t.scn:5: quirk-absent: svm is not one of the scenario's backends");
	BAD("guest g\nquirk q\nsymptom /x/\nquirk-absent svm a\nquirk-absent vmx b\n"
	    "expect alive\n",
	    "t.scn:5: quirk-absent: the quirk is absent on every backend the scenario runs on");
	BAD("guest g\nquirk-absent svm a\nquirk-absent svm b\n",
	    "t.scn:3: quirk-absent: 'svm' given twice");
	BAD("guest g\nquirk-absent arm why\n",
	    "t.scn:2: quirk-absent: unknown backend 'arm' (want svm or vmx)");
	BAD("guest g\nquirk-absent svm\n",
	    "t.scn:2: quirk-absent: missing reason (usage: quirk-absent svm|vmx WHY...)");
	BAD("guest g\nquirk-absent\n",
	    "t.scn:2: quirk-absent: missing argument (usage: quirk-absent svm|vmx WHY...)");
}

void
test_scn_errors_on(void)
{
	BAD("guest g\non mark\n",
	    "t.scn:2: on: want 'on mark N|any ... do ACTION' or 'on exits N ... do ACTION'");
	BAD("guest g\non step 1 do reboot\n",
	    "t.scn:2: on: 'step': want 'mark' or 'exits' after 'on'");
	BAD("guest g\non mark x do reboot\n",
	    "t.scn:2: on mark: 'x' is not a mark number (0..2^64-2) or 'any'");
	BAD("guest g\non mark 0xffffffffffffffff do reboot\n",
	    "t.scn:2: on mark: '0xffffffffffffffff' is not a mark number (0..2^64-2) or 'any'");
	BAD("guest g\non mark 1K do reboot\n",
	    "t.scn:2: on mark: '1K' is not a mark number (0..2^64-2) or 'any'");
	BAD("guest g\non exits 0 do reboot\n",
	    "t.scn:2: on exits: '0' is not an exit count (1..)");
	BAD("guest g\non exits any do reboot\n",
	    "t.scn:2: on exits: 'any' is not an exit count (1..)");
	BAD("guest g\non mark 1 vcpu 8 do reboot\n",
	    "t.scn:2: on mark: vcpu 8 is out of range 0..7");
	BAD("guest g\non mark 1 vcpu x do reboot\n",
	    "t.scn:2: on mark: vcpu 'x' is not a number (0..7)");
	BAD("guest g\non exits 5 hits 1 do reboot\n",
	    "t.scn:2: on exits: 'hits' only goes with 'on mark'");
	BAD("guest g\non mark 1 hits 0..2 do reboot\n",
	    "t.scn:2: on mark: '0..2' is not a range from 1 (N, A..B with 1 <= A <= B, or A..)");
	/* hits count from 1, so an open start (0) is refused too */
	BAD("guest g\non mark 1 hits ..4 do reboot\n",
	    "t.scn:2: on mark: '..4' is not a range from 1 (N, A..B with 1 <= A <= B, or A..)");
	BAD("guest g\non mark 1 hits 3..2 do reboot\n",
	    "t.scn:2: on mark: '3..2' is not a range from 1 (N, A..B with 1 <= A <= B, or A..)");
	BAD("guest g\non mark 1 hits .. do reboot\n",
	    "t.scn:2: on mark: '..' is not a range from 1 (N, A..B with 1 <= A <= B, or A..)");
	BAD("guest g\non mark 1 hits 1...2 do reboot\n",
	    "t.scn:2: on mark: '1...2' is not a range from 1 (N, A..B with 1 <= A <= B, or "
	    "A..)");
	BAD("guest g\non mark 1 now do reboot\n",
	    "t.scn:2: on mark: unexpected 'now' (want vcpu V, hits RANGE or do ACTION)");
	BAD("guest g\non mark 1 vcpu\n",
	    "t.scn:2: on mark: unexpected 'vcpu' (want vcpu V, hits RANGE or do ACTION)");
	BAD("guest g\non mark 1 vcpu 0\n", "t.scn:2: on mark: no 'do ACTION'");
	BAD("guest g\non mark 1 do\n", "t.scn:2: on mark: no ACTION after 'do'");
	BAD("guest g\non mark 1 do want ok\n", "t.scn:2: on mark: no ACTION after 'do'");
	BAD("guest g\non mark 1 do fly\n",
	    "t.scn:2: on mark: unknown action 'fly' (the actions are listed in "
	    "guests/README.md)");
	BAD("guest g\non mark 1 do /reboot/\n",
	    "t.scn:2: on mark: unknown action '/reboot/' (the actions are listed in "
	    "guests/README.md)");
	BAD("guest g\non mark 1 do pageout 1\n",
	    "t.scn:2: on mark: pageout takes 2 arguments, got 1 (usage: pageout GPA LEN)");
	BAD("guest g\non mark 1 do reboot now\n",
	    "t.scn:2: on mark: reboot takes no argument, got 1 (usage: reboot)");
	BAD("guest g\non mark 1 do opt a 1 2 3\n",
	    "t.scn:2: on mark: opt takes 1 to 3 arguments, got 4 (usage: opt)");
	BAD("guest g\non mark 1 do opt\n",
	    "t.scn:2: on mark: opt takes 1 to 3 arguments, got 0 (usage: opt)");
	BAD("guest g\non mark 1 do reboot want EWHAT\n",
	    "t.scn:2: on mark: want 'EWHAT': not ok, any or an errno name (EBUSY, EINVAL, "
	    "ENOENT, ... in guests/README.md)");
	BAD("guest g\non mark 1 do reboot want "
	    "EBUSYEBUSYEBUSYEBUSYEBUSYEBUSYEBUSYEBUSYEBUSYEBUSY\n",
	    "t.scn:2: on mark: want 'EBUSYEBUSYEBUSYEBUSYEBUSYEBUSYEBUSYEBUSY...': not ok, "
	    "any or an errno name (EBUSY, EINVAL, ENOENT, ... in guests/README.md)");
	BAD("guest g\non mark 1 do pageout abc 1\n",
	    "t.scn:2: on mark: pageout: argument 1 'abc' is not a number (usage: pageout GPA "
	    "LEN)");
	BAD("guest g\non mark 1 do sysctl 5\n",
	    "t.scn:2: on mark: sysctl: argument 1 '5' is a number, want a word (usage: sysctl "
	    "NAME=VALUE)");
	BAD("guest g\non mark 1 do opt 1\n",
	    "t.scn:2: on mark: opt: argument 1 '1' is a number, want a word (usage: opt)");
	BAD("guest g\non mark 1 do opt a b 1\n",
	    "t.scn:2: on mark: opt: argument 2 'b' is not a number (usage: opt)");
	BAD("guest g\non mark 1 do migrate /x/\n",
	    "t.scn:2: on mark: migrate: argument 1 '/x/' is not a word or number of at most "
	    "47 characters (usage: migrate CPU|next)");
	BAD("guest g\non mark 1 do migrate "
	    "abcdefghijabcdefghijabcdefghijabcdefghijabcdefgh\n",
	    "t.scn:2: on mark: migrate: argument 1 "
	    "'abcdefghijabcdefghijabcdefghijabcdefghij...' is not a word or number of at most "
	    "47 characters (usage: migrate CPU|next)");
	/* whole-file rule, reported at the 'on' line */
	BAD("guest g\non mark 1 vcpu 1 do reboot\nexpect alive\n",
	    "t.scn:2: on: vcpu 1 is out of range 0..0 (the scenario has vcpus 1)");
	CHECK_EQ(parse("guest g\non mark 1 vcpu 1 do reboot\nexpect alive\nvcpus 2\n"), 0);
}

void
test_scn_errors_expect(void)
{
	BAD("guest g\nexpect\n",
	    "t.scn:2: expect: no KIND (end, serial, exits, stat, faults, marks, reports, "
	    "failed-reports, alive or no-leak)");
	BAD("guest g\nexpect nothing\n",
	    "t.scn:2: expect: unknown KIND 'nothing' (want end, serial, exits, stat, faults, "
	    "marks, reports, failed-reports, alive or no-leak)");
	BAD("guest g\nexpect /end/\n",
	    "t.scn:2: expect: unknown KIND '/end/' (want end, serial, exits, stat, faults, "
	    "marks, reports, failed-reports, alive or no-leak)");
	BAD("guest g\nexpect end\n",
	    "t.scn:2: expect end: want 'expect end exit CODE' or 'expect end error [/REGEX/]'");
	BAD("guest g\nexpect end well\n",
	    "t.scn:2: expect end: want 'expect end exit CODE' or 'expect end error [/REGEX/]'");
	BAD("guest g\nexpect end exit\n",
	    "t.scn:2: expect end exit: missing argument (usage: expect end exit CODE)");
	BAD("guest g\nexpect end exit 1 2\n",
	    "t.scn:2: expect end exit: too many arguments (usage: expect end exit CODE)");
	BAD("guest g\nexpect end exit x\n",
	    "t.scn:2: expect end exit: 'x' is not an exit code (a number)");
	BAD("guest g\nexpect end error /a/ /b/\n",
	    "t.scn:2: expect end error: too many arguments (usage: expect end error [/REGEX/])");
	BAD("guest g\nexpect end error abc\n",
	    "t.scn:2: expect end error: want a /REGEX/, got 'abc'");
	BAD("guest g\nexpect end error /a**/\n",
	    "t.scn:2: expect end error: bad regex /a**/: quantifier without an atom before it");
	BAD("guest g\nexpect serial\n",
	    "t.scn:2: expect serial: missing argument (usage: expect serial /REGEX/ [RANGE])");
	BAD("guest g\nexpect serial /a/ 1 2\n",
	    "t.scn:2: expect serial: too many arguments (usage: expect serial /REGEX/ [RANGE])");
	BAD("guest g\nexpect serial a\n", "t.scn:2: expect serial: want a /REGEX/, got 'a'");
	BAD("guest g\nexpect serial /a/ 2..1\n",
	    "t.scn:2: expect serial: '2..1' is not a range (N, A..B with A <= B, A.. or ..B)");
	BAD("guest g\nexpect serial /a/ /1/\n",
	    "t.scn:2: expect serial: '/1/' is not a range (N, A..B with A <= B, A.. or ..B)");
	BAD("guest g\nexpect exits hlt\n",
	    "t.scn:2: expect exits: missing argument (usage: expect exits NAME|all RANGE)");
	BAD("guest g\nexpect exits HLT 1\n",
	    "t.scn:2: expect exits: 'HLT' is not a counter name (a-z 0-9 _ . -, at most 47 "
	    "characters)");
	BAD("guest g\nexpect stat pageouts x\n",
	    "t.scn:2: expect stat: 'x' is not a range (N, A..B with A <= B, A.. or ..B)");
	BAD("guest g\nexpect stat a b c\n",
	    "t.scn:2: expect stat: too many arguments (usage: expect stat NAME RANGE)");
	BAD("guest g\nexpect marks any 1\n",
	    "t.scn:2: expect marks: 'any' is not a mark number (0..2^64-2)");
	BAD("guest g\nexpect marks 0xffffffffffffffff 1\n",
	    "t.scn:2: expect marks: '0xffffffffffffffff' is not a mark number (0..2^64-2)");
	BAD("guest g\nexpect marks 1 1..x\n",
	    "t.scn:2: expect marks: '1..x' is not a range (N, A..B with A <= B, A.. or ..B)");
	BAD("guest g\nexpect marks 1\n",
	    "t.scn:2: expect marks: missing argument (usage: expect marks N RANGE)");
	BAD("guest g\nexpect faults\n",
	    "t.scn:2: expect faults: missing argument (usage: expect faults RANGE)");
	BAD("guest g\nexpect reports x..\n",
	    "t.scn:2: expect reports: 'x..' is not a range (N, A..B with A <= B, A.. or ..B)");
	BAD("guest g\nexpect failed-reports 1 2\n",
	    "t.scn:2: expect failed-reports: too many arguments (usage: expect failed-reports "
	    "RANGE)");
	BAD("guest g\nexpect alive 1\n", "t.scn:2: expect alive: takes no argument");
	BAD("guest g\nexpect no-leak now\n", "t.scn:2: expect no-leak: takes no argument");
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
