/*
 * guest_text.h - guest text made safe for an operator's terminal: what a
 * guest wrote (a report, a message) is printed on the DragonFly side
 * (vmmrun, vmmcheck) only through guest_text(), so that no escape
 * sequence, control or 8-bit byte of the guest reaches the terminal.
 * Freestanding: no libc (vmmcheck links it too).
 */
#ifndef HV_GUEST_TEXT_H
#define HV_GUEST_TEXT_H

#include <stddef.h>

/*
 * The len bytes at src into dst (size bytes, size >= 1), always
 * NUL-terminated: printable ASCII (0x20..0x7e) as it is but for the
 * backslash, which becomes "\\", every other byte (NUL, ESC, DEL, 0x80 and
 * up) as "\xNN" in lower-case hex.  An escape that does not fit whole is
 * left out with everything after it.  Returns the length written.
 */
size_t	guest_text(char *dst, size_t size, const char *src, size_t len);

#endif /* HV_GUEST_TEXT_H */
