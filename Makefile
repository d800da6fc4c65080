# orch — see README.md.  Targets: all check install clean asan demo bench
PREFIX  ?= /usr/local
DESTDIR ?=
PKG_CONFIG ?= pkg-config
CC      ?= cc
BUILD   ?= build

DEPS    := sqlite3 libcurl libcjson yaml-0.1
CFLAGS  ?= -O2 -g
# the flags orch needs whatever CFLAGS the caller passes (make asan passes its own)
ALL_CFLAGS = $(CFLAGS) -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral -Wno-format-truncation \
           -D_GNU_SOURCE $(shell $(PKG_CONFIG) --cflags $(DEPS))
LDLIBS  = $(shell $(PKG_CONFIG) --libs $(DEPS))
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check)
CHECK_LIBS   := $(shell $(PKG_CONFIG) --libs check)

LIB_SRC := $(sort $(wildcard lib/*.c))
LIB_OBJ := $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
CMDS    := orch orch-advance orch-deploy orch-doctor orch-fix orch-issue orch-poll orch-reconcile orch-scan orch-status orch-work
BINS    := $(CMDS:%=$(BUILD)/bin/%)
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJ := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%.o)

.PHONY: all check unit integration banned install clean asan valgrind demo bench soak
all: $(BUILD)/liborch.a $(BINS)

$(BUILD)/lib/%.o: lib/%.c lib/*.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/liborch.a: $(LIB_OBJ)
	@echo "  AR      $@"
	@$(AR) rcs $@ $^

$(BUILD)/bin/%: cmd/%.c $(BUILD)/liborch.a lib/*.h
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/liborch.a $(LDLIBS)

$(BUILD)/tests/%.o: tests/unit/%.c tests/unit/*.h lib/*.h
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(BUILD)/tests/unit: $(UNIT_OBJ) $(BUILD)/liborch.a
	@echo "  LD      $@"
	@$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(UNIT_OBJ) $(BUILD)/liborch.a $(CHECK_LIBS) $(LDLIBS)

# The one rule of section 14, enforced: only lib/proc.c creates processes.
banned:
	@sh scripts/check-banned.sh

unit: $(BUILD)/tests/unit
	$(BUILD)/tests/unit

integration: all
	@sh tests/integration/run.sh $(BUILD)/bin

check: banned unit integration

asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" check

# valgrind: unit tests in one process, then every integration binary run wrapped
valgrind: all $(BUILD)/tests/unit
	CK_FORK=no valgrind -q --error-exitcode=99 --leak-check=full $(BUILD)/tests/unit
	ORCH_VALGRIND=1 sh tests/integration/run.sh $(BUILD)/bin

demo: all
	@sh scripts/demo.sh $(BUILD)/bin

bench: all
	@sh bench/run.sh $(BUILD)/bin

soak: all
	@sh bench/soak.sh $(BUILD)/bin

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 man/man5/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/

clean:
	rm -rf build build-asan
