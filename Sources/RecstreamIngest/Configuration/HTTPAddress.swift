/// `http.address`: a host (name, IPv4, or bracketed IPv6) and a port; port 0
/// lets the system choose.
public struct HTTPAddress: Sendable, Equatable {
    public var host: String
    public var port: Int

    /// nil unless `text` is `host:port` with a port from 0 to 65535.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.host = host
        self.port = port
    }
}

/// How log lines are written: logfmt (`key=value`) or one JSON object per line.
public enum LogFormat: String, CaseIterable, Sendable, Equatable {
    case logfmt, json
}
