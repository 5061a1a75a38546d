import Foundation

/// The subset of TOML 1.0 that recstream's config uses: comments, `[table]`
/// headers (dotted), `key = value` with bare, quoted and dotted keys, basic
/// and literal strings, integers, floats, booleans, and arrays of those
/// (which may span lines). Dates and inline tables are refused with a clear
/// error. (TOMLKit, the maintained Swift wrapper, depends on a package the
/// mirror does not carry.)
struct TOMLDocument {
    typealias Value = ConfigurationValue

    /// One assignment: its full key path (table path + key), value and line.
    struct Entry: Equatable {
        var path: [String]
        var value: Value
        var line: Int
    }

    struct ParseError: Error, CustomStringConvertible, Equatable {
        var line: Int
        var reason: String
        var description: String { "line \(line): \(reason)" }
    }

    private(set) var entries: [Entry] = []

    init(_ text: String) throws(ParseError) {
        var table: [String] = []
        var seen = Set<[String]>()
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)[...]
        var number = 0
        while let raw = lines.popFirst() {
            number += 1
            let start = number
            var line = raw
            // An array may continue over the next lines until its brackets close.
            while Self.openBrackets(line) > 0, let next = lines.popFirst() {
                number += 1
                line += "\n" + next
            }
            var scanner = Scanner(Array(line.unicodeScalars), line: start)
            scanner.skipSpace()
            if scanner.atEndOrComment { continue }
            if scanner.peek == "[" {
                scanner.advance()
                if scanner.peek == "[" { throw ParseError(line: start, reason: "arrays of tables ([[...]]) are not supported") }
                table = try scanner.key()
                scanner.skipSpace()
                try scanner.expect("]")
                scanner.skipSpace()
                guard scanner.atEndOrComment else { throw ParseError(line: start, reason: "unexpected text after the table header") }
                continue
            }
            let key = try scanner.key()
            scanner.skipSpace()
            try scanner.expect("=")
            scanner.skipSpace()
            let value = try scanner.value()
            scanner.skipSpace()
            guard scanner.atEndOrComment else { throw ParseError(line: start, reason: "unexpected text after the value") }
            let path = table + key
            guard seen.insert(path).inserted else { throw ParseError(line: start, reason: "\(path.joined(separator: ".")) is set twice") }
            entries.append(Entry(path: path, value: value, line: start))
        }
    }

    /// `text` as a TOML basic string: in double quotes, with quotes, backslashes and
    /// control characters escaped.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// Unclosed `[` outside strings and comments (for values spanning lines).
    private static func openBrackets(_ line: String) -> Int {
        var depth = 0
        var quote: Character?
        var escaped = false
        for character in line {
            if let open = quote {
                if escaped {
                    escaped = false
                } else if character == "\\" && open == "\"" {
                    escaped = true
                } else if character == open {
                    quote = nil
                }
                continue
            }
            switch character {
            case "\"", "'": quote = character
            case "#": return depth
            case "[": depth += 1
            case "]": depth -= 1
            default: break
            }
        }
        return depth
    }

    private struct Scanner {
        let scalars: [Unicode.Scalar]
        var index = 0
        let line: Int

        init(_ scalars: [Unicode.Scalar], line: Int) {
            self.scalars = scalars
            self.line = line
        }

        var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }
        var atEndOrComment: Bool { peek == nil || peek == "#" }

        mutating func advance() { index += 1 }

        mutating func skipSpace(newlines: Bool = false) {
            while let c = peek, c == " " || c == "\t" || (newlines && (c == "\n" || c == "\r")) { advance() }
        }

        mutating func skipSpaceAndComments() {
            while true {
                skipSpace(newlines: true)
                guard peek == "#" else { return }
                while let c = peek, c != "\n" {
                    _ = c
                    advance()
                }
            }
        }

        func error(_ reason: String) -> ParseError { ParseError(line: line, reason: reason) }

        mutating func expect(_ scalar: Unicode.Scalar) throws(ParseError) {
            guard peek == scalar else { throw error("expected \"\(scalar)\"") }
            advance()
        }

        /// A dotted key: bare or quoted parts.
        mutating func key() throws(ParseError) -> [String] {
            var parts: [String] = []
            while true {
                skipSpace()
                if peek == "\"" || peek == "'" {
                    parts.append(try string())
                } else {
                    var bare = ""
                    while let c = peek,
                        ("0"..."9").contains(c) || ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "_" || c == "-"
                    {
                        bare.unicodeScalars.append(c)
                        advance()
                    }
                    guard !bare.isEmpty else { throw error("expected a key") }
                    parts.append(bare)
                }
                skipSpace()
                guard peek == "." else { return parts }
                advance()
            }
        }

        mutating func value() throws(ParseError) -> Value {
            switch peek {
            case "\"", "'": return .string(try string())
            case "[": return try array()
            case "{": throw error("inline tables are not supported; use a [table]")
            case nil: throw error("missing value")
            default: return try scalarValue()
            }
        }

        mutating func array() throws(ParseError) -> Value {
            try expect("[")
            var elements: [Value] = []
            while true {
                skipSpaceAndComments()
                if peek == "]" {
                    advance()
                    return .array(elements)
                }
                elements.append(try value())
                skipSpaceAndComments()
                if peek == "," { advance() } else if peek != "]" { throw error("expected \",\" or \"]\" in an array") }
            }
        }

        mutating func string() throws(ParseError) -> String {
            let quote = peek!
            advance()
            var text = ""
            while let c = peek {
                advance()
                if c == quote { return text }
                if c == "\n" { break }
                if c == "\\" && quote == "\"" {
                    guard let escape = peek else { break }
                    advance()
                    switch escape {
                    case "n": text += "\n"
                    case "t": text += "\t"
                    case "r": text += "\r"
                    case "\"": text += "\""
                    case "\\": text += "\\"
                    case "u", "U":
                        let length = escape == "u" ? 4 : 8
                        guard index + length <= scalars.count,
                            let code = UInt32(String(String.UnicodeScalarView(scalars[index..<index + length])), radix: 16),
                            let scalar = Unicode.Scalar(code)
                        else { throw error("bad \\\(escape) escape") }
                        text.unicodeScalars.append(scalar)
                        index += length
                    default: throw error("unknown escape \\\(escape)")
                    }
                } else {
                    text.unicodeScalars.append(c)
                }
            }
            throw error("unterminated string")
        }

        mutating func scalarValue() throws(ParseError) -> Value {
            var token = ""
            while let c = peek, !(c == " " || c == "\t" || c == "," || c == "]" || c == "#" || c == "\n" || c == "\r") {
                token.unicodeScalars.append(c)
                advance()
            }
            switch token {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "inf", "+inf": return .float(.infinity)
            case "-inf": return .float(-.infinity)
            case "nan", "+nan", "-nan": return .float(.nan)
            default: break
            }
            let digits = token.replacingOccurrences(of: "_", with: "")
            if let integer = Int64(digits) { return .integer(integer) }
            if digits.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }), let float = Double(digits) { return .float(float) }
            throw error("\"\(token)\" is not a TOML value (strings need quotes; dates are not supported)")
        }
    }
}
