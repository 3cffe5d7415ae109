/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The guest's check program: /init of the initramfs given to the Linux
 * kernel that the shield boots on top of itself. It runs as PID 1, with
 * nothing but the kernel underneath, and proves from inside the guest that
 * the shield works:
 *
 *   guest-no-dmar-table   the ACPI DMAR table is not exported by the kernel
 *   guest-no-iommu-init   the kernel never found nor initialised VT-d
 *   guest-edu-dma         an edu device, driven from user space, does DMA
 *   guest-attack-blocked  the edu's DMA into the VMM's memory changes nothing
 *   guest-fault-recorded  the VT-d unit recorded that write as a fault
 *
 * With ioguard.iommu=amd (an AMD IOMMU under the shield) the first two are
 * guest-no-ivrs-table (no ACPI IVRS) and guest-no-amdvi-init (no AMD-Vi
 * line in the kernel log), and there is no guest-fault-recorded: QEMU 7.2's
 * AMD IOMMU writes no event log entry, so the memory left unchanged is the
 * proof of the block.
 *
 * With ioguard.efi=off|runtime (the shield booted from UEFI firmware), also
 *
 *   guest-efi             the kernel booted without EFI (off): no
 *                         /sys/firmware/efi; or with the EFI runtime services
 *                         the shield passed on (runtime): /sys/firmware/efi
 *                         with its runtime services table
 *
 * One line per check, "CHECK <name> PASS|FAIL <details>", then
 * "N passed, M failed". Parameters come from the kernel command line:
 *
 *   ioguard.target=<hex>   the VMM's memory (reserved in the E820 map, 4 KiB
 *                          aligned); its first page is attacked
 *   ioguard.drhd=<hex>     the VT-d unit's register base
 *   ioguard.iommu=amd      the shield runs on AMD IOMMUs, not VT-d
 *   ioguard.edu=<dddd:bb:dd.f>  the edu to use (default: the first one)
 *   ioguard.dmamask=<hex>  the edu's DMA mask (default 0xfffffff, QEMU's)
 *   ioguard.seed=<hex>     the target holds byte i = seed + 31 * i: proves that
 *                          /dev/mem shows the VMM's own bytes
 *   ioguard.efi=off|runtime  what the shield gave the guest of UEFI
 *   ioguard.exit=<hex>     QEMU's isa-debug-exit port: leave QEMU through it
 *                          with code 0 when all passed, 1 otherwise (QEMU's
 *                          status is then (code << 1) | 1); without it the
 *                          guest powers off
 *
 * Only libc and Linux system calls: proc, sysfs and devtmpfs, the PCI
 * device's sysfs config and resource0 files, /proc/self/pagemap for
 * physical addresses and /dev/mem for the VMM's memory and the VT-d
 * registers. A failure of any step is a FAIL line, never a crash: PID 1 must
 * not die, so bus errors are caught, and the program ends by leaving QEMU or
 * powering off.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096u
#define EDU_VENDOR "0x1234"
#define EDU_DEVICE "0x11e8"
#define EDU_ID 0x00
#define EDU_ID_VALUE_MASK 0xffu
#define EDU_ID_VALUE 0xedu
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_CMD_START 1u
#define EDU_CMD_TO_RAM 2u /* 0: RAM -> edu buffer, 1: edu buffer -> RAM */
#define EDU_BUF 0x40000u  /* the edu's buffer in its own DMA address space */
#define EDU_DMA_MASK_DEFAULT 0xfffffffull
#define XFER 4095u /* bytes per DMA: QEMU 7.2's edu aborts at 4096 */
#define DMA_TIMEOUT_MS 5000
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x2u
#define PCI_COMMAND_MASTER 0x4u

#define VTD_VER 0x00
#define VTD_CAP 0x08
#define VTD_FSTS 0x34
#define VTD_FSTS_PFO 0x1u
#define FRCD_F (1ull << 63)
#define FRCD_T (1ull << 62)
#define FR_WRITE 5u /* fault reason: write not permitted */

#define PM_PRESENT (1ull << 63)
#define PM_PFN_MASK ((1ull << 55) - 1)

#define SYSLOG_READ_ALL 3
#define SYSLOG_SIZE_BUFFER 10

#define LOW_CHUNK (4u << 20) /* memory is searched for low pages 4 MiB at a time */
#define LOW_PAGES 2
#define WHY_LEN 512

struct params {
	int have_target, have_drhd, have_exit, bad_edu, have_seed, amd;
	int efi; /* 0: not asked, 1: off, 2: runtime */
	unsigned seed;
	uint64_t target, drhd, dma_mask;
	unsigned exit_port;
	char edu[32];
};

struct page {
	uint8_t *virt;
	uint64_t phys;
};

struct edu {
	int ok;
	char why[WHY_LEN];
	char bdf[32];
	uint16_t sid;
	volatile uint8_t *regs;
	struct page pg[LOW_PAGES]; /* [0]: source, [1]: destination */
};

static struct params prm = {.dma_mask = EDU_DMA_MASK_DEFAULT};
static struct edu edu;
static int passed, failed, printed_uptime;
static char boot_note[512];

/* Bus errors and stray faults become a FAIL of the running check. */
static sigjmp_buf guard_jmp;
static volatile sig_atomic_t guard_on;
static volatile sig_atomic_t guard_sig;

static void finish(void) __attribute__((noreturn));

