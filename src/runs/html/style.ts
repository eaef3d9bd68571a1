/** The report's stylesheet, inline in the page: system fonts only, print-friendly, no external URLs. */
export const STYLE = `
:root { color-scheme: light; }
body { margin: 0; background: #ffffff; color: #1f1f1f;
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 760px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h1 small { display: block; font-size: 14px; font-weight: 400; color: #666666; }
h2 { font-size: 17px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 1px solid #dddddd; }
h3 { font-size: 15px; margin: 22px 0 6px; }
code { font: 12px/1.4 ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace;
  background: #f4f4f4; padding: 1px 4px; border-radius: 3px; overflow-wrap: break-word; }
.history { overflow-wrap: anywhere; }
.nowrap { white-space: nowrap; }
details summary { cursor: pointer; }
details[open] summary { margin-bottom: 4px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #dddddd; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f6f6f6; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
ul.facts { list-style: none; padding: 0; margin: 12px 0; display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
ul.facts li { display: contents; }
ul.facts .key { color: #666666; }
.warning { border: 1px solid #d55e00; border-left-width: 5px; background: #fff4ec; padding: 8px 14px; margin: 16px 0; }
.warning h2 { border: 0; margin: 4px 0; color: #a33f00; }
.failed { color: #a33f00; font-weight: 700; }
figure { margin: 18px 0 8px; }
figure svg { display: block; max-width: 100%; height: auto; }
figcaption, .note { color: #555555; font-size: 13px; margin-top: 4px; }
footer { margin-top: 40px; color: #777777; font-size: 12px; }
@media print { main { max-width: none; } figure { break-inside: avoid; } }
`;
