/*
 * strio.c - string I/O, done for the guest on the I/O intercept of either
 * backend: INS and OUTS, alone or with REP (SDM Vol. 2A INS/INSB/INSW/INSD,
 * Vol. 2B OUTS/OUTSB/OUTSW/OUTSD and REP; APM Vol. 3 the same).
 *
 * Each element moves between the port (hv_pio_access, as an IN or OUT of
 * its size) and memory at ES:rDI for INS (ES cannot be overridden) or at
 * DS:rSI for OUTS (or the segment of an override prefix); rDI or rSI then
 * steps by the size, up with RFLAGS.DF clear, down with it set.  With REP
 * the element repeats while rCX, decremented each time, is not 0 (0 at the
 * start: nothing).  rSI, rDI and rCX are used and updated with the address
 * size: 16 bits keep the rest of the register, 32 bits write the whole one
 * zero-extended (SDM Vol. 1 3.4.1.1).  In 64-bit mode the bases of ES, DS,
 * CS and SS are 0 (SDM Vol. 3A 3.4.4); outside it the linear address is 32
 * bits.
 *
 * Memory goes through the copyin family, so the guest's own paging and its
 * CPL's rights apply.  The I/O exit comes before the checks of the memory
 * operand (only the I/O permission checks come first: SDM Vol. 3C 26.1.1,
 * APM Vol. 2 15.10.2), so a page the guest cannot access is the #PF its CPU
 * would raise, with CR2 the element's address and rSI/rDI/rCX showing the
 * elements done; a non-canonical address in 64-bit mode is #GP(0).
 *
 * One exit does at most the elements in the page of the first one (one
 * alone when it crosses into the next page).  With REP and rCX not yet 0
 * RIP stays on the instruction, which exits again: a repeated string
 * instruction may stop between iterations with its registers showing its
 * progress and goes on when it is executed again (SDM Vol. 2B REP), so an
 * interrupt queued meanwhile is delivered at the next entry and the host's
 * run loop sees every exit (watchdogs, yields): a REP INSB with rCX all
 * ones does not hold the CPU in hv.
 *
 * Not done: the limits and access rights of the segment outside 64-bit
 * mode (its base is used; a flat 4 GiB segment has nothing to check); an
 * element whose offset wraps at the address size (the guest is stopped,
 * named); #SS instead of #GP for a non-canonical address through SS; the
 * single-step trap after each iteration of a REP under RFLAGS.TF (the trap
 * comes once, when the instruction completes); SMAP.  OUTS to the
 * debug-exit port stops the guest, named.
 */
#include "core.h"
#include "x86_arch.h"

/* bytes of guest memory copied at a time (a stack buffer) */
#define STRIO_CHUNK	256

/*
 * The address size and segment of the INS/OUTS at RIP from its prefixes
 * (SDM Vol. 2A 2.1.1; 2.2.1 for REX in 64-bit mode), for an exit that does
 * not give them.  False when the bytes there are not INS/OUTS.
 */
static bool
decode_prefixes(struct hv_vcpu *vcpu, const struct hv_vmexit *vx,
    unsigned *abits, int *seg)
{
	uint8_t b[X86_INSN_MAX];
	unsigned cb = vx->io.code_bits;
	struct hv_prefixes p;
	size_t n;

	n = hv_insn_fetch(vcpu, vx->rip, b, sizeof(b));
	hv_insn_prefixes(b, n, cb == 64, &p);
	if (p.len >= n || (b[p.len] & 0xfc) != 0x6c)	/* 6C-6F */
		return false;
	*seg = p.sreg == HV_NSREGS ? HV_DS : (int)p.sreg;
	/* 0x67 switches to the other size of the mode: 64 to 32, 32 and 16
	 * to each other */
	if (cb == 64)
		*abits = p.a67 ? 32 : 64;
	else
		*abits = (cb == 32) != p.a67 ? 32 : 16;
	return true;
}

/* reg stepped by delta with the address size (the rest as above) */
static uint64_t
addr_step(uint64_t reg, int64_t delta, unsigned abits)
{
	uint64_t v = reg + (uint64_t)delta;

	return abits == 64 ? v : abits == 32 ? (uint32_t)v :
	    (reg & ~0xffffull) | (uint16_t)v;
}

/* Move k elements between the port and guest memory at [lo, lo + k*size):
 * the first element is the lowest, or with down the highest.  0 or the
 * copy's error. */
static int
move(struct hv_vcpu *vcpu, const struct hv_vmexit *vx, uint64_t lo,
    unsigned k, bool down)
{
	uint8_t buf[STRIO_CHUNK];
	unsigned size = vx->io.size, i, j, at;
	uint32_t v;
	int error;

	if (!vx->io.in && (error = hv_copyin(vcpu, lo, buf, k * size)) != 0)
		return error;
	for (i = 0; i < k; i++) {
		at = (down ? k - 1 - i : i) * size;
		v = 0;
		for (j = 0; j < size; j++)	/* little-endian */
			v |= (uint32_t)buf[at + j] << (8 * j);
		v = hv_pio_access(vcpu, vx->io.port, size, vx->io.in, v);
		for (j = 0; j < size; j++)
			buf[at + j] = (uint8_t)(v >> (8 * j));
	}
	return vx->io.in ? hv_copyout(vcpu, buf, lo, k * size) : 0;
}

