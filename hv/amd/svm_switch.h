/*
 * svm_switch.h - numbers svm_switch.S uses, in a form both the assembler and
 * C read: the struct svm_fast offsets (svm.h) and the VMCB fields of the
 * HC_NOP loop (vmcb.h).  svm.c checks each against its C definition.
 */
#ifndef SVM_SWITCH_H
#define SVM_SWITCH_H

#define F_VMCB		0
#define F_ENTRIES	8
#define F_INVAL_GEN	16
#define F_FLUSHED_GEN	24
#define F_IRQ_PENDING	32
#define F_BUDGET	40
#define F_NRIPS		44

#define V_MISC1		0x00c	/* VMCB_INTERCEPT_MISC1 */
#define V_TLB_CONTROL	0x05c
#define V_INT_SHADOW	0x068
#define V_EXITCODE	0x070
#define V_EXITINTINFO	0x088
#define V_EVENTINJ	0x0a8
#define V_CLEAN		0x0c0
#define V_NRIP		0x0c8
#define V_RIP		0x578
#define V_RAX		0x5f8

#define V_I1_VINTR	0x10	/* VMCB_I1_VINTR */
#define V_EXIT_VMMCALL	0x81	/* SVM_EXIT_VMMCALL */
#define V_EVENT_VALID_BIT 31	/* EVENT_VALID */
#define V_HC_NOP	0	/* HC_NOP (hv_abi.h) */

#endif /* SVM_SWITCH_H */
