import Foundation
import Logging
import RecstreamModel
import RecstreamStore

/// The daemon's periodic full top-k recompute. It runs on the pipeline's
/// thread, one slice of `sliceSize` lists between two batches, on a
/// connection of its own that holds the database's full-recompute lock for
/// the whole sweep; so ingestion pauses for one slice at a time only, and
/// every slice uses the newest model.
struct ScheduledTopKRecompute {
    private let conninfo: String
    private let publisher: TopKPublisher
    private let interval: TimeInterval?
    private let logger: Logger
    private var nextStart: Date
    private var running: (sweep: TopKSweep, connection: PostgresConnection, startedAt: Date)?

    /// Lists per slice: about 0.15 s of scoring at 20,000 items, d = 64.
    static let sliceSize = 2_048

    /// `intervalSeconds` 0 turns the schedule off; the first sweep starts
    /// one interval after the daemon did.
    init(conninfo: String, k: Int, intervalSeconds: Int, logger: Logger) {
        self.conninfo = conninfo
        publisher = TopKPublisher(k: k, chunk: Self.sliceSize)
        interval = intervalSeconds > 0 ? TimeInterval(intervalSeconds) : nil
        self.logger = logger
        nextStart = Date() + (interval ?? 0)
    }

    /// Whether `step` would start a sweep or continue one.
    var hasWork: Bool { interval != nil && (running != nil || Date() >= nextStart) }

    /// Starts a sweep when one is due, or publishes the next slice of the
    /// running one; returns the sweep's duration in seconds when it ends.
    /// A failure is logged and the sweep retried at the next interval.
    mutating func step(_ model: RecommenderModel, modelVersion: Int64) -> Double? {
        guard hasWork, let interval else { return nil }
        do {
            if running == nil {
                nextStart = Date() + interval
                let connection = try PostgresConnection(conninfo: conninfo)
                do {
                    try TopKPublisher.lock(connection)
                } catch is TopKBusy {
                    logger.notice("full top-k recompute skipped: another one holds the lock")
                    return nil
                }
                running = (TopKSweep(publisher: publisher), connection, Date())
                logger.info("full top-k recompute started", metadata: ["users": "\(model.users.count)", "items": "\(model.items.count)"])
            }
            guard var current = running else { return nil }
            let logger = logger
            let finished = try current.sweep.publishNextSlice(model, modelVersion: modelVersion, connection: current.connection) { progress in
                logger.debug("full top-k recompute", metadata: ["progress": "\(progress)"])
            }
            running = current
            guard finished else { return nil }
            TopKPublisher.unlock(current.connection)
            running = nil
            let seconds = Date().timeIntervalSince(current.startedAt)
            logger.info("full top-k recompute finished", metadata: [
                "seconds": "\(String(format: "%.2f", seconds))", "users": "\(model.users.count)", "items": "\(model.items.count)",
            ])
            return seconds
        } catch {
            logger.error("full top-k recompute failed; next attempt at the next interval", metadata: ["error": "\(error)"])
            running = nil  // closing the connection releases the lock
            return nil
        }
    }
}
