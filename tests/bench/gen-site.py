#!/usr/bin/env python3
"""gen-site.py: write a synthetic plansite site for the benchmark (stdlib only).

    python3 tests/bench/gen-site.py --docs N [--seed S] [--today YYYY-MM-DD]
                                    [--commits C] OUTDIR

The site follows the content model (site.yaml, content/plan.yaml, plan
sections, pages, people, practices) and holds N documents: about 5% projects,
10% monthly reports (one per month back from --today's month, at most back to
1975 so that git dates stay after 1970) and the rest meetings. Half the
meetings are public and half are for the practices, so that a
`--audience practices` build renders every document. Bodies are Markdown of
about 4 KB on average with headings, paragraphs, lists, task lists, some
tables, emphasis, £ and other UTF-8, and relative links to earlier documents
(../projects/x.md ...). A few files have CRLF line endings, some of them a BOM.
Every document is valid: `plansite check --today DATE` finds no error and no
warning.

With --commits C (C >= 1) OUTDIR also becomes a git repository (branch main)
with C commits, written with `git fast-import`: the first imports the YAML
files, the plan, the pages and the oldest documents; the rest add documents
one at a time in date order and, between them, edit recently added ones (an
edit grows the body; earlier versions are a prefix of its blocks). Commit
dates follow the documents' dates. The last commit's tree is exactly the
files written, and every commit's tree is itself a valid site.

The same arguments always give the same bytes.
"""
import argparse
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys

DAY = dt.timedelta(days=1)
MONTH_NAMES = ("January February March April May June July August September "
               "October November December").split()

# ------------------------------------------------------------------ helpers


def q(s):
    """A YAML double-quoted scalar (JSON's escapes are YAML's too)."""
    return json.dumps(s, ensure_ascii=False)


def ids_list(xs):
    return "[" + ", ".join(xs) + "]"


def last_day(y, m):
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    return (nxt - DAY).day


def add_months(d, n):
    """Calendar months, clamping the day (31 Jan + 1 month = 28/29 Feb)."""
    t = d.year * 12 + d.month - 1 + n
    y, m = divmod(t, 12)
    m += 1
    return dt.date(y, m, min(d.day, last_day(y, m)))


def long_date(d):
    return f"{d.day} {MONTH_NAMES[d.month - 1]} {d.year}"


def month_key(y, m):
    return f"{y:04d}-{m:02d}"


# --------------------------------------------------------------- vocabulary

GIVEN = ("Alice Amir Anjali Ben Bethan Carys Catriona Chidi Daniel Deborah Dylan "
         "Eleni Esther Farah Fergus Gemma Gwen Harriet Idris Imogen Isaac Jasmine "
         "Joseph Kamala Kieran Laura Leon Mairead Malcolm Maya Nadia Nathan Oliver "
         "Owen Paula Rahul Rebecca Rosa Samir Saoirse Sean Sophie Tariq Theo Ursula "
         "Vikram Winston Yasmin Zainab Zoë Siân Chloé José Agnès Ségolène Bronwen "
         "Ffion Aoife Sinéad Renée Søren Łukasz Hélène Noémie").split()
FAMILY = ("Abbott Adebayo Ahmed Akhtar Archer Atkinson Bailey Banerjee Barker "
          "Bell Bennett Bishop Blake Bradley Burke Chambers Chapman Choudhury "
          "Coleman Connolly Cox Dawson Doyle Ellis Farrell Fletcher Foster Gallagher "
          "Gill Goodwin Gordon Grant Hamilton Hardy Hayes Henderson Holmes Hunt Iqbal "
          "Jenkins Kapoor Kennedy Lambert Lawson Lloyd Marsh Mason Matthews Mills "
          "Nicholson Norris Osei Owusu Palmer Parker Pearson Quinn Rahman Reynolds "
          "Richards Saunders Sharma Shaw Simpson Spencer Stevens Sutton Townsend "
          "Vaughan Wallace Webb Whitehead Wilkinson Yates Zielińska Núñez Brontë "
          "Ó Súilleabháin Müller Gómez").split()
TOWNS = ["Ashbourne Vale", "Kingsmead", "Little Orchard", "Hollowfield", "Marston Cross",
         "Wellbrook", "Elmstead", "Stonebridge", "Holmwood", "Castleford Green"]
PRACTICE_NAMES = ["Riverside", "The Limes", "Elm Tree", "Castle Street", "Meadowbank",
                  "Orchard House", "High Street", "St Anne's", "Brookfield", "Willow Lane",
                  "The Old Forge", "Market Square", "Parkside", "Station Road", "Hillcrest",
                  "Beech House", "Church View", "Greenway", "Mill Lane", "Abbey Road",
                  "Kingfisher", "The Grange"]
PRACTICE_KINDS = ["Surgery", "Medical Practice", "Health Centre", "Surgery"]
ORGANISATIONS = ["Vale Primary Care Trust", "Vale Hospitals NHS Trust", "County Council",
                 "Vale Mental Health Partnership", "Regional Ambulance Service",
                 "Vale Community Health", "Borough Council", "Patients' Forum"]
ORG_ROLES = ["Director of Commissioning", "Finance Director", "Contracts Manager",
             "Head of Primary Care", "Service Improvement Lead", "Information Analyst",
             "Public Health Consultant", "Chief Executive", "Locality Manager"]
