// Train for 50 steps, save, reload, sample and score: charlstm's library API in one page.
import CharLSTM
import Foundation

// A few KB of text made here (never downloaded): a counting rhyme.
let words = ["one", "two", "three", "four", "five", "six", "seven", "eight"]
let text = (0..<300).map { "\(words[$0 % 8]) little pigs went to \(words[($0 * 3) % 8]) markets.\n" }.joined()
let dir = FileManager.default.temporaryDirectory.appendingPathComponent("charlstm-example-\(getpid())").path
try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: dir) }
try text.write(toFile: dir + "/corpus.txt", atomically: true, encoding: .utf8)

final class Progress: TrainingObserver {
    func didStep(_ report: StepReport) {
        if report.step % 25 == 0 { print("step \(report.step): \(String(format: "%.2f", report.trainBPC)) bits per grapheme") }
    }
}
var request = TrainingRequest(corpus: dir + "/corpus.txt", runName: "rhyme")
request.settings.layers = 1; request.settings.hidden = 64; request.settings.batch = 16; request.settings.seqLength = 32
let trainer = try TrainingSetup(request).trainer
let summary = try trainer.run(RunSettings(totalSteps: 50, evalEvery: 50, checkpointEvery: 0), observer: Progress())
print("trained \(summary.step) steps; validation \(String(format: "%.2f", summary.lastValBPC ?? .nan)) bits per grapheme")
try trainer.save(to: dir + "/rhyme.ckpt")

let model = try SamplingModel(path: dir + "/rhyme.ckpt")
var sample = ""
try TextGenerator(model: model, streams: 1, options: SamplingOptions(temperature: 0.5), seed: 1)
    .generate(prime: model.encode("one").ids, stop: StopConditions(length: 40), emit: { sample += $1 }, finished: { _ in })
print("sample: one\(sample.split(separator: "\n").first ?? "")")
let scorer = TextScorer(model: model)
let seen = try scorer.score(model.encode("two little pigs went to six markets.").ids)
let unseen = try scorer.score(model.encode("xq zzv kkj pwy qqx vbn.").ids)
print("score: rhyme \(String(format: "%.2f", seen.bits / Double(seen.scored))) bits per grapheme, "
      + "noise \(String(format: "%.2f", unseen.bits / Double(unseen.scored)))")
