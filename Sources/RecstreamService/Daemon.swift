import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus
public import RecstreamIngest
import RecstreamStream
import ServiceLifecycle

/// `recstream serve`: the ingest pipeline, its health monitor and the HTTP
/// endpoints in one ServiceGroup, with structured logs, Prometheus metrics
/// and systemd notifications (READY, STATUS, WATCHDOG, STOPPING). Until it
/// leads its database it is a standby: endpoints up, nothing consumed.
public enum Daemon {
    /// Runs until SIGTERM or SIGINT (then the batch in flight is committed
    /// and this returns) or until the pipeline fails (then this throws).
    public static func run(configuration: DaemonConfiguration) async throws {
        LoggingSystem.bootstrap { label in
            StructuredLogHandler(label: label, level: configuration.logLevel, format: configuration.logFormat)
        }
        let logger = Logger(label: "recstream")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(metricsFactory(registry: registry))
        // A dead network path must not hang a connection attempt for minutes.
        setenv("PGCONNECT_TIMEOUT", "5", 0)

        let notifier = SystemdNotifier()
        let health = PipelineHealth(role: .standby)
        let running = RunningPipeline()
        recordBuildInfo()
        guard let address = HTTPAddress(configuration.httpAddress) else { preconditionFailure("validated by DaemonConfiguration") }
        let application = Application(
            router: HealthEndpoints.router(health: health, stallSeconds: configuration.stallSeconds, registry: registry),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "recstream"),
            onServerRunning: { channel in
                logger.info("http endpoints listening", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
                notifier.notify("READY=1\nSTATUS=starting")
            },
            logger: logger
        )
        // A graceful shutdown reaches services last to first: the pipeline
        // commits its batch while the monitor and /readyz still answer. A
        // standby serves the endpoints and waits to take over.
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: application),
            .init(
                service: HealthMonitor(health: health, running: running, configuration: configuration, notifier: notifier, logger: logger)),
            .init(
                service: PipelineService(configuration: configuration, health: health, running: running, logger: logger) {
                    notifier.notify("STOPPING=1")
                },
                successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
        ]
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("stopped")
    }

    /// `recstream_build_info`: a constant 1 labelled with the versions that run.
    private static func recordBuildInfo() {
        Gauge(
            label: "recstream_build_info", dimensions: [("version", RecstreamVersion.current), ("librdkafka", LibrdkafkaRuntime.version)]
        )
        .record(1)
    }

    /// Prometheus buckets fitted to what recstream measures.
    private static func metricsFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["recstream_batch_commit_seconds"] = [5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000]
            .map { .milliseconds($0) }
        factory.durationHistogramBuckets["recstream_freshness_seconds"] = [50, 100, 250, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000]
            .map { .milliseconds($0) }
        factory.valueHistogramBuckets["recstream_batch_size"] = [1, 10, 50, 100, 500, 1_000, 2_000, 5_000, 10_000, 50_000]
        return factory
    }
}
