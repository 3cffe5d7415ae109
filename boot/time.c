/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Time from the TSC, calibrated once at boot against PIT channel 2 (the
 * one whose gate and output software can reach through port 0x61).
 */
#include "boot/boot.h"
#include "boot/kernel.h"

#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
#define PORT_B_OUT2 0x20
/* Channel 2, low then high byte, mode 0 (interrupt on terminal count), binary. */
#define PIT_CH2_MODE0 0xb0

#define CALIBRATE_COUNT 59659u /* 50 ms of PIT ticks (at most 65535) */
#define CALIBRATE_TRIES 3
/* Polls of port 0x61 before we decide the PIT is not counting. */
#define PIT_SPIN_LIMIT 50000000u

static uint64_t tsc_hz, tsc_base, ns_mult; /* ns = (tsc - base) * mult >> 32 */
static const char *source = "none";

/* TSC ticks during `count` ticks of PIT channel 2, or 0 if it never ran out. */
static uint64_t pit_measure(uint16_t count)
{
	uint8_t b = inb(PORT_B);
	uint64_t t0, t1;
	unsigned spins = 0;

	outb(PORT_B, (uint8_t)((b & ~PORT_B_SPEAKER) & ~PORT_B_GATE2));
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	/* Raising the gate starts the count; OUT2 goes high at zero. */
	outb(PORT_B, (uint8_t)((b & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	t0 = rdtsc();
	while (!(inb(PORT_B) & PORT_B_OUT2))
		if (++spins > PIT_SPIN_LIMIT)
			break;
	t1 = rdtsc();
	outb(PORT_B, b);
	return spins > PIT_SPIN_LIMIT ? 0 : t1 - t0;
}

void time_init(void)
{
	uint64_t best = 0;
	uint32_t r[4];

	/* The shortest of a few runs: the one least disturbed (a TCG translation, an SMI). */
	for (int i = 0; i < CALIBRATE_TRIES; i++) {
		uint64_t t = pit_measure(CALIBRATE_COUNT);

		if (t && (!best || t < best))
			best = t;
	}
	if (best) {
		tsc_hz = best * PIT_HZ / CALIBRATE_COUNT;
		source = "pit";
	} else {
		cpuid(0, 0, r);
		if (r[0] >= 0x16) {
			cpuid(0x16, 0, r);
			tsc_hz = (uint64_t)(r[0] & 0xffff) * 1000000u;
			source = "cpuid";
		}
		if (!tsc_hz) {
			tsc_hz = 2000000000u;
			source = "guess";
		}
	}
	ns_mult = (1000000000ull << 32) / tsc_hz;
	tsc_base = rdtsc();
}

uint64_t time_tsc_hz(void)
{
	return tsc_hz;
}

const char *time_source(void)
{
	return source;
}

uint64_t time_ns(void)
{
	uint64_t now = rdtsc(), d = now > tsc_base ? now - tsc_base : 0;

	return (uint64_t)(((unsigned __int128)d * ns_mult) >> 32);
}
