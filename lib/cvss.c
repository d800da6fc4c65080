/* CVSS v3.x and v4.0 base scores (cvss.h): parse the vector strictly, then the specification's formulas. */
#include "cvss.h"

#include <stdio.h>
#include <string.h>

/* One metric: its name, the values it takes and their weights (scope-changed weights for PR apart). */
struct metric {
	const char *name;
	const char *vals; /* one letter per value */
	double w[5];
};

enum { M_AV, M_AC, M_PR, M_UI, M_S, M_C, M_I, M_A, M_BASE };

static const struct metric base[M_BASE] = {
	{ "AV", "NALP", { 0.85, 0.62, 0.55, 0.2 } },
	{ "AC", "LH", { 0.77, 0.44 } },
	{ "PR", "NLH", { 0.85, 0.62, 0.27 } },
	{ "UI", "NR", { 0.85, 0.62 } },
	{ "S", "UC", { 0 } },
	{ "C", "HLN", { 0.56, 0.22, 0 } },
	{ "I", "HLN", { 0.56, 0.22, 0 } },
	{ "A", "HLN", { 0.56, 0.22, 0 } },
};

/* Temporal and environmental metrics: allowed after the base ones, not scored. */
static const struct {
	const char *name, *vals;
} other[] = {
	{ "E", "XUPFH" },
	{ "RL", "XOTWU" },
	{ "RC", "XURC" },
	{ "CR", "XLMH" },
	{ "IR", "XLMH" },
	{ "AR", "XLMH" },
	{ "MAV", "XNALP" },
	{ "MAC", "XLH" },
	{ "MPR", "XNLH" },
	{ "MUI", "XNR" },
	{ "MS", "XUC" },
	{ "MC", "XNLH" },
	{ "MI", "XNLH" },
	{ "MA", "XNLH" },
};

/* v3.1's Roundup (Appendix A): exact on decimal inputs that binary floating point would push up. */
/* Without libm (orch links none): the inputs are small and positive. */
static long long
round_pos(double x)
{
	return (long long)(x + 0.5);
}

static double
ceil_pos(double x)
{
	long long i = (long long)x;

	return (double)i < x ? (double)(i + 1) : (double)i;
}

static double
pow15(double x)
{
	double r = 1;
	int i;

	for (i = 0; i < 15; i++)
		r *= x;
	return r;
}

static double
min10(double x)
{
	return x < 10 ? x : 10;
}

static double
roundup31(double x)
{
	long long i = round_pos(x * 100000.0);

	if (i % 10000 == 0)
		return (double)i / 100000.0;
	return (double)(i / 10000 + 1) / 10.0;
}

static double
roundup30(double x)
{
	return ceil_pos(x * 10.0) / 10.0;
}

/* JavaScript's Math.round(x * 10) / 10 for x >= 0 (the v4.0 calculator's rounding): halves go up. */
static double
round1(double x)
{
	double t = x * 10.0;
	long long i = (long long)t;

	if (t - (double)i >= 0.5)
		i++;
	return (double)i / 10.0;
}

/* One "NAME:V" field of the vector into idx[] (value index per base metric); 0, or -1 with why. */
static int
take_field(const char *f, size_t len, int idx[M_BASE], int *seen_other, char *why, size_t wn)
{
	const char *colon = memchr(f, ':', len);
	size_t nl, i;

	if (colon == NULL || colon + 2 != f + len || colon == f) {
		snprintf(why, wn, "'%.*s' is not a NAME:VALUE metric", (int)(len > 20 ? 20 : len), f);
		return -1;
	}
	nl = (size_t)(colon - f);
	for (i = 0; i < M_BASE; i++) {
		const char *v;
		if (strlen(base[i].name) != nl || memcmp(base[i].name, f, nl) != 0)
			continue;
		if (*seen_other || idx[i] >= 0) {
			snprintf(why, wn, "metric %s is repeated or after a temporal one", base[i].name);
			return -1;
		}
		if (colon[1] == '\0' || (v = strchr(base[i].vals, colon[1])) == NULL) {
			snprintf(why, wn, "%s:%c is not a value CVSS v3 defines", base[i].name, colon[1]);
			return -1;
		}
		idx[i] = (int)(v - base[i].vals);
		return 0;
	}
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (strlen(other[i].name) == nl && memcmp(other[i].name, f, nl) == 0 && colon[1] &&
		    strchr(other[i].vals, colon[1])) {
			*seen_other = 1;
			return 0;
		}
	snprintf(why, wn, "'%.*s' is not a CVSS v3 metric", (int)(len > 20 ? 20 : len), f);
	return -1;
}

