"""Run chosen scenarios and write their outcomes as JSON: the rehearsal of a draft process set.

``python -m features.rehearsal OUT.json [PAD of NAAM of @TAG]...`` with ``MELDPUNT_REPETITIE_PROCESSEN`` set to
the draft's folder (tests/process/driver.py reads it, so every scenario deploys the draft instead of processes/).
Started by engine/processes/rehearsal.py in a process of its own; the progress lines go to stdout.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from features import runner

    out = Path(argv[0])
    try:
        chosen = runner.select(argv[1:])
    except runner.SelectionError as exc:
        out.write_text(json.dumps({"fout": str(exc), "scenarios": []}, ensure_ascii=False), encoding="utf-8")
        return 2
    outcomes: list = []
    code = runner.run(chosen, collect=outcomes)
    fields = ("file", "scenario", "example", "result", "step", "message")
    out.write_text(json.dumps({"fout": None if code in (0, 1, 2) else "De scenario's konden niet worden gedraaid.",
                               "scenarios": [{k: getattr(o, k) for k in fields} for o in outcomes]},
                              ensure_ascii=False), encoding="utf-8")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
