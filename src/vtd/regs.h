/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * VT-d remapping-unit registers and table formats, named as in the Intel
 * VT-d specification 3.x/4.x (chapter 11 for registers, 9 for tables, 6.5
 * for invalidation descriptors), so that each line can be checked there.
 */
#ifndef IOG_VTD_REGS_H
#define IOG_VTD_REGS_H

/* Register offsets (11.4). */
#define VTD_VER_REG 0x00
#define VTD_CAP_REG 0x08
#define VTD_ECAP_REG 0x10
#define VTD_GCMD_REG 0x18
#define VTD_GSTS_REG 0x1c
#define VTD_RTADDR_REG 0x20
#define VTD_CCMD_REG 0x28
#define VTD_FSTS_REG 0x34
#define VTD_FECTL_REG 0x38
#define VTD_FEDATA_REG 0x3c
#define VTD_FEADDR_REG 0x40
#define VTD_FEUADDR_REG 0x44
#define VTD_PMEN_REG 0x64
#define VTD_PLMBASE_REG 0x68
#define VTD_PLMLIMIT_REG 0x6c
#define VTD_PHMBASE_REG 0x70
#define VTD_PHMLIMIT_REG 0x78
#define VTD_IQH_REG 0x80
#define VTD_IQT_REG 0x88
#define VTD_IQA_REG 0x90
#define VTD_ICS_REG 0x9c
#define VTD_IRTA_REG 0xb8
/* At ECAP.IRO * 16: */
#define VTD_IVA_OFF 0x00
#define VTD_IOTLB_OFF 0x08

/* Capability register (11.4.2). */
#define CAP_ND(c) ((unsigned)((c)&7))
#define CAP_RWBF (1ull << 4)
#define CAP_PLMR (1ull << 5)
#define CAP_PHMR (1ull << 6)
#define CAP_CM (1ull << 7)
#define CAP_SAGAW(c) ((unsigned)(((c) >> 8) & 0x1f))
#define CAP_MGAW(c) ((unsigned)(((c) >> 16) & 0x3f)) /* width - 1 */
#define CAP_FRO(c) ((unsigned)(((c) >> 24) & 0x3ff)) /* in 16-byte units */
#define CAP_SLLPS(c) ((unsigned)(((c) >> 34) & 0xf))
#define CAP_PSI (1ull << 39)
#define CAP_NFR(c) ((unsigned)(((c) >> 40) & 0xff)) /* count - 1 */
#define CAP_MAMV(c) ((unsigned)(((c) >> 48) & 0x3f))
#define CAP_DWD (1ull << 54) /* write draining */
#define CAP_DRD (1ull << 55) /* read draining */

/* Extended capability register (11.4.3). */
#define ECAP_C (1ull << 0)
#define ECAP_QI (1ull << 1)
#define ECAP_IR (1ull << 3)
#define ECAP_PT (1ull << 6)
#define ECAP_IRO(e) ((unsigned)(((e) >> 8) & 0x3ff)) /* in 16-byte units */

/* Global command and status (11.4.4, 11.4.5). */
#define GCMD_TE (1u << 31)
#define GCMD_SRTP (1u << 30)
#define GCMD_SFL (1u << 29)
#define GCMD_EAFL (1u << 28)
#define GCMD_WBF (1u << 27)
#define GCMD_QIE (1u << 26)
#define GCMD_IRE (1u << 25)
#define GCMD_SIRTP (1u << 24)
#define GCMD_CFI (1u << 23)
#define GSTS_TES (1u << 31)
#define GSTS_RTPS (1u << 30)
#define GSTS_FLS (1u << 29)
#define GSTS_AFLS (1u << 28)
#define GSTS_WBFS (1u << 27)
#define GSTS_QIES (1u << 26)
#define GSTS_IRES (1u << 25)
#define GSTS_IRTPS (1u << 24)
#define GSTS_CFIS (1u << 23)
/*
 * Commands that stay in force (an enable) until written again, each reported
 * by the GSTS bit at its own position; the others (SRTP, SFL, WBF, SIRTP) are
 * one-shot and must never be repeated by a later write.
 */
#define GCMD_PERSISTENT (GCMD_TE | GCMD_EAFL | GCMD_QIE | GCMD_IRE | GCMD_CFI)
#define GSTS_PERSISTENT (GSTS_TES | GSTS_AFLS | GSTS_QIES | GSTS_IRES | GSTS_CFIS)

