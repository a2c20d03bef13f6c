// The page's script: two modules compiled by `dlc compile` (build/mnist_mlp.js,
// build/rbm.js), each loading a checkpoint written by `dlc train` (build/*.safetensors)
// with loadSafetensors. `npm run serve:example` prepares build/ and serves this folder.
// window.dlcExample exposes the same calls to the console and to the browser test.
import { createModel as createMlp, plan as mlpPlan } from './build/mnist_mlp.js';
import { createModel as createRbm, plan as rbmPlan } from './build/rbm.js';

const PIXELS = 784;
const SIDE = 28;
const status = document.getElementById('status');

async function loadWeights(model, file) {
  const response = await fetch(`build/${file}`);
  if (!response.ok) throw new Error(`build/${file}: ${response.status} ${response.statusText}`);
  model.loadSafetensors(new Uint8Array(await response.arrayBuffer()), file);
  return model;
}

// --- drawing: white strokes on a 280x280 black canvas, read back as 28x28 -------
const pad = document.getElementById('pad');
const ink = pad.getContext('2d', { willReadFrequently: true });
const scale = pad.width / SIDE;

function clearPad() {
  ink.fillStyle = '#000';
  ink.fillRect(0, 0, pad.width, pad.height);
}

let last = null;
pad.addEventListener('pointerdown', (e) => {
  last = [e.offsetX, e.offsetY];
  pad.setPointerCapture(e.pointerId);
});
pad.addEventListener('pointermove', (e) => {
  if (!last) return;
  ink.strokeStyle = '#fff';
  ink.lineWidth = 2.2 * scale;
  ink.lineCap = 'round';
  ink.beginPath();
  ink.moveTo(last[0], last[1]);
  ink.lineTo(e.offsetX, e.offsetY);
  ink.stroke();
  last = [e.offsetX, e.offsetY];
});
pad.addEventListener('pointerup', () => {
  last = null;
  classifyPad();
});

/** The canvas as one MNIST row: the mean of each 10x10 block, in [0, 1]. */
function padPixels() {
  const rgba = ink.getImageData(0, 0, pad.width, pad.height).data;
  const x = new Float32Array(PIXELS);
  for (let r = 0; r < SIDE; r++) {
    for (let c = 0; c < SIDE; c++) {
      let sum = 0;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) sum += rgba[4 * ((r * scale + dy) * pad.width + c * scale + dx)];
      }
      x[r * SIDE + c] = sum / (scale * scale * 255);
    }
  }
  return x;
}

/** Paints a 28x28 image (values in [0, 1]) onto the canvas, one block per pixel. */
function drawDigit(pixels) {
  for (let i = 0; i < PIXELS; i++) {
    const v = Math.round(pixels[i] * 255);
    ink.fillStyle = `rgb(${v},${v},${v})`;
    ink.fillRect((i % SIDE) * scale, Math.floor(i / SIDE) * scale, scale, scale);
  }
}

// --- the MLP: any number of rows up to its compiled batch per call ---------------
let mlp;

/** Class probabilities of n images (n*784 pixels): `predict` takes 1 to batch rows a call. */
async function classify(x) {
  const rows = x.length / PIXELS;
  const batch = mlpPlan.entries.find((e) => e.name === 'predict').inputs[0].shape[0];
  const out = new Float32Array(rows * 10);
  for (let start = 0; start < rows; start += batch) {
    const n = Math.min(batch, rows - start);
    const { prob } = await mlp.predict({
      x: x.subarray(start * PIXELS, (start + n) * PIXELS),
    });
    out.set(prob, start * 10);
  }
  return out;
}

const argmax = (p) => p.indexOf(Math.max(...p));

async function classifyPad() {
  const probs = Array.from(await classify(padPixels()));
  const label = argmax(probs);
  document.getElementById('label').textContent = String(label);
  document.getElementById('probs').innerHTML = probs
    .map((p, k) => `<tr><td>${k}</td><td>${p.toFixed(4)}</td><td><meter value="${p}"></meter></td></tr>`)
    .join('');
  return { label, probs };
}

// --- the RBM: Gibbs chains, continued round after round --------------------------
let rbm;
let chains;
let rounds = 0;
const shown = document.getElementById('samples');

/** Noise to start the chains from: a fixed linear congruential sequence, so reruns match. */
function noise(length) {
  let s = 12345;
  return Float32Array.from({ length }, () => (((s = (s * 1103515245 + 12345) >>> 0) >>> 16) / 65536 < 0.2 ? 1 : 0));
}

/** One round of `dream` (1000 Gibbs steps) from where the chains were; draws the first ten. */
async function generate() {
  const dream = rbmPlan.entries.find((e) => e.name === 'dream');
  chains ??= noise(dream.inputs[0].shape.reduce((a, b) => a * b, 1));
  const { v } = await rbm.dream({ v0: chains });
  chains = v;
  rounds++;
  const g = shown.getContext('2d');
  const image = g.createImageData(SIDE, SIDE);
  const k = shown.height / SIDE;
  for (let i = 0; i < Math.min(10, v.length / PIXELS); i++) {
    for (let p = 0; p < PIXELS; p++) {
      const level = Math.round(255 * v[i * PIXELS + p]);
      image.data.set([level, level, level, 255], 4 * p);
    }
    const tile = document.createElement('canvas');
    tile.width = SIDE;
    tile.height = SIDE;
    tile.getContext('2d').putImageData(image, 0, 0);
    g.imageSmoothingEnabled = false;
    g.drawImage(tile, i * SIDE * k, 0, SIDE * k, SIDE * k);
  }
  document.getElementById('rounds').textContent =
    `${rounds} round${rounds === 1 ? '' : 's'}, ${1000 * rounds} Gibbs steps`;
  return v;
}

/** p(h|v) of the RBM for n images (its `hidden` entry). */
async function hidden(v0) {
  return (await rbm.hidden({ v0 })).h;
}

const ready = (async () => {
  clearPad();
  [mlp, rbm] = await Promise.all([
    createMlp().then((m) => loadWeights(m, 'mnist_mlp.safetensors')),
    createRbm().then((m) => loadWeights(m, 'rbm.safetensors')),
  ]);
  document.getElementById('clear').onclick = clearPad;
  document.getElementById('classify').onclick = classifyPad;
  document.getElementById('generate').onclick = generate;
  status.textContent = 'Ready: draw a digit, or generate RBM samples.';
})();
ready.catch((err) => {
  status.textContent = `Failed: ${err.message}`;
});

window.dlcExample = {
  ready,
  classify,
  classifyPad,
  drawDigit,
  padPixels,
  generate,
  hidden,
};
