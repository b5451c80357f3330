/**
 * The fused training ops' WGSL programs for the tfjs `webgpu` backend (fused.ts wraps them with
 * their gradients; docs/kernels.md, "Fused training ops", has the layouts and the tolerances).
 *
 * Importing this module (only where WebGPU may exist: it imports @tensorflow/tfjs-backend-webgpu)
 * registers the kernels of FUSED_KERNELS for backend `webgpu`. Each kernel function builds a
 * WebGPUProgram and hands it to backend.runWebGPUProgram, so inputs are uploaded, outputs tracked
 * and disposed by tfjs like any built-in op. Sizes come from the shape uniforms tfjs passes to
 * every program (`uniforms.<input>Shape`) and from the programs' own uniforms, so one compiled
 * pipeline serves every size; the shader key holds only what changes the code (flags, head width).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { webgpu_util, type WebGPUBackend, type WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { FUSED_KERNELS, MAX_FUSED_HEAD_DIM } from './fused';

type Uniform = { type: 'float32' | 'int32'; data: number[] };

let dispatches = 0;
/** How many fused-op programs have been dispatched (tests use it to prove the fused path ran). */
export function fusedOpDispatches(): number {
  return dispatches;
}

function runProgram(backend: unknown, program: WebGPUProgram, inputs: tf.TensorInfo[], uniforms?: Uniform[]): tf.TensorInfo {
  for (const t of inputs) if (t.dtype !== 'float32') throw new Error(`${program.constructor.name}: float32 inputs expected, got ${t.dtype}`);
  dispatches++;
  // runWebGPUProgram uploads CPU-resident inputs itself: the kernels run on the GPU whatever
  // WEBGPU_CPU_FORWARD says.
  return (backend as WebGPUBackend).runWebGPUProgram(program, inputs, 'float32', uniforms);
}

/** Layout of a flat program: one thread per item (row, column or query), `items` of them, 64 per workgroup; main() gets the thread's flat index. */
abstract class FlatProgram implements WebGPUProgram {
  abstract variableNames: string[];
  abstract shaderKey: string;
  outputShape: number[];
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];

  constructor(outputShape: number[], items: number) {
    this.outputShape = outputShape;
    this.dispatchLayout = webgpu_util.flatDispatchLayout(outputShape);
    // Above 65535 workgroups tfjs reshapes this into a 2-D grid; main() still gets the linear
    // index (getGlobalIndex) and every kernel checks it against its item count.
    this.dispatch = [Math.max(1, Math.ceil(items / 64)), 1, 1];
  }

  abstract getUserCode(): string;
}

// ---------------------------------------------------------------------------------------------
// Matrix product: C [M, N] = op(A) op(B) (+ bias) (ReLU).

/** Output tile per workgroup (MM_TILE × MM_TILE), threads 8 × 8, each computing 4 × 4 outputs. */
const MM_TILE = 32;

/**
 * A [M, K] is stored [M, K] or, with transposeA, [K, M]; B [K, N] is stored [K, N] or, with
 * transposeB, [N, K]: the transposed operand is read by index, never materialised. A mask input
 * of an operand's stored shape zeroes its entries where mask <= 0 (the ReLU gradient's dy ⊙ [y > 0]).
 * The K loop walks MM_TILE-wide slices through workgroup memory; each thread loads 16 values of
 * each tile, with consecutive threads on consecutive addresses of the operand's stored layout.
 */
class MatMulProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [1], y: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [8, 8, 1];
  uniforms = 'dimM : i32, dimN : i32, dimK : i32,';

  constructor(
    M: number,
    N: number,
    private readonly o: { transposeA: boolean; transposeB: boolean; bias: boolean; relu: boolean; maskA: boolean; maskB: boolean },
  ) {
    this.outputShape = [M, N];
    this.dispatch = [Math.ceil(N / MM_TILE), Math.ceil(M / MM_TILE), 1];
    this.variableNames = ['mmA', 'mmB', ...(o.bias ? ['mmBias'] : []), ...(o.maskA ? ['mmMaskA'] : []), ...(o.maskB ? ['mmMaskB'] : [])];
    this.shaderKey = `infopoMatMul_${+o.transposeA}${+o.transposeB}${+o.bias}${+o.relu}${+o.maskA}${+o.maskB}`;
  }

  getUserCode(): string {
    const { transposeA, transposeB, bias, relu, maskA, maskB } = this.o;
    return /* wgsl */ `
var<workgroup> mmTileA : array<array<f32, ${MM_TILE}>, ${MM_TILE}>; // [m][k]
var<workgroup> mmTileB : array<array<f32, ${MM_TILE}>, ${MM_TILE}>; // [k][n]

fn mmReadA(m : i32, k : i32) -> f32 {
  if (m >= uniforms.dimM || k >= uniforms.dimK) { return 0.0; }
  let idx = ${transposeA ? 'k * uniforms.dimM + m' : 'm * uniforms.dimK + k'};
  ${maskA ? 'if (mmMaskA[idx] <= 0.0) { return 0.0; }' : ''}
  return mmA[idx];
}

fn mmReadB(k : i32, n : i32) -> f32 {
  if (k >= uniforms.dimK || n >= uniforms.dimN) { return 0.0; }
  let idx = ${transposeB ? 'n * uniforms.dimK + k' : 'k * uniforms.dimN + n'};
  ${maskB ? 'if (mmMaskB[idx] <= 0.0) { return 0.0; }' : ''}
  return mmB[idx];
}

fn main() {
  let tx = i32(localId.x);
  let ty = i32(localId.y);
  let tid = ty * 8 + tx;
  let row0 = i32(workgroupId.y) * ${MM_TILE};
  let col0 = i32(workgroupId.x) * ${MM_TILE};
  var acc : array<array<f32, 4>, 4>;
  let tiles = (uniforms.dimK + ${MM_TILE - 1}) / ${MM_TILE};
  for (var t = 0; t < tiles; t++) {
    let k0 = t * ${MM_TILE};
    for (var s = 0; s < 16; s++) {
      let e = tid + s * 64;
      ${transposeA ? 'let am = e % 32; let ak = e / 32;' : 'let am = e / 32; let ak = e % 32;'}
      mmTileA[am][ak] = mmReadA(row0 + am, k0 + ak);
      ${transposeB ? 'let bn = e / 32; let bk = e % 32;' : 'let bk = e / 32; let bn = e % 32;'}
      mmTileB[bk][bn] = mmReadB(k0 + bk, col0 + bn);
    }
    workgroupBarrier();
    for (var k = 0; k < ${MM_TILE}; k++) {
      var bv : array<f32, 4>;
      for (var j = 0; j < 4; j++) { bv[j] = mmTileB[k][tx + 8 * j]; }
      for (var i = 0; i < 4; i++) {
        let av = mmTileA[ty + 8 * i][k];
        for (var j = 0; j < 4; j++) { acc[i][j] = fma(av, bv[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0; i < 4; i++) {
    let r = row0 + ty + 8 * i;
    for (var j = 0; j < 4; j++) {
      let c = col0 + tx + 8 * j;
      if (r < uniforms.dimM && c < uniforms.dimN) {
        var v = acc[i][j];
        ${bias ? 'v = v + mmBias[c];' : ''}
        ${relu ? 'v = max(v, 0.0);' : ''}
        result[r * uniforms.dimN + c] = v;
      }
    }
  }
}
`;
  }
}

