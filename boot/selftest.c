/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The shield kernel's self-test. On the machine it boots on (QEMU q35 with
 * QEMU's VT-d or AMD IOMMU model, or real hardware), two QEMU `edu` devices
 * serve as DMA engines: the first stands for a device passed through to the
 * guest, the second for a device the VMM drives itself. The firmware's tables
 * decide the IOMMU: a DMAR means VT-d, an IVRS (and no DMAR) AMD-Vi.
 * Optionally the kernel first plays firmware that leaves the IOMMU on. Then
 * it applies the shield and checks, with real DMA, what each device can and
 * cannot reach. One line per check,
 *   CHECK <name> PASS|FAIL <details>
 * then "N passed, M failed"; the exit status is 0 only when all passed.
 *
 * Command line (the table `options` below; any other word or value is
 * refused before anything is touched, with the list of known options):
 * firmware=on (leave the IOMMU on first, as Mac firmware does with VT-d and
 * AMD firmware with pre-boot DMA protection does with AMD-Vi), intremap=on
 * (and interrupt remapping with live entries), ir-policy=refuse|warn|defer,
 * conceal=unlink (default) or zap (BitVisor's: a nameless table that Linux
 * 6.1's /sys/firmware/acpi/tables export stops at), high-dma=on (also DMA
 * above 4 GiB: needs the edu's dma_mask lifted), linux=on (then boot the
 * Linux bzImage and initrd given as boot modules on top), linux-efi=runtime
 * (under UEFI, give Linux the EFI system table and memory map, so that it
 * keeps the runtime services; default off: it boots as on a BIOS machine),
 * disable-only=on (BitVisor's DISABLE_VTD alone: turn VT-d off, no shield),
 * vmm-checks=report (the VMM device's checks are printed as REPORT lines and
 * not counted: QEMU 7.2's AMD IOMMU looks a device behind a bridge up under
 * bus 0, so a grant to a device there cannot be exercised), timing=on (also
 * where the time before apply went).
 */
#include <stdarg.h>

#include <ioguard/ioguard.h>

#include "boot/kernel.h"
#include "boot/linux.h"
#include "amdvi/regs.h"
#include "platform/x86/x86.h"
#include "util/bytes.h"
#include "util/log.h"
#include "vtd/regs.h"

#define EDU_VENDOR 0x1234
#define EDU_DEVICE 0x11e8
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_CMD_START 1u
#define EDU_CMD_TO_RAM 2u /* 0: RAM → edu buffer; 1: edu buffer → RAM */
#define EDU_BUF 0x40000u  /* the edu's buffer, in its own DMA address space */
#define EDU_DMA_TIMEOUT_NS 5000000000ull
#define XFER 256u		     /* bytes per transfer (QEMU 7.2 aborts at 4096) */
#define LOW_DMA_LIMIT (256ull << 20) /* edu's default DMA mask: 28 bits */
#define GiB (1ull << 30)
#define MiB (1ull << 20)

#define POOL_PAGES 2048 /* IOMMU tables for the shield, inside the VMM image */
#define MAX_EDU 4
#define FW_WAIT_NS 1000000000ull
#define FW_AMD_DOMAIN 0x7f /* firmware's AMD-Vi domain id: none the shield uses */
#define PCI_STATUS 0x06
#define PCI_STATUS_SIG_TARGET_ABORT 0x0800 /* write 1 to clear */

struct edu {
	uint8_t bus, devfn;
	volatile uint8_t *mmio;
};

/* VMM memory: all of it lies inside the kernel image, which is protected. */
/* Not cleared at entry (8 MiB; boot/link.ld): the platform zeroes each page it hands out. */
static uint8_t pool[POOL_PAGES * 4096] __attribute__((aligned(4096), section(".bss.noinit")));
static uint8_t vmm_secret[16384] __attribute__((aligned(4096)));
static uint8_t vmm_dma[16384] __attribute__((aligned(4096))); /* the VMM edu's grant */
static uint8_t table_copy[65536]; /* the DMAR or the IVRS, as firmware gave it */
static size_t table_len;
/*
 * VMM memory a Linux guest attacks: outside the image, so that it is an E820
 * reserved range of its own above 1 MiB, which Linux lets /dev/mem map.
 */
#define TARGET_SIZE 0x10000
static uint64_t vmm_target;
static struct iog_x86 x86;
static struct iog_shield shield;
static struct iog_acpi acpi;
static struct iog_shield_config cfg;
static struct iog_range memmap[BOOT_MAX_RANGES], protect[2];
static struct iog_grant grant;
static struct edu edus[MAX_EDU];
static unsigned nedu;
/* AMD IOMMUs: the firmware gives an IVRS and no DMAR. */
static int amd;

static struct {
	int firmware, intremap, high_dma, linux, linux_efi, disable_only, vmm_report, timing;
	enum iog_vtd_ir_policy ir_policy;
	enum iog_conceal_mode conceal;
} opt = {0, 0, 0, 0, 0, 0, 0, 0, IOG_VTD_IR_WARN, IOG_CONCEAL_UNLINK};

/* When each step before apply ended: time_ns(), from kernel entry. */
static struct {
	uint64_t kmain, acpi, pci, firmware;
} steps;

static unsigned passed, failed;
static int uncounted; /* checks run now are reported only (vmm-checks=report) */

static void check(const char *name, int ok, const char *fmt, ...)
{
	char details[200];
	va_list ap;

	va_start(ap, fmt);
	iog_vformat(details, sizeof(details), fmt, ap);
	va_end(ap);
	if (uncounted) {
		kprintf("REPORT %s %s %s\n", name, ok ? "PASS" : "FAIL", details);
		return;
	}
	kprintf("CHECK %s %s %s\n", name, ok ? "PASS" : "FAIL", details);
	if (ok)
		passed++;
	else
		failed++;
}

/*
 * The kernel's options: each key with its values, the first the default.
 * Anything else on the command line is refused, with this list.
 */
enum {
	OPT_FIRMWARE,
	OPT_INTREMAP,
	OPT_IR_POLICY,
	OPT_CONCEAL,
	OPT_HIGH_DMA,
	OPT_LINUX,
	OPT_LINUX_EFI,
	OPT_DISABLE_ONLY,
	OPT_VMM_CHECKS,
	OPT_TIMING,
	OPT_COUNT
};
static const struct {
	const char *key;
	const char *values[4];
} options[OPT_COUNT] = {
	[OPT_FIRMWARE] = {"firmware", {"off", "on"}},
	[OPT_INTREMAP] = {"intremap", {"off", "on"}},
	[OPT_IR_POLICY] = {"ir-policy", {"warn", "refuse", "defer"}},
	[OPT_CONCEAL] = {"conceal", {"unlink", "zap"}},
	[OPT_HIGH_DMA] = {"high-dma", {"off", "on"}},
	[OPT_LINUX] = {"linux", {"off", "on"}},
	[OPT_LINUX_EFI] = {"linux-efi", {"off", "runtime"}},
	[OPT_DISABLE_ONLY] = {"disable-only", {"off", "on"}},
	[OPT_VMM_CHECKS] = {"vmm-checks", {"count", "report"}},
	[OPT_TIMING] = {"timing", {"off", "on"}},
};

static int word_end(char c)
{
	return !c || c == ' ';
}

/* If p starts with s, what follows s; else NULL. */
static const char *after(const char *p, const char *s)
{
	while (*s && *p == *s) {
		p++;
		s++;
	}
	return *s ? NULL : p;
}

static void list_options(void)
{
	kprintf("options: the kernel knows");
	for (unsigned k = 0; k < OPT_COUNT; k++) {
		kprintf(" %s=", options[k].key);
		for (unsigned v = 0; v < 4 && options[k].values[v]; v++)
			kprintf("%s%s", v ? "|" : "", options[k].values[v]);
	}
	kprintf(" (the first value of each is the default)\n");
}

/* Sets `opt` from the command line; on a word it does not know, says which and returns -1. */
static int parse_cmdline(const char *c)
{
	unsigned val[OPT_COUNT] = {0};

	for (const char *p = c; *p;) {
		const char *w = p, *v = NULL;
		unsigned k, i, n = 0, found = 0;

		for (k = 0; k < OPT_COUNT && !v; k++) {
			v = after(w, options[k].key);
			v = v && *v == '=' ? v + 1 : NULL;
		}
		k--;
		for (i = 0; v && i < 4 && options[k].values[i] && !found; i++) {
			const char *e = after(v, options[k].values[i]);

			found = e && word_end(*e);
		}
		while (!word_end(w[n]))
			n++;
		if (!found) {
			char word[64];

			iog_memcpy(word, w, n < sizeof(word) ? n : sizeof(word) - 1);
			word[n < sizeof(word) ? n : sizeof(word) - 1] = '\0';
			if (v)
				kprintf("options: \"%s\" refused: %s takes", word, options[k].key);
			else
				kprintf("options: \"%s\" refused: no such option", word);
			for (i = 0; v && i < 4 && options[k].values[i]; i++)
				kprintf(" %s%s", options[k].values[i],
					i + 1 < 4 && options[k].values[i + 1] ? "," : "");
			kprintf("\n");
			list_options();
			return -1;
		}
		val[k] = i - 1;
		p = w + n;
		while (*p == ' ')
			p++;
	}
	opt.firmware = val[OPT_FIRMWARE] || val[OPT_INTREMAP];
	opt.intremap = val[OPT_INTREMAP];
	opt.ir_policy = val[OPT_IR_POLICY] == 1	  ? IOG_VTD_IR_REFUSE
			: val[OPT_IR_POLICY] == 2 ? IOG_VTD_IR_DEFER
						  : IOG_VTD_IR_WARN;
	opt.conceal = val[OPT_CONCEAL] ? IOG_CONCEAL_ZAP : IOG_CONCEAL_UNLINK;
	opt.high_dma = val[OPT_HIGH_DMA];
	opt.linux = val[OPT_LINUX];
	opt.linux_efi = val[OPT_LINUX_EFI];
	opt.disable_only = val[OPT_DISABLE_ONLY];
	opt.vmm_report = val[OPT_VMM_CHECKS];
	opt.timing = val[OPT_TIMING];
	return 0;
}

/* ---- PCI: find the edu devices, wherever they are; bridges for scope paths. ---- */

static uint8_t cfg8(uint8_t bus, uint8_t devfn, uint16_t off)
{
	return (uint8_t)(pci_read32(0, bus, devfn, (uint16_t)(off & ~3u)) >> (8 * (off & 3)));
}

static int bridge(void *ctx, uint16_t seg, uint8_t bus, uint8_t devfn, uint8_t *secondary,
		  uint8_t *subordinate)
{
	(void)ctx;
	if (seg || pci_read16(0, bus, devfn, 0) == 0xffff || (cfg8(bus, devfn, 0x0e) & 0x7f) != 1)
		return IOG_ENOTFOUND;
	*secondary = cfg8(bus, devfn, 0x19);
	*subordinate = cfg8(bus, devfn, 0x1a);
	return IOG_OK;
}

static void mark_buses(uint64_t *buses, unsigned first, unsigned last)
{
	for (unsigned b = first; b <= last; b++)
		buses[b / 64] |= 1ull << (b % 64);
}

/* The edus on one bus; the buses below its bridges are marked for scanning. */
static void scan_bus(uint8_t bus, uint64_t *buses)
{
	for (unsigned dev = 0; dev < 32; dev++)
		for (unsigned fn = 0; fn < 8; fn++) {
			uint8_t devfn = (uint8_t)(dev << 3 | fn), secondary, subordinate;
			uint32_t id = pci_read32(0, bus, devfn, 0);
			uint32_t bar;

			if ((id & 0xffff) == 0xffff) {
				if (!fn)
					break;
				continue;
			}
			if (!bridge(NULL, 0, bus, devfn, &secondary, &subordinate) &&
			    secondary > bus && subordinate >= secondary)
				mark_buses(buses, secondary, subordinate);
			if (id == (EDU_DEVICE << 16 | EDU_VENDOR) && nedu < MAX_EDU) {
				bar = pci_read32(0, bus, devfn, 0x10) & ~0xfu;
				edus[nedu].bus = bus;
				edus[nedu].devfn = devfn;
				edus[nedu].mmio = (volatile uint8_t *)(uintptr_t)bar;
				/* Memory space and bus mastering: DMA does nothing without. */
				pci_write16(0, bus, devfn, 4, pci_read16(0, bus, devfn, 4) | 6);
				kprintf("edu %u at %02x:%02x.%u, BAR0 %x\n", nedu, bus, dev, fn,
					bar);
				nedu++;
			}
			if (!fn && !(cfg8(bus, devfn, 0x0e) & 0x80))
				break; /* single-function device */
		}
}

/*
 * Bus 0 and the buses firmware numbered below its bridges (a bridge's
 * secondary bus lies above its own, so one pass in order finds them all);
 * every other bus only when that finds fewer than two edus (a root bus of
 * its own, say). Each bus scanned costs 32 reads: all 256, 8192 of them,
 * took 2 ms under TCG, before protection.
 */
static void find_edus(void)
{
	uint64_t buses[4] = {1}, scanned[4] = {0};

	for (int all = 0; all < 2 && nedu < 2; all++) {
		if (all)
			mark_buses(buses, 0, 255);
		for (unsigned bus = 0; bus < 256; bus++) {
			uint64_t bit = 1ull << (bus % 64);

			if ((buses[bus / 64] & bit) && !(scanned[bus / 64] & bit)) {
				scanned[bus / 64] |= bit;
				scan_bus((uint8_t)bus, buses);
			}
		}
	}
}

static uint16_t sid_of(const struct edu *e)
{
	return (uint16_t)(e->bus << 8 | e->devfn);
}

static void edu_w64(const struct edu *e, unsigned off, uint64_t v)
{
	*(volatile uint64_t *)(e->mmio + off) = v;
}

/* Starts a DMA of len bytes between RAM at `ram` and the edu buffer at `off`. */
static void edu_dma_start(const struct edu *e, uint64_t ram, uint32_t off, uint32_t len, int to_ram)
{
	edu_w64(e, EDU_DMA_SRC, to_ram ? EDU_BUF + off : ram);
	edu_w64(e, EDU_DMA_DST, to_ram ? ram : EDU_BUF + off);
	edu_w64(e, EDU_DMA_COUNT, len);
	edu_w64(e, EDU_DMA_CMD, EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
}

/* Waits for the edu's DMA to finish (QEMU's edu takes 100 ms per transfer). */
static int edu_dma_wait(const struct edu *e)
{
	uint64_t t0 = time_ns();

	while (*(volatile uint32_t *)(e->mmio + EDU_DMA_CMD) & EDU_CMD_START)
		if (time_ns() - t0 > EDU_DMA_TIMEOUT_NS)
			return -1;
	return 0;
}

/* One DMA of len bytes between RAM at `ram` and the edu buffer at `off`. */
static int edu_dma(const struct edu *e, uint64_t ram, uint32_t off, uint32_t len, int to_ram)
{
	edu_dma_start(e, ram, off, len, to_ram);
	return edu_dma_wait(e);
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 31);
}

static uint8_t *at(uint64_t phys)
{
	return (uint8_t *)(uintptr_t)phys;
}

/* ---- Faults: every unit's records read and cleared. ---- */

/*
 * The AMD IOMMU's PCI function: QEMU 7.2 signals target abort in its status
 * for some blocked requests (a non-zero entry that is not present), the
 * only fault signal it gives; returns whether it did, and clears it.
 */
static int amd_target_abort(const struct iog_shield_unit *u)
{
	uint8_t bus = (uint8_t)(u->amdvi.devid >> 8), devfn = (uint8_t)u->amdvi.devid;
	uint16_t status = pci_read16(u->amdvi.segment, bus, devfn, PCI_STATUS);

	if (status == 0xffff || !(status & PCI_STATUS_SIG_TARGET_ABORT))
		return 0;
	pci_write16(u->amdvi.segment, bus, devfn, PCI_STATUS, PCI_STATUS_SIG_TARGET_ABORT);
	return 1;
}

static void clear_faults(void)
{
	for (struct iog_shield_unit *u = shield.units; u; u = u->next)
		if (u->amd) {
			iog_amdvi_events(&u->amdvi, NULL, 0);
			amd_target_abort(u);
		} else
			iog_vtd_faults(&u->vtd, NULL, 0);
}

/* Was a fault recorded for this device at this page with this reason? */
static int fault_seen(const struct edu *e, uint64_t addr, uint8_t reason, char *why, size_t n)
{
	struct iog_vtd_fault f[8];
	int found = 0, total = 0;

	why[0] = 0;
	for (struct iog_shield_unit *u = shield.units; u; u = u->next) {
		int k = iog_vtd_faults(&u->vtd, f, 8);

		for (int i = 0; i < k && i < 8; i++, total++) {
			iog_format(why, n, "fault sid %04x addr %llx reason %u", f[i].sid,
				   (unsigned long long)f[i].addr, f[i].reason);
			found |= f[i].sid == sid_of(e) && f[i].addr == (addr & ~0xfffull) &&
				 f[i].reason == reason;
		}
	}
	if (!total)
		iog_format(why, n, "no fault recorded");
	return found;
}

/*
 * What AMD IOMMUs reported about a blocked request: event log entries and
 * the target-abort signal, for the record only. QEMU 7.2 writes no event at
 * all (a bug in its event logging) and signals target abort for few blocks,
 * so on AMD-Vi the proof of a block is the memory left unchanged, which the
 * callers check.
 */
static void amd_fault_note(char *why, size_t n)
{
	struct iog_amdvi_event ev[4];
	const char *abort_note = "";
	int events = 0;
	size_t len = 0;

	why[0] = 0;
	for (struct iog_shield_unit *u = shield.units; u; u = u->next) {
		int k = iog_amdvi_events(&u->amdvi, ev, 4);

		for (int i = 0; i < k && i < 4; i++, events++)
			len = iog_format(why, n, "event %u device %04x addr %llx %s", ev[i].code,
					 ev[i].devid, (unsigned long long)ev[i].addr,
					 ev[i].is_write ? "write" : "read");
		if (amd_target_abort(u))
			abort_note = ", target abort signalled";
	}
	if (!events)
		iog_format(why, n, "no event logged (none on QEMU 7.2)%s", abort_note);
	else if (len < n)
		iog_format(why + len, n - len, "%s", abort_note);
}

/*
 * The fault a blocked request leaves: required on VT-d, where it is recorded
 * with the device, page and reason; reported only on AMD-Vi (above).
 */
static int blocked_seen(const struct edu *e, uint64_t addr, uint8_t reason, char *why, size_t n)
{
	if (!amd)
		return fault_seen(e, addr, reason, why, n);
	amd_fault_note(why, n);
	return 1;
}

/* ---- A firmware that leaves VT-d on, written apart from the library. ---- */

static uint32_t fw_r32(uint64_t base, uint32_t off)
{
	return *(volatile uint32_t *)(uintptr_t)(base + off);
}

static uint64_t fw_r64(uint64_t base, uint32_t off)
{
	return *(volatile uint64_t *)(uintptr_t)(base + off);
}

static void fw_w32(uint64_t base, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)(base + off) = v;
}

