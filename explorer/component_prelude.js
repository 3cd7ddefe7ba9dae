// Shared by the explorer's inline components (prepended by explorer/graph_view.py and flow.py):
// decode the payload (bytes, string or object) and give the component a fresh root element.
function twMount(component, className) {
  let data = component.data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) data = JSON.parse(new TextDecoder().decode(data));
  else if (typeof data === "string") data = JSON.parse(data);
  const old = component.parentElement.querySelector("." + className);
  if (old) old.remove();
  const root = document.createElement("div");
  root.className = className;
  component.parentElement.appendChild(root);
  return { data, root };
}
