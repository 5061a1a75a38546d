/// Reads a PostgreSQL `COPY ... TO STDOUT (FORMAT binary)` stream.
///
/// Usage: `nextRow()` returns the field count (nil at the end), then one
/// `read...` call per field in the query's column order.
public struct BinaryCopyReader {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) throws {
        self.bytes = bytes
        let signature = BinaryCopyFormat.signature
        guard bytes.count >= signature.count + 8, Array(bytes[0..<signature.count]) == signature else {
            throw BinaryCopyError.malformed("missing PGCOPY signature")
        }
        position = signature.count + 4
        let extensionLength = Int(try readInteger(Int32.self))
        position += extensionLength
    }

    /// Starts the next row and returns its field count, or nil after the trailer.
    public mutating func nextRow() throws -> Int? {
        let count = try readInteger(Int16.self)
        return count == -1 ? nil : Int(count)
    }

    public mutating func readInt64() throws -> Int64? {
        guard try readLength(expected: 8) != nil else { return nil }
        return try readInteger(Int64.self)
    }

    public mutating func readInt32() throws -> Int32? {
        guard try readLength(expected: 4) != nil else { return nil }
        return try readInteger(Int32.self)
    }

    public mutating func readFloat() throws -> Float? {
        guard try readLength(expected: 4) != nil else { return nil }
        return Float(bitPattern: try readInteger(UInt32.self))
    }

    public mutating func readDouble() throws -> Double? {
        guard try readLength(expected: 8) != nil else { return nil }
        return Double(bitPattern: try readInteger(UInt64.self))
    }

    public mutating func readBool() throws -> Bool? {
        guard try readLength(expected: 1) != nil else { return nil }
        return try readInteger(UInt8.self) != 0
    }

    public mutating func readString() throws -> String? {
        guard let length = try readLength(expected: nil) else { return nil }
        try require(length)
        defer { position += length }
        return String(decoding: bytes[position..<position + length], as: UTF8.self)
    }

    /// Raw bytes (`bytea`).
    public mutating func readBytes() throws -> [UInt8]? {
        guard let length = try readLength(expected: nil) else { return nil }
        try require(length)
        defer { position += length }
        return Array(bytes[position..<position + length])
    }

    /// A one-dimensional `real[]` (an empty array reads as []); NULL elements are refused.
    public mutating func readRealArray() throws -> [Float]? {
        try readArray(elementOid: BinaryCopyFormat.float4Oid, name: "real") { reader, length in
            guard length == 4 else { throw BinaryCopyError.malformed("real element of \(length) bytes") }
            return Float(bitPattern: try reader.readInteger(UInt32.self))
        }
    }

    /// A one-dimensional `double precision[]`.
    public mutating func readDoubleArray() throws -> [Double]? {
        try readArray(elementOid: BinaryCopyFormat.float8Oid, name: "double precision") { reader, length in
            guard length == 8 else { throw BinaryCopyError.malformed("double element of \(length) bytes") }
            return Double(bitPattern: try reader.readInteger(UInt64.self))
        }
    }

    /// A one-dimensional `text[]`.
    public mutating func readTextArray() throws -> [String]? {
        try readArray(elementOid: BinaryCopyFormat.textOid, name: "text") { reader, length in
            try reader.require(length)
            defer { reader.position += length }
            return String(decoding: reader.bytes[reader.position..<reader.position + length], as: UTF8.self)
        }
    }

    private mutating func readArray<T>(
        elementOid: Int32, name: String, element: (inout BinaryCopyReader, Int) throws -> T
    ) throws -> [T]? {
        guard let length = try readLength(expected: nil) else { return nil }
        let end = position + length
        let dimensions = try readInteger(Int32.self)
        _ = try readInteger(Int32.self)  // has-nulls flag
        let elementType = try readInteger(Int32.self)
        guard elementType == elementOid else { throw BinaryCopyError.malformed("array element type \(elementType), expected \(name)") }
        if dimensions == 0 { return [] }
        guard dimensions == 1 else { throw BinaryCopyError.malformed("array with \(dimensions) dimensions") }
        let count = Int(try readInteger(Int32.self))
        _ = try readInteger(Int32.self)  // lower bound
        var values = [T]()
        values.reserveCapacity(count)
        for _ in 0..<count {
            guard let elementLength = try readLength(expected: nil) else { throw BinaryCopyError.malformed("NULL inside \(name)[]") }
            values.append(try element(&self, elementLength))
        }
        guard position == end else { throw BinaryCopyError.malformed("array length mismatch") }
        return values
    }

    private mutating func readLength(expected: Int?) throws -> Int? {
        let length = Int(try readInteger(Int32.self))
        if length == -1 { return nil }
        if let expected, length != expected { throw BinaryCopyError.malformed("field of \(length) bytes, expected \(expected)") }
        return length
    }

    private mutating func readInteger<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        try require(size)
        var value: T = 0
        for index in 0..<size { value = value << 8 | T(bytes[position + index]) }
        position += size
        return value
    }

    private func require(_ count: Int) throws {
        guard position + count <= bytes.count else { throw BinaryCopyError.malformed("truncated stream") }
    }
}

/// A binary COPY stream that does not match the expected layout.
public enum BinaryCopyError: Error, CustomStringConvertible {
    case malformed(String)

    public var description: String {
        switch self {
        case .malformed(let reason): return "malformed binary COPY stream: \(reason)"
        }
    }
}
