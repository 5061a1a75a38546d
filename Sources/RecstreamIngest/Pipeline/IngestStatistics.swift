/// What the pipeline has done since it started, for logs, tests and metrics.
public struct IngestStatistics: Sendable, Equatable {
    public var batches = 0
    /// Records read from Kafka (all topics).
    public var consumed = 0
    /// Engagement events learned.
    public var applied = 0
    /// Catalog events applied.
    public var catalogApplied = 0
    public var deadLettered = 0
    public var duplicates = 0
    /// Transactions retried after PostgreSQL went away.
    public var databaseRetries = 0
    /// Milliseconds each recent batch transaction took (the last 10,000).
    public var commitMilliseconds: [Double] = []

    public init() {}
}