const matMulKernel: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { a, b, bias, maskA, maskB } = inputs as Record<string, tf.TensorInfo | undefined>;
  const { transposeA, transposeB, activation } = attrs as unknown as { transposeA: boolean; transposeB: boolean; activation: string };
  const name = FUSED_KERNELS.matMul;
  if (!a || !b || a.shape.length !== 2 || b.shape.length !== 2) throw new Error(`${name}: matrices a and b are required, got ${JSON.stringify([a?.shape, b?.shape])}`);
  const [M, K] = transposeA ? [a.shape[1], a.shape[0]] : a.shape;
  const [K2, N] = transposeB ? [b.shape[1], b.shape[0]] : b.shape;
  if (K !== K2) throw new Error(`${name}: inner dimensions differ, [${a.shape}]${transposeA ? 'ᵀ' : ''} x [${b.shape}]${transposeB ? 'ᵀ' : ''}`);
  if (bias && bias.shape.join() !== String(N)) throw new Error(`${name}: bias [${bias.shape}] does not match ${N} columns`);
  if (maskA && maskA.shape.join() !== a.shape.join()) throw new Error(`${name}: maskA [${maskA.shape}] differs from a [${a.shape}]`);
  if (maskB && maskB.shape.join() !== b.shape.join()) throw new Error(`${name}: maskB [${maskB.shape}] differs from b [${b.shape}]`);
  if (activation !== 'linear' && activation !== 'relu') throw new Error(`${name}: activation '${activation}' (linear or relu)`);
  const program = new MatMulProgram(M, N, { transposeA, transposeB, bias: !!bias, relu: activation === 'relu', maskA: !!maskA, maskB: !!maskB });
  const ins = [a, b, ...(bias ? [bias] : []), ...(maskA ? [maskA] : []), ...(maskB ? [maskB] : [])];
  return runProgram(backend, program, ins, [{ type: 'int32', data: [M] }, { type: 'int32', data: [N] }, { type: 'int32', data: [K] }]);
};

// ---------------------------------------------------------------------------------------------
// Column sums: [n, m] → [m], one thread per column looping over the rows (coalesced across threads).

class ColumnSumProgram extends FlatProgram {
  variableNames: string[];
  shaderKey: string;

  constructor(
    columns: number,
    private readonly masked: boolean,
  ) {
    super([columns], columns);
    this.variableNames = masked ? ['csX', 'csMask'] : ['csX'];
    this.shaderKey = `infopoColumnSum_${+masked}`;
  }

  getUserCode(): string {
    return /* wgsl */ `
fn main(index : i32) {
  let rows = uniforms.csXShape.x;
  let cols = uniforms.csXShape.y;
  if (index >= cols) { return; }
  var s = 0.0;
  for (var r = 0; r < rows; r++) {
    let idx = r * cols + index;
    ${this.masked ? 'if (csMask[idx] > 0.0) { s += csX[idx]; }' : 's += csX[idx];'}
  }
  result[index] = s;
}
`;
  }
}

const columnSumKernel: tf.KernelFunc = ({ inputs, backend }) => {
  const { x, mask } = inputs as Record<string, tf.TensorInfo | undefined>;
  if (!x || x.shape.length !== 2) throw new Error(`${FUSED_KERNELS.columnSum}: a matrix x is required, got [${x?.shape}]`);
  if (mask && mask.shape.join() !== x.shape.join()) throw new Error(`${FUSED_KERNELS.columnSum}: mask [${mask.shape}] differs from x [${x.shape}]`);
  return runProgram(backend, new ColumnSumProgram(x.shape[1], !!mask), mask ? [x, mask] : [x]);
};

// ---------------------------------------------------------------------------------------------
// LayerNorm: one thread per row of x [n, d] (d is a few hundred at most here, so a thread's three
// passes over its row are cheap and need no barrier); dγ one thread per column.

class LayerNormProgram extends FlatProgram {
  variableNames: string[];
  shaderKey: string;
  uniforms?: string;