PRACTICE_ROLES = ["GP partner", "GP partner", "GP partner", "Salaried GP", "Practice manager",
                  "Practice nurse", "Nurse practitioner", "Pharmacist", "Project manager"]

LEVELS = [(1, "Lead a service redesign", True),
          (2, "Manage activity under existing contracts", True),
          (3, "Give clinical advice", False),
          (4, "No involvement", False)]
AREAS = [("prescribing", "Prescribing", 1), ("outpatients", "Outpatient activity", 1),
         ("urgent-care", "Urgent and emergency care", 1),
         ("long-term-conditions", "Long-term conditions", 1),
         ("community-nursing", "Community nursing", 2), ("diagnostics", "Diagnostic services", 2),
         ("mental-health", "Adult mental health", 2), ("elective", "Planned hospital care", 2),
         ("maternity", "Maternity", 3), ("children", "Children's services", 3),
         ("specialist", "Specialist services", 4), ("ambulance", "Patient transport", 4)]
PROJECT_AREAS = [a[0] for a in AREAS if a[2] <= 2]
MILESTONES = [
    (1, "Agree the business case", [
        ("aims", "The aims and what the project will deliver are written down"),
        ("costs", "Costs and expected benefits have been worked out"),
        ("views", "The people affected have been asked for their views"),
        ("leads", "A clinical lead and a project manager are named")]),
    (2, "Agree the plan", [
        ("resources", "The staff, money and equipment needed are known"),
        ("tasks", "The main tasks are set out"),
        ("timetable", "A timetable says who does what, and by when"),
        ("risks", "Risks are recorded, each with an owner"),
        ("baseline", "Activity before the change has been measured")]),
    (3, "Ready to go live", [
        ("agreements", "Service agreements are signed"),
        ("staff", "Staff are in post and trained"),
        ("told", "Practices and patients have been told"),
        ("monitoring", "Monitoring is in place"),
        ("start-date", "A start date is agreed"),
        ("governance", "Clinical governance arrangements are approved")]),
    (4, "Did it work?", [
        ("compare", "Activity has been compared with the baseline"),
        ("feedback", "Patients' feedback has been gathered"),
        ("lessons", "Lessons are written up and shared")]),
]
FUNDING = [("les", "Local Enhanced Service", 1, 3, False),
           ("pbc-budget", "Practice based commissioning budget", 1, 2, False),
           ("development", "Development fund", 2, 3, False),
           ("invest-to-save", "Invest to save", 4, 4, True)]
FUNDING_CHOICES = [["les"], ["les"], ["pbc-budget", "development"], ["pbc-budget", "les"]]

TOPICS = [("Chronic obstructive pulmonary disease", "copd"), ("Diabetes care", "diabetes"),
          ("Heart failure", "heart-failure"), ("Anticoagulation", "anticoagulation"),
          ("Dermatology", "dermatology"), ("Eye care", "eye-care"),
          ("Musculoskeletal services", "msk"), ("Minor surgery", "minor-surgery"),
          ("Falls prevention", "falls"), ("Stroke care", "stroke"), ("Memory clinic", "memory"),
          ("Talking therapies", "talking-therapies"), ("Minor injuries", "minor-injuries"),
          ("Out of hours care", "out-of-hours"), ("Blood tests", "phlebotomy"),
          ("Ultrasound", "ultrasound"), ("Spirometry", "spirometry"), ("Leg ulcers", "leg-ulcers"),
          ("Continence", "continence"), ("Gynaecology", "gynaecology"), ("Urology", "urology"),
          ("Ear, nose and throat", "ent"), ("Pain management", "pain"),
          ("End of life care", "end-of-life"), ("Sexual health", "sexual-health"),
          ("Stop smoking", "stop-smoking"), ("Healthy weight", "healthy-weight"),
          ("Medicines review", "medicines-review"), ("Care homes", "care-homes"),
          ("Blood pressure", "blood-pressure"), ("Asthma", "asthma"), ("Epilepsy", "epilepsy"),
          ("Foot care", "foot-care"), ("Physiotherapy", "physiotherapy"), ("Hearing", "hearing"),
          ("Referral support", "referral-support"), ("Hospital discharge", "discharge"),
          ("Community matrons", "community-matrons"), ("Cardiology", "cardiology"),
          ("Rheumatology", "rheumatology"), ("Endoscopy", "endoscopy"), ("Vasectomy", "vasectomy")]
PROJECT_SHAPES = [("clinic", "clinic"), ("community service", "community"),
                  ("pathway", "pathway"), ("pilot", "pilot"), ("review", "review"),
                  ("scheme", "scheme"), ("in-practice service", "in-practice")]
COMMITTEES = [("Executive committee", "executive"), ("Board", "board"),
              ("Clinical reference group", "clinical-reference"),
              ("Prescribing group", "prescribing-group"), ("Finance subgroup", "finance"),
              ("Locality meeting", "locality"), ("Practice managers' forum", "managers-forum"),
              ("Patients' forum", "patients-forum"), ("Urgent care group", "urgent-care-group"),
              ("Long-term conditions group", "ltc-group"), ("Contracts subgroup", "contracts"),
              ("Nurses' forum", "nurses-forum"), ("Information group", "information"),
              ("Mental health group", "mental-health-group"), ("Audit committee", "audit"),
              ("Annual general meeting", "agm")]
