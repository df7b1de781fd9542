// Reports: the files of the results folder (GET /api/reports); one is shown at a time (#report=PATH):
// Markdown rendered by the server (escaped, safe HTML), JSON and text as text, charts as images.
import { api, el, status } from './common.js';

const list = document.getElementById('report-list');
const view = document.getElementById('report');

const current = () => new URLSearchParams(location.hash.slice(1)).get('report');

async function show(path) {
  for (const a of list.querySelectorAll('a')) a.toggleAttribute('aria-current', a.dataset.path === path);
  if (!path) return;
  status('loading…');
  try {
    const r = await api('/api/reports/' + path.split('/').map(encodeURIComponent).join('/'));
    const head = el('p', { class: 'small muted' }, `${r.path} · ${r.bytes} bytes · modified ${r.modified.slice(0, 16).replace('T', ' ')} · `, el('a', { href: r.raw }, 'raw'));
    let body;
    if (r.kind === 'markdown') {
      body = el('div', { class: 'markdown' });
      body.innerHTML = r.html; // rendered by the server from escaped text (src/web/markdown.ts)
    } else if (r.kind === 'image') body = el('img', { src: r.raw, alt: r.path, class: 'chart' });
    else body = el('pre', {}, r.text);
    view.replaceChildren(head, body, ...(r.truncated ? [el('p', { class: 'small muted' }, 'cut at 1 MB: open the raw file for the rest')] : []));
    status('');
  } catch (e) {
    view.replaceChildren();
    status(e.message, true);
  }
}

async function init() {
  try {
    const { reports } = await api('/api/reports');
    if (reports.length === 0) status('the results folder is empty', true);
    for (const r of reports) {
      list.append(el('li', { class: `kind-${r.kind}` }, el('a', { href: `#report=${encodeURIComponent(r.path)}`, 'data-path': r.path }, r.path)));
    }
    const first = reports.find((r) => r.kind === 'markdown') ?? reports[0];
    if (!current() && first) location.replace(`#report=${encodeURIComponent(first.path)}`);
    else show(current());
  } catch (e) {
    status(e.message, true);
  }
}

addEventListener('hashchange', () => show(current()));
init();
