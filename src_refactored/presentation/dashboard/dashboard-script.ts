/**
 * The page's script (runs in the browser). Job names, data and errors are untrusted text: everything is
 * put in the DOM with textContent, never as HTML. Every request carries the token from the page URL.
 */
export const dashboardScript = String.raw`
const token = new URLSearchParams(location.search).get('token') || '';
const STATES = ['waiting', 'prioritized', 'delayed', 'active', 'waiting-children', 'completed', 'failed'];
const ui = { queue: null, tab: 'waiting', name: '', data: '', cursors: [null], page: 0, next: null, selected: null, queues: [] };
const fmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' });
const when = (ms) => (ms == null ? '-' : fmt.format(ms));
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}

async function api(path, params) {
  const res = await fetch(BASE + path + '?' + new URLSearchParams(params || {}), { headers: { 'x-bullite-token': token } });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return body;
}

function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.style.display = 'block';
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.style.display = 'none'), 3500);
}

async function act(body, done) {
  try {
    const res = await fetch(BASE + '/api/action', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bullite-token': token },
      body: JSON.stringify({ queue: ui.queue, ...body }),
    });
    const out = await res.json();
    if (!res.ok) throw new Error(out.error || res.statusText);
    toast(done + (out.removed !== undefined ? ' (' + out.removed + ' removed)' : ''));
  } catch (e) {
    toast(e.message);
  }
  refresh();
}

function sparkline(values) {
  const w = 200, h = 26, max = Math.max(1, ...values);
  const pts = values.map((v, i) => (i * w / Math.max(1, values.length - 1)).toFixed(1) + ',' + (h - 2 - (v / max) * (h - 4)).toFixed(1));
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'spark'); svg.setAttribute('width', w); svg.setAttribute('height', h);
  svg.setAttribute('aria-label', 'completed per minute, last hour');
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', pts.join(' ')); line.setAttribute('fill', 'none');
  line.setAttribute('stroke', '#4ea1ff'); line.setAttribute('stroke-width', '1.5');
  svg.append(line);
  return svg;
}

function renderQueues(data) {
  $('db-path').textContent = data.path;
  ui.queues = data.queues;
  if (!ui.queue && data.queues.length) ui.queue = data.queues[0].name;
  $('queues').replaceChildren(...(data.queues.length ? data.queues.map((q) => el('button', {
    class: 'queue' + (q.name === ui.queue ? ' selected' : ''), 'data-queue': q.name,
    onclick: () => { ui.queue = q.name; resetPaging(); refresh(); },
  }, el('div', {}, el('span', { class: 'name' }, q.name), q.paused ? el('span', { class: 'badge' }, 'paused') : null),
    el('div', { class: 'mini' }, 'waiting ' + (q.counts.waiting + q.counts.prioritized) + ' · active ' + q.counts.active +
      ' · done ' + q.counts.completed + ' · failed ' + q.counts.failed),
    sparkline(q.throughput))) : [el('div', { class: 'empty' }, 'No queues in this database yet.')]));
  const q = data.queues.find((x) => x.name === ui.queue);
  $('tabs').replaceChildren(...STATES.map((s) => el('button', {
    class: 'tab' + (s === ui.tab ? ' active' : ''), role: 'tab', 'data-state': s,
    onclick: () => { ui.tab = s; resetPaging(); refresh(); },
  }, s, el('span', { class: 'n' }, q ? q.counts[s] : 0))));
  $('queue-toolbar').replaceChildren(...(q ? [
    el('strong', {}, q.name),
    q.paused ? el('button', { class: 'btn', onclick: () => act({ action: 'resume' }, 'Queue resumed') }, 'Resume')
      : el('button', { class: 'btn', onclick: () => act({ action: 'pause' }, 'Queue paused') }, 'Pause'),
    el('button', { class: 'btn danger', onclick: () => act({ action: 'clean', state: 'completed' }, 'Cleaned completed jobs') }, 'Clean completed'),
    el('button', { class: 'btn danger', onclick: () => act({ action: 'clean', state: 'failed' }, 'Cleaned failed jobs') }, 'Clean failed'),
    el('span', { class: 'mini' }, 'total done ' + q.completedTotal + ' · failed ' + q.failedTotal),
  ] : []));
}

function resetPaging() { ui.cursors = [null]; ui.page = 0; }

function info(j) {
  if (j.failedReason) return j.failedReason;
  if (typeof j.progress === 'object' || j.progress > 0) return 'progress ' + JSON.stringify(j.progress);
  if (j.state === 'delayed') return 'delay ' + j.delay + ' ms';
  return '';
}

function renderJobs(page) {
  ui.next = page.nextCursor;
  $('jobs').replaceChildren(...(page.jobs.length ? page.jobs.map((j) => el('tr', {
    class: 'job' + (j.id === ui.selected ? ' selected' : ''), 'data-job-id': j.id, onclick: () => { ui.selected = j.id; refresh(); },
  }, el('td', {}, j.id), el('td', {}, j.name), el('td', {}, el('span', { class: 'state ' + j.state }, j.state)),
    el('td', {}, when(j.timestamp)), el('td', {}, j.attemptsMade), el('td', { class: 'info' }, info(j)))) :
    [el('tr', {}, el('td', { colspan: 6, class: 'empty' }, 'No ' + ui.tab + ' jobs.'))]));
  $('prev').disabled = ui.page === 0;
  $('next').disabled = !ui.next;
  $('page-info').textContent = 'page ' + (ui.page + 1);
}

function section(title, ...body) { return [el('h3', {}, title), ...body]; }
const json = (v) => el('pre', {}, JSON.stringify(v, null, 2));

function renderDetail(d) {
  const j = d.job;
  const pct = typeof j.progress === 'number' ? Math.max(0, Math.min(100, j.progress)) : null;
  const actions = [
    ['Retry', 'retry', j.state === 'failed' || j.state === 'completed'], ['Promote', 'promote', j.state === 'delayed'],
    ['Cancel', 'cancel', j.state === 'active' || j.state === 'waiting' || j.state === 'delayed' || j.state === 'prioritized'],
    ['Remove', 'remove', j.state !== 'active'],
  ].filter((a) => a[2]).map(([label, action]) => el('button', {
    class: 'btn' + (action === 'remove' ? ' danger' : ''), onclick: () => act({ action, id: j.id }, label + ' ' + j.id + ': done'),
  }, label));
  let attempt = 0;
  const timeline = d.timeline.map((e) => {
    if (e.event === 'active') attempt++;
    const extra = e.event === 'failed' ? e.args.failedReason : e.event === 'completed' ? JSON.stringify(e.args.returnvalue)
      : e.event === 'progress' ? JSON.stringify(e.args.data) : e.event === 'active' ? 'attempt ' + attempt : '';
    return el('li', {}, el('span', { class: 't' }, when(e.timestamp)), el('span', { class: 'ev' }, e.event), extra ? ' ' + extra : '');
  });
  $('detail').replaceChildren(
    el('h2', {}, 'Job ' + j.id + ' · ' + j.name), el('span', { class: 'state ' + j.state, id: 'detail-state' }, j.state),
    el('div', { class: 'actions' }, actions),
    ...section('Progress', pct !== null ? el('div', { class: 'progress' }, el('div', { style: 'width:' + pct + '%' })) : json(j.progress)),
    ...section('Data', json(j.data)),
    ...section('Options', json(j.opts)),
    ...(j.returnvalue !== null ? section('Return value', json(j.returnvalue)) : []),
    ...(j.failedReason ? section('Failed reason', el('pre', {}, j.failedReason)) : []),
    ...(j.stacktrace.length ? section('Stack trace', el('pre', { class: 'stack', id: 'stacktrace' }, j.stacktrace[j.stacktrace.length - 1])) : []),
    ...section('Logs', d.logs.length ? el('pre', {}, d.logs.join('\n')) : el('div', { class: 'empty' }, 'no logs')),
    ...section('Timeline', el('div', { class: 'mini' }, 'created ' + when(j.timestamp) + ' · started ' + when(j.processedOn) +
      ' · finished ' + when(j.finishedOn) + ' · attempts ' + j.attemptsMade),
      d.timeline.length ? el('ol', { class: 'timeline' }, timeline) : el('div', { class: 'empty' }, 'events trimmed')),
  );
}

let refreshing = null, again = false;
async function refresh() {
  if (refreshing) { again = true; return refreshing; }
  refreshing = (async () => {
    try {
      renderQueues(await api('/api/queues'));
      if (ui.queue) {
        renderJobs(await api('/api/jobs', { queue: ui.queue, state: ui.tab, name: ui.name, data: ui.data,
          cursor: ui.cursors[ui.page] || '', limit: 20 }));
      }
      if (ui.selected && ui.queue) {
        try { renderDetail(await api('/api/job', { queue: ui.queue, id: ui.selected })); }
        catch (e) { $('detail').replaceChildren(el('div', { class: 'empty' }, e.message)); }
      }
    } catch (e) { toast(e.message); }
  })();
  await refreshing;
  refreshing = null;
  if (again) { again = false; refresh(); }
}

$('search').addEventListener('submit', (e) => {
  e.preventDefault();
  ui.name = $('search-name').value.trim(); ui.data = $('search-data').value.trim();
  resetPaging(); refresh();
});
$('next').addEventListener('click', () => { if (ui.next) { ui.cursors[ui.page + 1] = ui.next; ui.page++; refresh(); } });
$('prev').addEventListener('click', () => { if (ui.page > 0) { ui.page--; refresh(); } });

let pending = null;
const events = new EventSource(BASE + '/api/events?token=' + encodeURIComponent(token));
events.addEventListener('open', () => { $('live').className = 'on'; $('live').textContent = 'live'; });
events.addEventListener('error', () => { $('live').className = ''; $('live').textContent = 'reconnecting\u2026'; });
events.addEventListener('queue-events', () => { pending = pending || setTimeout(() => { pending = null; refresh(); }, 50); });
refresh();
`;
