// tacitus web UI: the pages work without this file; it adds zoom and pan to the server-drawn map
// and lets an analyst drag a rectangle on it to fill the bounding-box filter.
// The projection is Natural Earth, as in projection.py (SCALE user units per radian).
"use strict";

(function () {
  const SCALE = 100;

  function yPolynomial(phi) {
    const phi2 = phi * phi, phi4 = phi2 * phi2;
    return phi * (1.007226 + phi2 * (0.015085 + phi4 * (-0.044475 + 0.028874 * phi2 - 0.005916 * phi4)));
  }

  function xFactor(phi) {
    const phi2 = phi * phi, phi4 = phi2 * phi2;
    return 0.8707 - 0.131979 * phi2 + phi4 * (-0.013791 + phi4 * (0.003971 * phi2 - 0.001529 * phi4));
  }

  // SVG user units -> [lon, lat] in degrees (Newton's method on the latitude polynomial)
  function invert(x, y) {
    const target = -y / SCALE;
    let phi = target;
    for (let i = 0; i < 25; i++) {
      const phi2 = phi * phi, phi4 = phi2 * phi2;
      const slope = 1.007226 + phi2 * (3 * 0.015085 + phi4 * (-7 * 0.044475 + 9 * 0.028874 * phi2 - 11 * 0.005916 * phi4));
      const step = (yPolynomial(phi) - target) / slope;
      phi -= step;
      if (Math.abs(step) < 1e-9) break;
    }
    phi = Math.max(-Math.PI / 2, Math.min(Math.PI / 2, phi));
    const lon = (x / SCALE / xFactor(phi)) * 180 / Math.PI;
    return [Math.max(-180, Math.min(180, lon)), phi * 180 / Math.PI];
  }

  function viewBox(svg) {
    const b = svg.viewBox.baseVal;
    return { x: b.x, y: b.y, width: b.width, height: b.height };
  }

  function setViewBox(svg, v) {
    svg.setAttribute("viewBox", `${v.x} ${v.y} ${v.width} ${v.height}`);
    sizeDots(svg);
  }

  // Dots keep their size on screen: each is drawn in pixels around its place and scaled by the
  // user units one pixel spans now.
  function sizeDots(svg) {
    const unitsPerPixel = viewBox(svg).width / (svg.clientWidth || Number(svg.dataset.px) || 960);
    for (const dot of svg.querySelectorAll("g.dot")) {
      dot.setAttribute("transform", `translate(${dot.dataset.x} ${dot.dataset.y}) scale(${unitsPerPixel.toFixed(5)})`);
    }
  }

  function userPoint(svg, event) {
    const point = svg.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    return point.matrixTransform(svg.getScreenCTM().inverse());
  }

  function setUp(svg) {
    const [wx, wy, ww, wh] = (svg.dataset.world || "").split(" ").map(Number);
    const WORLD = { x: wx, y: wy, width: ww, height: wh };
    sizeDots(svg);
    window.addEventListener("resize", () => sizeDots(svg));

    svg.addEventListener("wheel", (event) => {
      event.preventDefault();
      const v = viewBox(svg);
      const at = userPoint(svg, event);
      const factor = event.deltaY > 0 ? 1.25 : 0.8;
      const width = Math.min(WORLD.width * 1.2, Math.max(2, v.width * factor));
      const k = width / v.width;
      setViewBox(svg, { x: at.x - (at.x - v.x) * k, y: at.y - (at.y - v.y) * k, width: width, height: v.height * k });
    }, { passive: false });

    let drag = null;
    const selectButton = document.getElementById("select-area");
    const bboxInput = document.getElementById("f-bbox");
    svg.addEventListener("pointerdown", (event) => {
      if (event.target.closest("a")) return;
      const at = userPoint(svg, event);
      const selecting = svg.classList.contains("selecting") || event.shiftKey;
      drag = { start: at, view: viewBox(svg), selecting: selecting, rect: null };
      if (selecting) {
        drag.rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
        drag.rect.setAttribute("class", "selecting");
        drag.rect.setAttribute("vector-effect", "non-scaling-stroke");
        svg.appendChild(drag.rect);
      }
      svg.setPointerCapture(event.pointerId);
    });
    svg.addEventListener("pointermove", (event) => {
      if (!drag) return;
      if (drag.selecting) {
        const at = userPoint(svg, event);
        drag.rect.setAttribute("x", Math.min(at.x, drag.start.x));
        drag.rect.setAttribute("y", Math.min(at.y, drag.start.y));
        drag.rect.setAttribute("width", Math.abs(at.x - drag.start.x));
        drag.rect.setAttribute("height", Math.abs(at.y - drag.start.y));
      } else {
        // pan: move the view by the pointer's travel, measured in the view the drag began in
        const scale = drag.view.width / svg.clientWidth;
        const dx = (event.movementX || 0) * scale, dy = (event.movementY || 0) * scale;
        const v = viewBox(svg);
        setViewBox(svg, { x: v.x - dx, y: v.y - dy, width: v.width, height: v.height });
      }
    });
    svg.addEventListener("pointerup", (event) => {
      if (!drag) return;
      const done = drag;
      drag = null;
      if (!done.selecting) return;
      const end = userPoint(svg, event);
      done.rect.remove();
      if (Math.abs(end.x - done.start.x) < 0.05 || Math.abs(end.y - done.start.y) < 0.05) return;
      const corners = [[done.start.x, done.start.y], [end.x, end.y], [done.start.x, end.y], [end.x, done.start.y]]
        .map(([x, y]) => invert(x, y));
      const lons = corners.map((c) => c[0]), lats = corners.map((c) => c[1]);
      const box = [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)].map((v) => v.toFixed(2));
      if (bboxInput) {
        bboxInput.value = box.join(",");
        bboxInput.form.submit();
      }
    });

    if (selectButton) {
      selectButton.addEventListener("click", () => {
        svg.classList.toggle("selecting");
        selectButton.classList.toggle("secondary");
      });
    }
    const worldButton = document.getElementById("zoom-world");
    if (worldButton) worldButton.addEventListener("click", () => setViewBox(svg, WORLD));
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const svg of document.querySelectorAll("svg.map")) setUp(svg);
  });
})();
