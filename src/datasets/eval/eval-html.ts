/**
 * The self-contained HTML validation report: summary figures, per-class table, PR curves and the
 * confusion matrix drawn by Chart.js (with chartjs-chart-matrix), both inlined so the file opens
 * anywhere — inside a virtual desktop, an isolation browser, or attached to an e-mail — and example
 * fields with ground truth and predictions side by side.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Detection } from '../../domain/analysis-result.js';
import { decodeImage } from '../../imaging/intake.js';
import { reencodeJpeg } from '../../imaging/encode.js';
import { renderOverlay } from '../../imaging/overlay.js';
import type { EvalExample, EvalReport } from './eval.service.js';

const require = createRequire(import.meta.url);

/** Reads a browser build that sits beside a package's main entry (packages do not export it). */
async function readLibrary(pkg: string, file: string): Promise<string> {
  const text = await readFile(join(dirname(require.resolve(pkg)), file), 'utf8');
  // Never let library text close our script element early.
  return text.replace(/<\/script/gi, '<\\/script');
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const pct = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(1)} %`);
const num = (v: number | null, d = 3): string => (v === null ? '—' : v.toFixed(d));

async function overlayDataUri(
  path: string,
  detections: readonly Detection[],
  title: string,
): Promise<string> {
  const { raster } = await decodeImage(await readFile(path));
  const png = await renderOverlay(raster, detections, { title, maxSide: 720 });
  return `data:image/jpeg;base64,${(await reencodeJpeg(png, 78)).toString('base64')}`;
}

/**
 * Renders the report as one HTML document.
 *
 * @example
 * await writeFile('report.html', await renderEvalHtml(report, examples));
 */
export async function renderEvalHtml(report: EvalReport, examples: readonly EvalExample[]): Promise<string> {
  const chartJs = await readLibrary('chart.js', 'chart.umd.min.js');
  const matrixJs = await readLibrary('chartjs-chart-matrix', 'chartjs-chart-matrix.min.js');
  const exampleHtml: string[] = [];
  for (const ex of examples) {
    const truth = await overlayDataUri(ex.path, ex.truth, `Ground truth: ${ex.truth.length}`);
    const pred = await overlayDataUri(
      ex.path,
      ex.predictions,
      `${report.engine.name}: ${ex.predictions.length}`,
    );
    const rec = report.images.find((r) => r.file === ex.file);
    exampleHtml.push(
      `<figure class="example"><figcaption>${escapeHtml(ex.file)} — F1 ${num(rec?.f1 ?? null, 2)}; truth “${escapeHtml(
        rec?.truthFinding ?? '',
      )}”, predicted “${escapeHtml(rec?.predictedFinding ?? '')}”</figcaption><div class="pair"><img alt="ground truth" src="${truth}"><img alt="predictions" src="${pred}"></div></figure>`,
    );
  }
  const classes = Object.entries(report.perClass).sort((a, b) => b[1].support - a[1].support);
  const classRows = classes
    .map(
      ([cls, m]) =>
        `<tr><td>${escapeHtml(cls)}</td><td>${m.support}</td><td>${m.predictions}</td><td>${num(m.ap50)}</td><td>${num(m.ap50_95)}</td><td>${num(m.precision)}</td><td>${num(m.recall)}</td><td>${num(m.f1)}</td></tr>`,
    )
    .join('');
  const imageRows = report.images
    .slice(0, 1000)
    .map(
      (r) =>
        `<tr class="${r.findingCorrect ? 'ok' : 'bad'}"><td>${escapeHtml(r.file)}</td><td>${r.truth}</td><td>${r.predictions}</td><td>${r.tp}</td><td>${r.fp}</td><td>${r.fn}</td><td>${num(r.f1, 2)}</td><td>${escapeHtml(r.truthFinding)}</td><td>${escapeHtml(r.predictedFinding)}</td></tr>`,
    )
    .join('');
  const data = JSON.stringify({ pr: report.prCurves, confusion: report.confusion }).replace(/</g, '\\u003c');
  // The counts as a table too, so a printed or archived report keeps the numbers behind the colours.
  const { labels, matrix } = report.confusion;
  const confusionTable = `<table><tr><th>truth \\ predicted</th>${labels.map((l) => `<th>${escapeHtml(l)}</th>`).join('')}</tr>${matrix
    .map(
      (row, t) =>
        `<tr><th>${escapeHtml(labels[t])}</th>${row.map((v) => `<td>${v || ''}</td>`).join('')}</tr>`,
    )
    .join('')}</table>`;
  const summary: [string, string][] = [
    ['mAP@0.5', num(report.map50)],
    ['mAP@0.5:0.95', num(report.map50_95)],
    [
      'Gram call of matched organisms',
      `${pct(report.gramAccuracy)} (${report.attributeAgreement.gram.correct}/${report.attributeAgreement.gram.compared})`,
    ],
    [
      'Morphotype of matched organisms',
      `${pct(report.morphotypeAccuracy)} (${report.attributeAgreement.morphotype.correct}/${report.attributeAgreement.morphotype.compared})`,
    ],
    ['Field finding names the right morphotypes', pct(report.findingAccuracy)],
    ['Field finding sentence identical (order included)', pct(report.findingExactAccuracy)],
    ['Fields / ground-truth objects', `${report.dataset.images} / ${report.dataset.objects}`],
    [
      'Engine',
      `${report.engine.name} ${report.engine.version}${report.engine.model ? ` (${report.engine.model})` : ''}`,
    ],
    ['Level / score threshold', `${report.level} / ${report.scoreThreshold}`],
    [
      'Time',
      `${(report.timing.totalMs / 1000).toFixed(1)} s (${report.timing.imagesPerSecond} fields/s, ${report.timing.workers} workers)`,
    ],
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>gramscope validation report — ${escapeHtml(report.dataset.path)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;max-width:1280px;color:#1b1b1b}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}tr.bad td{background:#fff1f0}
.note{color:#555;max-width:900px}.charts{display:flex;flex-wrap:wrap;gap:24px}.chart{width:600px;height:460px}
.pair{display:flex;gap:8px;flex-wrap:wrap}.pair img{max-width:620px;width:49%;border:1px solid #ddd}
figure{margin:16px 0}figcaption{margin-bottom:4px}
</style></head><body>
<h1>gramscope validation report</h1>
<p class="note">Dataset <b>${escapeHtml(report.dataset.path)}</b> (${escapeHtml(report.dataset.format)}). Metrics follow COCO: AP is the mean precision at 101 recall points, mAP@0.5:0.95 averages IoU 0.50–0.95; detections per field are not capped. Precision, recall, the confusion matrix and attribute agreement use predictions scoring at least ${report.scoreThreshold} and IoU 0.5. Synthetic fields are not evidence of clinical accuracy: validate on your own slides.</p>
<table>${summary.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>
<h2>Per class</h2>
<table><tr><th>class</th><th>truth</th><th>predicted</th><th>AP@0.5</th><th>AP@0.5:0.95</th><th>precision</th><th>recall</th><th>F1</th></tr>${classRows}</table>
<h2>Precision–recall curves (IoU 0.5) and confusion matrix</h2>
<div class="charts"><div class="chart"><canvas id="pr"></canvas></div><div class="chart"><canvas id="confusion"></canvas></div></div>
<details><summary>Confusion matrix counts</summary>${confusionTable}</details>
<h2>Examples: ground truth (left) and predictions (right)</h2>
${exampleHtml.join('\n')}
<h2>Fields</h2>
<table><tr><th>field</th><th>truth</th><th>predicted</th><th>TP</th><th>FP</th><th>FN</th><th>F1</th><th>truth finding</th><th>predicted finding</th></tr>${imageRows}</table>
<script type="application/json" id="data">${data}</script>
<script>${chartJs}</script>
<script>${matrixJs}</script>
<script>
(function () {
  var data = JSON.parse(document.getElementById('data').textContent);
  var palette = ['#0072b2','#d55e00','#009e73','#cc79a7','#e69f00','#56b4e9','#f0e442','#000000','#7570b3','#999999','#e7298a','#66a61e','#a6761d','#1b9e77','#d95f02','#666666','#b15928'];
  var names = Object.keys(data.pr.precision);
  new Chart(document.getElementById('pr'), {
    type: 'line',
    data: { datasets: names.map(function (n, i) {
      return { label: n, data: data.pr.recall.map(function (r, k) { return { x: r, y: data.pr.precision[n][k] }; }),
        borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length], pointRadius: 0, borderWidth: 1.5, stepped: true };
    }) },
    options: { animation: false, maintainAspectRatio: false, parsing: false,
      scales: { x: { type: 'linear', min: 0, max: 1, title: { display: true, text: 'recall' } }, y: { min: 0, max: 1.02, title: { display: true, text: 'precision' } } },
      plugins: { title: { display: true, text: 'Precision–recall at IoU 0.5' } } }
  });
  var labels = data.confusion.labels, m = data.confusion.matrix, cells = [];
  for (var t = 0; t < labels.length; t++) {
    var rowSum = m[t].reduce(function (s, v) { return s + v; }, 0) || 1;
    for (var p = 0; p < labels.length; p++) cells.push({ x: labels[p], y: labels[t], v: m[t][p], share: m[t][p] / rowSum });
  }
  new Chart(document.getElementById('confusion'), {
    type: 'matrix',
    data: { datasets: [{ label: 'confusion', data: cells,
      backgroundColor: function (c) { var d = c.dataset.data[c.dataIndex]; return 'rgba(0,114,178,' + (d ? 0.06 + 0.94 * d.share : 0) + ')'; },
      borderWidth: 1, borderColor: '#ffffff',
      width: function (c) { var a = c.chart.chartArea || {}; return ((a.right - a.left) || 0) / labels.length - 1; },
      height: function (c) { var a = c.chart.chartArea || {}; return ((a.bottom - a.top) || 0) / labels.length - 1; } }] },
    options: { animation: false, maintainAspectRatio: false,
      scales: { x: { type: 'category', labels: labels, offset: true, title: { display: true, text: 'predicted' }, ticks: { autoSkip: false, maxRotation: 90 } },
        y: { type: 'category', labels: labels, offset: true, reverse: false, title: { display: true, text: 'truth' }, ticks: { autoSkip: false } } },
      plugins: { legend: { display: false }, title: { display: true, text: 'Confusion matrix (rows: truth; background = missed / spurious)' },
        tooltip: { callbacks: { title: function () { return ''; }, label: function (c) { var d = c.raw; return 'truth ' + d.y + ', predicted ' + d.x + ': ' + d.v; } } } } }
  });
})();
</script>
</body></html>
`;
}
