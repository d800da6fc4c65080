/* fixplan and fixpatch: every schema rejection, every policy block, each patch operation on real files. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/buf.h"
#include "../../lib/config.h"
#include "../../lib/ctx.h"
#include "../../lib/err.h"
#include "../../lib/fix.h"
#include "../../lib/store.h"
#include "../../lib/task.h"
#include "../../lib/fixpatch.h"
#include "../../lib/fixplan.h"
#include "../../lib/util.h"
#include "suites.h"

#define OP1 \
	"{\"type\": \"pin_dependency\", \"file\": \"requirements.txt\", \"details\": {\"package\": " \
	"\"foo\", \"version\": \"1.1\"}}"
#define OK_OPS "[" OP1 "]"

static char *
plan_text(const char *over_key, const char *over_val)
{
	static const char *keys[] = { "version", "work_item", "category", "summary", "confidence", "files",
		"operations", "evidence", NULL };
	const char *vals[] = { "1", "\"DEMO-1\"", "\"dependency\"", "\"pin foo\"", "0.5",
		"[\"requirements.txt\"]", OK_OPS, "[\"VULN-0\"]" };
	struct buf b;
	size_t i;

	buf_init(&b, BUF_MIB);
	buf_add(&b, "{");
	for (i = 0; keys[i]; i++) {
		const char *v = over_key && strcmp(over_key, keys[i]) == 0 ? over_val : vals[i];
		if (v)
			buf_addf(&b, "%s\"%s\": %s", b.len > 1 ? ", " : "", keys[i], v);
	}
	if (over_key && strcmp(over_key, "extra") == 0)
		buf_addf(&b, ", \"extra\": %s", over_val);
	buf_add(&b, "}");
	return buf_detach(&b);
}

static void
rejects(const char *key, const char *val, const char *want)
{
	struct fix_plan p;
	char why[512] = "", *t = plan_text(key, val);

	ck_assert_msg(fixplan_parse(t, strlen(t), "DEMO-1", &p, why, sizeof(why)) < 0, "accepted %s", t);
	ck_assert_msg(strstr(why, want) != NULL, "rejection '%s' does not say '%s' for %s", why, want, t);
	free(t);
}

START_TEST(schema_accepts_and_sorts)
{
	const char *a =
	    "{\"version\": 1, \"work_item\": \"DEMO-1\", \"category\": \"lint\", \"summary\": \"s\", "
	    "\"confidence\": 1, \"files\": [\"b.py\", \"a.py\"], \"evidence\": [\"z\", \"y\"], "
	    "\"operations\": ["
	    "{\"type\": \"remove_unused\", \"file\": \"b.py\", \"details\": {\"module\": \"os\"}},"
	    "{\"type\": \"remove_unused\", \"file\": \"a.py\", \"details\": {\"module\": \"m\", \"name\": "
	    "\"x\"}}]}";
	const char *b = " {\"operations\": [{\"file\": \"a.py\", \"type\": \"remove_unused\", \"details\": "
			"{\"name\": \"x\", "
			"\"module\": \"m\"}}, {\"type\": \"remove_unused\", \"file\": \"b.py\", \"details\": "
			"{\"module\": \"os\"}}], "
			"\"evidence\": [\"y\", \"z\"], \"files\": [\"a.py\", \"b.py\"], \"confidence\": 1.0, "
			"\"summary\": \"s\", "
			"\"category\": \"lint\", \"work_item\": \"DEMO-1\", \"version\": 1}\n";
	struct fix_plan pa, pb;
	char why[512], *ja, *jb;

	ck_assert_msg(fixplan_parse(a, strlen(a), "DEMO-1", &pa, why, sizeof(why)) == 0, "%s", why);
	ck_assert_msg(fixplan_parse(b, strlen(b), NULL, &pb, why, sizeof(why)) == 0, "%s", why);
	ja = fixplan_json(&pa);
	jb = fixplan_json(&pb);
	ck_assert_str_eq(ja, jb); /* equal plans compare equal */
	ck_assert_str_eq(pa.files[0], "a.py");
	ck_assert_str_eq(pa.ops[0].file, "a.py");
	free(ja);
	free(jb);
}
END_TEST

