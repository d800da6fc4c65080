# orch-status --html: a self-contained page refreshing itself that shows what the text status shows, the
# most urgent first (secrets on main, blocked items, dead jobs, degraded feeds, then the rest); badges,
# durations, what each task waits for; artifact paths as text without repo_browse_url and links into the
# repository browser with it; local times with the UTC value in a tooltip; every string escaped; written
# atomically; rendered by headless Chromium when installed.
. "$(dirname "$0")/lib.sh"
pipeline_setup
B=$(orch-issue create --project DEMO --title 'second <b>"&' --state "To Analyse")
orch-poll -q
sql_exec "UPDATE tasks SET blocked = 1, retries = 4 WHERE work_item = ?" "$B"
# a secret on main (its file name is the committer's choice), a scan that failed, a dead job
sql_exec "INSERT INTO scan_findings(fingerprint, project, rule, file, commit_sha, line, first_seen) VALUES
 ('fp1', 'DEMO', 'aws-access-token', '<img src=x onerror=alert(1)>.env', 'abcdef0123456789', 3, '2026-01-02T03:04:05.000000Z')"
sql_exec "INSERT INTO scan_anchors(project, branch, sha, last_status, last_run) VALUES
 ('DEMO', 'main', '0123456789abcdef', 'failed', '2026-01-02T03:00:00.000000Z')"
sql_exec "UPDATE jobs SET status = 'dead', attempts = 3 WHERE id = (SELECT min(id) FROM jobs)"
expect_rc 0 env TZ=JST-9 orch-status --html "$TMP/feed.html"
[ -f "$TMP/feed.html" ] || fail "no page written"
ls "$TMP"/feed.html.tmp.* >/dev/null 2>&1 && fail "a temp file was left behind"
python3 - "$TMP/feed.html" "$B" <<'PY' || fail "the page's DOM is not as expected"
import sys
from datetime import datetime, timedelta
from html.parser import HTMLParser
page, blocked = open(sys.argv[1]).read(), sys.argv[2]

class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.refresh, self.external, self.title, self.badges, self.links = [], None, [], "", 0, []
        self._in_title = False
        self.order, self.times, self._time, self.text = [], [], None, []
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and a.get("http-equiv") == "refresh":
            self.refresh = a.get("content")
        for k in ("src", "href"):
            v = a.get(k, "")
            if v.startswith(("http:", "https:", "//")) or (tag in ("script", "link", "img") and k in a):
                self.external.append((tag, v))
        if tag == "tr" and "task" in a.get("class", ""):
            self.rows.append((a.get("data-wi"), "blocked" in a.get("class", "")))
        if tag == "span" and "badge" in a.get("class", ""):
            self.badges += 1
        if tag == "a":
            self.links.append(a.get("href"))
        if a.get("id") and tag in ("table", "ul", "p"):
            self.order.append(a["id"])
        if tag == "time":
            self._time = [a.get("datetime"), a.get("title"), ""]
        self._in_title = tag == "title"
    def handle_endtag(self, tag):
        self._in_title = False
        if tag == "time" and self._time:
            self.times.append(tuple(self._time))
            self._time = None
    def handle_data(self, d):
        self.text.append(d)
        if self._in_title:
            self.title += d
        if self._time:
            self._time[2] += d
p = P()
p.feed(page)
assert p.title == "orch feed", p.title
assert p.refresh == "60", p.refresh
assert not p.external, p.external
assert p.rows[0] == (blocked, True), p.rows
assert ("DEMO-1", False) in p.rows, p.rows
assert not p.links, p.links  # no repo_browse_url: paths as text, no link to nowhere
assert "docs/work-items/DEMO-1/" in p.text, p.text
assert p.badges >= 5, p.badges
assert '<b>"&' not in page and 'second <b>"&' in p.text  # the title is shown, escaped
assert "<img" not in page and "<img src=x onerror=alert(1)>.env" in p.text  # the file name too
# the most urgent first: secrets on main, blocked, dead jobs, degraded feeds, then the rest
want = ["attention", "secrets", "blocked", "dead-jobs", "degraded", "outbox-counts", "tasks", "jobs", "runs",
        "scan", "tools", "counters", "security", "fix", "feed"]
