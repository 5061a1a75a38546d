import Foundation
import TestSupport
import Testing

/// `ops/systemd/recstream.service` as systemd reads it: offline
/// `systemd-analyze` in a scratch root that holds the unit, the binary at
/// its ExecStart path and the system's own units (no systemd needs to run).
@Suite("systemd unit")
struct SystemdUnitTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// A root with /etc/systemd/system/recstream.service, /usr/local/bin/recstream
    /// and a copy of /lib/systemd/system.
    func scratchRoot() throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("unit-root-\(UUID().uuidString.prefix(8))")
        let manager = FileManager.default
        try manager.createDirectory(at: root.appendingPathComponent("usr/local/bin"), withIntermediateDirectories: true)
        try manager.createDirectory(at: root.appendingPathComponent("etc/systemd/system"), withIntermediateDirectories: true)
        try manager.createDirectory(at: root.appendingPathComponent("usr/lib/systemd"), withIntermediateDirectories: true)
        try manager.copyItem(
            at: Self.repository.appendingPathComponent("ops/systemd/recstream.service"),
            to: root.appendingPathComponent("etc/systemd/system/recstream.service"))
        let binary = URL(fileURLWithPath: ProcessInfo.processInfo.arguments[0]).deletingLastPathComponent().appendingPathComponent(
            "recstream")
        try manager.linkItem(at: binary, to: root.appendingPathComponent("usr/local/bin/recstream"))
        try manager.copyItem(at: URL(fileURLWithPath: "/lib/systemd/system"), to: root.appendingPathComponent("usr/lib/systemd/system"))
        return root
    }

    func systemdAnalyze(_ arguments: [String]) throws -> ChildProcess.Result {
        try ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/systemd-analyze"), arguments,
            environment: ["SYSTEMD_LOG_COLOR": "0", "SYSTEMD_COLORS": "0", "PATH": "/usr/bin:/bin"])
    }

    @Test func verifiesWithoutAWarningAndIsHardened() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "ops/bootstrap installs systemd")
        let root = try scratchRoot()
        defer { try? FileManager.default.removeItem(at: root) }

        let verify = try systemdAnalyze(["verify", "--root=\(root.path)", "recstream.service"])
        #expect(verify.status == 0 && verify.output.isEmpty, "systemd-analyze verify:\n\(verify.output)")

        let unit = try String(contentsOf: Self.repository.appendingPathComponent("ops/systemd/recstream.service"), encoding: .utf8)
        for setting in [
            "Type=notify", "WatchdogSec=", "Restart=on-failure", "User=recstream", "EnvironmentFile=", "NoNewPrivileges=yes",
            "ProtectSystem=strict", "CapabilityBoundingSet=\n", "SystemCallFilter=@system-service", "MemoryDenyWriteExecute=yes",
        ] {
            #expect(unit.contains(setting), "\(setting)")
        }
        // systemd's own exposure score, 0.0 (locked down) to 10.0 (unprotected);
        // --threshold is in tenths.
        let security = try systemdAnalyze(["security", "--offline=true", "--root=\(root.path)", "--threshold=20", "recstream.service"])
        #expect(security.status == 0, "exposure above 2.0:\n\(security.output.suffix(1_500))")
        print(security.output.split(separator: "\n").last.map(String.init) ?? "")
    }

    @Test func aBrokenUnitIsCaught() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"), "ops/bootstrap installs systemd")
        let root = try scratchRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.removeItem(at: root.appendingPathComponent("usr/local/bin/recstream"))
        let verify = try systemdAnalyze(["verify", "--root=\(root.path)", "recstream.service"])
        #expect(verify.status != 0 && verify.output.contains("/usr/local/bin/recstream"), "\(verify.output)")
    }
}
