// CheckpointEncoder: a Checkpoint value → the bytes of a checkpoint file.
//
// Large arrays (weights, moments) are not copied: a section is a list of
// chunks that point at the caller's arrays, checksummed and written in place.

/// A run of bytes in a section.
import CharLSTMModel

enum Chunk {
    case bytes([UInt8])
    /// Float32, little-endian.
    case floats([Float])
    /// Float16, little-endian.
    case halves([Float16])

    var byteCount: Int {
        switch self {
        case .bytes(let b): b.count
        case .floats(let f): f.count * 4
        case .halves(let h): h.count * 2
        }
    }

    /// Calls `body` with the chunk's little-endian bytes.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        switch self {
        case .bytes(let b): return b.withUnsafeBytes(body)
        #if _endian(little)
        case .floats(let f): return f.withUnsafeBytes(body)
        case .halves(let h): return h.withUnsafeBytes(body)
        #else
        case .floats(let f): return f.map { $0.bitPattern.littleEndian }.withUnsafeBytes(body)
        case .halves(let h): return h.map { $0.bitPattern.littleEndian }.withUnsafeBytes(body)
        #endif
        }
    }
}

/// A checkpoint laid out as a file: header and table bytes, then sections at their offsets.
struct EncodedFile {
    /// Header followed by the section table.
    var head: [UInt8]
    /// Sections in file order with their offsets.
    var sections: [(offset: Int, chunks: [Chunk])]
    /// Total file size.
    var size: Int

    /// Calls `body` with consecutive pieces whose concatenation is the file
    /// (head, zero padding, section chunks); stops early when `body` returns false.
    func forEachPiece(_ body: (UnsafeRawBufferPointer) -> Bool) {
        let zeros = [UInt8](repeating: 0, count: Format.alignment)
        var position = 0
        func emit(_ raw: UnsafeRawBufferPointer) -> Bool { position += raw.count; return body(raw) }
        guard head.withUnsafeBytes(emit) else { return }
        for section in sections {
            let pad = section.offset - position
            if pad > 0 { guard zeros.withUnsafeBytes({ emit(UnsafeRawBufferPointer(rebasing: $0[0..<pad])) }) else { return } }
            for chunk in section.chunks { guard chunk.withBytes(emit) else { return } }
        }
    }

    /// The whole file in memory.
    func bytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(size)
        forEachPiece { out.append(contentsOf: $0); return true }
        return out
    }
}

