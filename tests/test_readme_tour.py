"""The README's tour, run as written (Datasette's way of keeping docs honest).

Every ``lexradar …`` command of the code blocks under "A five-minute tour of the CLI" is run,
in order, through the installed ``lexradar`` executable (``.venv/bin``) in one fresh folder, and
must exit with status 0 and print no traceback. Commands that serve until stopped (``serve``,
``demo --serve``) are started, asked for a page on the port they print, and stopped. Nothing
is typed at a prompt: standard input is empty, so a command that asks for a password fails.

The only change made to a command is :data:`SMALLER`: sizes the test shrinks so that the whole
tour runs in a few minutes. The other lines of the tour blocks must be the ones named in
:data:`SET_UP` (what the test's own set-up already does).
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BIN = ROOT / ".venv" / "bin"
TOUR = "## A five-minute tour of the CLI"

SMALLER = {
    "lexradar demo --persons 100000": "lexradar demo --persons 5000",
}
"""The one substitution table: README text → what the test runs instead (a smaller region)."""

SET_UP = {
    "source .venv/bin/activate": "the test runs the executables of .venv/bin",
    "mkdir tour && cd tour": "the test runs in a fresh temporary folder",
}
"""Lines of the tour that are not lexradar commands, and what the test does in their place."""

SERVES = ("lexradar serve", "lexradar demo ")
"""Commands that serve the workbench until stopped (``demo`` only with ``--serve``)."""


def tour_lines(text: str) -> list[list[str]]:
    """The command lines of the tour's ``sh`` blocks as the shell splits them, in order:
    continuation lines joined, comments and blank lines left out."""
    start = text.index(TOUR)
    end = text.find("\n## ", start + len(TOUR))
    section = text[start : end if end >= 0 else None]
    lines: list[list[str]] = []
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S):
        pending = ""
        for raw in block.splitlines():
            line = pending + raw.strip()
            if line.endswith("\\"):
                pending = line[:-1].rstrip() + " "
                continue
            pending = ""
            words = shlex.split(line, comments=True)
            if words:
                lines.append(words)
    return lines


def shrink(words: list[str]) -> list[str]:
    """The command with the :data:`SMALLER` substitution applied (if one fits)."""
    for readme, smaller in SMALLER.items():
        given = readme.split()
        if words[: len(given)] == given:
            return smaller.split() + words[len(given) :]
    return words


def expand(words: list[str], cwd: Path) -> list[str]:
    """Words with ``*`` or ``?`` replaced by the files they match, as the shell does (a pattern
    that matches nothing stays as written). The tour quotes no such characters."""
    out = []
    for word in words:
        found = (
            sorted(str(p.relative_to(cwd)) for p in cwd.glob(word))
            if "*" in word or "?" in word
            else []
        )
        out.extend(found or [word])
    return out


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEXRADAR_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(BIN.parent)
    env["HOME"] = str(home)  # nothing of the user's own settings
    env["COLUMNS"] = "140"
    return env


def check_output(command: str, code: int | None, output: str) -> None:
    assert code == 0, f"{command!r} exited with {code}:\n{output[-4000:]}"
    assert "Traceback" not in output, f"{command!r} printed a traceback:\n{output[-4000:]}"


def run_served(words: list[str], cwd: Path, env: dict[str, str], timeout: float) -> str:
    """Start a serving command, wait for the URL it prints, ask for the login page, stop it."""
    command = shlex.join(words)
    log = cwd / ".served.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            words,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + timeout
        url = None
        while url is None:
            output = log.read_text(encoding="utf-8", errors="replace")
            found = re.search(r"workbench on (http://127\.0\.0\.1:\d+)/", output)
            if found:
                url = found.group(1)
                break
            if proc.poll() is not None:
                check_output(command, proc.returncode, output)
                raise AssertionError(f"{command!r} ended without serving:\n{output[-4000:]}")
            assert time.monotonic() < deadline, f"{command!r} printed no URL:\n{output[-4000:]}"
            time.sleep(0.2)
        page = None
        while page is None:
            try:
                with urllib.request.urlopen(f"{url}/login", timeout=10) as answer:
                    page = (answer.status, answer.read().decode("utf-8"))
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, (
                    f"{command!r} does not answer on {url}:\n{log.read_text()[-4000:]}"
                )
                time.sleep(0.2)
        assert page[0] == 200 and "<form" in page[1], f"{url}/login answered {page[0]}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C, as the README says
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    output = log.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in output, f"{command!r} printed a traceback:\n{output[-4000:]}"
    return output


def run_tour(folder: Path, say=lambda _line: None) -> list[tuple[str, float]]:  # type: ignore[no-untyped-def]
    """Run the tour in ``folder``; (command run, seconds) for each."""
    env = environment(folder)
    timings = []
    for line in tour_lines(README.read_text(encoding="utf-8")):
        if line[0] != "lexradar":
            assert " ".join(line) in SET_UP, f"the tour has a line the test cannot run: {line}"
            continue
        words = expand(shrink(line), folder)
        command = shlex.join(words)
        started = time.monotonic()
        if words[1] == "serve" or (words[1] == "demo" and "--serve" in words):
            run_served(words, folder, env, timeout=300)
        else:
            done = subprocess.run(
                words,
                cwd=folder,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=300,
            )
            check_output(command, done.returncode, done.stdout + done.stderr)
        timings.append((command, time.monotonic() - started))
        say(f"{timings[-1][1]:6.1f}s  {command}")
    return timings


def test_tour_lines_are_read_as_written() -> None:
    """The extraction itself: continuations joined, comments dropped, the first command first,
    every serving command and the substituted size found."""
    lines = tour_lines(README.read_text(encoding="utf-8"))
    commands = [shlex.join(line) for line in lines if line[0] == "lexradar"]
    assert len(commands) >= 40
    assert not any("#" in c or c.endswith("\\") for c in commands)
    studio_new = next(c for c in commands if c.startswith("lexradar studio new"))
    assert "--case" in studio_new and "--param-of" in studio_new  # the continuation lines
    assert "'status in revoked,cancelled'" in commands[commands.index(studio_new) + 2]
    assert any(c.startswith("lexradar serve") for c in commands)
    assert all(any(c.startswith(k) for c in commands) for k in SMALLER)
    demo = shrink(["lexradar", "demo", "--persons", "100000", "--seed", "1"])
    assert demo == [*SMALLER["lexradar demo --persons 100000"].split(), "--seed", "1"]


def test_readme_starts_with_make_demo_and_make_test() -> None:
    text = README.read_text(encoding="utf-8")
    first = re.search(r"```sh\n(.*?)```", text, flags=re.S)
    assert first is not None and first.group(1) == "make demo\nmake test\n"


def test_the_tour_runs_as_written(tmp_path: Path) -> None:
    assert (BIN / "lexradar").exists(), "make install puts lexradar into .venv/bin"
    folder = tmp_path / "tour"
    folder.mkdir()
    timings = run_tour(folder)
    assert (folder / "casebook.db").exists() and (folder / "report.xlsx").stat().st_size > 0
    assert sum(t for _, t in timings) < 600


if __name__ == "__main__":  # python tests/test_readme_tour.py FOLDER: the tour with timings
    import sys

    target = Path(sys.argv[1])
    target.mkdir(parents=True)
    total = sum(t for _, t in run_tour(target, say=print))
    print(f"{total:.1f}s in all")
