// site.test.mjs: a built plansite site in a real browser (Debian's Chromium
// driven by playwright-core), one page of every page type.
//
//   node tests/browser/site.test.mjs [options] SITE_DIR
//     --search WORD         type WORD into the search page's input ...
//     --expect PATH         ... and expect a result linking to PATH (site-relative,
//                           e.g. projects/copd/); both may come from --config
//     --config FILE         JSON: {"search": {"word": "...", "expect": "projects/<id>/"}}
//     --screenshots DIR     where the PNGs go (default tests/out/screenshots)
//     --only NAME[,NAME]    visit only these page types (home, plan, plan-section,
//                           projects, project, meetings, meeting, reports, report,
//                           people, page, search, 404); skip/search tests follow
//                           home/search
//
// For each page: it loads (200; 404 for the missing URL), no console errors or
// uncaught exceptions, no failed request, no request to anything but the test
// server on 127.0.0.1, axe-core (WCAG 2.0/2.1 A and AA) finds no violation at
// 375 and 1280 px wide, no horizontal scrolling at 320 px; full-page screenshots
// at 375x900 and 1280x900 are saved as <page>-<width>.png.
// Then: Tab on the home page focuses a "Skip" link and Enter moves focus into
// #main; typing the search word on the search page shows a result linking to
// the expected project.
// The pages are found from the build (the first link of each index page to a
// page below it), so the test runs on any site. Exit status 1 on any failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { startServer } from './serve.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const top = path.resolve(here, '..', '..');
const require = createRequire(path.join(top, 'package.json'));

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const SHOT_WIDTHS = [375, 1280];
const NARROW = 320;
const HEIGHT = 900;
// Folders of the site itself: a top-level folder that is none of these is a free page.
const RESERVED = new Set(['plan', 'projects', 'meetings', 'reports', 'people', 'versions', 'history', 'search', 'static']);

// ---- arguments
const opts = { screenshots: path.join(top, 'tests', 'out', 'screenshots'), only: null, search: null, expect: null };
let site = null;
{
  const a = process.argv.slice(2);
  const val = (i) => { if (i >= a.length) usage(`${a[i - 1]} needs a value`); return a[i]; };
  for (let i = 0; i < a.length; i++) {
    switch (a[i]) {
      case '--search': opts.search = val(++i); break;
      case '--expect': opts.expect = val(++i); break;
      case '--screenshots': opts.screenshots = path.resolve(val(++i)); break;
      case '--only': opts.only = new Set(val(++i).split(',')); break;
      case '--config': {
        const c = JSON.parse(fs.readFileSync(val(++i), 'utf8'));
        opts.search ??= c.search?.word ?? null;
        opts.expect ??= c.search?.expect ?? null;
        break;
      }
      default:
        if (a[i].startsWith('-')) usage(`unknown option '${a[i]}'`);
        if (site) usage('more than one site folder');
        site = a[i];
    }
  }
  if (!site) usage('no site folder');
  if (!fs.existsSync(path.join(site, 'index.html'))) usage(`${site}/index.html does not exist: not a built site`);
  site = path.resolve(site);
}
function usage(msg) {
  console.error(`site.test: ${msg}\nusage: node tests/browser/site.test.mjs [--search WORD --expect PATH] [--config FILE] [--screenshots DIR] [--only NAMES] SITE_DIR`);
  process.exit(2);
}

// ---- results
let passed = 0;
let failed = 0;
const failures = [];
function ok(name) { passed++; console.log(`ok   ${name}`); }
function fail(name, details = []) {
  failed++;
  failures.push(name);
  console.log(`FAIL ${name}`);
  for (const d of details) console.log(`     ${String(d).replace(/\n/g, '\n     ')}`);
}
function check(name, good, details) { if (good) ok(name); else fail(name, details); }

