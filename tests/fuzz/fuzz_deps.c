/*
 * The dependency and import editors of the fix pipeline (lib/fixpatch.c):
 * hostile requirements*.txt, pyproject.toml and Python text under a pin, an
 * add and an import removal.  Invariants: a refusal says why; an edit is
 * deterministic (the same input gives the same bytes); a pin or an add
 * leaves the version it was asked for in the output and changes at most the
 * lines it must (the untouched head and tail keep every byte); a removal
 * grows the file at most by the spaces its ", " joins add; the unified diff
 * of the edit is empty exactly when nothing changed.
 */
#include "../../lib/buf.h"
#include "../../lib/fixplan.h"
#include "../../lib/fixpatch.h"
#include "fuzz.h"

/* Lines that differ between a and b once the common head and tail are cut. */
static size_t
changed_lines(const char *a, size_t al, const char *b, size_t bl)
{
	size_t h = 0, t = 0, n = 0, i;

	while (h < al && h < bl && a[h] == b[h])
		h++;
	while (t < al - h && t < bl - h && a[al - 1 - t] == b[bl - 1 - t])
		t++;
	for (i = h; i < al - t; i++)
		n += a[i] == '\n';
	return n + 1;
}

static void
edit(const struct fix_op *op, const char *in, size_t len)
{
	struct buf a, b;
	char why[256] = "";
	int rc;

	buf_init(&a, 1 << 22);
	buf_init(&b, 1 << 22);
	rc = fixpatch_apply(op, in, len, &a, why, sizeof(why));
	if (rc < 0) {
		FUZZ_CHECK(why[0] != '\0', "a refusal without a reason (%s)", op->file);
		goto out;
	}
	FUZZ_CHECK(fixpatch_apply(op, in, len, &b, why, sizeof(why)) == 0, "second run refused: %s", why);
	FUZZ_CHECK(a.len == b.len && memcmp(buf_str(&a), buf_str(&b), a.len) == 0, "not deterministic");
	if (op->type != FIX_REMOVE_UNUSED) {
		FUZZ_CHECK(memmem(buf_str(&a), a.len, op->version, strlen(op->version)) != NULL,
		    "%s: version %s not in the output", op->file, op->version);
		FUZZ_CHECK(changed_lines(in, len, buf_str(&a), a.len) <= 3, "%s: an edit touched %zu lines",
		    op->file, changed_lines(in, len, buf_str(&a), a.len));
	} else {
		/* the names that stay are joined with ", " (PEP 8): a "," without its space may gain one,
		 * nothing more */
		size_t commas = 0, i;
		for (i = 0; i < len; i++)
			commas += in[i] == ',';
		FUZZ_CHECK(
		    a.len <= len + commas, "a removal grew the file from %zu to %zu bytes", len, a.len);
	}
	/* the diff is git's (fixpatch_diff runs git diff --no-index): not fuzzed here, a process per input */
out:
	buf_free(&a);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *text = fuzz_str(data, len);
	static const char *const dep_files[] = { "requirements.txt", "pyproject.toml" };
	struct fix_op op;
	size_t i;

	for (i = 0; i < 2; i++) {
		memset(&op, 0, sizeof(op));
		op.type = FIX_PIN;
		snprintf(op.file, sizeof(op.file), "%s", dep_files[i]);
		snprintf(op.package, sizeof(op.package), "requests");
		snprintf(op.version, sizeof(op.version), "2.31.0");
		edit(&op, text, len);
		op.type = FIX_ADD;
		snprintf(op.package, sizeof(op.package), "new_pkg");
		edit(&op, text, len);
	}
	memset(&op, 0, sizeof(op));
	op.type = FIX_REMOVE_UNUSED;
	snprintf(op.file, sizeof(op.file), "a.py");
	snprintf(op.module, sizeof(op.module), "os");
	edit(&op, text, len);
	snprintf(op.module, sizeof(op.module), "typing");
	snprintf(op.name, sizeof(op.name), "List");
	op.has_name = 1;
	edit(&op, text, len);
	free(text);
	return 0;
}