assert [i for i in p.order if i in want] == want, p.order
assert "1 secrets on main" in p.text and "1 blocked" in p.text and "1 dead jobs" in p.text, p.text
assert "scan of main DEMO: failed (2026-01-02T03:00:00.000000Z)" in p.text, p.text
# times: local (TZ=JST-9) to the second, the UTC ISO-8601 value in the tooltip
assert ("2026-01-02T03:04:05Z", "2026-01-02T03:04:05Z", "2026-01-02 12:04:05 JST") in p.times, p.times
for iso, title, local in p.times:
    assert iso == title and iso.endswith("Z") and len(iso) == 20, (iso, title)
    want_local = (datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ") + timedelta(hours=9)).strftime("%Y-%m-%d %H:%M:%S JST")
    assert local == want_local, (iso, local)
assert len(p.times) >= 5, p.times
# every task says what it waits for
assert page.count('class="waits" data-kind="') >= 2, page
assert 'data-kind="blocked"' in page and " blocked after 4 retries: orch-advance --unblock %s resumes it" % blocked in p.text
assert " ms</td>" in page  # durations of the runs
print("dom ok")
PY
if command -v chromium >/dev/null 2>&1; then
	flags="--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
--disable-component-update --disable-sync --user-data-dir=$TMP/chrome"
	# shellcheck disable=SC2086
	dom=$(timeout 120 chromium $flags --dump-dom "file://$TMP/feed.html" 2>/dev/null)
	contains "$dom" "data-wi=\"$B\""
	contains "$dom" "<title>orch feed</title>"
	# shellcheck disable=SC2086
	timeout 120 chromium $flags --window-size=1200,900 --screenshot="$TMP/feed.png" "file://$TMP/feed.html" >/dev/null 2>&1
	[ "$(wc -c <"$TMP/feed.png")" -gt 10000 ] || fail "the screenshot is empty"
	python3 -c 'import sys; d=open(sys.argv[1],"rb").read(24); assert d[:8]==b"\x89PNG\r\n\x1a\n"; import struct; w,h=struct.unpack(">II", d[16:24]); assert (w,h)==(1200,900), (w,h)' "$TMP/feed.png" ||
		fail "not a 1200x900 PNG"
	[ -n "${FEED_SCREENSHOT:-}" ] && cp "$TMP/feed.png" "$FEED_SCREENSHOT"
else
	echo "chromium not installed: the page was checked with html.parser only" >&2
fi
expect_rc 64 orch-status --html "$TMP/x.html" --json

# with repo_browse_url the artifacts link into the repository browser, the branch percent-encoded; a hostile
# branch name cannot leave the href
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "agents:" "  default: [\"true\"]" \
	"repo_browse_url: https://git.example.com/team/app/src/branch/{branch}/{path}"
sql_exec "UPDATE tasks SET branch = ? WHERE work_item = ?" 'orch/x"><script>alert(1)</script> ü' "$B"
expect_rc 0 orch-status --html "$TMP/linked.html"
python3 - "$TMP/linked.html" "$B" "$BR" <<'PY' || fail "the artifact links are not as expected"
import sys
from html.parser import HTMLParser
page, b, br = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
links = []
class P(HTMLParser):
    def handle_starttag(self, tag, attrs):
        if tag == "a":
            links.append(dict(attrs)["href"])
P().feed(page)
assert "https://git.example.com/team/app/src/branch/%s/docs/work-items/DEMO-1/" % br in links, links
hostile = "https://git.example.com/team/app/src/branch/orch/x%22%3E%3Cscript%3Ealert%281%29%3C/script%3E%20%C3%BC/docs/work-items/" + b + "/"
assert hostile in links, links
assert "<script" not in page
print("links ok")
PY
# "-" is standard output, not a file named "-"; a full standard output is 74, said once, and accurately
ST=$(cd "$BIN" && pwd)/orch-status
(cd "$TMP" && expect_rc 0 "$ST" --html - && [ ! -e "$TMP/-" ] && printf '%s\n' "$OUT" >"$TMP/stdout.html") ||
	fail "--html - wrote a file named '-'"
contains "$(cat "$TMP/stdout.html")" '<meta http-equiv="refresh" content="60">'
contains "$(tail -n 1 "$TMP/stdout.html")" "</body></html>"
if [ -w /dev/full ]; then
	orch-status --html - >/dev/full 2>"$TMP/full.err"
	[ $? -eq 74 ] || fail "--html - on a full stdout is not 74"
	[ "$(wc -l <"$TMP/full.err")" -eq 1 ] || fail "not one line: $(cat "$TMP/full.err")"
	contains "$(cat "$TMP/full.err")" "orch-status: cannot write output"
	lacks "$(cat "$TMP/full.err")" "File exists"
fi
for bad in 'javascript:alert(1)/{path}' 'https://x.example/{branch}' 'https://x.example/a"b/{path}'; do
	write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "repo_browse_url: '$bad'"
	expect_rc 78 orch-status
	contains "$ERR" "repo_browse_url"
	contains "$ERR" "must be an http(s):// address with {path}"
done
