// The home page's charts, drawn with the vendored ECharts from the data the page embeds
// (a json_script block), so that the page needs no inline script.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var labels = data.labels;
  var font = '"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
  var palette = ["#a3161c", "#163a66", "#1f5fae", "#d08a1f", "#2f8f5b", "#6d4c9f", "#c2553a",
                 "#3a8fb7", "#8a6d3b", "#5b6472", "#b83b6b"];
  var charts = [];

  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) {
      return;
    }
    var chart = echarts.init(el, null, { renderer: "canvas", locale: "ZH" });
    option.textStyle = { fontFamily: font };
    option.color = palette;
    option.animation = false;
    chart.setOption(option);
    charts.push(chart);
  }

  function narrow() {
    return window.matchMedia("(max-width: 640px)").matches;
  }

  // Small kinds get no label of their own (they would pile up): the legend and tooltip name them.
  draw("chart-kind", {
    tooltip: { trigger: "item", formatter: "{b}：{c} " + labels.unit + "（{d}%）" },
    legend: { type: "scroll", bottom: 0 },
    series: [{
      type: "pie", radius: narrow() ? ["30%", "58%"] : ["30%", "55%"], center: ["50%", "46%"],
      minShowLabelAngle: narrow() ? 20 : 12, avoidLabelOverlap: true, percentPrecision: 1,
      label: narrow() ? { position: "inside", formatter: "{d}%", color: "#fff" }
                      : { formatter: "{b}\n{d}%" },
      data: data.kinds.map(function (r) { return { name: r.label, value: r.n }; })
    }]
  });

  var agencies = data.agencies.slice().reverse();
  draw("chart-agency", {
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    grid: { left: 8, right: 40, top: 10, bottom: 10, containLabel: true },
    xAxis: { type: "value", minInterval: 1, axisLabel: { show: !narrow() } },
    yAxis: {
      type: "category",
      data: agencies.map(function (r) { return r.name; }),
      axisLabel: { width: narrow() ? 110 : 220, overflow: "truncate" }
    },
    series: [{
      type: "bar", name: labels.records, barMaxWidth: 18,
      label: { show: true, position: "right" },
      data: agencies.map(function (r) { return r.n; })
    }]
  });

  draw("chart-month", {
    tooltip: { trigger: "axis" },
    grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
    xAxis: { type: "category", data: data.months.map(function (r) { return r.month; }) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{
      type: "bar", name: labels.records, barMaxWidth: 22, itemStyle: { color: "#163a66" },
      data: data.months.map(function (r) { return r.n; })
    }]
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
