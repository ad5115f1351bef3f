"""Finds the shell commands a document shows, each with its file and line.

Where commands are found:

* fenced blocks tagged ``bash``, ``sh``, ``shell`` or ``console``: every line that is not empty and
  not a ``#`` comment is a command;
* fenced blocks without a language and indented (4-space) code blocks: the lines that start with
  a command (:data:`PREFIXES`); other lines there are output or diagrams;
* inline code spans that start with a command.

Continuation lines (``\\`` at the end) are joined and a trailing ``# comment`` is dropped, so the text
is what a user would paste into bash. A plain fenced block that follows a command block before the
next heading is remembered as the output that block shows (:attr:`DocCommand.shown_output`).

The checker (:func:`check`) turns every documented command without an entry in the test table, and
every malformed fence, into a ``file:line: message`` problem.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

PREFIXES = ("make ", ".venv/bin/", "curl ", "meldpunt ", "python -m")
SHELL_LANGUAGES = {"bash", "sh", "shell", "console"}

_FENCE = re.compile(r"^(?P<indent>\s*)(?P<ticks>`{3,}|~{3,})(?P<info>.*)$")
_INLINE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_HEADING = re.compile(r"^#{1,6}\s")


@dataclass(frozen=True)
class Location:
    file: Path
    line: int  # 1-based, the command's first line

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass
class DocCommand:
    text: str
    location: Location
    kind: str  # block | indented | inline
    shown_output: str | None = None  # a plain block right after the command's block
    shown_output_location: Location | None = None


@dataclass
class Document:
    path: Path
    commands: list[DocCommand] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def is_command(text: str) -> bool:
    return text.startswith(PREFIXES)


def strip_comment(line: str) -> str:
    """Drop a trailing ``# comment`` (an unquoted ``#`` after whitespace), as bash does."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def _join_continuations(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """(line number, text) pairs → one pair per logical command line."""
    out: list[tuple[int, str]] = []
    pending: tuple[int, str] | None = None
    for number, text in lines:
        if pending is not None:
            number, text = pending[0], pending[1] + " " + text.strip()
        if text.rstrip().endswith("\\"):
            pending = (number, text.rstrip()[:-1].rstrip())
            continue
        pending = None
        out.append((number, text))
    if pending is not None:
        out.append(pending)
    return out


def parse(path: Path, text: str | None = None) -> Document:
    doc = Document(path)
    lines = (path.read_text(encoding="utf-8") if text is None else text).splitlines()
    i = 0
    last_command_block: list[DocCommand] | None = None  # commands of the latest command block
    indented: list[tuple[int, str]] = []
    prev_blank = True

    def flush_indented() -> None:
        nonlocal indented
        found = []
        for number, body in _join_continuations(indented):
            cmd = strip_comment(body.strip())
            if is_command(cmd):
                found.append(DocCommand(cmd, Location(path, number), "indented"))
        doc.commands.extend(found)
        indented = []

    while i < len(lines):
        line = lines[i]
        fence = _FENCE.match(line)
        if fence:
            flush_indented()
            start = i + 1  # 1-based number of the opening fence
            ticks, info = fence["ticks"], fence["info"].strip()
            language = info.split()[0].lower() if info else ""
            body: list[tuple[int, str]] = []
            i += 1
            closed = False
            while i < len(lines):
                inner = lines[i]
                close = re.match(r"^\s*(`{3,}|~{3,})(.*)$", inner)
                if close and close[1][0] == ticks[0] and len(close[1]) >= len(ticks):
                    if close[2].strip():
                        doc.problems.append(
                            f"{path}:{i + 1}: code fence closed with text after it ({close[2].strip()[:40]!r}); "
                            "Markdown then renders the rest of the file as code — put the text on its own line")
                    closed = True
                    break
                body.append((i + 1, inner))
                i += 1
            if not closed:
                doc.problems.append(f"{path}:{start}: code fence is never closed")
            commands: list[DocCommand] = []
            if language in SHELL_LANGUAGES:
                for number, text_ in _join_continuations(body):
                    cmd = strip_comment(text_.strip())
                    if cmd and not cmd.startswith("#"):
                        commands.append(DocCommand(cmd, Location(path, number), "block"))
            elif not language:
                for number, text_ in _join_continuations(body):
                    cmd = strip_comment(text_.strip())
                    if is_command(cmd):
                        commands.append(DocCommand(cmd, Location(path, number), "block"))
                if not commands and last_command_block:
                    output = "\n".join(t for _, t in body)
                    for c in last_command_block:
                        c.shown_output = output
                        c.shown_output_location = Location(path, start)
                    last_command_block = None
            if commands:
                doc.commands.extend(commands)
                last_command_block = commands
            i += 1
            prev_blank = False
            continue
        if _HEADING.match(line):
            last_command_block = None
        if line.startswith("    ") and line.strip() and (prev_blank or indented):
            indented.append((i + 1, line))
            i += 1
            prev_blank = False
            continue
        flush_indented()
        for span in _INLINE.finditer(line):
            cmd = span.group(1).strip()
            if is_command(cmd):
                doc.commands.append(DocCommand(cmd, Location(path, i + 1), "inline"))
        prev_blank = not line.strip()
        i += 1
    flush_indented()
    return doc


def collect(paths: Iterable[Path]) -> tuple[list[DocCommand], list[str]]:
    commands: list[DocCommand] = []
    problems: list[str] = []
    for path in paths:
        doc = parse(path)
        commands += doc.commands
        problems += doc.problems
    return commands, problems


def check(paths: Iterable[Path], table: dict) -> list[str]:
    """``file:line: message`` for each documented command the table does not know, and each bad fence."""
    commands, problems = collect(paths)
    for c in commands:
        if c.text not in table:
            problems.append(f"{c.location}: command has no test entry: {c.text}")
    return problems
