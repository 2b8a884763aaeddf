#!/usr/bin/env python3
"""Rust files over 800 lines and functions over 120 lines, outside tests (ARCHITECTURE.md,
"Size limits"). Prints each with its length; exits 1 when one is not a listed exception."""
import re
import subprocess
import sys

FILE_LIMIT, FN_LIMIT = 800, 120
# Tables that read top to bottom; ARCHITECTURE.md says why each is one.
EXCEPTIONS = {"src/potpie/error.rs:describe"}
EXCEPTION_PREFIXES = ("benches/", "examples/", "crates/test-support/", "fuzz/")
FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)")


def code_lines(lines):
    """The lines before a file's `#[cfg(test)]` module (tests sit at the end of a file)."""
    for i, line in enumerate(lines):
        if line.strip() == "#[cfg(test)]" and i + 1 < len(lines) and "mod " in lines[i + 1]:
            return lines[:i]
    return lines


def functions(lines):
    for i, line in enumerate(lines):
        m = FN.match(line)
        if not m or line.rstrip().endswith(";"):
            continue
        depth, opened = 0, False
        for j in range(i, len(lines)):
            # Braces in strings and chars are rare enough in signatures and bodies here;
            # a miscount shows as an absurd length, not a silent pass.
            text = re.sub(r'"(\\.|[^"\\])*"|\'(\\.|[^\'\\])\'', "", lines[j].split("//")[0])
            depth += text.count("{") - text.count("}")
            opened = opened or "{" in text
            if opened and depth <= 0:
                yield m.group(6), j - i + 1
                break
            if not opened and text.rstrip().endswith(";"):
                break


def main():
    files = subprocess.run(["git", "ls-files", "*.rs"], capture_output=True, text=True,
                           check=True).stdout.split()
    bad = []
    for path in files:
        if "/tests/" in path or path.startswith("tests/") or path.endswith("/tests.rs"):
            continue
        lines = code_lines(open(path, encoding="utf-8").read().split("\n"))
        excused = path.startswith(EXCEPTION_PREFIXES)
        if len(lines) > FILE_LIMIT:
            print(f"{path}: {len(lines)} lines")
            if path not in EXCEPTIONS and not excused:
                bad.append(path)
        for name, n in functions(lines):
            if n > FN_LIMIT:
                print(f"{path}:{name}: {n} lines")
                if f"{path}:{name}" not in EXCEPTIONS and not excused:
                    bad.append(f"{path}:{name}")
    if bad:
        print("over the limits without a written reason:", ", ".join(bad), file=sys.stderr)
        sys.exit(1)


main()
