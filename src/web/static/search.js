// Search page: a query → POST /api/search → ranked documents with score, language and the model used.
import { api, el, status } from './common.js';

const form = document.getElementById('search-form');
const query = document.getElementById('query');
const model = document.getElementById('model');
const k = document.getElementById('k');
const list = document.getElementById('results');

async function init() {
  try {
    const info = await api('/api/info');
    for (const role of ['student', 'teacher']) {
      const m = info.models[role];
      if (m) model.append(el('option', { value: role, ...(role === info.defaultRole ? { selected: '' } : {}) }, `${role}: ${m.name}`));
    }
    const ix = info.index;
    document.getElementById('index-info').textContent = ix
      ? `index: ${ix.count} documents (${Object.entries(ix.languages).map(([l, n]) => `${l} ${n}`).join(', ') || 'no languages recorded'}), store ${ix.store}`
      : 'no index loaded (start with --index DIR)';
    if (!ix) form.querySelector('button').disabled = true;
  } catch (e) {
    status(e.message, true);
  }
}

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  list.replaceChildren();
  status('searching…');
  const t0 = performance.now();
  try {
    const r = await api('/api/search', { query: query.value, k: Number(k.value), model: model.value || undefined });
    status(`${r.results.length} results for “${r.query}” · query encoded by ${r.role} ${r.model} · ${Math.round(performance.now() - t0)} ms`);
    for (const h of r.results) {
      list.append(
        el('li', { class: 'result', 'data-id': h.id },
          el('div', { class: 'meta' },
            el('span', { class: 'score', title: 'cosine similarity' }, h.score.toFixed(4)),
            el('span', { class: 'lang' }, h.lang ?? '–'),
            el('span', { class: 'id' }, h.id)),
          el('div', { class: 'text', lang: h.lang ?? '' }, h.text ?? '(no text stored)')),
      );
    }
  } catch (e) {
    status(e.message, true);
  }
});

init();