VENUES = ["Riverside Surgery, meeting room", "Town Hall, committee room 2",
          "The Limes Medical Practice", "Vale PCT headquarters, Wellbrook",
          "Kingsmead Health Centre", "Community Centre, Marston Cross",
          "Education Centre, Vale General Hospital", "Telephone conference"]
PLAN_SECTIONS = [("Our vision", "vision"), ("Priorities for the year", "priorities"),
                 ("Commissioning areas", "areas"), ("The milestone process", "milestones"),
                 ("Funding", "funding"), ("Working with patients", "patients")]
PAGES = [("About us", "about"), ("Contact us", "contact"), ("Patients' forum", "forum"),
         ("Glossary", "glossary")]

ACTIONS = ["Circulate the revised figures to every practice",
           "Write to the trust about waiting times in {topic}",
           "Draft a service specification for {topic}",
           "Ask the PCT for the month's activity data",
           "Book the venue for the next open meeting",
           "Report back on the {topic} pilot",
           "Agree the audit template with the practice nurses",
           "Send the patients' forum a summary of the changes",
           "Update the risk log and bring it to the next meeting",
           "Check the prescribing budget against the forecast",
           "Meet the hospital's clinical director about {topic}",
           "Prepare a one-page briefing for practice managers"]
DECISIONS = ["The committee agreed to support the {topic} business case.",
             "Practices will be asked to sign up to the new scheme by the end of the quarter.",
             "The budget for {topic} is confirmed at £{money}.",
             "A working group will review the referral guidelines for {topic}.",
             "The minutes of the previous meeting were approved as a true record.",
             "Savings from the prescribing scheme will be reinvested in community services.",
             "The patients' forum will be invited to send a representative to each meeting."]

# Sentence templates. Slots: topic, practice, person, town, money, pct, n, org, month
SENTENCES = [
    "The group discussed how {topic} is working for patients in {town}.",
    "{person} reported that referrals for {topic} have fallen by {pct}% since the spring.",
    "Waiting times at the hospital are still longer than the eighteen-week target.",
    "The cost of the service this year is expected to be about £{money}.",
    "{practice} has offered to host the first clinics, starting with {n} sessions a week.",
    "Members asked whether the new pathway would be fair to patients who cannot travel.",
    "The trust has agreed to share its monthly activity figures with every practice.",
    "A draft specification will be sent round before the next meeting.",
    "{person} thanked the practice nurses for the extra work over the winter.",
    "Feedback from patients has been positive, although some found the letters confusing.",
    "The finance subgroup expects a small underspend of £{money} at the year end.",
    "{org} has asked for a clearer picture of how the savings will be used.",
    "There was a long discussion about transport for older patients in the villages.",
    "The audit of {n} case notes showed that most referrals met the agreed criteria.",
    "It was agreed that the pilot should run for a further {n} months before any decision.",
    "Several members felt that the paperwork was too heavy for small practices.",
    "The patients' forum welcomed the plan but asked for more notice of changes.",
    "Clinics will run on Tuesday evenings and Saturday mornings at {practice}.",
    "Prescribing costs rose by {pct}% in {month}, mostly because of new inhalers.",
    "The committee noted that data for {month} are provisional.",
    "{person} will contact the practices that have not yet returned their figures.",
    "The service saw {n} patients in its first month, rather more than expected.",
    "A café-style event for patients is planned in {town} – everyone is welcome.",
    "Members agreed that the aim is care closer to home, not simply lower costs.",
    "The specialist nurse described the new self-management plan for {topic}.",
    "Some practices are still using the old referral form, which causes delays.",
    "Emergency admissions for {topic} were {pct}% lower than in the same month last year.",
    "The business case includes one-off set-up costs of £{money}.",
    "{org} confirmed that it will fund the post for a further year.",
    "Any savings will be shared between the practices and the PCT, as agreed in the contract.",
]
EMPHASES = [("*", "*"), ("**", "**"), ("~~", "~~"), ("_", "_")]
ODD_WORDS = ["naïve", "café", "rôle", "coördinate", "déjà vu", "façade", "über",
             "±5%", "≥ 18 weeks", "½ day", "€20", "35 °C", "→", "“joined-up” care", "Zürich"]

# ---------------------------------------------------------------- the model


class Doc:
    __slots__ = ("kind", "stem", "date", "vis", "title", "front", "blocks", "crlf", "bom",
                 "links", "versions")

    def __init__(self, kind, stem, date, vis):
        self.kind, self.stem, self.date, self.vis = kind, stem, date, vis
        self.title = ""
        self.front = ""
        self.blocks = []
        self.crlf = False
        self.bom = False
        self.links = 0

    @property
    def path(self):
        return f"content/{self.kind}/{self.stem}.md"

    def text(self, nblocks=None):
        body = "\n\n".join(self.blocks if nblocks is None else self.blocks[:nblocks]) + "\n"
        s = "---\n" + self.front + "---\n" + body
        if self.crlf:
            s = s.replace("\n", "\r\n")
        b = s.encode("utf-8")
        return (b"\xef\xbb\xbf" + b) if self.bom else b