/* Output: one write(2) per line, so lines never mix with the kernel's. */
static void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void out(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	for (size_t done = 0; done < (size_t)n;) {
		ssize_t w = write(1, line + done, (size_t)n - done);
		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return;
		}
		done += (size_t)w;
	}
}

static void uptime_once(void)
{
	char buf[64] = "";
	int fd;

	if (printed_uptime)
		return;
	printed_uptime = 1;
	fd = open("/proc/uptime", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		close(fd);
	}
	buf[strcspn(buf, " \n")] = '\0';
	out("guest: up %s s", buf[0] ? buf : "?");
}

static void check(const char *name, int pass, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void check(const char *name, int pass, const char *fmt, ...)
{
	char details[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(details, sizeof(details), fmt, ap);
	va_end(ap);
	uptime_once();
	out("CHECK %s %s %s", name, pass ? "PASS" : "FAIL", details);
	if (pass)
		passed++;
	else
		failed++;
}

static void on_fault(int sig)
{
	if (guard_on) {
		guard_sig = sig;
		guard_on = 0;
		siglongjmp(guard_jmp, 1);
	}
	/* Outside any check: say so and leave rather than let PID 1 die. */
	static const char msg[] = "guest: fatal signal outside a check\n";
	if (write(1, msg, sizeof(msg) - 1) < 0) {
		/* nothing more to do */
	}
	failed++;
	finish();
}

static void guarded(const char *name, void (*fn)(void))
{
	int before = passed + failed;

	if (sigsetjmp(guard_jmp, 1) == 0) {
		guard_on = 1;
		fn();
		guard_on = 0;
		return;
	}
	if (passed + failed == before)
		check(name, 0, "signal %d (%s) while checking", (int)guard_sig,
		      strsignal((int)guard_sig));
}

/* ---- small file helpers ---- */

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -1;
	while (got + 1 < size) {
		ssize_t n = read(fd, buf + got, size - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return (ssize_t)got;
}

static int file_is(const char *dir, const char *name, const char *want)
{
	char path[512], buf[64];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_file(path, buf, sizeof(buf)) < 0)
		return 0;
	buf[strcspn(buf, "\n")] = '\0';
	return strcmp(buf, want) == 0;
}

static int parse_hex(const char *s, uint64_t *v)
{
	char *end;

	if (!isxdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 16);
	if (errno || (*end && !isspace((unsigned char)*end)))
		return -1;
	return 0;
}

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	size_t len = strlen(boot_note);
	va_list ap;

	if (len + 2 >= sizeof(boot_note))
		return;
	if (len)
		boot_note[len++] = ';', boot_note[len++] = ' ';
	va_start(ap, fmt);
	vsnprintf(boot_note + len, sizeof(boot_note) - len, fmt, ap);
	va_end(ap);
}

/* ---- set-up ---- */

static void console_fds(void)
{
	if (fcntl(1, F_GETFD) >= 0)
		return;
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		if (fd != i)
			dup2(fd, i);
	if (fd > 2)
		close(fd);
}

static void mount_one(const char *src, const char *dir, const char *type)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		note("mkdir %s: %s", dir, strerror(errno));
	if (mount(src, dir, type, MS_NOSUID | MS_NOEXEC, NULL) < 0 && errno != EBUSY)
		note("mount %s on %s: %s", type, dir, strerror(errno));
}

static void parse_cmdline(void)
{
	static char cmd[4096];
	char *save = NULL;

	if (read_file("/proc/cmdline", cmd, sizeof(cmd)) < 0) {
		note("/proc/cmdline: %s", strerror(errno));
		return;
	}
	for (char *tok = strtok_r(cmd, " \t\n", &save); tok; tok = strtok_r(NULL, " \t\n", &save)) {
		uint64_t v;

		if (!strncmp(tok, "ioguard.target=", 15)) {
			if (parse_hex(tok + 15, &v) == 0)
				prm.target = v, prm.have_target = 1;
			else
				note("bad %s", tok);
		} else if (!strncmp(tok, "ioguard.drhd=", 13)) {
			if (parse_hex(tok + 13, &v) == 0)
				prm.drhd = v, prm.have_drhd = 1;
			else
				note("bad %s", tok);
		} else if (!strcmp(tok, "ioguard.efi=off")) {
			prm.efi = 1;
		} else if (!strcmp(tok, "ioguard.efi=runtime")) {
			prm.efi = 2;
		} else if (!strcmp(tok, "ioguard.iommu=amd")) {
			prm.amd = 1;
		} else if (!strncmp(tok, "ioguard.dmamask=", 16)) {
			if (parse_hex(tok + 16, &v) == 0 && v >= 0xfffff)
				prm.dma_mask = v;
			else
				note("bad %s", tok);
		} else if (!strncmp(tok, "ioguard.seed=", 13)) {
			if (parse_hex(tok + 13, &v) == 0 && v <= 0xff)
				prm.seed = (unsigned)v, prm.have_seed = 1;
			else
				note("bad %s", tok);
		} else if (!strncmp(tok, "ioguard.exit=", 13)) {
			if (parse_hex(tok + 13, &v) == 0 && v <= 0xffff)
				prm.exit_port = (unsigned)v, prm.have_exit = 1;
			else
				note("bad %s", tok);
		} else if (!strncmp(tok, "ioguard.edu=", 12)) {
			const char *b = tok + 12;
			unsigned d, bus, dev, fn;
			char extra;

			if (sscanf(b, "%x:%x:%x.%x%c", &d, &bus, &dev, &fn, &extra) == 4)
				snprintf(prm.edu, sizeof(prm.edu), "%04x:%02x:%02x.%x", d, bus, dev,
					 fn);
			else if (sscanf(b, "%x:%x.%x%c", &bus, &dev, &fn, &extra) == 3)
				snprintf(prm.edu, sizeof(prm.edu), "0000:%02x:%02x.%x", bus, dev,
					 fn);
			else
				note("bad %s", tok), prm.bad_edu = 1;
		}
	}
}

