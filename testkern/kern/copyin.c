/*
 * copyin.c - copies between the kernel and the current thread's user range.
 * Addresses are bounds-checked against [0, USER_TOP); a page fault inside
 * boot/copyuser.asm on a user address is turned into EFAULT by a #PF hook.
 */
#include "sched.h"
#include "mm.h"
#include "trap.h"
#include "hist.h"

extern char copyuser_begin[], copyuser_end[], copyuser_fault[];
int copy_user_bytes(void *dst, const void *src, size_t len);
int fetch_user_byte(const uint8_t *src, uint8_t *out);

static enum pf_result
copyin_pf(struct trapframe *tf, uint64_t cr2, void *arg)
{
	if (tf->rip < (uint64_t)copyuser_begin || tf->rip >= (uint64_t)copyuser_end)
		return PF_CONTINUE;
	if (cr2 >= USER_TOP)
		return PF_CONTINUE;	/* a bad kernel pointer is a bug, not EFAULT */
	/* a not-present fault on a VA the thread's address space maps is one a
	 * real kernel resolves (vm_fault finds the page): retry the copy.  Only
	 * a wrong CR3 makes it repeat (hist_detect.c watches for that). */
	if ((tf->err & 1) == 0 && curthread()->proc != NULL &&
	    proc_translate(curthread()->proc, cr2) != ~0UL) {
		__atomic_add_fetch(&copyin_retries, 1, __ATOMIC_RELAXED);
		return PF_HANDLED;
	}
	tf->rip = (uint64_t)copyuser_fault;
	return PF_HANDLED;
}

static struct pf_hook copyin_hook = { "copyin", copyin_pf, NULL, NULL };

void
copyin_init(void)
{
	pf_hook_register(&copyin_hook);
	hist_detect_init();
}

static bool
user_range_ok(uint64_t uaddr, size_t len)
{
	return uaddr < USER_TOP && len <= USER_TOP - uaddr;
}

int
copyin(uint64_t uaddr, void *kdst, size_t len)
{
	if (len == 0)
		return 0;
	if (!user_range_ok(uaddr, len))
		return EFAULT;
	return copy_user_bytes(kdst, (const void *)uaddr, len);
}

int
copyout(const void *ksrc, uint64_t uaddr, size_t len)
{
	if (len == 0)
		return 0;
	if (!user_range_ok(uaddr, len))
		return EFAULT;
	return copy_user_bytes((void *)uaddr, ksrc, len);
}

int
copyinstr(uint64_t uaddr, char *kdst, size_t max, size_t *done)
{
	size_t i;
	int err = 0;
	for (i = 0; i < max; i++) {
		uint8_t b;
		if (!user_range_ok(uaddr + i, 1) || uaddr + i < uaddr) {
			err = EFAULT;
			break;
		}
		if ((err = fetch_user_byte((const uint8_t *)(uaddr + i), &b)) != 0)
			break;
		kdst[i] = (char)b;
		if (b == 0) {
			i++;
			break;
		}
	}
	if (!err && (i == 0 || kdst[i - 1] != 0))
		err = ENAMETOOLONG;
	if (done)
		*done = i;
	return err;
}
