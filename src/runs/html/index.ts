/** report.html: the run's report as one self-contained page with SVG charts. */
export { renderHtmlReport } from './report.js';
export { readRunMetrics } from './readMetrics.js';