/* ---- guest-efi: what the guest has of UEFI ---- */

static void check_efi(void)
{
	struct stat st;
	int efi = stat("/sys/firmware/efi", &st) == 0;
	int runtime = stat("/sys/firmware/efi/runtime", &st) == 0;

	if (prm.efi == 1)
		check("guest-efi", !efi,
		      efi ? "/sys/firmware/efi exists: the kernel found EFI although none was "
			    "passed"
			  : "no /sys/firmware/efi: booted as on a BIOS machine, no EFI runtime "
			    "services");
	else
		check("guest-efi", efi && runtime,
		      "/sys/firmware/efi %s, its runtime services table %s",
		      efi ? "present" : "MISSING", runtime ? "present" : "MISSING");
}

/* ---- checks 1 and 2: the kernel saw no DMAR (or no IVRS) ---- */

/* The kernel log, whole (malloc'd, NUL-terminated), or NULL with errno set. */
static char *read_klog(void)
{
	int size = klogctl(SYSLOG_SIZE_BUFFER, NULL, 0), n;
	char *log;

	if (size <= 0)
		size = 1 << 20;
	log = malloc((size_t)size + 1);
	if (!log)
		return NULL;
	n = klogctl(SYSLOG_READ_ALL, log, size);
	if (n < 0) {
		free(log);
		return NULL;
	}
	log[n] = '\0';
	return log;
}

/* The next line of a kernel log, its level and time stamp skipped; NULL at the end. */
static char *next_message(char **cursor)
{
	char *line = *cursor, *next, *msg;

	if (!line || !*line)
		return NULL;
	next = strchr(line, '\n');
	if (next)
		*next++ = '\0';
	*cursor = next;
	msg = line;
	/* "<6>[    0.123456] message" */
	if (*msg == '<' && strchr(msg, '>'))
		msg = strchr(msg, '>') + 1;
	if (*msg == '[' && strchr(msg, ']'))
		msg = strchr(msg, ']') + 1;
	while (*msg == ' ')
		msg++;
	return msg;
}

/*
 * No DMAR (no IVRS on AMD): neither in sysfs nor in the table list the
 * kernel prints at boot ("ACPI: FACP 0x... "). The latter also covers a
 * concealment that leaves a nameless table behind, which ends Linux's sysfs
 * export of the tables.
 */
static void check_no_table(void)
{
	const char *dir = "/sys/firmware/acpi/tables";
	const char *sig = prm.amd ? "IVRS" : "DMAR";
	const char *name = prm.amd ? "guest-no-ivrs-table" : "guest-no-dmar-table";
	char path[64], listed_as[16];
	struct stat st;
	int n = 0, listed = 0;
	char *log, *cursor, *msg;
	DIR *d;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		check(name, 0, "%s is missing (%s): no ACPI tables to look at", dir,
		      strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, sig);
	snprintf(listed_as, sizeof(listed_as), "ACPI: %s ", sig);
	if (stat(path, &st) == 0) {
		check(name, 0, "%s exists (%lld bytes)", path, (long long)st.st_size);
		return;
	}
	d = opendir(dir);
	if (d) {
		for (struct dirent *e; (e = readdir(d));)
			if (e->d_name[0] != '.')
				n++;
		closedir(d);
	}
	log = read_klog();
	if (!log) {
		check(name, 0, "cannot read the kernel log: %s", strerror(errno));
		return;
	}
	for (cursor = log; (msg = next_message(&cursor));) {
		if (!strncmp(msg, listed_as, 11)) {
			check(name, 0, "the kernel listed \"%.200s\"", msg);
			free(log);
			return;
		}
		/* "ACPI: XXXX 0x..." lines: the tables the kernel found */
		if (!strncmp(msg, "ACPI: ", 6) && strlen(msg) > 13 && !strncmp(msg + 10, " 0x", 3))
			listed++;
	}
	free(log);
	if (!listed) {
		check(name, 0, "the kernel log lists no ACPI table: nothing proven");
		return;
	}
	check(name, 1,
	      "no %s among the %d entries of %s nor the %d tables the kernel listed at boot", sig,
	      n, dir, listed);
}

/* Does this kernel-log message show DMAR or Intel-IOMMU initialisation? */
static int iommu_line(const char *msg)
{
	static const char *const has[] = {
		"DMAR-IR",
		"Intel(R) Virtualization Technology for Directed I/O",
		"IOMMU enabled",
		"dmar: ",
	};

	if (!strncmp(msg, "DMAR:", 5) || !strncmp(msg, "DMAR ", 5))
		return 1;
	for (size_t i = 0; i < sizeof(has) / sizeof(has[0]); i++)
		if (strstr(msg, has[i]))
			return 1;
	return 0;
}

