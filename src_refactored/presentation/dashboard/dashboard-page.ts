import { dashboardScript } from './dashboard-script.js';

const STYLE = `
:root { --bg:#0f1419; --panel:#171d24; --line:#26303b; --text:#d8dee6; --muted:#8a97a6; --accent:#4ea1ff;
  --ok:#3fb950; --bad:#f85149; --warn:#d29922; --wait:#a371f7; font: 14px/1.45 system-ui, sans-serif; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--text); }
header { display:flex; align-items:center; gap:12px; padding:10px 18px; border-bottom:1px solid var(--line); background:var(--panel); }
header h1 { font-size:17px; margin:0; letter-spacing:.5px; } header .path { color:var(--muted); font-family:ui-monospace,monospace; font-size:12px; }
#live { margin-left:auto; font-size:12px; color:var(--muted); } #live.on::before { content:'● '; color:var(--ok); }
main { display:grid; grid-template-columns: 250px minmax(420px,1fr) 430px; height: calc(100vh - 49px); }
aside, section { overflow:auto; border-right:1px solid var(--line); }
.queue, .tab { font: inherit; }
.queue { display:block; width:100%; text-align:left; background:none; border:0; border-bottom:1px solid var(--line); color:inherit; padding:10px 14px; cursor:pointer; }
.queue:hover, .queue.selected { background:#1d2630; } .queue .name { font-weight:600; }
.mini { color:var(--muted); font-size:12px; } .badge { font-size:11px; padding:1px 6px; border-radius:8px; background:var(--warn); color:#111; margin-left:6px; }
svg.spark { display:block; margin-top:4px; }
.toolbar { display:flex; flex-wrap:wrap; gap:6px; padding:10px 12px; border-bottom:1px solid var(--line); align-items:center; }
.tabs { display:flex; flex-wrap:wrap; gap:2px; padding:6px 12px 0; border-bottom:1px solid var(--line); }
.tab { background:none; border:0; color:var(--muted); padding:6px 10px; cursor:pointer; border-bottom:2px solid transparent; }
.tab.active { color:var(--text); border-bottom-color:var(--accent); } .tab .n { font-size:11px; margin-left:4px; color:var(--muted); }
input { background:#0b0f13; border:1px solid var(--line); color:var(--text); padding:5px 8px; border-radius:5px; }
button.btn { background:#222c37; border:1px solid var(--line); color:var(--text); padding:5px 10px; border-radius:5px; cursor:pointer; }
button.btn:hover { border-color:var(--accent); } button.btn.danger:hover { border-color:var(--bad); }
table { width:100%; border-collapse:collapse; } th, td { text-align:left; padding:6px 12px; border-bottom:1px solid var(--line); white-space:nowrap; }
th { color:var(--muted); font-weight:500; font-size:12px; } tr.job { cursor:pointer; } tr.job:hover, tr.job.selected { background:#1d2630; }
td.info { max-width:240px; overflow:hidden; text-overflow:ellipsis; color:var(--muted); }
.state { font-size:12px; padding:1px 7px; border-radius:8px; background:#222c37; }
.state.completed { color:var(--ok); } .state.failed { color:var(--bad); } .state.active { color:var(--accent); }
.state.delayed { color:var(--warn); } .state.waiting, .state.prioritized { color:var(--wait); }
.pager { display:flex; gap:8px; padding:10px 12px; align-items:center; color:var(--muted); }
#detail { padding:14px 16px; border-right:0; } #detail h2 { margin:0 0 4px; font-size:16px; }
#detail h3 { font-size:12px; text-transform:uppercase; letter-spacing:.6px; color:var(--muted); margin:16px 0 6px; }
pre { background:#0b0f13; border:1px solid var(--line); border-radius:6px; padding:8px 10px; margin:0; overflow:auto; font-size:12px; max-height:260px; white-space:pre-wrap; word-break:break-word; }
pre.stack { color:#ffb3ad; } .actions { display:flex; gap:6px; flex-wrap:wrap; margin-top:8px; }
.progress { height:8px; background:#0b0f13; border-radius:4px; overflow:hidden; border:1px solid var(--line); } .progress > div { height:100%; background:var(--accent); }
ol.timeline { list-style:none; padding:0; margin:0; } ol.timeline li { padding:4px 0 4px 14px; border-left:2px solid var(--line); font-size:12px; }
ol.timeline .ev { font-weight:600; } ol.timeline .t { color:var(--muted); margin-right:6px; }
.empty { color:var(--muted); padding:16px; } #toast { position:fixed; bottom:16px; right:16px; background:#222c37; border:1px solid var(--line); padding:8px 12px; border-radius:6px; display:none; }
`;

/** The dashboard's single page: static HTML, inline CSS and one inline script allowed by its CSP nonce. */
export function dashboardPage(nonce: string, basePath: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>bullite dashboard</title><style>${STYLE}</style></head>
<body>
<header><h1>bullite</h1><span class="path" id="db-path"></span><span id="live">connecting…</span></header>
<main>
  <aside id="queues" aria-label="Queues"></aside>
  <section id="list" aria-label="Jobs">
    <div class="toolbar" id="queue-toolbar"></div>
    <div class="tabs" id="tabs" role="tablist"></div>
    <form class="toolbar" id="search">
      <input id="search-name" placeholder="job name" aria-label="Job name">
      <input id="search-data" placeholder="data filter, e.g. user.id=42" aria-label="Data filter" size="26">
      <button class="btn" type="submit">Search</button>
    </form>
    <table><thead><tr><th>ID</th><th>Name</th><th>State</th><th>Created</th><th>Attempts</th><th>Info</th></tr></thead>
    <tbody id="jobs"></tbody></table>
    <div class="pager"><button class="btn" id="prev">Prev</button><button class="btn" id="next">Next</button><span id="page-info"></span></div>
  </section>
  <section id="detail" aria-label="Job detail"><div class="empty">Select a job to see its data, logs and stack trace.</div></section>
</main>
<div id="toast" role="status"></div>
<script nonce="${nonce}">const BASE = ${JSON.stringify(basePath)};
${dashboardScript}</script>
</body></html>`;
}
