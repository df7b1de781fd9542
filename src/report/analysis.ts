/**
 * The report's "why" section (config `analysis`, src/eval/experiment-analysis.ts): held-out token transport
 * per method and language, training curves (chart: each objective's loss relative to its first window, so
 * objectives of different scales share one axis), and alignment examples (each source word → the English
 * word receiving most of its mass under the OT plan, per method).
 */
import type { ExperimentResults } from '../eval/experiment.ts';
import type { VegaLiteSpec } from './charts.ts';
import { table } from './tables.ts';

const esc = (s: string) => s.replace(/\|/g, '\\|');

/** Training loss relative to each curve's first window, one panel per language, one line per method. */
export function curveChartSpec(r: ExperimentResults): VegaLiteSpec | undefined {
  const curves = r.analysis?.curves ?? [];
  if (curves.length === 0) return undefined;
  const values = curves.flatMap((c) => c.points.map((p) => ({ lang: c.lang, method: c.method, step: p.step, loss: p.loss / c.points[0]!.loss })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${r.name}: training loss relative to the first ${curves[0]!.window} steps`,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5 },
    encoding: {
      facet: { field: 'lang', type: 'nominal', title: null, columns: 5, sort: r.languages.map((l) => l.code) },
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'loss', type: 'quantitative', title: 'loss / first window', scale: { zero: false } },
      color: { field: 'method', type: 'nominal', sort: r.methods.map((m) => m.name) },
    },
    width: 160,
    height: 110,
    config: { font: 'DejaVu Sans' },
  } as VegaLiteSpec;
}

/** The markdown of the analysis section (empty without an analysis). */
export function analysisMarkdown(r: ExperimentResults, charts: Record<string, string>): string[] {
  const a = r.analysis;
  if (!a) return [];
  const out: string[] = ['## Why: held-out token transport, training curves, alignments', ''];
  const { set } = a.config;
  const langs = r.languages.map((l) => l.code).filter((code) => a.transport.some((t) => t.lang === code));
  if (langs.length) {
    const held = (l: string) => a.transport.find((t) => t.lang === l && t.split === 'held-out')?.pairs ?? 0;
    const cell = (m: string, l: string, split: string) => {
      const t = a.transport.find((x) => x.method === m && x.lang === l && x.split === split);
      return t ? `${t.mean.toFixed(3)} (${t.median.toFixed(3)})` : '–';
    };
    out.push(
      `Token transport: the OT cost ⟨P*, C⟩ (C_ij = ‖s_i − t_j‖² / 54², ε 0.05, uniform masses — the \`ot\` objective's) between each model's token states of the foreign sentence and the teacher's token states of the English sentence. ` +
        `Held-out: the first pairs of \`${set}\` (${langs.map((l) => `${l} ${held(l)}`).join(', ')}; never trained on); train: a seeded sample of as many pairs of the language's training bitext. Mean (median) over pairs; lower is closer to the teacher.`,
      '',
      table(
        ['method', ...langs.flatMap((l) => [`${l} held-out`, `${l} train`])],
        a.config.methods.filter((m) => a.transport.some((t) => t.method === m)).map((m) => [m, ...langs.flatMap((l) => [cell(m, l, 'held-out'), cell(m, l, 'train')])]),
        ['l', ...langs.flatMap(() => ['r', 'r'] as const)],
      ),
      '',
    );
  }
  if (charts['curves']) {
    out.push(`Training curves of the distilled cells (loss per step, in windows of ${a.curves[0]!.window} steps, divided by the first window's).`, '', `![training curves](${charts['curves']})`, '');
    const last = a.curves.map((c) => {
      const first = c.points[0]!, end = c.points.at(-1)!;
      const parts = Object.keys(end.parts).length > 1 ? ` (${Object.entries(end.parts).map(([k, v]) => `${k} ${(first.parts[k] ?? NaN).toFixed(3)} → ${v.toFixed(3)}`).join(', ')})` : '';
      return [c.method, c.lang, first.loss.toFixed(4), end.loss.toFixed(4), `${(100 * (end.loss / first.loss - 1)).toFixed(1)}%${parts}`];
    });
    out.push(table(['method', 'language', 'loss, first window', 'loss, last window', 'change'], last, ['l', 'l', 'r', 'r', 'l']), '');
  }
  const methods = a.config.methods;
  for (const lang of langs) {
    const idx = [...new Set(a.alignments.filter((x) => x.lang === lang).map((x) => x.index))];
    for (const i of idx) {
      const ex = a.alignments.filter((x) => x.lang === lang && x.index === i);
      const first = ex[0]!;
      out.push(`Alignment example, ${lang}, \`${set}\` pair ${i}: “${esc(first.source)}” — “${esc(first.english)}”. Each source word → the English word that receives most of its mass, with that share; plan cost per method: ${ex.map((x) => `${x.method} ${x.value.toFixed(3)}`).join(', ')}.`, '');
      // methods whose models cut the sentence into the same words share one table
      const groups = new Map<string, string[]>();
      for (const m of methods.filter((m) => ex.some((x) => x.method === m))) {
        const key = ex.find((x) => x.method === m)!.words.map((w) => w.source).join('\u0000');
        groups.set(key, [...(groups.get(key) ?? []), m]);
      }
      for (const cols of groups.values()) {
        const words = ex.find((x) => x.method === cols[0])!.words;
        const rows = words.map((w, k) => [esc(w.source), ...cols.map((m) => {
          const word = ex.find((x) => x.method === m)!.words[k]!;
          return `${esc(word.target)} (${Math.round(100 * word.share)}%)`;
        })]);
        out.push(table(['word', ...cols], rows, ['l', ...cols.map(() => 'l' as const)]), '');
      }
    }
  }
  if (a.missing.length) out.push(`Not analysed: ${a.missing.join('; ')}.`, '');
  return out;
}
