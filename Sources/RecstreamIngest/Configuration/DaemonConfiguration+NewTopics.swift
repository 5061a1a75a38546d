import Foundation
import RecstreamStream

extension DaemonConfiguration {
    /// Settings on two new topics (created here, 3 partitions each) and a new
    /// consumer group, with fast group joins and no scheduled full recompute: for benchmarks and tests that
    /// must not see anyone else's events.
    public static func onNewTopics(brokers: String, prefix: String) throws -> DaemonConfiguration {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        var configuration = DaemonConfiguration()
        configuration.brokers = brokers
        configuration.engagementTopic = "\(prefix)-engagements-\(suffix)"
        configuration.catalogTopic = "\(prefix)-catalog-\(suffix)"
        configuration.groupID = "\(prefix)-\(suffix)"
        configuration.sessionTimeoutMs = 1_000
        configuration.kafkaProperties = ["heartbeat.interval.ms": "100"]
        configuration.topKFullIntervalSeconds = 0
        let admin = try KafkaAdmin(properties: ["bootstrap.servers": brokers])
        try admin.createTopic(configuration.engagementTopic, partitions: 3)
        try admin.createTopic(configuration.catalogTopic, partitions: 3)
        return configuration
    }
}
