import Foundation
import RecstreamIngest
import ServiceLifecycle

/// The ingest pipeline as a swift-service-lifecycle service. The pipeline
/// blocks in librdkafka and libpq, so it runs on a thread of its own; a
/// graceful shutdown (SIGTERM, SIGINT) or cancellation asks it to commit its
/// batch and return, and `run()` returns when it did.
struct PipelineService: Service {
    let pipeline: IngestPipeline
    /// Told first when a graceful shutdown begins (systemd's STOPPING=1).
    let onShutdown: @Sendable () -> Void

    func run() async throws {
        try await withTaskCancellationOrGracefulShutdownHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                Thread.detachNewThread {
                    do {
                        try pipeline.run()
                        continuation.resume()
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            }
        } onCancelOrGracefulShutdown: {
            onShutdown()
            pipeline.requestStop()
        }
    }
}
