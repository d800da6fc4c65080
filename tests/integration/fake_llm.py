"""A fake LLM coding CLI for orch's tests: it reads orch's brief and does what the brief asks.

usage: fake_llm.py BRIEF_PATH   (the brief also arrives on stdin; both must be the same text)

It works in the current directory (the item's workspace): it finds the stage's artifacts in the
brief's contract (the "- `docs/work-items/...`" lines, "key `K`" and "`V` passes the gate"),
writes each one, and commits.  The analysis copies the item's description into 01-brd.md; the
developer writes a module, and on a rollback (the brief's "## Rollback" section) fixes what the
quoted findings ask.  The first review writes a verdict value the contract does not allow ("LGTM"),
once per $FAKE_LLM_STATE directory.  Each brief is kept as $FAKE_LLM_STATE/brief-<stage>-<n>.md.
"""
import os
import re
import subprocess
import sys

brief = open(sys.argv[1], encoding="utf-8").read()
stdin = sys.stdin.read()
if stdin != brief:
    sys.exit("fake_llm: the brief on stdin differs from the file %s" % sys.argv[1])
state = os.environ["FAKE_LLM_STATE"]
m = re.search(r"^# Brief: (\S+), stage (\S+)$", brief, re.M)
wi, stage = m.group(1), m.group(2)
n = len([f for f in os.listdir(state) if f.startswith("brief-%s-" % stage)]) + 1
open(os.path.join(state, "brief-%s-%d.md" % (stage, n)), "w", encoding="utf-8").write(brief)


def fenced(label):
    """The text of the data block labelled label (the fence is as long as the opening one)."""
    m = re.search(r"^%s \(data to work from[^\n]*\n\n(`{3,})text\n" % re.escape(label), brief, re.M)
    if not m:
        return None
    end = brief.index("\n" + m.group(1) + "\n", m.end() - 1)
    return brief[m.end():end + 1]


def put(path, text):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    subprocess.run(["git", "add", "--", path], check=True)


contract = brief.split("## The %s stage's contract" % stage)[1].split("\n## ")[0]
blocks = re.split(r"^(?=- `docs/work-items/)", contract, flags=re.M)[1:]
arts = []
for blk in blocks:
    path = re.match(r"- `([^`]+)`", blk).group(1)
    key, good = re.search(r"key `(\w+)`", blk), re.search(r"`(\w+)` passes the gate", blk)
    arts.append((path, key.group(1) if key else None, good.group(1) if good else None))
mod = "src/greet_%s.py" % wi.lower().replace("-", "_")
if stage == "development":
    rollback = "## Rollback: what to fix" in brief
    put(mod, 'def greet(name):\n    return "hello " + %s\n' % ('(name or "stranger")' if rollback else "name"))
for path, key, value in arts:
    path = path.replace("*", "001-design")
    if key:
        marker = os.path.join(state, "wrong-verdict-given")
        if stage == "review" and not os.path.exists(marker):
            open(marker, "w").close()
            value = "LGTM"
        extra = ""
        if stage == "deploy":
            sha = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
            extra = "deployed_sha: %s\n" % sha
        put(path, "---\n%s: %s\n%s---\n## Findings\n- greet(None) must not crash\n" % (key, value, extra))
    elif path.endswith("01-brd.md"):
        put(path, "# Business requirements\n\n" + (fenced("Description") or "(none)"))
    else:
        put(path, "# %s\n\nwritten by the fake LLM for %s\n" % (os.path.basename(path), wi))
subprocess.run(["git", "commit", "-qm", "%s: %s by the fake LLM" % (wi, stage)], check=True)
