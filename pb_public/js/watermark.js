// The page watermark (name · unit · date) over every signed-in page, on
// screen and in print: a canvas-drawn tile set as the background of one
// fixed, click-through layer (img-src allows data: URLs; setting
// element.style from script is allowed by the CSP, style attributes are not).

const ANGLE = -Math.PI / 9; // tilted 20°
const GAP = 90; // free space around each copy of the text, in CSS px
const FONT = '15px "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';

// tile draws the text once, tilted, on a tile sized to hold it whole, and
// returns {url, width, height} (a PNG data: URL and its CSS size).
function tile(text) {
  const ratio = Math.max(1, Math.min(3, window.devicePixelRatio || 1));
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.font = FONT;
  const textW = ctx.measureText(text).width;
  const width = Math.ceil(textW * Math.cos(ANGLE) + GAP);
  const height = Math.ceil(textW * Math.abs(Math.sin(ANGLE)) + GAP);
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  ctx.scale(ratio, ratio); // resizing the canvas reset the context
  ctx.translate(width / 2, height / 2);
  ctx.rotate(ANGLE);
  ctx.font = FONT;
  ctx.fillStyle = 'rgba(40, 48, 60, 0.09)';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(text, 0, 0);
  return { url: canvas.toDataURL('image/png'), width, height };
}

// mountWatermark adds (or refreshes) the layer inside root.
export function mountWatermark(root, { name, unit, date }) {
  const text = [name, unit, date].filter(Boolean).join(' · ');
  let layer = root.querySelector(':scope > .watermark');
  if (!layer) {
    layer = document.createElement('div');
    layer.className = 'watermark';
    layer.setAttribute('aria-hidden', 'true');
    layer.dataset.testid = 'watermark';
    root.append(layer);
  }
  layer.dataset.text = text;
  const t = tile(text);
  if (t) {
    layer.style.backgroundImage = `url("${t.url}")`;
    layer.style.backgroundSize = `${t.width}px ${t.height}px`;
  }
  return layer;
}
