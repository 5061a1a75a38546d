/// Builds a PostgreSQL `COPY ... FROM STDIN (FORMAT binary)` stream.
///
/// Usage: `beginRow(fieldCount:)`, then one `append` per field, in the
/// table's column order; `finish()` returns the bytes to send.
public struct BinaryCopyWriter {
    private(set) var bytes: [UInt8]

    public init(reservingCapacity capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity + 32)
        bytes.append(contentsOf: BinaryCopyFormat.signature)
        appendInteger(Int32(0))  // flags
        appendInteger(Int32(0))  // header extension length
    }

    public mutating func beginRow(fieldCount: Int) {
        appendInteger(Int16(fieldCount))
    }

    public mutating func appendNull() {
        appendInteger(Int32(-1))
    }

    public mutating func append(_ value: Int64) {
        appendInteger(Int32(8))
        appendInteger(value)
    }

    public mutating func append(_ value: Int32) {
        appendInteger(Int32(4))
        appendInteger(value)
    }

    public mutating func append(_ value: Float) {
        appendInteger(Int32(4))
        appendInteger(value.bitPattern)
    }

    public mutating func append(_ value: Double) {
        appendInteger(Int32(8))
        appendInteger(value.bitPattern)
    }

    public mutating func append(_ value: Bool) {
        appendInteger(Int32(1))
        appendInteger(UInt8(value ? 1 : 0))
    }

    public mutating func append(_ value: String) {
        let utf8 = value.utf8
        appendInteger(Int32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// Raw bytes (`bytea`).
    public mutating func append(bytes value: [UInt8]) {
        appendInteger(Int32(value.count))
        bytes.append(contentsOf: value)
    }

    /// A `text` field, NULL for nil.
    public mutating func append(optional value: String?) {
        if let value { append(value) } else { appendNull() }
    }

    /// A `bytea` field, NULL for nil.
    public mutating func append(optionalBytes value: [UInt8]?) {
        if let value { append(bytes: value) } else { appendNull() }
    }

    /// A one-dimensional `real[]` without NULL elements, bit-exact.
    public mutating func append<C: Collection>(realArray values: C) where C.Element == Float {
        appendArrayHeader(byteCount: 8 * values.count, elementOid: BinaryCopyFormat.float4Oid, count: values.count)
        appendElements(values.map(\.bitPattern))
    }

    /// A one-dimensional `double precision[]` without NULL elements, bit-exact.
    public mutating func append(doubleArray values: [Double]) {
        appendArrayHeader(byteCount: 12 * values.count, elementOid: BinaryCopyFormat.float8Oid, count: values.count)
        appendElements(values.map(\.bitPattern))
    }

    /// A one-dimensional `bigint[]` without NULL elements.
    public mutating func append(bigintArray values: [Int64]) {
        appendArrayHeader(byteCount: 12 * values.count, elementOid: BinaryCopyFormat.int8Oid, count: values.count)
        appendElements(values)
    }

    /// Each element as its length and big-endian bits, written in place
    /// (vectors are most of a batch's bytes: one append per element cost
    /// more than the rest of the encoding).
    private mutating func appendElements<T: FixedWidthInteger>(_ elements: [T]) {
        let size = MemoryLayout<T>.size
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: (4 + size) * elements.count))
        bytes.withUnsafeMutableBytes { raw in
            var offset = start
            for element in elements {
                raw.storeBytes(of: Int32(size).bigEndian, toByteOffset: offset, as: Int32.self)
                raw.storeBytes(of: element.bigEndian, toByteOffset: offset + 4, as: T.self)
                offset += 4 + size
            }
        }
    }

    /// A one-dimensional `text[]` without NULL elements.
    public mutating func append(textArray values: [String]) {
        let byteCount = values.reduce(0) { $0 + 4 + $1.utf8.count }
        appendArrayHeader(byteCount: byteCount, elementOid: BinaryCopyFormat.textOid, count: values.count)
        for value in values {
            appendInteger(Int32(value.utf8.count))
            bytes.append(contentsOf: value.utf8)
        }
    }

    /// Field length, then the array header: 1 dimension, no NULLs, element
    /// type, element count, lower bound 1 (PostgreSQL's `array_send`).
    private mutating func appendArrayHeader(byteCount: Int, elementOid: Int32, count: Int) {
        appendInteger(Int32(20 + byteCount))
        appendInteger(Int32(1))
        appendInteger(Int32(0))
        appendInteger(elementOid)
        appendInteger(Int32(count))
        appendInteger(Int32(1))
    }

    /// The complete stream, trailer included.
    public mutating func finish() -> [UInt8] {
        appendInteger(Int16(-1))
        return bytes
    }

    private mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}

enum BinaryCopyFormat {
    static let signature: [UInt8] = Array("PGCOPY\n".utf8) + [0xFF, 0x0D, 0x0A, 0x00]
    static let float4Oid: Int32 = 700
    static let float8Oid: Int32 = 701
    static let textOid: Int32 = 25
    static let int8Oid: Int32 = 20
}