START_TEST(schema_rejections)
{
	char ops[4096];
	size_t i;

	rejects("version", "2", "version: must be the number 1");
	rejects("version", NULL, "version: missing");
	rejects("work_item", "\"demo-1\"", "work_item: not of the form");
	rejects("work_item", "\"DEMO-2\"", "work_item: names another work item");
	rejects("category", "\"security\"", "category: must be");
	rejects("summary",
	    "\""
	    "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890"
	    "123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456"
	    "78901234567"
	    "89x\"",
	    "summary: longer than 200");
	rejects("summary", "7", "summary: must be a string");
	rejects("confidence", "1.5", "confidence: must be a number from 0 to 1");
	rejects("confidence", "\"high\"", "confidence: must be a number");
	rejects("files", "\"requirements.txt\"", "files: must be an array");
	rejects("files", "[\"requirements.txt\", \"requirements.txt\"]", "files[1]: listed twice");
	rejects("files", "[\"/etc/passwd\"]", "files[0]: not a normalised");
	rejects("files", "[\"a/../requirements.txt\"]", "files[0]: not a normalised");
	rejects("files", "[\"./requirements.txt\"]", "files[0]: not a normalised");
	rejects("files", "[\"a\\\\requirements.txt\"]", "files[0]: not a normalised");
	rejects("files", "[\"a//requirements.txt\"]", "files[0]: not a normalised");
	rejects("files", "[\"x.txt\"]", "operations[0].file: not listed in files");
	rejects("evidence", "[3]", "evidence[0]: must be a non-empty string");
	rejects("operations", "[]", "operations: must not be empty");
	rejects("operations", "{}", "operations: must be an array");
	rejects("operations", "[7]", "operations[0]: must be an object");
	rejects("operations", "[{\"type\": \"rewrite\", \"file\": \"requirements.txt\", \"details\": {}}]",
	    "operations[0].type: must be");
	rejects("operations", "[{\"type\": \"pin_dependency\", \"file\": \"requirements.txt\"}]",
	    "operations[0].details: missing");
	rejects("operations",
	    "[{\"type\": \"pin_dependency\", \"file\": \"requirements.txt\", \"details\": "
	    "{\"package\": \"foo\"}}]",
	    "operations[0].details.version: missing");
	rejects("operations",
	    "[{\"type\": \"pin_dependency\", \"file\": \"requirements.txt\", \"details\": "
	    "{\"package\": \"foo\", \"version\": \">=1.1\"}}]",
	    "operations[0].details.version: not a release version");
	rejects("operations",
	    "[{\"type\": \"pin_dependency\", \"file\": \"requirements.txt\", \"details\": "
	    "{\"package\": \"foo; rm\", \"version\": \"1.1\"}}]",
	    "operations[0].details.package: not a package name");
	rejects("operations",
	    "[{\"type\": \"remove_unused\", \"file\": \"requirements.txt\", \"details\": "
	    "{\"package\": \"foo\"}}]",
	    "operations[0].details.package: unknown key");
	rejects("operations",
	    "[{\"type\": \"pin_dependency\", \"file\": \"requirements.txt\", \"extra\": 1, "
	    "\"details\": {}}]",
	    "operations[0].extra: unknown key");
	rejects("operations", "[" OK_OPS "]", "operations[0]: must be an object");
	rejects("operations", "[" OP1 ", " OP1 "]", "operations: the same operation is listed twice");
	{
		size_t n = (size_t)snprintf(ops, sizeof(ops), "[");
		for (i = 0; i < 11; i++)
			n += (size_t)snprintf(ops + n, sizeof(ops) - n,
			    "%s{\"type\": \"pin_dependency\", \"file\": "
			    "\"requirements.txt\", \"details\": {\"package\": \"p%zu\", \"version\": \"1\"}}",
			    i ? "," : "", i);
		snprintf(ops + n, sizeof(ops) - n, "]");
	}
	rejects("operations", ops, "operations: at most 10");
	rejects("extra", "1", "extra: unknown key");
}
END_TEST

