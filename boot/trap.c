/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * CPU exceptions: every one is a bug in the kernel, so the handler prints
 * what the CPU saw and leaves QEMU with TRAP_EXIT_CODE instead of letting a
 * triple fault reset the machine silently.
 */
#include "boot/boot.h"
#include "boot/kernel.h"

#define IDT_VECTORS 256
#define TRAP_VECTORS 32
#define TRAP_STUB_SIZE 16
#define GATE_INTERRUPT 0x8e /* present, DPL 0, 64-bit interrupt gate */
#define SEL_CODE64 0x08

/* What boot/vectors.S leaves on the stack, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
};

struct __attribute__((packed)) idt_ptr {
	uint16_t limit;
	uint64_t base;
};

extern char trap_stubs[], trap_stubs_end[];
void trap_handler(struct trap_frame *f) __attribute__((noreturn));

static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

static const char *const names[TRAP_VECTORS] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM no FPU",
	"#DF double fault",
	"coprocessor overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved",
	"#MF x87 error",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD error",
	"#VE virtualization",
	"#CP control protection",
};

void trap_init(void)
{
	struct idt_ptr p = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};

	for (unsigned v = 0; v < TRAP_VECTORS; v++) {
		uint64_t a = (uint64_t)(uintptr_t)(trap_stubs + v * TRAP_STUB_SIZE);

		idt[v] = (struct idt_gate){
			.offset_low = (uint16_t)a,
			.selector = SEL_CODE64,
			.type = GATE_INTERRUPT,
			.offset_mid = (uint16_t)(a >> 16),
			.offset_high = (uint32_t)(a >> 32),
		};
	}
	/* Vectors 32..255 stay not-present: one arriving raises #GP, reported. */
	__asm__ volatile("lidt %0" : : "m"(p));
}

void trap_handler(struct trap_frame *f)
{
	uint64_t cr2;
	const char *name = f->vector < TRAP_VECTORS && names[f->vector] ? names[f->vector] : "?";

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	kprintf("\ntrap: vector %llu (%s), error 0x%llx\n", (unsigned long long)f->vector, name,
		(unsigned long long)f->error);
	kprintf("trap: rip 0x%llx rsp 0x%llx rflags 0x%llx cr2 0x%llx\n",
		(unsigned long long)f->rip, (unsigned long long)f->rsp,
		(unsigned long long)f->rflags, (unsigned long long)cr2);
	kprintf("trap: rax 0x%llx rbx 0x%llx rcx 0x%llx rdx 0x%llx\n", (unsigned long long)f->rax,
		(unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	kprintf("trap: rsi 0x%llx rdi 0x%llx rbp 0x%llx\n", (unsigned long long)f->rsi,
		(unsigned long long)f->rdi, (unsigned long long)f->rbp);
	if (f->rsp < (uint64_t)(uintptr_t)boot_stack + 256 ||
	    f->rsp > (uint64_t)(uintptr_t)boot_stack_top)
		kprintf("trap: rsp is outside (or at the very bottom of) the boot stack [0x%llx, "
			"0x%llx): overflow?\n",
			(unsigned long long)(uintptr_t)boot_stack,
			(unsigned long long)(uintptr_t)boot_stack_top);
	qemu_exit(TRAP_EXIT_CODE);
}
