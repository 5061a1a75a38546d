import Foundation
import Logging
import Metrics
import RecstreamIngest
import RecstreamStore
import ServiceLifecycle
import Synchronization

/// Probes what `/readyz` reports, on a timer: PostgreSQL through a
/// connection of its own (`select 1`), the brokers through a metadata
/// request, and consumer lag (the last two once the pipeline runs). While
/// the pipeline (or, as a standby, the wait to take over) is live it also
/// keeps systemd's watchdog fed and its STATUS line current.
struct HealthMonitor: Service {
    let health: PipelineHealth
    let running: RunningPipeline
    let configuration: DaemonConfiguration
    let notifier: SystemdNotifier
    let logger: Logger

    func run() async throws {
        let probeInterval = Duration.milliseconds(configuration.probeIntervalMs)
        // libpq and librdkafka calls block: each probe loops on a thread of
        // its own (not in the cooperative pool), so that neither a frozen
        // broker nor a slow connect delays the other or the async services.
        let stopped = StopFlag()
        let interval = Double(configuration.probeIntervalMs) / 1000
        Thread.detachNewThread { [health, configuration] in
            var database: PostgresConnection?
            while !stopped.isSet {
                database = Self.probeDatabase(database, conninfo: configuration.databaseURL, health: health)
                Thread.sleep(forTimeInterval: interval)
            }
        }
        Thread.detachNewThread { [running] in
            while !stopped.isSet {
                if let pipeline = running.pipeline {
                    pipeline.probeBrokers(timeoutMs: Self.brokerTimeoutMs)
                    pipeline.recordGauges()
                }
                Thread.sleep(forTimeInterval: interval)
            }
        }
        defer { stopped.set() }
        let beat = notifier.watchdogInterval.map { min($0, probeInterval) } ?? probeInterval
        let leader = Gauge(label: "recstream_leader")
        let stuck = Gauge(label: "recstream_pipeline_stuck")
        try? await cancelWhenGracefulShutdown {
            var wasLive = true
            while !Task.isCancelled {
                let status = HealthStatus(snapshot: health.snapshot, stallSeconds: configuration.stallSeconds)
                leader.record(status.snapshot.role == .leader ? 1 : 0)
                stuck.record(status.stuck ? 1 : 0)
                if status.live {
                    if notifier.watchdogInterval != nil { notifier.notify("WATCHDOG=1") }
                    if !wasLive { logger.notice("pipeline loop making progress again") }
                } else if wasLive {
                    logger.error(
                        "pipeline not live: /healthz fails and the watchdog is not fed", metadata: ["reason": "\(status.stallReason ?? "")"]
                    )
                }
                wasLive = status.live
                if let statistics = running.pipeline?.statistics {
                    notifier.notify(
                        "STATUS=\(status.ready ? "ready" : "not ready"); consumed \(statistics.consumed), applied \(statistics.applied), dead-lettered \(statistics.deadLettered)"
                    )
                } else {
                    notifier.notify("STATUS=\(status.snapshot.role.rawValue): waiting to lead the database")
                }
                try await Task.sleep(for: beat)
            }
        }
    }

    /// How long a metadata request may take before the brokers count as unreachable.
    static let brokerTimeoutMs: Int32 = 3_000

    /// `select 1` on `connection` (or a new one); the connection to keep, nil after a failure.
    private static func probeDatabase(_ connection: PostgresConnection?, conninfo: String, health: PipelineHealth) -> PostgresConnection? {
        do {
            let current =
                try connection.flatMap { $0.isHealthy ? $0 : nil }
                ?? PostgresConnection(conninfo: conninfo)
            _ = try current.execute("select 1")
            health.succeeded(.postgres)
            return current
        } catch {
            health.failed(.postgres, error: "\(error)")
            return nil
        }
    }
}

/// Tells the probe threads to finish.
private final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)

    var isSet: Bool { value.load(ordering: .relaxed) }

    func set() { value.store(true, ordering: .relaxed) }
}
