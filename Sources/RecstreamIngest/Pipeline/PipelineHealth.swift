public import Foundation
public import RecstreamStream
import Synchronization

/// What the pipeline and its probes last saw of itself and its dependencies:
/// the liveness heartbeat, the partitions it owns, and each dependency's
/// status with its last error. Any thread may write and read it (behind a
/// mutex): the pipeline and committer threads, the health monitor's probes,
/// and `/healthz`, `/readyz` and the systemd watchdog, which read snapshots.
public final class PipelineHealth: Sendable {
    /// A service the pipeline needs.
    public enum Dependency: Sendable {
        case kafka, postgres
    }

    /// What this daemon is to its database.
    public enum Role: String, Sendable {
        /// Waits to take over: another daemon leads (or none could be asked yet).
        case standby
        /// Holds the leadership and writes.
        case leader
        /// Lost the leadership while leading: it stops writing and exits.
        case fenced
    }

    /// One dependency's last known state.
    public struct DependencyStatus: Sendable, Equatable {
        /// nil until the first success or failure.
        public var reachable: Bool?
        public var lastSuccess: Date?
        public var lastError: String?
        public var lastErrorAt: Date?
    }

    /// Everything at one instant.
    public struct Snapshot: Sendable {
        public var role: Role
        /// The last time the pipeline loop polled, committed, or retried
        /// (or, as a standby, tried to take over).
        public var lastProgress: Date
        /// Since when the batch in flight has waited to be committed; nil
        /// while none waits (a batch that commits clears it).
        public var commitWaitingSince: Date?
        public var modelLoaded: Bool
        public var assigned: Set<TopicPartition>
        public var kafka: DependencyStatus
        public var postgres: DependencyStatus
        /// Duration and end of the last full recompute of the lists, if any.
        public var lastFullRecompute: (seconds: Double, finishedAt: Date)?
        /// Whether the last batch's lists were scored approximately (`ListScoring`).
        public var listsApproximate = false
        /// The popularity and transition weights of the lists, as the
        /// stream taught them (`BlendTuner`), and the events that tested them.
        public var blendWeights: (popularity: Float, transitions: Float)?
        public var blendTests = 0
    }

    private let state: Mutex<Snapshot>

    public init(role: Role) {
        state = Mutex(
            Snapshot(
                role: role, lastProgress: Date(), modelLoaded: false, assigned: [], kafka: DependencyStatus(), postgres: DependencyStatus())
        )
    }

    /// This daemon's role from now on.
    public func setRole(_ role: Role) {
        state.withLock { $0.role = role }
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    /// The loop is alive: it polled, committed or retried just now.
    public func beat() {
        state.withLock { $0.lastProgress = Date() }
    }

    /// A batch's transaction begins (its first attempt).
    func commitStarted() {
        state.withLock { $0.commitWaitingSince = $0.commitWaitingSince ?? Date() }
    }

    /// The batch in flight committed.
    func commitFinished() {
        state.withLock { $0.commitWaitingSince = nil }
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

    func setListsApproximate(_ approximate: Bool) {
        state.withLock { $0.listsApproximate = approximate }
    }

    func setBlend(popularity: Float, transitions: Float, tests: Int) {
        state.withLock {
            $0.blendWeights = (popularity, transitions)
            $0.blendTests = tests
        }
    }

    func fullRecomputeFinished(seconds: Double) {
        state.withLock { $0.lastFullRecompute = (seconds, Date()) }
    }

    /// Records a successful exchange with `dependency`.
    public func succeeded(_ dependency: Dependency) {
        update(dependency) {
            $0.reachable = true
            $0.lastSuccess = Date()
        }
    }

    /// Records a failed exchange with `dependency`.
    public func failed(_ dependency: Dependency, error: String) {
        update(dependency) {
            $0.reachable = false
            $0.lastError = error
            $0.lastErrorAt = Date()
        }
    }

    private func update(_ dependency: Dependency, _ change: (inout DependencyStatus) -> Void) {
        state.withLock { snapshot in
            switch dependency {
            case .kafka: change(&snapshot.kafka)
            case .postgres: change(&snapshot.postgres)
            }
        }
    }
}
