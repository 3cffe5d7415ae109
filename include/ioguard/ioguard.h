/* SPDX-License-Identifier: BSD-2-Clause */
/* ioguard: full control of the platform IOMMU for thin hypervisors and loaders. */
#ifndef IOGUARD_IOGUARD_H
#define IOGUARD_IOGUARD_H

#define IOG_VERSION "0.2.0"

#include <ioguard/acpi.h>
#include <ioguard/dmar.h>
#include <ioguard/dmar_edit.h>
#include <ioguard/error.h>
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

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif
