/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * AMD I/O Virtualization Technology (IOMMU) registers, commands, events and
 * device table entries, named as in the AMD IOMMU specification (#48882,
 * chapter 2 for data structures, 3 for registers), so that each line can be
 * checked there.
 */
#ifndef IOG_AMDVI_REGS_H
#define IOG_AMDVI_REGS_H

/* MMIO registers (3.4). */
#define AMDVI_DEV_TAB_BASE 0x0000
#define AMDVI_CMD_BUF_BASE 0x0008
#define AMDVI_EVT_LOG_BASE 0x0010
#define AMDVI_CONTROL 0x0018
#define AMDVI_EXCL_BASE 0x0020
#define AMDVI_EXCL_LIMIT 0x0028
#define AMDVI_EXT_FEATURE 0x0030
#define AMDVI_CMD_BUF_HEAD 0x2000
#define AMDVI_CMD_BUF_TAIL 0x2008
#define AMDVI_EVT_LOG_HEAD 0x2010
#define AMDVI_EVT_LOG_TAIL 0x2018
#define AMDVI_STATUS 0x2020
#define AMDVI_MMIO_SIZE 0x4000u

/* Device Table Base: base 51:12, Size 8:0 = 4 KiB pages - 1. */
#define DEV_TAB_SIZE(pages) ((uint64_t)(pages)-1)
#define ADDR_51_12 0x000ffffffffff000ull
/* Command buffer and event log bases: length 59:56 = log2(entries), at least 8. */
#define BUF_LEN(log2) ((uint64_t)(log2) << 56)
#define HEAD_TAIL_MASK 0x7fff0ull /* byte offsets, 16-byte entries, bits 18:4 */

/* Control (3.4.4). */
#define CTRL_IOMMU_EN (1ull << 0)
#define CTRL_HT_TUN_EN (1ull << 1)
#define CTRL_EVT_LOG_EN (1ull << 2)
#define CTRL_EVT_INT_EN (1ull << 3)
#define CTRL_COM_WAIT_INT_EN (1ull << 4)
#define CTRL_INV_TIMEOUT(v) ((uint64_t)(v) << 5)
#define CTRL_COHERENT (1ull << 10)
#define CTRL_CMD_BUF_EN (1ull << 12)
#define CTRL_PPR_LOG_EN (1ull << 13)
#define CTRL_PPR_INT_EN (1ull << 14)
#define CTRL_PPR_EN (1ull << 15)
#define CTRL_GT_EN (1ull << 16)
#define CTRL_GA_EN (1ull << 17)
/* What the shield turns off, besides IommuEn: logs, interrupts, guest features. */
#define CTRL_FIRMWARE_FEATURES                                                                     \
	(CTRL_EVT_LOG_EN | CTRL_EVT_INT_EN | CTRL_COM_WAIT_INT_EN | CTRL_CMD_BUF_EN |              \
	 CTRL_PPR_LOG_EN | CTRL_PPR_INT_EN | CTRL_PPR_EN | CTRL_GT_EN | CTRL_GA_EN)

/* Status (3.4.14): W1C bits 0-2. */
#define STATUS_EVT_OVERFLOW (1ull << 0)
#define STATUS_EVT_LOG_INT (1ull << 1)
#define STATUS_COM_WAIT_INT (1ull << 2)
#define STATUS_EVT_LOG_RUN (1ull << 3)
#define STATUS_CMD_BUF_RUN (1ull << 4)

/* Extended Feature Register (3.4.5). */
#define EFR_IA_SUP (1ull << 6)			  /* INVALIDATE_IOMMU_ALL */
#define EFR_HATS(e) ((unsigned)(((e) >> 10) & 3)) /* host levels: 0: 4, 1: 5, 2: 6 */

/* Commands (2.4), 128 bits: opcode in bits 63:60 of the first quadword. */
#define CMD_OPCODE(op) ((uint64_t)(op) << 60)
#define CMD_COMPLETION_WAIT 0x1
#define CMD_INV_DEVTAB_ENTRY 0x2
#define CMD_INV_IOMMU_PAGES 0x3
#define CMD_INV_INTERRUPT_TABLE 0x5
#define CMD_INV_IOMMU_ALL 0x8
#define CW_STORE (1ull << 0)
#define CW_ADDR 0x000ffffffffffff8ull /* store address 51:3 */
#define INV_DOMAIN(d) ((uint64_t)(d) << 32)
#define INV_S (1ull << 0)		    /* size: the address encodes a range */
#define INV_PDE (1ull << 1)		    /* page-directory entries too */
#define INV_ALL_PAGES 0x7ffffffffffff000ull /* with S: every address of the domain */

/* Event log entries (2.5), 128 bits: code in bits 63:60 of the first quadword. */
#define EVT_CODE(q0) ((unsigned)((q0) >> 60))
#define EVT_DEVID(q0) ((uint16_t)(q0))
#define EVT_DOMAIN(q0) ((uint16_t)((q0) >> 32))
#define EVT_FLAGS(q0) ((unsigned)(((q0) >> 48) & 0xfff))
#define EVT_ILLEGAL_DEV_TABLE_ENTRY 0x1
#define EVT_IO_PAGE_FAULT 0x2
#define EVT_DEV_TAB_HW_ERROR 0x3
#define EVT_PAGE_TAB_HW_ERROR 0x4
#define EVT_ILLEGAL_COMMAND_ERROR 0x5
#define EVT_COMMAND_HW_ERROR 0x6
#define EVT_IOTLB_INV_TIMEOUT 0x7
#define EVT_INVALID_DEVICE_REQUEST 0x8
/* IO_PAGE_FAULT flags, as EVT_FLAGS numbers them (bits 59:48). */
#define EVT_F_I (1u << 3)  /* interrupt request */
#define EVT_F_PR (1u << 4) /* the page was present */
#define EVT_F_RW (1u << 5) /* 1: write */
#define EVT_F_PE (1u << 6) /* permission error */
#define EVT_F_TR (1u << 8) /* translation request */

/* Device table entry (2.2.2), 256 bits as four quadwords. */
#define DTE_V (1ull << 0)
#define DTE_TV (1ull << 1)
#define DTE_MODE(m) ((uint64_t)(m) << 9)
#define DTE_IR (1ull << 61)
#define DTE_IW (1ull << 62)
#define DTE_DOMAIN(d) ((uint64_t)(d)) /* quadword 1, bits 15:0 */
#define DTE_IV (1ull << 0)	      /* quadword 2 */
#define DTE_SIZE 32u
#define DTES_PER_PAGE (IOG_PAGE_SIZE / DTE_SIZE)

#endif