static void fw_w64(uint64_t base, uint32_t off, uint64_t v)
{
	*(volatile uint64_t *)(uintptr_t)(base + off) = v;
}

static int fw_cmd(uint64_t base, uint32_t bit)
{
	uint64_t t0 = time_ns();

	fw_w32(base, VTD_GCMD_REG, (fw_r32(base, VTD_GSTS_REG) & GSTS_PERSISTENT) | bit);
	while (!(fw_r32(base, VTD_GSTS_REG) & bit))
		if (time_ns() - t0 > FW_WAIT_NS)
			return -1;
	return 0;
}

static void fw_flush(const void *p, size_t n)
{
	x86.plat.cache_flush(x86.plat.ctx, p, n);
}

/* Queues descriptors, then a wait descriptor, and waits for its status write. */
static int fw_qi(uint64_t base, uint64_t *iq, volatile uint32_t *status, uint64_t status_phys,
		 const uint64_t (*desc)[2], unsigned n, unsigned *tail)
{
	uint64_t t0 = time_ns();

	*status = 0;
	for (unsigned i = 0; i <= n; i++) {
		uint64_t *slot = &iq[2 * *tail];

		slot[0] = i < n ? desc[i][0] : QI_WAIT_TYPE | QI_WAIT_SW | QI_WAIT_DATA(0x600d);
		slot[1] = i < n ? desc[i][1] : status_phys;
		fw_flush(slot, 16);
		*tail = (*tail + 1) % IQ_ENTRIES;
	}
	fw_w64(base, VTD_IQT_REG, (uint64_t)*tail << IQ_INDEX_SHIFT);
	while (*status != 0x600d)
		if (time_ns() - t0 > FW_WAIT_NS)
			return -1;
	return 0;
}

