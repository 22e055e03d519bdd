/*
 * vmmrun - run one hv guest image through /dev/vmm (vmm.ko, DragonFly BSD).
 * A smoke test of the module and an example of the ioctl interface in
 * ../vmm_dev.h:
 *
 *	vmmrun [-m MiB] [-u MASK|all] [-i MARK:VECTOR ...] image.bin
 *
 * Creates a VM with one vCPU, loads the flat image and runs it.  Answers
 * the guest's host hypercalls: HC_REPORT and HC_MARK are printed, HC_SET_TLS
 * goes to VMM_IOC_SET_TLS, anything else gets -HV_ENOTSUP (so guests that
 * need the testkern host, such as multi-vCPU ones, report failures here).
 * -i queues external interrupt VECTOR (VMM_IOC_INJECT_IRQ) each time the
 * guest reaches HC_MARK MARK, like a scenario's `on mark M do irq V`.
 * -u allows hypercalls from guest CPL 3 (VMM_IOC_USER_HYPERCALLS: bit n
 * for number n, `all` for every one); by default each one there is #UD.
 * Guest text is printed escaped (guest_text.h).
 * Guest COM1 output is printed by the module on the console.  The exit
 * status is the guest's HC_EXIT code, or 2 when the VM stops with an error.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv_abi.h"
#include "vmm_dev.h"
#include "guest_text.h"

#define HV_ENOTSUP	45	/* hv_os.h: BSD errno values */
#define MSG_MAX		256
#define INJ_MAX		16

/* -i MARK:VECTOR */
static struct {
	uint64_t	mark;
	uint32_t	vector;
} inj[INJ_MAX];
static int ninj;

static void
usage(void)
{
	fprintf(stderr, "usage: vmmrun [-m MiB] [-u MASK|all] [-i MARK:VECTOR ...] "
	    "image.bin\n");
	exit(1);
}

/* Read a NUL-terminated guest string at gva (as the guest sees it). */
static void
guest_string(int fd, uint64_t gva, char *buf, size_t size)
{
	struct vmm_ioc_xlate xl;
	struct vmm_ioc_mem m;
	size_t n = 0, chunk;

	buf[0] = '\0';
	while (n + 1 < size) {
		memset(&xl, 0, sizeof(xl));
		xl.vcpu = 0;
		xl.gva = gva + n;
		if (ioctl(fd, VMM_IOC_TRANSLATE, &xl) < 0) {
			snprintf(buf, size, "<bad guest address 0x%llx>",
			    (unsigned long long)(gva + n));
			return;
		}
		/* to the end of the guest page, so one translation covers it */
		chunk = 4096 - (size_t)(xl.gpa & 4095);
		if (chunk > size - 1 - n)
			chunk = size - 1 - n;
		m.gpa = xl.gpa;
		m.uaddr = (uint64_t)(uintptr_t)(buf + n);
		m.len = chunk;
		if (ioctl(fd, VMM_IOC_MEM_READ, &m) < 0)
			err(2, "VMM_IOC_MEM_READ");
		buf[n + chunk] = '\0';
		if (memchr(buf + n, '\0', chunk) != NULL)
			return;
		n += chunk;
	}
}

static void
parse_inject(const char *arg)
{
	unsigned long long mark;
	unsigned long vector;
	char *end;

	if (ninj == INJ_MAX)
		errx(1, "-i: at most %d interrupts", INJ_MAX);
	mark = strtoull(arg, &end, 0);
	if (end == arg || *end != ':')
		errx(1, "-i %s: want MARK:VECTOR", arg);
	vector = strtoul(end + 1, &end, 0);
	if (*end != '\0' || vector < 32 || vector > 255)
		errx(1, "-i %s: VECTOR is 32 to 255", arg);
	inj[ninj].mark = mark;
	inj[ninj].vector = (uint32_t)vector;
	ninj++;
}

/* The interrupts -i asked for at this mark, queued for vCPU 0. */
static void
mark_injects(int fd, uint64_t mark)
{
	struct vmm_ioc_irq irq;
	int i;

	for (i = 0; i < ninj; i++) {
		if (inj[i].mark != mark)
			continue;
		memset(&irq, 0, sizeof(irq));
		irq.vcpu = 0;
		irq.vector = inj[i].vector;
		if (ioctl(fd, VMM_IOC_INJECT_IRQ, &irq) < 0)
			err(2, "VMM_IOC_INJECT_IRQ vector 0x%x", irq.vector);
		printf("injected vector 0x%x at mark %llu\n", irq.vector,
		    (unsigned long long)mark);
	}
}

