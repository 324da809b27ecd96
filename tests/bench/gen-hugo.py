#!/usr/bin/env python3
"""gen-hugo.py: turn a site from gen-site.py into the equivalent Hugo site.

    python3 tests/bench/gen-hugo.py [--gitinfo] SITEDIR HUGODIR

The Markdown files of content/{plan,projects,meetings,reports,pages} are
copied byte for byte (a report also gets a `date:` line made from its
`month:`, so that Hugo can sort it). people.yaml and practices.yaml become
id -> record maps in data/*.json, plan.yaml is copied to data/, so that the
templates can show names the way plansite does. The layouts do about the work
of plansite's theme: a page per document (title; a meeting's date, time,
venue, attendees and apologies by name, guests, decisions, actions with their
owners, next meeting; a project's status, area, leads, manager, funding and
milestones with their checks; the body), a list page per section, the home
page (latest meetings and every project) and a link render hook that turns
`../projects/x.md` links into page URLs; and what plansite writes beside the
pages: each report's project tracker (rendered once, with partialCached, as
plansite renders it once) and print page, a feed of the latest 50 pages, a
sitemap, a search index of every page's words, a calendar of the meetings
and a 404 page. Taxonomies and robots.txt are off; Goldmark has tables, strikethrough, linkify and task lists,
and escapes raw HTML as plansite does by default.

--gitinfo also makes HUGODIR share SITEDIR's git history (hard links to the
objects, same paths content/<kind>/<file>) and sets enableGitInfo, so that
Hugo asks git for every page's last commit.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

SECTIONS = ("plan", "projects", "meetings", "reports", "pages")

CONFIG = """baseURL = "https://www.vale-commissioning.example/"
title = "Vale Commissioning"
languageCode = "en-gb"
timeZone = "Europe/London"
disableKinds = ["taxonomy", "term", "robotsTXT"]
disableHugoGeneratorInject = true
buildFuture = true
buildExpired = true
enableGitInfo = @GITINFO@

[permalinks]
pages = "/:filename/"

# What plansite writes beside the pages: a feed of the latest 50, a sitemap,
# a search index (home), a calendar of the meetings (content/meetings/_index.md
# asks for it) and each report's print page (asked for in its front matter).
[outputs]
home = ["HTML", "RSS", "SearchIndex"]
section = ["HTML"]
page = ["HTML"]
[outputFormats.SearchIndex]
mediaType = "application/json"
baseName = "search-index"
isPlainText = true
notAlternative = true
[outputFormats.Print]
mediaType = "text/html"
baseName = "index"
path = "print"
isHTML = true
permalinkable = false
notAlternative = true
[services.rss]
limit = 50

[params]
tagline = "Practice based commissioning for the Vale's GP practices"
organisation = "Vale Commissioning Ltd"
email = "office@vale-commissioning.example"

[markup.goldmark.renderer]
unsafe = false
[markup.goldmark.extensions]
table = true
strikethrough = true
linkify = true
taskList = true
typographer = false
footnote = false
definitionList = false
[markup.highlight]
codeFences = false
"""

# {{ template "who" }} shows a person id as "Name, practice or organisation".
BASEOF = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if .IsHome }}{{ site.Title }}: {{ site.Params.tagline }}{{ else }}{{ .Title }} – {{ site.Title }}{{ end }}</title>
<link rel="stylesheet" href="{{ "site.css" | relURL }}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
<p class="brand"><a href="{{ "/" | relURL }}">{{ site.Title }}</a></p>
<nav aria-label="Site"><ul>
<li><a href="{{ "plan/" | relURL }}">The plan</a></li>
<li><a href="{{ "projects/" | relURL }}">Projects</a></li>
<li><a href="{{ "meetings/" | relURL }}">Meetings</a></li>
<li><a href="{{ "reports/" | relURL }}">Reports</a></li>
<li><a href="{{ "about/" | relURL }}">About</a></li>
</ul></nav>
</header>
<main id="main">
{{ block "main" . }}{{ end }}
</main>
<footer><p>{{ site.Params.organisation }} · <a href="mailto:{{ site.Params.email }}">{{ site.Params.email }}</a></p></footer>
</body>
</html>
"""

