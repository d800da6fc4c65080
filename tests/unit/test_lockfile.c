/* lockfile, toml and cvss: every format's pins, malformed input refused with a line, FIRST's examples. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/cvss.h"
#include "../../lib/lockfile.h"
#include "../../lib/osv.h"
#include "../../lib/scan.h"
#include "../../lib/toml.h"
#include "suites.h"

static struct lockset set;
static char why[256];

static int
parse(const char *path, const char *text)
{
	lockset_free(&set);
	why[0] = '\0';
	return lockfile_parse(lockfile_kind(path), path, text, strlen(text), &set, why, sizeof(why));
}

/* The pin of name in the last parse ("" when absent); its line and pinned flag through the pointers. */
static const char *
pin(const char *name, int *line, int *pinned)
{
	size_t i;

	for (i = 0; i < set.n; i++)
		if (strcmp(set.v[i].name, name) == 0) {
			if (line)
				*line = set.v[i].line;
			if (pinned)
				*pinned = set.v[i].pinned;
			return set.v[i].version;
		}
	return "";
}

START_TEST(lock_kinds)
{
	ck_assert_int_eq(lockfile_kind("requirements.txt"), LOCK_REQUIREMENTS);
	ck_assert_int_eq(lockfile_kind("svc/requirements-dev.txt"), LOCK_REQUIREMENTS);
	ck_assert_int_eq(lockfile_kind("requirements.in"), LOCK_NONE);
	ck_assert_int_eq(lockfile_kind("web/package-lock.json"), LOCK_NPM);
	ck_assert_int_eq(lockfile_kind("npm-shrinkwrap.json"), LOCK_NPM);
	ck_assert_int_eq(lockfile_kind("package.json"), LOCK_NONE);
	ck_assert_int_eq(lockfile_kind("Cargo.lock"), LOCK_CARGO);
	ck_assert_int_eq(lockfile_kind("go.sum"), LOCK_NONE);
}
END_TEST

START_TEST(lock_requirements)
{
	int line = 0, pinned = -1;

	ck_assert_int_eq(
	    parse("svc/requirements.txt",
		"# top\nRequests[socks]==2.19.1 ; python_version >= \"3\" \\\n    --hash=sha256:abc\n"
		"urllib3===1.24.1  # pinned\nflask>=1.0\nDjango\n-r "
		"base.txt\n--requirement=../common/requirements-x.txt\n"
		"-e git+https://example.invalid/x.git#egg=localpkg\n--index-url https://pypi.example/simple\n"
		"zope.interface == 5.4.0\nweird @ https://example.invalid/w.whl\n"),
	    0);
	ck_assert_str_eq(pin("requests", &line, &pinned), "2.19.1");
	ck_assert_int_eq(line, 2);
	ck_assert_int_eq(pinned, 1);
	ck_assert_str_eq(pin("urllib3", &line, &pinned), "1.24.1");
	ck_assert_int_eq(line, 4);
	ck_assert_str_eq(pin("flask", NULL, &pinned), ">=1.0");
	ck_assert_int_eq(pinned, 0);
	pin("django", NULL, &pinned);
	ck_assert_int_eq(pinned, 0);
	ck_assert_str_eq(pin("zope-interface", NULL, &pinned), "5.4.0");
	ck_assert_int_eq(pinned, 1);
	ck_assert_str_eq(pin("localpkg", NULL, &pinned), "editable");
	ck_assert_int_eq(pinned, 0);
	ck_assert_str_eq(pin("weird", NULL, &pinned), "URL");
	ck_assert_str_eq(set.v[0].eco, "PyPI");
	ck_assert_str_eq(set.v[0].file, "svc/requirements.txt");
	ck_assert_uint_eq(set.nincludes, 2);
	ck_assert_str_eq(set.includes[0], "svc/base.txt");
	ck_assert_str_eq(set.includes[1], "common/requirements-x.txt");
	/* a wildcard is not a pin */
	ck_assert_int_eq(parse("requirements.txt", "a==1.*\n"), 0);
	ck_assert_int_eq(set.v[0].pinned, 0);
}
END_TEST

