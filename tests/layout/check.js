/* Layout check, appended to a copy of a published page by
 * tests/report-layout.sh and run by headless Chromium (--dump-dom): it
 * writes one finding per line into a <pre> (and to the parent frame). An element
 * counts as too wide when it reaches past the viewport and no ancestor
 * scrolls or clips it (wide tables scroll in their own container). */
(function () {
  "use strict";
  var W = document.documentElement.clientWidth, out = ["VIEWPORT " + W];
  function contained(e) {
    for (var p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      var o = getComputedStyle(p).overflowX;
      if (o === "auto" || o === "scroll" || o === "hidden") return true;
    }
    return false;
  }
  function name(e) {
    return e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
           (typeof e.className === "string" && e.className ? "." + e.className.split(" ").join(".") : "");
  }
  Array.prototype.forEach.call(document.querySelectorAll("body *"), function (e) {
    var r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) return;
    if ((r.right > W + 0.5 || r.left < -0.5) && !contained(e))
      out.push("WIDE " + name(e) + " " + Math.round(r.left) + ".." + Math.round(r.right));
  });
  if (document.documentElement.scrollWidth > W)
    out.push("WIDE page scrollWidth " + document.documentElement.scrollWidth);
  var svgs = document.querySelectorAll("figure.chart-fig svg, svg.trend");
  out.push("CHARTS " + svgs.length);
  Array.prototype.forEach.call(svgs, function (svg) {
    var r = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal;
    if (r.width < 1 || r.height < 1 || !vb || vb.width === 0) {
      out.push("EMPTYCHART " + name(svg.parentElement));
      return;
    }
    var sc = r.width / vb.width, min = 1e9;
    Array.prototype.forEach.call(svg.querySelectorAll("text"), function (t) {
      if (!t.textContent || t.getBoundingClientRect().width === 0) return;
      min = Math.min(min, parseFloat(getComputedStyle(t).fontSize) * sc);
    });
    /* chart text the SVG's own box cuts off (the flame graph's labels are
     * truncated by its script) */
    var box = svg.getBoundingClientRect(), cut = 0;
    if (!svg.classList.contains("flame"))
      Array.prototype.forEach.call(svg.querySelectorAll("text"), function (t) {
        var r = t.getBoundingClientRect();
        if (r.width > 0 && (r.right > box.right + 1 || r.left < box.left - 1) && cut++ < 3)
          out.push("CLIPPED " + name(svg.parentElement) + ": " + t.textContent.slice(0, 40));
      });
    out.push("FONT " + name(svg.parentElement) + " " + (min === 1e9 ? "none" : min.toFixed(1)));
  });
  /* Tables scroll in their own container when they must; the first one
   * (the summary) and the decision block never should. */
  Array.prototype.forEach.call(document.querySelectorAll(".table-wrap"), function (e, i) {
    var th = e.querySelector("th:last-child");
    out.push((e.scrollWidth <= e.clientWidth + 1 ? "FITS " : "SCROLLS ") +
             (i === 0 ? "summary" : "table" + (i + 1)) + " " + e.scrollWidth + "/" +
             e.clientWidth + " (last column: " + (th ? th.textContent : "") + ")");
  });
  /* Squeezed text: a word of a table, list or paragraph broken across
   * lines although it is short (long identifiers may break; lines may break
   * after - and /), and a table cell under 60 px whose text takes more than
   * one line. */
  function lines(range) {
    var tops = {};
    Array.prototype.forEach.call(range.getClientRects(), function (r) {
      if (r.width > 0) tops[Math.round(r.top)] = 1;
    });
    return Object.keys(tops).length;
  }
  var broken = 0, narrow = 0;
  Array.prototype.forEach.call(document.querySelectorAll("main td, main th, main li, main p"), function (e) {
    var walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT), t, m;
    while ((t = walk.nextNode())) {
      if (t.parentElement.closest("code, pre, svg") || t.parentElement.closest("td, th, li, p") !== e) continue;
      var re = /[^\s\/-]+/g; /* a line may break after - or / */
      while ((m = re.exec(t.data)) && broken < 20) {
        var rg = document.createRange();
        rg.setStart(t, m.index);
        rg.setEnd(t, m.index + m[0].length);
        if (m[0].length >= 2 && m[0].length <= 24 && lines(rg) > 1) {
          broken++;
          out.push("BROKEN \"" + m[0] + "\" in " + name(e));
        }
      }
    }
    if (e.tagName === "TD" && getComputedStyle(e).display === "table-cell" &&
        e.getBoundingClientRect().width < 60 && narrow < 20) {
      var all = document.createRange();
      all.selectNodeContents(e);
      if (lines(all) > 1) {
        narrow++;
        out.push("NARROW " + name(e) + " " + Math.round(e.getBoundingClientRect().width) +
                 " px: " + e.textContent.trim().slice(0, 30));
      }
    }
  });
  var dec = document.querySelector("main > blockquote");
  if (dec) out.push((dec.scrollWidth <= dec.clientWidth + 1 ? "FITS " : "SCROLLS ") + "decision");
  /* Where the decision block ends, from the top of the page (CSS px). */
  if (dec) out.push("DECISION_BOTTOM " + Math.ceil(dec.getBoundingClientRect().bottom + window.scrollY));
  if (window.location.hash === "#zoom") {
    var g = document.querySelectorAll("figure.flame g.fr")[1];
    if (g) {
      g.dispatchEvent(new MouseEvent("click", { bubbles: true }));
      var svg = g.ownerSVGElement, w = +g.querySelector("rect").getAttribute("width");
      out.push("ZOOM " + (Math.abs(w - svg.viewBox.baseVal.width) < 1 ? "ok" : "failed " + w));
      /* search: the zoomed frame's own name must be found */
      var fig = document.getElementById("chart-flame"), q = fig.querySelector("input[type=search]");
      q.value = g.querySelector("title").textContent.split("\n")[0];
      q.dispatchEvent(new Event("input"));
      out.push("SEARCH " + fig.querySelectorAll("g.fr.hit").length);
      var neg = fig.querySelector("input[type=checkbox]");
      neg.click();
      out.push("NEGATED " + (fig.querySelector("g.axis").textContent.indexOf("direct profile") >= 0 ? "ok" : "failed"));
      neg.click();
      q.value = "";
      q.dispatchEvent(new Event("input"));
      g.dispatchEvent(new MouseEvent("click", { bubbles: true }));
      fig.scrollIntoView();
    }
  }
  var flame = document.querySelector("figure.flame");
  if (flame) out.push("FLAME " + (flame.getAttribute("data-ready") ? "interactive" : "static"));
  var pre = document.createElement("pre");
  pre.id = "layout-check";
  pre.textContent = out.join("\n");
  document.body.appendChild(pre);
  if (window.parent !== window) window.parent.postMessage(pre.textContent, "*");
})();
