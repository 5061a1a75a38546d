import Foundation
import Logging
import RecstreamModel
import RecstreamStore

/// When the daemon's periodic full recompute runs, and its progress. It
/// lives on the pipeline thread, which publishes one slice of `sliceSize`
/// lists between two batches, on a connection of its own that holds the
/// full-recompute lock; so ingestion pauses for one slice at a time only,
/// and every slice uses the newest model.
struct FullRecomputeSchedule {
    private let conninfo: String
    private let k: Int
    private let interval: TimeInterval?
    private let logger: Logger
    private var nextStart: Date
    private var running: (recompute: FullRecompute, startedAt: Date)?

    /// Lists per slice: about 0.15 s of scoring at 20,000 items, d = 64.
    static let sliceSize = 2_048

    /// `intervalSeconds` 0 turns the schedule off; the first recompute
    /// starts one interval after the daemon did.
    init(conninfo: String, k: Int, intervalSeconds: Int, logger: Logger) {
        self.conninfo = conninfo
        self.k = k
        interval = intervalSeconds > 0 ? TimeInterval(intervalSeconds) : nil
        self.logger = logger
        nextStart = Date() + (interval ?? 0)
    }

    /// Whether `step` would start a recompute or continue one.
    var hasWork: Bool { interval != nil && (running != nil || Date() >= nextStart) }

    /// Starts a recompute when one is due, or publishes the next slice of
    /// the running one; returns the recompute's duration in seconds when it
    /// ends. A failure is logged and the recompute retried at the next interval.
    mutating func step(_ model: RecommenderModel, modelVersion: Int64) -> Double? {
        guard hasWork, let interval else { return nil }
        do {
            if running == nil {
                nextStart = Date() + interval
                do {
                    let recompute = try FullRecompute(
                        k: k, sliceSize: Self.sliceSize, connection: try PostgresConnection(conninfo: conninfo))
                    running = (recompute, Date())
                } catch is FullRecomputeBusy {
                    logger.notice("full recompute skipped: another one holds the lock")
                    return nil
                }
                logger.info("full recompute started", metadata: ["users": "\(model.users.count)", "items": "\(model.items.count)"])
            }
            guard var current = running else { return nil }
            let logger = logger
            let finished = try current.recompute.publishNextSlice(model, modelVersion: modelVersion) { progress in
                logger.debug("full recompute", metadata: ["progress": "\(progress)"])
            }
            running = finished ? nil : current
            guard finished else { return nil }
            let seconds = Date().timeIntervalSince(current.startedAt)
            logger.info(
                "full recompute finished",
                metadata: [
                    "seconds": "\(String(format: "%.2f", seconds))", "users": "\(model.users.count)", "items": "\(model.items.count)",
                ])
            return seconds
        } catch {
            logger.error("full recompute failed; next attempt at the next interval", metadata: ["error": "\(error)"])
            running = nil  // closing the connection releases the lock
            return nil
        }
    }
}
