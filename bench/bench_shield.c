/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Shield figures on the synthetic 4-socket server (tests/unit/server.c): 48
 * software VT-d units (4-level, 2 MiB + 1 GiB pages, queued invalidation,
 * coherent), 2 TiB of RAM, six RMRRs, one grant. Apply time is the median of
 * a few runs, each on a fresh machine, by the host's clock (the hosted
 * platform's clock is simulated: the shield is given the host's instead, so
 * that its own clock readings, iog_shield.times, split the median run into
 * its phases); table pages are what the shield holds once applied. Figures
 * only: nothing here passes or fails.
 *
 * Then a hostile table (tests/unit/hostile.c): 4,000 RMRRs and 500 DRHD
 * scopes over 8 units, whose apply time must not grow with the table per
 * device placed.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <ioguard/shield.h>

#include "tests/unit/hostile.h"
#include "tests/unit/server.h"

#define RUNS 5

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t host_clock_ns(void *ctx)
{
	(void)ctx;
	return (uint64_t)(now() * 1e9);
}

struct run {
	double ms;
	struct iog_shield_times t;
};

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int by_ms(const void *a, const void *b)
{
	double x = ((const struct run *)a)->ms, y = ((const struct run *)b)->ms;

	return (x > y) - (x < y);
}

#define HOSTILE_UNITS 8
#define HOSTILE_SCOPES 500
#define HOSTILE_RMRRS 4000

/* The median apply time on a machine for the table; negative when it does not apply. */
static double time_hostile(struct hostile *x, const uint8_t *dmar, size_t len)
{
	double ms[RUNS];

	for (unsigned i = 0; i < RUNS; i++) {
		struct iog_diag d = {0};
		double t0, t1;
		int err;

		if (hostile_setup(x, dmar, len, 0)) {
			fprintf(stderr, "bench: no memory for the hostile machine\n");
			return -1;
		}
		t0 = now();
		err = hostile_apply(x, &d);
		t1 = now();
		if (err) {
			fprintf(stderr, "bench: hostile apply: %d at offset %llu: %s\n", err,
				(unsigned long long)d.offset, d.reason ? d.reason : "");
			return -1;
		}
		ms[i] = (t1 - t0) * 1e3;
		hostile_teardown(x);
	}
	qsort(ms, RUNS, sizeof(ms[0]), by_value);
	return ms[RUNS / 2];
}

static int bench_hostile(void)
{
	size_t cap = 256 * 1024, len, plain_len;
	uint8_t *dmar = malloc(cap), *plain = malloc(cap);
	struct hostile *x = malloc(sizeof(*x));
	double ms, plain_ms;

	if (!dmar || !plain || !x ||
	    !(len = hostile_big_table(dmar, cap, HOSTILE_UNITS, HOSTILE_SCOPES, HOSTILE_RMRRS)) ||
	    !(plain_len = hostile_big_table(plain, cap, HOSTILE_UNITS, HOSTILE_UNITS - 1, 0))) {
		fprintf(stderr, "bench: cannot build the hostile table\n");
		return 1;
	}
	plain_ms = time_hostile(x, plain, plain_len);
	ms = time_hostile(x, dmar, len);
	if (ms < 0 || plain_ms < 0)
		return 1;
	printf("hostile: the same %u units with one scope each and no RMRR: apply=%.1f\n",
	       HOSTILE_UNITS, plain_ms);
	printf("hostile: %u RMRRs, %u DRHD scopes over %u units, a %zu-byte DMAR\n", HOSTILE_RMRRS,
	       HOSTILE_SCOPES, HOSTILE_UNITS, len);
	printf("hostile: apply=%.1f\n", ms);
	free(x);
	free(plain);
	free(dmar);
	return 0;
}

static double ms_between(uint64_t from, uint64_t to)
{
	return (double)(to - from) * 1e-6;
}

int main(void)
{
	struct server *srv = malloc(sizeof(*srv));
	struct run runs[RUNS];
	const struct iog_shield_times *t;
	size_t pages = 0;

	if (!srv || server_build(srv)) {
		fprintf(stderr, "bench: cannot build the server\n");
		return 1;
	}
	for (unsigned i = 0; i < RUNS; i++) {
		struct server_machine *x =
			server_machine_new(srv, server_caps[0].cap, server_caps[0].ecap);
		struct iog_platform plat;
		struct iog_diag d = {0};
		double t0, t1;
		int err;

		if (!x) {
			fprintf(stderr, "bench: no memory for the server\n");
			return 1;
		}
		plat = x->h.plat;
		plat.clock_ns = host_clock_ns;
		t0 = now();
		err = iog_shield_apply(&x->s, &plat, &x->c, &d);
		t1 = now();
		if (err) {
			fprintf(stderr, "bench: apply: %d at offset %llu: %s\n", err,
				(unsigned long long)d.offset, d.reason ? d.reason : "");
			return 1;
		}
		runs[i] = (struct run){(t1 - t0) * 1e3, x->s.times};
		pages = iog_shield_pages(&x->s);
		iog_shield_release(&x->s);
		server_machine_free(x);
	}
	qsort(runs, RUNS, sizeof(runs[0]), by_ms);
	t = &runs[RUNS / 2].t;
	printf("server: %u units over %u segments, %u RMRRs, 2 TiB of RAM (%s)\n", SERVER_UNITS,
	       SERVER_SEGMENTS, SERVER_RMRRS, server_caps[0].name);
	printf("server: apply=%.1f pages=%zu pages/unit=%.1f\n", runs[RUNS / 2].ms, pages,
	       (double)pages / SERVER_UNITS);
	printf("server: probe=%.1f disable=%.1f build=%.1f program=%.1f verify=%.1f live=%.1f\n",
	       ms_between(t->start, t->probed), ms_between(t->probed, t->disabled),
	       ms_between(t->disabled, t->built), ms_between(t->built, t->live),
	       ms_between(t->live, t->verified), ms_between(t->start, t->live));
	free(srv);
	return bench_hostile();
}