class Gen:
    def __init__(self, seed, ndocs, today):
        self.r = random.Random(seed)
        self.n = ndocs
        self.today = today
        self.people = []       # (id, name, practice or None, org or None)
        self.practices = []    # (id, name, town)
        self.projects = []     # Doc, with .extra in a dict below
        self.project_meta = {}
        self.docs = []         # every Markdown document but plan sections and pages
        self.fixed = []        # plan sections and pages (Doc)

    # -- small random helpers
    def pick(self, xs):
        return xs[self.r.randrange(len(xs))]

    def money(self):
        return f"{self.r.randrange(2, 950) * 1000:,}"

    def fill(self, t):
        r = self.r
        return t.format(
            topic=self.pick(TOPICS)[0].lower(), practice=self.pick(self.practices)[1],
            person=self.pick(self.people)[1], town=self.pick(TOWNS), money=self.money(),
            pct=r.randrange(2, 40), n=r.randrange(3, 60), org=self.pick(ORGANISATIONS),
            month=MONTH_NAMES[r.randrange(12)])

    # -- people and practices
    def make_people(self):
        r = self.r
        for i, pname in enumerate(PRACTICE_NAMES):
            town = TOWNS[i % len(TOWNS)]
            pid = pname.lower().replace("'", "").replace(" ", "-")
            self.practices.append((pid, f"{pname} {self.pick(PRACTICE_KINDS)}", town))
        seen = {}
        for i in range(240):
            g, f = self.pick(GIVEN), self.pick(FAMILY)
            base = (g[0] + f).lower()
            base = "".join(c for c in base if c.isascii() and c.isalnum()) or "person"
            k = seen.get(base, 0)
            seen[base] = k + 1
            pid = base if k == 0 else f"{base}{k + 1}"
            if i % 10 == 9:
                org = self.pick(ORGANISATIONS)
                self.people.append((pid, f"{g} {f}", None, org, self.pick(ORG_ROLES)))
            else:
                title = "Dr " if r.random() < 0.5 else ""
                self.people.append((pid, f"{title}{g} {f}", self.pick(self.practices)[0], None,
                                    self.pick(PRACTICE_ROLES)))

    # -- the plan of documents: kinds, ids, dates, visibility
    def plan_documents(self):
        r, today = self.r, self.today
        nproj = max(1, round(self.n * 0.05))
        months_back = (today.year - 1975) * 12 + today.month  # months since Jan 1975
        nrep = min(round(self.n * 0.10), months_back)
        nmeet = max(0, self.n - nproj - nrep)
        first_month = add_months(dt.date(today.year, today.month, 1), -(max(nrep, 12) - 1))
        self.start = first_month
        span = (today - first_month).days

        for i in range(nrep):
            d = add_months(first_month, i)
            end = min(dt.date(d.year, d.month, last_day(d.year, d.month)), today)
            doc = Doc("reports", month_key(d.year, d.month), end, "public")
            doc.title = f"Programme status report, {MONTH_NAMES[d.month - 1]} {d.year}"
            self.docs.append(doc)

        used = set()
        topics = []
        for t, tid in TOPICS:
            for shape, sid in PROJECT_SHAPES:
                topics.append((f"{t} {shape}", f"{tid}-{sid}"))
        r.shuffle(topics)
        for i in range(nproj):
            title, pid = topics[i % len(topics)]
            if i >= len(topics):
                pid = f"{pid}-{i // len(topics) + 1}"
                title = f"{title} ({i // len(topics) + 1})"
            begin = first_month + DAY * r.randrange(max(1, span - 40))
            doc = Doc("projects", pid, begin, "public")
            doc.title = title[0].upper() + title[1:]
            self.projects.append(doc)
            self.docs.append(doc)

        # meetings: a date and a committee; the pair (the file stem) is unique
        for i in range(nmeet):
            for _ in range(1000):
                d = first_month + DAY * r.randrange(span + 1)
                c = COMMITTEES[min(int(r.expovariate(0.35)), len(COMMITTEES) - 1)]
                stem = f"{d.isoformat()}-{c[1]}"
                if stem not in used:
                    break
            else:
                raise SystemExit("gen-site: too many meetings for the date range")
            used.add(stem)
            vis = "public" if i % 2 == 0 else "practices"
            doc = Doc("meetings", stem, d, vis)
            doc.title = c[0]
            self.docs.append(doc)

        for doc in self.docs:
            if doc.kind != "reports" and r.random() < 0.01:
                doc.crlf = True
                doc.bom = r.random() < 0.34
        # date order (then path): bodies link only to documents that came before
        self.docs.sort(key=lambda d: (d.date, d.path))

        for i, (title, sid) in enumerate(PLAN_SECTIONS):
            doc = Doc("plan", f"{i + 1:02d}-{sid}", first_month, "public")
            doc.title = title
            self.fixed.append(doc)
        for title, pid in PAGES:
            doc = Doc("pages", pid, first_month, "public")
            doc.title = title
            self.fixed.append(doc)
        self.fixed[-1].crlf = True

    # -- front matter
    def project_front(self, doc):
        r, today = self.r, self.today
        # walk the milestones forward from the start date until today
        reached = []
        d = doc.date
        gaps = [(20, 120), (30, 200), (40, 240)]
        for num, _name, _checks in MILESTONES:
            if num == 4:
                nd = add_months(reached[-1][1], r.randrange(7, 12)) if len(reached) == 3 else None
            else:
                lo, hi = gaps[num - 1]
                nd = d + DAY * r.randrange(lo, hi)
            if nd is None or nd > today or r.random() < 0.06:
                break
            reached.append((num, nd))
            d = nd
        k = len(reached)
        progress = None
        if k < 4 and r.random() < 0.75:
            if k == 3:
                lo = max(add_months(reached[-1][1], 6), today + DAY)
                hi = add_months(reached[-1][1], 12)
                if lo <= hi:
                    progress = (4, lo + DAY * r.randrange((hi - lo).days + 1))
            else:
                progress = (k + 1, today + DAY * r.randrange(14, 300))
        closed = k == 4
        status = "closed" if closed else self.pick(["green", "green", "amber", "red"])
        toward = k if closed or progress is None else k + 1
        funding = list(self.pick(FUNDING_CHOICES))
        approvals = []
        if toward >= 4:
            funding.append("invest-to-save")
            ad = reached[2][1] if k >= 3 else reached[-1][1]
            approvals.append(ad)
        leads = r.sample(self.people, r.randrange(1, 3))
        manager = self.pick(self.people)
        area = self.pick(PROJECT_AREAS)
        lines = [f"title: {q(doc.title)}", f"area: {area}", f"status: {status}",
                 f"summary: {q(self.fill(self.pick(SENTENCES)))}",
                 f"clinical_leads: {ids_list(p[0] for p in leads)}",
                 f"project_manager: {manager[0]}", f"funding: {ids_list(funding)}",
                 "milestones:"]
        for num, nd in reached:
            checks = [c[0] for c in MILESTONES[num - 1][2]]
            lines.append(f"  {num}: {{ reached: {nd.isoformat()}, checks: {ids_list(checks)} }}")
        if progress:
            num, nd = progress
            checks = [c[0] for c in MILESTONES[num - 1][2]]
            part = checks[:r.randrange(0, len(checks))]
            lines.append(f"  {num}: {{ target: {nd.isoformat()}, checks: {ids_list(part)} }}")
        if not reached and not progress:
            lines[-1] = "milestones: {}"
        if approvals:
            lines.append("approvals:")
            lines.append(f"  - {{ funding: invest-to-save, date: {approvals[0].isoformat()}, "
                         f"by: {q('Finance subgroup')} }}")
        self.project_meta[doc.stem] = (status, k)
        return "\n".join(lines) + "\n"

    def meeting_front(self, doc, projects_before):
        r = self.r
        h = r.choice([9, 10, 12, 13, 14, 18, 19])
        m = r.choice([0, 15, 30])
        dur = r.randrange(45, 180, 15)
        start = f"{h:02d}:{m:02d}"
        e = h * 60 + m + dur
        end = f"{e // 60:02d}:{e % 60:02d}"
        venue = self.pick(VENUES)
        people = r.sample(self.people, r.randrange(3, 12))
        attendees, apologies = people[:max(3, len(people) - r.randrange(0, 3))], []
        apologies = people[len(attendees):]
        lines = [f"title: {q(doc.title)}", f"date: {doc.date.isoformat()}",
                 f"start: \"{start}\"", f"end: \"{end}\"", f"venue: {q(venue)}"]
        if doc.vis == "public" or r.random() < 0.2:
            lines.append(f"visibility: {doc.vis}")
        lines.append(f"attendees: {ids_list(p[0] for p in attendees)}")
        if r.random() < 0.3:
            lines.append(f"guests: [{q(self.pick(ORG_ROLES) + ', ' + self.pick(ORGANISATIONS))}]")
        if apologies:
            lines.append(f"apologies: {ids_list(p[0] for p in apologies)}")
        nd = r.randrange(0, 4)
        if nd:
            lines.append("decisions:")
            for _ in range(nd):
                lines.append(f"  - {q(self.fill(self.pick(DECISIONS)))}")
        na = r.randrange(0, 7)
        if na:
            lines.append("actions:")
            for i in range(na):
                due = doc.date + DAY * r.randrange(7, 70)
                done = due < self.today or r.random() < 0.3
                extra = ""
                if projects_before and r.random() < 0.5:
                    extra = f", project: {self.pick(projects_before)}"
                lines.append(f"  - {{ id: {i + 1}, text: {q(self.fill(self.pick(ACTIONS)))}, "
                             f"owner: {self.pick(attendees)[0]}, due: {due.isoformat()}{extra}, "
                             f"done: {'true' if done else 'false'} }}")
        if r.random() < 0.85:
            nx = doc.date + DAY * r.randrange(7, 43)
            note = ", note: \"lunch from 12:30\"" if r.random() < 0.2 else ""
            lines.append(f"next_meeting: {{ date: {nx.isoformat()}, start: \"{start}\", "
                         f"end: \"{end}\", venue: {q(venue)}{note} }}")
        return "\n".join(lines) + "\n"

    # -- bodies
    def paragraph(self, links, nsent=None):
        r = self.r
        out = []
        for _ in range(nsent or r.randrange(2, 7)):
            s = self.fill(self.pick(SENTENCES))
            x = r.random()
            if x < 0.18:
                words = s.split(" ")
                if len(words) > 4:
                    i = r.randrange(1, len(words) - 2)
                    a, b = self.pick(EMPHASES)
                    w = words[i].strip(".,;:")
                    if w and w[0].isalnum() and w[-1].isalnum():
                        words[i] = words[i].replace(w, f"{a}{w}{b}", 1)
                    s = " ".join(words)
            elif x < 0.24:
                s = s[:-1] + f" ({self.pick(ODD_WORDS)})."
            out.append(s)
        if links:
            out.append(links.pop())
        # wrap at about 76 columns, as editors' files are
        text, line, lines = " ".join(out), "", []
        for w in text.split(" "):
            if line and len(line) + 1 + len(w) > 76:
                lines.append(line)
                line = w
            else:
                line = f"{line} {w}" if line else w
        lines.append(line)
        return "\n".join(lines)

    def bullet_list(self, links):
        r = self.r
        kind = r.random()
        items = [self.fill(self.pick(SENTENCES)).rstrip(".") for _ in range(r.randrange(3, 7))]
        if links and r.random() < 0.5:
            items[r.randrange(len(items))] += " – " + links.pop()[:-1]
        if kind < 0.45:
            return "\n".join(f"- {it};" if i < len(items) - 1 else f"- {it}."
                             for i, it in enumerate(items))
        if kind < 0.75:
            return "\n".join(f"{i + 1}. {it}." for i, it in enumerate(items))
        return "\n".join(f"- [{'x' if r.random() < 0.5 else ' '}] {it}" for it in items)

    def table(self):
        r = self.r
        kind = r.randrange(3)
        if kind == 0:
            rows = ["| Practice | Referrals | Change |", "|---|---:|---:|"]
            for p in r.sample(self.practices, r.randrange(3, 8)):
                rows.append(f"| {p[1]} | {r.randrange(10, 400)} | {r.randrange(-30, 30):+d}% |")
        elif kind == 1:
            rows = ["| Budget line | Plan | Spent | Forecast |", "|:--|--:|--:|--:|"]
            for t in r.sample(TOPICS, r.randrange(3, 7)):
                rows.append(f"| {t[0]} | £{self.money()} | £{self.money()} | £{self.money()} |")
        else:
            rows = ["| Risk | Owner | Rating |", "|---|---|:-:|"]
            for _ in range(r.randrange(2, 6)):
                rows.append(f"| {self.fill(self.pick(SENTENCES)).rstrip('.')} | "
                            f"{self.pick(self.people)[1]} | {self.pick(['low', 'medium', '**high**'])} |")
        return "\n".join(rows)

    def link_text(self, target):
        t = target.title
        if target.kind == "meetings":
            t = f"{target.title}, {long_date(target.date)}"
        elif target.kind == "reports":
            t = target.title.replace("Programme status report, ", "") + " report"
        return t

    def make_links(self, doc, pool_all, pool_public, count):
        """count links, as sentences, to documents before doc (or the plan/pages)."""
        r = self.r
        pool = pool_public if doc.vis == "public" else pool_all
        out = []
        for _ in range(count):
            if pool and r.random() < 0.85:
                # mostly recent documents
                back = min(len(pool), int(r.expovariate(1 / 60)) + 1)
                target = pool[len(pool) - back] if r.random() < 0.8 else self.pick(pool)
            else:
                target = self.pick(self.fixed)
            if target is doc:
                target = self.fixed[0]
            if target.kind == doc.kind and r.random() < 0.3:
                href = f"{target.stem}.md"
            else:
                href = f"../{target.kind}/{target.stem}.md"
            text = self.link_text(target)
            out.append(self.pick([
                f"See [{text}]({href}) for the background.",
                f"This follows on from [{text}]({href}).",
                f"The details are in [{text}]({href}).",
                f"Members were reminded of [{text}]({href}).",
            ]))
        return out

    def body(self, doc, pool_all, pool_public, nlinks):
        r = self.r
        target = r.randrange(1300, 6000)
        links = self.make_links(doc, pool_all, pool_public, nlinks)
        blocks = []
        size = 0
        fence = doc.vis == "public" and doc.kind != "plan" and r.random() < 0.1
        if doc.kind == "meetings":
            heads = ["Welcome and apologies", "Minutes of the last meeting"]
        elif doc.kind == "projects":
            heads = ["Aims", "Background", "What has happened", "Next steps", "Risks"]
        elif doc.kind == "reports":
            heads = ["Summary", "Finance", "Projects", "Practices", "Looking ahead"]
        else:
            heads = ["Introduction", "What this means", "How we work"]
        n = 0
        while size < target or links:
            n += 1
            if heads:
                h = heads.pop(0)
            else:
                h = self.pick(TOPICS)[0]
                if r.random() < 0.3:
                    h += f" – {self.pick(['update', 'progress', 'next steps', 'costs (£)'])}"
            if doc.kind == "meetings":
                h = f"{n}. {h}"
            section = [f"## {h}", self.paragraph(links)]
            x = r.random()
            if x < 0.35:
                section.append(self.bullet_list(links))
            if x > 0.85 or (doc.kind == "reports" and n == 2):
                section.append(self.table())
            if r.random() < 0.25:
                section.append(f"### {self.pick(['Discussion', 'Questions', 'Figures', 'Comments'])}")
                section.append(self.paragraph(links))
            if fence and n == 2:
                section.append("<!-- visibility: practices -->\n" + self.paragraph([], 3) +
                               "\n<!-- /visibility -->")
            block = "\n\n".join(section)
            blocks.append(block)
            size += len(block.encode("utf-8")) + 2
        return blocks

    def run(self):
        self.make_people()
        self.plan_documents()
        # plan sections and pages first (links among them only go backwards)
        for i, doc in enumerate(self.fixed):
            prior = self.fixed[:i]
            if doc.kind == "plan":
                doc.front = f"title: {q(doc.title)}\nsection: {i + 1}\n"
            else:
                doc.front = f"title: {q(doc.title)}\nsummary: {q(self.fill(self.pick(SENTENCES)))}\n"
            doc.blocks = self.body(doc, prior, prior, self.r.randrange(1, 3) if prior else 0)
        pool_all, pool_public, proj_before = [], [], []
        for doc in self.docs:
            if doc.kind == "projects":
                doc.front = self.project_front(doc)
            elif doc.kind == "meetings":
                doc.front = self.meeting_front(doc, proj_before)
            else:
                vis = "visibility: public\n" if self.r.random() < 0.5 else ""
                doc.front = f"title: {q(doc.title)}\nmonth: \"{doc.stem}\"\n{vis}"
            doc.blocks = self.body(doc, pool_all, pool_public, self.r.randrange(1, 4))
            pool_all.append(doc)
            if doc.vis == "public":
                pool_public.append(doc)
            if doc.kind == "projects":
                proj_before.append(doc.stem)

    # -- the YAML files
    def site_yaml(self):
        return ("# A synthetic site for plansite's benchmark (tests/bench/gen-site.py)\n"
                "title: Vale Commissioning\n"
                "tagline: Practice based commissioning for the Vale's GP practices\n"
                "organisation: Vale Commissioning Ltd\n"
                "base_url: https://www.vale-commissioning.example/\n"
                "language: en-GB\ntimezone: Europe/London\ntheme: default\n"
                "publish_tags: \"publish/*\"\n"
                "contact: { email: office@vale-commissioning.example, "
                "address: \"Riverside Surgery, Ashbourne Vale\" }\n")

    def plan_yaml(self):
        t = self.today
        fy = t.year if t.month >= 4 else t.year - 1
        out = [f"title: {q(f'Commissioning plan {fy}/{(fy + 1) % 100:02d}')}",
               f"period: {{ start: {fy}-04-01, end: {fy + 1}-03-31 }}", "", "levels:"]
        for n, name, proj in LEVELS:
            out.append(f"  {n}: {{ name: {name}, projects: {'true' if proj else 'false'} }}")
        out += ["", "areas:"]
        for aid, name, lv in AREAS:
            out.append(f"  - {{ id: {aid}, name: {q(name)}, level: {lv} }}")
        out += ["", "roles:", "  clinical_leads: { min: 1, max: 2 }",
                "  project_manager: { min: 1, max: 1 }", "", "milestones:"]
        for num, name, checks in MILESTONES:
            out.append(f"  - number: {num}")
            out.append(f"    name: {q(name)}")
            if num == 4:
                out.append("    window: { after: 3, min_months: 6, max_months: 12 }")
            out.append("    checks:")
            for cid, text in checks:
                out.append(f"      - {{ id: {cid}, text: {q(text)} }}")
        out += ["", "funding:"]
        for fid, name, a, b, appr in FUNDING:
            extra = ", needs_approval: true" if appr else ""
            out.append(f"  - {{ id: {fid}, name: {q(name)}, milestones: [{a}, {b}]{extra} }}")
        out += ["", "objectives:"]
        objs = ["Put programme management in place for every project",
                "Agree the year's contracts with the hospital trust",
                "Publish a status report every month",
                "Involve the patients' forum in every service redesign"]
        for i, text in enumerate(objs):
            due = dt.date(fy + 1, 3, 31) if i % 2 else dt.date(fy, 6, 30)
            ach = f", achieved: {(due - DAY * 20).isoformat()}" if due < t else ""
            out.append(f"  - {{ id: objective-{i + 1}, text: {q(text)}, due: {due.isoformat()}{ach} }}")
        return "\n".join(out) + "\n"

    def people_yaml(self):
        out = ["# People who may be named as leads, managers, attendees and owners"]
        for pid, name, prac, org, role in self.people:
            where = f"practice: {prac}" if prac else f"organisation: {q(org)}"
            out.append(f"- {{ id: {pid}, name: {q(name)}, role: {q(role)}, {where} }}")
        return "\n".join(out) + "\n"

    def practices_yaml(self):
        out = ["# Member GP practices"]
        for pid, name, town in self.practices:
            out.append(f"- {{ id: {pid}, name: {q(name)}, town: {q(town)} }}")
        return "\n".join(out) + "\n"

    def base_files(self):
        files = [("site.yaml", self.site_yaml().encode()),
                 ("content/plan.yaml", self.plan_yaml().encode()),
                 ("content/people.yaml", self.people_yaml().encode()),
                 ("content/practices.yaml", self.practices_yaml().encode())]
        files += [(d.path, d.text()) for d in self.fixed]
        return files