SINGLE = """{{ define "main" }}
{{ $people := site.Data.people }}
{{ $practices := site.Data.practices }}
<h1>{{ .Title }}{{ if eq .Section "meetings" }} <span class="sub">{{ .Date.Format "2 January 2006" }}</span>{{ end }}{{ with .Params.month }} <span class="sub">{{ . }}</span>{{ end }}</h1>
{{ if eq .Section "meetings" }}
<dl class="facts">
<div><dt>Time</dt><dd>{{ .Params.start }} to {{ .Params.end }}</dd></div>
<div><dt>Place</dt><dd>{{ .Params.venue }}</dd></div>
{{ with .Params.next_meeting }}<div><dt>Next meeting</dt><dd>{{ .date }}, {{ .start }}, {{ .venue }}{{ with .note }} ({{ . }}){{ end }}</dd></div>{{ end }}
</dl>
<h2>Who was there</h2>
<ul class="people">
{{ range .Params.attendees }}{{ with index $people . }}<li>{{ .name }}{{ with .practice }}{{ with index $practices . }} <span class="note">{{ .name }}</span>{{ end }}{{ end }}{{ with .organisation }} <span class="note">{{ . }}</span>{{ end }}</li>
{{ end }}{{ end }}
{{ range .Params.guests }}<li>{{ . }} <span class="note">Guest</span></li>
{{ end }}
</ul>
{{ with .Params.apologies }}<p><strong>Apologies:</strong> {{ range $i, $id := . }}{{ if $i }}, {{ end }}{{ with index $people $id }}{{ .name }}{{ end }}{{ end }}</p>{{ end }}
{{ with .Params.decisions }}<h2>Decisions</h2>
<ol>{{ range . }}<li>{{ . | markdownify }}</li>{{ end }}</ol>{{ end }}
{{ with .Params.actions }}<h2>Actions</h2>
<table class="actions"><thead><tr><th>No.</th><th>Action</th><th>Who</th><th>By</th><th>Project</th><th>State</th></tr></thead>
<tbody>
{{ range . }}<tr><td>{{ .id }}</td><td>{{ .text | markdownify }}</td><td>{{ with index $people .owner }}{{ .name }}{{ end }}</td><td>{{ .due }}</td><td>{{ with .project }}{{ with site.GetPage (printf "/projects/%s" .) }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}{{ else }}None{{ end }}</td><td>{{ if .done }}Done{{ else }}Open{{ end }}</td></tr>
{{ end }}</tbody></table>{{ end }}
{{ end }}
{{ if eq .Section "projects" }}
{{ with .Params.summary }}<p class="lead">{{ . }}</p>{{ end }}
<dl class="facts">
<div><dt>Status</dt><dd class="status-{{ .Params.status }}">{{ .Params.status }}</dd></div>
<div><dt>Area of care</dt><dd>{{ $area := .Params.area }}{{ range site.Data.plan.areas }}{{ if eq .id $area }}{{ .name }} (level {{ .level }}){{ end }}{{ end }}</dd></div>
<div><dt>Clinical leads</dt><dd>{{ range $i, $id := .Params.clinical_leads }}{{ if $i }}, {{ end }}{{ with index $people $id }}{{ .name }}{{ end }}{{ end }}</dd></div>
<div><dt>Project manager</dt><dd>{{ with index $people .Params.project_manager }}{{ .name }}{{ end }}</dd></div>
<div><dt>Funding</dt><dd>{{ $f := .Params.funding }}{{ range site.Data.plan.funding }}{{ if in $f .id }}<span>{{ .name }}</span> {{ end }}{{ end }}</dd></div>
</dl>
<h2>Milestones</h2>
<ol class="path">
{{ $ms := .Params.milestones }}
{{ range site.Data.plan.milestones }}
{{ $m := index $ms (string .number) }}
<li><h3>Milestone {{ .number }}: {{ .name }}</h3>
{{ with $m }}{{ with .reached }}<p>Reached on {{ . }}</p>{{ else }}<p>In progress, target {{ .target }}</p>{{ end }}{{ else }}<p>Not started</p>{{ end }}
<ul class="checks">{{ range .checks }}<li>{{ if and $m (in $m.checks .id) }}&#x2611;{{ else }}&#x2610;{{ end }} {{ .text }}</li>{{ end }}</ul>
</li>
{{ end }}
</ol>
{{ end }}
<div class="prose">
{{ .Content }}
</div>
{{ if eq .Section "reports" }}{{ partialCached "tracker.html" . "tracker" }}{{ end }}
{{ with .GitInfo }}<p class="updated">Last updated {{ .AuthorDate.Format "2 January 2006" }}: {{ .Subject }} ({{ .AbbreviatedHash }})</p>{{ end }}
{{ end }}
"""

