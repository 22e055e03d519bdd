/* ioccom.h - the BSD ioctl number encoding (test shim; see dfly_shim.h). */
#ifndef SHIM_SYS_IOCCOM_H
#define SHIM_SYS_IOCCOM_H

#define IOCPARM_MASK	0x1fff		/* 13 bits of argument size */
#define IOCPARM_MAX	(IOCPARM_MASK + 1)
#define IOC_VOID	0x20000000UL
#define IOC_OUT		0x40000000UL
#define IOC_IN		0x80000000UL
#define _IOC(dir, g, n, len) \
	((unsigned long)((dir) | (((len) & IOCPARM_MASK) << 16) | ((g) << 8) | (n)))
#define _IO(g, n)	_IOC(IOC_VOID, (g), (n), 0)
#define _IOW(g, n, t)	_IOC(IOC_IN, (g), (n), sizeof(t))
#define _IOR(g, n, t)	_IOC(IOC_OUT, (g), (n), sizeof(t))
#define _IOWR(g, n, t)	_IOC(IOC_IN | IOC_OUT, (g), (n), sizeof(t))

#endif
