// Electronic supervision dashboard: the numbers are rendered by the server; this script
// refreshes them from the stats API every 15 s and draws the charts with ECharts (npm
// package, served from /static/vendor/). Without JavaScript the page still shows every figure.
(function () {
  'use strict';
  var REFRESH_MS = 15000;
  var root = document.getElementById('sv-dashboard');
  if (!root) return;
  var url = root.getAttribute('data-stats-url');
  var charts = {};

  function setText(id, value) {
    var el = document.getElementById(id);
    if (el) el.textContent = String(value);
  }

  function chart(id) {
    var el = document.getElementById(id);
    if (!el || !window.echarts) return null;
    if (!charts[id]) charts[id] = window.echarts.init(el, null, { renderer: 'canvas' });
    return charts[id];
  }

  function drawTrend(stats) {
    var c = chart('sv-trend');
    if (!c) return;
    c.setOption({
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { data: ['黄灯预警', '超期及违规告警'] },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: stats.trend.map(function (d) { return d.date.slice(5); }) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: '黄灯预警', type: 'line', data: stats.trend.map(function (d) { return d.warnings; }), color: '#b7791f' },
        { name: '超期及违规告警', type: 'line', data: stats.trend.map(function (d) { return d.violations; }), color: '#b42318' }
      ]
    });
  }

  function drawDepts(stats) {
    var el = document.getElementById('sv-depts');
    if (!el || !window.echarts) return;
    var rows = stats.by_dept.slice(0, 15).reverse();
    // One bar per department: the chart grows with the number of departments shown.
    var height = Math.max(140, 70 + rows.length * 34) + 'px';
    if (el.style.height !== height) {
      el.style.height = height;
      if (charts['sv-depts']) charts['sv-depts'].resize();
    }
    var c = chart('sv-depts');
    c.setOption({
      animation: false,
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      legend: { data: ['红灯', '黄灯', '绿灯'] },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: rows.map(function (d) { return d.unit_name; }) },
      series: [
        { name: '红灯', type: 'bar', stack: 'n', barMaxWidth: 22, data: rows.map(function (d) { return d.red; }), color: '#b42318' },
        { name: '黄灯', type: 'bar', stack: 'n', data: rows.map(function (d) { return d.yellow; }), color: '#d69e2e' },
        { name: '绿灯', type: 'bar', stack: 'n', data: rows.map(function (d) { return d.green; }), color: '#2f855a' }
      ]
    });
  }

  function fillDeptTable(stats) {
    var body = document.querySelector('#sv-dept-table tbody');
    if (!body) return;
    body.textContent = '';
    stats.by_dept.forEach(function (d) {
      var tr = document.createElement('tr');
      [d.unit_name, d.red, d.yellow, d.green, d.paused].forEach(function (v) {
        var td = document.createElement('td');
        td.textContent = String(v);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function render(stats) {
    setText('sv-as-of', stats.as_of);
    setText('sv-total', stats.clocks.total);
    setText('sv-green', stats.clocks.green);
    setText('sv-yellow', stats.clocks.yellow);
    setText('sv-red', stats.clocks.red);
    setText('sv-paused', stats.clocks.paused);
    setText('sv-alerts-open', stats.alerts.unresolved);
    setText('sv-yellow-cards', stats.alerts.yellow_cards);
    setText('sv-red-cards', stats.alerts.red_cards);
    fillDeptTable(stats);
    drawTrend(stats);
    drawDepts(stats);
    root.setAttribute('data-refreshed', String(Date.now()));
  }

  function refresh() {
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (stats) { if (stats) render(stats); })
      .catch(function () { /* keep the last figures; try again at the next interval */ });
  }

  window.addEventListener('resize', function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });
  refresh();
  setInterval(refresh, REFRESH_MS);
})();