static double
base_score(const int idx[M_BASE], int v31)
{
	int changed = idx[M_S] == 1;
	double pr = base[M_PR].w[idx[M_PR]], iss, impact, expl;

	if (changed && idx[M_PR] == 1)
		pr = 0.68;
	else if (changed && idx[M_PR] == 2)
		pr = 0.5;
	iss = 1.0 -
	    (1.0 - base[M_C].w[idx[M_C]]) * (1.0 - base[M_I].w[idx[M_I]]) * (1.0 - base[M_A].w[idx[M_A]]);
	impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow15(iss - 0.02) : 6.42 * iss;
	expl = 8.22 * base[M_AV].w[idx[M_AV]] * base[M_AC].w[idx[M_AC]] * pr * base[M_UI].w[idx[M_UI]];
	if (impact <= 0)
		return 0.0;
	if (changed)
		return v31 ? roundup31(min10(1.08 * (impact + expl)))
			   : roundup30(min10(1.08 * (impact + expl)));
	return v31 ? roundup31(min10(impact + expl)) : roundup30(min10(impact + expl));
}

/*
 * CVSS v4.0 (FIRST's reference calculator, github.com/FIRSTdotorg/cvss-v4-calculator, cvss_score.js):
 * the metrics in the specification's order, each once, the 11 base ones mandatory.
 */
enum {
	V_AV,
	V_AC,
	V_AT,
	V_PR,
	V_UI,
	V_VC,
	V_VI,
	V_VA,
	V_SC,
	V_SI,
	V_SA,
	V_BASE,
	V_E = V_BASE,
	V_CR,
	V_IR,
	V_AR,
	V_MAV,
	V_MAC,
	V_MAT,
	V_MPR,
	V_MUI,
	V_MVC,
	V_MVI,
	V_MVA,
	V_MSC,
	V_MSI,
	V_MSA,
	V_S,
	V_AU,
	V_R,
	V_V,
	V_RE,
	V_U,
	V_ALL
};

static const struct {
	const char *name;
	const char *vals[6];
} v4m[V_ALL] = {
	{ "AV", { "N", "A", "L", "P" } },
	{ "AC", { "L", "H" } },
	{ "AT", { "N", "P" } },
	{ "PR", { "N", "L", "H" } },
	{ "UI", { "N", "P", "A" } },
	{ "VC", { "H", "L", "N" } },
	{ "VI", { "H", "L", "N" } },
	{ "VA", { "H", "L", "N" } },
	{ "SC", { "H", "L", "N" } },
	{ "SI", { "H", "L", "N" } },
	{ "SA", { "H", "L", "N" } },
	{ "E", { "X", "A", "P", "U" } },
	{ "CR", { "X", "H", "M", "L" } },
	{ "IR", { "X", "H", "M", "L" } },
	{ "AR", { "X", "H", "M", "L" } },
	{ "MAV", { "X", "N", "A", "L", "P" } },
	{ "MAC", { "X", "L", "H" } },
	{ "MAT", { "X", "N", "P" } },
	{ "MPR", { "X", "N", "L", "H" } },
	{ "MUI", { "X", "N", "P", "A" } },
	{ "MVC", { "X", "H", "L", "N" } },
	{ "MVI", { "X", "H", "L", "N" } },
	{ "MVA", { "X", "H", "L", "N" } },
	{ "MSC", { "X", "H", "L", "N" } },
	{ "MSI", { "X", "S", "H", "L", "N" } },
	{ "MSA", { "X", "S", "H", "L", "N" } },
	{ "S", { "X", "N", "P" } },
	{ "AU", { "X", "N", "Y" } },
	{ "R", { "X", "A", "U", "I" } },
	{ "V", { "X", "D", "C" } },
	{ "RE", { "X", "L", "M", "H" } },
	{ "U", { "X", "Clear", "Green", "Amber", "Red" } },
};

