# orch-status --html: a self-contained page refreshing itself, blocked items first, badges, durations,
# links to artifacts relative to the repo; written atomically; rendered by headless Chromium when installed.
. "$(dirname "$0")/lib.sh"
pipeline_setup
B=$(orch-issue create --project DEMO --title 'second <b>"&' --state "To Analyse")
orch-poll -q
sql_exec "UPDATE tasks SET blocked = 1, retries = 4 WHERE work_item = ?" "$B"
expect_rc 0 orch-status --html "$TMP/feed.html"
[ -f "$TMP/feed.html" ] || fail "no page written"
ls "$TMP"/feed.html.tmp.* >/dev/null 2>&1 && fail "a temp file was left behind"
python3 - "$TMP/feed.html" "$B" <<'PY' || fail "the page's DOM is not as expected"
import sys
from html.parser import HTMLParser
page, blocked = open(sys.argv[1]).read(), sys.argv[2]

class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.refresh, self.external, self.title, self.badges, self.links = [], None, [], "", 0, []
        self._in_title = False
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
        self._in_title = tag == "title"
    def handle_endtag(self, tag):
        self._in_title = False
    def handle_data(self, d):
        if self._in_title:
            self.title += d
p = P()
p.feed(page)
assert p.title == "orch feed", p.title
assert p.refresh == "60", p.refresh
assert not p.external, p.external
assert p.rows[0] == (blocked, True), p.rows
assert ("DEMO-1", False) in p.rows, p.rows
assert "docs/work-items/DEMO-1/" in p.links, p.links
assert p.badges >= 5, p.badges
assert '<b>"&' not in page  # titles and details are escaped
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
