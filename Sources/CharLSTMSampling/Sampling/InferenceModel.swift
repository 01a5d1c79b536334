// InferenceModel: the one-step-at-a-time path used to sample, predict and score.
//
// Dimension key: N streams (1 for plain sampling), E embedding, H hidden,
// V vocabulary, G gate blocks, In layer input width (E, then H).
//
// Training runs whole windows and caches activations for backward; sampling
// needs neither, and at N = 1 every product is a matrix-vector product bound
// by memory bandwidth. This path keeps only the state and a few small
// workspaces, allocates nothing per step, and for the LSTM and RNN reads each
// layer's weights once per step as one matrix: wx (In, G·H) is immediately
// followed by wh (H, G·H) in the flat layout, so [x, h] (In + H) times that
// (In + H, G·H) block is a single GEMV (a small-N GEMM for N > 1). The
// products are CKernels' (binary32 or binary16 weights, as stored), so
// stepping never loads OpenBLAS. N > 1 (gemm_small_n.h) reads each weight
// once per step for all N streams, from a copy of each matrix cut into
// 16-column panels, and sums every output exactly as the batch-1 GEMV does:
// stream s of a batch gets the bits a batch-1 model fed the same graphemes gets.
// For N > 1 the bottom layer's sums over its input part (bias + Emb[id]·Wx)
// are made once per id (`inputTable`), and with several cores a small model's
// streams go through a whole step in blocks, one block per thread
// (`streamBlocks`), so a step forks and joins once.
// The cells' element-wise maths is training's own, not a copy: the LSTM's is
// lstm_cell.c's kernel (Float.lstmForwardStep), the GRU's GRULayer.cellForward
// and the RNN's ck_tanh, so a step computes what a training window computes
// up to the order of the sums in the products.