START_TEST(schema_text_around)
{
	struct fix_plan p;
	char why[512], *t = plan_text(NULL, NULL), buf[4096];

	snprintf(buf, sizeof(buf), "Sure: %s", t);
	ck_assert_int_lt(fixplan_parse(buf, strlen(buf), NULL, &p, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "text before"));
	snprintf(buf, sizeof(buf), "%s trailing", t);
	ck_assert_int_lt(fixplan_parse(buf, strlen(buf), NULL, &p, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "text after"));
	ck_assert_int_lt(fixplan_parse("{\"version\": ", 12, NULL, &p, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "invalid JSON"));
	ck_assert_int_lt(fixplan_parse("  ", 2, NULL, &p, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "empty"));
	ck_assert_int_lt(fixplan_parse("[1]", 3, NULL, &p, why, sizeof(why)), 0);
	free(t);
}
END_TEST

static void
policy_blocks(const char *category, const char *file, const char *type, const char *want)
{
	struct fix_plan p;
	char why[512] = "", text[2048];
	int dep = strcmp(type, "remove_unused") != 0;

	snprintf(text, sizeof(text),
	    "{\"version\": 1, \"work_item\": \"DEMO-1\", \"category\": \"%s\", \"summary\": \"s\", "
	    "\"confidence\": 0, \"files\": [\"%s\"], \"evidence\": [], \"operations\": [{\"type\": \"%s\", "
	    "\"file\": \"%s\", "
	    "\"details\": %s}]}",
	    category, file, type, file,
	    dep ? "{\"package\": \"a\", \"version\": \"1\"}" : "{\"module\": \"os\"}");
	ck_assert_msg(fixplan_parse(text, strlen(text), NULL, &p, why, sizeof(why)) == 0, "%s", why);
	ck_assert_msg(fixplan_policy(&p, why, sizeof(why)) < 0, "policy allowed %s", text);
	ck_assert_msg(strstr(why, want) != NULL, "policy said '%s', expected '%s'", why, want);
}

START_TEST(policy_each_block)
{
	struct fix_plan p;
	char why[512], *t = plan_text(NULL, NULL);

	ck_assert_int_eq(fixplan_parse(t, strlen(t), NULL, &p, why, sizeof(why)), 0);
	ck_assert_msg(fixplan_policy(&p, why, sizeof(why)) == 0, "%s", why);
	free(t);
	policy_blocks(
	    "dependency", "src/app.py", "pin_dependency", "outside what a dependency fix may touch");
	policy_blocks("dependency", "setup.cfg", "pin_dependency", "outside what a dependency fix may touch");
	policy_blocks("lint", "requirements.txt", "remove_unused", "outside what a lint fix may touch");
	policy_blocks("lint", "src/a.py", "pin_dependency", "not a lint operation");
	policy_blocks("dependency", "requirements.txt", "remove_unused", "not a dependency operation");
	policy_blocks("lint", ".git/hooks/x.py", "remove_unused", ".git/ is git's own data");
	policy_blocks("lint", "sub/.git/x.py", "remove_unused", ".git/ is git's own data");
	policy_blocks("lint", ".github/workflows/x.py", "remove_unused", "CI configuration");
	policy_blocks("dependency", ".ci/requirements.txt", "pin_dependency", "CI configuration");
	policy_blocks("lint", "docs/work-items/DEMO-1/x.py", "remove_unused", "docs/work-items/");
}
END_TEST

