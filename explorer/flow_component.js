// tierwatch exposure flow: a Sankey diagram laid out on the server (explorer/flow.py), drawn as SVG.
// Served inline by Streamlit's component machinery (st.components.v2): no CDN, no library.
// data = {boxes: [[x, y, h, label, hits, colour]], bands: [[x0, y0, x1, y1, w, colour, key, hits]],
//         w, h, cols: [column titles], xs: [column x]}; a click on a band sets the trigger "clicked".
export default function (component) {
  const { setTriggerValue } = component;
  const { data, root } = twMount(component, "tw-flow");
  const NS = "http://www.w3.org/2000/svg";
  const top = 28, side = 190;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", [-10, -top, data.w + side + 20, data.h + top + 10].join(" "));
  svg.setAttribute("width", "100%");
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", "exposure flow");
  svg.setAttribute("data-testid", "tw-flow-svg");
  svg.style.font = "11px sans-serif";
  root.appendChild(svg);
  data.cols.forEach((title, c) => {
    const t = document.createElementNS(NS, "text");
    t.setAttribute("x", data.xs[c]);
    t.setAttribute("y", -10);
    t.setAttribute("font-weight", "bold");
    t.setAttribute("fill", "#333");
    t.textContent = title;
    svg.appendChild(t);
  });
  for (const [x0, y0, x1, y1, w, colour, key, hits] of data.bands) {
    const xm = (x0 + x1) / 2;
    const p = document.createElementNS(NS, "path");
    p.setAttribute("d", `M${x0} ${y0}C${xm} ${y0} ${xm} ${y1} ${x1} ${y1}L${x1} ${y1 + w}C${xm} ${y1 + w} ${xm} ${y0 + w} ${x0} ${y0 + w}Z`);
    p.setAttribute("fill", colour);
    p.setAttribute("fill-opacity", "0.35");
    p.setAttribute("stroke", colour);
    p.setAttribute("stroke-opacity", "0.5");
    p.setAttribute("data-band", key);
    p.style.cursor = "pointer";
    const t = document.createElementNS(NS, "title");
    const parts = key.split("|");
    t.textContent = `${parts[1]} → ${parts[2]}: ${hits} finding hit(s) (click for the evidence)`;
    p.appendChild(t);
    p.addEventListener("mouseenter", () => p.setAttribute("fill-opacity", "0.6"));
    p.addEventListener("mouseleave", () => p.setAttribute("fill-opacity", "0.35"));
    p.addEventListener("click", () => setTriggerValue("clicked", key));
    svg.appendChild(p);
  }
  const last = data.xs[data.xs.length - 1];
  for (const [x, y, h, label, hits, colour] of data.boxes) {
    const r = document.createElementNS(NS, "rect");
    r.setAttribute("x", x); r.setAttribute("y", y); r.setAttribute("width", 14); r.setAttribute("height", h);
    r.setAttribute("fill", colour);
    svg.appendChild(r);
    const t = document.createElementNS(NS, "text");
    const right = x >= last;
    t.setAttribute("x", right ? x + 18 : x + 18);
    t.setAttribute("y", y + Math.min(h / 2, 10) + 4);
    t.setAttribute("fill", "#222");
    t.setAttribute("paint-order", "stroke");
    t.setAttribute("stroke", "#fff");
    t.setAttribute("stroke-width", "3");
    const text = label.length > 40 ? label.slice(0, 39) + "…" : label;
    t.textContent = `${text} (${hits})`;
    const tt = document.createElementNS(NS, "title");
    tt.textContent = `${label}: ${hits} finding hit(s)`;
    t.appendChild(tt);
    svg.appendChild(t);
  }
  return () => root.remove();
}
