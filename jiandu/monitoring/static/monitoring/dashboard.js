// The home page's alert charts, drawn with the vendored ECharts from the json_script block the
// page embeds (no inline script: CSP). A click on a bar or slice opens the alert list so filtered.
(function () {
  "use strict";
  var source = document.getElementById("alerts-data");
  var link = document.getElementById("alerts-url");
  if (!source || !link || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var listUrl = link.getAttribute("data-url");
  var label = { active: link.getAttribute("data-active"), handled: link.getAttribute("data-handled"),
                unit: link.getAttribute("data-unit") };
  var font = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  var statusColours = { open: "#a3161c", acknowledged: "#d08a1f", dismissed: "#5b6472",
                        clue: "#163a66", resolved: "#2f8f5b" };
  var charts = [];

  function narrow() {
    return window.matchMedia("(max-width: 640px)").matches;
  }

  function draw(id, option, filter) {
    var el = document.getElementById(id);
    if (!el) {
      return;
    }
    var chart = echarts.init(el, null, { renderer: "canvas", locale: "ZH" });
    option.textStyle = { fontFamily: font };
    option.animation = false;
    chart.setOption(option);
    chart.on("click", function (params) {
      var query = filter(params);
      if (query) {
        window.location.href = listUrl + "?" + query;
      }
    });
    charts.push(chart);
  }

  var statuses = data.statuses.filter(function (s) { return s.n > 0; });
  draw("chart-alert-status", {
    tooltip: { trigger: "item", formatter: "{b}：{c} " + label.unit + "（{d}%）" },
    legend: { type: "scroll", bottom: 0 },
    series: [{
      type: "pie", radius: ["32%", "58%"], center: ["50%", "45%"], percentPrecision: 1,
      label: narrow() ? { position: "inside", formatter: "{d}%", color: "#fff" } : { formatter: "{b}\n{c}" },
      data: statuses.map(function (s) {
        return { name: s.label, value: s.n, status: s.status,
                 itemStyle: { color: statusColours[s.status] || "#3a8fb7" } };
      })
    }]
  }, function (p) { return p.data && p.data.status ? "status=" + encodeURIComponent(p.data.status) : null; });

  // Open (active) and handled alerts stacked per row, the total at the bar's end; ``rows`` are
  // drawn bottom-up, so the caller gives them smallest first.
  function stackedBars(id, rows, labelWidth, filter) {
    draw(id, {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 40, top: 30, bottom: 10, containLabel: true },
      xAxis: { type: "value", minInterval: 1, axisLabel: { show: !narrow() } },
      yAxis: {
        type: "category",
        data: rows.map(function (r) { return r.name; }),
        axisLabel: { width: narrow() ? 120 : labelWidth, overflow: "truncate" }
      },
      series: [
        { type: "bar", name: label.active, stack: "n", barMaxWidth: 18, itemStyle: { color: "#a3161c" },
          data: rows.map(function (r) { return r.active; }) },
        { type: "bar", name: label.handled, stack: "n", barMaxWidth: 18, itemStyle: { color: "#9aa5b4" },
          label: { show: true, position: "right", formatter: function (p) { return rows[p.dataIndex].total; } },
          data: rows.map(function (r) { return r.total - r.active; }) }
      ]
    }, function (p) { return filter(rows[p.dataIndex]); });
  }

  stackedBars("chart-alert-rule", data.rules.slice().sort(function (a, b) { return a.total - b.total; }),
              200, function (r) { return "rule=" + encodeURIComponent(r.rule); });
  stackedBars("chart-alert-agency", data.agencies.slice().reverse(), 240,
              function (r) { return r.agency ? "agency=" + encodeURIComponent(r.agency) : null; });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