START_TEST(patch_policy_each_block)
{
	struct config cfg = { .fix_max_files = 5,
		.fix_max_changed_lines = 40,
		.fix_max_diff_bytes = 16384,
		.fix_max_danger = 150 };
	const char *diff = "diff --git a/requirements.txt b/requirements.txt\n--- a/requirements.txt\n"
			   "+++ b/requirements.txt\n@@ -1,1 +1,1 @@\n-foo==1.0\n+foo==1.1\n";
	const char *other =
	    "diff --git a/setup.py b/setup.py\n--- a/setup.py\n+++ b/setup.py\n@@ -1,1 +1,1 @@\n-a\n+b\n";
	struct fix_plan p;
	struct fix_stats st;
	char why[512], *t = plan_text(NULL, NULL);

	ck_assert_int_eq(fixplan_parse(t, strlen(t), NULL, &p, why, sizeof(why)), 0);
	free(t);
	ck_assert_msg(fixplan_patch_policy(&cfg, &p, diff, &st, why, sizeof(why)) == 0, "%s", why);
	ck_assert_int_eq(st.files, 1);
	ck_assert_int_eq(st.added, 1);
	ck_assert_int_eq(st.removed, 1);
	ck_assert_int_eq(st.danger, 10 + 4 + (int)(strlen(diff) / 256));
	ck_assert_int_lt(fixplan_patch_policy(&cfg, &p, other, &st, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "touches 'setup.py', which the plan does not list"));
	cfg.fix_max_changed_lines = 1;
	ck_assert_int_lt(fixplan_patch_policy(&cfg, &p, diff, &st, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "fix_max_changed_lines"));
	cfg.fix_max_changed_lines = 40;
	cfg.fix_max_diff_bytes = 64;
	ck_assert_int_lt(fixplan_patch_policy(&cfg, &p, diff, &st, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "fix_max_diff_bytes"));
	cfg.fix_max_diff_bytes = 16384;
	cfg.fix_max_danger = 10;
	ck_assert_int_lt(fixplan_patch_policy(&cfg, &p, diff, &st, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "danger score"));
	cfg.fix_max_danger = 150;
	cfg.fix_max_files = 0;
	ck_assert_int_lt(fixplan_patch_policy(&cfg, &p, diff, &st, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "fix_max_files"));
}
END_TEST

/* Apply one op to a real file in a git repo, check the result, and that git applies our diff to the same. */
static void
patch_case(const char *file, const char *before, const char *opjson, const char *after)
{
	char text[4096], why[512] = "", path[4400];
	static char repo[4300];
	struct fix_plan p;
	struct buf out, diff, again;
	FILE *f;

	snprintf(text, sizeof(text),
	    "{\"version\": 1, \"work_item\": \"DEMO-1\", \"category\": \"%s\", \"summary\": \"s\", "
	    "\"confidence\": 1, \"files\": [\"%s\"], \"evidence\": [], \"operations\": [%s]}",
	    strstr(file, ".py") ? "lint" : "dependency", file, opjson);
	ck_assert_msg(fixplan_parse(text, strlen(text), NULL, &p, why, sizeof(why)) == 0, "%s", why);
	snprintf(repo, sizeof(repo), "%s/repo", tmp_dir);
	if (access(repo, F_OK) != 0)
		tmp_git_repo();
	snprintf(path, sizeof(path), "%s/repo/src", tmp_dir);
	mkdir_p(path, 0755);
	snprintf(path, sizeof(path), "repo/%s", file);
	tmp_write(path, before);
	tsh(repo, "git", "add", file, NULL);
	tsh(repo, "git", "commit", "-q", "--allow-empty", "-m", "before", NULL);
	buf_init(&out, BUF_MIB);
	buf_init(&diff, BUF_MIB);
	buf_init(&again, BUF_MIB);
	ck_assert_msg(fixpatch_apply(&p.ops[0], before, strlen(before), &out, why, sizeof(why)) == 0,
	    "%s: %s", file, why);
	ck_assert_msg(
	    strcmp(buf_str(&out), after) == 0, "%s:\n--- got\n%s--- want\n%s", opjson, buf_str(&out), after);
	ck_assert_int_eq(fixpatch_diff(file, before, strlen(before), out.data, out.len, &diff), 0);
	ck_assert_int_eq(fixpatch_diff(file, before, strlen(before), out.data, out.len, &again), 0);
	ck_assert_str_eq(buf_str(&diff), buf_str(&again)); /* byte-identical */
	snprintf(path, sizeof(path), "%s/fix.diff", tmp_dir);
	f = fopen(path, "w");
	fputs(buf_str(&diff), f);
	fclose(f);
	tsh(repo, "git", "apply", "--check", path, NULL);
	tsh(repo, "git", "apply", path, NULL);
	snprintf(path, sizeof(path), "%s/%s", repo, file);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	ck_assert_msg(strcmp(text, after) == 0, "git apply of our diff gave:\n%s", text);
	buf_free(&out);
	buf_free(&diff);
	buf_free(&again);
}

