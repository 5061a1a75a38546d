import Foundation
import CLibPQ

/// Connection strings that name another database on the same server.
public enum ConninfoDatabase {
    /// `conninfo` (URL or key=value) as a key=value string whose dbname is
    /// `database`, every other setting kept (libpq parses it, we only quote);
    /// nil when libpq cannot parse it.
    public static func replacing(database: String, in conninfo: String) -> String? {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &errorMessage) else {
            if let errorMessage { PQfreemem(errorMessage) }
            return nil
        }
        defer { PQconninfoFree(options) }
        var parts = ["dbname=\(quoted(database))"]
        var option = options
        while let keyword = option.pointee.keyword {
            let key = String(cString: keyword)
            if let value = option.pointee.val, key != "dbname" {
                parts.append("\(key)=\(quoted(String(cString: value)))")
            }
            option += 1
        }
        return parts.joined(separator: " ")
    }

    /// A conninfo value in single quotes, with `\` and `'` escaped.
    private static func quoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