START_TEST(lock_requirements_bad)
{
	ck_assert_int_eq(parse("requirements.txt", "ok==1\n--bogus-option x\n"), -1);
	ck_assert_str_eq(why, "line 2: unknown option '--bogus-option' (pip refuses it too)");
	ck_assert_uint_eq(set.n, 0); /* a failed parse keeps nothing */
	ck_assert_int_eq(parse("requirements.txt", "-r ../../etc/passwd\n"), -1);
	ck_assert_ptr_nonnull(strstr(why, "outside the repository"));
	ck_assert_int_eq(parse("requirements.txt", "\n\nfoo==1 $x\n"), -1);
	ck_assert_ptr_nonnull(strstr(why, "line 3:"));
	ck_assert_int_eq(parse("requirements.txt", "foo[bar==1\n"), -1);
	ck_assert_int_eq(parse("requirements.txt", "=\n"), -1);
}
END_TEST

START_TEST(lock_npm)
{
	int line = 0;

	ck_assert_int_eq(
	    parse("package-lock.json",
		"{\n \"name\": \"app\",\n \"lockfileVersion\": 3,\n \"packages\": {\n"
		"  \"\": {\"name\": \"app\"},\n  \"node_modules/lodash\": {\"version\": \"4.17.15\"},\n"
		"  \"node_modules/@scope/pkg\": {\"version\": \"1.0.0\"},\n"
		"  \"node_modules/a/node_modules/minimist\": {\"version\": \"0.0.8\"},\n"
		"  \"node_modules/local\": {\"resolved\": \"lib/local\", \"link\": true},\n"
		"  \"node_modules/gitdep\": {\"version\": \"git+ssh://git@github.com/x/y.git#abc\"}\n "
		"}\n}\n"),
	    0);
	ck_assert_uint_eq(set.n, 3);
	ck_assert_str_eq(pin("lodash", &line, NULL), "4.17.15");
	ck_assert_int_eq(line, 6);
	ck_assert_str_eq(pin("@scope/pkg", NULL, NULL), "1.0.0");
	ck_assert_str_eq(pin("minimist", &line, NULL), "0.0.8");
	ck_assert_int_eq(line, 8);
	ck_assert_str_eq(set.v[0].eco, "npm");
	ck_assert_int_eq(parse("package-lock.json", "{\"lockfileVersion\": 1, \"dependencies\": {}}"), -1);
	ck_assert_ptr_nonnull(strstr(why, "npm 7"));
	ck_assert_int_eq(parse("package-lock.json", "{\n\"lockfileVersion\": 2,\n\"packages\": [}"), -1);
	ck_assert_ptr_nonnull(strstr(why, "line 3"));
	ck_assert_int_eq(
	    parse("package-lock.json", "{\"lockfileVersion\": 2, \"packages\": {\"node_modules/x\": 1}}"),
	    -1);
}
END_TEST

START_TEST(lock_pipfile)
{
	int line = 0, pinned = 0;

	ck_assert_int_eq(parse("Pipfile.lock",
			     "{\n\"_meta\": {},\n\"default\": {\n\"Jinja2\": {\"version\": \"==2.4.1\"},"
			     "\n\"mylib\": {\"git\": \"https://x\"}\n},\n\"develop\": {\n\"pytest\": "
			     "{\"version\": \">=7\"}\n}\n}\n"),
	    0);
	ck_assert_str_eq(pin("jinja2", &line, &pinned), "2.4.1");
	ck_assert_int_eq(line, 4);
	ck_assert_int_eq(pinned, 1);
	ck_assert_str_eq(pin("pytest", NULL, &pinned), ">=7");
	ck_assert_int_eq(pinned, 0);
	ck_assert_uint_eq(set.n, 2);
	ck_assert_int_eq(parse("Pipfile.lock", "{\"default\": []}"), -1);
}
END_TEST