static void
patch_refused(const char *file, const char *before, const char *opjson, const char *want)
{
	char text[4096], why[512] = "";
	struct fix_plan p;
	struct buf out;

	snprintf(text, sizeof(text),
	    "{\"version\": 1, \"work_item\": \"DEMO-1\", \"category\": \"%s\", \"summary\": \"s\", "
	    "\"confidence\": 1, \"files\": [\"%s\"], \"evidence\": [], \"operations\": [%s]}",
	    strstr(file, ".py") ? "lint" : "dependency", file, opjson);
	ck_assert_msg(fixplan_parse(text, strlen(text), NULL, &p, why, sizeof(why)) == 0, "%s", why);
	buf_init(&out, BUF_MIB);
	ck_assert_msg(fixpatch_apply(&p.ops[0], before, strlen(before), &out, why, sizeof(why)) < 0,
	    "applied %s", opjson);
	ck_assert_msg(strstr(why, want) != NULL, "refusal '%s' does not say '%s'", why, want);
	buf_free(&out);
}

#define PIN(f, pkg, v) \
	"{\"type\": \"pin_dependency\", \"file\": \"" f "\", \"details\": {\"package\": \"" pkg \
	"\", \"version\": \"" v "\"}}"
#define ADD(f, pkg, v) \
	"{\"type\": \"add_dependency\", \"file\": \"" f "\", \"details\": {\"package\": \"" pkg \
	"\", \"version\": \"" v "\"}}"
#define RM(f, d) "{\"type\": \"remove_unused\", \"file\": \"" f "\", \"details\": " d "}"

START_TEST(patch_requirements)
{
	const char *req =
	    "# top\nDjango[argon2] >= 3.2 ; python_version >= \"3.8\"  # web\n\nrequests==2.0\n-r base.txt\n";

	patch_case("requirements.txt", req, PIN("requirements.txt", "django", "4.2.1"),
	    "# top\nDjango[argon2]==4.2.1 ; python_version >= \"3.8\"  # web\n\nrequests==2.0\n-r "
	    "base.txt\n");
	patch_case(
	    "requirements-dev.txt", "a==1\nb_c==2", PIN("requirements-dev.txt", "B.C", "3"), "a==1\nb_c==3");
	patch_case("requirements.txt", req, ADD("requirements.txt", "idna", "3.7"),
	    "# top\nDjango[argon2] >= 3.2 ; python_version >= \"3.8\"  # web\n\nrequests==2.0\n-r "
	    "base.txt\nidna==3.7\n");
	patch_case("requirements.txt", "a==1", ADD("requirements.txt", "b", "2"), "a==1\nb==2\n");
	patch_refused("requirements.txt", req, PIN("requirements.txt", "flask", "2"),
	    "no requirement line for 'flask'");
	patch_refused("requirements.txt", req, ADD("requirements.txt", "requests", "3"), "already required");
	patch_refused("requirements.txt", req, PIN("requirements.txt", "requests", "2.0"), "already pinned");
	patch_refused(
	    "requirements.txt", "a==1\nA>=2\n", PIN("requirements.txt", "a", "3"), "required on 2 lines");
	patch_refused("requirements.txt", "a==1 \\\n  --hash=sha256:00\n", PIN("requirements.txt", "a", "3"),
	    "continued");
	patch_refused("requirements.txt", "a @ https://x.invalid/a.whl\n", PIN("requirements.txt", "a", "3"),
	    "direct reference");
}
END_TEST

