/*
 * err: the error record every lib function fills instead of exiting.
 *
 * Contract: a lib function that fails returns -1 (or a negative value) and,
 * when the caller passed a struct orch_err, fills it with an exit-code class
 * (the EX_* values of SPEC section 9) and one lowercase message that names
 * the thing that is wrong and what to do.  Only cmd/ prints and exits.
 * err_set() returns -1 so callers write `return err_set(e, ...)`.
 *
 * Two shapes, and only two:
 *  1. Judges and actions: 1 yes / 0 no / -1 error (or 0 / -1), the reason
 *     of a failure in struct orch_err.  Named codes for anything else
 *     (GIT_FAILED, PLANE_NOT_FOUND, WS_RED ...), never a bare -2.
 *  2. Parsers and validators of one piece of text or data keep a short
 *     `char *why, size_t wn` for what is wrong with it (the caller turns it
 *     into a red gate, a usage error or an orch_err): the functions named in
 *     ERR_WHY_ALLOWED below.  `make style` refuses any other prototype in
 *     lib's headers that takes `char *why, size_t` or `char *reason, size_t`.
 * A judge whose "no" carries a reason sets it in struct orch_err with code
 * EX_NO (git_read_artifact's red, merge_land's refusal); a caller that goes
 * on past it clears the record.
 */
#define ERR_WHY_ALLOWED \
	"curl_api_load cvss_score fix_plan_file_check fixpatch_apply fixplan_parse " \
	"fixplan_policy fixplan_patch_policy fm_verdict fm_get gate_security_applies http_probe " \
	"http_post_json " \
	"lockfile_parse osv_parse_record osv_probe proc_spawn_detached text_from_html toml_walk " \
	"title_check osv_parse_batch scan_main_parse_review"
#ifndef ORCH_ERR_H
#define ORCH_ERR_H

#include <stddef.h>

enum orch_exit {
	EX_OK = 0,
	EX_NO = 1,      /* a "no" verdict: red gate, blocked */
	EX_WAITING = 2, /* waiting, e.g. human gate pending */
	EX_USAGE = 64,
	EX_DATAERR = 65,
	EX_NOINPUT = 66,
	EX_UNAVAILABLE = 69,
	EX_SOFTWARE = 70,
	EX_IOERR = 74,
	EX_TEMPFAIL = 75,
	EX_CONFIG = 78,
};

struct orch_err {
	int code; /* enum orch_exit class of the failure */
	char msg[1024];
};

int err_set(struct orch_err *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void err_clear(struct orch_err *e);
/*
 * err_warn(): the one way lib code reports a condition it goes on past (an
 * alert it has logged, a stale cache it serves): one line on stderr,
 * "orch: " and the message.  Errors still go back to the caller in orch_err.
 */
void err_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* BUG(): a state that cannot happen; never for bad input. */
#define BUG(msg) err_bug(__FILE__, __LINE__, msg)
void err_bug(const char *file, int line, const char *msg) __attribute__((noreturn));

#endif
