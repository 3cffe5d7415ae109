// SPDX-License-Identifier: BSD-2-Clause
// A C++ program built against the installed ioguard through pkg-config:
// every public header in one translation unit, then the DMAR on the command
// line decoded and its first unit's register base printed.
#include <cstdio>
#include <vector>

#include <ioguard/acpi.h>
#include <ioguard/amdvi.h>
#include <ioguard/dmar.h>
#include <ioguard/dmar_edit.h>
#include <ioguard/error.h>
#include <ioguard/hosted.h>
#include <ioguard/ioguard.h>
#include <ioguard/ivrs.h>
#include <ioguard/ivrs_edit.h>
#include <ioguard/lint.h>
#include <ioguard/pci.h>
#include <ioguard/platform.h>
#include <ioguard/pt.h>
#include <ioguard/shield.h>
#include <ioguard/verify.h>
#include <ioguard/vtd.h>
#include <ioguard/x2apic.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	std::FILE *f = std::fopen(argv[1], "rb");
	if (!f)
		return 2;
	std::vector<unsigned char> buf(1 << 16);
	size_t n = std::fread(buf.data(), 1, buf.size(), f);
	std::fclose(f);

	iog_diag d = {};
	if (iog_dmar_check(buf.data(), n, nullptr, &d) != IOG_OK) {
		std::fprintf(stderr, "%s at 0x%llx\n", d.reason, (unsigned long long)d.offset);
		return 1;
	}
	long off = iog_dmar_first(buf.data(), n, &d);
	iog_dmar_struct s = {};
	if (off < 0 || iog_dmar_struct_get(buf.data(), n, off, &s, &d) != IOG_OK)
		return 1;
	std::printf("ioguard %s (C++): first unit at 0x%llx\n", IOG_VERSION,
		    (unsigned long long)s.address);
	return 0;
}
