// The query page: YASGUI against this service's /sparql, one tab per named query, and a
// bar chart of the results when the query groups and counts. Everything is served from
// this service: no CDN, no autocompletion from the web.
(function () {
  "use strict";
  var host = document.getElementById("yasgui");
  var configEl = document.getElementById("yasgui-config");
  if (!host || !configEl || typeof Yasgui === "undefined") {
    return;
  }
  var config = JSON.parse(configEl.textContent);
  var endpoint = new URL(config.endpoint, window.location.href).href;
  var SVG = "http://www.w3.org/2000/svg";
  var NUMERIC = /#(integer|decimal|double|float|int|long|short|nonNegativeInteger|positiveInteger)$/;
  var yasgui = null;

  // Property and class completion asks Linked Open Vocabularies on the web: leave it out.
  var completers = Yasgui.Yasqe.defaults.autocompleters;
  var offline = completers.filter(function (n) {
    return n !== "property" && n !== "class";
  });
  completers.splice.apply(completers, [0, completers.length].concat(offline));

  function activeQuery() {
    var tab = yasgui && yasgui.getTab();
    return tab ? tab.getQuery() : "";
  }

  function isNumber(b) {
    return b && b.type !== "uri" && b.type !== "bnode" &&
      ((b.datatype && NUMERIC.test(b.datatype)) ||
       (!b.datatype && /^-?\d+(\.\d+)?$/.test(b.value)));
  }

  // Which column names the bars and which gives their length.
  function chartColumns(vars, bindings) {
    if (!bindings.length || bindings.length > 200) return null;
    var numeric = vars.filter(function (v) {
      return bindings.every(function (row) { return !row[v] || isNumber(row[v]); }) &&
        bindings.some(function (row) { return row[v]; });
    });
    if (!numeric.length) return null;
    var value = numeric.filter(function (v) { return /commitments|count|^n$|total/.test(v); })[0] ||
      numeric[0];
    var labels = vars.filter(function (v) { return numeric.indexOf(v) < 0; });
    var langLabel = labels.filter(function (v) { return v.slice(-3) === "_" + config.lang; })[0];
    var literal = labels.filter(function (v) {
      return bindings.some(function (row) { return row[v] && row[v].type !== "uri"; });
    })[0];
    var label = langLabel || literal || labels[0];
    if (!label) return null;
    return { label: label, value: value };
  }

  function shortName(b) {
    if (!b) return "";
    if (b.type === "uri") {
      var v = b.value;
      return v.slice(Math.max(v.lastIndexOf("/"), v.lastIndexOf("#")) + 1) || v;
    }
    return b.value;
  }

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // A YASR plugin: horizontal bars, the label above each bar.
  function ChartPlugin(yasr) {
    this.yasr = yasr;
    this.priority = 5;
    this.label = config.chartLabel;
  }
  ChartPlugin.prototype.columns = function () {
    var results = this.yasr.results;
    if (!results || results.hasError() || !results.getBindings) return null;
    if (!/\bGROUP\s+BY\b/i.test(activeQuery()) || !/\bCOUNT\s*\(/i.test(activeQuery())) {
      return null;
    }
    var bindings = results.getBindings() || [];
    return chartColumns(results.getVariables() || [], bindings);
  };
  ChartPlugin.prototype.canHandleResults = function () {
    return !!this.columns();
  };
  ChartPlugin.prototype.getIcon = function () {
    var svg = el("svg", { viewBox: "0 0 16 16", width: "16", height: "16", "aria-hidden": "true" });
    [[1, 3, 12], [1, 7, 8], [1, 11, 14]].forEach(function (r) {
      svg.appendChild(el("rect", { x: r[0], y: r[1], width: r[2], height: "3", fill: "currentColor" }));
    });
    var wrap = document.createElement("div");
    wrap.appendChild(svg);
    return wrap;
  };
  ChartPlugin.prototype.draw = function () {
    var cols = this.columns();
    var target = this.yasr.resultsEl;
    if (!cols) return;
    var rows = this.yasr.results.getBindings();
    var width = 600, row = 34, room = 60;
    var top = Math.max.apply(null, rows.map(function (r) { return Number(r[cols.value] ? r[cols.value].value : 0); })) || 1;
    var svg = el("svg", {
      viewBox: "0 0 " + width + " " + (rows.length * row + 4),
      role: "img",
      "aria-label": config.chartLabel + ": " + cols.value,
      width: "100%",
      preserveAspectRatio: "xMinYMin meet",
    });
    rows.forEach(function (r, i) {
      var n = Number(r[cols.value] ? r[cols.value].value : 0);
      var name = shortName(r[cols.label]);
      var y = i * row;
      var g = el("g", { class: "bar" });
      g.appendChild(el("title", {}, name + ": " + n));
      g.appendChild(el("text", { x: 0, y: y + 13, class: "label" }, name));
      g.appendChild(el("rect", { x: 0, y: y + 17, height: 12, rx: 2,
        width: Math.round((width - room) * n / top * 10) / 10 }));
      g.appendChild(el("text", { x: (width - room) * n / top + 6, y: y + 28, class: "value" }, String(n)));
      svg.appendChild(g);
    });
    var wrap = document.createElement("div");
    wrap.className = "pg-chart";
    wrap.appendChild(svg);
    target.appendChild(wrap);
  };
  Yasgui.Yasr.registerPlugin("chart", ChartPlugin);

  yasgui = new Yasgui(host, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    persistenceId: null,
    populateFromUrl: false,
    autoAddOnInit: false,
    autofocus: false,
    endpointCatalogueOptions: {
      getData: function () { return [{ endpoint: endpoint }]; },
    },
    yasqe: { value: config.tabs.length ? config.tabs[0].query : "" },
    yasr: { prefixes: config.prefixes, persistenceId: null },
  });
  var tabIds = {};
  config.tabs.forEach(function (q, i) {
    var tab = yasgui.addTab(i === 0, {
      name: q.title,
      yasqe: { value: q.query },
      requestConfig: { endpoint: endpoint },
    });
    tabIds[q.name] = tab.getId();
  });
  window.platformGraphYasgui = yasgui;

  // The list of named queries below the editor opens each one's tab.
  document.querySelectorAll("a[data-tab]").forEach(function (a) {
    a.addEventListener("click", function (event) {
      var id = tabIds[a.getAttribute("data-tab")];
      if (!id) return;
      event.preventDefault();
      yasgui.selectTabId(id);
      host.scrollIntoView();
      var tabLink = document.getElementById("tab-" + id);
      if (tabLink) tabLink.focus();
    });
  });

  // Links to the graph's own IRIs open here, not on the web.
  function localise(event) {
    var a = event.target.closest && event.target.closest("a[href]");
    if (a && a.href.indexOf(config.idBase) === 0) {
      a.href = "/id/" + a.href.slice(config.idBase.length);
    }
  }
  host.addEventListener("click", localise, true);
  host.addEventListener("auxclick", localise, true);
  host.addEventListener("keydown", function (e) { if (e.key === "Enter") localise(e); }, true);
})();
