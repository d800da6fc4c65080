/* CVSS v3.x base scores (cvss.h): parse the vector strictly, then the specification's formulas. */
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
    {"AV", "NALP", {0.85, 0.62, 0.55, 0.2}},
    {"AC", "LH", {0.77, 0.44}},
    {"PR", "NLH", {0.85, 0.62, 0.27}},
    {"UI", "NR", {0.85, 0.62}},
    {"S", "UC", {0}},
    {"C", "HLN", {0.56, 0.22, 0}},
    {"I", "HLN", {0.56, 0.22, 0}},
    {"A", "HLN", {0.56, 0.22, 0}},
};

/* Temporal and environmental metrics: allowed after the base ones, not scored. */
static const struct {
	const char *name, *vals;
} other[] = {
    {"E", "XUPFH"}, {"RL", "XOTWU"},  {"RC", "XURC"}, {"CR", "XLMH"},  {"IR", "XLMH"},
    {"AR", "XLMH"}, {"MAV", "XNALP"}, {"MAC", "XLH"}, {"MPR", "XNLH"}, {"MUI", "XNR"},
    {"MS", "XUC"},  {"MC", "XNLH"},   {"MI", "XNLH"}, {"MA", "XNLH"},
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

int
cvss_score(const char *vector, double *score, char *why, size_t wn)
{
	int idx[M_BASE], seen_other = 0, v31, i;
	const char *p, *end;

	if (vector == NULL || strncmp(vector, "CVSS:4.0/", 9) == 0) {
		snprintf(why, wn, vector ? "CVSS v4.0 vector: not computed" : "no vector");
		return -1;
	}
	if (strncmp(vector, "CVSS:3.1/", 9) != 0 && strncmp(vector, "CVSS:3.0/", 9) != 0) {
		snprintf(why, wn, "'%.16s' does not start with CVSS:3.0/ or CVSS:3.1/", vector);
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
