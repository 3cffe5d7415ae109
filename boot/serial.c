/* SPDX-License-Identifier: BSD-2-Clause */
/* The console (COM1, 115200 8N1, polled), kprintf and leaving QEMU. */
#include <stdarg.h>

#include "boot/boot.h"
#include "boot/kernel.h"
#include "util/log.h"

#define COM1 0x3f8
#define UART_THR 0 /* transmit holding (DLAB = 0) */
#define UART_DLL 0 /* divisor low (DLAB = 1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_THRE 0x20 /* transmit holding register empty */
#define LSR_TEMT 0x40 /* transmitter idle */
#define LCR_DLAB 0x80
#define LCR_8N1 0x03

/* About a second of polling on real hardware; a UART that never drains is ignored. */
#define SPIN_LIMIT 1000000u

#define ISA_DEBUG_EXIT 0xf4

void serial_init(void)
{
	outb(COM1 + UART_IER, 0x00);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1); /* 115200 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0xc7); /* FIFOs on and cleared, 14-byte threshold */
	outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
}

static void put(char c)
{
	for (unsigned i = 0; i < SPIN_LIMIT && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		__asm__ volatile("pause");
	outb(COM1 + UART_THR, (uint8_t)c);
}

void serial_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			put('\r');
		put(s[i]);
	}
}

void kprintf(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = iog_vformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	serial_write(buf, n);
}

void qemu_exit(unsigned code)
{
	/* scripts/run-qemu.sh tells a kernel's exit 0 from QEMU's own failure (both status 1) by
	 * this line. */
	kprintf("qemu_exit: %u\n", code);
	for (unsigned i = 0; i < SPIN_LIMIT && !(inb(COM1 + UART_LSR) & LSR_TEMT); i++)
		__asm__ volatile("pause");
	outl(ISA_DEBUG_EXIT, code);
	/* Not under QEMU, or no isa-debug-exit device: stop here. */
	for (;;)
		__asm__ volatile("cli; hlt");
}
