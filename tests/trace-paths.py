#!/usr/bin/env python3
"""trace-paths.py: the paths a traced run created, removed, renamed or wrote to.

Usage: trace-paths.py LOG CWD [ALLOWED...]

LOG is the prefix strace -ff -y -e trace=%file -o LOG wrote its files with
(LOG.<pid>, one a thread); CWD is the folder the run started in (for
relative paths). Each ALLOWED is a path, which allows itself and everything
under it, or a pattern with '*' (fnmatch), which allows the paths it
matches and everything under them. Every call that would change the file
system (open for writing or creating, mkdir, rmdir, unlink, rename, link,
symlink, chmod, chown, truncate, utime, mknod, xattr changes), failed ones
included, is checked: each path outside the allowed set is printed, and the
exit status is 1 when there is any. Read-only opens, stats and the like are
not changes and are not printed. With no ALLOWED, nothing may change.
"""
import fnmatch
import glob
import os
import re
import sys

WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND", "O_TMPFILE")

# call -> (indexes of path arguments that change, each as (dirfd index or None, path index))
CHANGES = {
    "creat": [(None, 0)],
    "mkdir": [(None, 0)],
    "mkdirat": [(0, 1)],
    "rmdir": [(None, 0)],
    "unlink": [(None, 0)],
    "unlinkat": [(0, 1)],
    "rename": [(None, 0), (None, 1)],
    "renameat": [(0, 1), (2, 3)],
    "renameat2": [(0, 1), (2, 3)],
    "link": [(None, 1)],
    "linkat": [(2, 3)],
    "symlink": [(None, 1)],
    "symlinkat": [(1, 2)],
    "chmod": [(None, 0)],
    "fchmodat": [(0, 1)],
    "chown": [(None, 0)],
    "lchown": [(None, 0)],
    "fchownat": [(0, 1)],
    "truncate": [(None, 0)],
    "utime": [(None, 0)],
    "utimes": [(None, 0)],
    "futimesat": [(0, 1)],
    "utimensat": [(0, 1)],
    "mknod": [(None, 0)],
    "mknodat": [(0, 1)],
    "setxattr": [(None, 0)],
    "lsetxattr": [(None, 0)],
    "removexattr": [(None, 0)],
    "lremovexattr": [(None, 0)],
}
OPENS = {"open": (None, 0, 1), "openat": (0, 1, 2), "openat2": (0, 1, 2)}

CALL = re.compile(r"^(?:\[pid\s+\d+\]\s+)?([a-z0-9_]+)\((.*)\)\s+=\s+(.*)$")


def unquote(s):
    """The bytes of a C string as strace prints it ("..." with escapes)."""
    if not (s.startswith('"') and s.endswith('"')):
        return None
    body, out, i = s[1:-1], bytearray(), 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out += c.encode()
            i += 1
            continue
        n = body[i + 1]
        if n == "x":
            out.append(int(body[i + 2:i + 4], 16))
            i += 4
        elif n in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i + 1:])
            out.append(int(m.group(0), 8))
            i += 1 + len(m.group(0))
        else:
            out += {"n": b"\n", "t": b"\t", "r": b"\r", "v": b"\v", "f": b"\f"}.get(n, n.encode())
            i += 2
    return os.fsdecode(bytes(out))


def split_args(s):
    """Top-level comma-separated arguments, quotes and brackets respected."""
    args, depth, cur, i, q = [], 0, "", 0, False
    while i < len(s):
        c = s[i]
        if q:
            cur += c
            if c == "\\":
                cur += s[i + 1]
                i += 1
            elif c == '"':
                q = False
        elif c == '"':
            q, cur = True, cur + c
        elif c in "([{<":
            depth, cur = depth + 1, cur + c
        elif c in ")]}>":
            depth, cur = depth - 1, cur + c
        elif c == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    if cur.strip():
        args.append(cur.strip())
    return args


def fd_path(arg, cwd):
    """The folder a dirfd argument names: AT_FDCWD</x> or 3</x> with -y."""
    m = re.match(r"^(?:AT_FDCWD|\d+)<(.*)>$", arg)
    if m:
        return m.group(1)
    return cwd if arg.startswith("AT_FDCWD") else None


def full(dirarg, patharg, cwd):
    p = unquote(patharg) if patharg != "NULL" else ""
    if p is None:
        return None
    if p.startswith("/"):
        return os.path.normpath(p)
    base = fd_path(dirarg, cwd) if dirarg is not None else cwd
    if base is None:
        return "?" + dirarg + "/" + p
    return os.path.normpath(os.path.join(base, p)) if p else base


def allowed(path, rules):
    for r in rules:
        if "*" in r:
            parts = path.split("/")
            for k in range(len(parts), 0, -1):
                if fnmatch.fnmatchcase("/".join(parts[:k]), r):
                    return True
        elif path == r or path.startswith(r.rstrip("/") + "/"):
            return True
    return False


def main():
    log, cwd, rules = sys.argv[1], sys.argv[2], sys.argv[3:]
    files = sorted(glob.glob(glob.escape(log) + ".*"))
    if not files:
        print("no trace at " + log + ".*")
        return 1
    bad = []
    calls = 0
    for name in files:
        with open(name, encoding="utf-8", errors="surrogateescape") as f:
            for line in f:
                m = CALL.match(line.rstrip("\n"))
                if not m:
                    continue
                call, args = m.group(1), split_args(m.group(2))
                calls += 1
                paths = []
                if call in OPENS:
                    d, p, fl = OPENS[call]
                    flags = args[fl] if fl < len(args) else ""
                    if any(w in flags for w in WRITE_FLAGS):
                        paths.append((args[d] if d is not None else None, args[p]))
                elif call in CHANGES:
                    for d, p in CHANGES[call]:
                        if p < len(args):
                            paths.append((args[d] if d is not None else None, args[p]))
                for d, p in paths:
                    path = full(d, p, cwd)
                    if path is None or not allowed(path, rules):
                        bad.append("%s %s   (%s)" % (call, path, line.strip()[:200]))
    for b in bad:
        print(b)
    if calls == 0:
        print("no file calls traced")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
