#!/usr/bin/env python3
"""Retrieval quality of `potpie-lsp ask --backend local`, beside a keyword baseline.

    eval.py --corpora DIR [--bin PATH] [--baseline] [--questions FILE ...] [--corpus NAME ...]
            [--k 5] [--timeout 60] [--out report.json] [-v]

For each question it runs `potpie-lsp ask --backend local --root DIR/<corpus> --json QUESTION`
from a scratch folder (nothing is indexed ahead: the tool builds or reuses its own cache inside
`ask`, and that time counts in latency) and scores the citations it prints, best first, against
the question's gold definitions. With --baseline it also scores a keyword search (below); with
both, the two are printed side by side. Tables are per corpus and per language (the language of
a question is that of its first gold file), then one summary line:

    hit1=0.xx hit5=0.xx mrr=0.xx sym5=0.xx sym1=0.xx valid=0.xx p50_ms=N n=N

Metrics (a run that fails, times out or prints no JSON with a `citations` list is a miss):
  hit1   the first distinct cited file is a gold file
  hitK   a gold file is among the first K distinct cited files (--k, 5)
  mrr    mean of 1/rank of the first gold file among the first 10 distinct cited files
  symK   a valid citation in one of the first K distinct files lies in a gold file, overlaps a
         gold definition's lines and spans at most max(150, 3 x that definition's lines), so a
         whole-file citation is not a symbol answer
  sym1   the first citation alone is such a symbol answer: what a reader sees first
  valid  share of all citations that name a file under the root and 1 <= start <= end <= its
         line count

Keyword baseline: the question's words (stopwords out) are counted per source file as lines
that contain them, case-insensitively; a file scores the sum over words of log(1 + lines) x
log(N / files with the word) (N: source files), and each of the ten best files is cited as the
21 lines around its line with the most distinct words. It is the bar to clear: an engine that
does not beat counting words has not understood the code.

Python 3.11 standard library only.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE_EXT = {".rs", ".py", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts", ".go", ".java",
              ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".hxx", ".rb", ".php", ".lua", ".cs", ".kt",
              ".swift", ".scala", ".ex", ".exs", ".m", ".mm", ".hs", ".clj", ".cljs", ".cljc", ".ml", ".mli",
              ".R", ".r", ".pm", ".pl", ".vue", ".svelte", ".sol", ".el", ".lisp", ".lsp", ".asd",
              ".scm", ".ss", ".rkt", ".erl", ".hrl", ".nim", ".sh", ".bash"}
LANGUAGE = {".rs": "rust", ".py": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript",
            ".ts": "typescript", ".tsx": "typescript", ".go": "go", ".java": "java", ".c": "c", ".h": "c/c++",
            ".cc": "c++", ".cpp": "c++", ".cxx": "c++", ".hpp": "c++", ".hh": "c++",
            ".rb": "ruby", ".php": "php", ".lua": "lua", ".cs": "c#", ".kt": "kotlin",
            ".swift": "swift", ".scala": "scala", ".ex": "elixir", ".exs": "elixir", ".m": "objective-c",
            ".mm": "objective-c", ".hs": "haskell", ".clj": "clojure", ".cljs": "clojure", ".cljc": "clojure",
            ".ml": "ocaml", ".mli": "ocaml", ".R": "r", ".r": "r",
            ".pm": "perl", ".pl": "perl", ".vue": "vue", ".svelte": "svelte", ".sol": "solidity",
            ".el": "emacs-lisp", ".lisp": "common-lisp", ".lsp": "common-lisp", ".asd": "common-lisp",
            ".scm": "scheme", ".ss": "scheme", ".rkt": "racket", ".erl": "erlang", ".hrl": "erlang", ".nim": "nim", ".sh": "shell", ".bash": "shell"}
STOPWORDS = set("""
a about above after again all also an and any are as at be because been before being below between both
but by can could did do does doing done down during each either else even every few for from further get
gets getting got had has have having he her here him his how i if in into is it its itself just let like
may me might more most must my need needs no nor not now of off on once one only onto or other our out over
own same shall she should so some such than that the their them then there these they this those through
to too under until up upon us use used uses using very was way we were what when where whether which while
who whom whose why will with within without would you your happen happens happened actually
""".split())
K_BASELINE_FILES = 10
BASELINE_CONTEXT = 10


def load_questions(path: Path, corpora: Path, only: list[str] | None) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as e:
            sys.exit(f"eval.py: {path}:{n}: not JSON: {e}")
        missing = [k for k in ("id", "corpus", "question", "gold") if k not in q]
        if missing:
            sys.exit(f"eval.py: {path}:{n}: missing {', '.join(missing)}")
        if not only or q["corpus"] in only:
            rows.append(q)
    absent = sorted({q["corpus"] for q in rows if not (corpora / q["corpus"]).is_dir()})
    if absent:
        sys.exit(f"eval.py: not under {corpora}: {', '.join(absent)} (run bench/fetch-corpora.sh {corpora})")
    return rows


_LINES: dict[Path, int] = {}


def line_count(path: Path) -> int:
    if path not in _LINES:
        data = path.read_bytes()
        _LINES[path] = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return _LINES[path]


def clean_rel(p) -> str | None:
    """A citation path as a clean relative path, or None."""
    if not isinstance(p, str) or not p or "\x00" in p:
        return None
    p = p.replace("\\", "/")
    if p.startswith("/") or re.match(r"^[A-Za-z]:", p):
        return None
    p = os.path.normpath(p).replace(os.sep, "/")
    return None if p in (".", "..") or p.startswith("../") else p


def score(q: dict, root: Path, citations: list, k: int) -> dict:
    real_root = os.path.realpath(root)
    gold_paths = {g["path"] for g in q["gold"]}
    cites = []  # (path, valid, start, end)
    for c in citations:
        c = c if isinstance(c, dict) else {}
        p, s, e = clean_rel(c.get("path")), c.get("startLine"), c.get("endLine")
        ok = False
        if p is not None and type(s) is int and type(e) is int:
            f = root / p
            real = os.path.realpath(f)
            if (real == real_root or real.startswith(real_root + os.sep)) and f.is_file():
                ok = 1 <= s <= e <= max(line_count(f), 1)
        cites.append((p, ok, s, e))
    files: list[str] = []
    for p, *_ in cites:
        if p is not None and p not in files:
            files.append(p)
    rank = next((i + 1 for i, p in enumerate(files) if p in gold_paths), None)
    top = set(files[:k])
    def answers(p, ok, s, e):
        return any(
            ok and g["path"] == p and s <= g["lines"][1] and e >= g["lines"][0]
            and e - s + 1 <= max(150, 3 * (g["lines"][1] - g["lines"][0] + 1))
            for g in q["gold"]
        )
    sym = any(p in top and answers(p, ok, s, e) for p, ok, s, e in cites)
    return {"rank": rank, "hit1": rank == 1, "hitk": rank is not None and rank <= k,
            "rr": 1.0 / rank if rank is not None and rank <= 10 else 0.0, "symk": sym,
            "sym1": bool(cites) and answers(*cites[0]),
            "n_citations": len(cites), "n_valid": sum(1 for c in cites if c[1]), "cited": files[:10]}


def run_tool(binary: str, root: Path, question: str, timeout: float, cwd: str):
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([binary, "ask", "--backend", "local", "--root", str(root), "--json", question],
                              cwd=cwd, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, f"timeout after {timeout:g} s", (time.perf_counter() - t0) * 1e3
    ms = (time.perf_counter() - t0) * 1e3
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return None, f"exit {proc.returncode}: {tail[-1][:200] if tail else ''}", ms
    try:
        obj = json.loads(proc.stdout.decode("utf-8", "replace"))
    except json.JSONDecodeError as e:
        return None, f"stdout is not JSON: {e}", ms
    if not isinstance(obj, dict) or not isinstance(obj.get("citations"), list):
        return None, "no 'citations' list", ms
    return obj, None, ms


class KeywordBaseline:
    """Counts question words per source file (lines that contain them), idf-weighted."""

    def __init__(self):
        self.corpora: dict[Path, list[tuple[str, list[str]]]] = {}

    def files(self, root: Path) -> list[tuple[str, list[str]]]:
        if root not in self.corpora:
            out = []
            for dirpath, dirs, names in os.walk(root):
                dirs.sort()
                for name in sorted(names):
                    f = Path(dirpath) / name
                    if os.path.splitext(name)[1] in SOURCE_EXT or is_script(f):
                        text = f.read_text(encoding="utf-8", errors="replace").lower()
                        out.append((f.relative_to(root).as_posix(), text.split("\n")))
            self.corpora[root] = out
        return self.corpora[root]

    def ask(self, root: Path, question: str) -> dict:
        words = list(dict.fromkeys(w for w in re.findall(r"[a-z0-9_]+", question.lower())
                                   if len(w) >= 2 and w not in STOPWORDS and not (w.isdigit() and len(w) < 3)))
        files = self.files(root)
        counts = {w: {} for w in words}
        for rel, lines in files:
            for w in words:
                n = sum(1 for line in lines if w in line)
                if n:
                    counts[w][rel] = n
        scores: dict[str, float] = {}
        for w, per_file in counts.items():
            idf = max(math.log(max(len(files), 1) / len(per_file)), 0.0) if per_file else 0.0
            for rel, n in per_file.items():
                scores[rel] = scores.get(rel, 0.0) + math.log1p(n) * idf
        best = sorted(scores, key=lambda r: (-scores[r], r))[:K_BASELINE_FILES]
        text = dict(files)
        citations = []
        for rel in best:
            lines = text[rel][:-1] if text[rel] and text[rel][-1] == "" else text[rel]
            key = lambda i: (sum(w in lines[i] for w in words), sum(lines[i].count(w) for w in words))
            at = max(range(len(lines)), key=lambda i: (key(i), -i)) + 1 if lines else 1
            citations.append({"path": rel, "startLine": max(1, at - BASELINE_CONTEXT),
                              "endLine": min(max(len(lines), 1), at + BASELINE_CONTEXT)})
        return {"citations": citations}


def is_script(path: Path) -> bool:
    """A file without an extension that says on its first line it is a script (`#!`) or shell
    code (an Emacs mode line, `-*- shell-script -*-`), as the engine reads such files."""
    if "." in path.name:
        return False
    try:
        with open(path, "rb") as f:
            first = f.readline(256)
    except OSError:
        return False
    return first.startswith(b"#!") or b"-*- shell-script -*-" in first


def corpus_languages(questions: list[dict]) -> dict[str, str]:
    """Each corpus's language: that of most of its gold files other than `.h` headers, which
    C and C++ share."""
    votes: dict[str, dict[str, int]] = {}
    for q in questions:
        for g in q["gold"]:
            ext = os.path.splitext(g["path"])[1]
            if ext != ".h":
                lang = LANGUAGE.get(ext, "shell" if not ext else "other")
                votes.setdefault(q["corpus"], {}).setdefault(lang, 0)
                votes[q["corpus"]][lang] += 1
    return {c: max(v, key=v.get) for c, v in votes.items()}


def evaluate(questions: list[dict], corpora: Path, args, system: str) -> list[dict]:
    baseline = KeywordBaseline() if system == "keywords" else None
    languages = corpus_languages(questions)
    results = []
    scratch = tempfile.mkdtemp(prefix="potpie-eval-")
    try:
        for i, q in enumerate(questions, 1):
            root = (corpora / q["corpus"]).resolve()
            if baseline:
                t0 = time.perf_counter()
                obj, err = baseline.ask(root, q["question"]), None
                ms = (time.perf_counter() - t0) * 1e3
            else:
                obj, err, ms = run_tool(args.bin, root, q["question"], args.timeout, scratch)
            r = {"id": q["id"], "corpus": q["corpus"], "language": languages.get(q["corpus"], "c"), "kind": q.get("kind"),
                 "question": q["question"], "gold": sorted({g["path"] for g in q["gold"]}),
                 "latency_ms": round(ms, 1), "error": err}
            r.update(score(q, root, obj["citations"], args.k) if obj else
                     {"rank": None, "hit1": False, "hitk": False, "rr": 0.0, "symk": False,
                      "sym1": False, "n_citations": 0, "n_valid": 0, "cited": []})
            results.append(r)
            if args.verbose:
                print(f"[{system}] {i:>3}/{len(questions)} {q['id']:<16} rank={r['rank']} "
                      f"sym={'y' if r['symk'] else 'n'} first={'y' if r['sym1'] else 'n'} {ms:6.0f} ms  " + (err or f"top={r['cited'][:3]}"),
                      file=sys.stderr)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results


def aggregate(rs: list[dict]) -> dict:
    n = len(rs) or 1
    lat = sorted(r["latency_ms"] for r in rs) or [0.0]
    cit = sum(r["n_citations"] for r in rs)
    return {"n": len(rs), "hit1": sum(r["hit1"] for r in rs) / n, "hitk": sum(r["hitk"] for r in rs) / n,
            "mrr": sum(r["rr"] for r in rs) / n, "symk": sum(r["symk"] for r in rs) / n,
            "sym1": sum(r["sym1"] for r in rs) / n,
            "valid": sum(r["n_valid"] for r in rs) / cit if cit else 0.0,
            "p50_ms": statistics.median(lat), "p95_ms": lat[max(0, math.ceil(0.95 * len(lat)) - 1)],
            "fail": sum(1 for r in rs if r["error"]), "empty": sum(1 for r in rs if not r["error"] and not r["n_citations"])}


def summarize(rs: list[dict]) -> dict:
    group = lambda key: {v: aggregate([r for r in rs if r[key] == v]) for v in sorted({r[key] for r in rs if r[key]})}
    return {"all": aggregate(rs), "by_corpus": group("corpus"), "by_language": group("language"), "by_kind": group("kind")}


def print_table(title: str, s: dict, k: int) -> None:
    head = f"{'':<12}{'n':>5}{'hit1':>7}{'hit' + str(k):>7}{'mrr':>7}{'sym' + str(k):>7}{'sym1':>7}{'valid':>7}{'p50_ms':>9}{'p95_ms':>9}{'fail':>6}"
    print(title)
    for part in ("by_corpus", "by_language", "by_kind"):
        print(head.replace(" " * 12, f"{part[3:]:<12}", 1))
        rows = list(s[part].items()) + ([("all", s["all"])] if part == "by_corpus" else [])
        for name, a in rows:
            print(f"{name:<12}{a['n']:>5}{a['hit1']:>7.2f}{a['hitk']:>7.2f}{a['mrr']:>7.2f}{a['symk']:>7.2f}"
                  f"{a['sym1']:>7.2f}{a['valid']:>7.2f}{a['p50_ms']:>9.0f}{a['p95_ms']:>9.0f}{a['fail']:>6}")
        print()


def print_side_by_side(tool: dict, base: dict, k: int) -> None:
    print("potpie-lsp vs keyword baseline (tool / baseline)")
    print(f"{'':<12}" + "".join(f"{m:>14}" for m in ("hit1", f"hit{k}", "mrr", f"sym{k}")))
    for part in ("by_corpus", "by_language"):
        for name in list(tool[part]) + (["all"] if part == "by_language" else []):
            t = tool["all"] if name == "all" else tool[part][name]
            b = base["all"] if name == "all" else base[part][name]
            print(f"{name:<12}" + "".join(f"{t[m]:>7.2f} / {b[m]:.2f}" for m in ("hit1", "hitk", "mrr", "symk")))
        print()


def line(a: dict, k: int) -> str:
    return (f"hit1={a['hit1']:.2f} hit{k}={a['hitk']:.2f} mrr={a['mrr']:.2f} sym{k}={a['symk']:.2f} "
            f"sym1={a['sym1']:.2f} valid={a['valid']:.2f} p50_ms={a['p50_ms']:.0f} n={a['n']}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", help="the potpie-lsp binary")
    ap.add_argument("--baseline", action="store_true", help="also (or only) score the keyword baseline")
    ap.add_argument("--corpora", required=True, help="the folder bench/fetch-corpora.sh filled")
    ap.add_argument("--questions", action="append",
                    help="a question file (repeatable: the sets are scored as one); default questions.jsonl")
    ap.add_argument("--corpus", action="append", help="only this corpus (repeatable)")
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--out", help="write a JSON report with every question's result")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per question on stderr")
    args = ap.parse_args()
    if not args.bin and not args.baseline:
        ap.error("give --bin PATH, --baseline, or both")
    if args.bin:
        b = args.bin if os.sep in args.bin else shutil.which(args.bin)
        if not b or not os.access(b, os.X_OK):
            ap.error(f"--bin {args.bin}: not an executable file")
        args.bin = os.path.abspath(b)
    corpora = Path(args.corpora).resolve()
    files = args.questions or [str(HERE / "questions.jsonl")]
    questions = [q for f in files for q in load_questions(Path(f), corpora, args.corpus)]
    if not questions:
        sys.exit("eval.py: no questions selected")
    ids = [q["id"] for q in questions]
    if len(set(ids)) != len(ids):
        sys.exit("eval.py: a question id appears twice: " + ", ".join(sorted({i for i in ids if ids.count(i) > 1})))
    report: dict = {"questions": [os.path.abspath(f) for f in files], "corpora": str(corpora), "k": args.k}
    base = tool = None
    if args.baseline:
        rs = evaluate(questions, corpora, args, "keywords")
        base = summarize(rs)
        report["baseline"] = {"summary": base, "results": rs}
        print_table(f"keyword baseline ({len(questions)} questions)", base, args.k)
    if args.bin:
        rs = evaluate(questions, corpora, args, "tool")
        tool = summarize(rs)
        report["tool"] = {"summary": tool, "results": rs}
        print_table(f"potpie-lsp ask --backend local ({len(questions)} questions)", tool, args.k)
        for r in [r for r in rs if r["error"]][:10]:
            print(f"failed: {r['id']}: {r['error']}")
    if tool and base:
        print_side_by_side(tool, base, args.k)
        print("baseline " + line(base["all"], args.k))
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(line((tool or base)["all"], args.k))
    return 0


if __name__ == "__main__":
    sys.exit(main())
