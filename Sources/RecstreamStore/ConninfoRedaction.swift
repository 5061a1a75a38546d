import CLibPQ

/// The settings of a connection string (URL or key=value) as libpq parses
/// them: only those that are set, in libpq's order; nil when unparseable.
enum ConninfoOptions {
    static func parse(_ conninfo: String) -> [(key: String, value: String)]? {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            if let errorMessage { PQfreemem(errorMessage) }
            return nil
        }
        defer { PQconninfoFree(options) }
        var parsed: [(key: String, value: String)] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { parsed.append((String(cString: keyword), String(cString: value))) }
            option += 1
        }
        return parsed
    }
}

/// Turns a connection string into one that is safe to log.
enum ConninfoRedaction {
    /// The settings of `conninfo` (URL or key=value) without the password;
    /// a string libpq cannot parse is not echoed at all.
    static func redact(_ conninfo: String) -> String {
        guard let options = ConninfoOptions.parse(conninfo) else { return "<unparseable connection string>" }
        let parts = options.filter { $0.key != "password" }.map { "\($0.key)=\($0.value)" }
        return parts.isEmpty ? "<libpq defaults and PG* environment>" : parts.joined(separator: " ")
    }
}
