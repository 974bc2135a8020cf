"""Every documented command runs, so the docs cannot drift from the code.

Each ```bash block of README.md and docs/**/*.md that calls ``locbench`` (or ``torchrun ... -m
locbench``) is run with bash, in document order, in one scratch folder per document that sits beside
a link to ``../shared`` (so the README's ``../shared/...`` paths resolve). Each ```python block of
the docs runs too, in the same folder. Markers on the line just above a fence (docs/architecture.md,
"Documentation that runs"):

- ``<!-- doc-test: parse-only -->``: the block needs real data, weights or a GPU; every ``locbench``
  command in it is only parsed by the real argument parser (every flag must exist, every value parse).
- ``<!-- doc-test: VERB FLAGS; VERB FLAGS -->``: run the block, appending FLAGS to each ``locbench VERB``
  command, to shrink it for the test (``train --epochs 1``, ``demo --reduced``).
- ``<!-- doc-test: skip -->``: not a command (e.g. output shown as a block).
The Quick start blocks (``<!-- quickstart:... -->``) are run by .ci/run itself, so here they are only
parsed.
"""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DOCS = [ROOT / "README.md"] + sorted((ROOT / "docs").rglob("*.md"))

FENCE = re.compile(r"^```(\w*)\s*$")
MARKER = re.compile(r"^<!--\s*(doc-test|quickstart):\s*(.*?)\s*-->\s*$")


@dataclass
class Block:
    doc: Path
    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    marker: str | None  # "parse-only", "skip", "append", "quickstart" or None
    append: dict  # verb -> flags to append

    @property
    def where(self) -> str:
        return f"{self.doc.relative_to(ROOT)}:{self.line}"


def parse_blocks(doc: Path) -> list[Block]:
    """Fenced blocks of a Markdown file with the doc-test marker just above each."""
    lines = doc.read_text(encoding="utf-8").splitlines()
    blocks, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        lang, start = m.group(1), i
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        marker, append = None, {}
        prev = lines[start - 1].strip() if start > 0 else ""
        mm = MARKER.match(prev)
        if mm:
            kind, value = mm.groups()
            if kind == "quickstart":
                marker = "quickstart"
            elif value in ("parse-only", "skip"):
                marker = value
            else:
                marker = "append"
                for part in value.split(";"):
                    verb, _, flags = part.strip().partition(" ")
                    append[verb] = flags.strip()
        blocks.append(Block(doc, start + 1, lang, "\n".join(lines[start + 1:j]), marker, append))
        i = j + 1
    return blocks


def commands(text: str) -> list[str]:
    """Logical command lines of a shell block: continuations joined, comments and blanks dropped."""
    out, cur = [], ""
    for raw in text.splitlines():
        line = raw.rstrip()
        if line.endswith("\\"):
            cur += line[:-1] + " "
            continue
        cur += line
        stripped = re.sub(r"\s+#[^'\"]*$", "", cur).strip()  # a trailing comment (none of ours hold quotes)
        if stripped and not stripped.startswith("#"):
            out.append(stripped)
        cur = ""
    return out


def locbench_argvs(command: str) -> list[list[str]]:
    """Arguments after ``locbench`` (or ``torchrun ... -m locbench``) for each such call in a command line."""
    argvs = []
    for part in re.split(r"&&|\|\||;|\|", command):
        tokens = shlex.split(part, comments=True)
        if "locbench" in tokens:
            k = tokens.index("locbench")
            if k == 0 or tokens[k - 1] == "-m" or os.path.basename(tokens[0]) in ("torchrun",):
                argvs.append(tokens[k + 1:])
    return argvs


def with_appended(command: str, append: dict) -> str:
    """``command`` with the marker's flags appended to each ``locbench VERB`` call."""
    def fix(part: str) -> str:
        tokens = shlex.split(part, comments=True)
        if "locbench" in tokens:
            k = tokens.index("locbench")
            if k + 1 < len(tokens) and tokens[k + 1] in append:
                return part.rstrip() + " " + append[tokens[k + 1]] + " "
        return part
    pieces = re.split(r"(&&|\|\||;)", command)
    return "".join(p if p in ("&&", "||", ";") else fix(p) for p in pieces)


