#!/usr/bin/env python3
"""feeds-check.py SITE_DIR BASE_URL [EVENTS]: checks the machine-readable
outputs of a build against their standards, using only the standard library.

- feed.xml: well-formed Atom 1.0 with the elements RFC 4287 requires (feed id,
  title, updated, author; each entry id, title, updated, alternate link), RFC
  3339 dates, unique ids, links that resolve to pages of the build;
- sitemap.xml: well-formed, every <loc> under BASE_URL and resolving;
- meetings.ics: RFC 5545 framing (CRLF, lines of at most 75 octets, balanced
  BEGIN/END), VERSION and PRODID, a VTIMEZONE for every TZID used, each VEVENT
  with UID, DTSTAMP and DTSTART, unique UIDs, each meeting (date, summary) once;
  with EVENTS, exactly that many events;
- search-index.json: a list of entries whose urls resolve.
Prints every problem and exits 1 if there is one."""
import json
import os
import re
import sys
import xml.etree.ElementTree as ET

site, base = sys.argv[1], sys.argv[2]
want_events = int(sys.argv[3]) if len(sys.argv) > 3 else None
problems = []
A = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")


def resolves(url):
    if not url.startswith(base):
        return False
    path = url[len(base):]
    return os.path.isfile(os.path.join(site, path, "index.html") if path == "" or path.endswith("/") else os.path.join(site, path))


# Atom
try:
    feed = ET.parse(os.path.join(site, "feed.xml")).getroot()
    if feed.tag != A + "feed":
        problems.append("feed.xml: root is not an Atom <feed>")
    for el in ("id", "title", "updated"):
        if feed.find(A + el) is None:
            problems.append(f"feed.xml: <feed> lacks <{el}>")
    if feed.find(A + "author") is None and any(e.find(A + "author") is None for e in feed.findall(A + "entry")):
        problems.append("feed.xml: no author for the feed or an entry")
    if not RFC3339.match(feed.findtext(A + "updated") or ""):
        problems.append("feed.xml: feed <updated> is not an RFC 3339 date")
    ids = set()
    for e in feed.findall(A + "entry"):
        eid = e.findtext(A + "id")
        for el in ("id", "title", "updated"):
            if e.find(A + el) is None:
                problems.append(f"feed.xml: entry {eid} lacks <{el}>")
        if not RFC3339.match(e.findtext(A + "updated") or ""):
            problems.append(f"feed.xml: entry {eid} <updated> is not RFC 3339")
        if eid in ids:
            problems.append(f"feed.xml: duplicate entry id {eid}")
        ids.add(eid)
        links = [l for l in e.findall(A + "link") if l.get("rel", "alternate") == "alternate"]
        if not links or not resolves(links[0].get("href", "")):
            problems.append(f"feed.xml: entry {eid} has no alternate link to a page of the build")
except (ET.ParseError, OSError) as err:
    problems.append(f"feed.xml: {err}")

# sitemap
try:
    sm = ET.parse(os.path.join(site, "sitemap.xml")).getroot()
    locs = [l.text for l in sm.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    if not locs:
        problems.append("sitemap.xml: no <loc>")
    for loc in locs:
        if not resolves(loc or ""):
            problems.append(f"sitemap.xml: {loc} does not resolve to a page of the build")
except (ET.ParseError, OSError) as err:
    problems.append(f"sitemap.xml: {err}")

# iCalendar
try:
    raw = open(os.path.join(site, "meetings.ics"), "rb").read()
    if not raw.endswith(b"\r\n") or b"\n" in raw.replace(b"\r\n", b""):
        problems.append("meetings.ics: lines must end in CRLF")
    lines = raw.split(b"\r\n")[:-1]
    for i, l in enumerate(lines):
        if len(l) > 75:
            problems.append(f"meetings.ics:{i + 1}: line longer than 75 octets")
    # unfold
    text = raw.decode("utf-8").replace("\r\n ", "").split("\r\n")[:-1]
    stack, events, tzids, used = [], [], set(), set()
    for l in text:
        name, _, value = l.partition(":")
        prop = name.split(";")[0]
        if prop == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                events.append({})
        elif prop == "END":
            if not stack or stack.pop() != value:
                problems.append(f"meetings.ics: END:{value} does not close what is open")
        elif stack and stack[-1] == "VEVENT":
            events[-1][prop] = value
            m = re.search(r"TZID=([^;:]+)", name)
            if m:
                used.add(m.group(1))
        elif stack and stack[-1] == "VTIMEZONE" and prop == "TZID":
            tzids.add(value)
    if stack:
        problems.append(f"meetings.ics: {stack} left open")
    if not text or text[0] != "BEGIN:VCALENDAR" or "VERSION:2.0" not in text or not any(t.startswith("PRODID:") for t in text):
        problems.append("meetings.ics: VCALENDAR needs VERSION:2.0 and PRODID")
    for tz in used - tzids:
        problems.append(f"meetings.ics: TZID {tz} used without a VTIMEZONE")
    uids, seen = set(), set()
    for ev in events:
        for p in ("UID", "DTSTAMP", "DTSTART"):
            if p not in ev:
                problems.append(f"meetings.ics: an event lacks {p}: {ev}")
        if ev.get("UID") in uids:
            problems.append(f"meetings.ics: duplicate UID {ev.get('UID')}")
        uids.add(ev.get("UID"))
        key = (ev.get("DTSTART"), ev.get("SUMMARY"))
        if key in seen:
            problems.append(f"meetings.ics: {key} appears twice")
        seen.add(key)
    if want_events is not None and len(events) != want_events:
        problems.append(f"meetings.ics: {len(events)} events, expected {want_events}")
except (OSError, UnicodeDecodeError) as err:
    problems.append(f"meetings.ics: {err}")

# search index
try:
    idx = json.load(open(os.path.join(site, "search-index.json"), encoding="utf-8"))
    if not isinstance(idx, list) or not idx:
        problems.append("search-index.json: not a non-empty list")
    for e in idx:
        if not os.path.isfile(os.path.join(site, e.get("url", "?"))):
            problems.append(f"search-index.json: {e.get('url')} does not exist")
        for k in ("title", "url", "kind", "words"):
            if k not in e:
                problems.append(f"search-index.json: entry {e.get('url')} lacks {k}")
except (OSError, ValueError) as err:
    problems.append(f"search-index.json: {err}")

for p in problems:
    print("  " + p)
print(f"feeds {site}: {len(problems)} problems")
sys.exit(1 if problems else 0)
