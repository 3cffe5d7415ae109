/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * /init of the initramfs for `ioguard plan` inside Linux on QEMU's VT-d or
 * AMD IOMMU, with no shield underneath: the guest sees the firmware's DMAR
 * or IVRS, and /ioguard (the tool, linked statically) reads it live.
 *
 * It mounts proc, sysfs and devtmpfs, then runs
 *
 *   /ioguard plan --json --save /save ARGS...   between PLAN-JSON-BEGIN and PLAN-JSON-END <status>
 *   /ioguard plan                               between PLAN-TEXT-BEGIN and PLAN-TEXT-END <status>
 *
 * where ARGS are this program's arguments (the kernel command line after
 * "--"), prints every file of /save as "PLAN-FILE <path> <size>" followed by
 * its bytes in hex, 64 to a line, then "PLAN-DONE", and powers off. The
 * host rebuilds /save from the console (tests/plan/guest.sh) and replays it
 * with --root.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SAVE "/save"
#define MAX_ARGS 32

static int run(char **argv)
{
	pid_t pid;
	int status = 0;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		fprintf(stderr, "plan-init: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void dump_file(const char *path)
{
	unsigned char buf[64];
	struct stat st;
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f || fstat(fileno(f), &st)) {
		printf("PLAN-FILE-ERROR %s %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return;
	}
	printf("PLAN-FILE %s %lld\n", path + strlen(SAVE) + 1, (long long)st.st_size);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		for (size_t i = 0; i < n; i++)
			printf("%02x", buf[i]);
		putchar('\n');
	}
	fclose(f);
}

static void dump_dir(const char *dir)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		char path[1024];
		struct stat st;

		if (names[i]->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (!lstat(path, &st) && S_ISDIR(st.st_mode))
				dump_dir(path);
			else if (S_ISREG(st.st_mode))
				dump_file(path);
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

int main(int argc, char **argv)
{
	char *args[MAX_ARGS + 8];
	int n = 0, status;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	args[n++] = "/ioguard";
	args[n++] = "plan";
	args[n++] = "--json";
	args[n++] = "--save";
	args[n++] = SAVE;
	for (int i = 1; i < argc && i <= MAX_ARGS; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	printf("PLAN-JSON-BEGIN\n");
	status = run(args);
	printf("PLAN-JSON-END %d\n", status);

	/* For a person, as `sudo ioguard plan` on this machine: no option at all. */
	args[2] = NULL;
	printf("PLAN-TEXT-BEGIN\n");
	status = run(args);
	printf("PLAN-TEXT-END %d\n", status);

	dump_dir(SAVE);
	printf("PLAN-DONE\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}