  constructor(
    private readonly kind: 'forward' | 'stats' | 'dx' | 'dgain',
    rows: number,
    d: number,
  ) {
    super({ forward: [rows, d], stats: [rows, 2], dx: [rows, d], dgain: [d] }[kind], kind === 'dgain' ? d : rows);
    this.variableNames = { forward: ['lnX', 'lnGain', 'lnBias'], stats: ['lnX'], dx: ['lnX', 'lnGain', 'lnDy', 'lnStats'], dgain: ['lnX', 'lnDy', 'lnStats'] }[kind];
    if (kind === 'forward' || kind === 'stats') this.uniforms = 'eps : f32,';
    this.shaderKey = `infopoLayerNorm_${kind}`;
  }

  getUserCode(): string {
    // Mean and variance in two passes over the row (the variance of x - mean, as tf.moments).
    const stats = /* wgsl */ `
  var s = 0.0;
  for (var c = 0; c < d; c++) { s += lnX[base + c]; }
  let mean = s / f32(d);
  var v = 0.0;
  for (var c = 0; c < d; c++) { let t = lnX[base + c] - mean; v += t * t; }
  let rstd = inverseSqrt(v / f32(d) + uniforms.eps);`;
    const head = /* wgsl */ `
  let rows = uniforms.lnXShape.x;
  let d = uniforms.lnXShape.y;`;
    switch (this.kind) {
      case 'forward':
        return /* wgsl */ `
fn main(index : i32) {${head}
  if (index >= rows) { return; }
  let base = index * d;${stats}
  for (var c = 0; c < d; c++) { result[base + c] = (lnX[base + c] - mean) * rstd * lnGain[c] + lnBias[c]; }
}
`;
      case 'stats':
        return /* wgsl */ `
fn main(index : i32) {${head}
  if (index >= rows) { return; }
  let base = index * d;${stats}
  result[index * 2] = mean;
  result[index * 2 + 1] = rstd;
}
`;
      case 'dx':
        // dx = r · (dx̂ - mean(dx̂) - x̂ · mean(dx̂ · x̂)), dx̂ = dy · γ.
        return /* wgsl */ `
fn main(index : i32) {${head}
  if (index >= rows) { return; }
  let base = index * d;
  let mean = lnStats[index * 2];
  let rstd = lnStats[index * 2 + 1];
  var m1 = 0.0;
  var m2 = 0.0;
  for (var c = 0; c < d; c++) {
    let g = lnDy[base + c] * lnGain[c];
    m1 += g;
    m2 += g * ((lnX[base + c] - mean) * rstd);
  }
  m1 = m1 / f32(d);
  m2 = m2 / f32(d);
  for (var c = 0; c < d; c++) {
    let g = lnDy[base + c] * lnGain[c];
    let xhat = (lnX[base + c] - mean) * rstd;
    result[base + c] = (g - m1 - xhat * m2) * rstd;
  }
}
`;
      case 'dgain':
        return /* wgsl */ `
fn main(index : i32) {${head}
  if (index >= d) { return; }
  var s = 0.0;
  for (var r = 0; r < rows; r++) {
    let idx = r * d + index;
    s += lnDy[idx] * ((lnX[idx] - lnStats[r * 2]) * lnStats[r * 2 + 1]);
  }
  result[index] = s;
}
`;
    }
  }
}

function layerNormKernel(kind: 'forward' | 'stats' | 'dx' | 'dgain', name: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const ins = inputs as Record<string, tf.TensorInfo | undefined>;
    const x = ins.x;
    if (!x || x.shape.length !== 2) throw new Error(`${name}: a matrix x [rows, d] is required, got [${x?.shape}]`);
    const [rows, d] = x.shape;
    const need = { forward: ['gain', 'bias'], stats: [], dx: ['gain', 'dy', 'stats'], dgain: ['dy', 'stats'] }[kind];
    const shapes: Record<string, string> = { gain: String(d), bias: String(d), dy: `${rows},${d}`, stats: `${rows},2` };
    for (const k of need) if (!ins[k] || ins[k]!.shape.join() !== shapes[k]) throw new Error(`${name}: ${k} of shape [${shapes[k]}] is required, got [${ins[k]?.shape}]`);
    const eps = (attrs as { eps?: number }).eps;
    const uniforms: Uniform[] | undefined = kind === 'forward' || kind === 'stats' ? [{ type: 'float32', data: [eps ?? NaN] }] : undefined;
    if (uniforms && !(typeof eps === 'number' && eps > 0)) throw new Error(`${name}: eps > 0 is required, got ${eps}`);
    return runProgram(backend, new LayerNormProgram(kind, rows, d), [x, ...need.map((k) => ins[k]!)], uniforms);
  };
}