// "projects/copd/index.html", "/projects/copd/", "projects/copd" -> "projects/copd/"
function normPath(p) {
  let s = p.replace(/^\/+/, '').replace(/[?#].*$/, '');
  s = s.replace(/(^|\/)index\.html$/, '$1');
  if (s && !s.endsWith('/') && !/\.[a-z0-9]+$/i.test(s)) s += '/';
  return s;
}

// ---- browser
const server = await startServer(site);
const origin = server.url.replace(/\/$/, '');
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'plansite-chromium-'));
const { chromium } = require('playwright-core');
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
fs.mkdirSync(opts.screenshots, { recursive: true });

let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: HEIGHT },
    serviceWorkers: 'block',
  });
} catch (e) {
  console.log(`FAIL could not start ${CHROMIUM}: ${e.message}`);
  await server.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
  process.exit(1);
}
context.setDefaultTimeout(15000);
context.setDefaultNavigationTimeout(20000);

// Opens a page with everything it does recorded.
async function openPage(label) {
  const page = await context.newPage();
  const rec = { console: [], failed: [], outside: [], expected404: null };
  await page.route('**/*', (route) => {
    const u = new URL(route.request().url());
    if (u.origin === origin) return route.continue();
    rec.outside.push(route.request().url());
    return route.abort('blockedbyclient');
  });
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const loc = m.location()?.url || '';
    // Chromium logs the 404 status of the missing-page document itself.
    if (rec.expected404 && loc === rec.expected404 && /status of 404/.test(m.text())) return;
    rec.console.push({ text: `${m.text()}${loc ? ` (${loc})` : ''}`, blocked: /ERR_BLOCKED_BY_CLIENT/.test(m.text()) ? loc : null });
  });
  page.on('pageerror', (e) => rec.console.push({ text: `uncaught exception: ${e.message}` }));
  page.on('requestfailed', (r) => {
    if (!new URL(r.url()).origin.startsWith(origin)) return; // already counted as outside
    rec.failed.push(`${r.url()}: ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() < 400) return;
    if (rec.expected404 && r.url() === rec.expected404 && r.status() === 404) return;
    rec.failed.push(`${r.url()}: HTTP ${r.status()}`);
  });
  return { page, rec, label };
}

// Console errors, less Chromium's note on each outside request we blocked
// (those are reported as outside requests).
function ownErrors(rec) {
  return rec.console.filter((c) => !(c.blocked && rec.outside.includes(c.blocked))).map((c) => c.text);
}

async function runAxe(page) {
  const has = await page.evaluate(() => typeof window.axe === 'object');
  if (!has) await page.evaluate(axeSource);
  return page.evaluate(async (tags) => {
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html, summary: n.failureSummary })),
    }));
  }, AXE_TAGS);
}

async function settle(page) {
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

// What sticks out past the right edge at a narrow width (to say why it scrolls).
async function overflowers(page, width) {
  return page.evaluate((w) => {
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      if (r.right > w + 0.5 && r.width > 0) {
        // report the outermost offenders only
        if (out.some((o) => o.el.contains(el))) continue;
        let sel = el.tagName.toLowerCase();
        if (el.id) sel += `#${el.id}`;
        else if (el.classList.length) sel += `.${[...el.classList].join('.')}`;
        out.push({ el, desc: `${sel} (right edge ${Math.round(r.right)}px)` });
        if (out.length >= 5) break;
      }
    }
    return out.map((o) => o.desc);
  }, width);
}

