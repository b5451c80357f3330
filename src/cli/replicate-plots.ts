/**
 * SVG plots of a replication, rendered headless with Observable Plot on a linkedom document:
 * learning curves with bands, tied-group fraction and gate over steps, the persona-shift heat map,
 * and the mechanism (uninformative questions, first vs last quarter).
 * Everything is drawn from results.json, so plots can be redrawn without the runs.
 */
import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import { methodResult, type CurvePoint, type Results } from '../engine';

const COLORS: Record<string, string> = { infopo: '#d62728', grpo: '#1f77b4', rloo: '#2ca02c', reinforce: '#9467bd', starpo: '#8c564b' };

function documentForPlot(): Document {
  return parseHTML('<!doctype html><html><body></body></html>').document as unknown as Document;
}

/** Plot output as a standalone SVG file (namespace, white background). */
function toSvg(node: Element, title: string): string {
  // Plot's own title or legend would wrap the svg in an HTML figure: the title is drawn here instead.
  if (node.tagName.toLowerCase() !== 'svg') throw new Error(`expected an <svg> from Plot, got <${node.tagName}>`);
  node.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const doc = node.ownerDocument;
  const text = doc.createElementNS('http://www.w3.org/2000/svg', 'text');
  text.setAttribute('x', '8');
  text.setAttribute('y', '16');
  text.setAttribute('font-size', '13');
  text.setAttribute('font-weight', 'bold');
  text.setAttribute('fill', 'black');
  text.setAttribute('text-anchor', 'start');
  text.textContent = title;
  node.appendChild(text);
  node.setAttribute('style', `${node.getAttribute('style') ?? ''};background:white`);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${node.outerHTML}\n`;
}

interface Row extends CurvePoint {
  method: string;
  panel: string;
}

function bandPlot(rows: Row[], opts: { title: string; yLabel: string; panels: string[]; yDomain?: [number, number] }): string {
  const document = documentForPlot();
  const methods = [...new Set(rows.map((r) => r.method))];
  const color = { domain: methods, range: methods.map((m) => COLORS[m] ?? '#555') };
  const node = Plot.plot({
    document,
    width: 760,
    height: 220 * opts.panels.length + 70,
    marginTop: 44,
    marginRight: 70,
    color,
    x: { label: 'RL step', grid: true },
    y: { label: opts.yLabel, labelAnchor: 'center', grid: true, domain: opts.yDomain },
    marginLeft: 56,
    fy: { axis: null, domain: opts.panels, padding: 0.12 },
    marks: [
      Plot.frame({ stroke: '#ccc' }),
      Plot.areaY(rows, { x: 'step', y1: 'lo', y2: 'hi', fy: 'panel', fill: 'method', fillOpacity: 0.18, z: 'method' }),
      Plot.lineY(rows, { x: 'step', y: 'mean', fy: 'panel', stroke: 'method', strokeWidth: 2, z: 'method' }),
      Plot.dot(rows, { x: 'step', y: 'mean', fy: 'panel', fill: 'method', r: 2 }),
      // One label per method at its last point, nudged apart so equal curves stay readable.
      ...methods.map((m, i) => Plot.text(rows.filter((r) => r.method === m), Plot.selectLast({ x: 'step', y: 'mean', fy: 'panel', text: 'method', fill: 'method', dx: 6, dy: (i - (methods.length - 1) / 2) * 11, textAnchor: 'start', fontWeight: 'bold' }))),
      Plot.text(opts.panels.map((panel) => ({ panel })), { fy: 'panel', text: 'panel', frameAnchor: 'top-left', dx: 6, dy: 6, fontSize: 11, fill: '#333' }),
    ],
  }) as unknown as Element;
  return toSvg(node, opts.title);
}

const rowsOf = (points: CurvePoint[], method: string, panel: string): Row[] => points.map((p) => ({ ...p, method, panel }));

export interface PlotFile {
  file: string;
  title: string;
  svg: string;
}

/** Every plot of the results: per task, learning curves and tied groups / gate; one persona heat map. */
export function renderPlots(results: Results): PlotFile[] {
  const out: PlotFile[] = [];
  for (const [task, t] of Object.entries(results.tasks)) {
    const methods = t.methods as string[];
    const decoding = results.eval_temperature > 0 ? `sampled at T ${results.eval_temperature}` : 'greedy';
    const testPanel = `test success (${decoding}, ${t.test_episodes} paired episodes)`;
    const trainPanel = 'train success (rollouts, moving average)';
    const rows = methods.flatMap((m) => {
      const r = methodResult(t, m)!;
      return [...rowsOf(r.curves.test_success, m, testPanel), ...rowsOf(r.curves.train_success, m, trainPanel)];
    });
    if (rows.length) {
      const title = `${task}: learning curves, mean and 95% bootstrap band over ${t.seeds.length} seed${t.seeds.length === 1 ? "" : "s"}`;
      out.push({ file: `learning-${task}.svg`, title, svg: bandPlot(rows, { title, yLabel: 'success', panels: [testPanel, trainPanel], yDomain: [0, 1] }) });
    }
    const tiedPanel = 'tied groups (all outcomes equal)';
    const gatePanel = 'gate sigmoid(-sigma_g / T), mean over groups';
    const tied = methods.flatMap((m) => {
      const r = methodResult(t, m)!;
      return [...rowsOf(r.curves.tied_fraction, m, tiedPanel), ...rowsOf(r.curves.gate, m, gatePanel)];
    });
    if (tied.length) {
      const title = `${task}: tied-group fraction and gate over steps (mean and 95% band)`;
      out.push({ file: `tied-${task}.svg`, title, svg: bandPlot(tied, { title, yLabel: 'fraction / gate', panels: [tiedPanel, gatePanel], yDomain: [0, 1] }) });
    }
  }
  const mechanism = mechanismPlot(results);
  if (mechanism) out.push(mechanism);
  const cells = Object.entries(results.tasks).flatMap(([task, t]) =>
    (t.methods as string[]).flatMap((m) =>
      Object.entries(methodResult(t, m)!.personas).map(([persona, e]) => ({ row: `${task} · ${m}`, persona, success: e.mean, label: Number.isFinite(e.ci95[0]) ? `${e.mean.toFixed(2)}\n[${e.ci95[0].toFixed(2)}, ${e.ci95[1].toFixed(2)}]` : `${e.mean.toFixed(2)}\n(n = ${e.n})` })),
    ),
  );
  if (cells.length) {
    const rowsN = new Set(cells.map((c) => c.row)).size;
    const title = 'Simulator shift: test success per final policy (rows) and test persona (columns), mean [95% interval]';
    const node = Plot.plot({
      document: documentForPlot(),
      width: Math.max(820, 200 + 120 * results.personas.length),
      height: 110 + 52 * rowsN,
      marginTop: 80,
      marginLeft: 160,
      padding: 0.04,
      x: { label: null, axis: 'top', domain: results.personas },
      y: { label: null },
      color: { type: 'linear', scheme: 'blues', domain: [0, 1] },
      marks: [
        Plot.cell(cells, { x: 'persona', y: 'row', fill: 'success', inset: 1 }),
        Plot.text(cells, { x: 'persona', y: 'row', text: 'label', fill: (d: { success: number }) => (d.success > 0.6 ? 'white' : 'black'), fontSize: 11, lineHeight: 1.2 }),
      ],
    }) as unknown as Element;
    out.push({ file: 'personas.svg', title, svg: toSvg(node, title) });
  }
  return out;
}

/** Share of questions with uninformative feedback, first vs last quarter of the steps, per task and method (mean and 95% interval over seeds). */
function mechanismPlot(results: Results): PlotFile | null {
  const rows = Object.entries(results.tasks).flatMap(([task, t]) =>
    (t.methods as string[]).flatMap((method) => {
      const m = methodResult(t, method)?.mechanism;
      if (!m || !m.questions) return [];
      return [
        { task, method, phase: 'first 1/4', ...estimateRow(m.uninformative_early) },
        { task, method, phase: 'last 1/4', ...estimateRow(m.uninformative_late) },
      ];
    }),
  );
  if (!rows.length) return null;
  const title = 'Share of questions with uninformative feedback, first vs last quarter of RL (mean, 95% interval over seeds)';
  const tasks = [...new Set(rows.map((r) => r.task))];
  const methods = [...new Set(rows.map((r) => r.method))];
  const node = Plot.plot({
    document: documentForPlot(),
    width: Math.max(820, 190 * tasks.length),
    height: 390,
    marginTop: 56,
    marginBottom: 60,
    fx: { label: null, domain: tasks },
    x: { label: null, domain: ['first 1/4', 'last 1/4'], padding: 0.4 },
    marginLeft: 56,
    y: { label: 'uninformative share', labelAnchor: 'center', grid: true, domain: [0, Math.min(1, Math.max(...rows.map((r) => r.hi)) + 0.05)] },
    marginRight: 60,
    color: { domain: methods, range: methods.map((m) => COLORS[m] ?? '#555') },
    marks: [
      // Intervals side by side (InfoPO left of the others) so they do not hide each other.
      Plot.ruleX(rows.filter((r) => r.method === 'infopo'), { x: 'phase', fx: 'task', y1: 'lo', y2: 'hi', stroke: 'method', dx: -4, strokeOpacity: 0.6 }),
      Plot.ruleX(rows.filter((r) => r.method !== 'infopo'), { x: 'phase', fx: 'task', y1: 'lo', y2: 'hi', stroke: 'method', dx: 4, strokeOpacity: 0.6 }),
      Plot.lineY(rows, { x: 'phase', fx: 'task', y: 'mean', stroke: 'method', z: 'method', strokeWidth: 2 }),
      Plot.dot(rows, { x: 'phase', fx: 'task', y: 'mean', fill: 'method', r: 3 }),
      // Method names at the last quarter, nudged apart (a legend would wrap the svg in HTML).
      ...methods.map((m, i) => Plot.text(rows.filter((r) => r.method === m && r.phase === 'last 1/4'), { x: 'phase', fx: 'task', y: 'mean', text: 'method', fill: 'method', dx: 8, dy: (i - (methods.length - 1) / 2) * 11, textAnchor: 'start', fontWeight: 'bold', fontSize: 10 })),
    ],
  }) as unknown as Element;
  return { file: 'mechanism.svg', title, svg: toSvg(node, title) };
}

const estimateRow = (e: { mean: number; ci95: [number, number] }) => ({ mean: e.mean, lo: Number.isFinite(e.ci95[0]) ? e.ci95[0] : e.mean, hi: Number.isFinite(e.ci95[1]) ? e.ci95[1] : e.mean });
