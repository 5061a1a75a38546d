import Dispatch
import Foundation
import RecstreamEvaluation
import RecstreamStream

/// `recstream replay`: a recorded log published to Kafka the way producers
/// would send it: every catalog event first (keyed by item), then the
/// engagements in time order, keyed by user, at a given rate or as fast as
/// the producer goes.
struct Replay {
    var brokers: String
    var engagementTopic: String
    var catalogTopic: String
    /// Engagement events per second; nil = as fast as possible.
    var rate: Double?

    init(brokers: String, engagementTopic: String, catalogTopic: String, rate: Double? = nil) {
        self.brokers = brokers
        self.engagementTopic = engagementTopic
        self.catalogTopic = catalogTopic
        self.rate = rate
    }

    /// Publishes `log`; `progress` gets (sent, total) now and then. Returns
    /// the seconds it took.
    @discardableResult
    func run(_ log: InteractionLog, progress: (Int, Int) -> Void) throws -> Double {
        let producer = try KafkaProducer(properties: ["bootstrap.servers": brokers, "linger.ms": "10"])
        let start = DispatchTime.now().uptimeNanoseconds
        for item in log.catalog.keys.sorted() {
            try producer.send(topic: catalogTopic, key: Array(item.utf8), value: Array(log.catalog[item]!.json()))
        }
        let events = log.timeOrdered()
        for (index, event) in events.enumerated() {
            if let rate {
                let due = start + UInt64(Double(index) / rate * 1e9)
                let now = DispatchTime.now().uptimeNanoseconds
                if due > now { Thread.sleep(forTimeInterval: Double(due - now) / 1e9) }
            }
            try producer.send(topic: engagementTopic, key: Array(event.userID.utf8), value: Array(event.json()))
            if index % 10_000 == 0 { progress(index, events.count) }
        }
        try producer.flush()
        progress(events.count, events.count)
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