START_TEST(lock_toml_formats)
{
	int line = 0;

	ck_assert_int_eq(
	    parse("poetry.lock",
		"# This file is automatically @generated by Poetry\n\n[[package]]\n"
		"name = \"Requests\"\nversion = \"2.19.1\"\ndescription = "
		"\"\"\"multi\nline\"\"\"\noptional = false\n"
		"python-versions = \"*\"\nfiles = [\n    {file = \"r.whl\", hash = \"sha256:1\"},\n]\n\n"
		"[package.dependencies]\nurllib3 = \">=1.21.1,<1.24\"\n\n[package.extras]\nsocks = "
		"[\"PySocks (>=1.5.6)\"]\n\n"
		"[[package]]\nname = \"mine\"\nversion = \"0.1.0\"\n\n[package.source]\ntype = "
		"\"directory\"\nurl = \"../mine\"\n\n"
		"[metadata]\nlock-version = \"2.0\"\npython-versions = \"^3.8\"\ncontent-hash = \"abc\"\n"),
	    0);
	ck_assert_uint_eq(set.n, 1);
	ck_assert_str_eq(pin("requests", &line, NULL), "2.19.1");
	ck_assert_int_eq(line, 5);
	ck_assert_int_eq(
	    parse("uv.lock",
		"version = 1\nrequires-python = \">=3.12\"\n\n[[package]]\nname = \"app\"\n"
		"version = \"0.1.0\"\nsource = { editable = \".\" }\ndependencies = [\n    { name = "
		"\"urllib3\" },\n]\n\n"
		"[[package]]\nname = \"urllib3\"\nversion = \"1.24.1\"\nsource = { registry = "
		"\"https://pypi.org/simple\" }\n"
		"sdist = { url = \"https://x/u.tar.gz\", hash = \"sha256:0\", size = 1 }\nwheels = [\n"
		"    { url = \"https://x/u.whl\", hash = \"sha256:1\", size = 2 },\n]\n"),
	    0);
	ck_assert_uint_eq(set.n, 1);
	ck_assert_str_eq(pin("urllib3", &line, NULL), "1.24.1");
	ck_assert_int_eq(line, 14);
	ck_assert_int_eq(
	    parse("Cargo.lock",
		"# auto\nversion = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n"
		"dependencies = [\n \"smallvec\",\n]\n\n[[package]]\nname = \"smallvec\"\nversion = "
		"\"0.6.9\"\n"
		"source = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = "
		"\"00\"\n\n[[package]]\n"
		"name = \"forked\"\nversion = \"1.0.0\"\nsource = \"git+https://example.invalid/f#abc\"\n"),
	    0);
	ck_assert_uint_eq(set.n, 1);
	ck_assert_str_eq(pin("smallvec", NULL, NULL), "0.6.9");
	ck_assert_str_eq(set.v[0].eco, "crates.io");
}
END_TEST

START_TEST(lock_toml_bad)
{
	ck_assert_int_eq(
	    parse("Cargo.lock", "[[package]]\nname = \"a\"\nversion = \"1\nsource = \"x\"\n"), -1);
	ck_assert_str_eq(why, "line 3: a newline inside a one-line string");
	ck_assert_int_eq(parse("poetry.lock", "[[package]\nname = \"a\"\n"), -1);
	ck_assert_ptr_nonnull(strstr(why, "line 1:"));
	ck_assert_int_eq(parse("uv.lock", "a = [1, 2\n"), -1);
	ck_assert_int_eq(parse("uv.lock", "a = bogus\n"), -1);
	ck_assert_int_eq(parse("uv.lock", "a = \"x\" b = 1\n"), -1);
	ck_assert_int_eq(parse("uv.lock", "a = { b = 1\n"), -1);
	ck_assert_int_eq(parse("uv.lock", "a = \"\\q\"\n"), -1);
	ck_assert_int_eq(parse("uv.lock", "a = '''never closed\n"), -1);
}
END_TEST

START_TEST(lock_toml_depth)
{
	char deep[200];

	memset(deep, '[', sizeof(deep));
	memcpy(deep, "a = ", 4);
	deep[sizeof(deep) - 1] = '\0';
	ck_assert_int_eq(toml_walk(deep, strlen(deep), NULL, NULL, why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "nesting deeper"));
	const char *ok = "a.\"b c\".d = 'x' # c\n\"\\u00e9\" = \"\\u00e9\"\n";
	ck_assert_int_eq(toml_walk(ok, strlen(ok), NULL, NULL, why, sizeof(why)), 0);
}
END_TEST

