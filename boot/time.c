/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Time from the TSC, counted from kernel entry (boot/entry.S reads it
 * first) and calibrated once at boot against PIT channel 2 (the one whose
 * gate software can reach through port 0x61).
 *
 * The channel counts down freely; its count is latched and read between
 * two reads of the TSC, and of a few such reads in a row the narrowest is
 * kept. Two of them 1 ms apart give the rate, to within their widths (three
 * port accesses each) and one PIT tick (0.84 us): under QEMU's TCG, within
 * 0.1% of the host's TSC. Nothing between the two needs to be quiet: a
 * stall (an SMI, the host preempting an emulator) delays both clocks alike,
 * unlike a wait for the count to run out, which reads the TSC only when the
 * stall ends (three 50 ms waits, the shortest kept, took 150 ms of every
 * boot). The median of three measurements is taken.
 */
#include "boot/boot.h"
#include "boot/kernel.h"

#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPEAKER 0x02
/* Channel 2, low then high byte, mode 0 (interrupt on terminal count), binary. */
#define PIT_CH2_MODE0 0xb0
#define PIT_CH2_LATCH 0x80

#define CALIBRATE_TICKS 1193u /* 1 ms of PIT ticks (the count wraps after 65536) */
#define CALIBRATE_TRIES 3
#define SAMPLES 3 /* reads in a row, the narrowest kept */
/* Reads of the count before we decide the PIT is not counting. */
#define PIT_SPIN_LIMIT 10000000u

struct pit_read {
	uint64_t tsc;	/* midway between the TSC reads around the count's */
	uint64_t width; /* TSC ticks between them */
	uint16_t count;
};

static uint64_t tsc_hz, tsc_base, ns_mult; /* ns = (tsc - base) * mult >> 32 */
static uint64_t calibration_ticks;	   /* TSC ticks time_init took */
static const char *source = "none";

static struct pit_read pit_read(void)
{
	uint64_t a = rdtsc(), b;
	uint8_t lo, hi;

	outb(PIT_CMD, PIT_CH2_LATCH);
	lo = inb(PIT_CH2);
	hi = inb(PIT_CH2);
	b = rdtsc();
	return (struct pit_read){a + (b - a) / 2, b - a, (uint16_t)(hi << 8 | lo)};
}

static struct pit_read pit_read_best(void)
{
	struct pit_read best = pit_read();

	for (int i = 1; i < SAMPLES; i++) {
		struct pit_read r = pit_read();

		if (r.width < best.width)
			best = r;
	}
	return best;
}

/*
 * TSC ticks per `ticks` PIT ticks, measured once; 0 if the PIT does not
 * count, or wrapped (a stall of 55 ms) while we looked away.
 */
static uint64_t pit_measure(uint16_t ticks)
{
	uint8_t b = inb(PORT_B);
	struct pit_read first = {0}, last = {0};
	unsigned spins = 0;
	uint16_t elapsed = 0, seen = 0;

	outb(PORT_B, (uint8_t)((b & ~PORT_B_SPEAKER) & ~PORT_B_GATE2));
	outb(PIT_CMD, PIT_CH2_MODE0);
	outb(PIT_CH2, 0xff);
	outb(PIT_CH2, 0xff);
	outb(PORT_B, (uint8_t)((b & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	/* The count is loaded at the first PIT tick after the gate rises: read from the next. */
	while (pit_read().count >= 0xfffe && spins < PIT_SPIN_LIMIT)
		spins++;
	first = pit_read_best();
	while (elapsed < ticks && elapsed >= seen && spins < PIT_SPIN_LIMIT) {
		seen = elapsed;
		elapsed = (uint16_t)(first.count - pit_read().count);
		spins++;
	}
	last = pit_read_best();
	outb(PORT_B, b);
	elapsed = (uint16_t)(first.count - last.count);
	if (spins >= PIT_SPIN_LIMIT || elapsed < ticks || last.tsc <= first.tsc)
		return 0;
	return (last.tsc - first.tsc) * ticks / elapsed;
}

void time_init(void)
{
	uint64_t t[CALIBRATE_TRIES], m, start = rdtsc();
	uint32_t r[4];
	int n = 0;

	/* A wrapped measurement is tried again, a PIT that never counts given up on. */
	for (int i = 0; i < 2 * CALIBRATE_TRIES && n < CALIBRATE_TRIES; i++) {
		int k;

		m = pit_measure(CALIBRATE_TICKS);
		if (!m && !i)
			break;
		if (!m)
			continue;
		for (k = n++; k > 0 && t[k - 1] > m; k--)
			t[k] = t[k - 1];
		t[k] = m;
	}
	if (n == CALIBRATE_TRIES) {
		tsc_hz = t[CALIBRATE_TRIES / 2] * PIT_HZ / CALIBRATE_TICKS;
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
	calibration_ticks = tsc_base - start;
	if (boot_entry_tsc && boot_entry_tsc < tsc_base)
		tsc_base = boot_entry_tsc;
}

uint64_t time_calibration_ns(void)
{
	return (uint64_t)(((unsigned __int128)calibration_ticks * ns_mult) >> 32);
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
