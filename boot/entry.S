/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The shield kernel's first instructions. A multiboot v1 loader (QEMU's
 * -kernel) or a multiboot2 loader (GRUB) enters _start in 32-bit protected
 * mode, paging off, with the magic in %eax and the information structure's
 * physical address in %ebx. We clear .bss, identity-map the first 64 GiB
 * with 2 MiB pages, switch to long mode and call boot_main(magic, info).
 */

#include "boot/boot.h"

#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS 0x00000003 /* modules page-aligned; memory information wanted */
#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0

#define MAPPED_GIB BOOT_MAPPED_GIB /* one page directory (512 x 2 MiB) per GiB */

#define PTE_P 0x1
#define PTE_RW 0x2
#define PTE_PS 0x80

#define CR0_PE 0x1
#define CR0_NW 0x20000000
#define CR0_CD 0x40000000
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100

#define SEL_CODE64 0x08
#define SEL_DATA 0x10

	.section .multiboot, "a"
	.balign 8
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long 0x100000000 - (MB1_MAGIC + MB1_FLAGS)

	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* Information request (optional): command line, memory map, both RSDPs. */
	.balign 8
	.word 1, 1
	.long 24
	.long 1, 6, 14, 15
	/* End tag. */
	.balign 8
	.word 0, 0
	.long 8
mb2_header_end:

	.section .text.boot, "ax"
	.code32
	.globl _start
	.type _start, @function
_start:
	cli
	cld
	mov %eax, %esi /* magic, kept until boot_main */
	mov %ebx, %ebp /* information structure */
	/* The TSC at entry: time_ns() counts from here (boot/time.c). */
	rdtsc
	mov %eax, boot_entry_tsc
	mov %edx, boot_entry_tsc + 4

	/* Long mode present? Otherwise say so on COM1 and stop. */
	mov $0x80000000, %eax
	cpuid
	cmp $0x80000001, %eax
	jb no_long_mode
	mov $0x80000001, %eax
	cpuid
	test $(1 << 29), %edx
	jz no_long_mode

	/* .bss is page-aligned and a whole number of pages long. */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	shr $2, %ecx
	xor %eax, %eax
	rep stosl

	/* PML4[0] -> the PDPT; PDPT[i] -> page directory i. */
	mov $boot_pdpt, %eax
	or $(PTE_P | PTE_RW), %eax
	mov %eax, boot_pml4
	mov $boot_pd, %eax
	or $(PTE_P | PTE_RW), %eax
	xor %ecx, %ecx
1:	mov %eax, boot_pdpt(, %ecx, 8)
	add $4096, %eax
	inc %ecx
	cmp $MAPPED_GIB, %ecx
	jb 1b

	/* Every page directory entry: a 2 MiB page, physical = virtual. */
	mov $(PTE_P | PTE_RW | PTE_PS), %eax
	xor %edx, %edx
	xor %ecx, %ecx
2:	mov %eax, boot_pd(, %ecx, 8)
	mov %edx, boot_pd + 4(, %ecx, 8)
	add $0x200000, %eax
	adc $0, %edx
	inc %ecx
	cmp $(MAPPED_GIB * 512), %ecx
	jb 2b

	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	and $~(CR0_CD | CR0_NW), %eax
	or $(CR0_PG | CR0_PE), %eax
	mov %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $SEL_CODE64, $long_mode

no_long_mode:
	mov $no_long_mode_msg, %ebx
	mov $0x3f8, %dx
3:	movb (%ebx), %al
	test %al, %al
	jz 4f
	out %al, %dx
	inc %ebx
	jmp 3b
4:	mov $0xf4, %dx
	mov $TRAP_EXIT_CODE, %eax
	out %eax, %dx
5:	hlt
	jmp 5b
	.size _start, . - _start

	.code64
long_mode:
	mov $SEL_DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	xor %eax, %eax
	mov %eax, %fs
	mov %eax, %gs
	mov $boot_stack_top, %rsp
	mov %esi, %edi /* magic */
	mov %ebp, %esi /* information structure */
	xor %ebp, %ebp
	call boot_main
6:	cli
	hlt
	jmp 6b

	.section .rodata
no_long_mode_msg:
	.asciz "shield: this CPU has no long mode\r\n"

	.section .data
	.balign 8
	.globl boot_entry_tsc
boot_entry_tsc:
	.quad 0

	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff /* 0x08: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff /* 0x10: data */
boot_gdt_end:
	.balign 8
	.globl boot_gdt_ptr
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	.section .bss.pagetables, "aw", @nobits
	.balign 4096
	.globl boot_pml4
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4096 * MAPPED_GIB

	.section .bss
	.balign 4096
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip BOOT_STACK_SIZE
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
