import Foundation

/// Connection strings that name another database on the same server.
public enum ConninfoDatabase {
    /// `conninfo` (URL or key=value) as a key=value string whose dbname is
    /// `database`, every other setting kept (libpq parses it, we only quote);
    /// nil when libpq cannot parse it.
    public static func replacing(database: String, in conninfo: String) -> String? {
        guard let options = ConninfoOptions.parse(conninfo) else { return nil }
        let kept = options.filter { $0.key != "dbname" }.map { "\($0.key)=\(quoted($0.value))" }
        return (["dbname=\(quoted(database))"] + kept).joined(separator: " ")
    }

    /// A conninfo value in single quotes, with `\` and `'` escaped.
    private static func quoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
    }
}
