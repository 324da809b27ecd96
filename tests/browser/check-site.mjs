// check-site.mjs: static reference check of a built plansite site (no browser).
//
//   node tests/browser/check-site.mjs [--base-url URL] [--allow-folder-urls] SITE_DIR
//
// Over every file of SITE_DIR:
//   - every internal href/src/srcset/poster/action/data in every .html file,
//     and every url()/@import in .css files and in <style>/style="", resolves
//     to an existing file; a folder URL resolves to the folder's index.html;
//   - a #fragment pointing at an HTML page matches an id (or <a name>) there;
//   - no URL climbs above the site root, and only 404.html uses root-absolute
//     ("/...") URLs: the site must work from file:// and from any folder;
//   - pages link to index.html files rather than to folders ("x/"), since a
//     folder URL shows a directory listing from file:// (--allow-folder-urls
//     turns this off);
//   - no resource (script, stylesheet, icon, image, iframe, media, font, CSS
//     url()) is loaded from an absolute http(s) URL or any other host;
//   - every "url" in search-index.json (relative to the site root) names a page;
//   - with --base-url, absolute URLs under the site's base_url (in pages, and
//     in feed.xml, sitemap.xml, meetings.ics and other .xml/.ics files) must
//     name an existing page too.
// Each problem is printed as FILE:LINE: message; the exit status is 1 if there
// was any, 2 on bad usage.
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
let baseUrl = null;
let allowFolderUrls = false;
let root = null;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--base-url') baseUrl = args[++i];
  else if (a.startsWith('--base-url=')) baseUrl = a.slice('--base-url='.length);
  else if (a === '--allow-folder-urls') allowFolderUrls = true;
  else if (a.startsWith('-')) usage(`unknown option '${a}'`);
  else if (root === null) root = a;
  else usage('more than one site folder');
}
if (!root) usage('no site folder');
if (!isDir(root)) usage(`'${root}' is not a folder`);
root = path.resolve(root);
if (baseUrl && !baseUrl.endsWith('/')) baseUrl += '/';

function usage(msg) {
  console.error(`check-site: ${msg}\nusage: node tests/browser/check-site.mjs [--base-url URL] [--allow-folder-urls] SITE_DIR`);
  process.exit(2);
}
function isDir(p) { try { return fs.statSync(p).isDirectory(); } catch { return false; } }
function isFile(p) { try { return fs.statSync(p).isFile(); } catch { return false; } }

function walk(dir, rel = '') {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(path.join(dir, e.name), r));
    else out.push(r);
  }
  return out;
}

const files = walk(root);
const problems = [];
let refCount = 0;
const idCache = new Map();

function lineOf(text, offset) {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
function report(file, text, offset, msg) {
  problems.push(`${file}:${lineOf(text, offset)}: ${msg}`);
}

const NAMED = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      try { return String.fromCodePoint(cp); } catch { return m; }
    }
    return NAMED[e.toLowerCase()] ?? m;
  });
}
// Blank out a range, keeping offsets (and so line numbers) where they were.
function blank(s) { return s.replace(/[^\n]/g, ' '); }