START_TEST(patch_pyproject)
{
	const char *poetry = "[tool.poetry]\nname = \"x\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\n"
			     "Requests = \"^2.0\"  # http\nrich = { version = \"^13\", optional = true }\n\n"
			     "[tool.poetry.group.dev.dependencies]\npytest = \"^7\"\n";
	const char *pep621 =
	    "[project]\nname = \"x\"\ndependencies = [\n    \"requests>=2.0\",\n"
	    "    \"rich[jupyter]>=13 ; python_version>'3.8'\"  # ui\n]\n\n[project.optional-dependencies]\n"
	    "dev = [\"pytest>=7\"]\n";

	patch_case("pyproject.toml", poetry, PIN("pyproject.toml", "requests", "2.32.3"),
	    "[tool.poetry]\nname = \"x\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\n"
	    "Requests = \"2.32.3\"  # http\nrich = { version = \"^13\", optional = true }\n\n"
	    "[tool.poetry.group.dev.dependencies]\npytest = \"^7\"\n");
	patch_case("pyproject.toml", poetry, PIN("pyproject.toml", "rich", "13.7.1"),
	    "[tool.poetry]\nname = \"x\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\n"
	    "Requests = \"^2.0\"  # http\nrich = { version = \"13.7.1\", optional = true }\n\n"
	    "[tool.poetry.group.dev.dependencies]\npytest = \"^7\"\n");
	patch_case("pyproject.toml", poetry, PIN("pyproject.toml", "pytest", "7.4.0"),
	    "[tool.poetry]\nname = \"x\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\n"
	    "Requests = \"^2.0\"  # http\nrich = { version = \"^13\", optional = true }\n\n"
	    "[tool.poetry.group.dev.dependencies]\npytest = \"7.4.0\"\n");
	patch_case("pyproject.toml", poetry, ADD("pyproject.toml", "idna", "3.7"),
	    "[tool.poetry]\nname = \"x\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\n"
	    "Requests = \"^2.0\"  # http\nrich = { version = \"^13\", optional = true }\nidna = \"3.7\"\n\n"
	    "[tool.poetry.group.dev.dependencies]\npytest = \"^7\"\n");
	patch_case("pyproject.toml", pep621, PIN("pyproject.toml", "rich", "13.7.1"),
	    "[project]\nname = \"x\"\ndependencies = [\n    \"requests>=2.0\",\n"
	    "    \"rich[jupyter]==13.7.1 ; python_version>'3.8'\"  # "
	    "ui\n]\n\n[project.optional-dependencies]\n"
	    "dev = [\"pytest>=7\"]\n");
	patch_case("pyproject.toml", pep621, PIN("pyproject.toml", "pytest", "7.4.0"),
	    "[project]\nname = \"x\"\ndependencies = [\n    \"requests>=2.0\",\n"
	    "    \"rich[jupyter]>=13 ; python_version>'3.8'\"  # ui\n]\n\n[project.optional-dependencies]\n"
	    "dev = [\"pytest==7.4.0\"]\n");
	patch_case("pyproject.toml", pep621, ADD("pyproject.toml", "idna", "3.7"),
	    "[project]\nname = \"x\"\ndependencies = [\n    \"requests>=2.0\",\n"
	    "    \"rich[jupyter]>=13 ; python_version>'3.8'\",  # ui\n    \"idna==3.7\",\n]\n\n"
	    "[project.optional-dependencies]\ndev = [\"pytest>=7\"]\n");
	patch_case("pyproject.toml", "[project]\ndependencies = [\"a>=1\"]\n",
	    ADD("pyproject.toml", "b", "2"), "[project]\ndependencies = [\"a>=1\", \"b==2\"]\n");
	patch_refused(
	    "pyproject.toml", poetry, PIN("pyproject.toml", "flask", "2"), "no dependency entry for 'flask'");
	patch_refused("pyproject.toml", poetry, ADD("pyproject.toml", "rich", "2"), "already a dependency");
	patch_refused("pyproject.toml", "[tool.poetry.dependencies]\nx = { path = \"../x\" }\n",
	    PIN("pyproject.toml", "x", "2"), "without a version string");
	patch_refused("pyproject.toml", "[tool.black]\nline-length = 100\n", ADD("pyproject.toml", "x", "2"),
	    "neither [project] dependencies nor");
}
END_TEST

