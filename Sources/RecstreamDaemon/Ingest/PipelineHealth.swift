import Foundation
import RecstreamStream
import Synchronization

/// What the pipeline and its probes last saw of itself and its dependencies:
/// the liveness heartbeat, the partitions it owns, and each dependency's
/// status with its last error. Written by the pipeline thread and the
/// health monitor, read by `/healthz`, `/readyz` and the systemd watchdog.
public final class PipelineHealth: Sendable {
    /// One dependency's last known state.
    public struct Dependency: Sendable, Equatable {
        /// nil until the first success or failure.
        public var reachable: Bool?
        public var lastSuccess: Date?
        public var lastError: String?
        public var lastErrorAt: Date?
    }

    /// Everything at one instant.
    public struct Snapshot: Sendable {
        /// The last time the pipeline loop polled, committed, or retried.
        public var lastProgress: Date
        public var modelLoaded: Bool
        public var assigned: Set<TopicPartition>
        public var kafka: Dependency
        public var database: Dependency
        /// Duration and end of the last full top-k recompute, if any.
        public var lastFullTopK: (seconds: Double, finishedAt: Date)?
    }

    private let state: Mutex<Snapshot>

    public init() {
        state = Mutex(Snapshot(lastProgress: Date(), modelLoaded: false, assigned: [], kafka: Dependency(), database: Dependency()))
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// The loop is alive: it polled, committed or retried just now.
    public func beat() {
        state.withLock { $0.lastProgress = Date() }
    }

    func modelLoaded() {
        state.withLock { $0.modelLoaded = true }
    }

    func assigned(_ partitions: [TopicPartition]) {
        state.withLock { $0.assigned.formUnion(partitions) }
    }

    func revoked(_ partitions: [TopicPartition]) {
        state.withLock { $0.assigned.subtract(partitions) }
    }

    func fullTopKFinished(seconds: Double) {
        state.withLock { $0.lastFullTopK = (seconds, Date()) }
    }

    /// Records a successful exchange with the broker (true) or PostgreSQL.
    public func succeeded(kafka: Bool) {
        update(kafka: kafka) {
            $0.reachable = true
            $0.lastSuccess = Date()
        }
    }

    /// Records a failed exchange with the broker (true) or PostgreSQL.
    public func failed(kafka: Bool, error: String) {
        update(kafka: kafka) {
            $0.reachable = false
            $0.lastError = error
            $0.lastErrorAt = Date()
        }
    }

    private func update(kafka: Bool, _ change: (inout Dependency) -> Void) {
        state.withLock { snapshot in
            if kafka { change(&snapshot.kafka) } else { change(&snapshot.database) }
        }
    }
}
