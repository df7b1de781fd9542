// Alignment explorer: two sentences → POST /api/align → the student's and the teacher's OT plans as
// heatmaps (rows: source tokens, columns: target tokens), plan cost and the top aligned pairs.
import { api, el, status } from './common.js';

const SVG = 'http://www.w3.org/2000/svg';
const form = document.getElementById('align-form');
const eps = document.getElementById('epsilon');
const epsOut = document.getElementById('epsilon-value');
const plans = document.getElementById('plans');
const epsilon = () => Number((10 ** Number(eps.value)).toPrecision(2));

function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

const label = (t) => (t.length > 14 ? t.slice(0, 13) + '…' : t);

/** The plan as an SVG heatmap: a cell per (source token i, target token j), shade = N·P_ij. */
function heatmap(p, title) {
  const longest = (ts) => Math.max(1, ...ts.map((t) => label(t).length));
  const cell = 26, left = 12 + 7 * longest(p.sourceTokens), top = 14 + 6 * longest(p.targetTokens);
  const W = left + p.cols * cell + 10, H = top + p.rows * cell + 10;
  const root = svg('svg', { class: 'heatmap', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': title });
  p.targetTokens.forEach((t, j) => {
    const x = left + j * cell + cell / 2;
    root.append(svg('text', { class: 'col-label', x, y: top - 6, transform: `rotate(-60 ${x} ${top - 6})` }, label(t)));
  });
  p.sourceTokens.forEach((s, i) => root.append(svg('text', { class: 'row-label', x: left - 6, y: top + i * cell + cell / 2 + 4 }, label(s))));
  for (let i = 0; i < p.rows; i++) {
    // the row's largest entry is outlined: where the source token sends most of its mass
    let best = 0;
    for (let j = 1; j < p.cols; j++) if (p.plan[i * p.cols + j] > p.plan[i * p.cols + best]) best = j;
    for (let j = 0; j < p.cols; j++) {
      const share = Math.min(1, p.plan[i * p.cols + j] * p.rows);
      const r = svg('rect', {
        class: 'cell' + (j === best ? ' best' : ''), x: left + j * cell, y: top + i * cell, width: cell - 1, height: cell - 1,
        fill: `rgba(29, 78, 216, ${(0.04 + 0.96 * share).toFixed(3)})`, 'data-i': i, 'data-j': j, 'data-share': share.toFixed(4),
      });
      r.append(svg('title', {}, `${p.sourceTokens[i]} → ${p.targetTokens[j]}: P = ${p.plan[i * p.cols + j].toExponential(3)} (share ${(100 * share).toFixed(1)}%), C = ${p.cost[i * p.cols + j].toFixed(4)}`));
      root.append(r);
    }
  }
  return root;
}

function panel(kind, p, heading) {
  const pairs = el('table', { class: 'pairs' },
    el('thead', {}, el('tr', {}, el('th', {}, 'source'), el('th', {}, 'target'), el('th', { class: 'num' }, 'share'), el('th', { class: 'num' }, 'cost'))),
    el('tbody', {}, ...p.topPairs.map((x) => el('tr', {}, el('td', {}, x.source), el('td', {}, x.target), el('td', { class: 'num' }, `${(100 * x.share).toFixed(1)}%`), el('td', { class: 'num' }, x.cost.toFixed(4))))));
  return el('section', { class: 'panel plan', id: `plan-${kind}` },
    el('h2', {}, heading),
    el('p', { class: 'small' }, `model ${p.model} · ${p.rows} × ${p.cols} tokens · plan cost ⟨P, C⟩ = `, el('strong', { class: 'plan-cost' }, p.value.toFixed(5)), ` · ${p.status} after ${p.iterations} iterations`),
    el('div', { class: 'scroll' }, heatmap(p, heading)),
    el('h3', {}, 'Top aligned pairs'),
    pairs);
}

let seq = 0;
async function run() {
  const mine = ++seq;
  status('aligning…');
  try {
    const r = await api('/api/align', { source: document.getElementById('source').value, target: document.getElementById('target').value, epsilon: epsilon(), cost: document.getElementById('cost').value });
    if (mine !== seq) return; // a newer request is on its way
    const parts = [];
    if (r.student) parts.push(panel('student', r.student, 'Student → teacher (distilled)'));
    parts.push(panel('teacher', r.teacher, 'Teacher zero-shot (teacher on both sentences)'));
    plans.replaceChildren(...parts);
    status(`ε = ${r.epsilon}, cost ${r.cost}${r.student ? '' : ' · no student loaded (start with --model DIR): teacher plan only'}`);
  } catch (e) {
    if (mine === seq) status(e.message, true);
  }
}

let timer;
eps.addEventListener('input', () => {
  epsOut.textContent = String(epsilon());
  clearTimeout(timer);
  timer = setTimeout(run, 150);
});
document.getElementById('cost').addEventListener('change', run);
form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  run();
});
epsOut.textContent = String(epsilon());
run();