// ---------------------------------------------------------------------------------------------
// Causal self-attention on qkv [B, T, 3d]: row t of batch b holds q (columns [0, d)), k ([d, 2d))
// and v ([2d, 3d)), head h in columns h·dh .. h·dh + dh - 1 of each. One thread per (b, h, query
// row) for the forward and the statistics, one per (b, h, row, role) for the gradient; keys (or
// queries) are looped, the thread's own row lives in registers. Scores are (q · k) / √dh, the
// causal mask skips the keys after the query (exp(-1e9 - m) is exactly 0 in the stock path too).

class AttentionProgram extends FlatProgram {
  variableNames: string[];
  shaderKey: string;
  uniforms = 'heads : i32, scale : f32,';

  constructor(
    private readonly kind: 'forward' | 'stats' | 'grad',
    B: number,
    T: number,
    H: number,
    private readonly dh: number,
  ) {
    super({ forward: [B, T, H * dh], stats: [B, H, T, 3], grad: [B, T, 3 * H * dh] }[kind], B * H * T * (kind === 'grad' ? 2 : 1));
    this.variableNames = { forward: ['atQkv'], stats: ['atQkv', 'atDy'], grad: ['atQkv', 'atDy', 'atStats'] }[kind];
    this.shaderKey = `infopoAttention_${kind}_${dh}`;
  }