/* One host hypercall: returns the value the guest gets in RAX. */
static int64_t
hypercall(int fd, const struct vmm_ioc_run *run)
{
	struct vmm_ioc_val val;
	char msg[MSG_MAX], text[4 * MSG_MAX];

	switch (run->nr) {
	case HC_REPORT:
		guest_string(fd, run->args[1], msg, sizeof(msg));
		guest_text(text, sizeof(text), msg, strlen(msg));
		printf("CHECK %s %s\n", run->args[0] ? "ok" : "FAIL", text);
		return (0);
	case HC_MARK:
		printf("MARK %llu\n", (unsigned long long)run->args[0]);
		mark_injects(fd, run->args[0]);
		return (0);
	case HC_SET_TLS:
		memset(&val, 0, sizeof(val));
		val.vcpu = run->vcpu;
		val.value = run->args[0];
		return (ioctl(fd, VMM_IOC_SET_TLS, &val) < 0 ? -errno : 0);
	}
	printf("hypercall %llu not handled by vmmrun\n",
	    (unsigned long long)run->nr);
	return (-HV_ENOTSUP);
}

int
main(int argc, char **argv)
{
	struct vmm_ioc_vm vm;
	struct vmm_ioc_vcpu vcpu;
	struct vmm_ioc_mem img;
	struct vmm_ioc_run run;
	struct vmm_ioc_user_hc user_hc = { 0 };
	struct stat st;
	unsigned long mib = 16;
	char *image, *end;
	int fd, ifd, ch;

	while ((ch = getopt(argc, argv, "m:u:i:")) != -1) {
		switch (ch) {
		case 'm':
			mib = strtoul(optarg, &end, 10);
			if (*end != '\0' || mib < 4 || mib > 1024)
				errx(1, "-m: guest memory is 4 to 1024 MiB");
			break;
		case 'u':
			if (strcmp(optarg, "all") == 0)
				user_hc.mask = VMM_USER_HC_ALL;
			else {
				user_hc.mask = strtoull(optarg, &end, 0);
				if (end == optarg || *end != '\0')
					errx(1, "-u: a mask (bit n: hypercall n) or all");
			}
			break;
		case 'i':
			parse_inject(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();

	if ((ifd = open(argv[optind], O_RDONLY)) < 0 || fstat(ifd, &st) < 0)
		err(1, "%s", argv[optind]);
	if (st.st_size <= 0 || (uint64_t)st.st_size > VMM_IMAGE_MAX)
		errx(1, "%s: empty or larger than %lu bytes", argv[optind],
		    VMM_IMAGE_MAX);
	if ((image = malloc((size_t)st.st_size)) == NULL)
		err(1, "malloc");
	if (read(ifd, image, (size_t)st.st_size) != st.st_size)
		err(1, "%s: short read", argv[optind]);
	close(ifd);

	if ((fd = open(VMM_DEV_PATH, O_RDWR)) < 0)
		err(1, "%s (is vmm.ko loaded?)", VMM_DEV_PATH);
	vm.mem_size = (uint64_t)mib << 20;
	if (ioctl(fd, VMM_IOC_VM_CREATE, &vm) < 0)
		err(1, "VMM_IOC_VM_CREATE");
	if (ioctl(fd, VMM_IOC_USER_HYPERCALLS, &user_hc) < 0)
		err(1, "VMM_IOC_USER_HYPERCALLS");
	img.gpa = 0;
	img.uaddr = (uint64_t)(uintptr_t)image;
	img.len = (uint64_t)st.st_size;
	if (ioctl(fd, VMM_IOC_LOAD_IMAGE, &img) < 0)
		err(1, "VMM_IOC_LOAD_IMAGE");
	memset(&vcpu, 0, sizeof(vcpu));
	if (ioctl(fd, VMM_IOC_VCPU_CREATE, &vcpu) < 0)
		err(1, "VMM_IOC_VCPU_CREATE");

	memset(&run, 0, sizeof(run));
	for (;;) {
		if (ioctl(fd, VMM_IOC_RUN, &run) < 0) {
			if (errno == EINTR)
				continue;
			err(2, "VMM_IOC_RUN");
		}
		run.set_result = 0;
		switch (run.kind) {
		case VMM_EXIT_HYPERCALL:
			run.result = hypercall(fd, &run);
			run.set_result = 1;
			break;
		case VMM_EXIT_INTR:
			break;
		case VMM_EXIT_DONE:
			printf("guest exited with code %lld\n", (long long)run.code);
			return ((int)(run.code & 0xff));
		case VMM_EXIT_DEBUG:
			printf("guest hit a breakpoint (#BP); vmmrun has no debugger\n");
			return (2);
		case VMM_EXIT_ERROR:
			printf("VM stopped: %s (error %d, reason 0x%llx)\n", run.msg,
			    run.error, (unsigned long long)run.raw_reason);
			return (2);
		default:
			printf("unknown exit kind %u\n", run.kind);
			return (2);
		}
	}
}