int
hv_vx_strio(struct hv_vcpu *vcpu, struct hv_vmexit *vx, struct hv_exit *ex)
{
	unsigned abits = vx->io.addr_bits, size = vx->io.size, dabits, k;
	int seg = vx->io.seg, dseg, r;
	uint32_t pfec;
	bool in = vx->io.in, down = (vx->rflags & X86_RFLAGS_DF) != 0;
	uint64_t amask, count, off, la, n, lim, lo, done, pg, *ptr;

	if (vx->io.port == HV_GUEST_DEBUG_EXIT && !in)
		return hv_vcpu_stop(vcpu, ex, HV_ENOTSUP, ex->raw_reason,
		    vx->rip, "string I/O (outs) to the debug-exit port 0x%x not "
		    "supported", vx->io.port);
	if (seg > HV_GS)	/* 6 and 7 name no segment */
		seg = -1;
	if (abits == 0 || (!in && seg < 0)) {
		if (!decode_prefixes(vcpu, vx, &dabits, &dseg))
			return hv_vcpu_stop(vcpu, ex, HV_EIO, ex->raw_reason,
			    vx->rip, "string I/O exit on port 0x%x, but no "
			    "INS/OUTS at RIP", vx->io.port);
		if (abits == 0)
			abits = dabits;
		if (seg < 0)
			seg = dseg;
	}
	if (in)
		seg = HV_ES;
	amask = abits == 64 ? ~0ull : (1ull << abits) - 1;
	count = vx->io.rep ? vx->gpr[HV_RCX] & amask : 1;
	if (count == 0) {
		vx->skip = true;
		return HV_RESUME;
	}
	ptr = &vx->gpr[in ? HV_RDI : HV_RSI];
	off = *ptr & amask;
	if (off + size - 1 > amask)
		return hv_vcpu_stop(vcpu, ex, HV_ENOTSUP, ex->raw_reason,
		    vx->rip, "string I/O element at offset 0x%llx wraps at "
		    "the %u-bit address size: not supported",
		    (unsigned long long)off, abits);
	if (vx->io.code_bits == 64)
		la = (seg == HV_FS || seg == HV_GS ? vx->io.base[seg] :
		    0) + off;
	else
		la = (uint32_t)(vx->io.base[seg] + off);
	/* the elements in the page of the first; that one alone when it
	 * crosses into the next page */
	pg = la & HV_PAGE_MASK;
	if (!down)
		n = (HV_PAGE_SIZE - pg) / size;
	else
		n = pg + size <= HV_PAGE_SIZE ? pg / size + 1 : 0;
	if (n == 0)
		n = 1;
	/* none past the wrap of the offset at the address size */
	lim = down ? off / size + 1 : (amask - off - (size - 1)) / size + 1;
	if (lim != 0 && n > lim)	/* 0: the 64-bit count wrapped */
		n = lim;
	if (n > count)
		n = count;
	lo = down ? la - (n - 1) * size : la;
	if (vx->io.code_bits == 64 && (!hv_guest_canonical(lo) ||
	    !hv_guest_canonical(lo + n * size - 1))) {
		vx->gp = true;
		return HV_RESUME;
	}
	/* the #PF of the first element the guest cannot access (CR2: the
	 * first element's address in its page, else where the next page
	 * begins); the copy below names what no page fault explains */
	r = hv_gva_fault(vcpu, lo, lo + n * size - 1, la, in, &pfec,
	    &vx->cr2);
	if (r > 0) {
		hv_vx_raise(vx, X86_VEC_PF, true, pfec);
		return HV_RESUME;
	}
	for (done = 0; r == 0 && done < n; done += k) {
		k = (unsigned)(n - done < STRIO_CHUNK / size ? n - done :
		    STRIO_CHUNK / size);
		r = move(vcpu, vx, down ? la - (done + k - 1) * size :
		    la + done * size, k, down);
		if (r != 0)
			break;
	}
	/* a chunk after the first can fail where the guest's elements
	 * rewrote its own page tables: the exit ends with what was done
	 * and the next one walks them again */
	if (r != 0 && done == 0)
		return hv_vcpu_stop(vcpu, ex, HV_EFAULT, ex->raw_reason,
		    vx->rip, "string I/O: guest memory at 0x%llx (linear) is "
		    "not RAM the guest can reach", (unsigned long long)la);
	n = done;
	*ptr = addr_step(*ptr, down ? -(int64_t)(n * size) :
	    (int64_t)(n * size), abits);
	if (vx->io.rep)
		vx->gpr[HV_RCX] = addr_step(vx->gpr[HV_RCX], -(int64_t)n, abits);
	/* done, or RIP stays for the rest (above) */
	if (n == count)
		vx->skip = true;
	return HV_RESUME;
}