/*
 * Does this kernel-log message show that the AMD IOMMU driver found an IVRS?
 * The driver's prefix ("AMD-Vi: Interrupt remapping enabled") and its
 * performance counters' ("perf/amd_iommu: Detected AMD IOMMU #0") do. One
 * AMD-Vi line says the opposite: Linux 6.1's built-in IOMMUv2 driver prints
 * "AMD IOMMUv2 functionality not available on this system" when the AMD
 * driver found no IOMMU, so it is counted, not failed.
 */
static int amd_iommu_line(const char *msg, int *none_found)
{
	if (strstr(msg, "AMD IOMMUv2 functionality not available on this system")) {
		(*none_found)++;
		return 0;
	}
	return strstr(msg, "AMD-Vi") || strstr(msg, "AMD IOMMU");
}

static void check_no_iommu_init(void)
{
	const char *name = prm.amd ? "guest-no-amdvi-init" : "guest-no-iommu-init";
	char *log = read_klog(), *cursor, *msg;
	int lines = 0, none_found = 0;

	if (!log) {
		check(name, 0, "cannot read the kernel log: %s", strerror(errno));
		return;
	}
	for (cursor = log; (msg = next_message(&cursor));) {
		/* The early lines must still be there: DMAR lines come early. */
		if (!lines++ && strncmp(msg, "Linux version", 13)) {
			check(name, 0,
			      "the kernel log no longer starts at boot (\"%.80s\"): nothing proven",
			      msg);
			free(log);
			return;
		}
		if (prm.amd ? amd_iommu_line(msg, &none_found) : iommu_line(msg)) {
			check(name, 0, "kernel log line %d: \"%.300s\"", lines, msg);
			free(log);
			return;
		}
	}
	if (prm.amd)
		check(name, 1,
		      "no AMD-Vi or AMD IOMMU line in %d kernel log lines but %d saying the "
		      "driver found none",
		      lines, none_found);
	else
		check(name, 1, "no DMAR or Intel-IOMMU line in %d kernel log lines", lines);
	free(log);
}

/* ---- the edu, from user space ---- */

static uint64_t rd64(volatile uint8_t *base, unsigned off)
{
	return *(volatile uint64_t *)(base + off);
}

static uint32_t rd32(volatile uint8_t *base, unsigned off)
{
	return *(volatile uint32_t *)(base + off);
}

static void wr64(volatile uint8_t *base, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(base + off) = v;
}

static void wr32(volatile uint8_t *base, unsigned off, uint32_t v)
{
	*(volatile uint32_t *)(base + off) = v;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int edu_wait(char *why, size_t n)
{
	long long start = now_ms();

	for (;;) {
		if (!(rd64(edu.regs, EDU_DMA_CMD) & EDU_CMD_START))
			return 0;
		if (now_ms() - start > DMA_TIMEOUT_MS) {
			snprintf(why, n, "DMA still running after %d ms (command 0x%" PRIx64 ")",
				 DMA_TIMEOUT_MS, rd64(edu.regs, EDU_DMA_CMD));
			return -1;
		}
		struct timespec ms = {0, 1000000};
		nanosleep(&ms, NULL);
	}
}

/* One DMA of `count` bytes; `to_ram`: the edu's buffer to RAM, else RAM to it. */
static int edu_dma(uint64_t src, uint64_t dst, unsigned count, int to_ram, char *why, size_t n)
{
	if (edu_wait(why, n) < 0)
		return -1;
	wr64(edu.regs, EDU_DMA_SRC, src);
	wr64(edu.regs, EDU_DMA_DST, dst);
	wr64(edu.regs, EDU_DMA_COUNT, count);
	__sync_synchronize();
	wr64(edu.regs, EDU_DMA_CMD, EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	if (edu_wait(why, n) < 0)
		return -1;
	__sync_synchronize();
	return 0;
}

static int find_edu(char *why, size_t n)
{
	const char *root = "/sys/bus/pci/devices";
	char dir[300];

	if (prm.bad_edu) {
		snprintf(why, n, "ioguard.edu= is not a PCI address dddd:bb:dd.f");
		return -1;
	}
	if (prm.edu[0]) {
		snprintf(dir, sizeof(dir), "%s/%s", root, prm.edu);
		if (!file_is(dir, "vendor", EDU_VENDOR) || !file_is(dir, "device", EDU_DEVICE)) {
			snprintf(why, n, "ioguard.edu=%s: no edu (1234:11e8) at %s", prm.edu, dir);
			return -1;
		}
		snprintf(edu.bdf, sizeof(edu.bdf), "%s", prm.edu);
		return 0;
	}
	DIR *d = opendir(root);
	if (!d) {
		snprintf(why, n, "%s: %s", root, strerror(errno));
		return -1;
	}
	char best[64] = "";
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(best))
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", root, e->d_name);
		if (file_is(dir, "vendor", EDU_VENDOR) && file_is(dir, "device", EDU_DEVICE) &&
		    (!best[0] || strcmp(e->d_name, best) < 0))
			snprintf(best, sizeof(best), "%s", e->d_name);
	}
	closedir(d);
	if (!best[0]) {
		snprintf(why, n, "no edu (1234:11e8) under %s", root);
		return -1;
	}
	snprintf(edu.bdf, sizeof(edu.bdf), "%s", best);
	return 0;
}

