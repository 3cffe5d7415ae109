/*
 * One IOMMU described as IVHD 10h and 11h, with every device-entry kind this iasl
 * knows (select, range, all, alias select/range, extended select/range, special
 * IOAPIC/HPET, padding), and IVMD 20h, 21h and 22h. Written by hand. (IVHD 40h and its
 * ACPI HID entries cannot be written here: Debian 12's iasl does not know them.)
 */
[0004]                          Signature : "IVRS"
[0004]                       Table Length : 00000000
[0001]                           Revision : 01
[0001]                           Checksum : 00
[0006]                             Oem ID : "IOGTST"
[0008]                       Oem Table ID : "MULTI   "
[0004]                       Oem Revision : 00000001
[0004]                    Asl Compiler ID : "INTL"
[0004]              Asl Compiler Revision : 20200925
[0004]                Virtualization Info : 00203041
[0008]                           Reserved : 0000000000000000

[0001]                      Subtable Type : 10 [Hardware Definition Block]
[0001]                              Flags : B0
[0002]                             Length : 006C
[0002]                           DeviceId : 0002
[0002]                  Capability Offset : 0040
[0008]                       Base Address : 00000000FD200000
[0002]                  PCI Segment Group : 0000
[0002]                Virtualization Info : 0000
[0004]                  Feature Reporting : 80048F6E

[0001]                         Entry Type : 01
[0002]                          Device ID : 0000
[0001]                       Data Setting : 00

[0001]                         Entry Type : 03
[0002]                          Device ID : 0008
[0001]                       Data Setting : 00

[0001]                         Entry Type : 04
[0002]                          Device ID : 00FE
[0001]                       Data Setting : 00

[0001]                         Entry Type : 02
[0002]                          Device ID : 0010
[0001]                       Data Setting : D7

[0001]                         Entry Type : 00
[0002]                          Device ID : 0000
[0001]                       Data Setting : 00

[0001]                         Entry Type : 42
[0002]                          Device ID : 0200
[0001]                       Data Setting : 00
[0001]                           Reserved : 00
[0002]              Source Used Device ID : 0201
[0001]                           Reserved : 00

[0001]                         Entry Type : 43
[0002]                          Device ID : 0300
[0001]                       Data Setting : 00
[0001]                           Reserved : 00
[0002]              Source Used Device ID : 00A4
[0001]                           Reserved : 00

[0001]                         Entry Type : 04
[0002]                          Device ID : 03FF
[0001]                       Data Setting : 00

[0001]                         Entry Type : 46
[0002]                          Device ID : 0400
[0001]                       Data Setting : 00
[0004]                      Extended Data : 80000000

[0001]                         Entry Type : 47
[0002]                          Device ID : 0500
[0001]                       Data Setting : 00
[0004]                      Extended Data : 00000000

[0001]                         Entry Type : 04
[0002]                          Device ID : 05FF
[0001]                       Data Setting : 00

[0001]                         Entry Type : 48
[0002]                          Device ID : 0000
[0001]                       Data Setting : D7
[0001]                             Handle : 21
[0002]              Source Used Device ID : 00A0
[0001]                            Variety : 01

[0001]                         Entry Type : 48
[0002]                          Device ID : 0000
[0001]                       Data Setting : 00
[0001]                             Handle : 22
[0002]              Source Used Device ID : 0001
[0001]                            Variety : 01

[0001]                         Entry Type : 48
[0002]                          Device ID : 0000
[0001]                       Data Setting : 00
[0001]                             Handle : 00
[0002]              Source Used Device ID : 00A5
[0001]                            Variety : 02

[0001]                      Subtable Type : 11 [Hardware Definition Block]
[0001]                              Flags : B0
[0002]                             Length : 007C
[0002]                           DeviceId : 0002
[0002]                  Capability Offset : 0040
[0008]                       Base Address : 00000000FD200000
[0002]                  PCI Segment Group : 0000
[0002]                Virtualization Info : 0000
[0004]                         Attributes : 00040200
[0008]                          EFR Image : 246577EFA2254AFA
[0008]                           Reserved : 0000000000000000

[0001]                         Entry Type : 01
[0002]                          Device ID : 0000
[0001]                       Data Setting : 00

[0001]                         Entry Type : 03
[0002]                          Device ID : 0008
[0001]                       Data Setting : 00

[0001]                         Entry Type : 04
[0002]                          Device ID : 00FE
[0001]                       Data Setting : 00

[0001]                         Entry Type : 02
[0002]                          Device ID : 0010
[0001]                       Data Setting : D7

[0001]                         Entry Type : 00
[0002]                          Device ID : 0000
[0001]                       Data Setting : 00

[0001]                         Entry Type : 42
[0002]                          Device ID : 0200
[0001]                       Data Setting : 00
[0001]                           Reserved : 00
[0002]              Source Used Device ID : 0201
[0001]                           Reserved : 00

[0001]                         Entry Type : 43
[0002]                          Device ID : 0300
[0001]                       Data Setting : 00
[0001]                           Reserved : 00
[0002]              Source Used Device ID : 00A4
[0001]                           Reserved : 00

[0001]                         Entry Type : 04
[0002]                          Device ID : 03FF
[0001]                       Data Setting : 00

[0001]                         Entry Type : 46
[0002]                          Device ID : 0400
[0001]                       Data Setting : 00
[0004]                      Extended Data : 80000000

[0001]                         Entry Type : 47
[0002]                          Device ID : 0500
[0001]                       Data Setting : 00
[0004]                      Extended Data : 00000000

[0001]                         Entry Type : 04
[0002]                          Device ID : 05FF
[0001]                       Data Setting : 00

[0001]                         Entry Type : 48
[0002]                          Device ID : 0000
[0001]                       Data Setting : D7
[0001]                             Handle : 21
[0002]              Source Used Device ID : 00A0
[0001]                            Variety : 01

[0001]                         Entry Type : 48
[0002]                          Device ID : 0000
[0001]                       Data Setting : 00
[0001]                             Handle : 22
[0002]              Source Used Device ID : 0001
[0001]                            Variety : 01

[0001]                         Entry Type : 48
[0002]                          Device ID : 0000
[0001]                       Data Setting : 00
[0001]                             Handle : 00
[0002]              Source Used Device ID : 00A5
[0001]                            Variety : 02

[0001]                      Subtable Type : 20 [Memory Definition Block]
[0001]                              Flags : 07
[0002]                             Length : 0020
[0002]                           DeviceId : 0000
[0002]                     Auxiliary Data : 0000
[0008]                           Reserved : 0000000000000000
[0008]                      Start Address : 000000009D000000
[0008]                      Memory Length : 0000000000100000

[0001]                      Subtable Type : 21 [Memory Definition Block]
[0001]                              Flags : 0D
[0002]                             Length : 0020
[0002]                           DeviceId : 00A0
[0002]                     Auxiliary Data : 0000
[0008]                           Reserved : 0000000000000000
[0008]                      Start Address : 000000009E000000
[0008]                      Memory Length : 0000000000002000

[0001]                      Subtable Type : 22 [Memory Definition Block]
[0001]                              Flags : 06
[0002]                             Length : 0020
[0002]                           DeviceId : 0300
[0002]                     Auxiliary Data : 03FF
[0008]                           Reserved : 0000000000000000
[0008]                      Start Address : 000000009F000000
[0008]                      Memory Length : 0000000000010000
