# orch — see README.md.  Targets: all check install clean asan demo bench deps style
# V=1 shows the full commands.
PREFIX  ?= /usr/local
DESTDIR ?=
PKG_CONFIG ?= pkg-config
CC      ?= cc
BUILD   ?= build

DEPS    := sqlite3 libcurl libcjson yaml-0.1 libpq
CFLAGS  ?= -O2 -g
# pkg-config runs once, when a rule first needs it: after scripts/check-deps.sh,
# so a machine without the -dev packages gets one line, not a wall of errors
lazy = $(eval $(1) := $$(shell $(2)))$($(1))
DEP_CFLAGS   = $(call lazy,DEP_CFLAGS,$(PKG_CONFIG) --cflags $(DEPS))
# libcurl and libpq are not linked: lib/curlload.c dlopen()s libcurl when orch first talks HTTP, and
# lib/pqload.c libpq when the store is PostgreSQL (a tick that
# makes no request pays neither its start-up nor its memory); -ldl for glibc before 2.34
LDLIBS       = $(call lazy,LDLIBS,$(PKG_CONFIG) --libs $(filter-out libcurl libpq,$(DEPS))) -ldl -Wl,--as-needed
CHECK_CFLAGS = $(call lazy,CHECK_CFLAGS,$(PKG_CONFIG) --cflags check)
CHECK_LIBS   = $(call lazy,CHECK_LIBS,$(PKG_CONFIG) --libs check)
# the flags orch needs whatever CFLAGS the caller passes (make asan passes its own);
# -MMD -MP: each object's header dependencies in a .d file next to it
ALL_CFLAGS = $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation \
           -D_GNU_SOURCE -MMD -MP $(DEP_CFLAGS)
# V=1: the commands themselves instead of one short line each
Q   = $(if $(filter 1,$(V)),,@)
SAY = $(if $(filter 1,$(V)),@true,@echo)

