import ArgumentParser
import Foundation
import RecstreamEvaluation
import RecstreamIngest

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Publish a recorded log to Kafka: catalog events first, then engagements in time order, keyed by user.",
        discussion: "Topics and brokers come from the daemon's settings (--config, RECSTREAM_KAFKA_BROKERS, --set)."
    )

    @Argument(help: "The log: engagement JSONL, ratings.csv or u.data.")
    var file: String

    @Option(help: "The catalog: catalog JSONL, movies.csv or u.item.")
    var items: String?

    @Option(help: "The log's format.")
    var format = InteractionLogFormat.jsonl

    @Option(help: "Engagement events per second (default: as fast as possible).")
    var rate: Double?

    @OptionGroup var settingsOptions: SettingsOptions

    func run() throws {
        let settings = try settingsOptions.load()
        let log = try InteractionLog.load(ratings: file, items: items, format: format)
        let replay = Replay(
            brokers: settings.brokers, engagementTopic: settings.engagementTopic, catalogTopic: settings.catalogTopic, rate: rate)
        let seconds = try replay.run(log) { sent, total in
            let width = 30
            let done = total == 0 ? width : sent * width / total
            FileHandle.standardError.write(
                Data(
                    "\r[\(String(repeating: "#", count: done))\(String(repeating: ".", count: width - done))] \(sent) / \(total) events"
                        .utf8))
        }
        FileHandle.standardError.write(Data("\n".utf8))
        print(
            String(
                format: "%d catalog and %d engagement events published to %@ in %.1f s", log.catalog.count, log.events.count,
                settings.brokers, seconds))
    }
}
