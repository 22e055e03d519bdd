/*
 * guest_text.c - guest bytes as terminal-safe text (guest_text.h).
 */
#include "guest_text.h"

size_t
guest_text(char *dst, size_t size, const char *src, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t out = 0, i, j, n;
	char piece[4];

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c == '\\') {
			piece[0] = piece[1] = '\\';
			n = 2;
		} else if (c >= 0x20 && c < 0x7f) {
			piece[0] = (char)c;
			n = 1;
		} else {
			piece[0] = '\\';
			piece[1] = 'x';
			piece[2] = hex[c >> 4];
			piece[3] = hex[c & 15];
			n = 4;
		}
		if (out + n >= size)
			break;
		for (j = 0; j < n; j++)
			dst[out++] = piece[j];
	}
	dst[out] = '\0';
	return out;
}