START_TEST(patch_python_imports)
{
	patch_case("src/a.py", "import os, sys  # tools\nprint(sys.argv)\n",
	    RM("src/a.py", "{\"module\": \"os\"}"), "import sys  # tools\nprint(sys.argv)\n");
	patch_case(
	    "src/a.py", "import os\nimport sys\n", RM("src/a.py", "{\"module\": \"os\"}"), "import sys\n");
	patch_case("src/a.py", "from m import a, b as c, d\nx = 1\n",
	    RM("src/a.py", "{\"module\": \"m\", \"name\": \"b\"}"), "from m import a, d\nx = 1\n");
	patch_case("src/a.py", "def f():\n    from m import a\n    return 1\n",
	    RM("src/a.py", "{\"module\": \"m\", \"name\": \"a\"}"), "def f():\n    return 1\n");
	patch_case("src/a.py",
	    "from pkg.sub import (\n    alpha,\n    beta,  # used later\n    gamma,\n)\nz = 2\n",
	    RM("src/a.py", "{\"module\": \"pkg.sub\", \"name\": \"beta\"}"),
	    "from pkg.sub import (\n    alpha,\n    gamma,\n)\nz = 2\n");
	patch_case("src/a.py", "from m import (a, b,\n    c)\n",
	    RM("src/a.py", "{\"module\": \"m\", \"name\": \"c\"}"), "from m import (a, b,\n)\n");
	patch_case("src/a.py", "from m import (\n    a,\n)\nfrom n import a\n",
	    RM("src/a.py", "{\"module\": \"m\", \"name\": \"a\"}"), "from n import a\n");
	patch_case("src/a.py", "import os\nimport os  # again\n",
	    RM("src/a.py", "{\"module\": \"os\", \"line_contains\": \"again\"}"), "import os\n");
	patch_case("src/a.py", "\"\"\"doc\nimport os\n\"\"\"\nimport os",
	    RM("src/a.py", "{\"module\": \"os\"}"), "\"\"\"doc\nimport os\n\"\"\"\n");
	patch_refused(
	    "src/a.py", "import os\nimport os\n", RM("src/a.py", "{\"module\": \"os\"}"), "2 statements");
	patch_refused(
	    "src/a.py", "import os; import sys\n", RM("src/a.py", "{\"module\": \"os\"}"), "compound");
	patch_refused(
	    "src/a.py", "from os import path\n", RM("src/a.py", "{\"module\": \"os\"}"), "no import of 'os'");
	patch_refused("src/a.py", "from m import a\n", RM("src/a.py", "{\"module\": \"m\", \"name\": \"b\"}"),
	    "no import of 'm.b'");
}
END_TEST

START_TEST(versions_and_names)
{
	ck_assert_int_lt(fixpatch_version_cmp("1.9", "1.10"), 0);
	ck_assert_int_eq(fixpatch_version_cmp("1.0", "1"), 0);
	ck_assert_int_lt(fixpatch_version_cmp("2.0rc1", "2.0"), 0);
	ck_assert_int_gt(fixpatch_version_cmp("2.0.post1", "2.0"), 0);
	ck_assert_int_gt(fixpatch_version_cmp("1.0.5", "1.0"), 0);
	ck_assert(fixpatch_name_eq("Foo_Bar.baz", 11, "foo-bar-baz"));
	ck_assert(!fixpatch_name_eq("foo", 3, "foobar"));
}
END_TEST

/* fix_auto, the engine's hook: a planted vulnerable pin fixed with the stand-in pip-audit, stage untouched.
 */