/*
 * Like Mac firmware: translation on with its own tables (everything passed
 * through), queued invalidation on, and with intremap an interrupt
 * remapping table with live entries. Its memory is ordinary RAM at `mem`.
 */
static int firmware_stage(uint64_t base, uint64_t mem)
{
	uint64_t cap = fw_r64(base, VTD_CAP_REG), ecap = fw_r64(base, VTD_ECAP_REG);
	uint64_t *root = (uint64_t *)at(mem), *ctx = (uint64_t *)at(mem + 0x1000);
	uint64_t *iq = (uint64_t *)at(mem + 0x2000), *irt = (uint64_t *)at(mem + 0x3000);
	volatile uint32_t *status = (volatile uint32_t *)at(mem + 0x4000);
	/* Pass-through entries carry the largest supported AGAW (VT-d 9.3). */
	unsigned aw = (CAP_SAGAW(cap) & 8) ? 3 : (CAP_SAGAW(cap) & 4) ? 2 : 1, tail = 0;
	uint64_t inv[2][2] = {{QI_CC_TYPE | QI_G_GLOBAL, 0}, {QI_IOTLB_TYPE | QI_G_GLOBAL, 0}};

	if (!(ecap & ECAP_PT) || !(ecap & ECAP_QI))
		return -2; /* this firmware needs pass-through and the queue */
	iog_memset(at(mem), 0, 0x5000);
	for (unsigned i = 0; i < 256; i++) {
		ctx[2 * i] = CTX_LO_TT_PT | CTX_LO_P;
		ctx[2 * i + 1] = CTX_HI_AW(aw) | CTX_HI_DID(1);
		root[2 * i] = (mem + 0x1000) | ROOT_P;
	}
	fw_flush(at(mem), 0x5000);
	fw_w64(base, VTD_RTADDR_REG, mem);
	if (fw_cmd(base, GCMD_SRTP))
		return -1;
	fw_w64(base, VTD_IQT_REG, 0);
	fw_w64(base, VTD_IQA_REG, mem + 0x2000);
	if (fw_cmd(base, GCMD_QIE) || fw_qi(base, iq, status, mem + 0x4000, inv, 2, &tail))
		return -1;
	if (fw_cmd(base, GCMD_TE))
		return -1;
	if (opt.intremap && (ecap & ECAP_IR)) {
		uint64_t iec[1][2] = {{QI_IEC_TYPE, 0}};

		for (unsigned i = 0; i < 8; i++) /* live entries: vector 0x30 + i to CPU 0 */
			irt[2 * i] = 1 | (uint64_t)(0x30 + i) << 16;
		fw_flush(irt, 4096);
		fw_w64(base, VTD_IRTA_REG, (mem + 0x3000) | 7); /* 256 entries */
		if (fw_cmd(base, GCMD_SIRTP) ||
		    fw_qi(base, iq, status, mem + 0x4000, iec, 1, &tail) || fw_cmd(base, GCMD_IRE))
			return -1;
	}
	return 0;
}

