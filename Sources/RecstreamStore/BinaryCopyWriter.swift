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

    public mutating func append(_ value: String) {
        let utf8 = value.utf8
        appendInteger(Int32(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// A one-dimensional `real[]` without NULL elements, bit-exact.
    public mutating func append<C: Collection>(realArray values: C) where C.Element == Float {
        appendInteger(Int32(20 + 8 * values.count))
        appendInteger(Int32(1))  // dimensions
        appendInteger(Int32(0))  // has nulls
        appendInteger(BinaryCopyFormat.float4Oid)
        appendInteger(Int32(values.count))
        appendInteger(Int32(1))  // lower bound
        for value in values {
            appendInteger(Int32(4))
            appendInteger(value.bitPattern)
        }
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
}
