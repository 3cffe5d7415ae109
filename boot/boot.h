/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The boot code's private interface (boot/ and platform/x86): what
 * boot/kernel.h does not promise to the self-test.
 */
#ifndef IOG_BOOT_BOOT_H
#define IOG_BOOT_BOOT_H

/* Memory below BOOT_MAPPED_GIB GiB is identity-mapped (boot/entry.S). */
#define BOOT_MAPPED_GIB 64
#define BOOT_STACK_SIZE 0x10000

/* The exit code qemu_exit receives when the CPU raises an exception. */
#define TRAP_EXIT_CODE 0x7f

#ifndef __ASSEMBLER__
#include <stdint.h>

/* Linker symbols (boot/link.ld) and the boot stack (boot/entry.S). */
extern char __image_start[], __image_end[];
extern char boot_stack[], boot_stack_top[];
/* The TSC when the loader entered _start (boot/entry.S). */
extern uint64_t boot_entry_tsc;

/* Called by boot/entry.S in long mode, on the boot stack. */
void boot_main(uint32_t magic, uint32_t info_phys) __attribute__((noreturn));

/* Loads an IDT whose 32 exception vectors report through the console. */
void trap_init(void);

/* Calibrates the TSC (PIT channel 2); time_ns() counts from kernel entry. */
void time_init(void);
/* The TSC frequency found by time_init, in Hz. */
uint64_t time_tsc_hz(void);
/* How time_init calibrated: "pit", "cpuid" or "guess". */
const char *time_source(void);

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(sub));
}

#endif /* __ASSEMBLER__ */
#endif