def doc_blocks(kind: str) -> list[Block]:
    found = []
    for doc in DOCS:
        for b in parse_blocks(doc):
            uses = any(locbench_argvs(c) for c in commands(b.text)) if b.lang in ("bash", "sh", "") else False
            if kind == "shell" and b.lang in ("bash", "sh") and uses:
                found.append(b)
            elif kind == "python" and b.lang == "python" and b.marker != "skip":
                found.append(b)
            elif kind == "unlabelled" and b.lang == "" and uses:
                found.append(b)
    return found


def test_every_command_block_is_labelled():
    """An unlabelled fence holding locbench commands would escape this test: label it bash (or text)."""
    bad = [b.where for b in doc_blocks("unlabelled")]
    assert not bad, f"label these fences ```bash (or ```text for a synopsis): {bad}"


def test_docs_have_commands():
    assert len(doc_blocks("shell")) >= 3


@pytest.mark.parametrize("block", [b for b in doc_blocks("shell") if b.marker in ("parse-only", "quickstart")],
                         ids=lambda b: b.where)
def test_parse_only_commands_parse(block):
    from locbench.cli import build_parser
    parser = build_parser()
    argvs = [a for c in commands(block.text) for a in locbench_argvs(c)]
    assert argvs, f"{block.where}: no locbench command found"
    for argv in argvs:
        try:
            args = parser.parse_args(argv)
        except SystemExit as e:
            pytest.fail(f"{block.where}: `locbench {' '.join(argv)}` does not parse (exit {e.code})")
        assert getattr(args, "_run", None), f"{block.where}: `locbench {' '.join(argv)}` names no verb"


def _workdir(tmp_path_factory, doc: Path) -> Path:
    """One scratch project folder per document, with ../shared beside it."""
    base = tmp_path_factory.mktemp("docs-" + doc.stem)
    work = base / "project"
    work.mkdir()
    (base / "shared").symlink_to(SHARED, target_is_directory=True)
    return work


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("MPLBACKEND", "Agg")
    return env


@pytest.mark.slow
@pytest.mark.parametrize("doc", sorted({b.doc for b in doc_blocks("shell") + doc_blocks("python")
                                        if b.marker not in ("parse-only", "quickstart", "skip")}),
                         ids=lambda d: str(d.relative_to(ROOT)))
def test_documented_commands_run(doc, tmp_path_factory):
    """Run the document's runnable blocks in order in one folder; any non-zero exit fails the test."""
    work = _workdir(tmp_path_factory, doc)
    blocks = [b for b in parse_blocks(doc) if b.marker not in ("parse-only", "quickstart", "skip")
              and ((b.lang in ("bash", "sh") and any(locbench_argvs(c) for c in commands(b.text)))
                   or b.lang == "python")]
    for b in blocks:
        if b.lang == "python":
            proc = subprocess.run([sys.executable, "-c", b.text], cwd=work, env=_env(),
                                  capture_output=True, text=True, timeout=900)
            assert proc.returncode == 0, f"{b.where}: python block failed:\n{proc.stderr[-3000:]}"
            continue
        for cmd in commands(b.text):
            cmd = with_appended(cmd, b.append) if b.append else cmd
            proc = subprocess.run(["bash", "-euo", "pipefail", "-c", cmd], cwd=work, env=_env(),
                                  capture_output=True, text=True, timeout=900)
            assert proc.returncode == 0, (f"{b.where}: `{cmd}` exited {proc.returncode}:\n"
                                          f"{proc.stdout[-1500:]}\n{proc.stderr[-3000:]}")


def test_marker_helpers():
    """The helpers themselves: continuation lines, comments, appended flags, torchrun."""
    text = "locbench train --data d \\\n    --out run/   # comment\n# only a comment\nlocbench demo"
    assert [" ".join(c.split()) for c in commands(text)] == ["locbench train --data d --out run/", "locbench demo"]
    assert locbench_argvs("torchrun --nproc_per_node 2 -m locbench train --data d") == [["train", "--data", "d"]]
    assert locbench_argvs("echo x && locbench demo --out o") == [["demo", "--out", "o"]]
    assert with_appended("locbench train --data d && locbench demo", {"train": "--epochs 1"}) \
        == "locbench train --data d --epochs 1 && locbench demo"
