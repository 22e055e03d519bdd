/*
 * t_guest_text.c - hosted test of guest_text() (../tools/guest_text.c),
 * the one escape of guest text on the DragonFly side (vmmrun, vmmcheck):
 * ESC sequences, NUL, DEL, 8-bit bytes, the backslash and controls come
 * out as escapes, printable ASCII as it is, and a buffer too small cuts at
 * a whole escape.  Prints "guest_text: N checks, N failed" last.
 */
#include <stdio.h>
#include <string.h>
#include "guest_text.h"

static int checks, failed;

/* guest_text of the len bytes in into a size-byte buffer must be want. */
static void
expect(const char *in, size_t len, size_t size, const char *want)
{
	char out[256];
	size_t n;

	checks++;
	memset(out, 0x55, sizeof(out));
	n = guest_text(out, size, in, len);
	if (n != strlen(want) || strcmp(out, want) != 0 || out[size] != 0x55) {
		failed++;
		printf("FAIL guest_text(%zu bytes, size %zu): \"%s\" (%zu), want "
		    "\"%s\"\n", len, size, out, n, want);
	}
}

int
main(void)
{
	/* an ANSI clear-screen and a title change (OSC ... BEL) */
	expect("\033[2J\033[H", 7, 200, "\\x1b[2J\\x1b[H");
	expect("\033]0;owned\007", 10, 200, "\\x1b]0;owned\\x07");
	/* NUL inside, DEL, high bytes (a UTF-8 C1 CSI too) */
	expect("a\0b", 3, 200, "a\\x00b");
	expect("\177", 1, 200, "\\x7f");
	expect("\x80\xff\xc2\x9b", 4, 200, "\\x80\\xff\\xc2\\x9b");
	/* line controls: no fake line of the operator's console */
	expect("ok\r\nCHECK x PASS", 16, 200, "ok\\x0d\\x0aCHECK x PASS");
	expect("\t\b", 2, 200, "\\x09\\x08");
	/* printable as it is, the backslash doubled (unambiguous) */
	expect("hello: got=1 want=1 ~", 21, 200, "hello: got=1 want=1 ~");
	expect("a\\x1b", 5, 200, "a\\\\x1b");
	/* too small: whole escapes only, always terminated */
	expect("ab\033", 3, 5, "ab");
	expect("ab\033", 3, 7, "ab\\x1b");
	expect("ab\033", 3, 6, "ab");
	expect("abc", 3, 1, "");
	expect("", 0, 1, "");
	printf("guest_text: %d checks, %d failed\n", checks, failed);
	return failed != 0;
}