import CharLSTMSupport
import CharLSTMModel
import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// A model prepared for stepping N streams one grapheme at a time (no dropout, no gradients).
package final class InferenceModel {
    package let config: ModelConfig
    package let layout: ParameterLayout
    /// N, the number of streams stepped together.
    package let streams: Int
    /// The thread count and kernel thresholds this model was prepared with.
    package let compute: ComputeThreads
    /// The weights (P), layout order (binary32, and binary16 when prepared).
    package let weights: InferenceWeights
    /// Whether products read the binary16 weights (`weights` has them).
    package let halfPrecision: Bool
    /// The worker that takes half the columns of each large batch-1 product
    /// (gemv_pair.h); nil with one compute thread, N > 1 or a small model.
    private let pair: OpaquePointer?
    /// With the second core: each large binary16 matrix's full 64-column
    /// strips stored strip by strip (sequential reads; ck_f16_to_strips),
    /// keyed by the matrix's weight offset. Sampling and scoring step
    /// thousands of times, so the copy (one pass over the weights) pays at
    /// once; `predict` (one core) steps a few times and reads the weights in place.
    private let strips: [Int: HalfStrips]
    /// N > 1: every matrix `step` multiplies, cut into 16-column panels
    /// (ck_small_n_pack; binary16 when `halfPrecision`), keyed by its weight offset.
    private let panels: [Int: SmallNPanels]
    /// N > 1 with a second core: the workers that take chunks of columns of
    /// the large products (gemm_small_n.h; `streamBlocks` == 1), or whole
    /// blocks of streams through every layer (`streamBlocks` > 1); nil otherwise.
    private let batchPool: OpaquePointer?
    /// N > 1: the blocks of streams a step is cut into, each stepped through
    /// all layers and the logits by one thread (one fork-join per step); 1:
    /// the streams go through each product together, its columns split.
    /// `step(unchecked:then:)` calls `then` once per block.
    let streamBlocks: Int
    /// The binary32 weights; nil when stepping reads binary16 alone (a store
    /// made from binary16 weights, batch 1: embedding rows and biases are widened as read).
    private let floats: UnsafePointer<Float>?
    /// Per layer: [x, h] rows (N, In + H); the h part is the layer's hidden state.
    private let inputs: [Buffer<Float>]
    /// Per layer: c (N, H) for the LSTM.
    private let cells: [Buffer<Float>]
    /// Gate pre-activations (N, G·H), and the GRU's recurrent part (N, G·H).
    private let gates: Buffer<Float>
    private let recurrent: Buffer<Float>
    /// The LSTM cell's c' and tanh(c') per stream, (N, 2, H).
    private let cellScratch: Buffer<Float>
    /// N > 1: per id v, the bottom layer's gate sums over its input part,
    /// bias + Emb[v]·Wx (V, G·H), summed as the batch-1 product sums them
    /// (bias first, then k in order); a step continues each sum over h.
    /// Empty for N = 1 and for vocabularies too large (`inputTableBytes`).
    private let inputTable: Buffer<Float>
    /// Logits of the last step (N, V).
    private let logitBuffer: Buffer<Float>

    /// Called by `step` after each layer's cell update, per stream, when set
    /// (`charlstm show` reads gates and states; nil, and one check per layer,
    /// for sampling): (layer, stream, the gate activations (G·H: LSTM i, f, o, g;
    /// GRU r, z, n; RNN the pre-activation), c (H, LSTM) or nil, the new h (H)).
    package var layerObserver: ((_ layer: Int, _ stream: Int, _ gates: UnsafePointer<Float>,
                                _ cell: UnsafePointer<Float>?, _ hidden: UnsafePointer<Float>) -> Void)?

    /// Prepares a copy of `parameters` (P floats in layout order), owned by the
    /// model, for N streams. With `halfPrecision`, batch-1 matrix products read
    /// the weights rounded to binary16 (lossless for a checkpoint exported with `--half`).
    /// - Throws: `SamplingError` for an invalid config, anything but exactly P values, or N < 1.
    package convenience init(config: ModelConfig, parameters: UnsafeBufferPointer<Float>, streams: Int = 1,
                            halfPrecision: Bool = false, compute: ComputeThreads = .single) throws(SamplingError) {
        try self.init(config: config, copying: parameters, streams: streams, halfPrecision: halfPrecision,
                      compute: compute)
    }

    /// The same from an array of P floats.
    package convenience init(config: ModelConfig, parameters: [Float], streams: Int = 1,
                            halfPrecision: Bool = false, compute: ComputeThreads = .single) throws(SamplingError) {
        try self.init(config: config, copying: parameters, streams: streams, halfPrecision: halfPrecision,
                      compute: compute)
    }

    private convenience init(config: ModelConfig, copying parameters: some Collection<Float>, streams: Int,
                             halfPrecision: Bool, compute: ComputeThreads) throws(SamplingError) {
        try Self.check(config: config, weightCount: parameters.count, streams: streams)
        let weights = Buffer<Float>(count: parameters.count)
        _ = weights.pointer.update(fromContentsOf: parameters)
        self.init(config: config, checkedWeights: InferenceWeights(sharing: weights, half: halfPrecision && streams == 1),
                  streams: streams, compute: compute)
    }

    /// Steps N streams with `weights` (P floats in layout order) used in place,
    /// not copied: e.g. a training model's parameters.
    /// - Throws: `SamplingError` for an invalid config, anything but exactly P values, or N < 1.
    package convenience init(config: ModelConfig, sharing weights: Buffer<Float>, streams: Int = 1,
                            halfPrecision: Bool = false, compute: ComputeThreads = .single) throws(SamplingError) {
        try Self.check(config: config, weightCount: weights.count, streams: streams)
        self.init(config: config, checkedWeights: InferenceWeights(sharing: weights, half: halfPrecision && streams == 1),
                  streams: streams, compute: compute)
    }

    /// Steps N streams with `weights`; the products read their binary16 copy when they have one.
    /// - Throws: `SamplingError` for an invalid config, anything but exactly P values, or N < 1.
    package convenience init(config: ModelConfig, weights: InferenceWeights, streams: Int = 1,
                            compute: ComputeThreads = .single) throws(SamplingError) {
        try Self.check(config: config, weightCount: weights.count, streams: streams)
        self.init(config: config, checkedWeights: weights, streams: streams, compute: compute)
    }

    /// Refuses what `init(config:checkedWeights:streams:)` cannot step.
    static func check(config: ModelConfig, weightCount: Int, streams: Int) throws(SamplingError) {
        if let problem = config.problem() { throw .invalidConfig(problem) }
        let needed = ParameterLayout(config).count
        guard weightCount == needed else { throw .parameterCount(given: weightCount, needed: needed) }
        guard streams >= 1 else { throw .streamCount(streams) }
    }

    /// Steps N streams with `weights`, which the caller made for `config`
    /// (SamplingModel and ShowModel from a validated checkpoint, `bench` from
    /// its own model): what `check` refuses is a programming error here.
    /// `compute` gives the thread count (a second core for batch-1 products,
    /// blocks of streams) and the kernel-choice thresholds.
    package init(config: ModelConfig, checkedWeights weights: InferenceWeights, streams: Int,
                 compute: ComputeThreads = .single) {
        precondition(config.problem() == nil && weights.count == ParameterLayout(config).count && streams >= 1,
                     "InferenceModel: weights not checked for this config")
        self.config = config
        layout = ParameterLayout(config)
        self.streams = streams
        self.weights = weights
        self.compute = compute
        halfPrecision = weights.half != nil
        floats = halfPrecision ? weights.floatsIfPresent : weights.base
        let (E, H, G) = (config.embed, config.hidden, config.cell.gateCount)
        inputs = (0..<config.layers).map { l in Buffer(count: streams * ((l == 0 ? E : H) + H)) }
        cells = (0..<config.layers).map { _ in Buffer(count: config.cell.hasCellState ? streams * H : 0) }
        gates = Buffer(count: streams * G * H)
        recurrent = Buffer(count: config.cell == .gru ? streams * G * H : 0)
        cellScratch = Buffer(count: config.cell.hasCellState ? streams * 2 * H : 0)
        logitBuffer = Buffer(count: streams * config.vocab)
        // A second core for the batch-1 products, when there is one to use and
        // the layers are large enough to pay for the hand-over.
        let largest = (max(E, H) + H) * G * H
        pair = streams == 1 && compute.count >= 2 && largest >= compute.pairThreshold ? ck_gemv_pair_create() : nil
        var strips: [Int: HalfStrips] = [:]
        if pair != nil, halfPrecision, let half = weights.half {
            // The products `step` runs: [x, h]·[Wx; Wh] per layer, or x·Wx and h·Wh for the GRU.
            for l in 0..<config.layers {
                let In = l == 0 ? E : H, p = layout.layers[l]
                let products = config.cell == .gru ? [(p.wx.offset, In), (p.wh.offset, H)] : [(p.wx.offset, In + H)]
                for (offset, k) in products where Self.isPaired(k: k, n: G * H, threshold: compute.pairThreshold) {
                    strips[offset] = HalfStrips(half + offset, k: k, n: G * H)
                }
            }
        }
        self.strips = strips
        var panels: [Int: SmallNPanels] = [:]
        let tables = streams > 1 && config.vocab * G * H * MemoryLayout<Float>.size <= compute.inputTableBytes
        if streams > 1 {
            // The products `step` runs, as above, and the logits' h · Wy.
            var products: [(offset: Int, k: Int, n: Int)] = []
            // With `inputTable`, layer 0's input part is not multiplied: its product is over h alone.
            for l in 0..<config.layers {
                let In = l == 0 ? E : H, p = layout.layers[l], tabled = l == 0 && tables
                products += config.cell == .gru ? (tabled ? [] : [(p.wx.offset, In, G * H)]) + [(p.wh.offset, H, G * H)]
                                                : [tabled ? (p.wh.offset, H, G * H) : (p.wx.offset, In + H, G * H)]
            }
            products.append((layout.outputWeight.offset, H, config.vocab))
            for (offset, k, n) in products {
                panels[offset] = halfPrecision ? SmallNPanels(half: weights.half! + offset, k: k, n: n)
                                               : SmallNPanels(floats: floats! + offset, k: k, n: n)
            }
        }
        self.panels = panels
        // The bottom layer's input is an embedding row, one of V: the first In
        // terms of each gate's sum (from the bias) depend on the id alone, so
        // they are summed once per id here, by the batch-1 GEMV in its order.
        inputTable = Buffer(count: tables ? config.vocab * G * H : 0)
        if tables {
            let V = config.vocab, GH = G * H, p = layout.layers[0]
            let table = inputTable.base
            let embedded = Buffer<Float>(count: V * E)
            let floats = self.floats, half = weights.half
            func widen(_ dst: UnsafeMutablePointer<Float>, at offset: Int, count: Int) {
                if let floats { dst.update(from: floats + offset, count: count) }
                else { ck_f16_to_f32(dst, half! + offset, Int64(count)) }
            }
            for v in 0..<V {
                widen(table + v * GH, at: p.bias.offset, count: GH)
                widen(embedded.base + v * E, at: layout.embedding.offset + v * E, count: E)
            }
            if halfPrecision {
                ck_gemm_small_n_rows(1, Int64(V), Int64(E), Int64(GH), embedded.base, Int64(E), weights.half! + p.wx.offset,
                                     Int64(GH), 1, table, Int64(GH))
            } else {
                ck_gemm_small_n_rows(0, Int64(V), Int64(E), Int64(GH), embedded.base, Int64(E), floats! + p.wx.offset,
                                     Int64(GH), 1, table, Int64(GH))
            }
        }
        let blocks = streams > 1 ? Self.streamBlocks(streams: streams, threads: compute.count, splitBytes: compute.streamSplitBytes,
                                                     panelBytes: Self.panelBytes(config: config, half: halfPrecision,
                                                                                 tabled: tables))
                                 : 1
        streamBlocks = blocks
        batchPool = streams > 1 && compute.count >= 2 ? ck_work_pool_create(Int32(max(blocks - 1, 1))) : nil
    }

    /// Bytes of the panels of every matrix a step multiplies (N > 1; tabled:
    /// layer 0's input part is in `inputTable`, not multiplied).
    static func panelBytes(config: ModelConfig, half: Bool, tabled: Bool) -> Int {
        let (E, H, GH) = (config.embed, config.hidden, config.cell.gateCount * config.hidden)
        var elements = (config.vocab + 15) / 16 * 16 * H
        for l in 0..<config.layers { elements += (l == 0 ? (tabled ? H : E + H) : 2 * H) * ((GH + 15) / 16 * 16) }
        return elements * (half ? 2 : 4)
    }

    /// The largest `inputTable` (V·G·H binary32 values) made for N > 1: it
    /// costs V·E·G·H multiply-adds when the model is prepared and pays back
    /// N·E·G·H per step, so a large vocabulary (CJK text, thousands of
    /// graphemes) keeps the plain product.
    /// (ComputeThreads.inputTableBytes, 4 MiB by default.)

    /// Weights (panel bytes) up to which N > 1 streams are split into blocks
    /// stepped whole by one thread each, rather than each product's columns
    /// split: every thread then reads all the weights, which pays while they
    /// stay in its core's L2 (hidden 128: 0.8 MB), and a step forks and joins
    /// once instead of once per product, with the cells' maths in parallel
    /// too. Larger weights come from L3 or memory, where the column split
    /// reads each byte on one core only (the bundled 2×384 model, 3.6 MB, is
    /// as fast either way on 2 cores; docs/performance.md).
    /// (ComputeThreads.streamSplitBytes, 1 MiB by default.)

    /// The blocks of streams for N streams on `threads` threads: 1 (the
    /// column split) for one thread or large weights; else at most one per
    /// thread, each of at least 2 streams (CHARLSTM_STREAM_BLOCKS overrides, for measurements).
    static func streamBlocks(streams: Int, threads: Int, splitBytes: Int, panelBytes: Int) -> Int {
        if let forced = getenv("CHARLSTM_STREAM_BLOCKS").flatMap({ Int(String(cString: $0)) }), forced >= 1 {
            return min(forced, streams)
        }
        guard threads >= 2, streams >= 2, panelBytes <= splitBytes else { return 1 }
        return min(threads, streams / 2)
    }

    /// Whether a batch-1 product (k, n) is split across two cores (the logits' product is narrow).
    private static func isPaired(k: Int, n: Int, threshold: Int) -> Bool { n >= 128 && k * n >= threshold }

    deinit {
        ck_gemv_pair_destroy(pair)
        ck_work_pool_destroy(batchPool)
    }

    /// Whether `forEachBlock` runs its blocks on different threads at once
    /// (N > 1 streams of a small model, a second core, no layer observer).
    package var stepsBlocksInParallel: Bool { streamBlocks > 1 && batchPool != nil && layerObserver == nil }

    /// Whether large batch-1 products use a second core.
    var usesSecondCore: Bool { pair != nil }

    /// Multiply-adds from which a batch-1 product is split across two cores
    /// (measured with the C kernels on this machine: hidden 128, 98k, 1.65×;
    /// hidden 512, 1.2M, 1.5×; below ~16k the hand-over costs more than it saves).
    /// (ComputeThreads.pairThreshold, 1 << 15 by default.)

    /// Zeroes the state of every stream.
    package func reset() {
        for b in inputs { b.zero() }
        for c in cells { c.zero() }
    }

    /// The logits (N, V) of the last `step`; row s is stream s.
    package var logits: UnsafePointer<Float> { UnsafePointer(logitBuffer.base) }

    /// Advances every stream by one grapheme, ids[s] for stream s, and
    /// returns the logits (N, V) for the next grapheme.
    /// - Throws: `.idCount` unless there are N ids, `.idOutOfRange` for an id
    ///   outside 0..<V; then nothing is stepped.
    @discardableResult
    package func step(_ ids: [Int32]) throws(SamplingError) -> UnsafePointer<Float> {
        guard ids.count == streams else { throw .idCount(given: ids.count, streams: streams) }
        for id in ids where id < 0 || Int(id) >= config.vocab { throw .idOutOfRange(id: Int(id), vocab: config.vocab) }
        return ids.withUnsafeBufferPointer { step(unchecked: $0.baseAddress!) }
    }

    /// `step(_:)` unchecked, for the library's own loops (sample, score, fill,
    /// show, bench): `ids` (N) must all be in 0..<V. They are ids the library
    /// drew from the logits or encoded with the model's vocabulary, except
    /// where a public caller hands in ids itself (TextGenerator's prime,
    /// TextScorer.feed/score, HoleFiller.fill), which are not checked yet.
    @discardableResult
    package func step(unchecked ids: UnsafePointer<Int32>) -> UnsafePointer<Float> {
        step(unchecked: ids) { _, _ in }
    }

    /// `step(unchecked:)`, then `then(block, streams)` for each block of
    /// streams (0..<`streamBlocks`, a contiguous range of streams each) as
    /// soon as their logits are final, on the thread that stepped them, in
    /// the same fork: the caller's per-stream work on the logits (TextGenerator's
    /// draws) runs in parallel too. Blocks may run at the same time: `then`
    /// must touch only its streams' data and per-block scratch.
    @discardableResult
    package func step(unchecked ids: UnsafePointer<Int32>,
                      then: (_ block: Int, _ streams: Range<Int>) -> Void) -> UnsafePointer<Float> {
        let N = streams
        if stepsBlocksInParallel {
            // One fork-join per step: block b's streams through every layer and the logits.
            forEachBlock { b, range in
                self.advance(streams: range, ids: ids, pool: nil)
                then(b, range)
            }
        } else {
            advance(streams: 0..<N, ids: ids, pool: batchPool)
            then(0, 0..<N)
        }
        return UnsafePointer(logitBuffer.base)
    }

    /// Calls `body(block, streams)` once for each block of streams
    /// (0..<`streamBlocks`, a contiguous range of streams each), the blocks at
    /// the same time on the model's threads (one fork-join for the whole
    /// call; in order on this thread without a second core or with one
    /// block). Inside, `step(block:ids:)` steps a block's streams alone, so a
    /// caller whose streams need nothing from each other runs many steps per
    /// fork: `body` must touch only its streams' data and per-block scratch.
    package func forEachBlock(_ body: (_ block: Int, _ streams: Range<Int>) -> Void) {
        let blocks = streamBlocks
        guard blocks > 1, let batchPool else {
            for b in 0..<blocks { body(b, blockStreams(b)) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let item: (Int) -> Void = { b in body(b, self.blockStreams(b)) }
            withUnsafePointer(to: item) { context in
                ck_work_pool_run(batchPool, Int64(blocks), { context, b in
                    context!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(Int(b))
                }, UnsafeMutableRawPointer(mutating: context))
            }
        }
    }

    /// The streams of block b (0..<`streamBlocks`): near-equal contiguous ranges.
    package func blockStreams(_ b: Int) -> Range<Int> {
        streams * b / streamBlocks ..< streams * (b + 1) / streamBlocks
    }

    /// Advances the streams of one block (`forEachBlock`'s range; ids[s] for
    /// stream s, in 0..<V) by one grapheme, on this thread; their rows of
    /// `logits` are then final. Each stream gets the bits `step` gives it.
    package func step(block range: Range<Int>, ids: UnsafePointer<Int32>) {
        precondition(layerObserver == nil, "InferenceModel.step(block:ids:) with a layer observer")
        advance(streams: range, ids: ids, pool: streamBlocks > 1 ? nil : batchPool)
    }

    /// Steps streams `range` (ids[s] for stream s) through every layer and the
    /// logits. Streams are independent: blocks of them may run on different
    /// threads at once, and each stream's bits do not depend on the blocks.
    /// pool: splits the products' columns (nil: this thread alone).
    private func advance(streams range: Range<Int>, ids: UnsafePointer<Int32>, pool: OpaquePointer?) {
        let (E, H, V, G) = (config.embed, config.hidden, config.vocab, config.cell.gateCount)
        let GH = G * H, s0 = range.lowerBound, rows = range.count
        if inputTable.count == 0 {
            // Embedding rows into layer 0's x part (else `inputTable` holds their products).
            let in0 = inputs[0].base, width0 = E + H
            for s in range { load(in0 + s * width0, at: layout.embedding.offset + Int(ids[s]) * E, count: E) }
        }

        for l in 0..<config.layers {
            let In = l == 0 ? E : H, width = In + H
            let row = inputs[l].base + s0 * width
            let p = layout.layers[l]
            let g = gates.base + s0 * GH
            // From the table (N > 1, layer 0): bias + x·Wx is there; only h·Wh is left.
            let tabled = l == 0 && inputTable.count > 0
            if tabled {
                for s in range { (gates.base + s * GH).update(from: inputTable.base + Int(ids[s]) * GH, count: GH) }
            } else {
                for s in range { load(gates.base + s * GH, at: p.bias.offset, count: GH) }
            }
            if config.cell == .gru {
                // r and z need x·Wx + h·Wh, n needs x·Wxn + r⊙(h·Whn): two products.
                if !tabled {
                    product(out: g, a: row, lda: width, k: In, w: p.wx.offset, n: GH, rows: rows, beta: 1, pool: pool)
                }
                product(out: recurrent.base + s0 * GH, a: row + In, lda: width, k: H, w: p.wh.offset, n: GH,
                        rows: rows, beta: 0, pool: pool)
            } else if tabled {
                // The sums continue over h: rows In..<In + H of [Wx; Wh] are Wh.
                product(out: g, a: row + In, lda: width, k: H, w: p.wh.offset, n: GH, rows: rows, beta: 1, pool: pool)
            } else {
                // [x, h] · [Wx; Wh] as one (In + H, G·H) matrix.
                product(out: g, a: row, lda: width, k: width, w: p.wx.offset, n: GH, rows: rows, beta: 1, pool: pool)
            }
            // Where this layer's new h goes: its own state, and the next layer's x part.
            for s in range {
                let gs = gates.base + s * GH, h = inputs[l].base + s * width + In
                switch config.cell {
                case .lstm:
                    // lstm_cell.c, as training steps it (c' into the scratch, then back into c).
                    let c = cells[l].base + s * H, cNext = cellScratch.base + s * 2 * H
                    Float.lstmForwardStep(rows: 1, hidden: H, units: 0..<H, gates: gs, cPrev: c, cNext: cNext,
                                          tanhC: cNext + H, hNext: h)
                    c.update(from: cNext, count: H)
                case .gru:
                    GRULayer<Float>.cellForward(hidden: H, gates: gs, recurrent: recurrent.base + s * GH, hPrev: h, hNext: h)
                case .rnn:
                    Float.tanh(h, gs, H)
                }
                if let layerObserver {
                    layerObserver(l, s, gs, config.cell == .lstm ? UnsafePointer(cells[l].base + s * H) : nil, h)
                }
                if l + 1 < config.layers {
                    (inputs[l + 1].base + s * (2 * H)).update(from: h, count: H)
                }
            }
        }
        // logits (N, V) = h_top · Wy + by
        let topIn = config.layers == 1 ? E : H
        let top = inputs[config.layers - 1].base + s0 * (topIn + H)
        let out = logitBuffer.base
        for s in range { load(out + s * V, at: layout.outputBias.offset, count: V) }
        product(out: out + s0 * V, a: top + topIn, lda: topIn + H, k: H, w: layout.outputWeight.offset, n: V,
                rows: rows, beta: 1, pool: pool)
    }

    /// dst (count) = the weights at `offset` (binary32, or binary16 widened exactly when that is all there is).
    @inline(__always)
    private func load(_ dst: UnsafeMutablePointer<Float>, at offset: Int, count: Int) {
        if let floats {
            dst.update(from: floats + offset, count: count)
        } else {
            ck_f16_to_f32(dst, weights.half! + offset, Int64(count))
        }
    }

    /// out (rows, n) = a (rows, k; row stride lda) · W (k, n) + beta · out, W the weights at offset `w`.
    @inline(__always)
    private func product(out: UnsafeMutablePointer<Float>, a: UnsafePointer<Float>, lda: Int, k: Int,
                         w: Int, n: Int, rows: Int, beta: Float, pool: OpaquePointer?) {
        if streams == 1 {
            // Split across two cores (bit-identical) when worth it.
            let paired = Self.isPaired(k: k, n: n, threshold: compute.pairThreshold) ? pair : nil
            if halfPrecision, let half = weights.half {
                if let paired, let s = strips[w] {
                    ck_gemv_pair_f16_strips(paired, Int64(k), Int64(n), s.base, half + w, Int64(n), a, beta, out)
                } else if let paired { ck_gemv_pair_f16(paired, Int64(k), Int64(n), half + w, Int64(n), a, beta, out) }
                else { ck_gemv_f16(Int64(k), Int64(n), half + w, Int64(n), a, beta, out) }
            } else if let paired {
                ck_gemv_pair_f32(paired, Int64(k), Int64(n), floats! + w, Int64(n), a, beta, out)
            } else {
                // Our own GEMV, not BLAS: no call overhead, and batch-1 stepping never loads OpenBLAS.
                ck_gemv_f32(Int64(k), Int64(n), floats! + w, Int64(n), a, beta, out)
            }
        } else if halfPrecision, let half = weights.half {
            ck_gemm_small_n_f16(pool, Int64(rows), Int64(k), Int64(n), a, Int64(lda),
                                panels[w]!.halves, half + w, Int64(n), beta, out, Int64(n))
        } else {
            ck_gemm_small_n_f32(pool, Int64(rows), Int64(k), Int64(n), a, Int64(lda),
                                panels[w]!.floats, floats! + w, Int64(n), beta, out, Int64(n))
        }
    }
}
