/*
 * The IVRS that QEMU's q35 machine builds with -device amd-iommu (QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)),
 * taken from guest memory by scripts/qemu-tables.sh and decoded by iasl -d.
 */
/*
 * Intel ACPI Component Architecture
 * AML/ASL+ Disassembler version 20200925 (64-bit version)
 * Copyright (c) 2000 - 2020 Intel Corporation
 * 
 * Disassembly of qemu-q35-ivrs.dat, Wed Nov 25 00:30:20 2026
 *
 * ACPI Data Table [IVRS]
 *
 * Format: [HexOffset DecimalOffset ByteLength]  FieldName : FieldValue
 */

[000h 0000   4]                    Signature : "IVRS"    [I/O Virtualization Reporting Structure]
[004h 0004   4]                 Table Length : 00000064
[008h 0008   1]                     Revision : 01
[009h 0009   1]                     Checksum : 65
[00Ah 0010   6]                       Oem ID : "BOCHS "
[010h 0016   8]                 Oem Table ID : "BXPC    "
[018h 0024   4]                 Oem Revision : 00000001
[01Ch 0028   4]              Asl Compiler ID : "BXPC"
[020h 0032   4]        Asl Compiler Revision : 00000001

[024h 0036   4]          Virtualization Info : 00002800
[028h 0040   8]                     Reserved : 0000000000000000

[030h 0048   1]                Subtable Type : 10 [Hardware Definition Block]
[031h 0049   1]                        Flags : D1
[032h 0050   2]                       Length : 0034
[034h 0052   2]                     DeviceId : 0008

[036h 0054   2]            Capability Offset : 0040
[038h 0056   8]                 Base Address : 00000000FED80000
[040h 0064   2]            PCI Segment Group : 0000
[042h 0066   2]          Virtualization Info : 0000
[044h 0068   4]            Feature Reporting : 00000044

[048h 0072   1]                   Entry Type : 02
[049h 0073   2]                    Device ID : 0000
[04Bh 0075   1]                 Data Setting : 00

[04Ch 0076   1]                   Entry Type : 02
[04Dh 0077   2]                    Device ID : 0008
[04Fh 0079   1]                 Data Setting : 00

[050h 0080   1]                   Entry Type : 02
[051h 0081   2]                    Device ID : 00F8
[053h 0083   1]                 Data Setting : 00

[054h 0084   1]                   Entry Type : 02
[055h 0085   2]                    Device ID : 00FA
[057h 0087   1]                 Data Setting : 00

[058h 0088   1]                   Entry Type : 02
[059h 0089   2]                    Device ID : 00FB
[05Bh 0091   1]                 Data Setting : 00

[05Ch 0092   1]                   Entry Type : 48
[05Dh 0093   2]                    Device ID : 0000
[05Fh 0095   1]                 Data Setting : 00
[060h 0096   1]                       Handle : 00
[061h 0097   2]        Source Used Device ID : 00A0
[063h 0099   1]                      Variety : 01

Raw Table Data: Length 100 (0x64)

    0000: 49 56 52 53 64 00 00 00 01 65 42 4F 43 48 53 20  // IVRSd....eBOCHS 
    0010: 42 58 50 43 20 20 20 20 01 00 00 00 42 58 50 43  // BXPC    ....BXPC
    0020: 01 00 00 00 00 28 00 00 00 00 00 00 00 00 00 00  // .....(..........
    0030: 10 D1 34 00 08 00 40 00 00 00 D8 FE 00 00 00 00  // ..4...@.........
    0040: 00 00 00 00 44 00 00 00 02 00 00 00 02 08 00 00  // ....D...........
    0050: 02 F8 00 00 02 FA 00 00 02 FB 00 00 48 00 00 00  // ............H...
    0060: 00 A0 00 01                                      // ....