/* The macro-vectors' scores (cvss_lookup.js) in tenths, indexed by v4_index(): EQ1 EQ2 EQ3+EQ6 EQ4 EQ5. */
static const unsigned char v4_lookup[270] = {
	100,
	98,
	95,
	100,
	93,
	91,
	93,
	89,
	81,
	99,
	95,
	92,
	96,
	87,
	81,
	90,
	80,
	68,
	98,
	95,
	90,
	93,
	89,
	81,
	88,
	78,
	69,
	95,
	92,
	84,
	92,
	81,
	65,
	80,
	70,
	48,
	92,
	82,
	72,
	79,
	69,
	50,
	69,
	55,
	27,
	99,
	95,
	92,
	95,
	90,
	84,
	92,
	82,
	72,
	97,
	92,
	85,
	91,
	83,
	71,
	81,
	71,
	53,
	95,
	92,
	85,
	92,
	80,
	70,
	84,
	71,
	50,
	93,
	85,
	73,
	82,
	72,
	59,
	70,
	52,
	30,
	86,
	75,
	52,
	71,
	52,
	29,
	63,
	29,
	17,
	98,
	94,
	91,
	94,
	86,
	77,
	87,
	74,
	63,
	95,
	87,
	81,
	89,
	74,
	64,
	75,
	63,
	49,
	94,
	88,
	76,
	86,
	74,
	59,
	72,
	57,
	52,
	89,
	77,
	67,
	76,
	58,
	50,
	57,
	52,
	25,
	83,
	70,
	54,
	65,
	58,
	26,
	53,
	21,
	13,
	95,
	88,
	76,
	90,
	75,
	61,
	77,
	68,
	52,
	90,
	76,
	70,
	77,
	62,
	53,
	66,
	59,
	30,
	89,
	76,
	62,
	74,
	57,
	47,
	61,
	57,
	24,
	78,
	67,
	58,
	59,
	57,
	23,
	52,
	29,
	16,
	71,
	59,
	30,
	58,
	26,
	15,
	23,
	13,
	6,
	93,
	86,
	75,
	86,
	74,
	56,
	70,
	52,
	40,
	87,
	72,
	58,
	74,
	61,
	34,
	54,
	40,
	22,
	85,
	74,
	62,
	72,
	55,
	46,
	53,
	34,
	19,
	75,
	55,
	51,
	57,
	41,
	19,
	36,
	19,
	8,
	64,
	51,
	20,
	47,
	21,
	11,
	24,
	9,
	4,
	88,
	73,
	60,
	73,
	59,
	41,
	54,
	45,
	20,
	75,
	53,
	50,
	55,
	40,
	20,
	43,
	22,
	11,
	75,
	58,
	40,
	61,
	48,
	20,
	46,
	17,
	8,
	55,
	45,
	21,
	51,
	18,
	9,
	18,
	7,
	2,
	53,
	24,
	14,
	24,
	12,
	5,
	10,
	3,
	1,
};

/* cvss_score.js's severity levels: the metric, its values and each one's distance from the worst. */
static const struct {
	int m;
	const char *vals;
	double lv[4];
} v4_levels[14] = {
	{ V_AV, "NALP", { 0.0, 0.1, 0.2, 0.3 } },
	{ V_PR, "NLH", { 0.0, 0.1, 0.2 } },
	{ V_UI, "NPA", { 0.0, 0.1, 0.2 } },
	{ V_AC, "LH", { 0.0, 0.1 } },
	{ V_AT, "NP", { 0.0, 0.1 } },
	{ V_VC, "HLN", { 0.0, 0.1, 0.2 } },
	{ V_VI, "HLN", { 0.0, 0.1, 0.2 } },
	{ V_VA, "HLN", { 0.0, 0.1, 0.2 } },
	{ V_SC, "HLN", { 0.1, 0.2, 0.3 } },
	{ V_SI, "SHLN", { 0.0, 0.1, 0.2, 0.3 } },
	{ V_SA, "SHLN", { 0.0, 0.1, 0.2, 0.3 } },
	{ V_CR, "HML", { 0.0, 0.1, 0.2 } },
	{ V_IR, "HML", { 0.0, 0.1, 0.2 } },
	{ V_AR, "HML", { 0.0, 0.1, 0.2 } },
};

/* max_composed.js: the highest severity vectors of each EQ's levels (EQ3 by EQ6). */
static const char *const v4_max1[3][3] = { { "AV:N/PR:N/UI:N/" },
	{ "AV:A/PR:N/UI:N/", "AV:N/PR:L/UI:N/", "AV:N/PR:N/UI:P/" },
	{ "AV:P/PR:N/UI:N/", "AV:A/PR:L/UI:P/" } };
