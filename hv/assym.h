/*
 * assym.h - how C hands numbers to the world switches (svm_switch.S,
 * vmx_switch.S).  A *_assym.sym file is C that includes the real headers and
 * lists HV_ASSYM(NAME, value) lines; hv/genassym.sh compiles it to assembly
 * (never to an object) and turns each marker into "#define NAME value" in a
 * generated header the .S file includes.  So every structure offset and
 * exit code the assembly uses has one definition, the C one.
 */
#ifndef HV_ASSYM_H
#define HV_ASSYM_H

/* value: an integer constant expression fitting in 32 bits (signed), as
 * an x86 immediate must; the sizeof stops the build otherwise. */
#define HV_ASSYM(name, value)						\
	do {								\
		(void)sizeof(char[(long long)(value) ==			\
		    (long long)(int)(value) ? 1 : -1]);			\
		__asm__ __volatile__("\n#hv_assym " #name " %c0"	\
		    : : "n"((int)(value)));				\
	} while (0)

#endif /* HV_ASSYM_H */
