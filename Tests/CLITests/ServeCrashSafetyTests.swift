import Foundation
import RecstreamModel
import RecstreamStore
import RecstreamStream
import TestSupport
import Testing

/// `recstream serve` as a process: killed with SIGKILL at random moments
/// while it consumes, restarted each time, it must end exactly where an
/// uninterrupted run ends: nothing lost, nothing applied twice, in the
/// interactions and in the transitions between each user's items.
@Suite("serve survives kill -9", .enabled(if: TestServices.kafkaRequested && TestServices.postgresRequested))
struct ServeCrashSafetyTests {
    @Test func killedThreeTimesWhileConsumingEndsAsAnUninterruptedRun() throws {
        let database = try FreshDatabase()
        let brokers = try TestServices.kafkaBrokers()
        let engagements = TestServices.uniqueName("it-crash-engagements")
        let catalog = TestServices.uniqueName("it-crash-catalog")
        let admin = try KafkaAdmin(properties: ["bootstrap.servers": brokers])
        try admin.createTopic(engagements, partitions: 3)
        try admin.createTopic(catalog, partitions: 3)

        let producer = try KafkaProducer(properties: ["bootstrap.servers": brokers, "linger.ms": "5"])
        var random = SplitMix64(seed: 17)
        var expected: [String: Float] = [:]
        var expectedSteps = IndependentStepCount()
        let weights: [EventType: Float] = [.view: 1, .click: 2, .like: 4]
        let eventCount = 20_000
        for index in 0..<eventCount {
            let user = "u\(Int.random(in: 0..<400, using: &random))"
            let item = "i\(Int.random(in: 0..<800, using: &random))"
            let type = EventType.allCases[index % 3]
            expected["\(user)/\(item)", default: 0] += weights[type]!
            expectedSteps.record(user: user, item: item)
            try producer.send(
                topic: engagements, key: user,
                value: #"{"event_id":"c\#(index)","user_id":"\#(user)","item_id":"\#(item)","type":"\#(type.rawValue)","ts":\#(index)}"#)
        }
        for item in 0..<50 {
            try producer.send(topic: catalog, key: "i\(item)", value: #"{"item_id":"i\#(item)","categories":["g\#(item % 5)"]}"#)
        }
        try producer.flush()

        let arguments =
            ["serve"]
            + [
                "kafka.brokers=\(brokers)", "database.url=\(database.url)", "kafka.engagement_topic=\(engagements)",
                "kafka.catalog_topic=\(catalog)", "kafka.group_id=\(TestServices.uniqueName("it-crash"))", "kafka.session_timeout_ms=1000",
                "kafka.properties.heartbeat.interval.ms=100", "batch.max_events=500", "model.dimension=16",
                // Duplicate detection off: exactly once must come from the offsets alone.
                "dedup.window_events=0",
            ].flatMap { ["--set", $0] }
        let state = StateRepository(connection: try database.connect())
        func consumed() -> Int64 { ((try? state.loadOffsets()) ?? []).reduce(0) { $0 + $1.nextOffset } }

        var kills = 0
        var progressAtKills: [Int64] = []
        while kills < 3 {
            let daemon = try ServeProcess(arguments: arguments)
            // Kill once it has committed something, at a random moment after that.
            let before = consumed()
            let deadline = Date().addingTimeInterval(60)
            while consumed() == before && Date() < deadline && daemon.isRunning { Thread.sleep(forTimeInterval: 0.02) }
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.6, using: &random))
            daemon.kill(signal: SIGKILL)
            kills += 1
            progressAtKills.append(consumed())
        }
        print("committed positions when killed: \(progressAtKills) of \(eventCount + 50)")
        #expect(progressAtKills.last! < Int64(eventCount + 50), "the kills must land while it consumes: \(progressAtKills)")

        let daemon = try ServeProcess(arguments: arguments)
        let deadline = Date().addingTimeInterval(180)
        while consumed() < Int64(eventCount + 50) && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        let status = daemon.kill(signal: SIGTERM)
        #expect(status == 0, "SIGTERM: the batch in flight is committed, exit 0\n\(daemon.output.suffix(2_000))")

        let stored = try state.interactionWeights()
        let differing = Set(stored.keys).union(expected.keys).filter { stored[$0] != expected[$0] }
        #expect(differing.isEmpty, "\(differing.count) pairs differ after \(kills) kills at \(progressAtKills)")
        let steps = try state.transitionWeights()
        let differingSteps = Set(steps.keys).union(expectedSteps.weights.keys).filter { steps[$0] != expectedSteps.weights[$0] }
        #expect(differingSteps.isEmpty, "\(differingSteps.count) of \(expectedSteps.weights.count) transitions differ")
        #expect(consumed() == Int64(eventCount + 50))
        #expect(try state.loadDeadLetters().isEmpty)
    }
}