/*
 * Like AMD firmware with pre-boot DMA protection: the IOMMU on with its own
 * device table (`pages` of it), command buffer and event log. Every entry
 * is valid (V = 1, TV = 1, mode 0: untranslated, read and write allowed, in
 * firmware's domain; IV = 0: interrupts pass), for every device id the IVHD
 * names and bus 0 whole, the southbridge IOAPIC (0xa0) among them: QEMU
 * consults the device table for interrupts from the moment its base is
 * written. The command buffer runs: an invalidation and a completion wait
 * went through, so firmware's tail is not at 0. Its memory is ordinary RAM
 * at `mem`: command buffer, event log, completion word, then the device
 * table.
 */
static int firmware_stage_amd(uint64_t base, uint64_t mem, unsigned pages)
{
	uint64_t *cmd = (uint64_t *)at(mem), *dt = (uint64_t *)at(mem + 0x3000);
	volatile uint64_t *sem = (volatile uint64_t *)at(mem + 0x2000);
	unsigned n = pages * DTES_PER_PAGE;
	uint64_t t0;

	if (fw_r64(base, AMDVI_CONTROL) & CTRL_IOMMU_EN)
		return -2; /* on already: its tables are someone else's */
	iog_memset(at(mem), 0, 0x3000 + (size_t)pages * 4096);
	for (unsigned i = 0; i < n; i++) {
		dt[4 * i] = DTE_V | DTE_TV | DTE_IR | DTE_IW;
		dt[4 * i + 1] = DTE_DOMAIN(FW_AMD_DOMAIN);
	}
	fw_flush(at(mem), 0x3000 + (size_t)pages * 4096);
	/* 64-bit writes: QEMU latches the base registers on nothing less. */
	fw_w64(base, AMDVI_DEV_TAB_BASE, (mem + 0x3000) | DEV_TAB_SIZE(pages));
	fw_w64(base, AMDVI_CMD_BUF_BASE, mem | BUF_LEN(8));
	fw_w64(base, AMDVI_EVT_LOG_BASE, (mem + 0x1000) | BUF_LEN(8));
	fw_w64(base, AMDVI_CMD_BUF_HEAD, 0);
	fw_w64(base, AMDVI_CMD_BUF_TAIL, 0);
	fw_w64(base, AMDVI_EVT_LOG_HEAD, 0);
	fw_w64(base, AMDVI_EVT_LOG_TAIL, 0);
	fw_w64(base, AMDVI_CONTROL,
	       CTRL_IOMMU_EN | CTRL_EVT_LOG_EN | CTRL_CMD_BUF_EN | CTRL_INV_TIMEOUT(4));
	if (fw_r64(base, AMDVI_EXT_FEATURE) & EFR_IA_SUP) {
		cmd[0] = CMD_OPCODE(CMD_INV_IOMMU_ALL);
	} else {
		cmd[0] = CMD_OPCODE(CMD_INV_IOMMU_PAGES) | INV_DOMAIN(FW_AMD_DOMAIN);
		cmd[1] = INV_ALL_PAGES | INV_PDE | INV_S;
	}
	cmd[2] = CMD_OPCODE(CMD_COMPLETION_WAIT) | ((mem + 0x2000) & CW_ADDR) | CW_STORE;
	cmd[3] = 0x600d;
	fw_flush(cmd, 32);
	fw_w64(base, AMDVI_CMD_BUF_TAIL, 32);
	t0 = time_ns();
	while (*sem != 0x600d)
		if (time_ns() - t0 > FW_WAIT_NS)
			return -1;
	return 0;
}

/* ---- The self-test. ---- */

static uint64_t page_up(uint64_t a)
{
	return (a + 4095) & ~4095ull;
}

/* Free RAM for guest buffers: above the image and 16 MiB, below the edu's DMA limit. */
static uint64_t guest_ram(const struct boot_info *bi, uint64_t min, uint64_t max, uint64_t len)
{
	for (unsigned i = 0; i < bi->nmem; i++) {
		uint64_t b = bi->mem[i].base, e = bi->mem[i].base + bi->mem[i].size;

		if (bi->mem[i].type != 1)
			continue;
		if (b < min)
			b = min;
		b = (b + MiB - 1) & ~(MiB - 1);
		if (e > max)
			e = max;
		/*
		 * Not over the boot modules (a Linux kernel and initrd waiting to
		 * run), in whatever order the loader listed them.
		 */
		for (unsigned pass = 0, moved = 1; moved && pass <= BOOT_MAX_MODULES; pass++) {
			moved = 0;
			for (unsigned m = 0; m < bi->nmods; m++)
				if (b < bi->mods[m].end && bi->mods[m].start < b + len) {
					b = (bi->mods[m].end + MiB - 1) & ~(MiB - 1);
					moved = 1;
				}
		}
		if (b + len <= e && b + len <= bi->mapped_limit)
			return b;
	}
	return 0;
}

/* A page of the kernel's code: the guest device's target besides VMM data. */
static uint64_t vmm_code(void)
{
	return page_up((uint64_t)(uintptr_t)&kmain) - 4096 + 0x100;
}

static void test_guest_device(const struct edu *g, uint64_t buf)
{
	char why[96] = "";
	uint8_t before[XFER];
	uint64_t code = vmm_code();
	int ok, same, leaked;

	/* Guest memory: a round trip through the edu. */
	fill(at(buf), XFER, 0x11);
	iog_memset(at(buf + 0x1000), 0, XFER);
	ok = !edu_dma(g, buf, 0, XFER, 0) && !edu_dma(g, buf + 0x1000, 0, XFER, 1) &&
	     !iog_memcmp(at(buf), at(buf + 0x1000), XFER);
	check("guest-dma", ok, "pass-through edu %02x:%02x.%u copied %u bytes at %llx", g->bus,
	      g->devfn >> 3, g->devfn & 7, XFER, (unsigned long long)buf);
	clear_faults();

	/* Writes into VMM data and into the kernel's code. */
	/* The edu buffer holds other bytes than the targets (the pattern above). */
	iog_memcpy(before, vmm_secret, XFER);
	ok = !edu_dma(g, (uint64_t)(uintptr_t)vmm_secret, 0, XFER, 1);
	same = !iog_memcmp(before, vmm_secret, XFER);
	ok &= same && blocked_seen(g, (uint64_t)(uintptr_t)vmm_secret, 5, why, sizeof(why));
	check("guest-write-vmm-data", ok, "target %llx %s; %s",
	      (unsigned long long)(uintptr_t)vmm_secret, same ? "unchanged" : "CHANGED", why);
	iog_memcpy(before, at(code), XFER);
	ok = !edu_dma(g, code, 0, XFER, 1);
	same = !iog_memcmp(before, at(code), XFER);
	ok &= same && blocked_seen(g, code, 5, why, sizeof(why));
	check("guest-write-vmm-image", ok, "kernel code at %llx %s; %s", (unsigned long long)code,
	      same ? "unchanged" : "CHANGED", why);

	/* Reading the VMM's secret: blocked, and the secret never reaches the guest. */
	fill(at(buf + 0x2000), XFER, 0x77);
	ok = !edu_dma(g, buf + 0x2000, 0, XFER, 0); /* known contents in the edu buffer */
	clear_faults();
	ok &= !edu_dma(g, (uint64_t)(uintptr_t)vmm_secret, 0, XFER, 0);
	ok &= blocked_seen(g, (uint64_t)(uintptr_t)vmm_secret, 6, why, sizeof(why));
	leaked = !edu_dma(g, buf + 0x3000, 0, XFER, 1) &&
		 !iog_memcmp(at(buf + 0x3000), vmm_secret, XFER);
	ok &= !leaked;
	check("guest-read-vmm-data", ok, "secret at %llx %s; %s",
	      (unsigned long long)(uintptr_t)vmm_secret, leaked ? "READ" : "not read", why);
	ok = !edu_dma(g, buf + 0x2000, 0, XFER, 0);
	clear_faults();
	ok &= !edu_dma(g, code, 0, XFER, 0);
	ok &= blocked_seen(g, code, 6, why, sizeof(why));
	leaked = !edu_dma(g, buf + 0x3000, 0, XFER, 1) &&
		 !iog_memcmp(at(buf + 0x3000), at(code), XFER);
	ok &= !leaked;
	check("guest-read-vmm-image", ok, "kernel code at %llx %s; %s", (unsigned long long)code,
	      leaked ? "READ" : "not read", why);
}