/* Context command (11.4.7). */
#define CCMD_ICC (1ull << 63)
#define CCMD_CIRG_GLOBAL (1ull << 61)
#define CCMD_CIRG_DOMAIN (2ull << 61)
#define CCMD_CIRG_DEVICE (3ull << 61)
#define CCMD_CAIG(v) ((unsigned)(((v) >> 59) & 3))
#define CCMD_SID(s) ((uint64_t)(s) << 16)
#define CCMD_DID(d) ((uint64_t)(d))

/* IOTLB invalidate and invalidate address (11.4.8). */
#define IOTLB_IVT (1ull << 63)
#define IOTLB_IIRG_GLOBAL (1ull << 60)
#define IOTLB_IIRG_DOMAIN (2ull << 60)
#define IOTLB_IIRG_PAGE (3ull << 60)
#define IOTLB_IAIG(v) ((unsigned)(((v) >> 57) & 3))
#define IOTLB_DR (1ull << 49)
#define IOTLB_DW (1ull << 48)
#define IOTLB_DID(d) ((uint64_t)(d) << 32)
#define IVA_IH (1ull << 6)

/* Fault status and recording (11.4.9). */
#define FSTS_PFO (1u << 0)
#define FSTS_PPF (1u << 1)
#define FSTS_IQE (1u << 4)
#define FSTS_ICE (1u << 5)
#define FSTS_ITE (1u << 6)
#define FSTS_FRI(v) (((v) >> 8) & 0xff)
#define FECTL_IM (1u << 31) /* interrupt mask; IP (30) is read-only, 29:0 RsvdP */
#define FECTL_IP (1u << 30)
#define FRCD_HI_F (1ull << 63)
#define FRCD_HI_T (1ull << 62) /* 1: read request, 0: write */
#define FRCD_HI_FR(v) ((unsigned)(((v) >> 32) & 0xff))
#define FRCD_HI_SID(v) ((uint16_t)((v)&0xffff))

/* Protected memory enable (11.4.13). */
#define PMEN_EPM (1u << 31)
#define PMEN_PRS (1u << 0)

/* Invalidation queue (11.4.10, 6.5.2). */
#define IQA_ADDR 0xfffffffffffff000ull
#define IQA_DW (1ull << 11)
#define IQ_INDEX_SHIFT 4 /* IQH/IQT hold the 128-bit descriptor index at bit 4 */
#define IQ_ENTRIES 256u	 /* one 4 KiB page of 128-bit descriptors (QS = 0) */
#define ICS_IWC (1u << 0)

#define QI_CC_TYPE 0x1ull
#define QI_IOTLB_TYPE 0x2ull
#define QI_IEC_TYPE 0x4ull
#define QI_WAIT_TYPE 0x5ull
#define QI_G_GLOBAL (1ull << 4)
#define QI_G_DOMAIN (2ull << 4)
#define QI_G_DEVICE (3ull << 4) /* context cache: device; IOTLB: page */
#define QI_G_PAGE (3ull << 4)
#define QI_DID(d) ((uint64_t)(d) << 16)
#define QI_CC_SID(s) ((uint64_t)(s) << 32)
#define QI_IOTLB_DR (1ull << 7)
#define QI_IOTLB_DW (1ull << 6)
#define QI_IOTLB_IH (1ull << 6) /* in the address qword */
#define QI_WAIT_SW (1ull << 5)
#define QI_WAIT_FN (1ull << 6)
#define QI_WAIT_DATA(v) ((uint64_t)(v) << 32)

/* Interrupt remapping table address (11.4.12) and entries (9.10). */
#define IRTA_ADDR 0xfffffffffffff000ull
#define IRTA_S(v) ((unsigned)((v)&0xf)) /* 2^(S+1) entries */
#define IRTE_P (1ull << 0)

/* Root and context entries, legacy mode (9.1, 9.3). */
#define ROOT_P (1ull << 0)
#define CTX_LO_P (1ull << 0)
#define CTX_LO_FPD (1ull << 1)
#define CTX_LO_TT_PT (2ull << 2)
#define CTX_HI_AW(aw) ((uint64_t)(aw))
#define CTX_HI_DID(d) ((uint64_t)(d) << 8)
#define TABLE_ADDR 0x000ffffffffff000ull

#endif