static int edu_enable(char *why, size_t n)
{
	char path[300];
	uint8_t cmd[2];
	unsigned dom, bus, dev, fn;

	if (sscanf(edu.bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4) {
		snprintf(why, n, "cannot parse the address %s", edu.bdf);
		return -1;
	}
	edu.sid = (uint16_t)(bus << 8 | (dev & 0x1f) << 3 | (fn & 7));

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/config", edu.bdf);
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, n, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (pread(fd, cmd, 2, PCI_COMMAND) != 2) {
		snprintf(why, n, "reading the command register from %s failed", path);
		close(fd);
		return -1;
	}
	cmd[0] |= PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	if (pwrite(fd, cmd, 2, PCI_COMMAND) != 2) {
		snprintf(why, n, "writing the command register to %s failed: %s", path,
			 strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource0", edu.bdf);
	fd = open(path, O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, n, "%s: %s", path, strerror(errno));
		return -1;
	}
	void *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(why, n, "mmap %s: %s", path, strerror(errno));
		return -1;
	}
	edu.regs = p;
	uint32_t id = rd32(edu.regs, EDU_ID);
	if ((id & EDU_ID_VALUE_MASK) != EDU_ID_VALUE) {
		snprintf(why, n, "BAR0 of %s reads ID 0x%08x, not an edu's", edu.bdf, id);
		return -1;
	}
	return 0;
}

/* The physical address of a resident page, from /proc/self/pagemap. */
static int phys_of(int pm, const void *virt, uint64_t *phys)
{
	uint64_t e;
	off_t off = (off_t)((uintptr_t)virt / PAGE * sizeof(e));

	if (pread(pm, &e, sizeof(e), off) != (ssize_t)sizeof(e))
		return -1;
	if (!(e & PM_PRESENT) || !(e & PM_PFN_MASK))
		return -1;
	*phys = (e & PM_PFN_MASK) * PAGE;
	return 0;
}

/*
 * LOW_PAGES locked pages the edu can reach (below its DMA mask). User memory
 * comes from anywhere in RAM, so it is taken 4 MiB at a time, locked (and
 * kept: what is let go might come back) until enough pages lie low enough.
 */
static int low_pages(char *why, size_t n)
{
	struct sysinfo si;
	uint64_t limit = 256ull << 20, taken = 0, lowest = UINT64_MAX;
	int got = 0;

	if (sysinfo(&si) == 0) {
		uint64_t free_bytes = (uint64_t)si.freeram * si.mem_unit;
		limit = free_bytes / 2;
	}
	/* Locked pages must stay where pagemap saw them. */
	int fd = open("/proc/sys/vm/compact_unevictable_allowed", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (write(fd, "0", 1) < 0) {
			/* best effort */
		}
		close(fd);
	}
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (pm < 0) {
		snprintf(why, n, "/proc/self/pagemap: %s", strerror(errno));
		return -1;
	}
	while (got < LOW_PAGES && taken + LOW_CHUNK <= limit) {
		uint8_t *c = mmap(NULL, LOW_CHUNK, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c == MAP_FAILED) {
			snprintf(why, n, "mmap of %u bytes: %s", LOW_CHUNK, strerror(errno));
			close(pm);
			return -1;
		}
		madvise(c, LOW_CHUNK, MADV_NOHUGEPAGE);
		if (mlock(c, LOW_CHUNK) < 0) {
			snprintf(why, n, "mlock: %s", strerror(errno));
			close(pm);
			return -1;
		}
		taken += LOW_CHUNK;
		for (size_t off = 0; off < LOW_CHUNK; off += PAGE)
			c[off] = 1;
		for (size_t off = 0; off < LOW_CHUNK && got < LOW_PAGES; off += PAGE) {
			uint64_t phys;

			if (phys_of(pm, c + off, &phys) < 0) {
				if (taken == LOW_CHUNK && off == 0) {
					snprintf(why, n,
						 "pagemap shows no page frame (not root, or "
						 "no CAP_SYS_ADMIN?)");
					close(pm);
					return -1;
				}
				continue;
			}
			if (phys < lowest)
				lowest = phys;
			if (phys + PAGE - 1 <= prm.dma_mask) {
				edu.pg[got].virt = c + off;
				edu.pg[got].phys = phys;
				got++;
			}
		}
	}
	close(pm);
	if (got < LOW_PAGES) {
		snprintf(why, n,
			 "no %d pages below the edu's DMA mask 0x%" PRIx64 " in %" PRIu64
			 " MiB of locked memory (lowest at 0x%" PRIx64 ")",
			 LOW_PAGES, prm.dma_mask, taken >> 20, lowest);
		return -1;
	}
	return 0;
}

static void fill(uint8_t *p, unsigned count, unsigned seed)
{
	uint32_t x = 0x9e3779b9u ^ seed;

	for (unsigned i = 0; i < count; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		p[i] = (uint8_t)x;
	}
}

static void check_edu_dma(void)
{
	const char *name = "guest-edu-dma";
	char why[WHY_LEN];
	struct page *src = &edu.pg[0], *dst = &edu.pg[1];

	if (find_edu(why, sizeof(why)) < 0 || edu_enable(why, sizeof(why)) < 0 ||
	    low_pages(why, sizeof(why)) < 0) {
		snprintf(edu.why, sizeof(edu.why), "%s", why);
		check(name, 0, "%s", why);
		return;
	}
	fill(src->virt, PAGE, (unsigned)now_ms());
	memset(dst->virt, 0xa5, PAGE);
	__sync_synchronize();
	long long t0 = now_ms();
	if (edu_dma(src->phys, EDU_BUF, XFER, 0, why, sizeof(why)) < 0 ||
	    edu_dma(EDU_BUF, dst->phys, XFER, 1, why, sizeof(why)) < 0) {
		snprintf(edu.why, sizeof(edu.why), "%s", why);
		check(name, 0, "edu %s: %s", edu.bdf, why);
		return;
	}
	long long t1 = now_ms();
	unsigned bad = 0, first = 0;
	for (unsigned i = 0; i < XFER; i++)
		if (((volatile uint8_t *)dst->virt)[i] != src->virt[i] && !bad++)
			first = i;
	if (bad || ((volatile uint8_t *)dst->virt)[XFER] != 0xa5) {
		snprintf(edu.why, sizeof(edu.why), "the edu's DMA round trip does not work");
		if (bad)
			check(name, 0,
			      "edu %s: %u of %u bytes differ after RAM 0x%" PRIx64
			      " -> edu -> RAM 0x%" PRIx64 ", first at +0x%x (0x%02x, not 0x%02x)",
			      edu.bdf, bad, XFER, src->phys, dst->phys, first, dst->virt[first],
			      src->virt[first]);
		else
			check(name, 0, "edu %s: DMA wrote past its %u bytes at 0x%" PRIx64, edu.bdf,
			      XFER, dst->phys);
		return;
	}
	edu.ok = 1;
	check(name, 1,
	      "edu %s (source-id 0x%04x): %u bytes RAM 0x%" PRIx64 " -> edu buffer -> RAM "
	      "0x%" PRIx64 " intact, %lld ms for both",
	      edu.bdf, edu.sid, XFER, src->phys, dst->phys, t1 - t0);
}

/* ---- /dev/mem: the VMM's memory and the VT-d unit ---- */

/* The innermost /proc/iomem entry holding `addr`, e.g. "Reserved". */
static void iomem_name(uint64_t addr, char *name, size_t n)
{
	static char buf[32768];
	int depth = -1;

	snprintf(name, n, "not in /proc/iomem");
	if (read_file("/proc/iomem", buf, sizeof(buf)) < 0)
		return;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		int indent = (int)strspn(line, " ");
		unsigned long long lo, hi;
		int at = 0;

		if (sscanf(line + indent, "%llx-%llx : %n", &lo, &hi, &at) < 2 || !at)
			continue;
		if (addr >= lo && addr <= hi && indent > depth) {
			depth = indent;
			snprintf(name, n, "%s", line + indent + at);
		}
	}
}

