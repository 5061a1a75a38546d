import CLibPQ

/// Turns a connection string into one that is safe to log.
enum ConninfoRedaction {
    /// The settings of `conninfo` (URL or key=value) without the password;
    /// a string libpq cannot parse is not echoed at all.
    static func redact(_ conninfo: String) -> String {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            if let errorMessage { PQfreemem(errorMessage) }
            return "<unparseable connection string>"
        }
        defer { PQconninfoFree(options) }
        var parts: [String] = []
        var option = options
        while let keyword = option.pointee.keyword {
            let key = String(cString: keyword)
            if let value = option.pointee.val, key != "password" {
                parts.append("\(key)=\(String(cString: value))")
            }
            option += 1
        }
        return parts.isEmpty ? "<libpq defaults and PG* environment>" : parts.joined(separator: " ")
    }
}