enum CheckpointEncoder {
    /// Validates `c` and lays it out. The file says the lowest version that can
    /// hold it (`CheckpointFile.minorVersion(for:)`), so 1.0 readers keep reading
    /// forward models. `extraSections` (kind, flags, bytes) and `minor` exist for
    /// tests of forward compatibility.
    static func encode(_ c: Checkpoint, path: String, weightsOnly: Bool, half: Bool,
                       extraSections: [(kind: UInt32, flags: UInt32, bytes: [UInt8])] = [],
                       minor: UInt16? = nil) throws(CheckpointError) -> EncodedFile {
        let training = weightsOnly ? nil : c.training
        let average = training?.average
        let minor = minor ?? CheckpointFile.minorVersion(for: c.config, training: training, average: average != nil)
        func fail(_ what: String) -> CheckpointError { .invalidCheckpoint(path: path, what: what) }

        // Validate everything before touching the disk.
        if let p = c.config.problem() { throw fail("config: \(p)") }
        let P = ParameterLayout(c.config).count
        if c.vocabulary.count != c.config.vocab {
            throw fail("vocabulary has \(c.vocabulary.count) entries but the config says \(c.config.vocab)")
        }
        if c.parameters.count != P {
            throw fail("\(c.parameters.count) parameters but the config needs \(P)")
        }
        let m = c.metadata
        if m.step < 0 || m.epoch < 0 { throw fail("negative step or epoch in metadata") }
        let corpus = Array(m.corpusName.utf8)
        if corpus.count > Int(UInt32.max) { throw fail("corpus name too long") }
        if let t = training, let p = CheckpointRules.trainingProblem(
            optimizer: t.options.optimizer, batch: t.options.batch, seqLength: t.options.seqLength,
            moment1: t.moment1.count, moment2: t.moment2.count, carried: t.carriedState.count,
            step: t.step, epoch: t.epoch, dataPosition: t.dataPosition, config: c.config, parameterCount: P) {
            throw fail("training state: \(p)")
        }
        if let a = average, let p = CheckpointRules.averageProblem(from: a.from, count: a.count, weights: a.weights.count,
                                                                   parameterCount: P) {
            throw fail("weight average: \(p)")
        }

        var sections: [(kind: UInt32, flags: UInt32, chunks: [Chunk])] = []

        // CONF
        var w = ByteWriter()
        w.u8(c.config.cell.code)
        w.u8(c.config.normalization.code)
        w.u8(c.config.direction.code)
        w.u8(0)
        w.u32(UInt32(c.config.layers))
        w.u32(UInt32(c.config.embed))
        w.u32(UInt32(c.config.hidden))
        w.u32(UInt32(c.config.vocab))
        w.f32(c.config.dropout)
        w.u64(UInt64(P))
        w.i64(m.step)
        w.i64(m.epoch)
        w.f64(m.bestValBPC ?? 0)
        w.u64(UInt64(bitPattern: m.createdAt))
        w.u32(m.bestValBPC == nil ? 0 : Format.metaHasBestVal)
        w.u32(UInt32(corpus.count))
        w.raw(corpus)
        sections.append((Format.config, 0, [.bytes(w.bytes)]))

        // VOCB
        w = ByteWriter()
        w.u32(UInt32(c.vocabulary.count))
        for token in c.vocabulary.tokens {
            let utf8 = Array(token.utf8)
            w.u32(UInt32(utf8.count))
            w.raw(utf8)
        }
        sections.append((Format.vocabulary, 0, [.bytes(w.bytes)]))

        // WGHT
        if half {
            var halves = [Float16](repeating: 0, count: P)
            for i in 0..<P {
                let x = c.parameters[i]
                let h = Float16(x)
                if h.isInfinite && !x.isInfinite {
                    throw .halfPrecisionOverflow(path: path, index: i, value: x)
                }
                halves[i] = h
            }
            sections.append((Format.weights, Format.sectionFloat16, [.halves(halves)]))
        } else {
            sections.append((Format.weights, 0, [.floats(c.parameters)]))
        }

        // TRAN
        if let t = training {
            let o = t.options
            w = ByteWriter()
            w.u8(o.optimizer.code)
            w.zeros(7)
            w.i64(o.batch)
            w.i64(o.seqLength)
            w.f64(o.learningRate)
            w.f64(o.lrDecay)
            w.i64(o.lrDecayEvery)
            w.f64(o.gradClip)
            w.f64(o.valFraction)
            w.f64(o.testFraction)
            w.i64(o.totalSteps)
            w.u64(o.seed)
            w.i64(t.step)
            w.i64(t.epoch)
            w.i64(t.dataPosition)
            w.f64(t.learningRate)
            w.u64(UInt64(t.moment1.count))
            w.u64(UInt64(t.moment2.count))
            w.u64(UInt64(t.carriedState.count))
            w.u64(UInt64(t.rngState.count))
            w.u64(UInt64(t.history.count))
            w.f64(o.weightDrop)   // 160: format 1.2 (reserved and zero before)
            w.u8(o.dropoutMask.code)   // 168: format 1.3 (reserved and zero before: step)
            w.zeros(Format.trainingFixedSize - w.bytes.count)
            var tail = ByteWriter()
            for word in t.rngState { tail.u64(word) }
            for h in t.history {
                tail.i64(h.step)
                tail.f64(h.epoch)
                tail.f64(h.trainBPC)
                tail.f64(h.valBPC)
                tail.f64(h.learningRate)
            }
            sections.append((Format.training, Format.sectionOptional,
                             [.bytes(w.bytes), .floats(t.moment1), .floats(t.moment2), .floats(t.carriedState), .bytes(tail.bytes)]))
        }
        // AVRG
        if let a = average {
            w = ByteWriter()
            w.u8(a.weightsAreAverage ? 1 : 0)
            w.zeros(7)
            w.i64(a.from)
            w.i64(a.count)
            w.u64(UInt64(a.weights.count))
            sections.append((Format.average, Format.sectionOptional, [.bytes(w.bytes), .floats(a.weights)]))
        }
        for extra in extraSections { sections.append((extra.kind, extra.flags, [.bytes(extra.bytes)])) }

        // Layout: header, table, then each section at the next aligned offset.
        let tableEnd = Format.headerSize + sections.count * Format.entrySize
        var offset = Format.aligned(tableEnd)
        var table = ByteWriter()
        var placed: [(offset: Int, chunks: [Chunk])] = []
        for s in sections {
            let length = s.chunks.reduce(0) { $0 + $1.byteCount }
            var crc: UInt32 = 0
            for chunk in s.chunks { crc = chunk.withBytes { CRC32.checksum($0, continuing: crc) } }
            table.u32(s.kind)
            table.u32(s.flags)
            table.u64(UInt64(offset))
            table.u64(UInt64(length))
            table.u32(crc)
            table.u32(0)
            placed.append((offset, s.chunks))
            offset = Format.aligned(offset + length)
        }
        let size = placed.last.map { p in p.offset + p.chunks.reduce(0) { $0 + $1.byteCount } } ?? tableEnd

        var h = ByteWriter()
        h.raw(Format.magic)
        h.u16(CheckpointFile.formatVersion.major)
        h.u16(minor)
        h.u32((half ? Format.headerHalfWeights : 0) | (training != nil ? Format.headerHasTraining : 0))
        h.u32(UInt32(Format.headerSize))
        h.u32(UInt32(sections.count))
        h.u32(UInt32(Format.entrySize))
        h.u32(CRC32.checksum(table.bytes))
        h.u64(UInt64(size))
        h.zeros(Format.offHeaderCRC - h.bytes.count)
        h.u32(CRC32.checksum(h.bytes))
        return EncodedFile(head: h.bytes + table.bytes, sections: placed, size: size)
    }
}

