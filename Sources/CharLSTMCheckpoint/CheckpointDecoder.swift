// CheckpointDecoder: validating bytes → Checkpoint.
//
// Order of checks (each failure is a typed error, nothing is trusted before it is checked):
//   1. magic, major version, header size, header CRC, file size
//   2. section table bounds and CRC; every entry inside the file, sections
//      not overlapping, gaps zero, every section CRC (unknown ones too)
//   3. required sections present once, flags understood
//   4. CONF: codes, ModelConfig.problem(), P recomputed with overflow checks
//   5. VOCB, WGHT, TRAN: lengths checked against V and P exactly
// Every allocation happens after a check that its byte size fits inside a
// section that lies inside the file, so a corrupt length can never ask for
// more memory than the file's own size.
//
// `validate` does every check and returns the parts with the weights and the
// training arrays still in the file's bytes; `decode` then copies them out
// into a Checkpoint. Sampling (MappedCheckpoint) stops after `validate` and
// reads the weights in place.

import CharLSTMText
import CharLSTMModel

enum CheckpointDecoder {
    /// A validated file before its arrays are copied out: `weights` and
    /// `training` point into the bytes given to `validate`.
    struct Parts {
        var config: ModelConfig
        var metadata: CheckpointMetadata
        var vocabulary: Vocabulary
        var file: CheckpointFileInfo
        /// WGHT: P little-endian values, Float16 if `file.halfWeights` else Float32, at a 64-byte aligned file offset.
        var weights: UnsafeRawBufferPointer
        /// TRAN, checked; `readTraining` copies out its arrays.
        var training: TrainingSection?
        /// AVRG, checked (only beside TRAN); `readAverage` copies out its weights.
        var average: AverageSection?
    }

    /// AVRG after its checks: the fixed part read, the weight count known to fit the section.
    struct AverageSection {
        var body: UnsafeRawBufferPointer
        var from: Int, count: Int, weightsAreAverage: Bool, weights: Int
    }

    /// TRAN after its checks: the fixed part read, the array counts known to fit the section.
    struct TrainingSection {
        var body: UnsafeRawBufferPointer
        var options: CheckpointTrainingOptions
        var step: Int, epoch: Int, dataPosition: Int
        /// moment1, moment2, carried state, RNG words, history points.
        var counts: (moment1: Int, moment2: Int, carried: Int, rng: Int, history: Int)
    }

    /// Validates everything and copies the file's contents into a Checkpoint (which owns its memory).
    static func decode(_ bytes: UnsafeRawBufferPointer, source path: String) throws(CheckpointError)
        -> (checkpoint: Checkpoint, file: CheckpointFileInfo) {
        let parts = try validate(bytes, source: path)
        let P = parts.weights.count / (parts.file.halfWeights ? 2 : 4)
        let parameters = parts.file.halfWeights ? readHalves(parts.weights, count: P) : readFloats(parts.weights, count: P)
        let checkpoint = Checkpoint(config: parts.config, metadata: parts.metadata, vocabulary: parts.vocabulary,
                                    parameters: parameters, training: parts.training.map { t in
                                        var state = readTraining(t)
                                        state.average = parts.average.map(readAverage)
                                        return state
                                    })
        return (checkpoint, parts.file)
    }

