// tierwatch network view: a dependency-free SVG renderer for a graph laid out on the server.
// Served inline by Streamlit's own component machinery (st.components.v2): no CDN, no library.
// data = {n: [[id, label, x, y, shape, colour, r, flags]], e: [[i, j, dashed]], sel: id|null,
//         colours: [...], w: width, h: height}
// flags: 1 = focus, 2 = "and N more" handle, 4 = expanded
export default function (component) {
  const { setTriggerValue, parentElement } = component;
  let data = component.data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) data = JSON.parse(new TextDecoder().decode(data));
  else if (typeof data === "string") data = JSON.parse(data);
  const NS = "http://www.w3.org/2000/svg";
  let root = parentElement.querySelector(".tw-graph");
  if (root) root.remove();
  root = document.createElement("div");
  root.className = "tw-graph";
  parentElement.appendChild(root);
  if (!data || !data.n || data.n.length === 0) {
    root.textContent = "Nothing to draw.";
    return () => root.remove();
  }
  const nodes = data.n, edges = data.e, colours = data.colours;
  const height = data.h || 620;
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const n of nodes) {
    minX = Math.min(minX, n[2]); maxX = Math.max(maxX, n[2]);
    minY = Math.min(minY, n[3]); maxY = Math.max(maxY, n[3]);
  }
  const pad = 60;
  let vb = [minX - pad, minY - pad, Math.max(maxX - minX, 1) + 2 * pad, Math.max(maxY - minY, 1) + 2 * pad];
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("width", "100%");
  svg.setAttribute("height", String(height));
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", data.title || "network");
  svg.setAttribute("data-testid", "tw-network-svg");
  svg.style.background = "#ffffff";
  svg.style.border = "1px solid #ddd";
  svg.style.cursor = "grab";
  const setVB = () => svg.setAttribute("viewBox", vb.join(" "));
  setVB();
  root.appendChild(svg);
  const gEdges = document.createElementNS(NS, "g");
  gEdges.setAttribute("stroke", "#8a8a8a");
  gEdges.setAttribute("stroke-opacity", "0.55");
  gEdges.setAttribute("fill", "none");
  const scale = Math.max(vb[2], vb[3]) / 1000;
  gEdges.setAttribute("stroke-width", String(Math.max(0.6, 1.1 * scale)));
  svg.appendChild(gEdges);
  let path = "", dashed = "";
  for (const e of edges) {
    const a = nodes[e[0]], b = nodes[e[1]];
    if (!a || !b) continue;
    const seg = "M" + a[2] + " " + a[3] + "L" + b[2] + " " + b[3];
    if (e[2]) dashed += seg; else path += seg;
  }
  const p1 = document.createElementNS(NS, "path");
  p1.setAttribute("d", path);
  gEdges.appendChild(p1);
  if (dashed) {
    const p2 = document.createElementNS(NS, "path");
    p2.setAttribute("d", dashed);
    p2.setAttribute("stroke-dasharray", String(4 * Math.max(1, scale)));
    gEdges.appendChild(p2);
  }
  const gNodes = document.createElementNS(NS, "g");
  svg.appendChild(gNodes);
  const showLabels = nodes.length <= (data.labels || 120);
  const shape = (kind, x, y, r) => {
    let el;
    const poly = (pts) => {
      el = document.createElementNS(NS, "polygon");
      el.setAttribute("points", pts.map((p) => (x + p[0] * r).toFixed(1) + "," + (y + p[1] * r).toFixed(1)).join(" "));
      return el;
    };
    switch (kind) {
      case "square": el = document.createElementNS(NS, "rect");
        el.setAttribute("x", x - r); el.setAttribute("y", y - r); el.setAttribute("width", 2 * r); el.setAttribute("height", 2 * r); return el;
      case "rect": el = document.createElementNS(NS, "rect");
        el.setAttribute("x", x - 1.3 * r); el.setAttribute("y", y - 0.7 * r); el.setAttribute("width", 2.6 * r); el.setAttribute("height", 1.4 * r); return el;
      case "diamond": return poly([[0, -1.3], [1.3, 0], [0, 1.3], [-1.3, 0]]);
      case "triangle": return poly([[0, -1.3], [1.2, 0.9], [-1.2, 0.9]]);
      case "triangle_down": return poly([[0, 1.3], [1.2, -0.9], [-1.2, -0.9]]);
      case "hexagon": return poly([[1.2, 0], [0.6, 1.04], [-0.6, 1.04], [-1.2, 0], [-0.6, -1.04], [0.6, -1.04]]);
      case "star": return poly([[0, -1.4], [0.35, -0.45], [1.35, -0.45], [0.55, 0.15], [0.85, 1.15], [0, 0.55], [-0.85, 1.15], [-0.55, 0.15], [-1.35, -0.45], [-0.35, -0.45]]);
      case "cross": return poly([[-0.4, -1.2], [0.4, -1.2], [0.4, -0.4], [1.2, -0.4], [1.2, 0.4], [0.4, 0.4], [0.4, 1.2], [-0.4, 1.2], [-0.4, 0.4], [-1.2, 0.4], [-1.2, -0.4], [-0.4, -0.4]]);
      default: el = document.createElementNS(NS, "circle");
        el.setAttribute("cx", x); el.setAttribute("cy", y); el.setAttribute("r", r); return el;
    }
  };
  const labelSize = Math.max(9, 11 * scale);
  for (let i = 0; i < nodes.length; i++) {
    const [id, label, x, y, kind, colour, r, flags] = nodes[i];
    const g = document.createElementNS(NS, "g");
    g.setAttribute("data-node-id", id);
    g.setAttribute("class", "tw-node" + (flags & 2 ? " tw-more" : ""));
    g.style.cursor = "pointer";
    const el = shape(kind, x, y, r * Math.max(1, scale));
    el.setAttribute("fill", flags & 2 ? "#ffffff" : colours[colour]);
    el.setAttribute("stroke", flags & 1 || id === data.sel ? "#000000" : "#333333");
    el.setAttribute("stroke-width", String((flags & 1 || id === data.sel ? 3 : 1) * Math.max(1, scale)));
    if (flags & 2) el.setAttribute("stroke-dasharray", "3 2");
    g.appendChild(el);
    const t = document.createElementNS(NS, "title");
    t.textContent = label + (flags & 2 ? "" : "  (" + id + ")");
    g.appendChild(t);
    if (showLabels || flags & 3) {
      const tx = document.createElementNS(NS, "text");
      tx.setAttribute("x", x + r * Math.max(1, scale) + 3);
      tx.setAttribute("y", y + 4);
      tx.setAttribute("font-size", String(labelSize));
      tx.setAttribute("font-family", "sans-serif");
      tx.setAttribute("fill", "#222");
      tx.setAttribute("paint-order", "stroke");
      tx.setAttribute("stroke", "#fff");
      tx.setAttribute("stroke-width", "3");
      tx.textContent = label.length > 38 ? label.slice(0, 36) + "…" : label;
      g.appendChild(tx);
    }
    g.addEventListener("click", (ev) => {
      ev.stopPropagation();
      if (moved) return;
      setTriggerValue("clicked", id);
    });
    gNodes.appendChild(g);
  }
  // pan and zoom (no physics: the layout is the server's)
  let dragging = false, moved = false, start = null;
  const toUnits = (dx, dy) => {
    const box = svg.getBoundingClientRect();
    const k = Math.max(vb[2] / box.width, vb[3] / box.height);
    return [dx * k, dy * k];
  };
  svg.addEventListener("mousedown", (ev) => { dragging = true; moved = false; start = [ev.clientX, ev.clientY, vb[0], vb[1]]; svg.style.cursor = "grabbing"; });
  const onMove = (ev) => {
    if (!dragging) return;
    const [dx, dy] = toUnits(ev.clientX - start[0], ev.clientY - start[1]);
    if (Math.abs(ev.clientX - start[0]) + Math.abs(ev.clientY - start[1]) > 4) moved = true;
    vb[0] = start[2] - dx; vb[1] = start[3] - dy; setVB();
  };
  const onUp = () => { dragging = false; svg.style.cursor = "grab"; setTimeout(() => { moved = false; }, 0); };
  window.addEventListener("mousemove", onMove);
  window.addEventListener("mouseup", onUp);
  svg.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    const box = svg.getBoundingClientRect();
    const f = ev.deltaY > 0 ? 1.15 : 1 / 1.15;
    const fx = (ev.clientX - box.left) / box.width, fy = (ev.clientY - box.top) / box.height;
    const nw = vb[2] * f, nh = vb[3] * f;
    vb = [vb[0] + (vb[2] - nw) * fx, vb[1] + (vb[3] - nh) * fy, nw, nh];
    setVB();
  }, { passive: false });
  const hint = document.createElement("div");
  hint.style.font = "12px sans-serif";
  hint.style.color = "#555";
  hint.textContent = "Click a node to open it and expand its neighbours; drag to pan, scroll to zoom.";
  root.appendChild(hint);
  return () => {
    window.removeEventListener("mousemove", onMove);
    window.removeEventListener("mouseup", onUp);
    root.remove();
  };
}
