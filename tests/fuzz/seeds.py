#!/usr/bin/env python3
"""seeds.py TARGET OUT: writes the raw seed inputs of a fuzz target into the
folder OUT, from the texts the repository holds (the example's content/,
tests/sites, tests/build, the YAML test suite, the Mustache spec, the default
theme), in the target's input format (see each fuzz_TARGET.c). The committed
corpus is these seeds minimised with libFuzzer's -merge=1, then grown by
fuzzing: see README.md here. Run from the repository root."""
import hashlib
import json
import os
import re
import sys

import yaml

ROOTS = ["content", "tests/sites", "tests/build", "site.yaml"]
MAX = 65536


def files(exts):
    for r in ROOTS:
        if os.path.isfile(r):
            yield r
            continue
        for d, dirs, names in os.walk(r):
            dirs.sort()
            for n in sorted(names):
                p = os.path.join(d, n)
                if n.endswith(exts) and os.path.isfile(p) and not os.path.islink(p):
                    yield p


def read(p):
    with open(p, "rb") as f:
        return f.read()


def body_of(b):
    """The body of a Markdown file: after its front matter, if it has one."""
    m = re.match(rb"(?:\xef\xbb\xbf)?---\r?\n.*?\n(?:---|\.\.\.)[ \t]*\r?\n", b, re.S)
    return b[m.end():] if m else b


def seeds_yaml():
    d = "tests/yaml-test-suite"
    for case in sorted(os.listdir(d)):
        p = os.path.join(d, case, "in.yaml")
        if os.path.isfile(p):
            yield read(p)
    for p in files((".md", ".yaml")):
        yield read(p)


def seeds_markdown():
    for p in files((".md",)):
        b = body_of(read(p))
        yield b"0" + b
        if b"<!--" in b:
            yield b"1" + b  # a practices document
        if b"<" in b:
            yield b"2" + b  # unsafe_html


FENCE = re.compile(rb"^<!-- visibility: (\w+) -->\n(.*?)^<!-- /visibility -->\n", re.S | re.M)


def seeds_fences():
    for p in files((".md",)):
        b = body_of(read(p)).replace(b"\r\n", b"\n")
        parts, at = [], 0
        for m in FENCE.finditer(b):
            parts.append(b[at:m.start()])
            parts.append((b"1" if m.group(1) == b"confidential" else b"0") + m.group(2))
            at = m.end()
        parts.append(b[at:])
        if len(parts) > 1:
            yield b"0" + b"\0".join(parts)
            yield b"2" + b"\0".join(parts)  # strict: no code fences
    yield b"0Shown.\n\0" + b"1Hidden words.\n\0Shown again.\n"
    yield b"1## Heading\n\0" + b"0## Hidden heading\n\nText [a](#hidden-heading).\n\0"


def spec_tests():
    d = "tests/mustache-spec"
    for n in sorted(os.listdir(d)):
        if n.endswith(".yml") and "lambdas" not in n:
            with open(os.path.join(d, n)) as f:
                for t in yaml.safe_load(f)["tests"]:
                    yield t


def mustache_input(flags, template, data, partials):
    parts = [flags + template.encode(), json.dumps(data, ensure_ascii=False).encode()]
    for name, text in sorted(partials.items()):
        parts.append(name.encode() + b"\n" + text.encode())
    return b"\0".join(parts)


def seeds_mustache():
    for t in spec_tests():
        yield mustache_input(b"0", t["template"], t.get("data"), t.get("partials", {}))
    tdir = "themes/default/templates"
    names = sorted(n[:-9] for n in os.listdir(tdir) if n.endswith(".mustache"))
    texts = {n: read(os.path.join(tdir, n + ".mustache")).decode() for n in names}
    data = {"site": {"title": "DacCom", "organisation": "DacCom Ltd"}, "page": {
        "title": "About", "body": "<p>x</p>"}, "projects": [{"title": "COPD", "status":
        "green"}, {"title": "Diabetes", "status": "amber"}], "root": "../"}
    def used(n, seen):
        for m in re.findall(r"\{\{[<>]\s*([\w.-]+)", texts[n]):
            if m in texts and m not in seen:
                seen.add(m)
                used(m, seen)
        return seen
    for n in names:
        yield mustache_input(b"1", texts[n], data, {k: texts[k] for k in used(n, set()) if k != n})


# fuzz_site.c's slots: where the input's file goes in the minimal site
SLOTS = [
    ("content/pages/", "0"), ("content/projects/", "1"), ("content/meetings/", "2"),
    ("content/reports/", "3"), ("content/plan/", "4"), ("content/people.yaml", "5"),
    ("content/plan.yaml", "6"), ("site.yaml", "7"), ("content/practices.yaml", "8"),
]


def seeds_site():
    for p in files((".md", ".yaml")):
        rel = p
        m = re.match(r"(?:tests/sites/[^/]+/|tests/build/[^/]+/(?:site/)?|)(.*)", p)
        rel = m.group(1)
        for prefix, slot in SLOTS:
            if rel.startswith(prefix) and (prefix.endswith("/") or rel == prefix):
                yield slot.encode() + read(p)
                break


def main():
    target, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    gen = {"yaml": seeds_yaml, "markdown": seeds_markdown, "mustache": seeds_mustache,
           "fences": seeds_fences, "site": seeds_site}[target]
    n = 0
    for s in gen():
        if len(s) > MAX:
            continue
        with open(os.path.join(out, hashlib.sha1(s).hexdigest()), "wb") as f:
            f.write(s)
        n += 1
    print(f"{target}: {n} seeds in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
