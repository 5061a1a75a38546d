import Foundation
import Logging
import RecstreamIngest
import ServiceLifecycle
import Synchronization

/// The ingest pipeline as a swift-service-lifecycle service. It waits as a
/// standby until this daemon leads its database, then builds the pipeline
/// (which loads the state) and runs it. Both block in libpq and librdkafka,
/// so they run on a thread of their own. A graceful shutdown (SIGTERM,
/// SIGINT) or cancellation ends the wait, or asks the pipeline to commit its
/// batch and return; `run()` returns when it did. A pipeline that lost its
/// leadership stops, and `run()` throws `LeadershipLost`.
struct PipelineService: Service {
    let configuration: DaemonConfiguration
    let health: PipelineHealth
    let running: RunningPipeline
    let logger: Logger
    /// Told first when a graceful shutdown begins (systemd's STOPPING=1).
    let onShutdown: @Sendable () -> Void

    func run() async throws {
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                Thread.detachNewThread { [configuration, health, running, logger] in
                    do {
                        guard
                            let leadership = Leadership.awaitLeadership(
                                conninfo: configuration.databaseURL, sessionTimeoutMs: configuration.leadershipSessionTimeoutMs,
                                health: health, logger: logger, shouldStop: { running.stopRequested })
                        else { return continuation.resume() }
                        let pipeline = try IngestPipeline(
                            configuration: configuration, logger: logger, health: health, leadership: leadership)
                        running.install(pipeline)
                        try pipeline.run()
                        // Fenced out: a failure, so that systemd starts it again as a standby.
                        if let reason = leadership.lostReason { throw LeadershipLost(reason: reason) }
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            }
        } onCancelOrGracefulShutdown: {
            onShutdown()
            running.requestStop()
        }
    }
}

/// The pipeline once this daemon leads, shared by the service that runs it
/// and the monitor that probes it, and whether a stop was asked for (it
/// reaches a pipeline installed later too).
final class RunningPipeline: Sendable {
    private let state = Mutex<(pipeline: IngestPipeline?, stopRequested: Bool)>((nil, false))

    var pipeline: IngestPipeline? { state.withLock { $0.pipeline } }

    var stopRequested: Bool { state.withLock { $0.stopRequested } }

    /// Makes `pipeline` the one that runs; it stops at once when a stop was asked for before.
    func install(_ pipeline: IngestPipeline) {
        let stop = state.withLock { state in
            state.pipeline = pipeline
            return state.stopRequested
        }
        if stop { pipeline.requestStop() }
    }

    func requestStop() {
        let pipeline = state.withLock { state in
            state.stopRequested = true
            return state.pipeline
        }
        pipeline?.requestStop()
    }
}