static void *devmem_map(uint64_t phys, size_t len, int writable, char *why, size_t n)
{
	int fd = open("/dev/mem", (writable ? O_RDWR : O_RDONLY) | O_SYNC | O_CLOEXEC);

	if (fd < 0) {
		snprintf(why, n, "/dev/mem: %s", strerror(errno));
		return NULL;
	}
	void *p = mmap(NULL, len, PROT_READ | (writable ? PROT_WRITE : 0), MAP_SHARED, fd,
		       (off_t)phys);
	close(fd);
	if (p == MAP_FAILED) {
		snprintf(why, n, "mmap of /dev/mem at 0x%" PRIx64 ": %s", phys, strerror(errno));
		return NULL;
	}
	return p;
}

struct vtd {
	volatile uint8_t *regs;
	size_t len;
	unsigned fro, nfr;
	uint64_t cap;
	uint32_t ver;
	char why[WHY_LEN];
};

static struct vtd vtd;

static int vtd_open(void)
{
	if (vtd.regs)
		return 0;
	if (!prm.have_drhd) {
		snprintf(vtd.why, sizeof(vtd.why), "no ioguard.drhd= on the command line");
		return -1;
	}
	if (prm.drhd % PAGE) {
		snprintf(vtd.why, sizeof(vtd.why),
			 "ioguard.drhd=0x%" PRIx64 " is not 4 KiB aligned", prm.drhd);
		return -1;
	}
	volatile uint8_t *r = devmem_map(prm.drhd, PAGE, 1, vtd.why, sizeof(vtd.why));
	if (!r)
		return -1;
	vtd.ver = rd32(r, VTD_VER);
	vtd.cap = rd64(r, VTD_CAP);
	if (vtd.cap == 0 || vtd.cap == UINT64_MAX) {
		snprintf(vtd.why, sizeof(vtd.why),
			 "no VT-d unit at 0x%" PRIx64 ": CAP reads 0x%" PRIx64, prm.drhd, vtd.cap);
		munmap((void *)r, PAGE);
		return -1;
	}
	vtd.fro = (unsigned)((vtd.cap >> 24) & 0x3ff) * 16;
	vtd.nfr = (unsigned)((vtd.cap >> 40) & 0xff) + 1;
	vtd.len = (vtd.fro + vtd.nfr * 16u + PAGE - 1) / PAGE * PAGE;
	if (vtd.len > PAGE) {
		munmap((void *)r, PAGE);
		r = devmem_map(prm.drhd, vtd.len, 1, vtd.why, sizeof(vtd.why));
		if (!r)
			return -1;
	} else {
		vtd.len = PAGE;
	}
	vtd.regs = r;
	return 0;
}