// Visits one page and checks everything that holds for every page.
async function visit(name, rel, { status = 200 } = {}) {
  const { page, rec } = await openPage(name);
  const url = `${origin}/${rel}`;
  if (status === 404) rec.expected404 = url;
  let resp;
  try {
    resp = await page.goto(url, { waitUntil: 'load' });
    await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => {});
  } catch (e) {
    fail(`${name}: loads /${rel}`, [e.message]);
    await page.close();
    return null;
  }
  check(`${name}: /${rel} answers ${status}`, resp && resp.status() === status, [`got ${resp?.status()}`]);

  // axe, screenshots at each width
  const violations = new Map();
  for (const width of SHOT_WIDTHS) {
    await page.setViewportSize({ width, height: HEIGHT });
    await settle(page);
    try {
      for (const v of await runAxe(page)) {
        const prev = violations.get(v.id);
        if (!prev) violations.set(v.id, { ...v, widths: [width] });
        else {
          prev.widths.push(width);
          for (const n of v.nodes) if (!prev.nodes.some((p) => p.target === n.target)) prev.nodes.push(n);
        }
      }
    } catch (e) {
      violations.set('axe-error', { id: 'axe-error', help: `axe-core did not run: ${e.message}`, nodes: [], widths: [width] });
    }
    await page.screenshot({ path: path.join(opts.screenshots, `${name}-${width}.png`), fullPage: true });
  }
  const vdetails = [];
  for (const v of violations.values()) {
    vdetails.push(`${v.id} [${v.impact ?? '?'}] at ${v.widths.join(', ')} px: ${v.help}${v.helpUrl ? ` (${v.helpUrl})` : ''}`);
    for (const n of v.nodes.slice(0, 8)) {
      vdetails.push(`  - ${n.target}   ${n.html.length > 160 ? n.html.slice(0, 157) + '...' : n.html}`);
      if (n.summary) vdetails.push(`    ${n.summary.split('\n').slice(0, 3).join(' / ')}`);
    }
    if (v.nodes.length > 8) vdetails.push(`  ... and ${v.nodes.length - 8} more`);
  }
  check(`${name}: axe-core (${AXE_TAGS.join(', ')}): no violations`, violations.size === 0, vdetails);

  // narrow screens
  await page.setViewportSize({ width: NARROW, height: HEIGHT });
  await settle(page);
  const sw = await page.evaluate(() => document.documentElement.scrollWidth);
  check(`${name}: no horizontal scrolling at ${NARROW} px`, sw <= NARROW,
    [`document.documentElement.scrollWidth is ${sw}`, ...(sw > NARROW ? (await overflowers(page, NARROW)).map((d) => `wider than the screen: ${d}`) : [])]);

  // Stacked tables: a card's cells show their column's name (from
  // data-label, or for the tracker from the style sheet, by column).
  const stacked = await page.evaluate(() => {
    const bad = [];
    let shown = 0;
    for (const t of document.querySelectorAll('table.stack')) {
      const heads = [...t.querySelectorAll('thead th')].map((th) => th.textContent.trim());
      for (const tr of [...t.querySelectorAll('tbody tr')].slice(0, 3)) {
        [...tr.children].forEach((cell, i) => {
          if (cell.tagName !== 'TD' || !(t.classList.contains('tracker') || cell.hasAttribute('data-label'))) return;
          const c = getComputedStyle(cell, '::before').content;
          const label = c && c !== 'none' && c !== 'normal' ? c.replace(/^"|"$/g, '') : '';
          if (label === heads[i]) shown++;
          else bad.push(`row "${tr.children[0].textContent.trim().slice(0, 40)}", column ${i + 1} ("${heads[i]}") shows "${label}"`);
        });
      }
    }
    return { bad, shown };
  });
  check(`${name}: stacked tables label each cell with its column at ${NARROW} px (${stacked.shown} cells)`,
    stacked.bad.length === 0, stacked.bad.slice(0, 8));

  const consoleErrors = ownErrors(rec);
  check(`${name}: no console errors`, consoleErrors.length === 0, consoleErrors);
  check(`${name}: no failed requests`, rec.failed.length === 0, rec.failed);
  check(`${name}: no request leaves 127.0.0.1`, rec.outside.length === 0, rec.outside);
  return page;
}

