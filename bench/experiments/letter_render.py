"""Experiment (issue 25, helper "render"): CPU time of ``documents.service.render_letter`` per letter, the code
before this change ("old") against today's ("new"), interleaved render by render in one process, for every
shipped template (its catalogue recipient, the sample case with the template's variant, as the template checks
use it). Also a cProfile of the new path over the three templates of bench/findings.md §0c.

    .venv/bin/python -m bench.experiments.letter_render [N] [profile]

"old" is reachable through :func:`old_code`: the leak guard without its whole-text prefilter (every term searched
sentence by sentence) and folding every word and phrase and building every measure term again, every zip member deflated again, docxtpl's own
document-property, footnote, header-reading and line-break steps run on every render, and the letter's text read by unzipping the letter
(``docx_text``). Both variants share the caches that were there before (compiled templates, opened packages).
"""
from __future__ import annotations

import contextlib
import cProfile
import io
import pstats
import statistics
import sys
import time

PROFILED = ("ontvangstbevestiging", "besluit_ordemaatregel", "verslag_hoorgesprek")  # §0c's sample


class _EverywhereMaybe:
    """The old leak guard: no prefilter, every term is searched in every sentence."""

    def __init__(self, toks) -> None:
        pass

    def may_match(self, word, word_stem, compounds) -> bool:
        return True


@contextlib.contextmanager
def old_code():
    from documents import leakguard, render

    names = ("_Occurring", "_fold", "_phrase_words", "_cached_term", "_measure_phrases")
    saved = [getattr(leakguard, n) for n in names], render._write_deflated
    old = (_EverywhereMaybe, leakguard._fold_uncached, leakguard._phrase_words.__wrapped__, leakguard._make_term,
           leakguard._build_measure_phrases)
    for n, fn in zip(names, old):
        setattr(leakguard, n, fn)
    render._write_deflated = lambda *args: False
    template_class = render._template_class
    render._template_class = lambda: _old_template_class(template_class())
    try:
        yield
    finally:
        for n, fn in zip(names, saved[0]):
            setattr(leakguard, n, fn)
        render._write_deflated = saved[1]
        render._template_class = template_class


_OLD_TEMPLATE = None


def _old_template_class(cached):
    """The cached template class with docxtpl's own steps back (only the patched-XML cache it had before)."""
    from docxtpl import DocxTemplate

    global _OLD_TEMPLATE
    if _OLD_TEMPLATE is None:
        _OLD_TEMPLATE = type("OldTemplate", (cached,), {
            n: getattr(DocxTemplate, n) for n in ("render_properties", "render_footnotes", "get_part_xml",
                                                  "resolve_listing")})
    return _OLD_TEMPLATE


def old_render_letter(*, template, recipient, data, settings, case_reference):
    """``render_letter`` as it was: render, then unzip the letter for the leak check's text."""
    from documents import service
    from documents.context import build_context, leak_check
    from documents.render import docx_text, render_docx, template_bytes, template_sha256

    with old_code():
        source = template_bytes(template, None)
        service._refuse_reporter_letter_elsewhere(template, recipient, None)
        context = build_context(recipient=recipient, data=data, settings=settings, case_reference=case_reference)
        content = render_docx(source, context, name=template)
        leak_check(template=template, recipient=recipient, data=data, text=docx_text(content), settings=settings)
        return content, template_sha256(source)


def new_render_letter(**kwargs):
    from documents.service import render_letter

    return render_letter(**kwargs)


def jobs(names=None) -> list[dict]:
    from documents.catalog import LETTERS
    from documents.checks import load_sample_case

    sample = load_sample_case()
    out = []
    for name, spec in sorted(LETTERS.items()):
        if names and name not in names:
            continue
        data = {**sample["data"], **sample.get("varianten", {}).get(name, {})}
        out.append(dict(template=name, recipient=spec.recipient, data=data, settings=sample["settings"],
                        case_reference="INT-2026-0042"))
    return out


def _cpu(fn, job) -> tuple[float, bytes]:
    c0 = time.thread_time()
    content, _ = fn(**job)
    return (time.thread_time() - c0) * 1000, content


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def measure(n: int = 50) -> dict:
    from documents.render import docx_text

    work = jobs()
    for job in work:  # warm both paths (compiled templates, opened packages, deflated members); same letter
        old, new = old_render_letter(**job)[0], new_render_letter(**job)[0]
        assert old == new, job["template"]  # the same bytes, so the same text and layout
        assert docx_text(old) == docx_text(new)
    times = {job["template"]: {"old": [], "new": []} for job in work}
    for i in range(n):
        for job in work:
            order = (("old", old_render_letter), ("new", new_render_letter))
            for label, fn in (order if i % 2 == 0 else order[::-1]):
                times[job["template"]][label].append(_cpu(fn, job)[0])
    result = {}
    for name, t in times.items():
        result[name] = {v: {"mean": statistics.fmean(t[v]), "p95": _p95(t[v])} for v in ("old", "new")}
    pooled = {v: [x for t in times.values() for x in t[v]] for v in ("old", "new")}
    result["(all templates)"] = {v: {"mean": statistics.fmean(pooled[v]), "p95": _p95(pooled[v])} for v in pooled}
    sample = {v: [x for name in PROFILED for x in times[name][v]] for v in ("old", "new")}
    result["(§0c sample)"] = {v: {"mean": statistics.fmean(sample[v]), "p95": _p95(sample[v])} for v in sample}
    return result


def profile(n: int = 50, top: int = 30) -> str:
    work = jobs(PROFILED)
    for job in work:
        new_render_letter(**job)
    prof = cProfile.Profile(time.thread_time)
    prof.enable()
    for job in work:
        for _ in range(n):
            new_render_letter(**job)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    result = measure(n)
    print(f"CPU ms per render_letter, {n} interleaved renders per template and variant")
    print(f"{'template':40} {'old mean':>9} {'old p95':>8} {'new mean':>9} {'new p95':>8} {'new/old':>8}")
    for name, r in result.items():
        print(f"{name:40} {r['old']['mean']:9.2f} {r['old']['p95']:8.2f} {r['new']['mean']:9.2f} "
              f"{r['new']['p95']:8.2f} {r['new']['mean'] / r['old']['mean']:8.2f}")
    if "profile" in sys.argv[2:]:
        print(profile(n))


if __name__ == "__main__":
    main()