struct frcd {
	uint64_t lo, hi;
};

static struct frcd frcd_read(unsigned i)
{
	struct frcd f;
	unsigned off = vtd.fro + i * 16;

	f.lo = rd64(vtd.regs, off);
	f.hi = rd64(vtd.regs, off + 8);
	return f;
}

static void frcd_clear(unsigned i)
{
	wr32(vtd.regs, vtd.fro + i * 16 + 12, 0x80000000u);
}

static void frcd_describe(struct frcd f, char *buf, size_t n)
{
	unsigned sid = (unsigned)(f.hi & 0xffff);

	snprintf(buf, n, "source-id 0x%04x (%02x:%02x.%x) page 0x%" PRIx64 " reason %u %s", sid,
		 sid >> 8, (sid >> 3) & 0x1f, sid & 7, f.lo & ~(uint64_t)0xfff,
		 (unsigned)((f.hi >> 32) & 0xff), (f.hi & FRCD_T) ? "read" : "write");
}

/* Before the attack: no old fault may stop QEMU from recording the new one. */
static void vtd_clear_old(void)
{
	if (vtd_open() < 0) {
		out("guest: VT-d registers not readable before the attack: %s", vtd.why);
		return;
	}
	for (unsigned i = 0; i < vtd.nfr; i++) {
		struct frcd f = frcd_read(i);
		char d[160];

		if (!(f.hi & FRCD_F))
			continue;
		frcd_describe(f, d, sizeof(d));
		out("guest: clearing an old fault record %u: %s", i, d);
		frcd_clear(i);
	}
	if (rd32(vtd.regs, VTD_FSTS) & VTD_FSTS_PFO) {
		out("guest: clearing the primary fault overflow");
		wr32(vtd.regs, VTD_FSTS, VTD_FSTS_PFO);
	}
}

static void check_attack(void)
{
	const char *name = "guest-attack-blocked";
	char why[WHY_LEN], where[128];
	static uint8_t before[PAGE], after[PAGE];

	if (!prm.have_target) {
		check(name, 0, "no ioguard.target= on the command line");
		return;
	}
	if (prm.target % PAGE) {
		check(name, 0, "ioguard.target=0x%" PRIx64 " is not 4 KiB aligned", prm.target);
		return;
	}
	if (!edu.ok) {
		check(name, 0, "no working edu: %s", edu.why);
		return;
	}
	if (prm.target + PAGE - 1 > prm.dma_mask) {
		check(name, 0,
		      "target 0x%" PRIx64 " is beyond the edu's DMA mask 0x%" PRIx64
		      " (set ioguard.dmamask= and the edu's dma_mask)",
		      prm.target, prm.dma_mask);
		return;
	}
	iomem_name(prm.target, where, sizeof(where));
	volatile uint8_t *t = devmem_map(prm.target, PAGE, 0, why, sizeof(why));
	if (!t) {
		check(name, 0, "target 0x%" PRIx64 " (%s): %s", prm.target, where, why);
		return;
	}
	for (unsigned i = 0; i < PAGE; i++)
		before[i] = t[i];
	for (unsigned i = 0; prm.have_seed && i < PAGE; i++)
		if (before[i] != (uint8_t)(prm.seed + 31 * i)) {
			check(name, 0,
			      "target 0x%" PRIx64 " (%s) does not hold the VMM's bytes: +0x%x is "
			      "0x%02x",
			      prm.target, where, i, before[i]);
			munmap((void *)t, PAGE);
			return;
		}

	/* The payload: every byte differs from the target's. */
	struct page *src = &edu.pg[0], *chk = &edu.pg[1];
	for (unsigned i = 0; i < PAGE; i++)
		src->virt[i] = (uint8_t)~before[i];
	memset(chk->virt, 0, PAGE);
	__sync_synchronize();
	if (edu_dma(src->phys, EDU_BUF, XFER, 0, why, sizeof(why)) < 0 ||
	    edu_dma(EDU_BUF, chk->phys, XFER, 1, why, sizeof(why)) < 0) {
		check(name, 0, "loading the payload into the edu: %s", why);
		munmap((void *)t, PAGE);
		return;
	}
	if (memcmp(chk->virt, src->virt, XFER) != 0) {
		check(name, 0, "the payload did not reach the edu's buffer");
		munmap((void *)t, PAGE);
		return;
	}

	if (!prm.amd)
		vtd_clear_old();
	if (edu_dma(EDU_BUF, prm.target, XFER, 1, why, sizeof(why)) < 0) {
		check(name, 0, "the attack DMA did not complete: %s", why);
		munmap((void *)t, PAGE);
		return;
	}
	for (unsigned i = 0; i < PAGE; i++)
		after[i] = t[i];
	munmap((void *)t, PAGE);

	unsigned changed = 0, first = 0;
	for (unsigned i = 0; i < PAGE; i++)
		if (after[i] != before[i] && !changed++)
			first = i;
	if (changed)
		check(name, 0,
		      "edu %s wrote %u of %u bytes at 0x%" PRIx64 " (%s): first at +0x%x, 0x%02x "
		      "became 0x%02x",
		      edu.bdf, changed, XFER, prm.target, where, first, before[first],
		      after[first]);
	else
		check(name, 1, "edu %s DMA of %u bytes into 0x%" PRIx64 " (%s) changed nothing",
		      edu.bdf, XFER, prm.target, where);
}

