# SPDX-License-Identifier: BSD-2-Clause
# ioguard: one non-recursive Makefile. `make` builds the library, the tool and
# the tests; `make test` runs everything; `make run` shows the tool at work.

CC ?= cc
CLANG ?= clang
AR ?= ar
PYTHON ?= python3
IASL ?= iasl
BUILD ?= build
SHARED ?= ../shared
PREFIX ?= /usr/local
DESTDIR ?=
VERSION := $(shell sed -n 's/^#define IOG_VERSION "\(.*\)"/\1/p' include/ioguard/ioguard.h)
FUZZ_SECONDS ?= 600
FUZZ_SHORT_RUNS ?= 200000

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wpointer-arith -Wvla
BASE_CFLAGS := -std=c11 $(WARN) -Iinclude -Isrc -I.
CFLAGS ?= -O2 -g
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# The freestanding core and the hosted platform.
CORE_SRC := $(sort $(wildcard src/*/*.c))
HOSTED_SRC := $(sort $(wildcard platform/hosted/*.c))
LIB_SRC := $(CORE_SRC) $(HOSTED_SRC)
TOOL_SRC := $(sort $(wildcard tools/*.c))
# The software VT-d model: host tests only, never part of the library.
MODEL_SRC := $(sort $(wildcard model/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_HELPER_SRC := $(filter-out $(UNIT_SRC),$(sort $(wildcard tests/unit/*.c)))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))
ASL := $(sort $(wildcard tests/tables/*.asl))

# The tool's bundled examples: QEMU's own tables, compiled from the fixtures.
EXAMPLE_AML := $(BUILD)/tables/qemu-q35-dmar.aml $(BUILD)/tables/qemu-q35-ivrs.aml
EXAMPLE_C := $(BUILD)/gen/example.c

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
TOOL_OBJ := $(TOOL_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/example.o
SAN_LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/san/%.o)
SAN_TOOL_OBJ := $(TOOL_SRC:%.c=$(BUILD)/san/%.o) $(BUILD)/san/gen/example.o
UNIT_HELPER_OBJ := $(UNIT_HELPER_SRC:%.c=$(BUILD)/san/%.o) $(MODEL_SRC:%.c=$(BUILD)/san/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/san/tests/%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
TABLES := $(ASL:tests/tables/%.asl=$(BUILD)/tables/%.aml)

# The shield kernel's sources and flags (rules further down).
KERNEL_SRC := $(CORE_SRC) $(sort $(wildcard platform/x86/*.c)) $(sort $(wildcard boot/*.c))
KERNEL_ASM := $(sort $(wildcard boot/*.S))
KERNEL_OBJ := $(KERNEL_SRC:%.c=$(BUILD)/boot/obj/%.o) $(KERNEL_ASM:%.S=$(BUILD)/boot/obj/%.o)
KERNEL_CFLAGS := -std=c11 -ffreestanding -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
	-mcmodel=small -fno-stack-protector -fno-asynchronous-unwind-tables -nostdlib -O2 -g \
	$(WARN) -Iinclude -Isrc -I.
KERNEL_LDFLAGS := -T boot/link.ld -nostdlib -z max-page-size=0x1000
KERNEL := $(BUILD)/boot/shield.elf
KERNEL_LD ?= ld
OBJCOPY ?= objcopy

LIB := $(BUILD)/libioguard.a
SAN_LIB := $(BUILD)/san/libioguard.a
TOOL := $(BUILD)/ioguard
SAN_TOOL := $(BUILD)/san/ioguard
DEPS_STAMP := $(BUILD)/.deps-ok

.PHONY: all deps lib tool tables tests test unit real-dmar bench cli docs-check install-check format-check xcheck fuzz fuzz-short \
	freestanding-check clang-check run install uninstall clean format

all: lib tool tables tests $(BENCH_BIN) $(KERNEL)

# Installs (as root) or names (otherwise) the Debian packages needed.
deps: $(DEPS_STAMP)
$(DEPS_STAMP): scripts/deps.sh
	@scripts/deps.sh
	@mkdir -p $(@D) && touch $@

lib: $(LIB)
tool: $(TOOL)
tables: $(TABLES)
tests: $(UNIT_BIN) $(SAN_TOOL)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_FLAGS) -MMD -MP -c $< -o $@

$(EXAMPLE_C): $(EXAMPLE_AML) scripts/embed.sh
	@mkdir -p $(@D)
	scripts/embed.sh $@ $(EXAMPLE_AML)

$(BUILD)/obj/gen/example.o: $(EXAMPLE_C)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -Itools $(CFLAGS) -c $< -o $@

$(BUILD)/san/gen/example.o: $(EXAMPLE_C)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -Itools $(SAN_FLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(SAN_LIB): $(SAN_LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(TOOL): $(TOOL_OBJ) $(LIB)
	$(CC) $(CFLAGS) -o $@ $(TOOL_OBJ) $(LIB)

$(SAN_TOOL): $(SAN_TOOL_OBJ) $(SAN_LIB)
	$(CC) $(SAN_FLAGS) -o $@ $(SAN_TOOL_OBJ) $(SAN_LIB)

$(BUILD)/san/tests/%: tests/unit/%.c $(UNIT_HELPER_OBJ) $(SAN_LIB) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -Itests/unit $(SAN_FLAGS) -o $@ $< $(UNIT_HELPER_OBJ) $(SAN_LIB) -lcmocka

# ASL fixtures, compiled by ACPICA's iasl.
$(BUILD)/tables/%.aml: tests/tables/%.asl | $(DEPS_STAMP)
	@mkdir -p $(@D)
	@$(IASL) -vs -p $(basename $@) $< > $(basename $@).log 2>&1 || { cat $(basename $@).log; exit 1; }

# Everything the README promises, from a fresh machine.
test: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory real-dmar
	@$(MAKE) --no-print-directory cli
	@$(MAKE) --no-print-directory docs-check
	@$(MAKE) --no-print-directory xcheck
	@$(MAKE) --no-print-directory e2e
	@$(MAKE) --no-print-directory fuzz-short
	@$(MAKE) --no-print-directory freestanding-check
	@$(MAKE) --no-print-directory clang-check
	@$(MAKE) --no-print-directory format-check
	@$(MAKE) --no-print-directory install-check
	@echo "make test: all passed"

unit: $(UNIT_BIN) $(TABLES)
	@IOG_TABLES=$(BUILD)/tables IOG_SHARED=$(SHARED) IOG_TOOL=$(SAN_TOOL) \
		sh tests/run-unit.sh $(UNIT_BIN)

# The shield on every real DMAR with every source-id checked in every topology and
# capability set: an optimised build, as the sanitized unit run samples the
# source-ids of the catch-all units to stay quick.
REAL_FULL := $(BUILD)/opt/test_shield_real
$(REAL_FULL): tests/unit/test_shield_real.c $(UNIT_HELPER_SRC) $(MODEL_SRC) $(LIB_SRC) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -Itests/unit -O2 -g -o $@ $(filter %.c,$^) -lcmocka

real-dmar: $(REAL_FULL)
	@IOG_SHARED=$(SHARED) IOG_REAL_FULL=1 $(REAL_FULL)

# The tool's exit codes, partial decoding, JSON and fallback (sanitized build).
cli: $(SAN_TOOL) $(TABLES)
	@sh tests/cli.sh $(SAN_TOOL) $(BUILD)/tables $(SHARED)/tables $(BUILD)/cli

# Every lint id documented in ioguard(1); no placeholder left in the docs.
docs-check:
	@mkdir -p $(BUILD)
	@sh tests/docs-check.sh $(BUILD)

# Every field of `ioguard dump --json` against ACPICA's `iasl -d`.
xcheck: $(SAN_TOOL) $(TABLES)
	@$(PYTHON) tests/xcheck/xcheck.py --tool $(SAN_TOOL) --iasl $(IASL) \
		--tables $(BUILD)/tables --shared $(SHARED)/tables --work $(BUILD)/xcheck

# libFuzzer targets (clang).
FUZZ_FLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
$(BUILD)/fuzz/%: tests/fuzz/%.c $(CORE_SRC) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(BASE_CFLAGS) $(FUZZ_FLAGS) -o $@ $< $(CORE_SRC)

# The shield's fuzzer runs the whole policy on software units: the model, the hosted platform
# and the machine (tests/unit/hostile.c) too. The checkers (verifier, model, machine) are
# sanitized but not instrumented for coverage: their loops over every source-id would
# otherwise take most of the time, and what the fuzzer steers is the shield and the parsers.
FUZZ_SHIELD_SHORT_RUNS ?= 20000
SHIELD_FUZZ_CHECKERS := src/verify/verify.c $(MODEL_SRC) $(HOSTED_SRC) tests/unit/hostile.c \
	tests/unit/server.c
SHIELD_FUZZ_OBJ := $(SHIELD_FUZZ_CHECKERS:%.c=$(BUILD)/fuzz/obj/%.o)
$(BUILD)/fuzz/obj/%.o: %.c | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(BASE_CFLAGS) -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
		-MMD -MP -c $< -o $@
$(BUILD)/fuzz/fuzz_shield: tests/fuzz/fuzz_shield.c $(filter-out $(SHIELD_FUZZ_CHECKERS),$(CORE_SRC)) \
		$(SHIELD_FUZZ_OBJ) | $(DEPS_STAMP)
	@mkdir -p $(@D)
	$(CLANG) $(BASE_CFLAGS) $(FUZZ_FLAGS) -o $@ $< \
		$(filter-out $(SHIELD_FUZZ_CHECKERS),$(CORE_SRC)) $(SHIELD_FUZZ_OBJ)

fuzz-short: $(FUZZ_BIN) $(TABLES)
	@FUZZ_SHIELD_RUNS=$(FUZZ_SHIELD_SHORT_RUNS) sh tests/fuzz/run.sh short $(FUZZ_SHORT_RUNS) $(BUILD) $(SHARED)/tables $(FUZZ_BIN)

fuzz: $(FUZZ_BIN) $(TABLES)
	@sh tests/fuzz/run.sh long $(FUZZ_SECONDS) $(BUILD) $(SHARED)/tables $(FUZZ_BIN)

# The core alone, as a bare-metal x86_64 kernel would build it: nothing may
# be left undefined (the platform hooks are reached through a struct).
FREESTANDING_FLAGS := -std=c11 $(WARN) -Iinclude -Isrc -O2 -ffreestanding -nostdlib \
	-mno-red-zone -mno-sse -mno-mmx -mno-80387 -fno-stack-protector -fno-pic -m64 \
	-mcmodel=kernel -fno-builtin
freestanding-check:
	@rm -rf $(BUILD)/freestanding && mkdir -p $(BUILD)/freestanding
	@for f in $(CORE_SRC); do \
		o=$(BUILD)/freestanding/$$(echo $$f | tr / _).o; \
		$(CC) $(FREESTANDING_FLAGS) -c $$f -o $$o || exit 1; \
	done
	@ld -r -o $(BUILD)/freestanding/core.o $(BUILD)/freestanding/*_*.o
	@undef=$$(nm -u $(BUILD)/freestanding/core.o); \
	if [ -n "$$undef" ]; then echo "freestanding-check: undefined symbols:"; echo "$$undef"; exit 1; fi
	@echo "freestanding-check: $(words $(CORE_SRC)) files, no undefined symbols"

# The same sources must build warning-free with clang too.
clang-check: $(DEPS_STAMP)
	@for f in $(LIB_SRC) $(TOOL_SRC) $(MODEL_SRC) $(UNIT_SRC) $(UNIT_HELPER_SRC) $(FUZZ_SRC) $(BENCH_SRC); do \
		$(CLANG) $(BASE_CFLAGS) -Itests/unit -fsyntax-only $$f || exit 1; \
	done
	@for f in $(CORE_SRC); do \
		$(CLANG) $(FREESTANDING_FLAGS) -fsyntax-only $$f || exit 1; \
	done
	@for f in $(filter-out $(CORE_SRC),$(KERNEL_SRC)); do \
		$(CLANG) $(KERNEL_CFLAGS) -fsyntax-only $$f || exit 1; \
	done
	@echo "clang-check: $(words $(LIB_SRC) $(TOOL_SRC) $(MODEL_SRC) $(UNIT_SRC) $(UNIT_HELPER_SRC) $(FUZZ_SRC) $(BENCH_SRC) $(filter-out $(CORE_SRC),$(KERNEL_SRC))) files clean"

# Benchmarks: figures, never pass/fail. The last line is the one to track.
$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -O2 -g -o $@ $< $(LIB)

# The shield's bench drives the software model on the server the unit tests build.
$(BUILD)/bench/bench_shield: bench/bench_shield.c tests/unit/server.c tests/unit/hostile.c $(MODEL_SRC) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -O2 -g -o $@ $(filter %.c,$^) $(LIB)

bench: $(BENCH_BIN)
	@for b in $(BENCH_BIN); do $$b || exit 1; done

# The shield kernel under QEMU: firmware leaves VT-d and interrupt remapping
# on, then the shield disables, conceals, protects, and checks with real DMA.
# IOMMU=amd: the same on QEMU's AMD IOMMU, which firmware leaves on.
# GUEST=linux: then Debian's Linux boots on top and checks from inside (on
# AMD, Debian's generic kernel: the cloud one has no AMD IOMMU driver).
# SHIELD_ARGS: more options for the kernel (e.g. conceal=zap).
IOMMU ?= intel
run: $(KERNEL) $(DEPS_STAMP) $(if $(filter linux,$(GUEST)),guest $(if $(filter amd,$(IOMMU)),linux-generic,linux))
ifeq ($(IOMMU)-$(GUEST),amd-linux)
	@IOMMU=amd IOMMU_OPTS=intremap=on APPEND="linux=on $(SHIELD_ARGS)" \
		sh scripts/run-qemu.sh $(KERNEL) -device edu -device edu \
		-initrd "$(BUILD)/linux-generic/vmlinuz,$(GUEST_INITRAMFS)"
else ifeq ($(IOMMU),amd)
	@IOMMU=amd IOMMU_OPTS=intremap=on APPEND="firmware=on $(SHIELD_ARGS)" \
		sh scripts/run-qemu.sh $(KERNEL) -device edu -device edu
else ifeq ($(GUEST),linux)
	@APPEND="linux=on $(SHIELD_ARGS)" sh scripts/run-qemu.sh $(KERNEL) -device edu -device edu \
		-initrd "$(BUILD)/linux/vmlinuz,$(GUEST_INITRAMFS)"
else
	@IOMMU_OPTS=intremap=on APPEND="firmware=on intremap=on $(SHIELD_ARGS)" \
		sh scripts/run-qemu.sh $(KERNEL) -device edu -device edu
endif

install: $(LIB) $(TOOL)
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/ioguard \
		$(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/share/man/man1
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/ioguard/*.h $(DESTDIR)$(PREFIX)/include/ioguard/
	install -m 755 $(TOOL) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 docs/ioguard.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' ioguard.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/ioguard.pc

# `make install` into a scratch prefix, a program built through pkg-config, `make uninstall`.
install-check: $(LIB) $(TOOL) $(TABLES)
	@rm -rf $(BUILD)/stage
	@$(MAKE) --no-print-directory -s install PREFIX=$(abspath $(BUILD))/stage >/dev/null
	@PKG_CONFIG_PATH=$(BUILD)/stage/lib/pkgconfig; export PKG_CONFIG_PATH; \
	$(CC) -std=c11 -Wall -Wextra -Werror tests/install/consumer.c \
		$$(pkg-config --cflags --libs ioguard) -o $(BUILD)/stage/consumer
	@$(BUILD)/stage/consumer $(BUILD)/tables/qemu-q35-dmar.aml | grep -qx 'ioguard $(VERSION): first unit at 0xfed90000'
	@$(BUILD)/stage/bin/ioguard --version | grep -qx 'ioguard $(VERSION)'
	@$(MAKE) --no-print-directory -s uninstall PREFIX=$(abspath $(BUILD))/stage >/dev/null
	@left=$$(find $(BUILD)/stage -type f ! -name consumer); \
	if [ -n "$$left" ]; then echo "install-check: uninstall left $$left"; exit 1; fi
	@echo "install-check: installed, built a pkg-config consumer, uninstalled cleanly"

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libioguard.a $(DESTDIR)$(PREFIX)/bin/ioguard \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig/ioguard.pc $(DESTDIR)$(PREFIX)/share/man/man1/ioguard.1
	rm -rf $(DESTDIR)$(PREFIX)/include/ioguard

# The shield kernel (boot/): the core, platform/x86 and boot/ built as one
# freestanding x86_64 image, identity-mapped and loaded at 1 MiB by a
# multiboot loader. QEMU's -kernel takes 32-bit ELF only, hence the copy.

.PHONY: kernel e2e dump
kernel: $(KERNEL)

$(BUILD)/boot/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/boot/obj/%.o: %.S
	@mkdir -p $(@D)
	$(CC) $(KERNEL_CFLAGS) -MMD -MP -c $< -o $@

$(KERNEL:.elf=.elf64): $(KERNEL_OBJ) boot/link.ld
	$(KERNEL_LD) $(KERNEL_LDFLAGS) -o $@ $(filter %.o,$^)

$(BUILD)/boot/%.elf: $(BUILD)/boot/%.elf64
	$(OBJCOPY) -O elf32-i386 $< $@

# The self-test under QEMU in every configuration it must pass, then with an
# unmodified Linux guest on top.
e2e: $(KERNEL) $(DEPS_STAMP) guest linux linux-generic
	@sh tests/e2e/matrix.sh $(KERNEL) $(BUILD)/e2e $(BUILD)/linux/vmlinuz $(GUEST_INITRAMFS) \
		$(BUILD)/linux-generic/vmlinuz

# The tool on the machine's own DMAR/IVRS, or the bundled example.
dump: $(TOOL)
	@$(TOOL) dump

# The guest side: Debian's cloud kernel and, for the AMD guest, its generic
# kernel (both fetched, never installed), and an initramfs whose /init checks
# from inside Linux what the shield hides and blocks
# (tests/guest/ioguard-check.c).
.PHONY: guest linux linux-generic
GUEST ?=
SHIELD_ARGS ?=
GUEST_CHECK := $(BUILD)/guest/ioguard-check
GUEST_INITRAMFS := $(BUILD)/guest/initramfs.cpio

guest: $(GUEST_CHECK) $(GUEST_INITRAMFS)

$(GUEST_CHECK): tests/guest/ioguard-check.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -static -O2 $(WARN) -o $@ $<

$(GUEST_INITRAMFS): $(GUEST_CHECK) scripts/mkinitramfs.py
	$(PYTHON) scripts/mkinitramfs.py $@ $(GUEST_CHECK)

linux:
	@sh scripts/fetch-linux.sh $(BUILD)/linux

linux-generic:
	@sh scripts/fetch-linux.sh $(BUILD)/linux-generic linux-image-amd64

FORMAT_FILES = $(CORE_SRC) $(wildcard src/*/*.h) $(HOSTED_SRC) $(MODEL_SRC) $(wildcard model/*.h) $(TOOL_SRC) $(wildcard tools/*.h) \
	$(UNIT_SRC) tests/unit/testlib.c tests/unit/testlib.h tests/unit/server.c tests/unit/server.h \
	tests/unit/hostile.c tests/unit/hostile.h $(FUZZ_SRC) $(BENCH_SRC) tests/install/consumer.c \
	include/ioguard/*.h $(wildcard boot/*.c boot/*.h platform/x86/*.c platform/x86/*.h)
FORMAT_FILES += tests/guest/ioguard-check.c

format:
	clang-format -i $(FORMAT_FILES)

# The code follows .clang-format (clang-format 14, as Debian 12 ships it).
format-check: $(DEPS_STAMP)
	@clang-format --dry-run --Werror $(FORMAT_FILES)
	@echo "format-check: $(words $(FORMAT_FILES)) files follow .clang-format"

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