// Tags with their attributes, skipping comments and the insides of <script>.
const TAG_RE = /<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*\/?>/g;
const ATTR_RE = /([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

function parseHtml(text) {
  let t = text.replace(/<!--[\s\S]*?-->/g, blank);
  t = t.replace(/(<script\b[^>]*>)([\s\S]*?)(<\/script\s*>)/gi, (m, a, b, c) => a + blank(b) + c);
  const tags = [];
  const styles = [];
  t.replace(/(<style\b[^>]*>)([\s\S]*?)<\/style\s*>/gi, (m, open, body, off) => {
    styles.push({ css: body, offset: off + open.length });
    return m;
  });
  TAG_RE.lastIndex = 0;
  let m;
  while ((m = TAG_RE.exec(t))) {
    const attrs = {};
    const raw = m[2] || '';
    ATTR_RE.lastIndex = 0;
    let a;
    while ((a = ATTR_RE.exec(raw))) {
      const name = a[1].toLowerCase();
      if (!(name in attrs)) attrs[name] = decodeEntities(a[2] ?? a[3] ?? a[4] ?? '');
    }
    tags.push({ name: m[1].toLowerCase(), attrs, offset: m.index });
  }
  return { tags, styles };
}

function idsOf(rel) {
  if (idCache.has(rel)) return idCache.get(rel);
  const ids = new Set();
  const text = fs.readFileSync(path.join(root, rel), 'utf8');
  for (const tag of parseHtml(text).tags) {
    if (tag.attrs.id !== undefined) ids.add(tag.attrs.id);
    if (tag.name === 'a' && tag.attrs.name !== undefined) ids.add(tag.attrs.name);
  }
  idCache.set(rel, ids);
  return ids;
}

// Link relations whose target the browser fetches by itself.
const RESOURCE_RELS = new Set(['stylesheet', 'icon', 'shortcut', 'apple-touch-icon', 'mask-icon', 'preload',
  'prefetch', 'modulepreload', 'manifest', 'dns-prefetch', 'preconnect', 'prerender']);

// The URLs a tag refers to: [{ url, attr, resource }].
function refsOf(tag) {
  const a = tag.attrs;
  const out = [];
  const add = (attr, resource) => { if (a[attr] !== undefined) out.push({ url: a[attr].trim(), attr, resource }); };
  const addSrcset = (attr) => {
    if (a[attr] === undefined) return;
    for (const part of a[attr].split(/,\s*/)) {
      const u = part.trim().split(/\s+/)[0];
      if (u) out.push({ url: u, attr, resource: true });
    }
  };
  switch (tag.name) {
    case 'a': case 'area': add('href', false); break;
    case 'link': {
      const rels = (a.rel || '').toLowerCase().split(/\s+/);
      add('href', rels.some((r) => RESOURCE_RELS.has(r)));
      addSrcset('imagesrcset');
      break;
    }
    case 'script': case 'iframe': case 'embed': case 'track': add('src', true); break;
    case 'img': add('src', true); addSrcset('srcset'); break;
    case 'source': add('src', true); addSrcset('srcset'); break;
    case 'video': add('src', true); add('poster', true); break;
    case 'audio': add('src', true); break;
    case 'input': if ((a.type || '').toLowerCase() === 'image') add('src', true); break;
    case 'object': add('data', true); break;
    case 'form': add('action', false); break;
    case 'base': out.push({ url: a.href || '', attr: 'href', resource: false, base: true }); break;
    default: break;
  }
  return out;
}

// Checks one reference found in file `from` (a path relative to the root).
// kind: 'html' (a page), 'css' (a stylesheet or CSS inside a page), 'feed'.
function checkRef(from, text, offset, url, { resource, kind }) {
  refCount++;
  const where = (msg) => report(from, text, offset, `${msg}: "${url}"`);
  if (url === '') return;
  if (/[\s]/.test(url) && kind !== 'feed') { where('URL contains white space'); }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url);
  let ref = url;
  let rootAbsolute = false;
  if (scheme) {
    const s = scheme[1].toLowerCase();
    if (s === 'data') return;
    if (s === 'mailto' || s === 'tel') { if (resource) where('resource with a mailto:/tel: URL'); return; }
    if (s === 'javascript' || s === 'vbscript') { where(`${s}: URL`); return; }
    if (baseUrl && url.startsWith(baseUrl)) {
      ref = '/' + url.slice(baseUrl.length);
      rootAbsolute = true;
    } else {
      if (resource) where(`resource loaded from outside the site (${s}:)`);
      return;
    }
  } else if (url.startsWith('//')) {
    if (resource) where('resource loaded from another host');
    return;
  } else if (url.startsWith('/')) {
    rootAbsolute = true;
    if (kind !== 'feed' && path.posix.basename(from) !== '404.html') {
      where('root-absolute URL (breaks file:// and /versions/<tag>/; make it relative)');
    }
  }
  const hashAt = ref.indexOf('#');
  let fragment = hashAt >= 0 ? ref.slice(hashAt + 1) : null;
  let p = hashAt >= 0 ? ref.slice(0, hashAt) : ref;
  const q = p.indexOf('?');
  if (q >= 0) p = p.slice(0, q);
  try {
    p = decodeURIComponent(p);
    if (fragment !== null) fragment = decodeURIComponent(fragment);
  } catch {
    where('bad percent-encoding');
    return;
  }
  let target;
  if (p === '') {
    target = from; // same document
  } else {
    const joined = rootAbsolute ? p.slice(1) : path.posix.join(path.posix.dirname(from), p);
    const norm = path.posix.normalize(joined === '' ? '.' : joined);
    if (norm === '..' || norm.startsWith('../')) { where('URL climbs above the site root'); return; }
    target = norm === '.' ? '' : norm;
    const full = path.join(root, target);
    const folderUrl = p.endsWith('/') || p === '.' || p === '..' || isDir(full);
    if (folderUrl) {
      if (!isDir(full) || !isFile(path.join(full, 'index.html'))) { where('broken link: no such folder page'); return; }
      if (!allowFolderUrls && (kind === 'html' || kind === 'json') && !rootAbsolute) {
        where('folder URL (from file:// this shows a directory listing; link to .../index.html)');
      }
      target = target ? `${target}/index.html` : 'index.html';
    } else if (!isFile(full)) {
      where('broken link: no such file');
      return;
    }
  }
  if (fragment && /\.html?$/i.test(target)) {
    if (!idsOf(target).has(fragment)) where(`no id "${fragment}" in ${target}`);
  }
}

function cssRefs(css) {
  const out = [];
  const t = css.replace(/\/\*[\s\S]*?\*\//g, blank);
  const re = /url\(\s*(?:"([^"]*)"|'([^']*)'|([^)"'\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')/gi;
  let m;
  while ((m = re.exec(t))) {
    const url = m[1] ?? m[2] ?? m[3] ?? m[4] ?? m[5] ?? '';
    out.push({ url: url.trim(), offset: m.index });
  }
  return out;
}

for (const rel of files) {
  const full = path.join(root, rel);
  const ext = path.extname(rel).toLowerCase();
  if (ext === '.html' || ext === '.htm') {
    const text = fs.readFileSync(full, 'utf8');
    const { tags, styles } = parseHtml(text);
    for (const tag of tags) {
      for (const r of refsOf(tag)) {
        if (r.base) { report(rel, text, tag.offset, '<base> changes how every relative URL resolves; plansite pages do not use it'); continue; }
        checkRef(rel, text, tag.offset, r.url, { resource: r.resource, kind: 'html' });
      }
      if (tag.attrs.style) {
        for (const c of cssRefs(tag.attrs.style)) checkRef(rel, text, tag.offset, c.url, { resource: true, kind: 'css' });
      }
    }
    for (const s of styles) {
      for (const c of cssRefs(s.css)) checkRef(rel, text, s.offset + c.offset, c.url, { resource: true, kind: 'css' });
    }
  } else if (ext === '.css') {
    const text = fs.readFileSync(full, 'utf8');
    for (const c of cssRefs(text)) checkRef(rel, text, c.offset, c.url, { resource: true, kind: 'css' });
  } else if (rel === 'search-index.json') {
    // The search page turns these into result links: each "url" (or "href")
    // is relative to the site root.
    const text = fs.readFileSync(full, 'utf8');
    let data;
    try { data = JSON.parse(text); } catch (e) { report(rel, text, 0, `not valid JSON: ${e.message}`); continue; }
    const urls = [];
    const collect = (v) => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if ((k === 'url' || k === 'href') && typeof x === 'string') urls.push(x);
          else collect(x);
        }
      }
    };
    collect(data);
    if (urls.length === 0) report(rel, text, 0, 'no "url" fields: the search index links to nothing');
    for (const u of urls) checkRef(rel, text, Math.max(0, text.indexOf(JSON.stringify(u))), u, { resource: false, kind: 'json' });
  } else if (baseUrl && (ext === '.xml' || ext === '.ics')) {
    let text = fs.readFileSync(full, 'utf8');
    if (ext === '.ics') text = text.replace(/\r?\n[ \t]/g, ''); // unfold folded lines (line numbers then count unfolded lines)
    const esc = baseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(esc + '[^\\s"\'<>\\\\]*', 'g');
    let m;
    while ((m = re.exec(text))) {
      const url = ext === '.xml' ? decodeEntities(m[0]) : m[0].replace(/\\([,;\\])/g, '$1');
      checkRef(rel, text, m.index, url, { resource: false, kind: 'feed' });
    }
  }
}

for (const p of problems) console.log(p);
const htmlCount = files.filter((f) => /\.html?$/i.test(f)).length;
console.log(`check-site: ${path.relative(process.cwd(), root) || '.'}: ${files.length} files (${htmlCount} pages), ${refCount} references, ${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
