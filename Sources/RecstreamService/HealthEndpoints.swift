import Hummingbird
import Prometheus
import RecstreamIngest

/// The operator's HTTP endpoints: `/healthz` (liveness), `/readyz`
/// (readiness with a JSON body per component) and `/metrics` (Prometheus
/// text format from `registry`).
enum HealthEndpoints {
    static func router(health: PipelineHealth, stallSeconds: Int, registry: PrometheusCollectorRegistry) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/healthz") { _, _ -> Response in
            let status = HealthStatus(snapshot: health.snapshot, stallSeconds: stallSeconds)
            return text(status.stallReason.map { "\($0)\n" } ?? "ok\n", status: status.live ? .ok : .serviceUnavailable)
        }
        router.get("/readyz") { _, _ -> Response in
            let status = HealthStatus(snapshot: health.snapshot, stallSeconds: stallSeconds)
            return Response(
                status: status.ready ? .ok : .serviceUnavailable, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: status.readinessJSON + "\n")))
        }
        router.get("/metrics") { _, _ -> Response in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16_384)
            registry.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        return router
    }

    private static func text(_ body: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