static void test_vmm_device(const struct edu *v, uint64_t guest_buf)
{
	char why[96] = "";
	uint8_t before[XFER];
	int ok, same;

	clear_faults();
	fill(vmm_dma, XFER, 0x42);
	iog_memset(vmm_dma + 8192, 0, XFER);
	ok = !edu_dma(v, (uint64_t)(uintptr_t)vmm_dma, 0, XFER, 0) &&
	     !edu_dma(v, (uint64_t)(uintptr_t)vmm_dma + 8192, 0, XFER, 1) &&
	     !iog_memcmp(vmm_dma, vmm_dma + 8192, XFER);
	check("vmm-dma-in-grant", ok, "VMM edu %02x:%02x.%u copied inside its grant at %llx",
	      v->bus, v->devfn >> 3, v->devfn & 7, (unsigned long long)(uintptr_t)vmm_dma);
	fill(at(guest_buf + 0x4000), XFER, 0x99);
	iog_memcpy(before, at(guest_buf + 0x4000), XFER);
	ok = !edu_dma(v, guest_buf + 0x4000, 0, XFER, 1);
	same = !iog_memcmp(before, at(guest_buf + 0x4000), XFER);
	ok &= same && blocked_seen(v, guest_buf + 0x4000, 5, why, sizeof(why));
	check("vmm-dma-outside-grant", ok, "guest memory at %llx %s; %s",
	      (unsigned long long)(guest_buf + 0x4000), same ? "unchanged" : "CHANGED", why);
	/* Known contents in the edu buffer first: the secret must not replace them. */
	fill(vmm_dma + 4096, XFER, 0x24);
	ok = !edu_dma(v, (uint64_t)(uintptr_t)vmm_dma + 4096, 0, XFER, 0);
	clear_faults();
	ok &= !edu_dma(v, (uint64_t)(uintptr_t)vmm_secret, 0, XFER, 0);
	ok &= blocked_seen(v, (uint64_t)(uintptr_t)vmm_secret, 6, why, sizeof(why));
	ok &= !edu_dma(v, (uint64_t)(uintptr_t)vmm_dma + 12288, 0, XFER, 1) &&
	      iog_memcmp(vmm_dma + 12288, vmm_secret, XFER);
	check("vmm-read-outside-grant", ok, "read of VMM data beside the grant blocked; %s", why);
}

static void test_high_dma(const struct boot_info *bi, const struct edu *g, uint64_t low)
{
	uint64_t high = guest_ram(bi, 4 * GiB + MiB, ~0ull, MiB);
	int ok;

	if (!high) {
		check("guest-dma-above-4g", 0, "no RAM above 4 GiB in the memory map");
		return;
	}
	fill(at(high), XFER, 0x5a);
	iog_memset(at(low + 0x5000), 0, XFER);
	ok = !edu_dma(g, high, 0, XFER, 0) && !edu_dma(g, low + 0x5000, 0, XFER, 1) &&
	     !iog_memcmp(at(high), at(low + 0x5000), XFER);
	ok &= !edu_dma(g, high + 0x1000, 0, XFER, 1) &&
	      !iog_memcmp(at(high), at(high + 0x1000), XFER);
	check("guest-dma-above-4g", ok, "pass-through edu read and wrote guest RAM at %llx",
	      (unsigned long long)high);
}

/* Every AMD IOMMU the IVRS names (an OS's IVHD type), once each. */
static void firmware_amd(uint64_t mem, uint64_t guest)
{
	struct iog_acpi_table t;
	struct iog_ivrs_block b;
	const uint8_t *iv;
	uint64_t bases[8], ctrl = 0, status = 0, dtb = 0, tail = 0;
	unsigned type, units = 0, on = 0;
	int err = iog_acpi_find(&acpi, "IVRS", 0, &t, NULL), read = 0;

	if (err) {
		check("firmware-left-amdvi-on", 0, "no IVRS (%d)", err);
		return;
	}
	iv = x86.plat.map(x86.plat.ctx, t.phys, t.length);
	type = iog_ivrs_ivhd_type(iv, t.length);
	for (long o = iog_ivrs_first(iv, t.length, NULL); o >= 0 && units < 8;
	     o = iog_ivrs_next(iv, t.length, o, NULL)) {
		unsigned pages, seen = 0;

		if (iog_ivrs_block_get(iv, t.length, o, &b, NULL) || !b.is_ivhd || b.type != type)
			continue;
		for (unsigned i = 0; i < units; i++)
			seen |= bases[i] == b.address;
		if (seen)
			continue; /* one IOMMU, described twice */
		bases[units++] = b.address;
		/* Bus 0 at least (two pages), for the IOAPIC. */
		pages = (iog_ivhd_device_count(iv, t.length, &b) + DTES_PER_PAGE - 1) /
			DTES_PER_PAGE;
		pages = pages < 2 ? 2 : pages;
		err = firmware_stage_amd(b.address, mem, pages);
		ctrl = fw_r64(b.address, AMDVI_CONTROL);
		status = fw_r64(b.address, AMDVI_STATUS);
		dtb = fw_r64(b.address, AMDVI_DEV_TAB_BASE);
		tail = fw_r64(b.address, AMDVI_CMD_BUF_TAIL);
		on += !err && (ctrl & CTRL_IOMMU_EN) && (ctrl & CTRL_CMD_BUF_EN) &&
		      (status & STATUS_CMD_BUF_RUN) && (dtb & ADDR_51_12) == mem + 0x3000;
		mem += (0x3000 + (uint64_t)pages * 4096 + 0xffff) & ~0xffffull;
	}
	if (on == units && nedu >= 2) {
		/*
		 * A pre-boot driver's DMA through firmware's tables: each edu reads
		 * the pages the checks aim at later, which leaves translations (read
		 * and write allowed) cached under firmware's domain id for the
		 * shield to invalidate. The last read, of VMM data, is written back
		 * to guest memory: firmware's tables let everything through. The
		 * two edus work side by side (100 ms a transfer).
		 */
		const uint64_t aims[3] = {vmm_code(), guest + 0x4000,
					  (uint64_t)(uintptr_t)vmm_secret};

		for (unsigned i = 0; i < 3; i++) {
			for (unsigned e = 0; e < 2; e++)
				edu_dma_start(&edus[e], aims[i], 0, XFER, 0);
			for (unsigned e = 0; e < 2; e++)
				err |= edu_dma_wait(&edus[e]);
		}
		iog_memset(at(guest + 0x6000), 0, XFER);
		read = !err && !edu_dma(&edus[1], guest + 0x6000, 0, XFER, 1) &&
		       !iog_memcmp(at(guest + 0x6000), vmm_secret, XFER);
	}
	check("firmware-left-amdvi-on", units && on == units && (nedu < 2 || read),
	      "control %llx status %llx, device table %llx (%u pages), command tail %llx after "
	      "the firmware stage%s",
	      (unsigned long long)ctrl, (unsigned long long)status,
	      (unsigned long long)(dtb & ADDR_51_12), (unsigned)(dtb & 0x1ff) + 1,
	      (unsigned long long)tail,
	      nedu < 2 ? ""
	      : read   ? "; edu DMA through its tables read VMM data"
		       : "; edu DMA through its tables FAILED");
}

