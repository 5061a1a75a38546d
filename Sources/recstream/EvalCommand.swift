import ArgumentParser
import Foundation
import RecstreamEvaluation
import RecstreamEvents
import RecstreamModel

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Prequential (test-then-learn) evaluation of a recorded log, in-process (no Kafka, no PostgreSQL).",
        discussion:
            "The protocol of EVAL.md: learn the first 80 % in time order, then for every later event ask for the user's top 10, count a hit, and learn the event."
    )

    @Option(help: "The interaction log: ratings.csv, u.data, or engagement JSONL.")
    var ratings: String

    @Option(help: "The item catalog: movies.csv, u.item, or catalog JSONL.")
    var items: String?

    @Option(help: "The log's format.")
    var format: InteractionLogFormat

    @Option(help: "Seed of the model's random initialisation.")
    var seed: UInt64 = ModelConfiguration().seed

    @Flag(inversion: .prefixedNo, help: "Fresh items start from their category/uploader centroid (the cold-start ablation turns this off).")
    var freshItemCentroids = true

    @Option(
        name: .customLong("set"),
        help: ArgumentHelp("Override a model setting (repeatable), e.g. --set popularity_weight=0.2.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Events per batch while learning the warm-up (the daemon learns in batches).")
    var batchSize = 500

    @Option(help: "Draw HR@10 over the stream (moving average) to this SVG file.")
    var plot: String?

    @Flag(help: "End with one JSON object of the results on the last line.")
    var json = false

    func run() throws {
        let log = try InteractionLog.load(ratings: ratings, items: items, format: format)
        var defaults = ModelConfiguration()
        defaults.seed = seed
        defaults.freshItemCentroids = freshItemCentroids
        let configuration: ModelConfiguration
        do {
            configuration = try ModelConfiguration.configurationTable.load(defaults, overrides: overrides)
        } catch {
            throw ValidationError("\(error)")
        }
        var evaluation = PrequentialEvaluation(configuration: configuration)
        evaluation.warmUpBatchSize = batchSize
        let report = evaluation.run(log)
        print(
            "interactions \(report.interactions): warm-up \(report.warmUpEvents), stream \(report.streamEvents); users \(report.users), items \(report.items)"
        )
        print(String(format: "HR@10 %.4f +- %.4f over %d evaluated events", report.hitRate, report.standardError, report.evaluatedEvents))
        print(
            String(
                format: "HR@10 on items first seen after the warm-up: %.4f +- %.4f over %d events (fresh-item centroids %@)",
                report.freshItemHitRate, report.freshItemStandardError, report.freshItemOutcomes.count, freshItemCentroids ? "on" : "off"))
        print(
            String(
                format: "related lists, HR@10 of the next item after the user's last: %.4f (cosines alone %.4f) over %d sampled events",
                report.relatedHitRate, report.cosineRelatedHitRate, report.relatedOutcomes.count))
        print(
            String(
                format: "learn: %.0f events/s over all %d events (stream alone, one event at a time: %.0f events/s)",
                report.learnEventsPerSecond, report.learnedEvents, report.streamLearnEventsPerSecond))
        print(String(format: "whole test-then-learn loop: %.0f stream events/s", report.loopEventsPerSecond))
        let best = report.blendHits.sorted { $0.hits > $1.hits }.prefix(3)
        print(
            String(
                format: "blend weights at the end: popularity %g, transitions %g (%@, %d tests; decayed hits: configured %.1f, best %@)",
                report.blendWeights.popularity, report.blendWeights.transitions,
                configuration.blendTuning ? "learned" : "fixed", report.blendTests, report.baselineHits,
                best.map { String(format: "%g/%g: %.1f", $0.weights.popularity, $0.weights.transitions, $0.hits) }
                    .joined(separator: ", ")))
        print(String(format: "top-10 for all %d users: %.3f s", report.users, report.allUsersTopKSeconds))
        if let plot {
            let svg = HitRatePlot.svg(
                outcomes: report.outcomes, title: "recstream HR@10 over the stream (\(URL(fileURLWithPath: ratings).lastPathComponent))")
            try svg.write(toFile: plot, atomically: true, encoding: .utf8)
            print("plot written to \(plot)")
        }
        if json {
            let object: [String: Any] = [
                "hr_at_10": report.hitRate, "hr_at_10_se": report.standardError, "evaluated_events": report.evaluatedEvents,
                "learn_events_per_s": report.learnEventsPerSecond, "loop_events_per_s": report.loopEventsPerSecond,
                "stream_learn_events_per_s": report.streamLearnEventsPerSecond,
                "fresh_item_hr_at_10": report.freshItemHitRate, "fresh_item_events": report.freshItemOutcomes.count,
                "all_users_top10_seconds": report.allUsersTopKSeconds, "popularity_weight": Double(report.blendWeights.popularity),
                "transition_weight": Double(report.blendWeights.transitions),
                "related_hr_at_10": report.relatedHitRate, "cosine_related_hr_at_10": report.cosineRelatedHitRate,
                "related_events": report.relatedOutcomes.count,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
}