START_TEST(lock_gomod)
{
	int line = 0;

	ck_assert_int_eq(
	    parse("svc/go.mod",
		"module example.com/app\n\ngo 1.21\n\nrequire golang.org/x/net v0.7.0\n"
		"require (\n\tgithub.com/gin-gonic/gin v1.6.2 // indirect\n\t\"example.com/q\" v1.0.0\n)\n"
		"replace example.com/q => ../q\nexclude (\n\texample.com/old v0.1.0\n)\n"),
	    0);
	ck_assert_uint_eq(set.n, 3);
	ck_assert_str_eq(pin("golang.org/x/net", &line, NULL), "0.7.0");
	ck_assert_int_eq(line, 5);
	ck_assert_str_eq(pin("github.com/gin-gonic/gin", &line, NULL), "1.6.2");
	ck_assert_int_eq(line, 7);
	ck_assert_str_eq(set.v[0].eco, "Go");
	ck_assert_int_eq(parse("go.mod", "module a\nrequire (\n x v1\n"), -1);
	ck_assert_int_eq(parse("go.mod", "modul a\n"), -1);
	ck_assert_int_eq(parse("go.mod", "require x 1.0\n"), -1);
	ck_assert_str_eq(why, "line 1: a require is 'module/path vX.Y.Z'");
}
END_TEST

/* FIRST's "CVSS v3.1 Examples" document: each vector with the base score it publishes. */
START_TEST(cvss_first_examples)
{
	static const struct {
		const char *v;
		double score;
	} ex[] = {
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8 }, /* CVE-2014-6271 Shellshock */
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1 }, /* CVE-2013-1937 phpMyAdmin XSS */
		{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4 }, /* CVE-2013-0375 MySQL */
		{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1 }, /* CVE-2014-3566 POODLE */
		{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9 }, /* CVE-2012-1516 VMware */
		{ "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2 }, /* CVE-2009-0783 Tomcat */
		{ "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8 }, /* CVE-2012-0384 Cisco IOS */
		{ "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8 }, /* CVE-2015-1098 Apple iWork */
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5 }, /* CVE-2014-0160 Heartbleed */
		{ "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8 }, /* CVE-2008-1447 DNS */
		{ "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8 }, /* CVE-2014-2005 Sophos */
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8 }, /* CVE-2010-0467 Joomla */
		{ "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8 },
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0 },
		/* temporal metrics are allowed and do not change the base score */
		{ "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C", 9.8 },
		{ "CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N", 9.8 }, /* any order */
	};
	size_t i;

	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		double s = -1;
		ck_assert_msg(cvss_score(ex[i].v, &s, why, sizeof(why)) == 0, "%s: %s", ex[i].v, why);
		ck_assert_msg((int)(s * 10 + 0.5) == (int)(ex[i].score * 10 + 0.5),
		    "%s: %.1f, published %.1f", ex[i].v, s, ex[i].score);
	}
	ck_assert_int_eq(cvss_rating(9.8), 4);
	ck_assert_int_eq(cvss_rating(7.0), 3);
	ck_assert_int_eq(cvss_rating(6.9), 2);
	ck_assert_int_eq(cvss_rating(0.1), 1);
	ck_assert_int_eq(cvss_rating(0.0), 0);
}
END_TEST

START_TEST(cvss_refused)
{
	static const char *const bad[] = { "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/",
		"CVSS:3.1/AV:NN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:Q", "CVSS:2.0/AV:N", "" };
	double s;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(cvss_score(bad[i], &s, why, sizeof(why)) == -1, "accepted %s", bad[i]);
}
END_TEST

/*
 * CVSS v4.0: each vector with the score FIRST's reference calculator gives (github.com/FIRSTdotorg/
 * cvss-v4-calculator at c5b0d40, its cvss_score.js run by node; the C port agrees with it on every
 * base vector and on 300000 vectors with threat, environmental and supplemental metrics).
 */
