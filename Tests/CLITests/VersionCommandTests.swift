import Foundation
import TestSupport
import Testing

/// Runs the built `recstream` executable as a user would.
@Suite("recstream version")
struct VersionCommandTests {
    @Test func reportsTheLibrariesActuallyLoaded() throws {
        let run = try RecstreamProcess.run(["version"], environment: [:])
        #expect(run.output.contains("recstream 0.1.0"))
        #expect(run.output.contains("librdkafka 2.16."), "the rpath must select the project-local librdkafka 2.16")
        #expect(run.output.contains("libpq 15."))
        #expect(run.output.contains("blas OpenBLAS"))
        #expect(run.status == 0)
    }

    /// With Debian's librdkafka 2.0.2 forced first on the loader path, the
    /// broker's rejection of the handshake is named, with the version and the fix.
    @Test(.enabled(if: TestServices.kafkaRequested))
    func namesTheLibraryVersionAndTheFixWhenTheBrokerRejectsTheHandshake() throws {
        let debianLibrary = "/usr/lib/x86_64-linux-gnu/librdkafka.so.1"
        try #require(FileManager.default.fileExists(atPath: debianLibrary), "Debian's librdkafka1 package is installed by ops/bootstrap")
        let run = try RecstreamProcess.run(
            ["version"],
            environment: ["RECSTREAM_KAFKA_BROKERS": try TestServices.kafkaBrokers(), "LD_LIBRARY_PATH": "/usr/lib/x86_64-linux-gnu"])
        #expect(run.status == 1)
        #expect(run.output.contains("librdkafka 2.0.2"))
        #expect(run.output.contains("rejected the handshake of librdkafka 2.0.2"))
        #expect(run.output.contains("ops/bootstrap") && run.output.contains("ops/recstream"))
    }
}
