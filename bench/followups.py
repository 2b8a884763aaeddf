#!/usr/bin/env python3
"""Follow-up questions with the local engine: is "and who calls it?" answered as well as the
same question asked with the name written out?

For each item of followups.jsonl: the first question is asked, then the follow-up with
`--thread ID` (its pronoun must be resolved from the thread); the same follow-up is asked
fresh with the name written out ("named"), and fresh with the pronoun left as it is ("alone",
what a tool without threads does). Scores: hit1 (the first cited file is a gold file) for each,
and how often the follow-up's first citation is the named question's.

    python3 bench/followups.py --bin target/release/potpie-lsp --corpora ~/potpie-corpora
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def ask(binary, root, cache, question, thread=None):
    cmd = [binary, "ask", "--backend", "local", "--json", "--root", root]
    if thread:
        cmd += ["--thread", thread]
    env = dict(os.environ, POTPIE_LSP_CACHE_DIR=cache)
    env.pop("POTPIE_API_KEY", None)
    out = subprocess.run(cmd + [question], capture_output=True, text=True, env=env, timeout=120)
    if out.returncode != 0:
        return None
    return json.loads(out.stdout)


def first_file(answer):
    cites = (answer or {}).get("citations") or []
    return cites[0]["path"] if cites else None


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bin", required=True)
    p.add_argument("--corpora", required=True)
    p.add_argument("--questions", default=os.path.join(here, "followups.jsonl"))
    p.add_argument("-v", action="store_true", help="one line per item on stderr")
    args = p.parse_args()
    items = [json.loads(l) for l in open(args.questions) if l.strip()]
    hits = {"followup": 0, "named": 0, "alone": 0}
    same = 0
    with tempfile.TemporaryDirectory() as cache:
        for it in items:
            root = os.path.join(args.corpora, it["corpus"])
            first = ask(args.bin, root, cache, it["first"])
            thread = (first or {}).get("threadId")
            got = {
                "followup": ask(args.bin, root, cache, it["followup"], thread) if thread else None,
                "named": ask(args.bin, root, cache, it["named"]),
                "alone": ask(args.bin, root, cache, it["followup"]),
            }
            files = {k: first_file(v) for k, v in got.items()}
            for k, f in files.items():
                hits[k] += f in it["gold"]
            same += files["followup"] is not None and files["followup"] == files["named"]
            if args.v:
                print(f"{it['id']:<12} follow-up {files['followup']}  named {files['named']}  alone {files['alone']}", file=sys.stderr)
    n = len(items)
    print(f"{n} follow-ups: hit1 follow-up {hits['followup'] / n:.2f}, named {hits['named'] / n:.2f}, "
          f"pronoun without the thread {hits['alone'] / n:.2f}; follow-up's first file = named's {same / n:.2f}")


if __name__ == "__main__":
    main()