START_TEST(cvss_v4_reference)
{
#define B "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
	static const struct {
		const char *v;
		double score;
	} ex[] = {
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3 },
		{ "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5 },
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0 },
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:L/VI:L/VA:N/SC:L/SI:L/SA:N", 5.1 },
		{ "CVSS:4.0/AV:N/AC:H/AT:P/PR:L/UI:P/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 2.1 },
		{ "CVSS:4.0/AV:A/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:N/SC:N/SI:N/SA:N", 6.0 },
		{ "CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.0 },
		{ "CVSS:4.0/AV:L/AC:H/AT:P/PR:H/UI:A/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N", 1.0 },
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:N/SA:N", 7.7 },
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0 },
		{ B "/E:U", 8.1 },
		{ B "/E:P", 8.9 },
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/CR:L/IR:L/AR:L", 7.3 },
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N/MSI:S/MSA:S", 9.8 },
		{ B "/MAV:P/MPR:H/MVC:L", 5.3 },
		{ "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:M/IR:H/AR:M/MAV:N/"
		  "MUI:N",
		    9.3 },
		{ B "/S:P/AU:Y/R:A/V:C/RE:H/U:Red", 9.3 },
		{ "CVSS:4.0/AV:A/AC:H/AT:N/PR:L/UI:P/VC:L/VI:H/VA:N/SC:L/SI:H/SA:L/E:P/MSC:N/MSI:L", 1.6 },
	};
#undef B
	size_t i;

	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		double s = -1;
		ck_assert_msg(cvss_score(ex[i].v, &s, why, sizeof(why)) == 0, "%s: %s", ex[i].v, why);
		ck_assert_msg((int)(s * 10 + 0.5) == (int)(ex[i].score * 10 + 0.5),
		    "%s: %.1f, the reference %.1f", ex[i].v, s, ex[i].score);
	}
}
END_TEST

/* v4.0 parsing is strict: every base metric once, in the specification's order, known names and values. */
START_TEST(cvss_v4_refused)
{
#define B "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
	static const struct {
		const char *v, *why;
	} bad[] = {
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
		    "the vector lacks the base metric SA" },
		{ "CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		    "the vector lacks the base metric AT (before PR)" },
		{ "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		    "the vector lacks the base metric AV (before AC)" },
		{ "CVSS:4.0/AV:N/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		    "metric AV is repeated or out of the specification's order" },
		{ B "/E:A/E:A", "metric E is repeated or out of the specification's order" },
		{ B "/CR:H/E:A", "metric E is repeated or out of the specification's order" },
		{ B "/ZZ:Q", "'ZZ:Q' is not a CVSS v4.0 metric" },
		{ B "/S:U", "S:U is not a value CVSS v4.0 defines" },
		{ B "/MSC:S", "MSC:S is not a value CVSS v4.0 defines" },
		{ B "/U:red", "U:red is not a value CVSS v4.0 defines" },
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N",
		    "SI:S is not a value CVSS v4.0 defines" },
		{ "CVSS:4.0/AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
		    "AV:X is not a value CVSS v4.0 defines" },
		{ "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:NN",
		    "SA:NN is not a value CVSS v4.0 defines" },
		{ B "/", "'' is not a NAME:VALUE metric" },
		{ B "/E", "'E' is not a NAME:VALUE metric" },
		{ B "/E:", "'E:' is not a NAME:VALUE metric" },
		{ "CVSS:4.0/", "'' is not a NAME:VALUE metric" },
	};
#undef B
	double s;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(cvss_score(bad[i].v, &s, why, sizeof(why)) == -1, "accepted %s", bad[i].v);
		ck_assert_str_eq(why, bad[i].why);
	}
}
END_TEST

