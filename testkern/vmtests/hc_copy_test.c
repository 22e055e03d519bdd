/*
 * hc_copy_test.c - the host side of HC_COPY_TEST: runs one operation of the
 * hv copyin family on a guest-virtual address the guest chose and returns
 * what the guest needs to check it (guests/lib/copytest.inc, keep equal).
 */
#include "vmtests.h"
#include "copyin_dispatch.h"

enum copy_op {
	COPY_COPYIN = 1,	/* FNV-1a 32 of the bytes read */
	COPY_COPYINSTR,		/* (done << 32) | FNV-1a 32 of the string, max = len */
	COPY_FUWORD64,		/* the word */
	COPY_FUWORD32,
	COPY_FUBYTE,
	COPY_SUWORD64,		/* 0 after storing val */
	COPY_SUWORD32,
	COPY_COPYOUT,		/* 0 after writing (i * 13 + 5) & 0xff */
	COPY_TRANSLATE,		/* hv_vcpu_translate: the gpa; val != 0: for a write */
};

#define COPY_MAX	4096

static uint32_t
fnv1a32(const uint8_t *p, size_t n)
{
	uint32_t h = 0x811c9dc5u;

	while (n-- > 0) {
		h ^= *p++;
		h *= 0x01000193u;
	}
	return h;
}

int64_t
vm_copy_test(struct hv_vcpu *vcpu, uint64_t gva, uint64_t len, uint64_t op,
    uint64_t val)
{
	static uint8_t buf[COPY_MAX];	/* one guest at a time runs this test */
	const struct uspace us = { vcpu };	/* the guest's pointers */
	uint64_t w64;
	uint32_t w32;
	size_t done, i;
	int error, b;

	if (len > COPY_MAX)
		return -EINVAL;
	switch (op) {
	case COPY_COPYIN:
		error = us_copyin(&us, gva, buf, len);
		return error ? -error : (int64_t)fnv1a32(buf, len);
	case COPY_COPYINSTR:
		error = us_copyinstr(&us, gva, (char *)buf, len, &done);
		if (error != 0)
			return -error;
		return (int64_t)((uint64_t)done << 32 | fnv1a32(buf, done - 1));
	case COPY_FUWORD64:
		error = hv_fuword64(vcpu, gva, &w64);
		return error ? -error : (int64_t)w64;
	case COPY_FUWORD32:
		error = hv_fuword32(vcpu, gva, &w32);
		return error ? -error : (int64_t)w32;
	case COPY_FUBYTE:
		b = hv_fubyte(vcpu, gva);
		return b < 0 ? -EFAULT : b;
	case COPY_SUWORD64:
		return -hv_suword64(vcpu, gva, val);
	case COPY_SUWORD32:
		return -hv_suword32(vcpu, gva, (uint32_t)val);
	case COPY_COPYOUT:
		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)(i * 13 + 5);
		return -hv_copyout(vcpu, buf, gva, len);
	case COPY_TRANSLATE:
		error = hv_vcpu_translate(vcpu, gva, val != 0, &w64);
		return error ? -error : (int64_t)w64;
	default:
		/* the guest's answer; no host line: a guest may ask this forever */
		return -EINVAL;
	}
}