/* The shield's device table in every IOMMU firmware left on, translating. */
static void amd_replaced(void)
{
	uint64_t ctrl = 0, dtb = 0;
	const struct iog_amdvi *a = NULL;
	int ok = 1;

	for (struct iog_shield_unit *u = shield.units; u; u = u->next) {
		a = &u->amdvi;
		ctrl = x86.plat.reg_read64(x86.plat.ctx, a->base, AMDVI_CONTROL);
		dtb = x86.plat.reg_read64(x86.plat.ctx, a->base, AMDVI_DEV_TAB_BASE);
		ok &= (ctrl & CTRL_IOMMU_EN) && (a->fw.control & CTRL_IOMMU_EN) &&
		      (dtb & ADDR_51_12) == a->dt_phys &&
		      (a->fw.dev_tab & ADDR_51_12) != a->dt_phys;
	}
	if (!a) {
		check("firmware-iommu-replaced", 0, "no IOMMU");
		return;
	}
	check("firmware-iommu-replaced", ok,
	      "control %llx (firmware left %llx): firmware's device table %llx replaced by %llx "
	      "(%u pages)",
	      (unsigned long long)ctrl, (unsigned long long)a->fw.control,
	      (unsigned long long)(a->fw.dev_tab & ADDR_51_12),
	      (unsigned long long)(dtb & ADDR_51_12), (unsigned)(dtb & 0x1ff) + 1);
}

