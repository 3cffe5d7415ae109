/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Entry stubs for the 32 CPU exceptions. Stub n sits at trap_stubs + 16 * n;
 * each pushes a zero where the CPU pushes no error code, then the vector,
 * saves the general registers and calls trap_handler(frame), which reports
 * and never returns.
 */

	.text
	.balign 16
	.globl trap_stubs
trap_stubs:
	.set vec, 0
	.rept 32
	.balign 16
	.if vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30
	.else
	pushq $0
	.endif
	pushq $vec
	jmp trap_common
	.set vec, vec + 1
	.endr
	.balign 16
	.globl trap_stubs_end
trap_stubs_end:

trap_common:
	push %rax
	push %rcx
	push %rdx
	push %rbx
	push %rbp
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	push %r12
	push %r13
	push %r14
	push %r15
	cld
	mov %rsp, %rdi
	call trap_handler
1:	cli
	hlt
	jmp 1b

	.section .note.GNU-stack, "", @progbits
