// tierwatch network view: a dependency-free SVG renderer for a graph laid out on the server.
// Served inline by Streamlit's own component machinery (st.components.v2): no CDN, no library.
// data = {n: [[id, label, x, y, shape, colour, r, flags, drawn label?]], e: [[i, j, style, width x10, lit]],
//         sel: id|null, colours: [...], h: height, lr: left-to-right layout (curved links),
//         vb: view box, fs: label font size}
// flags: 1 = focus, 2 = "and N more" handle, 8 = group node, 16 = on the highlighted path,
// 32 = draw the label (the server placed it so no two drawn labels overlap; full name on hover)
// Link styles (explorer/layout.py LINK_STYLES): 0 declared, 1 confirmed, 2 reported, 3 candidate,
// 4 text mention / inferred, 5 link to a group.
export default function (component) {
  const { setTriggerValue } = component;
  const { data, root } = twMount(component, "tw-graph");
  const NS = "http://www.w3.org/2000/svg";
  if (!data || !data.n || data.n.length === 0) {
    root.textContent = "Nothing to draw.";
    return () => root.remove();
  }
  const nodes = data.n, edges = data.e, colours = data.colours;
  const height = data.h || 620;
  // the view box and label font size come with the payload (explorer/labels.py placed the labels for them)
  let vb = data.vb.slice();
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
  const scale = Math.max(vb[2], vb[3]) / 1000;
  // link styles (explorer.layout.LINK_STYLES): colour, dash pattern, opacity
  const STYLES = {
    0: ["#6f6f6f", "", 0.6], 1: ["#222222", "", 0.8], 2: ["#6f6f6f", "8 4", 0.7],
    3: ["#8a8a8a", "3 3", 0.7], 4: ["#8a8a8a", "1 3", 0.9], 5: ["#9a9a9a", "", 0.45],
  };
  const lit = edges.some((e) => e[4]);
  const gEdges = document.createElementNS(NS, "g");
  gEdges.setAttribute("fill", "none");
  gEdges.setAttribute("stroke-linecap", "round");
  svg.appendChild(gEdges);
  const curve = (a, b) => {
    if (!data.lr || a[2] === b[2]) return "M" + a[2] + " " + a[3] + "L" + b[2] + " " + b[3];
    const mx = (a[2] + b[2]) / 2;
    return "M" + a[2] + " " + a[3] + "C" + mx + " " + a[3] + " " + mx + " " + b[3] + " " + b[2] + " " + b[3];
  };
  const batches = new Map();
  for (const e of edges) {
    const a = nodes[e[0]], b = nodes[e[1]];
    if (!a || !b) continue;
    const key = e[2] + "_" + e[3] + "_" + (e[4] ? 1 : 0);
    batches.set(key, (batches.get(key) || "") + curve(a, b));
  }
  const ordered = [...batches.keys()].sort((x, y) => Number(x.endsWith("_1")) - Number(y.endsWith("_1")));
  for (const key of ordered) {
    const [style, width, hl] = key.split("_").map(Number);
    const [colour, dash, opacity] = STYLES[style] || STYLES[0];
    const el = document.createElementNS(NS, "path");
    el.setAttribute("d", batches.get(key));
    el.setAttribute("stroke", hl ? "#000000" : colour);
    el.setAttribute("stroke-opacity", String(hl ? 1 : lit ? opacity * 0.45 : opacity));
    const w = (width / 10) * Math.max(0.8, scale) * (hl ? 2.2 : 1) * (style === 5 ? 2 : 1);
    el.setAttribute("stroke-width", w.toFixed(2));
    if (dash) el.setAttribute("stroke-dasharray", dash.split(" ").map((d) => (Number(d) * Math.max(1, scale)).toFixed(1)).join(" "));
    gEdges.appendChild(el);
  }
  const gNodes = document.createElementNS(NS, "g");
  svg.appendChild(gNodes);
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
  const labelSize = data.fs;
  for (let i = 0; i < nodes.length; i++) {
    const [id, label, x, y, kind, colour, r, flags, drawn] = nodes[i];
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
    if (flags & 8) el.setAttribute("stroke-dasharray", String(2 * Math.max(1, scale)));
    if (flags & 16 && !(flags & 1)) { el.setAttribute("stroke", "#000000"); el.setAttribute("stroke-width", String(2.5 * Math.max(1, scale))); }
    const t = document.createElementNS(NS, "title");
    t.textContent = label.replace("\n", " ") + (flags & 2 ? "" : flags & 8 ? "  (click to open the group)" : "  (" + id + ")");
    g.appendChild(t);
    if (flags & 32) {
      const tx = document.createElementNS(NS, "text");
      const left = data.lr && x < 0 && !(flags & 1);
      const off = r * Math.max(1, scale) * 1.35 + 3;
      tx.setAttribute("x", left ? x - off : x + off);
      tx.setAttribute("text-anchor", left ? "end" : "start");
      tx.setAttribute("y", y + 4);
      if (flags & 16) tx.setAttribute("font-weight", "bold");
      tx.setAttribute("font-size", String(labelSize));
      tx.setAttribute("font-family", "sans-serif");
      tx.setAttribute("fill", "#222");
      tx.setAttribute("paint-order", "stroke");
      tx.setAttribute("stroke", "#fff");
      tx.setAttribute("stroke-width", "3");
      const lines = (drawn === undefined ? label : drawn).split("\n");
      if (lines.length === 1) tx.textContent = lines[0];
      else lines.forEach((line, k) => {
        const ts = document.createElementNS(NS, "tspan");
        ts.setAttribute("x", tx.getAttribute("x"));
        ts.setAttribute("dy", k === 0 ? String(-0.35 * labelSize) : String(1.15 * labelSize));
        ts.textContent = line;
        tx.appendChild(ts);
      });
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