/* Severity from the record's vectors: a computed CVSS v4.0 score first, then v3, then the database's word. */
START_TEST(osv_record_cvss_v4)
{
	static const struct {
		const char *sevs, *source;
		int sev;
	} ex[] = {
		{ "{\"type\": \"CVSS_V3\", \"score\": \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N\"}, "
		  "{\"type\": \"CVSS_V4\", "
		  "\"score\": \"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N\"}",
		    "CVSS_V4 9.3", SEV_CRITICAL },
		{ "{\"type\": \"CVSS_V3\", \"score\": \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}, "
		  "{\"type\": \"CVSS_V4\", "
		  "\"score\": \"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N\"}",
		    "CVSS_V4 8.5", SEV_HIGH },
		{ "{\"type\": \"CVSS_V3\", \"score\": \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N\"}, "
		  "{\"type\": \"CVSS_V4\", "
		  "\"score\": \"CVSS:4.0/AV:N/AC:L\"}",
		    "CVSS_V3 7.5", SEV_HIGH },
		{ "{\"type\": \"CVSS_V4\", \"score\": \"CVSS:4.0/AV:N/AC:L\"}",
		    "database_specific (CVSS_V4 not computed)", SEV_MEDIUM },
	};
	char rec[1024];
	struct dep_finding f;
	size_t i;

	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		ck_assert_int_lt(snprintf(rec, sizeof(rec),
				     "{\"id\": \"GHSA-1\", \"modified\": \"m\", \"severity\": [%s],"
				     "\"affected\": [{\"package\": {\"ecosystem\": \"PyPI\", \"name\": "
				     "\"a\"}, \"ranges\": [{\"type\": \"ECOSYSTEM\", "
				     "\"events\": [{\"introduced\": \"0\"}]}]}], \"database_specific\": "
				     "{\"severity\": \"MODERATE\"}}",
				     ex[i].sevs),
		    (int)sizeof(rec));
		ck_assert_int_eq(
		    osv_parse_record(rec, strlen(rec), "PyPI", "a", "1.0", &f, why, sizeof(why)), 1);
		ck_assert_str_eq(f.sev_source, ex[i].source);
		ck_assert_int_eq(f.sev, ex[i].sev);
	}
}
END_TEST

START_TEST(osv_record_and_versions)
{
	const char *rec =
	    "{\"id\": \"GHSA-1\", \"modified\": \"m\", \"aliases\": [\"CVE-1\", \"bad id\"],"
	    "\"affected\": [{\"package\": {\"ecosystem\": \"PyPI\", \"name\": \"Zope.Interface\"},"
	    "\"ranges\": [{\"type\": \"ECOSYSTEM\", \"events\": [{\"introduced\": \"0\"}, {\"fixed\": "
	    "\"5.4.1\"}]}],"
	    "\"database_specific\": {\"severity\": \"MODERATE\"}},"
	    "{\"package\": {\"ecosystem\": \"npm\", \"name\": \"x\"}, \"ranges\": [{\"events\": [{\"fixed\": "
	    "\"9\"}]}]}]}";
	struct dep_finding f;
	struct osv_query q[2] = { { 0 } };
	size_t idx[2] = { 1, 0 };

	ck_assert_int_eq(
	    osv_parse_record(rec, strlen(rec), "PyPI", "zope-interface", "5.4.0", &f, why, sizeof(why)), 1);
	ck_assert_str_eq(f.aliases, "CVE-1");
	ck_assert_int_eq(f.sev, SEV_MEDIUM);
	ck_assert_str_eq(f.sev_source, "database_specific");
	ck_assert_str_eq(f.fixes, "5.4.1");
	ck_assert_int_eq(f.fixable, 1);
	ck_assert_int_eq(
	    osv_parse_record(rec, strlen(rec), "PyPI", "zope-interface", "6.0", &f, why, sizeof(why)), 1);
	ck_assert_int_eq(f.fixable, 0);
	const char *wd = "{\"id\": \"X-1\", \"withdrawn\": \"2024\"}";
	ck_assert_int_eq(osv_parse_record(wd, strlen(wd), "PyPI", "a", "1", &f, why, sizeof(why)), 0);
	ck_assert_int_eq(osv_parse_record("[1]", 3, "PyPI", "a", "1", &f, why, sizeof(why)), -1);
	ck_assert_int_lt(osv_vercmp("1.0.0rc1", "1.0.0"), 0);
	ck_assert_int_gt(osv_vercmp("1.0.post1", "1.0"), 0);
	ck_assert_int_gt(osv_vercmp("1.10.0", "1.9.9"), 0);
	ck_assert_int_eq(osv_vercmp("v1.2.0", "1.2.0"), 0);
	ck_assert_int_lt(osv_vercmp("0.6.9", "0.6.10"), 0);
	/* a querybatch answer maps to the queries in idx order; a wrong count or a bad id changes nothing */
	const char *ans = "{\"results\": [{\"vulns\": [{\"id\": \"A-1\", \"modified\": \"m\"}],"
			  "\"next_page_token\": \"t2\"}, {}]}";
	ck_assert_int_eq(osv_parse_batch(ans, strlen(ans), q, idx, 2, why, sizeof(why)), 0);
	ck_assert_uint_eq(q[1].n, 1);
	ck_assert_str_eq(q[1].v[0].id, "A-1");
	ck_assert_str_eq(q[1].token, "t2");
	ck_assert_uint_eq(q[0].n, 0);
	ck_assert_int_eq(osv_parse_batch(ans, strlen(ans), q, idx, 1, why, sizeof(why)), -1);
	const char *bad = "{\"results\": [{\"vulns\": [{\"id\": \"../x\"}]}]}";
	ck_assert_int_eq(osv_parse_batch(bad, strlen(bad), q, idx, 1, why, sizeof(why)), -1);
	ck_assert_uint_eq(q[1].n, 1);
	free(q[0].v);
	free(q[1].v);
}
END_TEST

