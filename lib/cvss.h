/*
 * cvss: the base score of a CVSS v3.0 / v3.1 vector, by the formulas of
 * FIRST's specification (section 7 of "CVSS v3.1: Specification
 * Document"; v3.0 differs only in its round-up), and the score of a CVSS
 * v4.0 vector as FIRST's reference calculator computes it
 * (github.com/FIRSTdotorg/cvss-v4-calculator, cvss_score.js: the
 * macro-vector EQ1..EQ6 table and the severity-distance interpolation,
 * rounded to one decimal).  OSV records carry the vector, never the number
 * (shared/reference/osv-api.md).
 *
 * Contract: strict.  v3: the prefix "CVSS:3.0/" or "CVSS:3.1/", then each
 * of the eight base metrics (AV AC PR UI S C I A) exactly once, with a
 * value the specification defines; temporal and environmental metrics may
 * follow (checked for a known name and value, never scored).  v4.0: the
 * prefix "CVSS:4.0/", the eleven base metrics (AV AC AT PR UI VC VI VA SC
 * SI SA) each once, then any threat (E), environmental (CR IR AR MAV ..
 * MSA) and supplemental (S AU R V RE U) metrics, all in the
 * specification's order with values it defines; threat and environmental
 * ones are scored (CVSS-BTE, as the calculator does), supplemental ones
 * not.  Anything else is refused with a reason, never guessed.
 *
 * cvss_score() returns 0 with the score (0.0 .. 10.0, one decimal) or -1
 * with why (NUL-terminated, at most wn bytes).
 */
#ifndef ORCH_CVSS_H
#define ORCH_CVSS_H

#include <stddef.h>

int cvss_score(const char *vector, double *score, char *why, size_t wn);
/* The qualitative rating of a score (CVSS v3.1 table 14): 4 CRITICAL .. 1 LOW, 0 for NONE (0.0). */
int cvss_rating(double score);

#endif