static const char *const v4_max2[2][2] = { { "AC:L/AT:N/" }, { "AC:H/AT:N/", "AC:L/AT:P/" } };
static const char *const v4_max36[3][2][5] = {
	{ { "VC:H/VI:H/VA:H/CR:H/IR:H/AR:H/" },
	    { "VC:H/VI:H/VA:L/CR:M/IR:M/AR:H/", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M/" } },
	{ { "VC:L/VI:H/VA:H/CR:H/IR:H/AR:H/", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H/" },
	    { "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H/", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M/",
		"VC:H/VI:L/VA:H/CR:M/IR:H/AR:M/", "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H/",
		"VC:L/VI:L/VA:H/CR:H/IR:H/AR:M/" } },
	{ { NULL }, { "VC:L/VI:L/VA:L/CR:H/IR:H/AR:H/" } },
};
static const char *const v4_max4[3] = { "SC:H/SI:S/SA:S/", "SC:H/SI:H/SA:H/", "SC:L/SI:L/SA:L/" };

/* max_severity.js: the depth of each EQ's levels (EQ3+EQ6 by EQ3 and EQ6). */
static const int v4_depth1[3] = { 1, 4, 5 }, v4_depth2[2] = { 1, 2 }, v4_depth4[3] = { 6, 5, 4 };
static const int v4_depth36[3][2] = { { 7, 6 }, { 8, 8 }, { 0, 10 } };

/* One "NAME:VALUE" field at or after the order's position *pos into sel[] (the value's first letter). */
static int
v4_field(const char *f, size_t len, int *pos, char sel[V_ALL], char *why, size_t wn)
{
	const char *colon = memchr(f, ':', len);
	size_t nl, vl;
	int i, k;

	if (colon == NULL || colon == f || colon + 1 == f + len) {
		snprintf(why, wn, "'%.*s' is not a NAME:VALUE metric", (int)(len > 20 ? 20 : len), f);
		return -1;
	}
	nl = (size_t)(colon - f);
	vl = len - nl - 1;
	for (i = 0; i < V_ALL; i++)
		if (strlen(v4m[i].name) == nl && memcmp(v4m[i].name, f, nl) == 0)
			break;
	if (i == V_ALL) {
		snprintf(why, wn, "'%.*s' is not a CVSS v4.0 metric", (int)(len > 20 ? 20 : len), f);
		return -1;
	}
	if (i < *pos) {
		snprintf(why, wn, "metric %s is repeated or out of the specification's order", v4m[i].name);
		return -1;
	}
	if (*pos < V_BASE && i > *pos) {
		snprintf(
		    why, wn, "the vector lacks the base metric %s (before %s)", v4m[*pos].name, v4m[i].name);
		return -1;
	}
	for (k = 0; k < 6 && v4m[i].vals[k]; k++)
		if (strlen(v4m[i].vals[k]) == vl && memcmp(v4m[i].vals[k], colon + 1, vl) == 0)
			break;
	if (k == 6 || v4m[i].vals[k] == NULL) {
		snprintf(why, wn, "%s:%.*s is not a value CVSS v4.0 defines", v4m[i].name,
		    (int)(vl > 8 ? 8 : vl), colon + 1);
		return -1;
	}
	sel[i] = v4m[i].vals[k][0];
	*pos = i + 1;
	return 0;
}

/* cvss_score.js's m(): the value scored, the modified metric's when set, X read as the worst case. */
static char
v4_eff(const char sel[V_ALL], int i)
{
	if (i == V_E && sel[i] == 'X')
		return 'A';
	if ((i == V_CR || i == V_IR || i == V_AR) && sel[i] == 'X')
		return 'H';
	if (i < V_BASE && sel[V_MAV + i] != 'X')
		return sel[V_MAV + i];
	return sel[i];
}

/* cvss_score.js's macroVector(): EQ1..EQ6 into eq[]. */
static void
v4_macro(const char sel[V_ALL], int eq[6])
{
	char av = v4_eff(sel, V_AV), pr = v4_eff(sel, V_PR), ui = v4_eff(sel, V_UI);
	char vc = v4_eff(sel, V_VC), vi = v4_eff(sel, V_VI), va = v4_eff(sel, V_VA), e = v4_eff(sel, V_E);

	if (av == 'N' && pr == 'N' && ui == 'N')
		eq[0] = 0;
	else if ((av == 'N' || pr == 'N' || ui == 'N') && av != 'P')
		eq[0] = 1;
	else
		eq[0] = 2;
	eq[1] = v4_eff(sel, V_AC) == 'L' && v4_eff(sel, V_AT) == 'N' ? 0 : 1;
	eq[2] = vc == 'H' && vi == 'H' ? 0 : vc == 'H' || vi == 'H' || va == 'H' ? 1 : 2;
	if (sel[V_MSI] == 'S' || sel[V_MSA] == 'S')
		eq[3] = 0;
	else if (v4_eff(sel, V_SC) == 'H' || v4_eff(sel, V_SI) == 'H' || v4_eff(sel, V_SA) == 'H')
		eq[3] = 1;
	else
		eq[3] = 2;
	eq[4] = e == 'A' ? 0 : e == 'P' ? 1 : 2;
	eq[5] = (v4_eff(sel, V_CR) == 'H' && vc == 'H') || (v4_eff(sel, V_IR) == 'H' && vi == 'H') ||
		(v4_eff(sel, V_AR) == 'H' && va == 'H')
	    ? 0
	    : 1;
}

/* A macro-vector's score into *s: 0, or -1 when the table has no such macro-vector (a lower one past the
 * last). */
static int
v4_score_of(int e1, int e2, int e3, int e4, int e5, int e6, double *s)
{
	int e36 = e3 * 2 + e6; /* 00 01 10 11 21 -> 0 1 2 3 4 */

	if (e1 > 2 || e2 > 1 || e4 > 2 || e5 > 2 || e3 > 2 || e6 > 1 || e36 == 4)
		return -1;
	if (e36 == 5)
		e36 = 4;
	*s = (double)v4_lookup[(((e1 * 2 + e2) * 5 + e36) * 3 + e4) * 3 + e5] / 10.0;
	return 0;
}

/* The level of metric v4_levels[k] in a value letter (NaN-free: every letter scored is listed). */
static double
v4_level(int k, char c)
{
	const char *p = strchr(v4_levels[k].vals, c);

	return p && c ? v4_levels[k].lv[p - v4_levels[k].vals] : 0.0;
}

/* The value a composed max vector gives metric name ("AV:N/PR:N/...": every field ends with '/'). */
static char
v4_max_val(const char *mv, const char *name)
{
	size_t nl = strlen(name);
	const char *p;

	for (p = mv; *p; p = strchr(p, '/') + 1)
		if (strncmp(p, name, nl) == 0 && p[nl] == ':')
			return p[nl + 1];
	return '\0';
}

/* The severity distances d[] (v4_levels' order) from the first composed max vector not below the vector. */
static void
v4_distances(const char sel[V_ALL], const int eq[6], double d[14])
{
	const char *const *m36 = v4_max36[eq[2]][eq[5]];
	char mv[96];
	int a, b, c, k, neg = 1;

	for (a = 0; a < 3 && v4_max1[eq[0]][a] && neg; a++)
		for (b = 0; b < 2 && v4_max2[eq[1]][b] && neg; b++)
			for (c = 0; c < 5 && m36[c] && neg; c++) {
				snprintf(mv, sizeof(mv), "%s%s%s%s", v4_max1[eq[0]][a], v4_max2[eq[1]][b],
				    m36[c], v4_max4[eq[3]]);
				for (neg = 0, k = 0; k < 14; k++) {
					d[k] = v4_level(k, v4_eff(sel, v4_levels[k].m)) -
					    v4_level(k, v4_max_val(mv, v4m[v4_levels[k].m].name));
					neg |= d[k] < 0;
				}
			}
}

/* The proportional distance of one EQ: its macro-vector's score minus the next lower one's, times the part
 * used. */
static void
v4_part(double value, int lower_ok, double lower, double dist, int depth, double *sum, int *n)
{
	if (!lower_ok)
		return;
	(*n)++;
	*sum += (value - lower) * (dist / ((double)depth * 0.1));
}

/* cvss_score.js's cvss_score(): the macro-vector's score less the mean proportional distance, one decimal. */
static double
v4_score(const char sel[V_ALL])
{
	static const int none[6] = { V_VC, V_VI, V_VA, V_SC, V_SI, V_SA };
	int eq[6], k, n = 0, ok, okl, okr;
	double value, lower, l2, d[14], part[5] = { 0 }, mean;

	for (k = 0; k < 6 && v4_eff(sel, none[k]) == 'N'; k++)
		;
	if (k == 6)
		return 0.0;
	v4_macro(sel, eq);
	if (v4_score_of(eq[0], eq[1], eq[2], eq[3], eq[4], eq[5], &value) < 0)
		return 0.0; /* not reached: every macro-vector macroVector() makes is in the table */
	v4_distances(sel, eq, d);
	ok = v4_score_of(eq[0] + 1, eq[1], eq[2], eq[3], eq[4], eq[5], &lower) == 0;
	v4_part(value, ok, lower, d[0] + d[1] + d[2], v4_depth1[eq[0]], &part[0], &n);
	ok = v4_score_of(eq[0], eq[1] + 1, eq[2], eq[3], eq[4], eq[5], &lower) == 0;
	v4_part(value, ok, lower, d[3] + d[4], v4_depth2[eq[1]], &part[1], &n);
	if (eq[2] == 0 &&
	    eq[5] == 0) { /* 00 -> 01 or 10: the higher (cvss_score.js: left > right ? left : right) */
		okl = v4_score_of(eq[0], eq[1], eq[2], eq[3], eq[4], 1, &lower) == 0;
		okr = v4_score_of(eq[0], eq[1], 1, eq[3], eq[4], 0, &l2) == 0;
		ok = okl && okr && lower > l2 ? 1 : okr;
		lower = okl && okr && lower > l2 ? lower : l2;
	} else if (eq[2] == 1 && eq[5] == 0) /* 10 -> 11 */
		ok = v4_score_of(eq[0], eq[1], eq[2], eq[3], eq[4], 1, &lower) == 0;
	else /* 01 -> 11, 11 -> 21; 21 has none */
		ok = v4_score_of(eq[0], eq[1], eq[2] + 1, eq[3], eq[4], eq[5] + (eq[2] == 2), &lower) == 0;
	v4_part(value, ok, lower, d[5] + d[6] + d[7] + d[11] + d[12] + d[13], v4_depth36[eq[2]][eq[5]],
	    &part[2], &n);
	ok = v4_score_of(eq[0], eq[1], eq[2], eq[3] + 1, eq[4], eq[5], &lower) == 0;
	v4_part(value, ok, lower, d[8] + d[9] + d[10], v4_depth4[eq[3]], &part[3], &n);
	ok = v4_score_of(eq[0], eq[1], eq[2], eq[3], eq[4] + 1, eq[5], &lower) == 0;
	v4_part(value, ok, lower, 0, 1, &part[4], &n); /* EQ5's distance is always 0 */
	mean = n ? (part[0] + part[1] + part[2] + part[3] + part[4]) / n : 0;
	value -= mean;
	return round1(value < 0 ? 0.0 : value > 10 ? 10.0 : value);
}

/* The v4.0 vector after its prefix: strict parsing, then the score. */
static int
cvss4_score(const char *p, double *score, char *why, size_t wn)
{
	char sel[V_ALL];
	const char *end;
	int pos = 0, i;

	for (i = 0; i < V_ALL; i++)
		sel[i] = i < V_BASE ? '\0' : 'X';
	for (;; p = end + 1) {
		end = strchr(p, '/');
		if (end == NULL)
			end = p + strlen(p);
		if (v4_field(p, (size_t)(end - p), &pos, sel, why, wn) < 0)
			return -1;
		if (*end == '\0')
			break;
	}
	if (pos < V_BASE) {
		snprintf(why, wn, "the vector lacks the base metric %s", v4m[pos].name);
		return -1;
	}
	*score = v4_score(sel);
	return 0;
}

int
cvss_score(const char *vector, double *score, char *why, size_t wn)
{
	int idx[M_BASE], seen_other = 0, v31, i;
	const char *p, *end;

	if (vector == NULL) {
		snprintf(why, wn, "no vector");
		return -1;
	}
	if (strncmp(vector, "CVSS:4.0/", 9) == 0)
		return cvss4_score(vector + 9, score, why, wn);
	if (strncmp(vector, "CVSS:3.1/", 9) != 0 && strncmp(vector, "CVSS:3.0/", 9) != 0) {
		snprintf(why, wn, "'%.16s' does not start with CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/", vector);
		return -1;
	}
	v31 = vector[7] == '1';
	for (i = 0; i < M_BASE; i++)
		idx[i] = -1;
	for (p = vector + 9;; p = end + 1) {
		end = strchr(p, '/');
		if (end == NULL)
			end = p + strlen(p);
		if (take_field(p, (size_t)(end - p), idx, &seen_other, why, wn) < 0)
			return -1;
		if (*end == '\0')
			break;
	}
	for (i = 0; i < M_BASE; i++)
		if (idx[i] < 0) {
			snprintf(why, wn, "the vector lacks the base metric %s", base[i].name);
			return -1;
		}
	*score = base_score(idx, v31);
	return 0;
}

int
cvss_rating(double s)
{
	return s >= 9.0 ? 4 : s >= 7.0 ? 3 : s >= 4.0 ? 2 : s > 0.0 ? 1 : 0;
}