  getUserCode(): string {
    const DH = this.dh;
    // Index arithmetic shared by the three kernels: the thread's (b, h, row) from its flat index.
    const head = /* wgsl */ `
  let B = uniforms.atQkvShape.x;
  let T = uniforms.atQkvShape.y;
  let d3 = uniforms.atQkvShape.z;
  let d = d3 / 3;
  let H = uniforms.heads;
  let n = B * H * T;
  if (index >= n * ${this.kind === 'grad' ? 2 : 1}) { return; }
  let r = index % n;
  let row = r % T;
  let bh = r / T;
  let h = bh % H;
  let b = bh / H;
  let bT = b * T;
  let hc = h * ${DH};`;
    // Dot of a register row with dh values of qkv or dy.
    const fns = /* wgsl */ `
fn atDotQkv(a : array<f32, ${DH}>, off : i32) -> f32 {
  var s = 0.0;
  for (var c = 0; c < ${DH}; c++) { s = fma(a[c], atQkv[off + c], s); }
  return s;
}`;
    const fnsDy = this.kind !== 'grad' ? '' : /* wgsl */ `
fn atDotDy(a : array<f32, ${DH}>, off : i32) -> f32 {
  var s = 0.0;
  for (var c = 0; c < ${DH}; c++) { s = fma(a[c], atDy[off + c], s); }
  return s;
}`;
    switch (this.kind) {
      case 'forward':
        // Two passes over keys 0..i: the max score, then exp(s - m), its sum l and Σ exp(s - m) v; out = that / l.
        return /* wgsl */ `${fns}
fn main(index : i32) {${head}
  let i = row;
  var q : array<f32, ${DH}>;
  for (var c = 0; c < ${DH}; c++) { q[c] = atQkv[(bT + i) * d3 + hc + c]; }
  var m = -uniforms.INFINITY;
  for (var j = 0; j <= i; j++) { m = max(m, atDotQkv(q, (bT + j) * d3 + d + hc) * uniforms.scale); }
  var l = 0.0;
  var acc : array<f32, ${DH}>;
  for (var j = 0; j <= i; j++) {
    let e = exp(atDotQkv(q, (bT + j) * d3 + d + hc) * uniforms.scale - m);
    l += e;
    let vo = (bT + j) * d3 + 2 * d + hc;
    for (var c = 0; c < ${DH}; c++) { acc[c] = fma(e, atQkv[vo + c], acc[c]); }
  }
  let o = (bT + i) * d + hc;
  for (var c = 0; c < ${DH}; c++) { result[o + c] = acc[c] / l; }
}
`;
      case 'stats':
        // m and l as in the forward; D = Σ_j P_ij (dO_i · v_j) = Σ_j P_ij dP_ij, the softmax gradient's row term.
        return /* wgsl */ `${fns}${fnsDy}
fn main(index : i32) {${head}
  let i = row;
  var q : array<f32, ${DH}>;
  var g : array<f32, ${DH}>;
  for (var c = 0; c < ${DH}; c++) {
    q[c] = atQkv[(bT + i) * d3 + hc + c];
    g[c] = atDy[(bT + i) * d + hc + c];
  }
  var m = -uniforms.INFINITY;
  for (var j = 0; j <= i; j++) { m = max(m, atDotQkv(q, (bT + j) * d3 + d + hc) * uniforms.scale); }
  var l = 0.0;
  var dsum = 0.0;
  for (var j = 0; j <= i; j++) {
    let ko = (bT + j) * d3 + d + hc;
    let e = exp(atDotQkv(q, ko) * uniforms.scale - m);
    l += e;
    dsum = fma(e, atDotQkv(g, ko + d), dsum);
  }
  result[r * 3] = m;
  result[r * 3 + 1] = l;
  result[r * 3 + 2] = dsum / l;
}
`;
      case 'grad':
        // P_ij = exp(s_ij - m_i) / l_i, dS_ij = P_ij (dO_i · v_j - D_i);
        // role 0 (query i): dQ_i = scale Σ_{j<=i} dS_ij k_j;
        // role 1 (key j): dK_j = scale Σ_{i>=j} dS_ij q_i, dV_j = Σ_{i>=j} P_ij dO_i.
        return /* wgsl */ `${fns}${fnsDy}
fn main(index : i32) {${head}
  if (index < n) {
    let i = row;
    var q : array<f32, ${DH}>;
    var g : array<f32, ${DH}>;
    var acc : array<f32, ${DH}>;
    for (var c = 0; c < ${DH}; c++) {
      q[c] = atQkv[(bT + i) * d3 + hc + c];
      g[c] = atDy[(bT + i) * d + hc + c];
    }
    let m = atStats[r * 3];
    let l = atStats[r * 3 + 1];
    let D = atStats[r * 3 + 2];
    for (var j = 0; j <= i; j++) {
      let ko = (bT + j) * d3 + d + hc;
      let p = exp(atDotQkv(q, ko) * uniforms.scale - m) / l;
      let ds = p * (atDotQkv(g, ko + d) - D);
      for (var c = 0; c < ${DH}; c++) { acc[c] = fma(ds, atQkv[ko + c], acc[c]); }
    }
    let o = (bT + i) * d3 + hc;
    for (var c = 0; c < ${DH}; c++) { result[o + c] = acc[c] * uniforms.scale; }
  } else {
    let j = row;
    var k : array<f32, ${DH}>;
    var v : array<f32, ${DH}>;
    var dk : array<f32, ${DH}>;
    var dv : array<f32, ${DH}>;
    for (var c = 0; c < ${DH}; c++) {
      k[c] = atQkv[(bT + j) * d3 + d + hc + c];
      v[c] = atQkv[(bT + j) * d3 + 2 * d + hc + c];
    }
    let sBase = (b * H + h) * T;
    for (var i = j; i < T; i++) {
      let qo = (bT + i) * d3 + hc;
      let go = (bT + i) * d + hc;
      let st = (sBase + i) * 3;
      let p = exp(atDotQkv(k, qo) * uniforms.scale - atStats[st]) / atStats[st + 1];
      let ds = p * (atDotDy(v, go) - atStats[st + 2]);
      for (var c = 0; c < ${DH}; c++) {
        dk[c] = fma(ds, atQkv[qo + c], dk[c]);
        dv[c] = fma(p, atDy[go + c], dv[c]);
      }
    }
    let o = (bT + j) * d3 + d + hc;
    for (var c = 0; c < ${DH}; c++) {
      result[o + c] = dk[c] * uniforms.scale;
      result[o + d + c] = dv[c];
    }
  }
}
`;
    }
  }
}