static void check_fault(void)
{
	const char *name = "guest-fault-recorded";
	char d[160], seen[600] = "";
	int found = -1, nset = 0;

	if (vtd_open() < 0) {
		check(name, 0, "%s", vtd.why);
		return;
	}
	if (!edu.ok) {
		check(name, 0, "no working edu, no attack: %s", edu.why);
		return;
	}
	for (unsigned i = 0; i < vtd.nfr; i++) {
		struct frcd f = frcd_read(i);

		if (!(f.hi & FRCD_F))
			continue;
		nset++;
		frcd_describe(f, d, sizeof(d));
		if (strlen(seen) + strlen(d) + 16 < sizeof(seen))
			snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s[%u] %s",
				 seen[0] ? "; " : "", i, d);
		if (found < 0 && (f.hi & 0xffff) == edu.sid &&
		    (f.lo & ~(uint64_t)0xfff) == (prm.target & ~(uint64_t)0xfff) &&
		    ((f.hi >> 32) & 0xff) == FR_WRITE)
			found = (int)i;
	}
	/* Leave no fault pending for whoever looks next. */
	for (unsigned i = 0; i < vtd.nfr; i++)
		if (frcd_read(i).hi & FRCD_F)
			frcd_clear(i);
	if (found >= 0)
		check(name, 1,
		      "unit 0x%" PRIx64 " (version 0x%x, %u records at +0x%x): %s; cleared",
		      prm.drhd, vtd.ver, vtd.nfr, vtd.fro, seen);
	else if (nset)
		check(name, 0,
		      "unit 0x%" PRIx64 ": no write fault (reason 5) from source-id 0x%04x on page "
		      "0x%" PRIx64 "; records: %s",
		      prm.drhd, edu.sid, prm.target & ~(uint64_t)0xfff, seen);
	else
		check(name, 0,
		      "unit 0x%" PRIx64 " (version 0x%x, %u records at +0x%x): no fault "
		      "recorded",
		      prm.drhd, vtd.ver, vtd.nfr, vtd.fro);
}

/*
 * The interrupts the IOAPIC delivered, from /proc/interrupts: under an AMD
 * IOMMU they pass through untranslated only because the shield leaves the
 * device table's IV bit clear, so the guest shows that they still arrive.
 */
static void ioapic_note(void)
{
	static char buf[16384];
	char line_out[400] = "", *save = NULL;
	unsigned long long total = 0;

	if (read_file("/proc/interrupts", buf, sizeof(buf)) < 0) {
		out("guest: /proc/interrupts: %s", strerror(errno));
		return;
	}
	for (char *l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *p = strchr(l, ':'), *end, *dev;
		unsigned long long n = 0;

		if (!p || !strstr(l, "IO-APIC"))
			continue;
		/* "  4:   123   IO-APIC   4-edge   ttyS0": one count per CPU */
		for (p++;; p = end) {
			unsigned long long v = strtoull(p, &end, 10);

			if (end == p)
				break;
			n += v;
		}
		dev = strrchr(l, ' ');
		total += n;
		if (n && dev && strlen(line_out) + strlen(dev) + 24 < sizeof(line_out))
			snprintf(line_out + strlen(line_out), sizeof(line_out) - strlen(line_out),
				 "%s%s %llu", line_out[0] ? "," : "", dev, n);
	}
	out("guest: %llu interrupts through the IO-APIC:%s", total,
	    line_out[0] ? line_out : " none");
}

/* ---- the end: leave QEMU or power off; PID 1 never returns ---- */

static void finish(void)
{
	int code = failed ? 1 : 0;

	sync();
	if (prm.have_exit) {
		/* As the shield kernel says it: scripts/run-qemu.sh tells this exit 0
		 * (QEMU status 1) from QEMU's own failure by the line. */
		out("qemu_exit: %d", code);
		tcdrain(1);
		if (ioperm(prm.exit_port, 1, 1) == 0) {
			outb((unsigned char)code, (unsigned short)prm.exit_port);
		} else {
			out("guest: ioperm(0x%x): %s", prm.exit_port, strerror(errno));
		}
		struct timespec s = {1, 0};
		nanosleep(&s, NULL);
		out("guest: port 0x%x did not end QEMU, powering off", prm.exit_port);
	}
	tcdrain(1);
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

int main(void)
{
	struct sigaction sa;

	console_fds();
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);

	mount_one("proc", "/proc", "proc");
	mount_one("sysfs", "/sys", "sysfs");
	mount_one("devtmpfs", "/dev", "devtmpfs");
	console_fds();
	parse_cmdline();

	out("guest: ioguard-check as PID %d", (int)getpid());
	if (boot_note[0])
		out("guest: %s", boot_note);
	guarded(prm.amd ? "guest-no-ivrs-table" : "guest-no-dmar-table", check_no_table);
	guarded(prm.amd ? "guest-no-amdvi-init" : "guest-no-iommu-init", check_no_iommu_init);
	guarded("guest-edu-dma", check_edu_dma);
	guarded("guest-attack-blocked", check_attack);
	/* QEMU 7.2's AMD IOMMU logs no event: nothing to read back on AMD. */
	if (!prm.amd)
		guarded("guest-fault-recorded", check_fault);
	else
		ioapic_note();
	if (prm.efi)
		guarded("guest-efi", check_efi);
	out("%d passed, %d failed", passed, failed);
	finish();
}
