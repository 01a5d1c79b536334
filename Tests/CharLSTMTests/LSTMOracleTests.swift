// The fused LSTM against a naive per-gate LSTM written straight from the seed equations:
//   f = σ(W_f·[h,x]+b_f), i = σ(W_i·[h,x]+b_i), o = σ(W_o·[h,x]+b_o), c̃ = tanh(W_c·[h,x]+b_c)
//   c' = f⊙c + i⊙c̃,  h' = o⊙tanh(c')
// Forward and backward, in Float, to ~1e-5.
import XCTest
@testable import CharLSTMSupport
@testable import CharLSTMText
@testable import CharLSTMModel
@testable import CharLSTMCheckpoint
@testable import CharLSTMSampling
@testable import CharLSTMTraining
@testable import CharLSTMBench

/// One gate's weights, kept separately as the equations write them.
private struct Gate {
    var wx: [[Float]]   // [In][H]
    var wh: [[Float]]   // [H][H]
    var b: [Float]      // [H]
}

private func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

/// Naive LSTM: forward over T steps for B streams, then BPTT for L = Σ R ⊙ h.
private struct NaiveLSTM {
    var i: Gate, f: Gate, o: Gate, c: Gate
    let In: Int, H: Int

    func pre(_ g: Gate, _ x: [Float], _ h: [Float]) -> [Float] {
        (0..<H).map { j in
            var s = g.b[j]
            for k in 0..<In { s += x[k] * g.wx[k][j] }
            for k in 0..<H { s += h[k] * g.wh[k][j] }
            return s
        }
    }

    /// Returns outputs [t][b][H] and gradients of each gate plus dx [t][b][In], dh0, dc0.
    func run(x: [[[Float]]], h0: [[Float]], c0: [[Float]], r: [[[Float]]])
        -> (hs: [[[Float]]], grads: [Gate], dx: [[[Float]]], dh0: [[Float]], dc0: [[Float]]) {
        let T = x.count, B = x[0].count
        var hs = [[[Float]]](), cs = [[[Float]]](), acts = [[[[Float]]]]()  // acts[t][b] = [i, f, o, g]
        var h = h0, cc = c0
        cs.append(c0)
        var hPrev = [[[Float]]]()
        for t in 0..<T {
            var ht = [[Float]](), ct = [[Float]](), at = [[[Float]]]()
            for b in 0..<B {
                let ig = pre(i, x[t][b], h[b]).map(sigmoid)
                let fg = pre(f, x[t][b], h[b]).map(sigmoid)
                let og = pre(o, x[t][b], h[b]).map(sigmoid)
                let gg = pre(c, x[t][b], h[b]).map { tanhf($0) }
                let cn = (0..<H).map { fg[$0] * cc[b][$0] + ig[$0] * gg[$0] }
                let hn = (0..<H).map { og[$0] * tanhf(cn[$0]) }
                ht.append(hn); ct.append(cn); at.append([ig, fg, og, gg])
            }
            hPrev.append(h)
            h = ht; cc = ct
            hs.append(ht); cs.append(ct); acts.append(at)
        }
        // Backward.
        func zeroGate() -> Gate {
            Gate(wx: Array(repeating: Array(repeating: 0, count: H), count: In),
                 wh: Array(repeating: Array(repeating: 0, count: H), count: H), b: Array(repeating: 0, count: H))
        }
        var grads = [zeroGate(), zeroGate(), zeroGate(), zeroGate()]  // i, f, o, c
        var dx = Array(repeating: Array(repeating: Array(repeating: Float(0), count: In), count: B), count: T)
        var dhNext = Array(repeating: Array(repeating: Float(0), count: H), count: B)
        var dcNext = dhNext
        let gatesList = [i, f, o, c]
        for t in stride(from: T - 1, through: 0, by: -1) {
            var dhPrev = Array(repeating: Array(repeating: Float(0), count: H), count: B)
            for b in 0..<B {
                let (ig, fg, og, gg) = (acts[t][b][0], acts[t][b][1], acts[t][b][2], acts[t][b][3])
                var dpre = Array(repeating: Array(repeating: Float(0), count: H), count: 4)
                for j in 0..<H {
                    let dh = r[t][b][j] + dhNext[b][j]
                    let tc = tanhf(cs[t + 1][b][j])
                    let dc = dcNext[b][j] + dh * og[j] * (1 - tc * tc)
                    dpre[2][j] = dh * tc * og[j] * (1 - og[j])
                    dpre[0][j] = dc * gg[j] * ig[j] * (1 - ig[j])
                    dpre[1][j] = dc * cs[t][b][j] * fg[j] * (1 - fg[j])
                    dpre[3][j] = dc * ig[j] * (1 - gg[j] * gg[j])
                    dcNext[b][j] = dc * fg[j]
                }
                for q in 0..<4 {
                    for j in 0..<H {
                        grads[q].b[j] += dpre[q][j]
                        for k in 0..<In { grads[q].wx[k][j] += x[t][b][k] * dpre[q][j]; dx[t][b][k] += gatesList[q].wx[k][j] * dpre[q][j] }
                        for k in 0..<H { grads[q].wh[k][j] += hPrev[t][b][k] * dpre[q][j]; dhPrev[b][k] += gatesList[q].wh[k][j] * dpre[q][j] }
                    }
                }
            }
            dhNext = dhPrev
        }
        return (hs, grads, dx, dhNext, dcNext)
    }
}