LIST = """{{ define "main" }}
<h1>{{ .Title }}</h1>
<table class="list">
<thead><tr><th>Title</th><th>Date</th><th>About</th></tr></thead>
<tbody>
{{ range .Pages.ByDate.Reverse }}<tr><td><a href="{{ .RelPermalink }}">{{ .Title }}</a></td><td>{{ if not .Date.IsZero }}{{ .Date.Format "2 January 2006" }}{{ end }}</td><td>{{ with .Params.summary }}{{ . }}{{ else }}{{ with .Params.venue }}{{ . }}{{ end }}{{ end }}</td></tr>
{{ end }}
</tbody>
</table>
{{ end }}
"""

HOME = """{{ define "main" }}
<h1>{{ site.Title }}</h1>
<p class="lead">{{ site.Params.tagline }}</p>
{{ with first 1 (where site.RegularPages "Section" "reports").ByDate.Reverse }}{{ range . }}<p>Latest report: <a href="{{ .RelPermalink }}">{{ .Title }}</a></p>{{ end }}{{ end }}
<h2>Recent meetings</h2>
<ul>
{{ range first 8 (where site.RegularPages "Section" "meetings").ByDate.Reverse }}<li>{{ .Date.Format "2 January 2006" }} <a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}
</ul>
<h2>Our projects</h2>
<table class="tracker"><thead><tr><th>Project</th><th>Status</th><th>Summary</th></tr></thead>
<tbody>
{{ range (where site.RegularPages "Section" "projects").ByTitle }}<tr><td><a href="{{ .RelPermalink }}">{{ .Title }}</a></td><td>{{ .Params.status }}</td><td>{{ .Params.summary }}</td></tr>
{{ end }}
</tbody></table>
{{ end }}
"""

# Every project's status, milestone reached, next milestone and leads, as
# plansite's monthly reports show it (rendered once, as plansite does: the
# table is the same on every report made from the same data).
TRACKER = """{{ $people := site.Data.people }}
<div class="table-wrap"><table class="tracker">
<caption>Where each project stands</caption>
<thead><tr><th scope="col">Project</th><th scope="col">Status</th><th scope="col">Milestone reached</th><th scope="col">Next milestone</th><th scope="col">Clinical leads</th></tr></thead>
<tbody>
{{ range (where site.RegularPages "Section" "projects").ByTitle }}{{ $ms := .Params.milestones }}{{ $reached := "" }}{{ $next := "" }}
{{- range site.Data.plan.milestones }}{{ $m := index $ms (string .number) }}{{ if and $m $m.reached }}{{ $reached = printf "%d. %s<span class='note'>on %s</span>" .number .name (time.Format "2 January 2006" $m.reached) }}{{ else if not $next }}{{ $next = printf "%d. %s" .number .name }}{{ with $m }}{{ with .target }}{{ $next = printf "%s<span class='note'>target %s</span>" $next (time.Format "2 January 2006" .) }}{{ end }}{{ end }}{{ end }}{{ end -}}
<tr><th scope="row"><a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ $area := .Params.area }}{{ range site.Data.plan.areas }}{{ if eq .id $area }}<span class="note">{{ .name }}</span>{{ end }}{{ end }}</th>
<td><span class="status status-{{ .Params.status }}">{{ .Params.status }}</span></td>
<td>{{ with $reached }}{{ . | safeHTML }}{{ else }}None yet{{ end }}</td>
<td>{{ with $next }}{{ . | safeHTML }}{{ else }}None{{ end }}</td>
<td><ul class="bare">{{ range .Params.clinical_leads }}{{ with index $people . }}<li>{{ .name }}</li>{{ end }}{{ end }}</ul></td>
</tr>
{{ end }}</tbody></table></div>
"""