# ------------------------------------------------------------------ history


def ident(r):
    name = r.choice(["Programme Office", "Maya Sharma", "Owen Lloyd", "Rosa Núñez",
                     "Isaac Webb", "Gwen Parker"])
    mail = name.lower().replace(" ", ".").replace("ú", "u").replace("ñ", "n")
    return f"{name} <{mail}@vale-commissioning.example>"


def write_history(g, out, commits):
    """C commits through git fast-import; the last tree is what was written."""
    r = random.Random(f"history-{commits}-{len(g.docs)}")
    docs = g.docs
    nadd = min((2 * commits) // 3, (len(docs) * 4) // 5, commits - 1)
    nedit = commits - 1 - nadd
    first = len(docs) - nadd          # docs[:first] go into the first commit
    # Plan the edits: after the i-th added document, some edits of recent ones.
    edits_after = [0] * (nadd + 1)
    for j in range(nedit):
        edits_after[(j * (nadd + 1)) // max(nedit, 1)] += 1
    events = []  # (kind, doc index)
    nedits = [0] * len(docs)
    present = first
    for i in range(nadd + 1):
        if i > 0:
            events.append(("add", first + i - 1))
            present = first + i
        for _ in range(edits_after[i]):
            if present == 0:
                continue
            back = min(present, int(r.expovariate(1 / 8)) + 1)
            k = present - back
            events.append(("edit", k))
            nedits[k] += 1
    # Version v of document k (0 = first, nedits[k] = final) keeps a prefix of blocks.
    seen = [0] * len(docs)

    def blob(k):
        d = docs[k]
        e, v = nedits[k], seen[k]
        nb = len(d.blocks)
        keep = nb if v >= e else max(1, (nb * (v + 1)) // (e + 1))
        return d.text(keep)

    def stamp(day, secs):
        return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()) + secs

    end_of_today = stamp(g.today, 86399)
    subprocess.run(["git", "init", "-q", "-b", "main", out], check=True)
    p = subprocess.Popen(["git", "-C", out, "fast-import", "--quiet", "--done"],
                         stdin=subprocess.PIPE)
    w = p.stdin
    mark = 0
    last_t = 0

    def commit(t, msg, files):
        nonlocal mark, last_t
        t = max(t, last_t + 60)
        t = min(t, end_of_today)
        last_t = t
        mark += 1
        who = ident(r)
        m = msg.encode()
        w.write(f"commit refs/heads/main\nmark :{mark}\nauthor {who} {t} +0000\n"
                f"committer {who} {t} +0000\ndata {len(m)}\n".encode() + m + b"\n")
        if mark > 1:
            w.write(f"from :{mark - 1}\n".encode())
        for path, data in files:
            w.write(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        w.write(b"\n")

    init_files = g.base_files()
    for k in range(first):
        init_files.append((docs[k].path, blob(k)))
    t0 = stamp(docs[first - 1].date if first else g.start, 17 * 3600)
    commit(t0, "Import the site", init_files)
    for kind, k in events:
        d = docs[k]
        if kind == "add":
            what = {"meetings": "Minutes", "reports": "Report", "projects": "Project"}[d.kind]
            t = stamp(d.date, 9 * 3600 + r.randrange(10 * 3600))
            commit(t, f"{what}: {d.title} ({d.stem})", [(d.path, blob(k))])
        else:
            seen[k] += 1
            t = last_t + r.randrange(600, 6 * 3600)
            commit(t, f"Update {d.stem}", [(d.path, blob(k))])
    w.write(b"done\n")
    w.close()
    if p.wait() != 0:
        raise SystemExit("gen-site: git fast-import failed")
    subprocess.run(["git", "-C", out, "reset", "-q"], check=True)
    st = subprocess.run(["git", "-C", out, "status", "--porcelain"], check=True,
                        capture_output=True, text=True).stdout
    if st.strip():
        raise SystemExit("gen-site: the last commit differs from the files written:\n" + st[:2000])
    return mark


# --------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, required=True, help="number of documents N")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--today", default="2026-06-30", help="'today' for every date (fixed)")
    ap.add_argument("--commits", type=int, default=0, help="make OUTDIR a git repo with C commits")
    ap.add_argument("outdir")
    a = ap.parse_args()
    if a.docs < 1:
        ap.error("--docs must be at least 1")
    today = dt.date.fromisoformat(a.today)
    if os.path.exists(a.outdir):
        shutil.rmtree(a.outdir)
    g = Gen(a.seed, a.docs, today)
    g.run()
    files = g.base_files() + [(d.path, d.text()) for d in g.docs]
    total = 0
    for path, data in files:
        full = os.path.join(a.outdir, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
        if path.endswith(".md"):
            total += len(data)
    counts = {}
    for d in g.docs:
        counts[d.kind] = counts.get(d.kind, 0) + 1
    msg = (f"gen-site: {len(g.docs)} documents ({counts.get('projects', 0)} projects, "
           f"{counts.get('meetings', 0)} meetings, {counts.get('reports', 0)} reports) + "
           f"{len(g.fixed)} plan sections and pages, {total / 1048576:.1f} MiB of Markdown")
    if a.commits > 0:
        n = write_history(g, a.outdir, a.commits)
        msg += f", {n} commits"
    print(msg, file=sys.stderr)


if __name__ == "__main__":
    main()