/// Consistency rules shared by the writer (before writing) and the reader (before allocating).
enum CheckpointRules {
    /// The first problem with a training state's sizes and counters, or nil.
    static func trainingProblem(optimizer: OptimizerKind, batch: Int, seqLength: Int, moment1: Int, moment2: Int,
                                carried: Int, step: Int, epoch: Int, dataPosition: Int,
                                config: ModelConfig, parameterCount P: Int) -> String? {
        if batch < 1 || batch > ModelConfig.maxDimension { return "batch size \(batch) is not in 1...\(ModelConfig.maxDimension)" }
        if seqLength < 1 || seqLength > ModelConfig.maxDimension { return "sequence length \(seqLength) is not in 1...\(ModelConfig.maxDimension)" }
        if step < 0 || epoch < 0 || dataPosition < 0 { return "negative step, epoch or data position" }
        if moment1 != P { return "first moment has \(moment1) floats, the model has \(P) parameters" }
        let expected2 = optimizer == .adam ? P : 0
        if moment2 != expected2 { return "second moment has \(moment2) floats, \(optimizer.rawValue) needs \(expected2)" }
        // L × (1 or 2) × B × H, all factors bounded (≤ 64, 2, 2^20, 2^20), so no overflow.
        let state = config.layers * (config.cell.hasCellState ? 2 : 1) * batch * config.hidden
        if carried != 0 && carried != state {
            return "carried state has \(carried) floats, expected 0 or \(state) (layers × states × batch × hidden)"
        }
        return nil
    }

    /// The first problem with a weight average's counters and size, or nil.
    static func averageProblem(from: Int, count: Int, weights: Int, parameterCount P: Int) -> String? {
        if from < 0 || count < 0 { return "negative first step or count" }
        if weights != (count == 0 ? 0 : P) {
            return "\(weights) floats for \(count) averaged steps, expected \(count == 0 ? 0 : P)"
        }
        return nil
    }
}