# A report's A4 print page: the same content without the site's navigation.
PRINT = """<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<title>{{ .Title }} – {{ site.Title }}</title>
<link rel="stylesheet" href="{{ "site.css" | relURL }}">
</head>
<body class="print">
<header><p class="brand">{{ site.Params.organisation }}</p></header>
<main>
<h1>{{ .Title }}{{ with .Params.month }} <span class="sub">{{ . }}</span>{{ end }}</h1>
<div class="prose">
{{ .Content }}
</div>
{{ partialCached "tracker.html" . "tracker" }}
</main>
</body>
</html>
"""

# Every page's title, address, section, summary and words, for a search page.
SEARCH = """[{{ range $i, $p := site.RegularPages }}{{ if $i }},
{{ end }}{"title":{{ $p.Title | jsonify }},"url":{{ $p.RelPermalink | jsonify }},"kind":{{ $p.Section | jsonify }},"summary":{{ $p.Params.summary | default "" | jsonify }},"words":{{ $p.Plain | lower | jsonify }}}{{ end }}]
"""

# The meetings as an iCalendar file.
CALENDAR = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//bench//hugo//EN\r
{{ range .Pages }}BEGIN:VEVENT\r
UID:{{ .File.BaseFileName }}@{{ site.BaseURL }}\r
DTSTART:{{ .Date.Format "20060102" }}T{{ replace (.Params.start | default "00:00") ":" "" }}00\r
DTEND:{{ .Date.Format "20060102" }}T{{ replace (.Params.end | default "00:00") ":" "" }}00\r
SUMMARY:{{ .Title }}\r
LOCATION:{{ .Params.venue }}\r
URL:{{ .Permalink }}\r
END:VEVENT\r
{{ end }}END:VCALENDAR\r
"""

NOTFOUND = """{{ define "main" }}
<h1>Page not found</h1>
<p>There is no page at this address. Try the <a href="{{ "/" | relURL }}">home page</a>.</p>
{{ end }}
"""

# ../kind/x.md (or x.md beside the page) -> the target page's URL, as plansite does.
LINK_HOOK = """{{- $href := .Destination -}}
{{- $u := urls.Parse .Destination -}}
{{- if and (not $u.IsAbs) (strings.HasSuffix $u.Path ".md") -}}
{{- with site.GetPage (path.Join "/" .Page.File.Dir $u.Path) -}}
{{- $href = .RelPermalink -}}{{- with $u.Fragment -}}{{- $href = printf "%s#%s" $href . -}}{{- end -}}
{{- else -}}{{- warnf "%s: no page for link %s" $.Page.File.Path $.Destination -}}{{- end -}}
{{- end -}}
<a href="{{ $href | safeURL }}"{{ with .Title }} title="{{ . }}"{{ end }}>{{ .Text | safeHTML }}</a>"""

CSS = """body{font:16px/1.5 system-ui,sans-serif;max-width:62em;margin:0 auto;padding:0 1em}
table{border-collapse:collapse}th,td{border:1px solid #bbb;padding:.25em .5em;text-align:left}
.sub,.note{color:#555;font-size:.9em}.skip{position:absolute;left:-9999px}.skip:focus{left:1em}
"""

FLOW_ITEM = re.compile(r'^- \{ (.*) \}\s*$')
FLOW_FIELD = re.compile(r'([a-z_]+): ("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)')


def flow_records(path):
    """The records of a YAML list written one flow mapping per line (gen-site.py's style)."""
    out = {}
    with open(path, encoding="utf-8-sig") as f:
        for line in f:
            m = FLOW_ITEM.match(line.rstrip("\r\n"))
            if not m:
                continue
            rec = {}
            for k, v in FLOW_FIELD.findall(m.group(1)):
                rec[k] = json.loads(v) if v.startswith('"') else v.strip()
            out[rec["id"]] = rec
    return out


def write(path, text, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gitinfo", action="store_true", help="share the site's git history")
    ap.add_argument("site")
    ap.add_argument("hugo")
    a = ap.parse_args()
    if os.path.exists(a.hugo):
        shutil.rmtree(a.hugo)
    month_line = re.compile(rb'^month: "?(\d{4})-(\d{2})"?(\r?)$', re.M)
    count = 0
    for sec in SECTIONS:
        src = os.path.join(a.site, "content", sec)
        if not os.path.isdir(src):
            continue
        dst = os.path.join(a.hugo, "content", sec)
        os.makedirs(dst)
        for name in sorted(os.listdir(src)):
            if not name.endswith(".md"):
                continue
            with open(os.path.join(src, name), "rb") as f:
                data = f.read()
            if sec == "reports":
                data = month_line.sub(lambda m: m.group(0) + b"\n" + b"date: " + m.group(1) + b"-"
                                      + m.group(2) + b"-01" + m.group(3) + b"\n"
                                      + b"outputs: [html, print]" + m.group(3), data, count=1)
            with open(os.path.join(dst, name), "wb") as f:
                f.write(data)
            count += 1
    if os.path.isdir(os.path.join(a.hugo, "content", "meetings")):
        write(os.path.join(a.hugo, "content", "meetings", "_index.md"),
              "---\ntitle: Meetings\noutputs: [html, calendar]\n---\n")
    data_dir = os.path.join(a.hugo, "data")
    os.makedirs(data_dir)
    for name in ("people", "practices"):
        recs = flow_records(os.path.join(a.site, "content", name + ".yaml"))
        write(os.path.join(data_dir, name + ".json"), json.dumps(recs, ensure_ascii=False))
    shutil.copy(os.path.join(a.site, "content", "plan.yaml"), os.path.join(data_dir, "plan.yaml"))
    lay = os.path.join(a.hugo, "layouts")
    for rel, text in (("_default/baseof.html", BASEOF), ("_default/single.html", SINGLE),
                      ("_default/list.html", LIST), ("index.html", HOME),
                      ("_default/_markup/render-link.html", LINK_HOOK),
                      ("partials/tracker.html", TRACKER), ("reports/single.print.html", PRINT),
                      ("index.searchindex.json", SEARCH), ("meetings/list.calendar.ics", CALENDAR),
                      ("404.html", NOTFOUND)):
        write(os.path.join(lay, rel), text)
    write(os.path.join(a.hugo, "static", "site.css"), CSS)
    git = False
    if a.gitinfo:
        src = os.path.join(a.site, ".git")
        if not os.path.isdir(src):
            sys.exit(f"gen-hugo: --gitinfo needs a git repository at {a.site}")
        # hard links where the file system allows them, else a copy
        r = subprocess.run(["cp", "-al", src, os.path.join(a.hugo, ".git")])
        if r.returncode != 0:
            shutil.rmtree(os.path.join(a.hugo, ".git"), ignore_errors=True)
            shutil.copytree(src, os.path.join(a.hugo, ".git"), symlinks=True)
        git = True
    write(os.path.join(a.hugo, "config.toml"), CONFIG.replace("@GITINFO@", "true" if git else "false"))
    print(f"gen-hugo: {count} Markdown files -> {a.hugo}{' (enableGitInfo)' if git else ''}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