function attentionKernel(kind: 'forward' | 'stats' | 'grad', name: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { qkv, dy, stats } = inputs as Record<string, tf.TensorInfo | undefined>;
    const heads = (attrs as { heads?: number }).heads;
    if (!qkv || qkv.shape.length !== 3) throw new Error(`${name}: qkv [B, T, 3d] is required, got [${qkv?.shape}]`);
    const [B, T, d3] = qkv.shape;
    const d = d3 / 3;
    if (!(typeof heads === 'number' && heads >= 1 && Number.isInteger(d) && d % heads === 0)) throw new Error(`${name}: last axis ${d3} is not 3 × d with d a multiple of ${heads} heads`);
    const dh = d / heads;
    if (dh > MAX_FUSED_HEAD_DIM) throw new Error(`${name}: head width ${dh} is above ${MAX_FUSED_HEAD_DIM}`);
    if (kind !== 'forward' && (!dy || dy.shape.join() !== `${B},${T},${d}`)) throw new Error(`${name}: dy [${B}, ${T}, ${d}] is required, got [${dy?.shape}]`);
    if (kind === 'grad' && (!stats || stats.shape.join() !== `${B},${heads},${T},3`)) throw new Error(`${name}: stats [${B}, ${heads}, ${T}, 3] are required, got [${stats?.shape}]`);
    const ins = kind === 'forward' ? [qkv] : kind === 'stats' ? [qkv, dy!] : [qkv, dy!, stats!];
    return runProgram(backend, new AttentionProgram(kind, B, T, heads, dh), ins, [{ type: 'int32', data: [heads] }, { type: 'float32', data: [1 / Math.sqrt(dh)] }]);
  };
}

const KERNELS: [string, tf.KernelFunc][] = [
  [FUSED_KERNELS.matMul, matMulKernel],
  [FUSED_KERNELS.columnSum, columnSumKernel],
  [FUSED_KERNELS.layerNorm, layerNormKernel('forward', FUSED_KERNELS.layerNorm)],
  [FUSED_KERNELS.layerNormStats, layerNormKernel('stats', FUSED_KERNELS.layerNormStats)],
  [FUSED_KERNELS.layerNormGrad, layerNormKernel('dx', FUSED_KERNELS.layerNormGrad)],
  [FUSED_KERNELS.layerNormGainGrad, layerNormKernel('dgain', FUSED_KERNELS.layerNormGainGrad)],
  [FUSED_KERNELS.attention, attentionKernel('forward', FUSED_KERNELS.attention)],
  [FUSED_KERNELS.attentionStats, attentionKernel('stats', FUSED_KERNELS.attentionStats)],
  [FUSED_KERNELS.attentionGrad, attentionKernel('grad', FUSED_KERNELS.attentionGrad)],
];

// Guarded: a second import (HMR, two bundles) must not re-register (tfjs warns on duplicates).
for (const [kernelName, kernelFunc] of KERNELS) {
  if (tf.getKernel(kernelName, 'webgpu') == null) tf.registerKernel({ kernelName, backendName: 'webgpu', kernelFunc });
}