// Links on the open page (main content first, then the rest), as site paths.
async function linksOn(page) {
  return page.evaluate((o) => {
    const main = document.getElementById('main') || document.querySelector('main');
    const all = [...(main ? main.querySelectorAll('a[href]') : []), ...document.querySelectorAll('a[href]')];
    return all.map((a) => a.href).filter((h) => h.startsWith(o + '/')).map((h) => decodeURIComponent(new URL(h).pathname.slice(1)));
  }, origin);
}
function existingPage(p) {
  const n = normPath(p);
  const file = n === '' || n.endsWith('/') ? `${n}index.html` : n;
  return fs.existsSync(path.join(site, file)) ? file : null;
}
// The first page one level below `section` (e.g. projects/<id>/) linked from
// the open index page, else the first such folder on disk.
async function firstBelow(page, section) {
  const re = new RegExp(`^${section}/[^/]+/(index\\.html)?$`);
  if (page) {
    for (const l of await linksOn(page)) if (re.test(l) && existingPage(l)) return { rel: existingPage(l), how: 'linked' };
  }
  const dir = path.join(site, section);
  if (fs.existsSync(dir)) {
    for (const e of fs.readdirSync(dir).sort()) {
      if (fs.existsSync(path.join(dir, e, 'index.html'))) return { rel: `${section}/${e}/index.html`, how: 'on disk (not linked from the index)' };
    }
  }
  return null;
}

const want = (n) => !opts.only || opts.only.has(n);
const pages = [];
async function step(name, rel, o) {
  if (!want(name)) return null;
  const p = await visit(name, rel, o);
  pages.push(`${name}=/${rel}`);
  return p;
}