LIB_SRC := $(sort $(wildcard lib/*.c))
LIB_OBJ := $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
CMDS    := orch orch-advance orch-brief orch-deploy orch-doctor orch-fix orch-issue orch-poll orch-reconcile orch-scan orch-status orch-work
BINS    := $(CMDS:%=$(BUILD)/bin/%)
CMD_OBJ := $(CMDS:%=$(BUILD)/cmd/%.o)
.SECONDARY: $(CMD_OBJ)
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJ := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%.o)

.PHONY: layers all check check-pg unit integration banned install clean asan valgrind demo bench soak soak-hosts deps style coverage coverage-report
all: $(BUILD)/liborch.a $(BINS)

# The build dependencies, checked (and installed when allowed) before anything
# compiles: a stamp, so it runs once per build tree; `make deps` checks again.
$(BUILD)/.deps-ok: scripts/check-deps.sh
	@sh scripts/check-deps.sh
	@mkdir -p $(@D) && touch $@

deps:
	@sh scripts/check-deps.sh && echo "build dependencies: ok"

$(BUILD)/lib/%.o: lib/%.c | $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(SAY) "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

# made afresh: `ar rcs` into the old archive would keep the object of a module since removed (a stale
# copy of a function, with an old struct layout, that the linker may pick first)
$(BUILD)/liborch.a: $(LIB_OBJ)
	$(SAY) "  AR      $@"
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# each command is compiled to its own object first: `make banned` reads it with nm
$(BUILD)/cmd/%.o: cmd/%.c | $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(SAY) "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/bin/%: $(BUILD)/cmd/%.o $(BUILD)/liborch.a
	@mkdir -p $(@D)
	$(SAY) "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/liborch.a $(LDLIBS)

$(BUILD)/tests/%.o: tests/unit/%.c | $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(SAY) "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit: $(UNIT_OBJ) $(BUILD)/liborch.a
	$(SAY) "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(BUILD)/liborch.a $(CHECK_LIBS) $(LDLIBS)

-include $(LIB_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) $(CMD_OBJ:.o=.d)

# Layout rules a script can check (scripts/checksrc.sh); files another change
# is reworking are reported, not failed, until their owner reformats them.
STYLE_SRC     := $(sort $(wildcard lib/*.c lib/*.h cmd/*.c tests/unit/*.c tests/unit/*.h tests/fuzz/*.c tests/fuzz/*.h bench/*.c))
STYLE_PENDING :=
style:
	@sh scripts/checksrc.sh --pending "$(STYLE_PENDING)" $(STYLE_SRC)

# The one rule of section 14, enforced on the objects: only lib/proc.o references fork/exec/spawn
# symbols (a function pointer counts too); unsafe string calls are checked on the sources.
banned: $(LIB_OBJ) $(CMD_OBJ) $(UNIT_OBJ)
	@sh scripts/check-banned.sh $(BUILD)

# The layer order of docs/architecture.md, on the objects: no upward call, no cycle.
layers: $(BUILD)/liborch.a
	@sh scripts/check-layers.sh $(BUILD)/lib scripts/layers.txt

unit: $(BUILD)/tests/unit
	$(BUILD)/tests/unit

integration: all
	@sh tests/integration/run.sh $(BUILD)/bin

check: banned style layers unit integration

# The integration suite against PostgreSQL (issue 27): a throwaway cluster, a database per test.
# PG_TESTS="t-a t-b" runs only those.
check-pg: all $(BUILD)/tests/unit
	@BUILD=$(BUILD) sh scripts/check-pg.sh $(BUILD)/bin $(PG_TESTS)

asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" check

# valgrind: unit tests in one process, then every integration binary run wrapped
valgrind: all $(BUILD)/tests/unit
	CK_FORK=no valgrind -q --error-exitcode=99 --leak-check=full $(BUILD)/tests/unit
	ORCH_VALGRIND=1 sh tests/integration/run.sh $(BUILD)/bin

# coverage: lib/ line coverage with gcov, in its own build dir: the unit suites and the integration
# tests run against a --coverage build, then one line per lib module and the total, which must be
# at least COV_MIN percent.  A failing test fails the target too, after the summary.
COV_BUILD ?= build-cov
COV_MIN   ?= 85
coverage:
	@$(MAKE) --no-print-directory BUILD=$(COV_BUILD) CFLAGS="-O0 -g --coverage" LDFLAGS="--coverage" all $(COV_BUILD)/tests/unit
	@find $(COV_BUILD) -name '*.gcda' -delete
	@rc=0; $(COV_BUILD)/tests/unit || rc=1; sh tests/integration/run.sh $(COV_BUILD)/bin || rc=1; \
	    sh scripts/coverage.sh $(COV_BUILD) $(COV_MIN) || rc=1; \
	    [ $$rc -eq 0 ] || { echo "coverage: a test failed or lib/ is below $(COV_MIN)% (see above)" >&2; exit 1; }

# the summary again from the data the last run left (after running more tests by hand)
coverage-report:
	@sh scripts/coverage.sh $(COV_BUILD) $(COV_MIN)

demo: all
	@sh scripts/demo.sh $(BUILD)/bin

bench: all $(BUILD)/bench/sqlite_floor $(BUILD)/bench/lease_rt
	@sh bench/run.sh $(BUILD)/bin

# what any process that reads orch.db costs here: scale.py prints the tick beside two of them
$(BUILD)/bench/sqlite_floor: bench/sqlite_floor.c | $(BUILD)/.deps-ok
	@mkdir -p $(@D)
	$(SAY) "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

# the store round trips of one agent job (lease, run record, completion): lease_rt.py, SQLite and PostgreSQL
$(BUILD)/bench/lease_rt: bench/lease_rt.c $(BUILD)/liborch.a
	@mkdir -p $(@D)
	$(SAY) "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/liborch.a $(LDLIBS)

# soak-hosts: three hosts on one PostgreSQL store under SIGKILLs (tests/integration/t-hosts-soak.sh; issue 27)
soak-hosts: all
	ORCH_SOAK_HOSTS=1 sh tests/integration/t-hosts-soak.sh $(BUILD)/bin

soak: all
	@sh bench/soak.sh $(BUILD)/bin

# The systemd units of cron/ go to SYSTEMD_UNIT_DIR (systemd reads /usr/local/lib/systemd/system and
# /usr/lib/systemd/system) with ExecStart under $(PREFIX)/bin; cron/crontab.example goes to the doc
# dir with its PATH line pointing there too.  The paths are rewritten here, at install time.
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system
DOC_DIR          ?= $(PREFIX)/share/doc/orch
UNITS            := $(sort $(wildcard cron/*.service cron/*.timer))
install: all
	@case '$(DESTDIR)$(PREFIX)$(SYSTEMD_UNIT_DIR)$(DOC_DIR)' in *[!A-Za-z0-9/._+@,=-]*) \
	    echo "install: DESTDIR, PREFIX, SYSTEMD_UNIT_DIR and DOC_DIR may hold only letters, digits and /._+@,=- (paths are written into the units)" >&2; \
	    exit 1;; esac
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 \
	    $(DESTDIR)$(SYSTEMD_UNIT_DIR) $(DESTDIR)$(DOC_DIR)
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/man5/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	for u in $(UNITS); do \
	    sed -e 's|/usr/local/bin/|$(PREFIX)/bin/|g' -e 's|\$$(PREFIX)|$(PREFIX)|g' "$$u" >"$(DESTDIR)$(SYSTEMD_UNIT_DIR)/$${u#cron/}.tmp" && \
	    chmod 0644 "$(DESTDIR)$(SYSTEMD_UNIT_DIR)/$${u#cron/}.tmp" && \
	    mv -f "$(DESTDIR)$(SYSTEMD_UNIT_DIR)/$${u#cron/}.tmp" "$(DESTDIR)$(SYSTEMD_UNIT_DIR)/$${u#cron/}" || exit 1; \
	done
	sed -e 's|^PATH=/usr/local/bin:|PATH=$(PREFIX)/bin:|' cron/crontab.example >$(DESTDIR)$(DOC_DIR)/crontab.example
	chmod 0644 $(DESTDIR)$(DOC_DIR)/crontab.example

clean:
	rm -rf build build-asan build-fuzz build-cov

# ---- fuzz and asan-ci (tests/fuzz/, docs/fuzzing.md) ----
# make fuzz: build the libFuzzer targets against a liborch built with the
# same sanitizers in $(FUZZ_BUILD), then replay the seed corpora; with
# FUZZ_SECONDS=N fuzz every target for N seconds (FUZZ_TIMEOUT per input).
FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?=
FUZZ_TIMEOUT ?= 10
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_BUILD)/fuzz/%)

.PHONY: fuzz fuzz-build fuzz-lib asan-ci
fuzz: fuzz-build
	@FUZZ_SECONDS="$(FUZZ_SECONDS)" FUZZ_TIMEOUT="$(FUZZ_TIMEOUT)" sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_NAMES)

fuzz-build: fuzz-lib
	@$(MAKE) -s --no-print-directory $(FUZZ_BINS)

fuzz-lib:
	@$(MAKE) -s --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
	    CFLAGS="-O1 -g -Wno-unknown-warning-option -fsanitize=fuzzer-no-link $(FUZZ_SAN)" $(FUZZ_BUILD)/liborch.a

$(FUZZ_BUILD)/fuzz/%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_BUILD)/liborch.a
	@mkdir -p $(@D)
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) -O1 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -fsanitize=fuzzer $(FUZZ_SAN) \
	    $(shell $(PKG_CONFIG) --cflags $(DEPS)) -o $@ $< $(FUZZ_BUILD)/liborch.a $(LDLIBS)

# asan-ci: what CI runs under ASan+UBSan: every unit suite and the
# integration tests that exercise parsers, the store and child processes.
ASAN_CI_TESTS ?= t-bad-input t-config t-frontmatter t-faults-store t-faults-env t-faults-agents t-lock t-status-html t-plane-failures
asan-ci:
	@$(MAKE) --no-print-directory BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" build-asan/tests/unit all
	CK_TIMEOUT_MULTIPLIER=4 build-asan/tests/unit
	@for t in $(ASAN_CI_TESTS); do \
	    [ -f tests/integration/$$t.sh ] || continue; \
	    echo "  ASAN    $$t"; sh tests/integration/$$t.sh build-asan/bin || exit 1; done
