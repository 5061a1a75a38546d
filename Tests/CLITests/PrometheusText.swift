import Foundation

/// Reads Prometheus text format with the reference parser of the
/// `prometheus_client` Python package (unpacked into .local/python by
/// ops/bootstrap), not with code of ours.
enum PrometheusText {
    static let pythonPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".local/python").path

    static let script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        samples = {}
        for family in text_string_to_metric_families(sys.stdin.read()):
            for sample in family.samples:
                labels = ",".join('%s="%s"' % item for item in sorted(sample.labels.items()))
                samples["%s{%s}" % (sample.name, labels)] = sample.value
        print(json.dumps(samples))
        """

    /// Every sample as `name{label="value",...}` (labels sorted) -> value;
    /// throws when the parser rejects the text.
    static func parse(_ text: String) throws -> [String: Double] {
        let run = try ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/python3"), ["-c", script], environment: ["PYTHONPATH": pythonPath], input: text)
        guard run.status == 0 else { throw ParseFailure(reason: run.output) }
        return try JSONDecoder().decode([String: Double].self, from: Data(run.output.utf8))
    }

    struct ParseFailure: Error, CustomStringConvertible {
        var reason: String
        var description: String { "prometheus_client rejected /metrics: \(reason)" }
    }
}