static int
auto_case(int auto_fix, const char *secrets, struct fix_result *r, char *head_req, size_t hn)
{
	char yaml[8192], wt[4400], standins[4096], path[8800], *old_path = getenv("PATH");
	const char *repo = tmp_git_repo();
	struct config cfg;
	struct store st;
	struct orch_err e = { 0 };
	struct task t = { .stage = "deploy-staging" };
	int rc;

	ck_assert_ptr_nonnull(realpath("tests/integration/standins", standins));
	snprintf(path, sizeof(path), "%s:%s", standins, old_path ? old_path : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	snprintf(yaml, sizeof(yaml),
	    "security_dep_engine: pip-audit\nprojects:\n  - key: DEMO\n    repo: %s\n"
	    "    ci_cmd: [\"true\"]\n    auto_fix: %s\n",
	    repo, auto_fix ? "true" : "false");
	ck_assert_int_eq(config_load(&cfg, tmp_write("orch.yaml", yaml), tmp_dir, 1, &e), 0);
	tmp_store(&st);
	snprintf(wt, sizeof(wt), "%s/wt", tmp_dir);
	tsh(repo, "git", "worktree", "add", "-q", "-b", "feature/DEMO-1-x", wt, NULL);
	tmp_write("wt/requirements.txt", "foo==1.0\n");
	snprintf(yaml, sizeof(yaml), "%s/wt/docs/work-items/DEMO-1", tmp_dir);
	mkdir_p(yaml, 0755);
	snprintf(yaml, sizeof(yaml), "---\nsecurity_status: FAIL\nsecrets_found: %s\n---\n", secrets);
	tmp_write("wt/docs/work-items/DEMO-1/17-security-report.md", yaml);
	tsh(wt, "git", "add", "requirements.txt", "docs", NULL);
	tsh(wt, "git", "commit", "-qm", "deps", NULL);
	str_copy(t.project, sizeof(t.project), "DEMO");
	str_copy(t.work_item, sizeof(t.work_item), "DEMO-1");
	str_copy(t.issue_id, sizeof(t.issue_id), "1");
	str_copy(t.repo, sizeof(t.repo), repo);
	str_copy(t.branch, sizeof(t.branch), "feature/DEMO-1-x");
	str_copy(t.worktree, sizeof(t.worktree), wt);
	ck_assert_int_eq(task_insert(&st, &t, &e), 0);
	struct orch_ctx c = { .cfg = &cfg, .st = &st };
	rc = fix_auto(&c, config_project(&cfg, "DEMO"), &t, r, &e);
	ck_assert_msg(rc >= 0, "fix_auto: %s", e.msg);
	snprintf(head_req, hn, "%s", tsh(repo, "git", "show", "feature/DEMO-1-x:requirements.txt", NULL));
	ck_assert_int_eq(tsql_int(&st, "SELECT count(*) FROM tasks WHERE stage = 'deploy-staging'"), 1);
	ck_assert_int_eq(
	    tsql_int(&st, "SELECT count(*) FROM fix_runs"), auto_fix && strcmp(secrets, "0") == 0);
	store_close(&st);
	config_free(&cfg);
	setenv("PATH", old_path ? old_path : "/usr/bin:/bin", 1);
	return rc;
}

START_TEST(auto_fix_validates)
{
	struct fix_result r;
	char req[256];

	ck_assert_int_eq(auto_case(1, "0", &r, req, sizeof(req)), 1);
	ck_assert_str_eq(r.status, "validated");
	ck_assert_str_eq(req, "foo==1.1\n");
	ck_assert_str_eq(r.stage_after, ""); /* the engine moves the stage, not fix_auto */
	fix_result_free(&r);
}
END_TEST

START_TEST(auto_fix_off)
{
	struct fix_result r;
	char req[256];

	ck_assert_int_eq(auto_case(0, "0", &r, req, sizeof(req)), 0);
	ck_assert_str_eq(r.status, "skipped");
	ck_assert_str_eq(req, "foo==1.0\n");
	fix_result_free(&r);
}
END_TEST

START_TEST(auto_fix_not_for_secrets)
{
	struct fix_result r;
	char req[256];

	ck_assert_int_eq(auto_case(1, "1", &r, req, sizeof(req)), 0);
	ck_assert_str_eq(r.status, "skipped");
	ck_assert_ptr_nonnull(strstr(r.reason, "found secrets"));
	ck_assert_str_eq(req, "foo==1.0\n");
	fix_result_free(&r);
}
END_TEST

Suite *
fix_suite(void)
{
	Suite *s = suite_create("fix");
	TCase *schema = tcase_create("schema"), *policy = tcase_create("policy"),
	      *patch = tcase_create("patch");

	tcase_add_test(schema, schema_accepts_and_sorts);
	tcase_add_test(schema, schema_rejections);
	tcase_add_test(schema, schema_text_around);
	tcase_add_test(policy, policy_each_block);
	tcase_add_test(policy, patch_policy_each_block);
	tcase_add_checked_fixture(patch, tmp_setup, tmp_teardown);
	tcase_set_timeout(patch, 60);
	tcase_add_test(patch, patch_requirements);
	tcase_add_test(patch, patch_pyproject);
	tcase_add_test(patch, patch_python_imports);
	tcase_add_test(patch, versions_and_names);
	TCase *autofix = tcase_create("auto_fix");
	tcase_add_checked_fixture(autofix, tmp_setup, tmp_teardown);
	tcase_set_timeout(autofix, 60);
	tcase_add_test(autofix, auto_fix_validates);
	tcase_add_test(autofix, auto_fix_off);
	tcase_add_test(autofix, auto_fix_not_for_secrets);
	suite_add_tcase(s, autofix);
	suite_add_tcase(s, schema);
	suite_add_tcase(s, policy);
	suite_add_tcase(s, patch);
	return s;
}
