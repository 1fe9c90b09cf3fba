// noble explorer: hand-written, no dependencies, no build step.
//
// It reads the model's metadata from /api/model, then keeps one "current"
// synthetic neuron (the sliders), any number of pinned neurons for
// comparison, an optional ensemble band, and redraws four views: the
// voltage trace, the embedding plane, the F-I curve and the feature table.
// Requests are debounced and the stale ones aborted, so dragging a slider
// never queues work on the server.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  // The SVG namespace is taken from an SVG element of the page.
  const SVGNS = $('trace').namespaceURI;
  const COLORS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
  const TABLE_FEATURES = ['Spikecount', 'mean_frequency', 'time_to_first_spike', 'AP1_peak', 'AP1_width',
    'mean_AP_amplitude', 'ISI_CV', 'AHP_depth', 'adaptation_index2', 'voltage_base', 'steady_state_voltage',
    'minimum_voltage', 'sag_amplitude'];
  const FI_POINTS = 11;

  const state = {
    model: null,
    cur: { i_thr: 0, s_thr: 0, amp: 0 },
    trace: null,      // current: {v_mv, features, warnings, in_range}
    fi: null,         // current F-I points
    pins: [],         // {id, color, stim, trace, features, fi}
    band: null,       // ensemble response
    nextPin: 0,
    draws: 0,
  };

  // ---------- small helpers ----------

  function el(tag, attrs, parent) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

  function fmt(x, digits) {
    if (x === null || x === undefined || !isFinite(x)) return '—';
    const a = Math.abs(x);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return x.toExponential((digits || 4) - 1);
    return Number(x.toPrecision(digits || 4)).toString();
  }

  function setStatus(msg, isError) {
    const s = $('status');
    s.textContent = msg;
    s.classList.toggle('error', !!isError);
  }

  function debounce(fn, ms) {
    let t = null;
    return function () {
      clearTimeout(t);
      t = setTimeout(fn, ms);
    };
  }

  // api posts body to path and returns the parsed JSON; a JSON error body
  // becomes an Error with the server's message. signal aborts.
  async function api(path, body, signal) {
    const res = await fetch(path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signal,
    });
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      throw new Error(res.status + ' ' + res.statusText);
    }
    if (!res.ok) throw new Error(data && data.error ? data.error : res.status + ' ' + res.statusText);
    return data;
  }

  // latest wraps an async task so that starting it again aborts the previous
  // run; an aborted run resolves to undefined.
  function latest(task) {
    let ctl = null;
    return async function () {
      if (ctl) ctl.abort();
      const mine = new AbortController();
      ctl = mine;
      try {
        return await task(mine.signal);
      } catch (e) {
        if (e.name === 'AbortError') return undefined;
        throw e;
      } finally {
        if (ctl === mine) ctl = null;
      }
    };
  }

  // niceTicks returns about n round tick values covering [lo, hi].
  function niceTicks(lo, hi, n) {
    if (!(hi > lo)) return [lo];
    const raw = (hi - lo) / n;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const m = raw / p;
    const step = (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }

  // frame draws axes, grid and labels into svg and returns the scales.
  function frame(svg, box, xr, yr, xlabel, ylabel) {
    svg.replaceChildren();
    const W = box.w, H = box.h, m = { l: 56, r: 12, t: 10, b: 40 };
    const x = (v) => m.l + (v - xr[0]) / (xr[1] - xr[0]) * (W - m.l - m.r);
    const y = (v) => H - m.b - (v - yr[0]) / (yr[1] - yr[0]) * (H - m.t - m.b);
    const g = el('g', { class: 'axis' }, svg);
    for (const v of niceTicks(xr[0], xr[1], 8)) {
      el('line', { x1: x(v), x2: x(v), y1: m.t, y2: H - m.b, class: 'grid' }, g);
      el('text', { x: x(v), y: H - m.b + 15, 'text-anchor': 'middle' }, g).textContent = fmt(v, 3);
    }
    for (const v of niceTicks(yr[0], yr[1], 6)) {
      el('line', { x1: m.l, x2: W - m.r, y1: y(v), y2: y(v), class: 'grid' }, g);
      el('text', { x: m.l - 6, y: y(v) + 4, 'text-anchor': 'end' }, g).textContent = fmt(v, 3);
    }
    el('path', { d: `M${m.l},${m.t}V${H - m.b}H${W - m.r}`, fill: 'none' }, g);
    el('text', { x: (m.l + W - m.r) / 2, y: H - 6, 'text-anchor': 'middle', class: 'label' }, svg).textContent = xlabel;
    el('text', { x: 14, y: (m.t + H - m.b) / 2, 'text-anchor': 'middle', class: 'label',
      transform: `rotate(-90 14 ${(m.t + H - m.b) / 2})` }, svg).textContent = ylabel;
    return { x, y, m, W, H };
  }

  // tracePath is the SVG path of v (mV) sampled every dt ms, reduced to the
  // minimum and maximum of each pixel column so that spikes stay visible.
  function tracePath(v, dt, sc, x0, x1) {
    const n = v.length, px = Math.max(1, Math.round(sc.x(x1) - sc.x(x0)));
    const parts = [];
    const per = n / px;
    for (let b = 0; b < px; b++) {
      const i0 = Math.floor(b * per), i1 = Math.max(i0 + 1, Math.floor((b + 1) * per));
      let lo = i0, hi = i0;
      for (let i = i0; i < i1 && i < n; i++) {
        if (v[i] < v[lo]) lo = i;
        if (v[i] > v[hi]) hi = i;
      }
      const a = Math.min(lo, hi), c = Math.max(lo, hi);
      parts.push(sc.x(a * dt).toFixed(1) + ',' + sc.y(v[a]).toFixed(1));
      if (c !== a) parts.push(sc.x(c * dt).toFixed(1) + ',' + sc.y(v[c]).toFixed(1));
    }
    return 'M' + parts.join('L');
  }

  function bandPath(lo, hi, dt, sc) {
    const px = Math.max(1, Math.round(sc.x(lo.length * dt) - sc.x(0)));
    const per = lo.length / px, top = [], bot = [];
    for (let b = 0; b < px; b++) {
      const i0 = Math.floor(b * per), i1 = Math.max(i0 + 1, Math.floor((b + 1) * per));
      let mn = Infinity, mx = -Infinity;
      for (let i = i0; i < i1 && i < lo.length; i++) {
        mn = Math.min(mn, lo[i]);
        mx = Math.max(mx, hi[i]);
      }
      const xx = sc.x(((i0 + i1) / 2) * dt).toFixed(1);
      top.push(xx + ',' + sc.y(mx).toFixed(1));
      bot.push(xx + ',' + sc.y(mn).toFixed(1));
    }
    return 'M' + top.join('L') + 'L' + bot.reverse().join('L') + 'Z';
  }

  // ---------- sliders ----------

  const sliders = {
    i_thr: { input: $('ithr'), out: $('ithr-val'), unit: 'nA' },
    s_thr: { input: $('sthr'), out: $('sthr-val'), unit: 'Hz/nA' },
    amp: { input: $('amp'), out: $('amp-val'), unit: 'nA' },
  };

  function setupSliders() {
    for (const key in sliders) {
      const r = state.model.ranges[key], s = sliders[key];
      s.input.min = r.hard_min;
      s.input.max = r.hard_max;
      s.input.step = (r.hard_max - r.hard_min) / 1000;
      s.input.addEventListener('input', () => {
        state.cur[key] = Number(s.input.value);
        showValues();
        scheduleUpdate();
      });
    }
  }

  function showValues() {
    for (const key in sliders) {
      const r = state.model.ranges[key], s = sliders[key], v = state.cur[key];
      s.input.value = v;
      s.out.textContent = fmt(v, 4) + ' ' + s.unit;
      s.out.classList.toggle('out', v < r.min || v > r.max);
      s.out.title = v < r.min || v > r.max ? `outside the training range [${fmt(r.min)}, ${fmt(r.max)}]` : '';
    }
  }

  function setCurrent(stim) {
    for (const key in sliders) {
      const r = state.model.ranges[key];
      if (stim[key] !== undefined) state.cur[key] = Math.min(r.hard_max, Math.max(r.hard_min, stim[key]));
    }
    showValues();
    scheduleUpdate();
  }

  // ---------- requests ----------

  const fetchTrace = latest(async (signal) => {
    const t0 = performance.now();
    setStatus('synthesising…');
    const stim = Object.assign({}, state.cur);
    // The sliders reach past the training ranges (to the hard limits), so
    // the explorer opts in to extrapolation and shows each warning.
    const res = await api('/api/synth', Object.assign({ extrapolate: true }, stim), signal);
    const tr = res.traces[0];
    state.trace = { stim, v_mv: tr.v_mv, features: tr.features, warnings: tr.warnings || [], in_hull: tr.in_hull };
    setStatus(`trace in ${Math.round(performance.now() - t0)} ms`);
    return true;
  });

  const fetchFI = latest(async (signal) => {
    state.fi = await fiOf(state.cur, signal);
    return true;
  });

  async function fiOf(stim, signal) {
    const r = state.model.ranges.amp;
    const res = await api('/api/fi', {
      i_thr: stim.i_thr, s_thr: stim.s_thr, extrapolate: true,
      amp_min: Math.max(0, r.min), amp_max: r.max, points: FI_POINTS,
    }, signal);
    return res.points;
  }

  function report(e) {
    setStatus(e.message, true);
  }

  const updateTrace = debounce(() => {
    fetchTrace().then((ok) => {
      if (ok) {
        drawAll();
        document.body.dataset.state = 'ready';
      }
    }, report);
  }, 90);

  const updateFI = debounce(() => {
    fetchFI().then((ok) => { if (ok) drawFI(); }, report);
  }, 450);

  function scheduleUpdate() {
    drawPlane();
    updateTrace();
    updateFI();
  }

  // ---------- drawing ----------

  function drawAll() {
    drawTrace();
    drawPlane();
    drawFI();
    drawTable();
    drawLegend();
    drawWarnings();
    state.draws++;
    document.body.dataset.draws = String(state.draws);
  }

  function drawTrace() {
    const svg = $('trace'), p = state.model.protocol, dt = p.dt_ms, T = p.length * dt;
    const series = state.pins.filter((q) => q.trace).map((q) => ({ v: q.trace, color: q.color, id: 'trace-pin-' + q.id }));
    if (state.trace) series.push({ v: state.trace.v_mv, color: null, id: 'trace-current' });
    let lo = Infinity, hi = -Infinity;
    for (const s of series) for (const u of s.v) { if (u < lo) lo = u; if (u > hi) hi = u; }
    if (state.band) {
      for (const u of state.band.band.min) if (u < lo) lo = u;
      for (const u of state.band.band.max) if (u > hi) hi = u;
    }
    if (!isFinite(lo)) { lo = -90; hi = 40; }
    const pad = Math.max(1, (hi - lo) * 0.05);
    const sc = frame(svg, { w: 820, h: 330 }, [0, T], [lo - pad, hi + pad], 'time (ms)', 'voltage (mV)');
    // stimulus window, behind everything
    const stim = el('rect', { x: sc.x(p.stim_start_ms), y: sc.m.t, width: sc.x(p.stim_end_ms) - sc.x(p.stim_start_ms),
      height: sc.H - sc.m.t - sc.m.b, class: 'stim' });
    svg.insertBefore(stim, svg.firstChild);
    if (state.band) {
      const b = state.band.band;
      el('path', { d: bandPath(b.min, b.max, dt, sc), class: 'band-outer', id: 'band-outer' }, svg);
      el('path', { d: bandPath(b.q05, b.q95, dt, sc), class: 'band', id: 'band' }, svg);
      el('path', { d: tracePath(b.mean, dt, sc, 0, T), class: 'band-mean' }, svg);
    }
    for (const s of series) {
      const path = el('path', { d: tracePath(s.v, dt, sc, 0, T), class: 'trace' + (s.color ? '' : ' current'), id: s.id }, svg);
      if (s.color) path.setAttribute('stroke', s.color);
    }
  }

  function drawPlane() {
    const svg = $('plane'), R = state.model.ranges, ri = R.i_thr, rs = R.s_thr;
    const sc = frame(svg, { w: 400, h: 330 }, [ri.hard_min, ri.hard_max], [rs.hard_min, rs.hard_max],
      'I_thr (nA)', 's_thr (Hz/nA)');
    const under = el('g', {});
    svg.insertBefore(under, svg.firstChild);
    el('rect', { x: sc.x(ri.hard_min), y: sc.y(rs.hard_max), width: sc.x(ri.hard_max) - sc.x(ri.hard_min),
      height: sc.y(rs.hard_min) - sc.y(rs.hard_max), class: 'hardrange' }, under);
    el('rect', { x: sc.x(ri.min), y: sc.y(rs.max), width: sc.x(ri.max) - sc.x(ri.min),
      height: sc.y(rs.min) - sc.y(rs.max), class: 'trainrange' }, under);
    const hull = state.model.hull;
    if (hull.length >= 3) {
      el('path', { d: 'M' + hull.map((h) => sc.x(h.i_thr).toFixed(1) + ',' + sc.y(h.s_thr).toFixed(1)).join('L') + 'Z',
        class: 'hull', id: 'hull' }, svg);
    }
    for (const h of state.model.hof) {
      const c = el('circle', { cx: sc.x(h.i_thr), cy: sc.y(h.s_thr), r: 3.2, class: h.split === 'test' ? 'hof-test' : 'hof-train' }, svg);
      el('title', {}, c).textContent = `${h.name}${h.split ? ' (' + h.split + ')' : ''}: I_thr ${fmt(h.i_thr)} nA, s_thr ${fmt(h.s_thr)} Hz/nA`;
    }
    if (state.band) {
      for (const s of state.band.samples) el('circle', { cx: sc.x(s.i_thr), cy: sc.y(s.s_thr), r: 2, class: 'sample' }, svg);
    }
    for (const q of state.pins) {
      el('circle', { cx: sc.x(q.stim.i_thr), cy: sc.y(q.stim.s_thr), r: 5, fill: q.color, stroke: '#fff', 'stroke-width': 1.5 }, svg);
    }
    const cx = sc.x(state.cur.i_thr), cy = sc.y(state.cur.s_thr);
    el('circle', { cx, cy, r: 7, class: 'cursor', id: 'cursor' }, svg);
    el('path', { d: `M${cx - 11},${cy}H${cx - 4}M${cx + 4},${cy}H${cx + 11}M${cx},${cy - 11}V${cy - 4}M${cx},${cy + 4}V${cy + 11}`, class: 'cursor' }, svg);
    svg._scale = sc;
    svg._range = [ri, rs];
  }

  function drawFI() {
    const svg = $('fi'), r = state.model.ranges.amp;
    const curves = state.pins.filter((q) => q.fi).map((q) => ({ pts: q.fi, color: q.color, id: 'fi-pin-' + q.id }));
    if (state.fi) curves.push({ pts: state.fi, color: '#111827', id: 'fi-current' });
    let hi = 1;
    for (const c of curves) for (const p of c.pts) hi = Math.max(hi, p.rate);
    const sc = frame(svg, { w: 400, h: 280 }, [Math.max(0, r.min), r.max], [0, hi * 1.05], 'amplitude (nA)', 'firing rate (Hz)');
    if (curves.length === 0) {
      el('text', { x: sc.W / 2, y: sc.H / 2, 'text-anchor': 'middle', class: 'empty' }, svg).textContent = 'computing…';
    }
    for (const c of curves) {
      el('path', { d: 'M' + c.pts.map((p) => sc.x(p.amp).toFixed(1) + ',' + sc.y(p.rate).toFixed(1)).join('L'),
        class: 'fi-line', stroke: c.color, id: c.id }, svg);
      for (const p of c.pts) el('circle', { cx: sc.x(p.amp), cy: sc.y(p.rate), r: 2.5, fill: c.color }, svg);
    }
  }

  function columns() {
    const cols = [];
    if (state.trace) cols.push({ name: 'current', color: '#111827', features: state.trace.features, stim: state.trace.stim });
    for (const q of state.pins) cols.push({ name: 'pin ' + (q.id + 1), color: q.color, features: q.features, stim: q.stim });
    return cols;
  }

  function first(features, name) {
    const v = features && features[name];
    return Array.isArray(v) && v.length > 0 ? v[0] : null;
  }

  function drawTable() {
    const table = $('features'), cols = columns();
    const head = document.createElement('tr');
    const th0 = document.createElement('th');
    th0.textContent = 'feature';
    head.appendChild(th0);
    for (const c of cols) {
      const th = document.createElement('th');
      const dot = document.createElement('i');
      dot.style.background = c.color;
      th.append(dot, c.name);
      head.appendChild(th);
    }
    if (state.band) {
      const th = document.createElement('th');
      th.textContent = `ensemble (${state.band.n})`;
      th.title = 'mean ± standard deviation (samples where defined)';
      head.appendChild(th);
    }
    table.tHead.replaceChildren(head);
    const rows = [];
    for (const name of TABLE_FEATURES) {
      const tr = document.createElement('tr');
      const td0 = document.createElement('td');
      td0.textContent = name;
      tr.appendChild(td0);
      for (const c of cols) {
        const td = document.createElement('td');
        td.textContent = fmt(first(c.features, name));
        tr.appendChild(td);
      }
      if (state.band) {
        const s = state.band.features[name], td = document.createElement('td');
        td.textContent = s && s.n > 0 ? `${fmt(s.mean, 3)} ± ${fmt(s.std, 2)}` : '—';
        tr.appendChild(td);
      }
      rows.push(tr);
    }
    table.tBodies[0].replaceChildren(...rows);
  }

  function drawLegend() {
    const lg = $('legend');
    const items = [];
    const mk = (color, text, pin) => {
      const s = document.createElement('span');
      const i = document.createElement('i');
      i.style.background = color;
      s.append(i, text);
      if (pin) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = '×';
        b.title = 'remove';
        b.addEventListener('click', () => {
          state.pins = state.pins.filter((q) => q !== pin);
          drawAll();
        });
        const go = document.createElement('button');
        go.type = 'button';
        go.textContent = 'select';
        go.addEventListener('click', () => setCurrent(pin.stim));
        s.append(go, b);
      }
      items.push(s);
    };
    const label = (st) => `I_thr ${fmt(st.i_thr)} nA, s_thr ${fmt(st.s_thr)} Hz/nA, ${fmt(st.amp)} nA`;
    if (state.trace) mk('#111827', 'current: ' + label(state.trace.stim));
    for (const q of state.pins) mk(q.color, `pin ${q.id + 1}: ` + label(q.stim), q);
    if (state.band) mk('#9db4dc', `ensemble around ${label(state.band.center)}: ${state.band.n} samples, radius ${state.band.radius}, seed ${state.band.seed}`);
    lg.replaceChildren(...items);
  }

  function drawWarnings() {
    const w = $('warnings'), items = [];
    const add = (text) => {
      const d = document.createElement('div');
      d.textContent = text;
      items.push(d);
    };
    if (state.trace) {
      for (const m of state.trace.warnings) add(m);
      if (state.trace.in_hull === false) add('outside the convex hull of the hall-of-fame embeddings');
    }
    w.replaceChildren(...items);
  }

  // ---------- interactions ----------

  function planeClick(ev) {
    const svg = $('plane'), sc = svg._scale;
    if (!sc) return;
    const pt = svg.createSVGPoint();
    pt.x = ev.clientX;
    pt.y = ev.clientY;
    const p = pt.matrixTransform(svg.getScreenCTM().inverse());
    const [ri, rs] = svg._range;
    const W = sc.W - sc.m.l - sc.m.r, H = sc.H - sc.m.t - sc.m.b;
    const i = ri.hard_min + (p.x - sc.m.l) / W * (ri.hard_max - ri.hard_min);
    const s = rs.hard_min + (sc.H - sc.m.b - p.y) / H * (rs.hard_max - rs.hard_min);
    setCurrent({ i_thr: i, s_thr: s });
  }

  async function pin() {
    if (!state.trace) return;
    const q = { id: state.nextPin++, color: COLORS[state.pins.length % COLORS.length], stim: Object.assign({}, state.trace.stim),
      trace: state.trace.v_mv, features: state.trace.features, fi: null };
    state.pins.push(q);
    drawAll();
    try {
      q.fi = await fiOf(q.stim);
      drawFI();
    } catch (e) {
      report(e);
    }
  }

  const ensemble = latest(async (signal) => {
    const body = Object.assign({}, state.cur, {
      n: Number($('ens-n').value), radius: Number($('ens-radius').value), seed: Number($('ens-seed').value),
      extrapolate: true,
    });
    setStatus(`sampling ${body.n} neurons…`);
    const t0 = performance.now();
    state.band = await api('/api/ensemble', body, signal);
    setStatus(`ensemble of ${body.n} in ${Math.round(performance.now() - t0)} ms`);
    return true;
  });

  // ---------- downloads ----------

  function save(blob, name) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }

  function csv(rows) {
    return new Blob([rows.map((r) => r.join(',')).join('\n') + '\n'], { type: 'text/csv' });
  }

  function traceCSV() {
    const dt = state.model.protocol.dt_ms, cols = columns().filter((c) => c.stim);
    const series = [];
    if (state.trace) series.push(state.trace.v_mv);
    for (const q of state.pins) series.push(q.trace);
    const head = ['t_ms'].concat(cols.map((c) => `${c.name.replace(' ', '_')}_mV(i_thr=${c.stim.i_thr};s_thr=${c.stim.s_thr};amp=${c.stim.amp})`));
    const rows = [head];
    const n = series.length ? series[0].length : 0;
    for (let j = 0; j < n; j++) rows.push([(j * dt).toFixed(4)].concat(series.map((v) => v[j])));
    return csv(rows);
  }

  function fiCSV() {
    const rows = [['curve', 'i_thr_nA', 's_thr_hz_per_nA', 'amp_nA', 'spikes', 'rate_hz']];
    const add = (name, stim, pts) => { if (pts) for (const p of pts) rows.push([name, stim.i_thr, stim.s_thr, p.amp, p.spikes, p.rate]); };
    add('current', state.cur, state.fi);
    for (const q of state.pins) add('pin_' + (q.id + 1), q.stim, q.fi);
    return csv(rows);
  }

  function featuresCSV() {
    const cols = columns();
    const rows = [['feature'].concat(cols.map((c) => c.name.replace(' ', '_')))];
    for (const name of state.model.summary_features) {
      rows.push([name].concat(cols.map((c) => { const v = first(c.features, name); return v === null ? '' : v; })));
    }
    return csv(rows);
  }

  async function traceNPY() {
    const stimuli = [Object.assign({}, state.cur)].concat(state.pins.map((q) => q.stim));
    const res = await fetch('/api/synth?format=npy', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ stimuli: stimuli, features: false, extrapolate: true }),
    });
    if (!res.ok) {
      const e = await res.json().catch(() => ({ error: res.statusText }));
      throw new Error(e.error);
    }
    save(await res.blob(), 'noble-traces.npy');
  }

  // ---------- start ----------

  async function start() {
    try {
      state.model = await api('/api/model');
    } catch (e) {
      document.body.dataset.state = 'error';
      report(e);
      return;
    }
    const m = state.model, R = m.ranges;
    $('model-summary').textContent = `FNO ${m.config.layers} layers × width ${m.config.width}, ${m.parameters.toLocaleString('en')} parameters · ` +
      `${m.protocol.length} samples at ${m.protocol.dt_ms} ms · ${m.hof.length} HoF models`;
    // The model's measured quality, from its own evaluation report (or
    // the statement that there is none), where the user looks first.
    $('model-quality').textContent = m.quality;
    setupSliders();
    const mid = (r) => (r.min + r.max) / 2;
    const ithr = mid(R.i_thr);
    state.cur = { i_thr: ithr, s_thr: mid(R.s_thr), amp: Math.min(R.amp.max, Math.max(R.amp.min, 1.5 * ithr)) };
    showValues();
    $('plane').addEventListener('click', planeClick);
    $('pin').addEventListener('click', pin);
    $('clear-pins').addEventListener('click', () => { state.pins = []; drawAll(); });
    $('ensemble').addEventListener('click', () => ensemble().then((ok) => { if (ok) drawAll(); }, report));
    $('clear-band').addEventListener('click', () => { state.band = null; drawAll(); });
    $('dl-trace-csv').addEventListener('click', () => save(traceCSV(), 'noble-traces.csv'));
    $('dl-trace-npy').addEventListener('click', () => traceNPY().catch(report));
    $('dl-fi-csv').addEventListener('click', () => save(fiCSV(), 'noble-fi.csv'));
    $('dl-features-csv').addEventListener('click', () => save(featuresCSV(), 'noble-features.csv'));
    drawPlane();
    drawFI();
    scheduleUpdate();
  }

  start();
})();