static uint64_t read_msr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ __volatile__("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static int run_shield(const struct boot_info *bi)
{
	struct iog_acpi_table t;
	struct iog_diag d = {0};
	unsigned n = 0;
	const void *p;
	int err;

	err = iog_acpi_find(&acpi, amd ? "IVRS" : "DMAR", 0, &t, &d);
	if (err || t.length > sizeof(table_copy)) {
		check("shield-apply", 0, "no usable %s (%d)", amd ? "IVRS" : "DMAR", err);
		return -1;
	}
	p = x86.plat.map(x86.plat.ctx, t.phys, t.length);
	iog_memcpy(table_copy, p, t.length);
	table_len = t.length;
	for (unsigned i = 0; i < bi->nmem; i++)
		if (bi->mem[i].type == 1)
			memmap[n++] = (struct iog_range){bi->mem[i].base, bi->mem[i].size};
	protect[1] = (struct iog_range){vmm_target, TARGET_SIZE};
	protect[0] = (struct iog_range){bi->image_start & ~4095ull,
					page_up(bi->image_end) - (bi->image_start & ~4095ull)};
	grant = (struct iog_grant){
		0,	  edus[1].bus, edus[1].devfn, (uint64_t)(uintptr_t)vmm_dma, sizeof(vmm_dma),
		IOG_PT_RW};
	cfg = (struct iog_shield_config){
		.dmar = amd ? NULL : table_copy,
		.dmar_len = amd ? 0 : t.length,
		.ivrs = amd ? table_copy : NULL,
		.ivrs_len = amd ? t.length : 0,
		.memmap = memmap,
		.nmemmap = n,
		.protect = protect,
		.nprotect = 2,
		.grants = &grant,
		.ngrants = nedu >= 2,
		.acpi = &acpi,
		.conceal = opt.conceal,
		.ir_policy = opt.ir_policy,
		.bridge = bridge,
	};
	/* What concealing the DMAR costs the guest's interrupts: the MADT and the APIC mode. */
	if (!iog_acpi_find(&acpi, "APIC", 0, &t, NULL)) {
		cfg.madt = x86.plat.map(x86.plat.ctx, t.phys, t.length);
		cfg.madt_len = cfg.madt ? t.length : 0;
	}
	cfg.firmware_x2apic = (read_msr(IOG_IA32_APIC_BASE) & IOG_IA32_APIC_BASE_EXTD) != 0;
	err = iog_shield_apply(&shield, &x86.plat, &cfg, &d);
	if (err)
		check("shield-apply", 0, "error %d at %s offset %llx (address %llx): %s", err,
		      amd ? "IVRS" : "DMAR", (unsigned long long)d.offset,
		      (unsigned long long)d.address, d.reason ? d.reason : "");
	else if (amd)
		check("shield-apply", 1,
		      "%u IOMMU(s), %u device domain(s), %u device table entries, %u pages, VMM "
		      "%llx-%llx and %llx-%llx protected",
		      shield.nunits, shield.ndomains, shield.units->amdvi.ndevids,
		      (unsigned)iog_shield_pages(&shield), (unsigned long long)protect[0].base,
		      (unsigned long long)(protect[0].base + protect[0].size - 1),
		      (unsigned long long)protect[1].base,
		      (unsigned long long)(protect[1].base + protect[1].size - 1));
	else
		check("shield-apply", 1,
		      "%u unit(s), %u device domain(s), %u shared context table(s), %u pages, VMM "
		      "%llx-%llx and %llx-%llx protected",
		      shield.nunits, shield.ndomains, shield.nkinds,
		      (unsigned)iog_shield_pages(&shield), (unsigned long long)protect[0].base,
		      (unsigned long long)(protect[0].base + protect[0].size - 1),
		      (unsigned long long)protect[1].base,
		      (unsigned long long)(protect[1].base + protect[1].size - 1));
	return err;
}

/* The unit (list order) whose registers are at base, or -1. */
static int unit_at(uint16_t seg, uint64_t base)
{
	int i = 0;

	for (struct iog_shield_unit *u = shield.units; u; u = u->next, i++)
		if (u->amd ? u->amdvi.base == base && u->amdvi.segment == seg
			   : u->vtd.base == base && u->vtd.segment == seg)
			return i;
	return -1;
}

/* The unit the table places seg:bus:devfn under, through the bridges present; -1 when none. */
static int unit_of(uint8_t bus, uint8_t devfn)
{
	long off;

	if (amd) {
		struct iog_ivrs_block b;

		off = iog_ivrs_find_ivhd(table_copy, table_len, 0, (uint16_t)(bus << 8 | devfn),
					 NULL);
		if (off < 0 || iog_ivrs_block_get(table_copy, table_len, off, &b, NULL))
			return -1;
		return unit_at(b.segment, b.address);
	} else {
		struct iog_dmar_struct st;

		off = iog_dmar_find_drhd(table_copy, table_len, 0, bus, devfn, bridge, NULL, NULL);
		if (off < 0 || iog_dmar_struct_get(table_copy, table_len, off, &st, NULL))
			return -1;
		return unit_at(st.segment, st.address);
	}
}

/*
 * Where the applied shield placed things, for `ioguard plan` to be compared
 * with (tests/plan/guest.sh): one PLACE line per unit, per PCI function
 * (the unit the table puts it under and its domain) and a summary.
 */
static void report_placement(void)
{
	int i = 0;

	for (struct iog_shield_unit *u = shield.units; u; u = u->next, i++)
		kprintf("PLACE unit %d %llx segment %u\n", i,
			(unsigned long long)(u->amd ? u->amdvi.base : u->vtd.base),
			u->amd ? u->amdvi.segment : u->vtd.segment);
	for (unsigned bus = 0; bus < 256; bus++)
		for (unsigned dev = 0; dev < 32; dev++)
			for (unsigned fn = 0; fn < 8; fn++) {
				uint8_t devfn = (uint8_t)(dev << 3 | fn);
				const struct iog_shield_domain *dom = NULL;

				if (pci_read16(0, (uint8_t)bus, devfn, 0) == 0xffff) {
					if (!fn)
						break;
					continue;
				}
				for (unsigned k = 0; k < shield.ndomains; k++)
					if (shield.domains[k].bus == bus &&
					    shield.domains[k].devfn == devfn)
						dom = &shield.domains[k];
				kprintf("PLACE device 0000:%02x:%02x.%u unit %d domain %s %u\n",
					bus, dev, fn, unit_of((uint8_t)bus, devfn),
					!dom	       ? "default"
					: dom->granted ? "granted"
						       : "own",
					dom ? dom->did : IOG_SHIELD_DEFAULT_DID);
				if (!fn && !(cfg8((uint8_t)bus, devfn, 0x0e) & 0x80))
					break;
			}
	kprintf("PLACE summary units %u domains %u unplaced-scopes %u unplaced-rmrrs %u "
		"unplaced-grants %u\n",
		shield.nunits, shield.ndomains, shield.unplaced_scopes, shield.unplaced_rmrrs,
		shield.unplaced_grants);
}

#define MS(ns) (unsigned long long)((ns) / 1000000), (unsigned long long)((ns) / 100000 % 10)

/*
 * How long the machine went without the shield: from kernel entry to the
 * instant every unit translated with the shield's tables (the firmware
 * stage, this kernel playing firmware, is counted and said: on a real
 * machine firmware runs before entry), and where apply's time went. The
 * verifier runs once protection is live: it checks the tables the units
 * really use.
 */
static void report_time(void)
{
	const struct iog_shield_times *t = &shield.times;
	char fw[64] = "";

	if (opt.timing)
		kprintf("time: kmain %llu.%llu ms after entry (TSC calibration %llu.%llu), ACPI "
			"%llu.%llu, PCI %llu.%llu, firmware stage %llu.%llu, to apply %llu.%llu\n",
			MS(steps.kmain), MS(time_calibration_ns()), MS(steps.acpi - steps.kmain),
			MS(steps.pci - steps.acpi), MS(steps.firmware - steps.pci),
			MS(t->start - steps.firmware));
	if (opt.firmware)
		iog_format(fw, sizeof(fw), " (%llu.%llu ms of it the firmware stage)",
			   MS(steps.firmware - steps.pci));
	kprintf("time: protection live %llu.%llu ms after entry%s; apply %llu.%llu ms: probe "
		"%llu.%llu, disable %llu.%llu, build %llu.%llu, program %llu.%llu, verify "
		"%llu.%llu\n",
		MS(t->live), fw, MS(t->verified - t->start), MS(t->probed - t->start),
		MS(t->disabled - t->probed), MS(t->built - t->disabled), MS(t->live - t->built),
		MS(t->verified - t->live));
}

/*
 * BitVisor's DISABLE_VTD alone: every unit firmware left on is turned off
 * (by the IR policy), after which DMA is untranslated, as on a machine
 * without VT-d.
 */
static void disable_only(uint64_t guest)
{
	struct iog_acpi_table t;
	struct iog_dmar_struct s;
	const uint8_t *dm;
	unsigned units = 0, off = 0;
	int err = iog_acpi_find(&acpi, "DMAR", 0, &t, NULL), ok;

	if (err) {
		check("vtd-disabled", 0, "no DMAR (%d)", err);
		return;
	}
	dm = x86.plat.map(x86.plat.ctx, t.phys, t.length);
	for (long o = iog_dmar_first(dm, t.length, NULL); o >= 0;
	     o = iog_dmar_next(dm, t.length, o, NULL)) {
		struct iog_vtd u;
		uint32_t gsts, pmen;

		if (iog_dmar_struct_get(dm, t.length, o, &s, NULL) || s.type != IOG_DMAR_DRHD)
			continue;
		units++;
		err = iog_vtd_probe(&u, &x86.plat, s.address, 4096u << (s.size & 0xf), s.segment,
				    NULL);
		if (!err)
			err = iog_vtd_disable(&u, opt.ir_policy, 0);
		gsts = fw_r32(s.address, VTD_GSTS_REG);
		pmen = (u.cap & (CAP_PLMR | CAP_PHMR)) ? fw_r32(s.address, VTD_PMEN_REG) : 0;
		ok = !err && !(gsts & (GSTS_TES | GSTS_IRES | GSTS_QIES)) && !(pmen & PMEN_PRS);
		check("vtd-disabled", ok, "unit %llx: %d, GSTS %x, PMEN %x (firmware left GSTS %x)",
		      (unsigned long long)s.address, err, gsts, pmen, u.fw.gsts);
		off += ok;
	}
	if (!units)
		check("vtd-disabled", 0, "the DMAR lists no unit");
	if (nedu >= 1 && off == units) {
		/* Untranslated now: DMA reaches guest memory (and everything else). */
		fill(at(guest), XFER, 0x3c);
		iog_memset(at(guest + 0x1000), 0, XFER);
		ok = !edu_dma(&edus[0], guest, 0, XFER, 0) &&
		     !edu_dma(&edus[0], guest + 0x1000, 0, XFER, 1) &&
		     !iog_memcmp(at(guest), at(guest + 0x1000), XFER);
		check("dma-untranslated", ok, "edu %02x:%02x.%u copied %u bytes with VT-d off",
		      edus[0].bus, edus[0].devfn >> 3, edus[0].devfn & 7, XFER);
	}
}

/*
 * Linux, unmodified, on top: it must find no DMAR (no IVRS) and reach none of
 * the VMM. On AMD the guest gets no register base: it has nothing to read
 * there (QEMU 7.2 logs no event), and its devices stay in the default domain,
 * their interrupts passed through untranslated (DTE IV clear).
 */
static void hand_over(const struct boot_info *bi, uint64_t rsdp)
{
	static char cmdline[512];
	static char unit[40];
	struct linux_handoff h;
	char why[120];

	if (amd)
		iog_format(unit, sizeof(unit), "ioguard.iommu=amd");
	else
		iog_format(unit, sizeof(unit), "ioguard.drhd=%llx",
			   (unsigned long long)shield.units->vtd.base);
	iog_format(cmdline, sizeof(cmdline),
		   "console=ttyS0 panic=-1 nokaslr cryptomgr.notests quiet ioguard.target=%llx "
		   "%s ioguard.edu=0000:%02x:%02x.%u ioguard.seed=a5 ioguard.exit=0xf4%s",
		   (unsigned long long)vmm_target, unit, edus[0].bus, edus[0].devfn >> 3,
		   edus[0].devfn & 7,
		   !bi->uefi	   ? ""
		   : opt.linux_efi ? " ioguard.efi=runtime"
				   : " ioguard.efi=off");
	fill(at(vmm_target), TARGET_SIZE, 0xa5);
	clear_faults();
	h = (struct linux_handoff){&x86.plat, cmdline, protect, 2, rsdp, 0, NULL, 0, 0, 0};
	if (opt.linux_efi) {
		if (!bi->efi_systab || !bi->efi_map) {
			check("linux-handoff", 0,
			      "linux-efi=runtime needs UEFI firmware and a loader that passes its "
			      "system table and memory map (GRUB's multiboot2)");
			return;
		}
		h.efi_systab = bi->efi_systab;
		h.efi_map = bi->efi_map;
		h.efi_map_size = bi->efi_map_size;
		h.efi_desc_size = bi->efi_desc_size;
		h.efi_desc_version = bi->efi_desc_version;
	}
	kprintf("shield: %u passed, %u failed; handing over to Linux: %s\n", passed, failed,
		cmdline);
	linux_boot(bi, &h, why, sizeof(why));
	check("linux-handoff", 0, "%s", why);
}

void kmain(struct boot_info *bi)
{
	struct iog_diag d = {0};
	struct iog_acpi fresh;
	struct iog_acpi_table t;
	uint64_t rsdp = bi->rsdp, guest, fw_mem;
	uint32_t gsts_before = 0;
	int err;

	steps.kmain = time_ns();
	kprintf("ioguard %s shield kernel; command line \"%s\"\n", IOG_VERSION, bi->cmdline);
	if (parse_cmdline(bi->cmdline)) {
		check("options", 0, "command line \"%s\" refused", bi->cmdline);
		goto done;
	}
	fill(vmm_secret, sizeof(vmm_secret), 0xc3);
	if (iog_x86_init(&x86, (uint64_t)(uintptr_t)pool, POOL_PAGES, bi->mapped_limit)) {
		kprintf("platform setup failed\n");
		qemu_exit(2);
	}
	if (!rsdp && bi->uefi) {
		check("acpi", 0,
		      "no RSDP: the loader passed no ACPI tag, and UEFI firmware has no "
		      "BIOS area to search");
		goto done;
	}
	if (!rsdp && iog_rsdp_find(&x86.plat, &rsdp, &d)) {
		check("acpi", 0, "no RSDP: %s", d.reason);
		goto done;
	}
	if (iog_acpi_init(&acpi, &x86.plat, rsdp, &d)) {
		check("acpi", 0, "RSDP at %llx unusable: %s", (unsigned long long)rsdp, d.reason);
		goto done;
	}
	/* VT-d when the firmware describes it, else AMD IOMMUs if it gives an IVRS. */
	amd = iog_acpi_find(&acpi, "DMAR", 0, &t, NULL) != IOG_OK &&
	      iog_acpi_find(&acpi, "IVRS", 0, &t, NULL) == IOG_OK;
	if (amd)
		kprintf("acpi: an IVRS and no DMAR: AMD IOMMUs\n");
	steps.acpi = time_ns();
	pci_init(&acpi);
	find_edus();
	steps.pci = time_ns();
	if (nedu < 2)
		kprintf("only %u edu device(s): the shield is applied and verified, the DMA checks "
			"are skipped (QEMU: -device edu -device edu)\n",
			nedu);
	/* Guest buffers, firmware's tables at +4 MiB, and room for the target at +8 MiB. */
	guest = guest_ram(bi, bi->image_end + 16 * MiB, LOW_DMA_LIMIT, 9 * MiB);
	if (!guest) {
		check("memory", 0, "no free RAM below 256 MiB for guest buffers");
		goto done;
	}
	fw_mem = guest + 4 * MiB;
	vmm_target = guest_ram(bi, guest + 9 * MiB > 128 * MiB ? guest + 9 * MiB : 128 * MiB,
			       LOW_DMA_LIMIT, TARGET_SIZE);
	if (!vmm_target)
		vmm_target = guest + 8 * MiB; /* a small machine: still apart from the rest */

	if (opt.firmware && amd)
		firmware_amd(fw_mem, guest);
	else if (opt.firmware) {
		err = iog_acpi_find(&acpi, "DMAR", 0, &t, NULL);
		if (!err) {
			const uint8_t *dm = x86.plat.map(x86.plat.ctx, t.phys, t.length);
			struct iog_dmar_struct s;

			/* Every unit, as firmware would. */
			for (long o = iog_dmar_first(dm, t.length, NULL); o >= 0 && !err;
			     o = iog_dmar_next(dm, t.length, o, NULL))
				if (!iog_dmar_struct_get(dm, t.length, o, &s, NULL) &&
				    s.type == IOG_DMAR_DRHD) {
					err = firmware_stage(s.address, fw_mem);
					gsts_before |= fw_r32(s.address, VTD_GSTS_REG);
					fw_mem += 0x10000;
				}
		}
		check("firmware-left-vtd-on",
		      !err && (gsts_before & GSTS_TES) && (gsts_before & GSTS_QIES) &&
			      (!opt.intremap || (gsts_before & GSTS_IRES)),
		      "GSTS %x after the firmware stage", gsts_before);
	}

	steps.firmware = time_ns();
	if (opt.disable_only) {
		if (amd)
			check("vtd-disabled", 0, "disable-only=on is for VT-d, not AMD IOMMUs");
		else
			disable_only(guest);
		goto done;
	}
	if (run_shield(bi))
		goto done;
	report_placement();
	report_time();
	if (opt.firmware && amd)
		amd_replaced();
	else if (opt.firmware) {
		const struct iog_vtd *u0 = &shield.units->vtd;
		uint32_t gsts = x86.plat.reg_read32(x86.plat.ctx, u0->base, VTD_GSTS_REG);
		int ir_on = (gsts & GSTS_IRES) != 0;
		int want_ir = opt.intremap && opt.ir_policy == IOG_VTD_IR_DEFER;

		check("firmware-vtd-replaced",
		      (gsts & GSTS_TES) && ir_on == want_ir && u0->fw.rtaddr != u0->root_phys,
		      "GSTS %x: firmware's root %llx replaced by %llx, IR %s, %u live IRTEs seen",
		      gsts, (unsigned long long)u0->fw.rtaddr, (unsigned long long)u0->root_phys,
		      ir_on ? "left on" : "off", u0->fw.irte_present);
	}
	if (nedu >= 2) {
		test_guest_device(&edus[0], guest);
		if (opt.vmm_report) {
			kprintf("vmm-checks=report: the VMM edu's checks are reported, not "
				"counted\n");
			uncounted = 1;
		}
		test_vmm_device(&edus[1], guest);
		uncounted = 0;
		if (opt.high_dma)
			test_high_dma(bi, &edus[0], guest);
	}

	err = iog_acpi_init(&fresh, &x86.plat, rsdp, &d);
	if (err)
		check(amd ? "ivrs-concealed" : "dmar-concealed", 0,
		      "the tables cannot be walked again: %s", d.reason);
	else {
		err = iog_acpi_find(&fresh, amd ? "IVRS" : "DMAR", 0, &t, NULL);
		check(amd ? "ivrs-concealed" : "dmar-concealed", err == IOG_ENOTFOUND,
		      "a fresh walk of %u RSDT and %u XSDT entries finds %s %s",
		      iog_acpi_entry_count(&fresh, IOG_SDT_RSDT),
		      iog_acpi_entry_count(&fresh, IOG_SDT_XSDT), err == IOG_ENOTFOUND ? "no" : "a",
		      amd ? "IVRS" : "DMAR");
	}
	err = iog_shield_verify(&shield, &cfg, &d);
	check("verifier", !err, "%u contexts, %u tables, %llu leaves, %u violations%s%s",
	      shield.report.contexts, shield.report.tables,
	      (unsigned long long)shield.report.leaves, shield.report.violations, err ? ": " : "",
	      err && d.reason ? d.reason : "");
	if (opt.linux && !failed && nedu >= 1) {
		for (struct iog_shield_unit *u = shield.units; u; u = u->next)
			if (!u->amd && u->vtd.ir_deferred) {
				/* Compatibility-format interrupts stay blocked (GCMD.CFI clear). */
				check("linux-handoff", 0,
				      "interrupt remapping left on (ir-policy=defer): a guest that "
				      "sees no DMAR would lose its interrupts");
				goto done;
			}
		hand_over(bi, rsdp);
	}
done:
	kprintf("%u passed, %u failed\n", passed, failed);
	qemu_exit(failed ? 1 : 0);
}