    /// Every check of the order at the top of this file, without copying the weights or the training arrays.
    static func validate(_ bytes: UnsafeRawBufferPointer, source path: String) throws(CheckpointError) -> Parts {
        func inconsistent(_ what: String) -> CheckpointError { .inconsistent(path: path, what: what) }
        let n = bytes.count
        let magic = Format.magic

        // 1. Header.
        let prefix = min(n, magic.count)
        for i in 0..<prefix where bytes[i] != magic[i] { throw .notACheckpoint(path: path) }
        if n < Format.offMinor + 2 { throw .truncated(path: path, expected: Format.headerSize, found: n) }
        let major = bytes.u16(Format.offMajor), minor = bytes.u16(Format.offMinor)
        let supported = CheckpointFile.version
        if major > supported.major {
            throw .newerVersion(path: path, file: CheckpointVersion(major: major, minor: minor), supported: supported)
        }
        if n < Format.headerSize { throw .truncated(path: path, expected: Format.headerSize, found: n) }
        // A newer minor version may extend the header, table entries and sections;
        // files of this minor or older must match this layout exactly.
        let newerMinor = major == supported.major && minor > supported.minor
        let headerSize = Int(bytes.u32(Format.offHeaderSize))
        if major < 1 || headerSize < Format.headerSize || headerSize > Format.maxHeaderSize
            || (headerSize != Format.headerSize && !newerMinor) || headerSize % 8 != 0 {
            throw .sectionCorrupt(path: path, section: "header")
        }
        if headerSize > n { throw .truncated(path: path, expected: headerSize, found: n) }
        var crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<Format.offHeaderCRC]))
        crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: bytes[Format.headerSize..<headerSize]), continuing: crc)
        if crc != bytes.u32(Format.offHeaderCRC) { throw .sectionCorrupt(path: path, section: "header") }
        let recordedSize = bytes.u64(Format.offFileSize)
        if recordedSize > UInt64(n) {
            throw .truncated(path: path, expected: recordedSize > UInt64(Int.max) ? Int.max : Int(recordedSize), found: n)
        }
        if recordedSize < UInt64(n) { throw inconsistent("\(UInt64(n) - recordedSize) unexpected bytes after the end of the file (\(recordedSize) bytes)") }
        let headerFlags = bytes.u32(Format.offFlags)

        // 2. Section table.
        let count = Int(bytes.u32(Format.offSectionCount))
        let entrySize = Int(bytes.u32(Format.offEntrySize))
        if count < 1 || count > Format.maxSections { throw inconsistent("section count \(count) is not in 1...\(Format.maxSections)") }
        if entrySize < Format.entrySize || entrySize > Format.maxEntrySize || (entrySize != Format.entrySize && !newerMinor) || entrySize % 8 != 0 {
            throw inconsistent("section table entry size \(entrySize) is not \(Format.entrySize)")
        }
        let tableEnd = headerSize + count * entrySize  // ≤ 4096 + 256 · 1024: no overflow
        if tableEnd > n { throw inconsistent("section table (\(tableEnd) bytes) extends past the end of the file (\(n) bytes)") }
        let tableBytes = UnsafeRawBufferPointer(rebasing: bytes[headerSize..<tableEnd])
        if CRC32.checksum(tableBytes) != bytes.u32(Format.offTableCRC) { throw .sectionCorrupt(path: path, section: "section table") }

        struct Entry { var kind: UInt32; var flags: UInt32; var offset: Int; var length: Int; var crc: UInt32 }
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        for i in 0..<count {
            let e = headerSize + i * entrySize
            let kind = bytes.u32(e), flags = bytes.u32(e + 4), off = bytes.u64(e + 8), len = bytes.u64(e + 16)
            let name = Format.sectionName(kind)
            // offset ≤ n and length ≤ n − offset: no overflow, inside the file.
            guard off <= UInt64(n), len <= UInt64(n) - off, Int(off) >= tableEnd else {
                throw inconsistent("section \(name) (offset \(off), length \(len)) lies outside the file's \(n) bytes")
            }
            entries.append(Entry(kind: kind, flags: flags, offset: Int(off), length: Int(len), crc: bytes.u32(e + 24)))
        }
        // Sections must not overlap; the gaps between them (padding) must be zero,
        // so that every byte of the file is either checksummed or checked.
        var position = tableEnd
        for e in entries.sorted(by: { $0.offset < $1.offset }) {
            if e.offset < position { throw inconsistent("section \(Format.sectionName(e.kind)) overlaps the one before it") }
            for i in position..<e.offset where bytes[i] != 0 { throw inconsistent("non-zero padding byte at offset \(i)") }
            position = e.offset + e.length
        }
        for i in position..<n where bytes[i] != 0 { throw inconsistent("non-zero padding byte at offset \(i)") }
        for e in entries {
            let section = UnsafeRawBufferPointer(rebasing: bytes[e.offset..<(e.offset + e.length)])
            if CRC32.checksum(section) != e.crc { throw .sectionCorrupt(path: path, section: Format.sectionName(e.kind)) }
        }

        // 3. Which sections, and are their flags understood?
        var found: [UInt32: Entry] = [:]
        let known: [UInt32: UInt32] = [  // kind → flags this build understands
            Format.config: 0, Format.vocabulary: 0,
            Format.weights: Format.sectionFloat16, Format.training: Format.sectionOptional,
            Format.average: Format.sectionOptional,
        ]
        for e in entries {
            let name = Format.sectionName(e.kind)
            guard let allowed = known[e.kind] else {
                if e.flags & Format.sectionOptional != 0 { continue }  // unknown optional: skip
                throw .unknownRequiredSection(path: path, kind: name)
            }
            if found[e.kind] != nil { throw inconsistent("section \(name) appears twice") }
            if e.flags & ~allowed != 0 {
                throw inconsistent("section \(name) has flags 0x\(String(e.flags, radix: 16)) this build does not understand"
                                   + (newerMinor ? " (written by format \(major).\(minor)): upgrade charlstm" : ""))
            }
            found[e.kind] = e
        }
        guard let confEntry = found[Format.config] else { throw inconsistent("missing section CONF (config)") }
        guard let vocabEntry = found[Format.vocabulary] else { throw inconsistent("missing section VOCB (vocabulary)") }
        guard let weightEntry = found[Format.weights] else { throw inconsistent("missing section WGHT (weights)") }
        let trainEntry = found[Format.training]
        let averageEntry = found[Format.average]
        if averageEntry != nil && trainEntry == nil { throw inconsistent("section AVRG (weight average) without a TRAN (training state) section") }
        let half = weightEntry.flags & Format.sectionFloat16 != 0
        if (headerFlags & Format.headerHalfWeights != 0) != half {
            throw inconsistent("header and section table disagree about Float16 weights")
        }
        if (headerFlags & Format.headerHasTraining != 0) != (trainEntry != nil) {
            throw inconsistent("header and section table disagree about the training state")
        }
        func body(_ e: Entry) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[e.offset..<(e.offset + e.length)]) }

        // 4. CONF.
        let conf = body(confEntry)
        if conf.count < Format.configFixedSize { throw inconsistent("section CONF has \(conf.count) bytes, fewer than \(Format.configFixedSize)") }
        let newer = newerMinor ? " (written by format \(major).\(minor)): upgrade charlstm" : ""
        guard let cell = CellKind(code: conf.u8(0)) else { throw inconsistent("unknown cell code \(conf.u8(0))\(newer)") }
        guard let norm = NormalizationForm(code: conf.u8(1)) else { throw inconsistent("unknown normalization code \(conf.u8(1))\(newer)") }
        // Byte 2 was reserved (zero) in format 1.0, so 1.0 files read as forward models.
        guard let direction = Direction(code: conf.u8(2)) else { throw inconsistent("unknown model direction code \(conf.u8(2))\(newer)") }
        let config = ModelConfig(cell: cell, layers: Int(conf.u32(4)), embed: Int(conf.u32(8)), hidden: Int(conf.u32(12)),
                                 vocab: Int(conf.u32(16)), dropout: conf.f32(20), normalization: norm, direction: direction)
        if let p = config.problem() { throw inconsistent("config: \(p)") }
        guard let P = ParameterLayout.checkedCount(config) else { throw inconsistent("config: parameter count overflows") }
        if conf.u64(24) != UInt64(P) { throw inconsistent("config records \(conf.u64(24)) parameters, its sizes give \(P)") }
        let metaFlags = conf.u32(64)
        let nameLength = Int(conf.u32(68))
        if nameLength > conf.count - Format.configFixedSize || (!newerMinor && nameLength != conf.count - Format.configFixedSize) {
            throw inconsistent("section CONF has \(conf.count) bytes, its corpus name needs \(Format.configFixedSize) + \(nameLength)")
        }
        guard let corpusName = String(validating: UnsafeRawBufferPointer(rebasing: conf[72..<(72 + nameLength)]), as: UTF8.self) else {
            throw inconsistent("corpus name is not valid UTF-8")
        }
        let step = conf.i64(32), epoch = conf.i64(40)
        if step < 0 || epoch < 0 { throw inconsistent("negative step or epoch in metadata") }
        let metadata = CheckpointMetadata(step: Int(step), epoch: Int(epoch),
                                          bestValBPC: metaFlags & Format.metaHasBestVal != 0 ? conf.f64(48) : nil,
                                          corpusName: corpusName, createdAt: conf.i64(56))

        // 5a. VOCB: u32 V, then V × (u32 length, UTF-8 bytes).
        let voc = body(vocabEntry)
        let V = config.vocab
        if voc.count < 4 { throw inconsistent("section VOCB has \(voc.count) bytes, fewer than 4") }
        if Int(voc.u32(0)) != V { throw inconsistent("vocabulary has \(voc.u32(0)) entries, the config says \(V)") }
        // Each entry takes at least 5 bytes: bounds the array below by the section size.
        if V > (voc.count - 4) / 5 { throw inconsistent("section VOCB has \(voc.count) bytes, too few for \(V) entries") }
        var tokens: [String] = []
        tokens.reserveCapacity(V)
        var at = 4
        for id in 0..<V {
            guard voc.count - at >= 4 else { throw inconsistent("vocabulary ends inside entry \(id)") }
            let len = Int(voc.u32(at))
            at += 4
            guard len <= voc.count - at else { throw inconsistent("vocabulary entry \(id) (\(len) bytes) runs past the section") }
            guard let token = String(validating: UnsafeRawBufferPointer(rebasing: voc[at..<(at + len)]), as: UTF8.self) else {
                throw .invalidVocabulary(path: path, reason: "entry \(id) is not valid UTF-8")
            }
            tokens.append(token)
            at += len
        }
        if at != voc.count && !newerMinor { throw inconsistent("\(voc.count - at) unexpected bytes after the vocabulary entries") }
        let vocabulary: Vocabulary
        do { vocabulary = try Vocabulary(tokens: tokens) } catch { throw .invalidVocabulary(path: path, reason: error.description) }

        // 5b. WGHT: exactly P Float32 (or Float16) values at a 64-byte aligned offset.
        let wb = body(weightEntry)
        let expected = half ? P.multipliedReportingOverflow(by: 2) : P.multipliedReportingOverflow(by: 4)
        if expected.overflow || wb.count != expected.partialValue {
            throw inconsistent("weights section has \(wb.count) bytes, \(P) parameters need \(expected.overflow ? "more" : "\(expected.partialValue)")")
        }
        if weightEntry.offset % Format.alignment != 0 { throw inconsistent("weights section offset \(weightEntry.offset) is not 64-byte aligned") }

        // 5c. TRAN (optional).
        var training: TrainingSection? = nil
        if let te = trainEntry {
            training = try checkTraining(body(te), config: config, parameterCount: P, newerMinor: newerMinor, newer: newer, path: path)
        }

        // 5d. AVRG (optional, only beside TRAN).
        var average: AverageSection? = nil
        if let ae = averageEntry {
            average = try checkAverage(body(ae), parameterCount: P, newerMinor: newerMinor, path: path)
        }

        let info = CheckpointFileInfo(
            version: CheckpointVersion(major: major, minor: minor), fileBytes: n, halfWeights: half,
            sections: entries.map { .init(kind: Format.kindName($0.kind), offset: $0.offset, length: $0.length,
                                          optional: $0.flags & Format.sectionOptional != 0) })
        return Parts(config: config, metadata: metadata, vocabulary: vocabulary, file: info, weights: wb, training: training,
                     average: average)
    }

    /// AVRG: a 32-byte fixed part (u8 role, 7 reserved, i64 first step, i64 count, u64 n), then n Float32.
    static func checkAverage(_ a: UnsafeRawBufferPointer, parameterCount P: Int, newerMinor: Bool,
                             path: String) throws(CheckpointError) -> AverageSection {
        func inconsistent(_ what: String) -> CheckpointError { .inconsistent(path: path, what: "weight average: " + what) }
        if a.count < Format.averageFixedSize { throw inconsistent("\(a.count) bytes, fewer than \(Format.averageFixedSize)") }
        let role = a.u8(0)
        if role > 1 { throw inconsistent("unknown role code \(role)") }
        let n = a.u64(24)
        let (bytes, o1) = n.multipliedReportingOverflow(by: 4)
        let (need, o2) = bytes.addingReportingOverflow(UInt64(Format.averageFixedSize))
        if o1 || o2 || need > UInt64(a.count) { throw inconsistent("\(n) weights need more than its \(a.count) bytes") }
        if need != UInt64(a.count) && !newerMinor { throw inconsistent("\(UInt64(a.count) - need) unexpected bytes at the end") }
        let from = Int(a.i64(8)), count = Int(a.i64(16))
        if let p = CheckpointRules.averageProblem(from: from, count: count, weights: Int(n), parameterCount: P) {
            throw inconsistent(p)
        }
        return AverageSection(body: a, from: from, count: count, weightsAreAverage: role == 1, weights: Int(n))
    }

    /// The weight average of a checked AVRG section, its weights copied out.
    static func readAverage(_ section: AverageSection) -> CheckpointWeightAverage {
        let start = Format.averageFixedSize
        let raw = UnsafeRawBufferPointer(rebasing: section.body[start..<(start + 4 * section.weights)])
        return CheckpointWeightAverage(from: section.from, count: section.count, weightsAreAverage: section.weightsAreAverage,
                                       weights: readFloats(raw, count: section.weights))
    }

    /// TRAN: a 192-byte fixed part, then moment1, moment2, carried state (Float32),
    /// RNG words (UInt64) and history points (40 bytes each). Checks it all; reads the fixed part.
    static func checkTraining(_ t: UnsafeRawBufferPointer, config: ModelConfig, parameterCount P: Int,
                              newerMinor: Bool, newer: String = "", path: String) throws(CheckpointError) -> TrainingSection {
        func inconsistent(_ what: String) -> CheckpointError { .inconsistent(path: path, what: "training state: " + what) }
        if t.count < Format.trainingFixedSize { throw inconsistent("\(t.count) bytes, fewer than \(Format.trainingFixedSize)") }
        guard let optimizer = OptimizerKind(code: t.u8(0)) else { throw inconsistent("unknown optimizer code \(t.u8(0))") }
        // Counts are checked against the section size before anything is allocated.
        let counts = [t.u64(120), t.u64(128), t.u64(136), t.u64(144), t.u64(152)]
        let sizes: [UInt64] = [4, 4, 4, 8, UInt64(Format.historyPointSize)]
        var need = UInt64(Format.trainingFixedSize)
        for (c, s) in zip(counts, sizes) {
            let (bytes, o1) = c.multipliedReportingOverflow(by: s)
            let (sum, o2) = need.addingReportingOverflow(bytes)
            if o1 || o2 || sum > UInt64(t.count) {
                throw inconsistent("its array sizes (\(counts.map(String.init).joined(separator: ", "))) need more than its \(t.count) bytes")
            }
            need = sum
        }
        if need != UInt64(t.count) && !newerMinor { throw inconsistent("\(UInt64(t.count) - need) unexpected bytes at the end") }
        let (n1, n2, nc, nr, nh) = (Int(counts[0]), Int(counts[1]), Int(counts[2]), Int(counts[3]), Int(counts[4]))
        // Byte 168 was reserved (zero) before format 1.3, so older files read as step masks.
        guard let dropoutMask = DropoutMask(code: t.u8(168)) else {
            throw inconsistent("unknown dropout mask code \(t.u8(168))\(newer)")
        }
        let o = CheckpointTrainingOptions(
            optimizer: optimizer, batch: Int(t.i64(8)), seqLength: Int(t.i64(16)), learningRate: t.f64(24),
            lrDecay: t.f64(32), lrDecayEvery: Int(t.i64(40)), gradClip: t.f64(48), valFraction: t.f64(56),
            testFraction: t.f64(64), totalSteps: Int(t.i64(72)), seed: t.u64(80),
            weightDrop: t.f64(160),   // reserved and zero before format 1.2: no weight drop
            dropoutMask: dropoutMask)
        let step = Int(t.i64(88)), epoch = Int(t.i64(96)), dataPosition = Int(t.i64(104))
        if !(o.weightDrop >= 0 && o.weightDrop < 1) { throw inconsistent("weight drop \(o.weightDrop) is not in [0, 1)") }
        if let p = CheckpointRules.trainingProblem(optimizer: optimizer, batch: o.batch, seqLength: o.seqLength,
                                                   moment1: n1, moment2: n2, carried: nc, step: step, epoch: epoch,
                                                   dataPosition: dataPosition, config: config, parameterCount: P) {
            throw inconsistent(p)
        }
        return TrainingSection(body: t, options: o, step: step, epoch: epoch, dataPosition: dataPosition,
                               counts: (n1, n2, nc, nr, nh))
    }

    /// The training state of a checked TRAN section, its arrays copied out.
    static func readTraining(_ section: TrainingSection) -> CheckpointTrainingState {
        let t = section.body
        let (n1, n2, nc, nr, nh) = section.counts
        var at = Format.trainingFixedSize
        func floats(_ count: Int) -> [Float] {
            defer { at += 4 * count }
            return readFloats(UnsafeRawBufferPointer(rebasing: t[at..<(at + 4 * count)]), count: count)
        }
        let moment1 = floats(n1), moment2 = floats(n2), carried = floats(nc)
        var rng: [UInt64] = []
        rng.reserveCapacity(nr)
        for _ in 0..<nr { rng.append(t.u64(at)); at += 8 }
        var history: [CheckpointHistoryPoint] = []
        history.reserveCapacity(nh)
        for _ in 0..<nh {
            history.append(CheckpointHistoryPoint(step: Int(t.i64(at)), epoch: t.f64(at + 8), trainBPC: t.f64(at + 16),
                                                  valBPC: t.f64(at + 24), learningRate: t.f64(at + 32)))
            at += Format.historyPointSize
        }
        return CheckpointTrainingState(options: section.options, moment1: moment1, moment2: moment2,
                                       step: section.step, epoch: section.epoch, dataPosition: section.dataPosition,
                                       rngState: rng, learningRate: t.f64(112), carriedState: carried, history: history)
    }

    /// `count` little-endian Float32 from `raw` (exactly 4·count bytes): one memcpy.
    static func readFloats(_ raw: UnsafeRawBufferPointer, count: Int) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw) }
            #if _endian(big)
            for i in 0..<count { buffer[i] = Float(bitPattern: UInt32(littleEndian: buffer[i].bitPattern)) }
            #endif
            initialized = count
        }
    }

    /// `count` little-endian Float16 from `raw` (exactly 2·count bytes), widened to Float32
    /// through a 65536-entry table (x86-64 without F16C converts in software, ~4× slower).
    static func readHalves(_ raw: UnsafeRawBufferPointer, count: Int) -> [Float] {
        let table = halfToFloat
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            for i in 0..<count { buffer[i] = table[Int(raw.u16(2 * i))] }
            initialized = count
        }
    }

    /// Float(Float16(bitPattern: i)) for every i (256 KiB, built on first use, never freed).
    nonisolated(unsafe) static let halfToFloat: UnsafePointer<Float> = {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: 1 << 16)
        for i in 0..<(1 << 16) { p[i] = Float(Float16(bitPattern: UInt16(i))) }
        return UnsafePointer(p)
    }()
}