static void
lock_teardown(void)
{
	lockset_free(&set);
}

/* orch-fix and the scan of main move a pin to the lowest fix above it within its major, else the lowest above
 * it. */
START_TEST(osv_fix_within_major)
{
	char out[64];

	osv_fix_choice("2.19.1", "2.20.0,3.0.1", out, sizeof(out));
	ck_assert_str_eq(out, "2.20.0");
	osv_fix_choice("1.24.1", "2.0.2,1.24.2,1.26.5", out, sizeof(out));
	ck_assert_str_eq(out, "1.24.2");
	osv_fix_choice("1.9", "2.0,3.1", out, sizeof(out)); /* none in major 1: the lowest above */
	ck_assert_str_eq(out, "2.0");
	osv_fix_choice("0.7.0", "0.13.0", out, sizeof(out));
	ck_assert_str_eq(out, "0.13.0");
	osv_fix_choice("4.0", "3.9,4.0", out, sizeof(out)); /* nothing above the pin */
	ck_assert_str_eq(out, "");
	osv_fix_choice("1.0", "", out, sizeof(out));
	ck_assert_str_eq(out, "");
}
END_TEST

Suite *
lockfile_suite(void)
{
	Suite *s = suite_create("lockfile");
	TCase *tc = tcase_create("parsers");

	tcase_add_checked_fixture(tc, NULL, lock_teardown);
	tcase_add_test(tc, lock_kinds);
	tcase_add_test(tc, lock_requirements);
	tcase_add_test(tc, lock_requirements_bad);
	tcase_add_test(tc, lock_npm);
	tcase_add_test(tc, lock_pipfile);
	tcase_add_test(tc, lock_toml_formats);
	tcase_add_test(tc, lock_toml_bad);
	tcase_add_test(tc, lock_toml_depth);
	tcase_add_test(tc, lock_gomod);
	suite_add_tcase(s, tc);
	tc = tcase_create("cvss");
	tcase_add_test(tc, cvss_first_examples);
	tcase_add_test(tc, cvss_refused);
	tcase_add_test(tc, cvss_v4_reference);
	tcase_add_test(tc, cvss_v4_refused);
	tcase_add_test(tc, osv_record_and_versions);
	tcase_add_test(tc, osv_record_cvss_v4);
	tcase_add_test(tc, osv_fix_within_major);
	suite_add_tcase(s, tc);
	return s;
}