final class LSTMOracleTests: XCTestCase {
    /// H = 37 runs the vectorised cell kernels' full blocks and their tails.
    func testFusedMatchesNaivePerGateLSTM() {
        for H in [5, 37] { compareWithNaive(hidden: H) }
    }

    private func compareWithNaive(hidden H: Int) {
        let (B, T, In) = (2, 4, 3)
        let cfg = ModelConfig(cell: .lstm, layers: 1, embed: In, hidden: H, vocab: 7)
        let layout = ParameterLayout(cfg)
        let p = layout.layers[0]
        var rng = RandomGenerator(seed: 3)
        func u() -> Float { rng.nextFloat() * 2 - 1 }
        let w = Buffer<Float>(count: layout.count)
        for k in 0..<layout.count { w[k] = u() }
        // Unfuse: gate q's column j is fused column q·H + j, gate order [i | f | o | g].
        func gate(_ q: Int) -> Gate {
            Gate(wx: (0..<In).map { k in (0..<H).map { j in w[p.wx.offset + k * 4 * H + q * H + j] } },
                 wh: (0..<H).map { k in (0..<H).map { j in w[p.wh.offset + k * 4 * H + q * H + j] } },
                 b: (0..<H).map { j in w[p.bias.offset + q * H + j] })
        }
        let naive = NaiveLSTM(i: gate(0), f: gate(1), o: gate(2), c: gate(3), In: In, H: H)
        let x = (0..<T).map { _ in (0..<B).map { _ in (0..<In).map { _ in u() } } }
        let h0 = (0..<B).map { _ in (0..<H).map { _ in u() * 0.5 } }
        let c0 = (0..<B).map { _ in (0..<H).map { _ in u() * 0.5 } }
        let r = (0..<T).map { _ in (0..<B).map { _ in (0..<H).map { _ in u() } } }
        let ref = naive.run(x: x, h0: h0, c0: c0, r: r)

        let layer = LSTMLayer<Float>(inputSize: In, hiddenSize: H, parameters: p)
        let xs = Buffer<Float>(copying: x.flatMap { $0.flatMap { $0 } })
        let state = LayerState<Float>(batch: B, hidden: H, hasCell: true)
        for b in 0..<B { for j in 0..<H { state.h[b * H + j] = h0[b][j]; state.c[b * H + j] = c0[b][j] } }
        let out = layer.forward(input: .rows(xs.base), steps: T, state: state, weights: w.base)
        var worst: Float = 0
        for t in 0..<T { for b in 0..<B { for j in 0..<H {
            worst = max(worst, abs(out[(t * B + b) * H + j] - ref.hs[t][b][j]))
        } } }
        XCTAssertLessThan(worst, 1e-5, "forward h, H \(H)")

        let dOut = Buffer<Float>(copying: r.flatMap { $0.flatMap { $0 } })
        let dX = Buffer<Float>(count: xs.count), g = Buffer<Float>(count: layout.count)
        let dS = LayerState<Float>(batch: B, hidden: H, hasCell: true)
        layer.backward(dInput: dX.base, dOutput: dOut.base, initialStateGradient: dS, weights: w.base, gradients: g.base)
        func check(_ a: Float, _ e: Float, _ what: String) {
            XCTAssertLessThan(abs(a - e), 1e-5 * max(1, abs(e)), "\(what), H \(H)")
        }
        for q in 0..<4 {
            for j in 0..<H {
                check(g[p.bias.offset + q * H + j], ref.grads[q].b[j], "db gate \(q)")
                for k in 0..<In { check(g[p.wx.offset + k * 4 * H + q * H + j], ref.grads[q].wx[k][j], "dWx gate \(q)") }
                for k in 0..<H { check(g[p.wh.offset + k * 4 * H + q * H + j], ref.grads[q].wh[k][j], "dWh gate \(q)") }
            }
        }
        for t in 0..<T { for b in 0..<B { for k in 0..<In { check(dX[(t * B + b) * In + k], ref.dx[t][b][k], "dx") } } }
        for b in 0..<B { for j in 0..<H {
            check(dS.h[b * H + j], ref.dh0[b][j], "dh0")
            check(dS.c[b * H + j], ref.dc0[b][j], "dc0")
        } }
    }
}