try {
  const home = await step('home', 'index.html');

  // The free page: linked from home, else the first top-level folder that is not the site's own.
  let freePage = null;
  if (home) {
    for (const l of await linksOn(home)) {
      const m = /^([^/]+)\/(index\.html)?$/.exec(l);
      if (m && !RESERVED.has(m[1]) && existingPage(l)) { freePage = existingPage(l); break; }
    }
  }
  if (!freePage) {
    for (const e of fs.readdirSync(site).sort()) {
      if (!RESERVED.has(e) && fs.existsSync(path.join(site, e, 'index.html'))) { freePage = `${e}/index.html`; break; }
    }
  }
  await home?.close();

  for (const [index, item] of [['plan', 'plan-section'], ['projects', 'project'], ['meetings', 'meeting'], ['reports', 'report']]) {
    const needIndex = want(index) || want(item);
    let p = null;
    if (needIndex) {
      p = want(index) ? await step(index, `${index}/index.html`) : null;
      if (!fs.existsSync(path.join(site, index, 'index.html'))) fail(`${index}: ${index}/index.html exists`);
    }
    if (want(item)) {
      const found = await firstBelow(p, index);
      if (!found) fail(`${item}: a page below /${index}/ exists`);
      else {
        if (found.how !== 'linked' && p) fail(`${item}: /${index}/ links to a page below it`, [`found ${found.rel} ${found.how}`]);
        const q = await step(item, found.rel);
        await q?.close();
        // A report also has an A4 print page beside it.
        if (item === 'report' && want('report-print')) {
          const print = found.rel.replace(/index\.html$/, '') + 'print/index.html';
          if (!fs.existsSync(path.join(site, print))) fail(`report-print: ${print} exists`);
          else (await step('report-print', print))?.close();
        }
      }
    }
    await p?.close();
  }
  (await step('people', 'people/index.html'))?.close();
  if (want('page')) {
    if (!freePage) fail('page: a free page (a top-level folder of its own) exists');
    else (await step('page', freePage))?.close();
  }
  (await step('search', 'search/index.html'))?.close();
  (await step('404', 'no/such/page/', { status: 404 }))?.close();

  // ---- skip link
  if (want('home')) {
    const { page, rec } = await openPage('skip');
    await page.goto(`${origin}/index.html`, { waitUntil: 'load' });
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => {
      const a = document.activeElement;
      return { tag: a?.tagName, text: (a?.textContent || '').trim(), href: a?.getAttribute('href') };
    });
    const isSkip = first.tag === 'A' && /skip/i.test(first.text);
    check('home: the first Tab focuses a "Skip" link', isSkip,
      [`focused: <${(first.tag || 'nothing').toLowerCase()}> "${first.text.slice(0, 60)}" href=${first.href}`]);
    if (isSkip) {
      await page.keyboard.press('Enter');
      await settle(page);
      const after = await page.evaluate(() => {
        const main = document.getElementById('main');
        const a = document.activeElement;
        return {
          hasMain: !!main,
          inside: !!main && !!a && (a === main || main.contains(a)),
          active: a ? `<${a.tagName.toLowerCase()}${a.id ? ` id="${a.id}"` : ''}>` : 'nothing',
          tabindex: main?.getAttribute('tabindex'),
        };
      });
      check('home: Enter on the skip link moves focus into #main', after.inside, [
        after.hasMain ? `focus is on ${after.active}; #main has tabindex=${after.tabindex} (it needs tabindex="-1" to take focus)`
          : 'no element with id="main"',
      ]);
    }
    check('home (skip link): no console errors', ownErrors(rec).length === 0, ownErrors(rec));
    await page.close();
  }

  // ---- search
  if (want('search')) {
    if (!opts.search || !opts.expect) {
      fail('search: a word and an expected result are given (--search WORD --expect PATH, or --config)');
    } else {
      const expect = normPath(opts.expect);
      const { page, rec } = await openPage('search-query');
      await page.goto(`${origin}/search/index.html`, { waitUntil: 'load' });
      await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => {});
      const countResults = (pg) => pg.evaluate(([o, e]) => {
        const norm = (p) => p.replace(/^\/+/, '').replace(/(^|\/)index\.html$/, '$1');
        return [...document.querySelectorAll('a[href]')].filter((a) => {
          if (!a.href.startsWith(o + '/')) return false;
          if (norm(decodeURIComponent(new URL(a.href).pathname)) !== e) return false;
          return a.getClientRects().length > 0 && getComputedStyle(a).visibility !== 'hidden';
        }).length;
      }, [origin, expect]);
      const before = await countResults(page);
      const input = page.locator('input[type="search"], [role="search"] input[type="text"], [role="search"] input:not([type]), form input[name="q"]').first();
      if ((await input.count()) === 0) {
        fail('search: the search page has a search input', ['no input[type=search], [role=search] input or input[name=q]']);
      } else {
        await input.click();
        await input.pressSequentially(opts.search, { delay: 20 });
        let found = await page.waitForFunction(([o, e, b]) => {
          const norm = (p) => p.replace(/^\/+/, '').replace(/(^|\/)index\.html$/, '$1');
          return [...document.querySelectorAll('a[href]')].filter((a) => a.href.startsWith(o + '/')
            && norm(decodeURIComponent(new URL(a.href).pathname)) === e && a.getClientRects().length > 0).length > b;
        }, [origin, expect, before], { timeout: 4000 }).then(() => true, () => false);
        let how = 'as typed';
        if (!found) {
          // maybe results come only on submit
          how = 'after Enter';
          await input.press('Enter');
          await page.waitForLoadState('load').catch(() => {});
          await page.waitForLoadState('networkidle', { timeout: 5000 }).catch(() => {});
          await settle(page);
          found = (await countResults(page)) > before;
        }
        const shown = await page.evaluate(() => {
          const r = document.getElementById('main') || document.body;
          return r.innerText.replace(/\s+/g, ' ').slice(0, 300);
        });
        check(`search: "${opts.search}" finds /${expect} (${how})`, found, [`the page shows: ${shown}`]);
        await page.screenshot({ path: path.join(opts.screenshots, 'search-results-1280.png'), fullPage: true });
      }
      check('search (query): no console errors', ownErrors(rec).length === 0, ownErrors(rec));
      check('search (query): no failed requests', rec.failed.length === 0, rec.failed);
      check('search (query): no request leaves 127.0.0.1', rec.outside.length === 0, rec.outside);
      await page.close();
    }
  }
} catch (e) {
  fail('the test itself ran to the end', [e.stack || e.message]);
} finally {
  await context.close().catch(() => {});
  await server.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
}

console.log(`pages: ${pages.join(' ')}`);
console.log(`screenshots: ${path.relative(process.cwd(), opts.screenshots) || '.'}`);
if (failed) console.log(`failed: ${failures.join('; ')}`);
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
