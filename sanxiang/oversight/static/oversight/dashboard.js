/* Oversight dashboards: draws each chart from its json_script data (no inline script: the CSP forbids it).
   Every chart's numbers are also in the table below it, so nothing is lost without JavaScript. */
(function () {
  "use strict";

  function percentAxis(style) {
    return style === "rate" ? { type: "value", max: 100, axisLabel: { formatter: "{value}%" } } : { type: "value" };
  }

  function option(data) {
    var stacked = data.style === "stack";
    var line = data.style === "line";
    var categoryAxis = { type: "category", data: data.categories, axisLabel: { hideOverlap: true } };
    var valueAxis = percentAxis(data.style);
    if (data.horizontal) {
      categoryAxis.inverse = true;
      categoryAxis.axisLabel.width = 110;
      categoryAxis.axisLabel.overflow = "truncate";
    }
    return {
      animation: false,
      tooltip: { trigger: "axis", confine: true },
      legend: { type: "scroll", top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: data.horizontal ? valueAxis : categoryAxis,
      yAxis: data.horizontal ? categoryAxis : valueAxis,
      series: data.series.map(function (s) {
        return {
          name: s.name,
          type: line ? "line" : "bar",
          stack: stacked ? "total" : undefined,
          data: s.data,
          barMaxWidth: 36
        };
      })
    };
  }

  function draw() {
    if (typeof window.echarts === "undefined") {
      return;
    }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) {
        return;
      }
      var data = JSON.parse(source.textContent);
      if (data.horizontal) {
        el.classList.add("dash-chart--rows-" + Math.min(20, Math.max(3, data.categories.length)));
      }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option(data));
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
    window.addEventListener("beforeprint", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
